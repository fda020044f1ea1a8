"""Bayesian (TPE) parameter search through Optuna, resumable after a kill.

Each trial suggests one parameter set, evaluates it on every window exactly
as a grid sweep does (same rows in the same results store) and reports to
Optuna the sweep metric averaged over the **training** windows only
(``train_<i>``; ``all`` when there are no walk-forward splits). Test windows
are computed and stored but never seen by the search. A set whose metric is
undefined on every train window (no trades) scores the worst possible value
(``-inf``, or ``+inf`` for ``max_drawdown``), as a grid sweep never chooses it.

Resuming: the study lives in an SQLite file beside the results store
(``results.sqlite`` -> ``results.optuna.sqlite``), named after the
experiment's config hash and data fingerprint. A killed run leaves at most
one trial unfinished; the next run marks it failed and asks again, and a
parameter set whose rows are already in the results store is looked up
instead of recomputed. The sampler is reseeded before every trial from
``(sweep.seed, trials finished so far)``, so an interrupted and resumed study
asks the same parameter sets as one that ran through. Run one process per
sweep: a second one would take the first one's running trial for a killed one.

Optuna is an optional dependency: ``pip install 'liqbt[research]'``.
"""

from __future__ import annotations

import json
import math
import sqlite3
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm.auto import tqdm

from ..errors import ConfigError
from ..strategy.params import range_value
from .config import RangeSpec
from .contexts import override_context
from .store import ResultStore, combo_key
from .sweep import Window, evaluate_combos, split_overrides

if TYPE_CHECKING:
    from ..config.experiment import ExperimentConfig
    from ..data.market import Market

__all__ = ["optuna_sweep", "optuna_storage_path", "train_objective"]

_CONTEXT_CACHE_SIZE = 4
"""Heatmap/backtest override groups whose reconstructed context is kept in memory."""


def _import_optuna():
    try:
        import optuna
    except ImportError:
        raise ConfigError("sweep.method 'optuna' needs Optuna, which is not installed: "
                          "pip install 'liqbt[research]'") from None
    return optuna


def optuna_storage_path(store_path: str | Path) -> Path:
    """The Optuna study file beside a results store: ``results.sqlite`` -> ``results.optuna.sqlite``."""
    path = Path(store_path)
    return path.with_name(f"{path.stem}.optuna.sqlite")


def train_objective(window_metrics: dict[str, dict], metric: str) -> float:
    """The search objective of one parameter set: ``metric`` averaged over its training windows.

    Parameters
    ----------
    window_metrics : dict
        Window name -> metrics of one parameter set (test windows may be
        present; they are ignored).
    metric : str
        A metric name, for example ``sharpe_ratio``.

    Returns
    -------
    float
        The mean over ``train_<i>`` windows (over ``all`` when there are none),
        skipping windows where the metric is undefined; NaN when it is
        undefined on every one.
    """
    names = [w for w in window_metrics if w.startswith("train_")] or ["all"]
    values = [window_metrics.get(w, {}).get(metric) for w in names]
    finite = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    return float(np.mean(finite)) if finite else float("nan")


def _suggest(trial, name: str, spec) -> Any:
    """One parameter of ``trial`` from its sweep spec (a list or a :class:`RangeSpec`)."""
    if isinstance(spec, list):
        bad = [v for v in spec if v is not None and not isinstance(v, (bool, int, float, str))]
        if bad:
            raise ConfigError(f"sweep.params.{name}: optuna chooses among None, bool, int, float or str values; "
                              f"found {bad[0]!r}")
        return trial.suggest_categorical(name, spec)
    assert isinstance(spec, RangeSpec)
    # Optuna cannot combine a step with a log scale: draw on the log scale and snap, as random search does.
    snap = spec.step is not None and spec.log
    if spec.integer:
        low, high = math.ceil(spec.low), math.floor(spec.high)
        if high < low:
            raise ConfigError(f"sweep.params.{name}: no integer between {spec.low} and {spec.high}")
        step = 1 if snap or spec.step is None else max(1, int(round(spec.step)))
        return trial.suggest_int(name, low, high, step=step, log=spec.log)
    return trial.suggest_float(name, spec.low, spec.high, step=None if snap else spec.step, log=spec.log)


def _combo(params: dict[str, Any], sweep) -> dict[str, Any]:
    """The liqbt parameter set of an Optuna trial's params (snapped and rounded as random search does)."""
    out = {}
    for name, spec in sweep.params.items():
        value = params[name]
        if isinstance(spec, RangeSpec):
            # Optuna honours a step itself except on a log scale (see _suggest), where it is snapped here
            value = range_value(value, spec.low, step=spec.step if spec.log else None, integer=spec.integer)
        out[name] = value
    return out


def _stored_objectives(path: Path, exp: int, metric: str) -> dict[str, float]:
    """combo key -> train objective of every parameter set the results store holds for ``exp``.

    Reads the documented ``results`` table directly (``ResultStore`` has no
    per-window metric lookup by key).
    """
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60)
    try:
        rows = db.execute("select combo_key, window, metrics_json from results where experiment_id=?",
                          (exp,)).fetchall()
    finally:
        db.close()
    by_key: dict[str, dict[str, dict]] = {}
    for key, window, metrics in rows:
        by_key.setdefault(key, {})[window] = json.loads(metrics)
    return {key: train_objective(windows, metric) for key, windows in by_key.items()}


def _study_name(store: ResultStore, exp: int) -> str:
    row = store.experiments().set_index("id").loc[exp]
    return f"liqbt-sweep-{exp}-{row['config_hash']}-{row['data_fingerprint']}"


def _trial_seed(seed: int, n_done: int) -> int:
    return int(np.random.SeedSequence([seed, n_done]).generate_state(1)[0])


def optuna_sweep(config: "ExperimentConfig", market: "Market", store: ResultStore, exp: int, wins: list[Window],
                 *, progress: bool = True, base_dir: Path | None = None) -> tuple[int, list[dict[str, Any]]]:
    """Run ``config.sweep``'s Bayesian search, storing every trial's rows in ``store`` under ``exp``.

    Parameters
    ----------
    config : ExperimentConfig
        With ``strategy:`` and ``sweep:`` (``method: optuna``); ``sweep.seed``
        seeds the TPE sampler and ``sweep.n_trials`` trials are run in all
        (those of an earlier, interrupted run included).
    market : Market
    store : ResultStore
        The results store; the Optuna study file is created beside it.
    exp : int
        The sweep's experiment id in ``store``.
    wins : list of Window
        ``all`` and the walk-forward windows; the objective reads only
        ``train_<i>`` (or ``all`` without splits).
    progress : bool, default True
        Show a progress bar of trials.
    base_dir : Path, optional
        The config's folder (a strategy given as ``file.py:Class`` resolves against it).

    Returns
    -------
    evaluated : int
        Parameter sets computed in this call (the rest came from the store).
    combos : list of dict
        The distinct parameter sets of all trials, in trial order.
    """
    optuna = _import_optuna()
    from optuna.trial import TrialState

    sweep = config.sweep
    strategy_cls = config.strategy.strategy_class(base_dir)
    storage_url = f"sqlite:///{optuna_storage_path(store.path)}"
    direction = "minimize" if sweep.metric == "max_drawdown" else "maximize"
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study(study_name=_study_name(store, exp), storage=storage_url, direction=direction,
                                    load_if_exists=True)
        for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING)):
            study.tell(trial.number, state=TrialState.FAIL)  # cut short by a kill: ask again
        objectives = _stored_objectives(store.path, exp, sweep.metric)
        contexts: OrderedDict[tuple, tuple] = OrderedDict()
        n_done = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
        evaluated = 0
        bar = tqdm(total=sweep.n_trials, initial=min(n_done, sweep.n_trials), disable=not progress,
                   desc="optuna", unit="trial")
        while n_done < sweep.n_trials:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                study.sampler = optuna.samplers.TPESampler(seed=_trial_seed(sweep.seed, n_done), multivariate=True)
            trial = study.ask()
            combo = _combo({name: _suggest(trial, name, spec) for name, spec in sweep.params.items()}, sweep)
            key = combo_key(combo)
            if key not in objectives:
                overrides, strategy_params = split_overrides(combo)
                params = {**config.strategy.params, **strategy_params}
                strategy_cls(**params)  # fail fast on a bad name before any heavy work
                if overrides not in contexts:
                    if len(contexts) >= _CONTEXT_CACHE_SIZE:
                        contexts.popitem(last=False)
                    contexts[overrides] = override_context(config, market, overrides, base_dir)
                contexts.move_to_end(overrides)
                ctx, backtest = contexts[overrides]
                rows = evaluate_combos(market, ctx, strategy_cls, [combo], [params], backtest, wins)
                store.add(exp, rows)
                objectives[key] = train_objective({w: m for _, w, m in rows}, sweep.metric)
                evaluated += 1
            value = objectives[key]
            if math.isnan(value):  # no trades on any train window: the worst score, so TPE moves away
                value = math.inf if direction == "minimize" else -math.inf
            study.tell(trial, value)
            n_done += 1
            bar.update(1)
        bar.close()
        combos: dict[str, dict[str, Any]] = {}
        for trial in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
            combo = _combo(trial.params, sweep)
            combos.setdefault(combo_key(combo), combo)
    finally:
        optuna.logging.set_verbosity(verbosity)
    return evaluated, list(combos.values())
