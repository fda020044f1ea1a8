"""Record dtypes and codes shared by the backtest kernels and wrappers."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from vectorbt.portfolio.enums import order_dt

__all__ = ["order_dt", "liquidation_dt", "FillReason", "FILL_REASON_NAMES"]


class FillReasonT(NamedTuple):
    Signal: int = 0
    StopLoss: int = 1
    TakeProfit: int = 2
    Target: int = 3
    Liquidation: int = 4


#: Why an order was filled; stored per order beside vectorbt's order records.
FillReason = FillReasonT()
FILL_REASON_NAMES = ("signal", "stop_loss", "take_profit", "target", "liquidation")

#: One liquidation of the strategy's own position.
#: ``side`` +1 long / -1 short; prices USD; ``size`` coins; ``fee`` USD
#: (taker + clearance, capped); ``margin`` the isolated wallet balance (USD,
#: after funding) just before the liquidation; ``loss`` the position's loss
#: at the fill, USD (price loss + fee, positive = lost).
liquidation_dt = np.dtype(
    [
        ("id", np.int64),
        ("col", np.int64),
        ("idx", np.int64),
        ("side", np.int64),
        ("size", np.float64),
        ("entry_price", np.float64),
        ("liq_price", np.float64),
        ("fill_price", np.float64),
        ("fee", np.float64),
        ("margin", np.float64),
        ("loss", np.float64),
    ],
    align=True,
)
