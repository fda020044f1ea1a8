"""Honest baselines, and running any strategy against them.

The level source is part of the :class:`~liqbt.strategy.StrategyContext`, so
every strategy that reads its levels through ``ctx.zones`` / ``ctx.imbalance``
(the shipped ones and any user's) gets:

* **placebo**: the same strategy on a context whose clusters are moved to
  random distances drawn from the real distances seen so far
  (:func:`liqbt.zones.placebo_sets`; the imbalance drawn from the values seen
  so far), one run per seed;
* **plain S/R**: the same strategy on swing support/resistance levels instead
  of the heatmap;
* **buy-and-hold**: :class:`~liqbt.strategy.library.BuyAndHold`, long from the
  first bar to the end.

A strategy that reads no levels through the context has no placebo or S/R
twin; the table says so in its ``note`` column instead of dropping the rows.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..backtest import BacktestConfig, BacktestResult, run_backtest
from ..progress import bar
from ..strategy import Strategy, StrategyContext
from ..strategy.library import BuyAndHold

__all__ = ["NO_LEVELS_NOTE", "SUMMARY_COLUMNS", "BuyAndHold", "baseline_contexts", "baseline_runs",
           "compare_to_baselines", "compare_to_baselines_from_runs", "reads_levels"]

#: Metric columns of :func:`compare_to_baselines` (from :meth:`BacktestResult.stats`); a ``note`` column follows.
SUMMARY_COLUMNS = ("total_return", "sharpe_ratio", "max_drawdown", "trades", "fees_paid_usd", "funding_paid_usd",
                   "funding_received_usd")

#: The ``note`` of the placebo and S/R rows of a strategy that reads no levels through the context.
NO_LEVELS_NOTE = ("not run: the strategy reads no levels through StrategyContext.zones/imbalance, "
                  "so no placebo or plain-S/R twin exists")


def baseline_contexts(ctx: StrategyContext, seeds: Iterable[int] = (0, 1, 2)) -> dict[str, StrategyContext]:
    """``ctx`` with heatmap levels, placebo levels (one per seed) and plain S/R levels, by label."""
    out = {"heatmap": ctx.with_levels("heatmap")}
    for seed in seeds:
        out[f"placebo_{int(seed)}"] = ctx.with_levels("placebo", int(seed))
    out["sr"] = ctx.with_levels("sr")
    return out


def reads_levels(strategy: Strategy, ctx: StrategyContext) -> bool:
    """Whether ``strategy`` asks the context for levels (runs it once on a fresh heatmap-level copy)."""
    probe = ctx.with_levels("heatmap")
    strategy.signals(probe)
    return probe.reads_levels


def baseline_runs(strategy: Strategy, ctx: StrategyContext, config: BacktestConfig | None = None,
                  seeds: Iterable[int] = (0, 1, 2)) -> dict[str, BacktestResult]:
    """The backtests behind :func:`compare_to_baselines`, by row label.

    ``heatmap``, ``placebo_<seed>``..., ``sr`` and ``buy_and_hold``; for a strategy that reads no
    levels through the context only ``heatmap`` and ``buy_and_hold`` (its twins do not exist).
    """
    config = config if config is not None else BacktestConfig()
    variants = baseline_contexts(ctx, [int(s) for s in seeds])
    runs = {"heatmap": run_backtest(ctx.market, strategy.signals(variants["heatmap"]), config)}
    if variants["heatmap"].reads_levels:
        twins = [(label, variant) for label, variant in variants.items() if label != "heatmap"]
        for label, variant in bar(twins, "baselines", unit="backtest"):
            runs[label] = run_backtest(ctx.market, strategy.signals(variant), config)
    runs["buy_and_hold"] = run_backtest(ctx.market, BuyAndHold().signals(ctx), config)
    return runs


def _summary(run: BacktestResult) -> pd.Series:
    return run.stats().iloc[0][list(SUMMARY_COLUMNS)]


def compare_to_baselines(strategy: Strategy, ctx: StrategyContext, config: BacktestConfig | None = None,
                         seeds: Iterable[int] = (0, 1, 2)) -> pd.DataFrame:
    """Backtest ``strategy`` beside its placebos, its plain-S/R twin and buy-and-hold, with the same costs.

    Parameters
    ----------
    strategy : Strategy
        Any strategy; placebo and S/R rows need it to read levels through
        :meth:`StrategyContext.zones` or :meth:`StrategyContext.imbalance`.
    ctx : StrategyContext
        Its market and heatmaps are used; its own level source is not (every
        variant sets its own).
    config : BacktestConfig, optional
        Default ``BacktestConfig()`` (costs and funding on).
    seeds : iterable of int, default (0, 1, 2)
        Placebo seeds; a ``placebo_mean`` row averages them.

    Returns
    -------
    DataFrame
        Rows ``heatmap``, ``placebo_<seed>``..., ``placebo_mean``, ``sr``,
        ``buy_and_hold``; columns :data:`SUMMARY_COLUMNS` and ``note``. For a
        strategy that reads no levels the rows are ``strategy``, ``placebo``
        and ``sr`` (metrics NaN, ``note`` = :data:`NO_LEVELS_NOTE`) and
        ``buy_and_hold``.
    """
    seeds = [int(s) for s in seeds]
    return compare_to_baselines_from_runs(baseline_runs(strategy, ctx, config, seeds), seeds)


def compare_to_baselines_from_runs(runs: dict[str, BacktestResult], seeds: list[int]) -> pd.DataFrame:
    """The :func:`compare_to_baselines` table of runs already made by :func:`baseline_runs`."""
    if "sr" in runs:
        table = pd.DataFrame({label: _summary(run) for label, run in runs.items() if label != "buy_and_hold"}).T
        table = table.astype(np.float64)
        placebo = [f"placebo_{s}" for s in seeds]
        parts = [table.loc[["heatmap"] + placebo]]
        if placebo:
            parts.append(table.loc[placebo].mean().rename("placebo_mean").to_frame().T)
        parts.append(table.loc[["sr"]])
        table = pd.concat(parts)
        notes = [""] * len(table)
    else:
        empty = pd.Series(np.nan, index=list(SUMMARY_COLUMNS))
        table = pd.DataFrame({"strategy": _summary(runs["heatmap"]), "placebo": empty, "sr": empty}).T
        table = table.astype(np.float64)
        notes = ["", NO_LEVELS_NOTE, NO_LEVELS_NOTE]
    hold = _summary(runs["buy_and_hold"]).astype(np.float64).rename("buy_and_hold").to_frame().T
    table = pd.concat([table, hold])
    table["note"] = notes + [""]
    return table
