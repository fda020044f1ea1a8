"""Record dtypes, codes and the array bundles shared by the backtest kernels and wrappers.

Codes are NamedTuples of ints (vectorbt's idiom, used by every kernel package);
the kernels take their inputs grouped into the NamedTuples below (numba passes
a NamedTuple of arrays and scalars as one struct) instead of 35 positional
arguments.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: vectorbt's order record layout (``vectorbt.portfolio.enums.order_dt``), declared here so that the
#: kernel layer loads no vectorbt; tests/test_kernel_layout.py checks the two are equal.
order_dt = np.dtype([("id", np.int64), ("col", np.int64), ("idx", np.int64), ("size", np.float64),
                     ("price", np.float64), ("fees", np.float64), ("side", np.int64)], align=True)

__all__ = ["order_dt", "liquidation_dt", "trade_dt", "FillReason", "FILL_REASON_NAMES", "END_OF_DATA",
           "TRADE_EXIT_NAMES", "PriceArrays", "FundingArrays",
           "OrderArrays", "CostParams", "MarginArrays", "RecordArrays", "ColumnOutputs", "ColumnSlots",
           "PositionState"]


class FillReasonT(NamedTuple):
    Signal: int = 0
    StopLoss: int = 1
    TakeProfit: int = 2
    Target: int = 3
    Liquidation: int = 4


#: Why an order was filled; stored per order beside vectorbt's order records.
FillReason = FillReasonT()
FILL_REASON_NAMES = ("signal", "stop_loss", "take_profit", "target", "liquidation")

#: Why a trade ended: the fill reason of its closing order, or ``end_of_data`` for a trade still open at
#: the last bar (valued at the last close, as the final equity is).
END_OF_DATA = len(FILL_REASON_NAMES)
TRADE_EXIT_NAMES = FILL_REASON_NAMES + ("end_of_data",)

#: One trade (a position from opening to flat; a reversal ends one trade and starts the next).
#: ``side`` +1 long / -1 short; ``size`` coins; prices USD (averages over the trade's fills; the exit of
#: an open trade is the last close); ``entry_fees``, ``exit_fees`` USD paid (>= 0); ``funding`` USD
#: (+ received, - paid); ``price_pnl`` USD from prices only; ``exit_reason`` an index into
#: :data:`TRADE_EXIT_NAMES`.
trade_dt = np.dtype(
    [
        ("id", np.int64),
        ("col", np.int64),
        ("entry_idx", np.int64),
        ("exit_idx", np.int64),
        ("side", np.int64),
        ("size", np.float64),
        ("entry_price", np.float64),
        ("exit_price", np.float64),
        ("entry_fees", np.float64),
        ("exit_fees", np.float64),
        ("funding", np.float64),
        ("price_pnl", np.float64),
        ("exit_reason", np.int64),
    ],
    align=True,
)

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


class PriceArrays(NamedTuple):
    """Per-bar prices of :func:`~liqbt.backtest.nb.simulate_nb`, contiguous float64 (n,), USD."""
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    trig_low: np.ndarray      # range that triggers liquidation (mark or trade low / high)
    trig_high: np.ndarray


class FundingArrays(NamedTuple):
    """Funding amounts ``rate * price`` (USD per coin, + = longs pay) per bar, NaN where none."""
    before: np.ndarray        # (n,) events in the data gap before the bar
    at_fill: np.ndarray       # (n,) events at the bar's fill instant
    inside: np.ndarray        # (n,) events strictly inside the bar
    row: np.ndarray           # (n,) int64 row of the bar in the compact funding output, -1 without events
    n_rows: int               # bars with funding events
    charge_at_entry: bool     # a position opened at a fill instant pays that instant's events


class OrderArrays(NamedTuple):
    """What each column trades: signals on the row of the bar whose close they are known at."""
    long_entries: np.ndarray  # (n, m) bool
    long_exits: np.ndarray
    short_entries: np.ndarray
    short_exits: np.ndarray
    size: np.ndarray          # flexible 2-D float: equity fraction or USD notional (size_is_notional)
    size_is_notional: bool
    sl_stop: np.ndarray       # flexible 2-D float, fraction of the entry fill, NaN = none
    tp_stop: np.ndarray
    target_price: np.ndarray  # flexible 2-D float, USD, row t applies to bar t + 1, NaN = none


class CostParams(NamedTuple):
    """Account and trading costs."""
    init_cash: float          # USD
    leverage: float           # x
    taker_fee: float          # fraction of the notional
    maker_fee: float
    slippage: float           # fraction of the price


class MarginArrays(NamedTuple):
    """Liquidation of the strategy's own position (isolated margin)."""
    enabled: bool
    fee_rate: float           # clearance fee, fraction of the notional at the fill
    caps: np.ndarray          # maintenance brackets (see liqbt.margin.nb)
    mmr: np.ndarray
    cum: np.ndarray


class RecordArrays(NamedTuple):
    """Output records, filled from the start; their lengths are the capacities."""
    orders: np.ndarray        # vectorbt ``order_dt``
    liqs: np.ndarray          # ``liquidation_dt``


class ColumnOutputs(NamedTuple):
    """Per-order and per-column outputs of the simulation besides the records (same positions as the orders)."""
    reasons: np.ndarray       # int64 (len(orders),) fill reason (FillReason)
    funding: np.ndarray       # float64 (funding rows, m) funding cash flow, USD (+ received)
    order_funding: np.ndarray  # float64 (len(orders),) funding of the position each order opened, USD


class ColumnSlots(NamedTuple):
    """Where each column's records start when columns are simulated in parallel (int64 (m,) each)."""
    order_start: np.ndarray
    liq_start: np.ndarray


class PositionState(NamedTuple):
    """One column's account between events."""
    cash: float               # USD (vectorbt's convention: a leveraged long runs negative cash)
    pos: float                # coins, signed
    ep: float                 # entry price, USD
    wb: float                 # isolated wallet balance, USD
    lp: float                 # liquidation price, USD
    slp: float                # stop-loss price, USD
    tpp: float                # take-profit price, USD
