"""Numba kernels for research: per-column metrics straight from order records.

vectorbt's ``Portfolio.value()`` and statistics copy every column several
times; a sweep of a thousand columns needs only a handful of numbers per
column, computed here in one pass over bars.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["column_metrics_nb", "N_METRICS", "METRIC_NAMES"]

METRIC_NAMES = ("total_return", "sharpe_ratio", "sortino_ratio", "max_drawdown", "trades", "exposure",
                "fees_paid_usd", "pnl_funding_usd", "end_value_usd")
N_METRICS = len(METRIC_NAMES)


@njit(cache=True)
def column_metrics_nb(close, order_idx, order_col, order_side, order_size, order_price, order_fees,
                      funding_bars, funding_flow, init_cash, periods_per_year):
    """Metrics of every column, as :data:`METRIC_NAMES` (m, N_METRICS).

    ``order_*`` are vectorbt order records sorted by bar (side 0 = buy);
    ``funding_flow`` is (len(funding_bars), m) USD. Value at a bar's end is
    cash + position x close, as vectorbt computes it. Sharpe and Sortino use
    bar returns with ddof=1, annualised by ``sqrt(periods_per_year)``; a
    trade is counted each time a position opens (from flat or by reversal).
    """
    n = close.shape[0]
    m = init_cash.shape[0]
    cash = init_cash.copy()
    pos = np.zeros(m)
    prev = init_cash.copy()
    peak = init_cash.copy()
    max_dd = np.zeros(m)
    s1 = np.zeros(m)
    s2 = np.zeros(m)
    down2 = np.zeros(m)
    exposed = np.zeros(m)
    trades = np.zeros(m)
    fees = np.zeros(m)
    funding = np.zeros(m)
    k = 0
    f = 0
    n_orders = order_idx.shape[0]
    for t in range(n):
        while k < n_orders and order_idx[k] == t:
            c = order_col[k]
            before = pos[c]
            if order_side[k] == 0:
                pos[c] += order_size[k]
                cash[c] -= order_size[k] * order_price[k] + order_fees[k]
            else:
                pos[c] -= order_size[k]
                cash[c] += order_size[k] * order_price[k] - order_fees[k]
            if abs(pos[c]) < 1e-12:
                pos[c] = 0.0
            if pos[c] != 0.0 and (before == 0.0 or (before > 0.0) != (pos[c] > 0.0)):
                trades[c] += 1
            fees[c] += order_fees[k]
            k += 1
        if f < funding_bars.shape[0] and funding_bars[f] == t:
            for c in range(m):
                cash[c] += funding_flow[f, c]
                funding[c] += funding_flow[f, c]
            f += 1
        for c in range(m):
            value = cash[c] + pos[c] * close[t]
            r = value / prev[c] - 1.0 if prev[c] != 0.0 else 0.0
            s1[c] += r
            s2[c] += r * r
            if r < 0.0:
                down2[c] += r * r
            prev[c] = value
            if value > peak[c]:
                peak[c] = value
            dd = 1.0 - value / peak[c] if peak[c] > 0.0 else 0.0
            if dd > max_dd[c]:
                max_dd[c] = dd
            if pos[c] != 0.0:
                exposed[c] += 1.0
    out = np.empty((m, 9))
    ann = np.sqrt(periods_per_year)
    for c in range(m):
        mean = s1[c] / n
        var = (s2[c] - n * mean * mean) / (n - 1) if n > 1 else 0.0
        std = np.sqrt(var) if var > 0.0 else 0.0
        dstd = np.sqrt(down2[c] / n)
        out[c, 0] = prev[c] / init_cash[c] - 1.0
        out[c, 1] = mean / std * ann if std > 0.0 else np.nan
        out[c, 2] = mean / dstd * ann if dstd > 0.0 else np.nan
        out[c, 3] = max_dd[c]
        out[c, 4] = trades[c]
        out[c, 5] = exposed[c] / n
        out[c, 6] = fees[c]
        out[c, 7] = funding[c]
        out[c, 8] = prev[c]
    return out
