"""What the shipped strategies share: zone parameters and signal helpers.

Levels come from the context (``ctx.zones``): whether they are the heatmap's
clusters, their placebo or plain S/R is the context's ``level_source``, so the
strategies carry no switch of their own and get every baseline for free.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqbt.backtest import Signals
from liqbt.strategy import Param, StrategyContext
from liqbt.zones.exits import hold_exits

__all__ = ["ZONE_PARAMS", "hold_exits", "last_funding", "make_signals", "rising", "zone_frame"]

#: Parameters of every zone-based strategy: what counts as a cluster, and the plain-S/R levels' shape.
ZONE_PARAMS: dict[str, Param] = {
    "min_ratio": Param(2.0, 1.5, 4.0, step=0.5, doc="cluster band mean / neighbourhood mean (USD per bin)"),
    "neighbourhood_bins": Param(25, 10, 50, step=5, doc="bins each side that a cluster must outshine"),
    "min_share": Param(0.002, 0.0005, 0.01, log=True, doc="cluster band USD / snapshot's total resting USD"),
    "swing_left": Param(12, 6, 48, step=6, doc="S/R source: bars before a swing pivot"),
    "swing_right": Param(12, 3, 24, step=3, doc="S/R source: bars after a swing pivot (confirmation delay)"),
    "max_levels": Param(10, 4, 20, step=2, doc="S/R source: last confirmed pivots kept as levels"),
}


def zone_frame(strategy, ctx: StrategyContext, role: str, min_dist: float, max_dist: float) -> pd.DataFrame:
    """``ctx.zones`` of the heatmap playing ``role`` with ``strategy``'s :data:`ZONE_PARAMS`."""
    return ctx.zones(role, min_dist=min_dist, max_dist=max_dist, min_ratio=strategy.min_ratio,
                     neighbourhood_bins=strategy.neighbourhood_bins, min_share=strategy.min_share,
                     swing_left=strategy.swing_left, swing_right=strategy.swing_right,
                     max_levels=strategy.max_levels)


def rising(mask: pd.Series) -> pd.Series:
    """True where ``mask`` turns True (False on the row before, or the first row)."""
    mask = mask.fillna(False).astype(bool)
    return mask & ~mask.shift(1, fill_value=False)


def make_signals(index, long_entries, short_entries, long_exits=None, short_exits=None, sl_stop=None,
                 tp_stop=None, target_price=None) -> Signals:
    """One-column :class:`Signals`; stop/target fractions only on entry rows (NaN elsewhere)."""
    def flag(x):
        return None if x is None else pd.Series(np.asarray(x, dtype=np.bool_), index=index)

    def level(x):
        if x is None:
            return None
        s = pd.Series(np.asarray(x, dtype=np.float64), index=index)
        s = s.where(np.asarray(long_entries, dtype=bool) | np.asarray(short_entries, dtype=bool))
        return s.where(s > 0)

    return Signals(long_entries=flag(long_entries), long_exits=flag(long_exits), short_entries=flag(short_entries),
                   short_exits=flag(short_exits), sl_stop=level(sl_stop), tp_stop=level(tp_stop),
                   target_price=target_price)


def last_funding(market) -> pd.Series:
    """The last funding rate known at each bar's close (fraction per interval; 0 before the first)."""
    if "funding_rate" not in market.bars.columns:
        return pd.Series(0.0, index=market.index)
    return market.bars["funding_rate"].ffill().fillna(0.0)
