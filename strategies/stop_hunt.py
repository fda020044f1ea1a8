"""Stop hunt: a wick through a dense cluster that closes back inside, on a volume spike, is faded.

The claim: large players push price through a band of resting liquidations
to trigger them, then price snaps back. On bar ``t`` a live cluster below
the close (known at ``t - 1``'s close) is swept by the bar's low, the bar
closes back above it, and the bar's volume is at least ``volume_spike``
times the mean of the previous ``spike_window`` bars: go long at the next
open (short for the mirror image above). The stop sits ``stop_buffer_pct``
beyond the wick's extreme, the target ``reward_risk`` times the stop
distance away; the trade also ends after ``max_hold_bars``.

The liquidation spike is proxied by a volume spike: realised liquidations on
the shipped data are hourly and not known at a 5-minute close.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd

from liqbt.backtest import Signals
from liqbt.strategy import Param, Strategy, StrategyContext

from ._common import ZONE_PARAMS, hold_exits, make_signals, zone_frame

__all__ = ["StopHunt"]


class StopHunt(Strategy):
    """Fade a wick that swept a liquidation cluster and closed back inside (module docstring)."""

    name = "stop_hunt"  # the liqbt.strategies entry point registers it under this name

    heatmaps = ("main",)
    params: ClassVar[dict[str, Param]] = {
        "max_dist_pct": Param(5.0, 1.0, 10.0, step=1.0, doc="zones tracked within this percent of the close"),
        "min_pierce_pct": Param(0.0, 0.0, 0.3, step=0.05, doc="wick beyond the cluster, percent of its price"),
        "volume_spike": Param(1.5, 1.0, 4.0, step=0.5, doc="bar volume / mean volume of the previous bars"),
        "spike_window": Param(48, 12, 288, step=12, doc="bars in the volume mean"),
        "stop_buffer_pct": Param(0.1, 0.0, 0.5, step=0.1, doc="stop beyond the wick's extreme, percent"),
        "reward_risk": Param(2.0, 0.5, 4.0, step=0.5, doc="target distance / stop distance"),
        "max_hold_bars": Param(24, 0, 288, step=12, doc="exit this many bars after the entry signal (0: never)"),
        **ZONE_PARAMS,
    }

    def signals(self, ctx: StrategyContext) -> Signals:
        market = ctx.market
        z = zone_frame(self, ctx, "main", 0.0, self.max_dist_pct / 100)
        bars = market.bars
        high, low, close = bars["high"], bars["low"], bars["close"]
        volume = bars["volume"] if "volume" in bars.columns else pd.Series(np.nan, index=market.index)
        mean_vol = volume.shift(1).rolling(self.spike_window, min_periods=self.spike_window).mean()
        spike = volume >= self.volume_spike * mean_vol
        pierce = self.min_pierce_pct / 100
        buf = self.stop_buffer_pct / 100
        swept_dn = z["cleared_below_weight"] > 0
        swept_up = z["cleared_above_weight"] > 0
        lvl_dn, lvl_up = z["cleared_below_price"], z["cleared_above_price"]
        le = swept_dn & (close > lvl_dn) & (low <= lvl_dn * (1 - pierce)) & spike
        se = swept_up & (close < lvl_up) & (high >= lvl_up * (1 + pierce)) & spike
        both = le & se
        le, se = le & ~both, se & ~both
        sl_long = (close - low * (1 - buf)) / close
        sl_short = (high * (1 + buf) - close) / close
        sl = np.where(le, sl_long, np.where(se, sl_short, np.nan))
        tp = sl * self.reward_risk
        lx = hold_exits(le, self.max_hold_bars)
        sx = hold_exits(se, self.max_hold_bars)
        return make_signals(market.index, le, se, lx, sx, sl_stop=sl, tp_stop=tp)
