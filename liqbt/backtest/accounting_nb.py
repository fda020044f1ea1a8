"""Numba kernel of a backtest's accounts: position, cash, profit and exit-trade counts from order records.

The operations, their order and vectorbt's rounding rule (``add_nb``: a sum within 1e-9 relative or
1e-12 absolute of zero is zero) are those of vectorbt 1.2's ``portfolio.nb`` kernels
(``asset_flow_nb``, ``assets_nb``, ``cash_flow_nb``, ``cash_nb``, ``total_profit_nb``,
``get_exit_trades_nb``), with :class:`~liqbt.backtest.portfolio.PerpPortfolio`'s funding added to the cash
flow, so that the numbers equal those read through ``BacktestResult.portfolio`` to the bit
(tests/test_warm_path.py) while a run imports no vectorbt and loads one kernel instead of its eight.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["add_nb", "accounts_nb"]

#: vectorbt's ``utils.math_`` tolerances.
REL_TOL = 1e-9
ABS_TOL = 1e-12


@njit(cache=True)
def is_close_nb(a, b):
    """vectorbt's ``is_close_nb``: ``a`` and ``b`` equal within :data:`REL_TOL` / :data:`ABS_TOL`."""
    if np.isnan(a) or np.isnan(b):
        return False
    if np.isinf(a) or np.isinf(b):
        return False
    if a == b:
        return True
    return abs(a - b) <= max(REL_TOL * max(abs(a), abs(b)), ABS_TOL)


@njit(cache=True)
def add_nb(a, b):
    """vectorbt's ``add_nb``: ``a + b``, or exactly 0.0 when the sum is zero within the tolerances."""
    if np.sign(a) != np.sign(b):
        zero = is_close_nb(abs(a), abs(b))
    else:
        zero = is_close_nb(a + b, 0.0)
    return 0.0 if zero else a + b


@njit(cache=True)
def _trade_pnl_nb(size, entry_price, entry_fees, exit_price, exit_fees, long):
    # vectorbt's get_trade_stats_nb (the PnL only)
    entry_val = size * entry_price
    exit_val = size * exit_price
    val_diff = add_nb(exit_val, -entry_val)
    if val_diff != 0 and not long:
        val_diff *= -1
    return val_diff - entry_fees - exit_fees


@njit(cache=True)
def accounts_nb(orders, order_of, col_start, close, fund_bars, fund_flow, init_cash):
    """Per-bar position and cash, total profit and exit-trade counts of every column.

    Parameters
    ----------
    orders : ndarray of order_dt
        The order records (vectorbt's layout), ids ascending within each column.
    order_of : ndarray of int64
        Indices into ``orders`` sorted by column, record order kept within a column.
    col_start : ndarray of int64, shape (m + 1,)
        Column ``c``'s orders are ``order_of[col_start[c]:col_start[c + 1]]``.
    close : ndarray of float64, shape (n,)
        Close per bar, USD (no NaN).
    fund_bars : ndarray of int64, shape (k,)
        Bars holding funding events, ascending, unique.
    fund_flow : ndarray of float64, shape (k, m)
        Funding cash flow on those bars, USD (+ received).
    init_cash : ndarray of float64, shape (m,)

    Returns
    -------
    assets : ndarray of float64, shape (n, m)
        Position at each bar's close, coins (vectorbt's ``assets()``).
    cash : ndarray of float64, shape (n, m)
        Cash including funding, USD (``PerpPortfolio.cash()``).
    order_profit : ndarray of float64, shape (m,)
        ``total_profit_nb`` of the orders (funding not included), USD.
    trades : ndarray of int64, shape (m,)
        Exit trades, closed and open (``pf.trades.count()``).
    closed : ndarray of int64, shape (m,)
        Closed exit trades.
    wins : ndarray of int64, shape (m,)
        Closed exit trades with a PnL above zero (``pf.trades.closed.winning.count()``).
    """
    n = close.shape[0]
    m = init_cash.shape[0]
    assets = np.empty((n, m))
    cash = np.empty((n, m))
    order_profit = np.zeros(m)
    trades = np.zeros(m, dtype=np.int64)
    closed = np.zeros(m, dtype=np.int64)
    wins = np.zeros(m, dtype=np.int64)
    asset_flow = np.empty(n)
    cash_flow = np.empty(n)
    for col in range(m):
        asset_flow[:] = 0.0
        cash_flow[:] = 0.0
        tp_assets = 0.0
        tp_cash = 0.0
        # exit-trade state (get_exit_trades_nb)
        in_position = False
        long = True
        entry_size_sum = 0.0
        entry_gross_sum = 0.0
        entry_fees_sum = 0.0
        for c in range(col_start[col], col_start[col + 1]):
            rec = orders[order_of[c]]
            i = rec["idx"]
            size = rec["size"]
            price = rec["price"]
            fees = rec["fees"]
            buy = rec["side"] == 0
            signed = size if buy else -size
            asset_flow[i] = add_nb(asset_flow[i], signed)
            cash_flow[i] = add_nb(cash_flow[i], -signed * price - fees)
            if buy:
                tp_assets = add_nb(tp_assets, size)
                tp_cash = add_nb(tp_cash, -(size * price + fees))
            else:
                tp_assets = add_nb(tp_assets, -size)
                tp_cash = add_nb(tp_cash, size * price - fees)

            if not in_position:
                in_position = True
                long = buy
                entry_size_sum = 0.0
                entry_gross_sum = 0.0
                entry_fees_sum = 0.0
            if long == buy:  # position increased
                entry_size_sum += size
                entry_gross_sum += size * price
                entry_fees_sum += fees
            else:  # an exit: the trade closes; a reversal opens the next with the rest of the order
                whole = is_close_nb(size, entry_size_sum)
                reverse = not (whole or size < entry_size_sum)  # not is_close_or_less_nb
                exit_size = entry_size_sum if whole or reverse else size
                exit_fees = exit_size / size * fees if reverse else fees
                trades[col] += 1
                closed[col] += 1
                entry_price = entry_gross_sum / entry_size_sum
                entry_fees = exit_size / entry_size_sum * entry_fees_sum
                if _trade_pnl_nb(exit_size, entry_price, entry_fees, price, exit_fees, long) > 0.0:
                    wins[col] += 1
                if reverse:
                    entry_size_sum = size - exit_size
                    entry_gross_sum = entry_size_sum * price
                    entry_fees_sum = fees - exit_fees
                    long = not long
                elif whole:
                    in_position = False
                else:
                    fraction = (entry_size_sum - size) / entry_size_sum
                    entry_size_sum *= fraction
                    entry_gross_sum *= fraction
                    entry_fees_sum *= fraction
        if in_position and not is_close_nb(-entry_size_sum, 0.0) and -entry_size_sum < 0.0:  # is_less_nb
            trades[col] += 1  # still open at the last bar
        if col_start[col + 1] > col_start[col]:
            order_profit[col] = tp_cash + tp_assets * close[n - 1]

        for k in range(fund_bars.shape[0]):
            cash_flow[fund_bars[k]] = cash_flow[fund_bars[k]] + fund_flow[k, col]
        position = 0.0
        balance = init_cash[col]
        for i in range(n):
            position = add_nb(position, asset_flow[i])
            assets[i, col] = position
            balance = add_nb(balance, cash_flow[i])
            cash[i, col] = balance
    return assets, cash, order_profit, trades, closed, wins
