"""Honest baselines, and running any strategy against them.

* **placebo**: the same strategy with ``level_source="placebo"``: every cluster
  moved to a random distance drawn from the real distances seen so far
  (:func:`liqbt.zones.placebo_sets`), several seeds;
* **plain S/R**: the same strategy with ``level_source="sr"``: swing levels
  instead of the heatmap;
* **buy-and-hold**: :class:`BuyAndHold`, long from the first bar to the end.

:func:`compare_to_baselines` runs all of them with the same backtest config.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

import numpy as np
import pandas as pd

from liqbt.backtest import BacktestConfig, Signals, run_backtest
from liqbt.errors import ConfigError
from liqbt.strategy import Param, Strategy, StrategyContext, register_strategy

__all__ = ["SUMMARY_COLUMNS", "BuyAndHold", "baseline_variants", "compare_to_baselines"]

#: Columns of :func:`compare_to_baselines` (from :meth:`BacktestResult.stats`).
SUMMARY_COLUMNS = ("total_return", "sharpe_ratio", "max_drawdown", "trades", "fees_paid_usd", "funding_paid_usd",
                   "funding_received_usd")


@register_strategy("buy_and_hold")
class BuyAndHold(Strategy):
    """Long from the first bar's signal (filled at the second bar's open) to the end."""

    heatmaps = ()
    params: ClassVar[dict[str, Param]] = {}

    def signals(self, ctx: StrategyContext) -> Signals:
        entries = pd.Series(False, index=ctx.market.index)
        entries.iloc[0] = True
        return Signals(long_entries=entries)


def baseline_variants(strategy: Strategy, seeds: Iterable[int] = (0, 1, 2)) -> dict[str, Strategy]:
    """The strategy, its placebos (one per seed) and its plain-S/R twin, by label."""
    params = strategy.get_params()
    if "level_source" not in params:
        raise ConfigError(f"{strategy.name or type(strategy).__name__} has no level_source parameter; "
                          "baselines need it")
    cls = type(strategy)
    out = {"heatmap": cls(**{**params, "level_source": "heatmap"})}
    for seed in seeds:
        out[f"placebo_{seed}"] = cls(**{**params, "level_source": "placebo", "seed": int(seed)})
    out["sr"] = cls(**{**params, "level_source": "sr"})
    return out


def compare_to_baselines(strategy: Strategy, ctx: StrategyContext, config: BacktestConfig | None = None,
                         seeds: Iterable[int] = (0, 1, 2)) -> pd.DataFrame:
    """Backtest ``strategy`` beside its placebos, its plain-S/R twin and buy-and-hold.

    Parameters
    ----------
    strategy : Strategy
        With a ``level_source`` parameter (all shipped zone strategies have one).
    ctx : StrategyContext
    config : BacktestConfig, optional
        Default ``BacktestConfig()`` (costs and funding on).
    seeds : iterable of int, default (0, 1, 2)
        Placebo seeds; a ``placebo_mean`` row averages them.

    Returns
    -------
    DataFrame
        One row per variant, columns :data:`SUMMARY_COLUMNS`.
    """
    config = config if config is not None else BacktestConfig()
    variants = {**baseline_variants(strategy, seeds), "buy_and_hold": BuyAndHold()}
    rows = {}
    for label, strat in variants.items():
        stats = run_backtest(ctx.market, strat.signals(ctx), config).stats()
        rows[label] = stats.iloc[0][list(SUMMARY_COLUMNS)]
    table = pd.DataFrame(rows).T.astype(np.float64)
    placebo = [k for k in table.index if k.startswith("placebo_")]
    if placebo:
        mean = table.loc[placebo].mean().rename("placebo_mean")
        table = pd.concat([table.loc[["heatmap"] + placebo], mean.to_frame().T, table.loc[["sr", "buy_and_hold"]]])
    return table
