"""Strategies the library itself owns (registered here, not through entry points): buy-and-hold."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from ..backtest import Signals
from .base import Strategy
from .context import StrategyContext
from .params import Param
from .registry import register_strategy

__all__ = ["BuyAndHold"]


@register_strategy("buy_and_hold")
class BuyAndHold(Strategy):
    """Long from the first bar's signal (filled at the second bar's open) to the end; reads no levels."""

    heatmaps = ()
    params: ClassVar[dict[str, Param]] = {}

    def signals(self, ctx: StrategyContext) -> Signals:
        entries = pd.Series(False, index=ctx.market.index)
        entries.iloc[0] = True
        return Signals(long_entries=entries)
