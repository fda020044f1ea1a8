"""Numba kernels for research: per-column metrics straight from order records.

vectorbt's ``Portfolio.value()`` and statistics copy every column several
times; a sweep of a thousand columns needs only a handful of numbers per
column, computed here in one pass over bars.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..backtest.enums import ColumnOutputs
from ..backtest.nb import simulate_column_nb

__all__ = ["column_metrics_nb", "one_column_metrics_nb", "simulate_metrics_nb", "N_METRICS", "METRIC_NAMES"]

METRIC_NAMES = ("total_return", "sharpe_ratio", "sortino_ratio", "max_drawdown", "trades", "exposure",
                "fees_paid_usd", "pnl_funding_usd", "end_value_usd")
N_METRICS = len(METRIC_NAMES)


@njit(cache=True)
def column_metrics_nb(close, records, col_start, col_end, fund_row, funding_flow, init_cash, periods_per_year):
    """Metrics of every column, as :data:`METRIC_NAMES` (m, N_METRICS).

    ``records`` are order records (``order_dt``) sorted by column, then bar
    (vectorbt's layout); column ``c``'s are ``records[col_start[c]:col_end[c]]``.
    ``fund_row`` (n,) is each bar's row in ``funding_flow`` ((rows, m) USD), -1
    without funding. See :func:`one_column_metrics_nb` for the definitions.
    """
    m = init_cash.shape[0]
    out = np.empty((m, N_METRICS))
    for c in range(m):
        one_column_metrics_nb(close, records, col_start[c], col_end[c], fund_row, funding_flow, c, init_cash[c],
                              periods_per_year, out[c])
    return out


@njit(cache=True)
def one_column_metrics_nb(close, records, start, end, fund_row, funding_flow, c, init_cash, periods_per_year,
                          out):
    """:data:`METRIC_NAMES` of column ``c`` into ``out`` (N_METRICS,) from its orders ``records[start:end]``.

    The orders are in bar order (side 0 = buy); ``funding_flow[fund_row[t], c]``
    is the column's funding at bar ``t`` (USD). Value at a bar's end is cash +
    position x close, as vectorbt computes it. Sharpe and Sortino use bar
    returns with ddof=1, annualised by ``sqrt(periods_per_year)``; a trade is
    counted each time a position opens (from flat or by reversal).
    """
    n = close.shape[0]
    cash = init_cash
    pos = 0.0
    prev = init_cash
    peak = init_cash
    max_dd = 0.0
    s1 = 0.0
    s2 = 0.0
    down2 = 0.0
    exposed = 0.0
    trades = 0.0
    fees = 0.0
    funding = 0.0
    k = start
    for t in range(n):
        while k < end and records[k]["idx"] == t:
            rec = records[k]
            before = pos
            if rec["side"] == 0:
                pos += rec["size"]
                cash -= rec["size"] * rec["price"] + rec["fees"]
            else:
                pos -= rec["size"]
                cash += rec["size"] * rec["price"] - rec["fees"]
            if abs(pos) < 1e-12:
                pos = 0.0
            if pos != 0.0 and (before == 0.0 or (before > 0.0) != (pos > 0.0)):
                trades += 1
            fees += rec["fees"]
            k += 1
        fr = fund_row[t]
        if fr >= 0:
            cash += funding_flow[fr, c]
            funding += funding_flow[fr, c]
        value = cash + pos * close[t]
        r = value / prev - 1.0 if prev != 0.0 else 0.0
        s1 += r
        s2 += r * r
        if r < 0.0:
            down2 += r * r
        prev = value
        if value > peak:
            peak = value
        dd = 1.0 - value / peak if peak > 0.0 else 0.0
        if dd > max_dd:
            max_dd = dd
        if pos != 0.0:
            exposed += 1.0
    ann = np.sqrt(periods_per_year)
    mean = s1 / n
    var = (s2 - n * mean * mean) / (n - 1) if n > 1 else 0.0
    std = np.sqrt(var) if var > 0.0 else 0.0
    dstd = np.sqrt(down2 / n)
    out[0] = prev / init_cash - 1.0
    out[1] = mean / std * ann if std > 0.0 else np.nan
    out[2] = mean / dstd * ann if dstd > 0.0 else np.nan
    out[3] = max_dd
    out[4] = trades
    out[5] = exposed / n
    out[6] = fees
    out[7] = funding
    out[8] = prev


@njit(cache=True, parallel=True)
def simulate_metrics_nb(prices, funding_in, orders, costs, margin, exec_at_close, records, slots,
                        periods_per_year):
    """Simulate every column and compute its :data:`METRIC_NAMES`, columns in parallel (``prange``).

    The arguments are those of :func:`liqbt.backtest.nb.simulate_nb`; column
    ``c`` writes its orders from ``records.orders[slots.order_start[c]]`` and
    its liquidations from ``records.liqs[slots.liq_start[c]]`` (each column's
    capacity bound, :class:`~liqbt.backtest.enums.ColumnSlots`). Each column
    runs the serial kernel's code on its own slice of every output, so the
    results do not depend on the number of threads (``NUMBA_NUM_THREADS``).

    Returns
    -------
    metrics : ndarray (m, N_METRICS)
    order_end, liq_end : ndarray of int64 (m,)
        One past each column's last order / liquidation record.
    funding : ndarray (funding_in.n_rows, m)
        Funding cash flow, USD.
    """
    max_orders = records.orders.shape[0]
    m = orders.long_entries.shape[1]
    out = ColumnOutputs(np.zeros(max_orders, dtype=np.int64), np.zeros((funding_in.n_rows, m), dtype=np.float64),
                        np.zeros(max_orders, dtype=np.float64))
    metrics = np.empty((m, N_METRICS))
    order_end = np.empty(m, dtype=np.int64)
    liq_end = np.empty(m, dtype=np.int64)
    for p in prange(m):
        c = np.int64(p)  # prange may index with uint64, which mixed with int64 turns into float64
        o_end, l_end = simulate_column_nb(prices, funding_in, orders, costs, margin, exec_at_close, records, out, c,
                                          slots.order_start[c], slots.liq_start[c])
        order_end[c] = o_end
        liq_end[c] = l_end
        one_column_metrics_nb(prices.close, records.orders, slots.order_start[c], o_end, funding_in.row,
                              out.funding, c, costs.init_cash, periods_per_year, metrics[c])
    return metrics, order_end, liq_end, out.funding
