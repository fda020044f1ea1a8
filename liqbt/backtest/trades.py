"""Per-trade and per-bar tables of a backtest: what ``trades.csv`` and ``equity.csv`` hold."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .enums import TRADE_EXIT_NAMES
from .trades_nb import funding_by_bar_nb, trades_from_orders_nb

__all__ = ["trade_table", "equity_table", "TRADE_COLUMNS", "EQUITY_COLUMNS"]

#: Columns of :func:`trade_table` and their units.
TRADE_COLUMNS = {
    "trade": "number, 1.. in order of entry per column",
    "column": "the parameter column of the backtest",
    "side": "long or short",
    "entry_time": "bar open (UTC) of the bar whose fill opened the trade",
    "entry_price": "USD, average fill price of the entry (slippage included)",
    "exit_time": "bar open (UTC) of the bar whose fill closed the trade (the last bar for an open trade)",
    "exit_price": "USD, average fill price of the exit (the last close for an open trade)",
    "size_coins": "position size, coins",
    "notional_usd": "size_coins * entry_price, USD",
    "bars_held": "bars from the entry bar to the exit bar",
    "pnl_price_usd": "USD, from prices only: side * size * (exit_price - entry_price)",
    "pnl_funding_usd": "USD, funding received (+) or paid (-) while the trade was open",
    "pnl_fees_usd": "USD, minus the entry and exit fees (liquidation fee included)",
    "net_pnl_usd": "USD, pnl_price_usd + pnl_funding_usd + pnl_fees_usd",
    "exit_reason": "signal, stop_loss, take_profit, target, liquidation, or end_of_data (still open)",
}

#: Columns of :func:`equity_table` and their units.
EQUITY_COLUMNS = {
    "equity_usd": "account value at the bar's close, USD (funding and fees included)",
    "cash_usd": "equity_usd - position_value_usd (vectorbt's cash: a leveraged long runs it negative)",
    "position_coins": "signed position at the bar's close, coins (+ long, - short)",
    "position_value_usd": "position_coins * close, USD",
    "drawdown": "fraction below the running peak of equity_usd (0 at a peak; its maximum is max_drawdown)",
}


def trade_records(result) -> np.ndarray:
    """The trades of every column as ``trade_dt`` records (see :mod:`liqbt.backtest.trades_nb`)."""
    acc = result.accounts
    orders = acc.orders
    funding = result.order_funding
    if funding is None:
        funding = np.zeros(len(orders))
    n, m = acc.shape
    trades = trades_from_orders_nb(orders, np.asarray(result.fill_reasons, dtype=np.int64),
                                   np.asarray(funding, dtype=np.float64), np.full(m, acc.close[-1]), n - 1)
    if result.order_funding is None and len(trades):
        trades = funding_by_bar_nb(trades, acc.funding_bars, np.ascontiguousarray(acc.funding_flow))
    return trades


def trade_table(result) -> pd.DataFrame:
    """One row per trade of ``result`` (a :class:`~liqbt.backtest.BacktestResult`); columns :data:`TRADE_COLUMNS`.

    A trade runs from the order that opens a position to the one that brings it back to flat; a
    reversal ends one trade and starts the next. A trade still open at the end is valued at the last
    close (``exit_reason`` ``end_of_data``), as the final equity is, so per column
    ``net_pnl_usd.sum() == final equity - initial cash`` (to rounding).

    Funding: engine ``liqbt`` books each payment to the position that paid it. Engine ``vectorbt``
    books a bar's funding to the last trade opened at or before that bar (at a bar where one trade ends
    and the next begins, all of it goes to the later one), and cannot tell a stop exit from a signal
    exit (``exit_reason`` says ``signal`` for both).
    """
    rec = trade_records(result)
    index = result.accounts.index
    size = rec["size"]
    fees = rec["entry_fees"] + rec["exit_fees"]
    number = np.zeros(len(rec), dtype=np.int64)
    for col in np.unique(rec["col"]):
        mask = rec["col"] == col
        number[mask] = np.arange(1, mask.sum() + 1)
    return pd.DataFrame({
        "trade": number,
        "column": result.accounts.columns[rec["col"]],
        "side": np.where(rec["side"] > 0, "long", "short"),
        "entry_time": index[rec["entry_idx"]].tz_localize("UTC"),
        "entry_price": rec["entry_price"],
        "exit_time": index[rec["exit_idx"]].tz_localize("UTC"),
        "exit_price": rec["exit_price"],
        "size_coins": size,
        "notional_usd": size * rec["entry_price"],
        "bars_held": rec["exit_idx"] - rec["entry_idx"],
        "pnl_price_usd": rec["price_pnl"] + 0.0,  # + 0.0: no "-0.0" in the CSV
        "pnl_funding_usd": rec["funding"],
        "pnl_fees_usd": -fees,
        "net_pnl_usd": rec["price_pnl"] + rec["funding"] - fees,
        "exit_reason": np.asarray(TRADE_EXIT_NAMES, dtype=object)[rec["exit_reason"]],
    })


def equity_table(result, column=None) -> pd.DataFrame:
    """Per bar of one column: :data:`EQUITY_COLUMNS`, indexed by the bar open (UTC).

    Parameters
    ----------
    result : BacktestResult
    column : label, optional
        The parameter column; required when the backtest has more than one.
    """
    acc = result.accounts
    columns = acc.columns
    if column is None:
        if len(columns) != 1:
            raise ConfigError(f"equity: the backtest has {len(columns)} columns; name one with column=")
        column = columns[0]
    elif column not in columns:
        raise ConfigError(f"equity: no column {column!r} in the backtest (columns: {list(columns)[:5]}...)")
    col = columns.get_loc(column)

    value = acc.value()[:, col]
    position = acc.assets()[:, col]
    position_value = acc.asset_value()[:, col]
    peak = np.maximum.accumulate(value)
    out = pd.DataFrame({
        "equity_usd": value,
        "cash_usd": value - position_value,
        "position_coins": position,
        "position_value_usd": position_value,
        "drawdown": 1.0 - value / peak,
    }, index=acc.index.tz_localize("UTC"))
    out.index.name = "time"
    return out
