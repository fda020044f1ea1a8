"""Strategies the library itself owns: buy-and-hold (listed in ``registry.LIBRARY_STRATEGIES``, not an entry point)."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from ..backtest import Signals
from .base import Strategy
from .context import StrategyContext
from .params import Param

__all__ = ["BuyAndHold"]


class BuyAndHold(Strategy):
    """Long from the first bar's signal (filled at the second bar's open) to the end; reads no levels."""

    name = "buy_and_hold"
    heatmaps = ()
    params: ClassVar[dict[str, Param]] = {}

    def signals(self, ctx: StrategyContext) -> Signals:
        entries = pd.Series(False, index=ctx.market.index)
        entries.iloc[0] = True
        return Signals(long_entries=entries)
