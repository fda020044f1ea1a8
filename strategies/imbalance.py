"""Imbalance bias: more long liquidations resting below than short liquidations above is a directional bias.

``imbalance = (long_below - short_above) / (long_below + short_above)`` over
the resting liquidations within ``window_pct`` of the close
(:func:`liqbt.zones.local_imbalance`), averaged over the last
``smooth_bars`` bars. With ``direction="magnet"`` price is expected to move
toward the larger pool: short when the imbalance is at least ``threshold``,
long when at most ``-threshold``; ``"contrarian"`` trades the other way.
The position is closed when the bias fades below ``exit_threshold`` and
reversed when it flips; ``stop_pct`` is a protective stop.

With ``use_funding`` a long also needs the last funding rate below
``funding_neutral`` (longs not crowded) and a short above it.

The imbalance comes from the context (``ctx.imbalance``), so the baselines
apply: under a placebo context each bar's imbalance is replaced by one drawn
from the imbalances seen so far (same distribution, no timing); under plain
S/R it is computed from swing levels instead of the heatmap (prominence of
the levels below minus above, within the same window).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd

from liqbt.backtest import Signals
from liqbt.strategy import Param, Strategy, StrategyContext

from ._common import last_funding, make_signals, rising

__all__ = ["ImbalanceBias"]


class ImbalanceBias(Strategy):
    """Long/short resting imbalance as a directional filter (module docstring)."""

    name = "imbalance_bias"  # the liqbt.strategies entry point registers it under this name

    heatmaps = ("main",)
    params: ClassVar[dict[str, Param]] = {
        "window_pct": Param(3.0, 1.0, 10.0, step=1.0, doc="resting liquidations counted within this percent"),
        "smooth_bars": Param(12, 1, 72, step=12, doc="bars in the mean of the imbalance (past only)"),
        "threshold": Param(0.4, 0.1, 0.8, step=0.1, doc="|imbalance| that opens a position"),
        "exit_threshold": Param(0.1, 0.0, 0.4, step=0.1, doc="|imbalance| below which the position closes"),
        "direction": Param("magnet", choices=("magnet", "contrarian"),
                           doc="trade toward the larger pool (magnet) or away from it"),
        "use_funding": Param(False, doc="also require the funding rate on the trade's side of funding_neutral"),
        "funding_neutral": Param(5e-5, 0.0, 1e-4, step=2.5e-5, doc="funding rate, fraction per interval"),
        "stop_pct": Param(2.0, 0.5, 5.0, step=0.5, doc="protective stop, percent (0: none)"),
        "swing_left": Param(12, 6, 48, step=6, doc="S/R source: bars before a swing pivot"),
        "swing_right": Param(12, 3, 24, step=3, doc="S/R source: bars after a swing pivot"),
        "max_levels": Param(10, 4, 20, step=2, doc="S/R source: last confirmed pivots kept as levels"),
    }

    def imbalance(self, ctx: StrategyContext) -> pd.Series:
        """The smoothed imbalance from the context's level source, in [-1, 1] (> 0: more longs below)."""
        raw = ctx.imbalance("main", self.window_pct / 100, swing_left=self.swing_left,
                            swing_right=self.swing_right, max_levels=self.max_levels)
        return raw.rolling(self.smooth_bars, min_periods=1).mean()

    def signals(self, ctx: StrategyContext) -> Signals:
        imb = self.imbalance(ctx)
        sign = -1.0 if self.direction == "magnet" else 1.0
        bias = sign * imb  # > 0: long bias
        long_ok = bias >= self.threshold
        short_ok = bias <= -self.threshold
        if self.use_funding:
            rate = last_funding(ctx.market)
            long_ok &= rate < self.funding_neutral
            short_ok &= rate > self.funding_neutral
        le, se = rising(long_ok), rising(short_ok)
        lx = (bias < self.exit_threshold).fillna(True)
        sx = (bias > -self.exit_threshold).fillna(True)
        sl = self.stop_pct / 100 if self.stop_pct > 0 else np.nan
        sl_arr = np.full(len(imb), sl)
        return make_signals(ctx.market.index, le, se, lx & ~le, sx & ~se, sl_stop=sl_arr)
