"""Numba kernels that turn order records into trades (round trips) with their PnL split.

A trade is a position from the order that opens it to the order that brings it
back to flat. An order that crosses zero (vectorbt's one-order reversal) ends
one trade and opens the next; its size and fee are split between them in
proportion. A position still open after the last bar ends at the last close
(``END_OF_DATA``), exactly as the final equity values it, so the trades' net
PnL sums to the final equity minus the initial cash.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .enums import END_OF_DATA, trade_dt

__all__ = ["trades_from_orders_nb", "funding_by_bar_nb"]


@njit(cache=True)
def _open_trade_nb(out, t, c, i, side, qty, price, fee, funding):
    tr = out[t]
    tr["id"] = t
    tr["col"] = c
    tr["entry_idx"] = i
    tr["exit_idx"] = -1
    tr["side"] = side
    tr["size"] = qty
    tr["entry_price"] = price     # a running entry value (USD) until the trade closes
    tr["exit_price"] = 0.0        # a running exit value (USD) until the trade closes
    tr["entry_fees"] = fee
    tr["exit_fees"] = 0.0
    tr["funding"] = funding
    tr["price_pnl"] = 0.0
    tr["exit_reason"] = -1
    return t + 1


@njit(cache=True)
def _close_trade_nb(out, t, i, reason):
    tr = out[t]
    entry_value = tr["entry_price"]
    exit_value = tr["exit_price"]
    tr["exit_idx"] = i
    tr["price_pnl"] = tr["side"] * (exit_value - entry_value)
    tr["entry_price"] = entry_value / tr["size"]
    tr["exit_price"] = exit_value / tr["size"]
    tr["exit_reason"] = reason


@njit(cache=True)
def trades_from_orders_nb(orders, reasons, order_funding, last_close, last_idx):
    """Trades of every column from its orders.

    Parameters
    ----------
    orders : ndarray of vectorbt ``order_dt``
        Sorted by column, then bar (vectorbt's layout); ``side`` 0 buy, 1 sell; ``size`` coins.
    reasons : ndarray of int64
        Fill reason of each order (``FillReason``).
    order_funding : ndarray of float64
        Funding (USD, + received) of the position each order opened, over its life (0 when unknown).
    last_close : ndarray of float64 (m,)
        Each column's last close, USD: the exit of a trade still open.
    last_idx : int
        The last bar's row.

    Returns
    -------
    ndarray of ``trade_dt``
        One record per trade, ordered by column then entry.
    """
    n_o = orders.shape[0]
    out = np.empty(n_o, dtype=trade_dt)
    # np.int64, not a bare literal: numba would compile the callees once more for Literal[int](0) / (-1)
    t = np.int64(0)
    cur = np.int64(-1)  # the open trade's record, -1 when flat
    pos = 0.0         # coins, signed
    col = -1
    for j in range(n_o):
        o = orders[j]
        c = o["col"]
        if c != col:
            if cur >= 0:
                out[cur]["exit_price"] += abs(pos) * last_close[col]
                _close_trade_nb(out, cur, last_idx, np.int64(END_OF_DATA))
            cur, pos, col = np.int64(-1), 0.0, c
        q = o["size"]
        s = 1.0 if o["side"] == 0 else -1.0
        if q <= 0.0:
            continue
        if cur < 0 or s * pos > 0.0:
            if cur < 0:
                cur = t
                t = _open_trade_nb(out, t, c, o["idx"], 1 if s > 0 else -1, q, q * o["price"], o["fees"],
                                   order_funding[j])
            else:  # adds to the open position
                out[cur]["size"] += q
                out[cur]["entry_price"] += q * o["price"]
                out[cur]["entry_fees"] += o["fees"]
                out[cur]["funding"] += order_funding[j]
            pos += s * q
            continue
        close_q = min(q, abs(pos))
        share = close_q / q
        out[cur]["exit_price"] += close_q * o["price"]
        out[cur]["exit_fees"] += o["fees"] * share
        if close_q < abs(pos):
            pos += s * close_q
            continue
        _close_trade_nb(out, cur, o["idx"], reasons[j])
        cur, pos = np.int64(-1), 0.0
        rest = q - close_q
        if rest > 0.0:  # a one-order reversal opens the next trade with the rest
            cur = t
            t = _open_trade_nb(out, t, c, o["idx"], 1 if s > 0 else -1, rest, rest * o["price"],
                               o["fees"] * (1.0 - share), order_funding[j])
            pos = s * rest
    if cur >= 0:
        out[cur]["exit_price"] += abs(pos) * last_close[col]
        _close_trade_nb(out, cur, last_idx, np.int64(END_OF_DATA))
    return out[:t]


@njit(cache=True)
def funding_by_bar_nb(trades, fund_bars, flow):
    """Add each funding bar's flow to the last trade of its column opened at or before that bar.

    For engines that do not attribute funding per order (``engine: vectorbt``). At a bar where one trade
    ends and the next begins, the whole bar's funding goes to the later trade; every flow is assigned
    once, so the trades' funding still sums to the total. Flow before a column's first trade is zero (no
    position); it would go to that first trade.

    Parameters
    ----------
    trades : ndarray of ``trade_dt``
        Ordered by column then entry; ``funding`` is added to in place.
    fund_bars : ndarray of int64 (k,)
        Rows of the bars holding funding events, ascending.
    flow : ndarray of float64 (k, m)
        Funding cash flow at those bars, USD.
    """
    n_t = trades.shape[0]
    start = 0
    while start < n_t:
        c = trades[start]["col"]
        end = start
        while end < n_t and trades[end]["col"] == c:
            end += 1
        t = start
        for k in range(fund_bars.shape[0]):
            b = fund_bars[k]
            while t + 1 < end and trades[t + 1]["entry_idx"] <= b:
                t += 1
            trades[t]["funding"] += flow[k, c]
        start = end
    return trades
