"""Run a config's sweep: expand, skip what the store has, evaluate in chunks, summarise."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from tqdm.auto import tqdm

from ..errors import ConfigError
from .contexts import grouped_contexts
from .store import ResultStore, combo_key, data_fingerprint
from .sweep import chunks, evaluate_combos, expand_params, split_overrides, windows
from .walkforward import walk_forward_table

if TYPE_CHECKING:
    from ..config.experiment import LoadedConfig

__all__ = ["sweep_loaded", "run_sweep_from_store", "SweepOutcome", "store_path"]


@dataclass(frozen=True, eq=False)
class SweepOutcome:
    """What a sweep produced.

    Attributes
    ----------
    results : DataFrame
        One row per parameter set and window (``all``, ``train_<i>``,
        ``test_<i>``): the parameters, ``window`` and the metrics.
    walk_forward : DataFrame
        Per split: the set chosen on train, its train and test metric, and
        the median test metric of all sets.
    experiment_id : int
    store : Path
    param_names : list of str
    evaluated : int
        Parameter sets computed in this call (the rest came from the store).
    """

    results: pd.DataFrame
    walk_forward: pd.DataFrame
    experiment_id: int
    store: Path
    param_names: list[str]
    evaluated: int


def store_path(loaded: "LoadedConfig", out: Path) -> Path:
    return (out / loaded.config.output.store).resolve()


def _identity(config) -> dict:
    """The config that identifies a sweep in the store, without where it runs.

    ``sweep.executor`` and ``sweep.address`` change no result: a sweep started
    on one executor resumes on another (set to their defaults, so the
    experiments of local sweeps keep their ids). ``strategy.level_source`` and
    ``strategy.placebo_seed`` appear only when not at their defaults.
    """
    dump = config.model_dump(mode="json")
    dump["sweep"].update(executor="local", address=None)
    # the level source moved from strategy params to strategy:; at its defaults it is left out, so a
    # config that never set it keeps the identity (and stored results) it had before the move
    strategy = dump.get("strategy") or {}
    if (strategy.get("level_source"), strategy.get("placebo_seed")) == ("heatmap", 0):
        strategy.pop("level_source", None)
        strategy.pop("placebo_seed", None)
    return dump


def sweep_loaded(loaded: "LoadedConfig", market, out: Path | None, *, progress: bool = True,
              store: str | Path | None = None) -> SweepOutcome:
    """Evaluate every parameter set of ``loaded``'s sweep on every window, resuming from the store
    (``store``, default ``out / output.store``; ``":memory:"`` keeps it in memory)."""
    config = loaded.config
    if config.sweep is None or config.strategy is None:
        raise ConfigError(f"{loaded.path}: a sweep needs 'strategy:' and 'sweep:' sections")
    sweep = config.sweep
    strategy_cls = config.strategy.strategy_class(loaded.base_dir)
    wins = windows(len(market), config.evaluation.walk_forward)
    path = Path(store) if store is not None else store_path(loaded, out)
    with ResultStore(path) as store:
        exp = store.experiment("sweep", config.name, _identity(config), data_fingerprint(market))
        if sweep.method == "optuna":
            from .optuna_search import optuna_sweep

            evaluated, combos = optuna_sweep(config, market, store, exp, wins, progress=progress,
                                             base_dir=loaded.base_dir)
        else:
            combos = expand_params(sweep)
            done = store.done(exp)
            todo = [c for c in combos if combo_key(c) not in done]
            for c in todo[:1]:  # fail fast on bad names before any heavy work
                strategy_cls(**{**config.strategy.params, **split_overrides(c)[1]})
            groups: dict[tuple, list[dict]] = {}
            for combo in todo:
                groups.setdefault(split_overrides(combo)[0], []).append(combo)
            if sweep.executor == "ray":
                from .ray_executor import run_groups_ray

                run_groups_ray(config, market, groups, wins, store, exp, progress=progress,
                               base_dir=loaded.base_dir)
            else:
                bar = tqdm(total=len(todo), disable=not progress, desc="sweep", unit="set")
                for overrides, group, ctx, backtest in grouped_contexts(config, market, groups, loaded.base_dir):
                    cache: dict = {}  # the windows' market arrays, shared by the group's chunks
                    for chunk in chunks(group, sweep.chunk_size):
                        params = [{**config.strategy.params, **split_overrides(c)[1]} for c in chunk]
                        store.add(exp, evaluate_combos(market, ctx, strategy_cls, chunk, params, backtest, wins,
                                                       cache))
                        bar.update(len(chunk))
                bar.close()
            evaluated = len(todo)
        store.set_status(exp, "done")
        keys = {combo_key(c) for c in combos}
        results = store.results(exp)
    param_names = list(sweep.params)
    results = results[[combo_key({k: row[k] for k in param_names}) in keys
                       for row in results[param_names].to_dict("records")]].reset_index(drop=True)
    return SweepOutcome(results=results, walk_forward=walk_forward_table(results, param_names, sweep.metric),
                        experiment_id=exp, store=path, param_names=param_names, evaluated=evaluated)


def run_sweep_from_store(loaded: "LoadedConfig", market, out: Path) -> SweepOutcome:
    """The stored results of a finished sweep; an error (computing nothing) if any set is missing."""
    config = loaded.config
    if config.sweep is None or config.sweep.method == "optuna":
        raise ConfigError(f"{loaded.path}: report needs a grid or random sweep: section")
    path = store_path(loaded, out)
    if not path.exists():
        raise ConfigError(f"{path}: no results store; run 'liqbt sweep {loaded.path}' first")
    combos = expand_params(config.sweep)
    with ResultStore(path) as store:
        exp = store.find("sweep", _identity(config), data_fingerprint(market))
        if exp is None:
            raise ConfigError(f"{path}: no sweep of this config and data is stored; run 'liqbt sweep {loaded.path}'")
        missing = len({combo_key(c) for c in combos} - store.done(exp))
        if missing:
            raise ConfigError(f"{path}: {missing} of {len(combos)} parameter sets are not stored yet; "
                              f"run 'liqbt sweep {loaded.path}' to finish the sweep")
        results = store.results(exp)
    names = list(config.sweep.params)
    return SweepOutcome(results=results, walk_forward=walk_forward_table(results, names, config.sweep.metric),
                        experiment_id=exp, store=path, param_names=names, evaluated=0)
