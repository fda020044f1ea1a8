"""The config-driven jobs: one experiment end to end (data -> heatmaps -> strategy -> backtest -> outputs),
a sweep, and recording a run in the results store.

Each job takes a config path, a :class:`LoadedConfig` or an :class:`ExperimentConfig` built in Python
(relative paths in it resolve against ``base_dir``, default the current folder). The CLI's ``liqbt run``
and ``liqbt sweep`` are thin shells around :func:`run_experiment`, :func:`write_run`, :func:`record_run`
and :func:`run_sweep`; sweeps and walk-forward evaluation call :func:`build_context` once and evaluate
many parameter sets on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .backtest import BacktestResult, Signals, run_backtest
from .backtest.stats import count_values, json_safe, stats_for_json
from .config.experiment import ExperimentConfig, LoadedConfig, check_loaded, load_config
from .config.files import write_atomic
from .data.config import load_data
from .data.market import Market, MultiVenueMarket
from .errors import ConfigError
from .evaluation import BuyAndHold, Judgement, daily_regimes, judge
from .heatmap import HeatmapResult, reconstruct_named
from .progress import stage
from .strategy import Strategy, StrategyContext

__all__ = ["ExperimentRun", "build_context", "run_experiment", "run_sweep", "record_run", "write_run", "stats_json",
           "equity_frame", "baselines_for_output", "load_market", "as_loaded", "PYTHON_CONFIG"]

PYTHON_CONFIG = "<ExperimentConfig>"
"""The file name a config built in Python stands under in messages (``<base_dir>/<ExperimentConfig>: ...``)."""


@dataclass(frozen=True, eq=False)
class ExperimentRun:
    """Everything one run produced."""

    config: ExperimentConfig
    market: Market
    heatmaps: dict[str, HeatmapResult]
    strategy: Strategy
    signals: Signals
    backtest: BacktestResult
    stats: pd.DataFrame
    baselines: pd.DataFrame | None = None
    benchmark: BacktestResult | None = None
    """Buy-and-hold with the config's backtest settings (leverage, costs, funding) on the same market: the
    line the equity chart draws, and the same backtest as the baselines table's ``buy_and_hold`` row."""
    judgement: Judgement | None = None
    """With ``evaluation.baselines``: the placebo test, and every variant's return per daily regime and per
    quarter (``baselines`` is its ``summary``)."""


def as_loaded(config_or_path: str | Path | LoadedConfig | ExperimentConfig, *, base_dir: str | Path | None = None,
              allow_paths: tuple[str | Path, ...] = ()) -> LoadedConfig:
    """A checked config with its base directory, from a YAML path, a :class:`LoadedConfig` or an
    :class:`ExperimentConfig`.

    Parameters
    ----------
    config_or_path : str, Path, LoadedConfig or ExperimentConfig
        A path is read with :func:`liqbt.config.load_config`; a LoadedConfig is returned as it is; an
        ExperimentConfig gets the same start-up checks as a file (``liqbt validate``'s gate).
    base_dir : str or Path, optional
        Only with an ExperimentConfig: the folder its relative paths (data files, ``output.dir``,
        ``file.py:Class`` strategies) resolve against; default the current folder.
    allow_paths : tuple of str or Path, default ()
        Folders outside the project that paths may reach (``--allow-path``).
    """
    if isinstance(config_or_path, LoadedConfig):
        if base_dir is not None:
            raise ConfigError("base_dir: a LoadedConfig carries its own base directory (its file's folder)")
        return config_or_path
    if isinstance(config_or_path, ExperimentConfig):
        from .config.files import allowed_roots, resolve_path

        base = resolve_path(base_dir if base_dir is not None else Path.cwd(), "base_dir")
        return check_loaded(LoadedConfig(config=config_or_path, path=base / PYTHON_CONFIG,
                                         allow=allowed_roots(allow_paths)))
    if base_dir is not None:
        raise ConfigError("base_dir: a config file's paths resolve against its own folder; pass base_dir only "
                          "with an ExperimentConfig")
    if not isinstance(config_or_path, (str, Path)):
        raise ConfigError(f"config: expected a YAML path, a LoadedConfig or an ExperimentConfig, "
                          f"found {type(config_or_path).__name__}")
    return load_config(config_or_path, allow_paths)


def load_market(loaded: LoadedConfig) -> Market | MultiVenueMarket:
    """The config's market (one: a config naming several symbols runs through :mod:`liqbt.jobs`)."""
    if loaded.config.symbols is not None:
        raise ConfigError(f"{loaded.path}: symbols: {list(loaded.config.symbols)} are several markets; run them "
                          "with liqbt.jobs.run_symbols, or one of them with loaded.for_symbol(name)")
    return load_data(loaded.config.data, loaded.base_dir)


def build_context(config: ExperimentConfig, market: Market, heatmap_models: dict | None = None, *,
                  base_dir: Path | None = None) -> tuple[dict[str, HeatmapResult], StrategyContext]:
    """Reconstruct the heatmaps the strategy reads (with ``output.snapshot_every`` profiles) by role.

    ``heatmap_models`` replaces the config's models (a sweep over heatmap fields); ``base_dir`` is the
    config's folder (a strategy given as ``file.py:Class`` resolves against it). The context's level
    source is ``strategy.level_source`` (default the heatmap).
    """
    if config.strategy is None:
        raise ConfigError("strategy: no strategy in the config; add e.g. 'strategy: {name: magnet_zone}'")
    if isinstance(market, MultiVenueMarket):
        raise ConfigError(f"data: a backtest trades one market, not the venues {market.venues}: pass one venue's "
                          f"market (market[{market.venues[0]!r}]) or declare the market to trade as data.sources")
    models = heatmap_models if heatmap_models is not None else dict(config.heatmaps)
    roles = config.strategy.role_map(list(models), base_dir=base_dir)
    needed = {name: models[name] for name in dict.fromkeys(roles.values())}
    if needed:
        stage(f"reconstructing heatmaps ({', '.join(needed)}; {len(market):,} bars)")
    heatmaps = reconstruct_named(market, needed, snapshot_every=config.output.snapshot_every) if needed else {}
    ctx = StrategyContext(market=market, heatmaps={role: heatmaps[name] for role, name in roles.items()},
                          level_source=config.strategy.level_source, placebo_seed=config.strategy.placebo_seed)
    return heatmaps, ctx


def run_experiment(config_or_path: str | Path | LoadedConfig | ExperimentConfig, *, market: Market | None = None,
                   base_dir: str | Path | None = None) -> ExperimentRun:
    """Run the config's strategy on its data with its backtest settings.

    Parameters
    ----------
    config_or_path : str, Path, LoadedConfig or ExperimentConfig
        The experiment (see :func:`as_loaded`); it needs a ``strategy:`` section.
    market : Market, optional
        The bars to run on instead of the config's ``data:`` (e.g. a slice of it).
    base_dir : str or Path, optional
        Only with an ExperimentConfig: the folder its relative paths resolve against (default: the
        current folder).

    Returns
    -------
    ExperimentRun
        Heatmaps, signals, backtest, ``stats`` and (with ``evaluation.baselines``) the baseline table.
        Nothing is written: see :func:`write_run` and :func:`record_run`.
    """
    loaded = as_loaded(config_or_path, base_dir=base_dir)
    config = loaded.config
    market = market if market is not None else load_market(loaded)
    heatmaps, ctx = build_context(config, market, base_dir=loaded.base_dir)
    strategy = config.strategy.build(base_dir=loaded.base_dir)
    stage(f"strategy signals ({config.strategy.name})")
    signals = strategy.signals(ctx)
    stage("backtesting")
    result = run_backtest(market, signals, config.backtest)
    if config.evaluation.baselines:
        stage(f"baselines: {config.evaluation.placebo_seeds} placebo seeds, plain S/R and buy and hold "
              "(same costs), judged per daily regime and quarter")
        judgement = judge_run(strategy, ctx, config)
    else:
        stage("buy and hold (the equity chart's benchmark)")
        judgement = None
    # the equity chart's buy-and-hold line is the baselines table's buy_and_hold run (same leverage and costs)
    hold = judgement.benchmark if judgement is not None else run_backtest(market, BuyAndHold().signals(ctx),
                                                                          config.backtest)
    return ExperimentRun(config=config, market=market, heatmaps=heatmaps, strategy=strategy, signals=signals,
                         backtest=result, stats=result.stats(),
                         baselines=judgement.summary if judgement is not None else None, benchmark=hold,
                         judgement=judgement)


def judge_run(strategy: Strategy, ctx: StrategyContext, config: ExperimentConfig) -> Judgement:
    """The strategy beside its placebo runs (``evaluation.placebo_seeds``), its plain-S/R twin and
    buy-and-hold, with the same costs, judged per daily regime and per quarter
    (:func:`liqbt.evaluation.judge`, :func:`liqbt.evaluation.daily_regimes`).

    Any strategy that reads levels through the context gets every row; for one that does not, the
    placebo and S/R rows say so in their ``note``.
    """
    return judge(strategy, ctx, config.backtest, seeds=range(config.evaluation.placebo_seeds),
                 labels=daily_regimes(ctx.market), period="Q")


def stats_json(run: ExperimentRun) -> str:
    """The text of ``stats.json``: strategy, parameters, statistics, backtest settings and conventions.

    Strict JSON: an undefined or infinite statistic is ``null`` and ``null_reasons`` says why
    (``json.dumps(allow_nan=False)``: never ``NaN`` or ``Infinity``). ``conventions`` states what the
    backtest actually did (liquidation trigger, funding price, ``funding_at_entry``, coarse bars, gaps).
    """
    stats, stat_reasons = stats_for_json(run.stats.iloc[0].to_dict())
    params, param_reasons = json_safe(run.strategy.get_params(), "params")
    conventions, _ = json_safe(run.backtest.conventions)
    payload = {"strategy": run.config.strategy.name, "params": params,
               "level_source": run.config.strategy.level_source, "placebo_seed": run.config.strategy.placebo_seed,
               "stats": stats,
               "null_reasons": {**{f"stats.{k}": v for k, v in stat_reasons.items()}, **param_reasons},
               "backtest": run.config.backtest.model_dump(mode="json"),
               "liquidation_trigger": run.backtest.liquidation_trigger,
               "conventions": conventions}
    if run.judgement is not None:
        payload["placebo_test"], _ = json_safe(run.judgement.placebo)
    return json.dumps(payload, indent=2, allow_nan=False)


def write_run(run: ExperimentRun, out: Path, *, title: str | None = None) -> dict[str, Path]:
    """``stats.json``, ``trades.csv`` (one row per trade, PnL split), ``fills.csv`` (one row per order),
    ``equity.csv`` (per bar), ``baselines.csv``, ``equity.png``, ``heatmap_<name>.png``, ``heatmap.html`` (interactive,
    with the trades) and ``report.html``
    in ``out``. Columns and units: :data:`liqbt.backtest.trades.TRADE_COLUMNS` and ``EQUITY_COLUMNS``."""
    from .plots import view_from_result
    from .plots.equity_png import write_equity_png
    from .plots.heatmap_html import write_heatmap_html
    from .plots.heatmap_png import write_heatmap_png
    from .report.run_html import write_run_report

    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    # every file is written whole through a temporary file (a failure leaves no partial output)
    paths["stats"] = write_atomic(out / "stats.json", stats_json(run))
    fills = run.backtest.fills()
    trades = run.backtest.trades()  # once: trades.csv and the heatmap page's markers
    paths["trades"] = write_atomic(out / "trades.csv", trades.to_csv(index=False))
    paths["fills"] = write_atomic(out / "fills.csv", fills.to_csv(index=False))
    equity = equity_frame(run)
    paths["equity_csv"] = write_atomic(out / "equity.csv", equity.to_csv())
    value = equity["equity_usd"]
    hold = equity["buy_and_hold_usd"] if "buy_and_hold_usd" in equity else None
    paths["equity"] = write_equity_png(value, out / "equity.png", benchmark=hold,
                                       title=f"{run.config.strategy.name}: value with funding and fees (USD)",
                                       benchmark_label=f"buy and hold ({run.config.backtest.leverage:g}x, same costs)")
    views = []
    for name, result in run.heatmaps.items():
        if len(result.snapshots):
            view = view_from_result(result, run.market, name)
            paths[f"heatmap_{name}"] = write_heatmap_png(view, out / f"heatmap_{name}.png", fills=fills)
            views.append(view)
    if views:  # interactive, with the trades as markers; report.html inlines it
        paths["heatmap_html"] = write_heatmap_html(
            views, out / "heatmap.html", title=f"liqbt heatmap: {run.config.name or run.config.strategy.name}",
            trades=trades)
    if run.baselines is not None:
        paths["baselines"] = write_atomic(out / "baselines.csv", baselines_for_output(run.baselines).to_csv(
            index_label="variant"))
    if run.judgement is not None:  # compounded return of every variant per daily regime and per quarter
        paths["by_regime"] = write_atomic(out / "baselines_by_regime.csv",
                                          run.judgement.by_label.to_csv(index_label="regime"))
        paths["by_period"] = write_atomic(out / "baselines_by_period.csv",
                                          run.judgement.by_period.to_csv(index_label="period"))
    paths["report"] = write_run_report(run, paths, out / "report.html", title=title)
    return paths


def baselines_for_output(baselines: pd.DataFrame) -> pd.DataFrame:
    """The baselines table as files and pages show it: trade counts as integers (``count_values``)."""
    out = baselines.copy()
    out["trades"] = count_values(out["trades"])
    return out


def equity_frame(run: ExperimentRun) -> pd.DataFrame:
    """What ``equity.csv`` holds: the strategy's :meth:`BacktestResult.equity` and, beside it,
    ``buy_and_hold_usd``, the value of :attr:`ExperimentRun.benchmark` (the run of the baselines table's
    ``buy_and_hold`` row, same leverage and costs)."""
    equity = run.backtest.equity()
    if run.benchmark is not None:
        equity["buy_and_hold_usd"] = run.benchmark.equity()["equity_usd"]
    return equity


def record_run(run: ExperimentRun, store: str | Path) -> int:
    """Record ``run`` in the results store at ``store`` as ``liqbt run`` does: its resolved config, data
    fingerprint, code version, parameters and statistics (window ``all``).

    Parameters
    ----------
    run : ExperimentRun
        What :func:`run_experiment` returned.
    store : str or Path
        The SQLite results store (created if missing). ``liqbt run`` passes ``<output folder>/<output.store>``.

    Returns
    -------
    int
        The experiment's id in the store (the same config, data and code version share one id).
    """
    from .research.store import ResultStore, data_fingerprint

    with ResultStore(store) as db:
        exp = db.experiment("run", run.config.name, run.config.model_dump(mode="json"), data_fingerprint(run.market))
        db.add(exp, [(run.strategy.get_params(), "all", run.stats.iloc[0].to_dict())])
        db.set_status(exp, "done")
    return exp


def run_sweep(config_or_path: str | Path | LoadedConfig | ExperimentConfig, store: str | Path | None = None, *,
              market: Market | None = None, base_dir: str | Path | None = None, progress: bool = False):
    """Evaluate every parameter set of the config's ``sweep:`` on every walk-forward window.

    Parameters
    ----------
    config_or_path : str, Path, LoadedConfig or ExperimentConfig
        The experiment (see :func:`as_loaded`); it needs ``strategy:`` and ``sweep:`` sections.
    store : str or Path, optional
        The SQLite results store: a sweep resumes from the parameter sets it already holds. None (the
        default) keeps the store in memory, so nothing is written; ``liqbt sweep`` passes
        ``<output folder>/<output.store>``.
    market : Market, optional
        The bars to sweep on instead of the config's ``data:``.
    base_dir : str or Path, optional
        Only with an ExperimentConfig: the folder its relative paths resolve against.
    progress : bool, default False
        Show a progress bar.

    Returns
    -------
    liqbt.research.SweepOutcome
        ``results`` (one row per parameter set and window) and the ``walk_forward`` table.
    """
    from .config.gate import require
    from .research.runner import sweep_loaded

    loaded = as_loaded(config_or_path, base_dir=base_dir)
    require(loaded, "sweep")
    market = market if market is not None else load_market(loaded)
    return sweep_loaded(loaded, market, None, progress=progress, store=":memory:" if store is None else store)
