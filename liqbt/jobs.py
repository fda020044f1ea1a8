"""Several symbols as one job: ``liqbt run`` and ``liqbt sweep`` on a config with ``symbols:``.

Each symbol's one-market config (:meth:`~liqbt.config.ExperimentConfig.for_symbol`: its data block,
every other section shared) runs exactly as that config would run alone, into its own folder
``<out>/<symbol>/`` with its own results store. Symbols run in parallel, one process each, at most
as many at once as the machine has cores; a sweep whose ``sweep.executor`` is ``ray`` runs the
symbols one after the other in this process, each spreading its chunks over the Ray cluster.
A symbol finished is written and stored before the next result is awaited, so an interrupted job
keeps it (and a sweep resumes a symbol it left half done from that symbol's store).

The combined summary has one row per symbol and a ``pooled`` row: the symbols weighted equally (the
mean of each ratio, the sum of each count) and, for a sweep, the parameter set best on that mean.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd

from .config.experiment import LoadedConfig
from .config.files import check_store_path, write_atomic
from .errors import ConfigError, DataError, LiqbtError, OutputError
from .progress import stage

__all__ = ["SymbolsOutcome", "run_symbols", "symbols_summary", "format_symbols", "JOB_COMMANDS", "RUN_COLUMNS"]

JOB_COMMANDS = ("run", "sweep")

RUN_COLUMNS = ("total_return", "sharpe_ratio", "max_drawdown", "win_rate", "exposure", "trades", "liquidations",
               "pnl_price_usd", "pnl_funding_usd", "pnl_fees_usd")
"""The statistics of a run that the combined summary keeps per symbol."""

_COUNTS = ("bars", "trades", "liquidations", "pnl_price_usd", "pnl_funding_usd", "pnl_fees_usd")
"""Summed in the pooled row (counts and USD amounts); every other column is averaged."""


@dataclass(frozen=True, eq=False)
class SymbolsOutcome:
    """What a job over several symbols produced.

    Attributes
    ----------
    command : {"run", "sweep"}
    summary : DataFrame
        One row per symbol (in the config's order) and a last row ``pooled``; see :func:`symbols_summary`.
    results : dict of str to DataFrame
        Per symbol: ``run``, its statistics (one row); ``sweep``, one row per parameter set and window
        (as :class:`liqbt.research.SweepOutcome.results`).
    walk_forward : dict of str to DataFrame
        Per symbol, a sweep's walk-forward table (empty for ``run``).
    folders : dict of str to Path
        Each symbol's output folder.
    """

    command: str
    summary: pd.DataFrame
    results: dict[str, pd.DataFrame]
    walk_forward: dict[str, pd.DataFrame]
    folders: dict[str, Path]


def _symbol_job(command: str, loaded: LoadedConfig, folder: Path) -> dict:
    """One symbol's run or sweep into ``folder``, as ``liqbt run`` / ``liqbt sweep`` would on its config.

    Runs in a worker process: it returns only small picklable tables, and an error as its class name and
    text (a :class:`DataError` does not survive pickling: its constructor takes more than the message).
    """
    # the warnings go back with the result: the parent shows them as the CLI shows its own, naming the symbol
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        try:
            done = _symbol_work(command, loaded, folder)
        except LiqbtError as exc:
            done = {"error": (type(exc).__name__, str(exc))}
        except OSError as exc:  # writing the outputs: one line naming the file, as the CLI gives it
            from .config.files import os_error_text

            done = {"error": ("OutputError", f"{exc.filename or folder}: {os_error_text(exc)}")}
    done["warnings"] = [(w.category, str(w.message)) for w in caught]
    return done


def _symbol_work(command: str, loaded: LoadedConfig, folder: Path) -> dict:
    """What ``liqbt run`` / ``liqbt sweep`` do with a one-market config, into ``folder`` and its own store."""
    from .pipeline import load_market

    market = load_market(loaded)
    folder.mkdir(parents=True, exist_ok=True)
    store = check_store_path(loaded.config.output.store, folder, f"{loaded.path}: output.store")
    if command == "run":
        from .pipeline import record_run, run_experiment, write_run

        result = run_experiment(loaded, market=market)
        write_run(result, folder)
        record_run(result, store)
        stats = result.stats.iloc[[0]].reset_index(drop=True)
        return {"bars": len(market), "results": stats, "walk_forward": pd.DataFrame()}
    from .research.report import write_sweep_outputs
    from .research.runner import sweep_loaded

    outcome = sweep_loaded(loaded, market, folder, progress=False, store=store)
    write_sweep_outputs(loaded, market, outcome, folder)
    return {"bars": len(market), "results": outcome.results, "walk_forward": outcome.walk_forward,
            "param_names": outcome.param_names, "evaluated": outcome.evaluated}


def run_symbols(loaded: LoadedConfig, command: str, out: Path, *, workers: int | None = None) -> SymbolsOutcome:
    """Run ``command`` on every symbol of ``loaded`` (a config with ``symbols:``) as one job.

    Parameters
    ----------
    loaded : LoadedConfig
        A checked config naming its symbols under ``symbols:``.
    command : {"run", "sweep"}
    out : Path
        The job's output folder: each symbol writes into ``out / <symbol>``, the combined summary
        goes to ``out / symbols_summary.csv``.
    workers : int, optional
        Processes at once (default: the machine's cores, at most one per symbol); 1 runs the symbols
        one after the other in this process.

    Returns
    -------
    SymbolsOutcome

    Raises
    ------
    LiqbtError
        The first symbol that failed, named (``symbols.<name>: ...``), once every other symbol has
        finished and been written.
    """
    config = loaded.config
    if config.symbols is None:
        raise ConfigError(f"{loaded.path}: symbols: the config names no symbols; run it with liqbt.pipeline")
    if command not in JOB_COMMANDS:
        raise ConfigError(f"{loaded.path}: symbols: expected a command of {list(JOB_COMMANDS)}, found {command!r}")
    names = list(config.symbols)
    folders = {name: out / name for name in names}
    jobs = {name: (command, loaded.for_symbol(name), folders[name]) for name in names}
    ray = command == "sweep" and config.sweep is not None and config.sweep.executor == "ray"
    workers = min(len(names), workers or os.cpu_count() or 1)
    done: dict[str, dict] = {}
    if ray or workers == 1:
        # Ray spreads each symbol's chunks over the cluster: the driver keeps one symbol at a time
        for i, name in enumerate(names):
            stage(f"symbol {name} ({command}; {i + 1} of {len(names)})")
            done[name] = _symbol_job(*jobs[name])
    else:
        stage(f"{len(names)} symbols ({', '.join(names)}): {command} in {workers} processes")
        # spawn: a worker starts clean (no threads or numba state copied from this process)
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures = {pool.submit(_symbol_job, *jobs[name]): name for name in names}
            for future in as_completed(futures):
                name = futures[future]
                done[name] = future.result()
                stage(f"symbol {name} {'failed' if 'error' in done[name] else 'done'} "
                      f"({len(done)} of {len(names)})")
    for name in names:
        for category, message in dict.fromkeys(done[name]["warnings"]):  # each once
            warnings.warn(f"symbols.{name}: {message}", category, stacklevel=2)
    failed = [name for name in names if "error" in done[name]]
    if failed:
        kind, text = done[failed[0]]["error"]
        kept = [name for name in names if name not in failed]
        text = f"{text}; finished and kept: {kept}" if kept else text
        # the error's own class where its constructor takes a message, a DataError naming the symbol else
        error = {"ConfigError": ConfigError, "OutputError": OutputError}.get(kind)
        raise error(f"symbols.{failed[0]}: {text}") if error else DataError(f"symbols.{failed[0]}", text)
    results = {name: done[name]["results"] for name in names}
    walk = {name: done[name]["walk_forward"] for name in names}
    bars = {name: done[name]["bars"] for name in names}
    summary = symbols_summary(command, results, walk, bars, config.sweep.metric if command == "sweep" else None,
                              list(config.sweep.params) if command == "sweep" else [])
    write_atomic(out / "symbols_summary.csv", summary.to_csv(index=False))
    return SymbolsOutcome(command=command, summary=summary, results=results, walk_forward=walk, folders=folders)


def symbols_summary(command: str, results: dict[str, pd.DataFrame], walk_forward: dict[str, pd.DataFrame],
                    bars: dict[str, int], metric: str | None = None, param_names: list[str] | None = None
                    ) -> pd.DataFrame:
    """One row per symbol and a ``pooled`` row (symbols weighted equally).

    ``run``: the statistics of :data:`RUN_COLUMNS`. ``sweep``: the parameter set best on ``metric`` over
    the whole period (window ``all``) and its value; ``wf_test``, the mean over the walk-forward splits
    of the test metric of the set chosen on train, beside ``wf_test_median_all``, the mean of the
    median test metric of all sets. The pooled row of a sweep names the set whose mean ``metric`` over
    the symbols is best, with that mean.
    """
    rows = []
    for name, table in results.items():
        row = {"symbol": name, "bars": bars[name]}
        if command == "run":
            row.update({k: table.iloc[0][k] for k in RUN_COLUMNS if k in table})
        else:
            row.update(_best_set(table[table["window"] == "all"], param_names, metric))
            wf = walk_forward[name]
            row.update(wf_splits=len(wf), wf_test=float(wf["test"].mean()) if len(wf) else np.nan,
                       wf_test_median_all=float(wf["test_median_all"].mean()) if len(wf) else np.nan)
        rows.append(row)
    table = pd.DataFrame(rows)
    pooled = {"symbol": "pooled"}
    for column in table.columns[1:]:
        values = pd.to_numeric(table[column], errors="coerce")
        pooled[column] = values.sum() if column in _COUNTS or column == "wf_splits" else values.mean()
    if command == "sweep":
        full = pd.concat([t[t["window"] == "all"] for t in results.values()], ignore_index=True)
        means = full.groupby(param_names, dropna=False)[metric].agg(["mean", "count"]).reset_index()
        means = means[means["count"] == len(results)].rename(columns={"mean": metric})
        pooled.update(_best_set(means, param_names, metric))
    return pd.concat([table, pd.DataFrame([pooled])], ignore_index=True)


def _best_set(table: pd.DataFrame, param_names: list[str], metric: str) -> dict:
    """The parameters (``best_<name>``) and ``metric`` of the row best on ``metric`` (NaN rows never win)."""
    scores = pd.to_numeric(table[metric], errors="coerce")
    if scores.notna().sum() == 0:
        return {**{f"best_{n}": np.nan for n in param_names}, metric: np.nan}
    # the same direction as the sweep's own choice: a drawdown is better small
    at = scores.idxmin() if metric == "max_drawdown" else scores.idxmax()
    return {**{f"best_{n}": table.loc[at, n] for n in param_names}, metric: float(scores[at])}


def format_symbols(outcome: SymbolsOutcome) -> str:
    """The combined summary as ``liqbt run`` / ``liqbt sweep`` print it, and where each symbol wrote."""
    table = outcome.summary.copy()
    for column in ("bars", "trades", "liquidations", "wf_splits"):
        if column in table:
            table[column] = table[column].map(lambda v: "-" if v != v else f"{int(v):,}")
    lines = [f"{len(outcome.folders)} symbols ({outcome.command}); pooled: the symbols weighted equally",
             table.to_string(index=False, float_format=lambda x: f"{x:.3f}", na_rep="-")]
    lines += [f"{name}: {folder}" for name, folder in outcome.folders.items()]
    if outcome.folders:
        lines.append(f"wrote {next(iter(outcome.folders.values())).parent / 'symbols_summary.csv'}")
    return "\n".join(lines)
