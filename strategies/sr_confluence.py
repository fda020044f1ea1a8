"""S/R confluence: fade (or break) the levels where a liquidation cluster meets support/resistance.

The claim: a band of resting liquidations that coincides with a price level
(swing high/low, volume-profile node, 50/200-bar moving average) is stronger
than either alone. The zone used on bar ``t`` is the dominant live cluster
known at ``t - 1``'s close; it counts when its confluence score with the
levels (:func:`liqbt.zones.confluence_score`) is at least ``min_confluence``.

* ``mode="fade"``: the bar touches the zone from inside (its high comes within
  ``touch_pct`` of a zone above) but closes back below it -> short; mirror
  below -> long. Stop ``stop_pct`` beyond the zone, target ``reward_risk``
  times the stop distance.
* ``mode="break"``: the bar closes beyond the zone -> trade the breakout, stop
  ``stop_pct`` back inside the zone.

Under a plain-S/R context (``ctx.level_source == "sr"``) the zones are the
swing levels themselves and no confluence is required (the plain-S/R baseline).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from liqbt.backtest import Signals
from liqbt.strategy import Param, Strategy, StrategyContext
from liqbt.zones import confluence_score, level_table

from ._common import ZONE_PARAMS, hold_exits, make_signals, zone_frame

__all__ = ["SRConfluence"]


class SRConfluence(Strategy):
    """Trade clusters that coincide with support/resistance (module docstring)."""

    name = "sr_confluence"  # the liqbt.strategies entry point registers it under this name

    heatmaps = ("main",)
    params: ClassVar[dict[str, Param]] = {
        "mode": Param("fade", choices=("fade", "break"), doc="fade the level or trade its break"),
        "max_dist_pct": Param(2.0, 0.5, 5.0, step=0.5, doc="zones tracked within this percent of the close"),
        "tol_pct": Param(0.5, 0.1, 1.0, step=0.1, doc="a level adds to the confluence within this percent"),
        "min_confluence": Param(0.25, 0.25, 2.0, step=0.25, doc="minimum confluence score of a zone"),
        "touch_pct": Param(0.05, 0.0, 0.3, step=0.05, doc="fade: how near the high/low must come, percent"),
        "stop_pct": Param(0.5, 0.2, 1.5, step=0.1, doc="stop beyond (fade) / inside (break) the zone, percent"),
        "reward_risk": Param(1.5, 0.5, 4.0, step=0.5, doc="target distance / stop distance"),
        "vp_window": Param(288, 96, 864, step=96, doc="bars in the rolling volume profile"),
        "max_hold_bars": Param(144, 0, 576, step=72, doc="exit this many bars after the entry signal (0: never)"),
        **ZONE_PARAMS,
        # fewer, brighter clusters rarely meet a level: a lower bar than the other strategies' 2.0
        "min_ratio": Param(1.5, 1.5, 4.0, step=0.5, doc="cluster band mean / neighbourhood mean (USD per bin)"),
    }

    def signals(self, ctx: StrategyContext) -> Signals:
        market = ctx.market
        z = zone_frame(self, ctx, "main", 0.0, self.max_dist_pct / 100)
        up, dn = z["above_price"].shift(1), z["below_price"].shift(1)  # zones known before the bar
        if ctx.level_source != "sr":
            levels = level_table(market, left=self.swing_left, right=self.swing_right, max_levels=self.max_levels,
                                 vp_window=self.vp_window)
            # the levels known before the bar, like the zones
            levels = levels.shift(1)
            up = up.where(confluence_score(up, levels, self.tol_pct / 100) >= self.min_confluence)
            dn = dn.where(confluence_score(dn, levels, self.tol_pct / 100) >= self.min_confluence)
        bars = market.bars
        high, low, close = bars["high"], bars["low"], bars["close"]
        touch, stop = self.touch_pct / 100, self.stop_pct / 100
        if self.mode == "fade":
            se = (high >= up * (1 - touch)) & (close < up)
            le = (low <= dn * (1 + touch)) & (close > dn)
            sl_short = (up * (1 + stop) - close) / close
            sl_long = (close - dn * (1 - stop)) / close
        else:
            le = close > up
            se = close < dn
            sl_long = (close - up * (1 - stop)) / close
            sl_short = (dn * (1 + stop) - close) / close
        both = le & se
        le, se = le & ~both, se & ~both
        sl = np.where(le, sl_long, np.where(se, sl_short, np.nan))
        tp = sl * self.reward_risk
        lx = hold_exits(le, self.max_hold_bars)
        sx = hold_exits(se, self.max_hold_bars)
        return make_signals(market.index, le, se, lx, sx, sl_stop=sl, tp_stop=tp)
