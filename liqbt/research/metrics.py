"""Fast per-column metrics of a backtest (for sweeps); checked against the full statistics in the tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..backtest.enums import RecordArrays, liquidation_dt, order_dt
from ..backtest.prepare import market_arrays
from ..backtest.run import check_leverage, check_outputs, column_slots, kernel_inputs
from .nb import METRIC_NAMES, column_metrics_nb, simulate_metrics_nb

__all__ = ["fast_metrics", "window_metrics", "periods_per_year", "METRIC_NAMES"]


def fast_metrics(result) -> pd.DataFrame:
    """:data:`METRIC_NAMES` per column of a :class:`~liqbt.backtest.BacktestResult`.

    Same definitions as :func:`liqbt.backtest.backtest_stats` (funding and fees
    included in value and returns) without building the per-bar value matrix.
    """
    acc = result.accounts
    rec = acc.orders
    rec = np.ascontiguousarray(rec[np.lexsort((rec["idx"], rec["col"]))])  # by column, then bar (stable)
    close = acc.close
    m = acc.shape[1]
    init = acc.init_cash
    bounds = np.searchsorted(rec["col"], np.arange(m + 1)).astype(np.int64)
    fund_row = np.full(len(close), -1, dtype=np.int64)
    fund_row[acc.funding_bars] = np.arange(len(acc.funding_bars))
    values = column_metrics_nb(close, rec, bounds[:-1], bounds[1:], fund_row,
                               np.ascontiguousarray(acc.funding_flow, dtype=np.float64), init,
                               periods_per_year(acc.index))
    out = pd.DataFrame(values, index=acc.columns, columns=list(METRIC_NAMES))
    out["trades"] = out["trades"].astype(np.int64)
    return out


def periods_per_year(index: pd.DatetimeIndex) -> float:
    """Bars per 365 days, from the first bar's length (the annualisation of Sharpe and Sortino)."""
    bar = index[1] - index[0] if len(index) > 1 else pd.Timedelta("1D")
    return float(pd.Timedelta("365D") / bar)


def window_metrics(market, sig, config, window, cache: dict) -> np.ndarray:
    """:data:`METRIC_NAMES` (m, N_METRICS) of every column of ``sig`` on the bars of ``window``.

    The same numbers as :func:`fast_metrics` of :func:`~liqbt.backtest.run_backtest` on the window
    (engine ``liqbt``: the window starts flat with fresh capital), without building a portfolio: the
    columns are simulated and measured in parallel by :func:`~liqbt.research.nb.simulate_metrics_nb`.

    Parameters
    ----------
    market : Market
    sig : SignalArrays
        On all of ``market``'s bars.
    config : BacktestConfig
    window : Window
    cache : dict
        Each window's market and market arrays, kept by the caller across chunks.
    """
    key = (window.start, window.end)
    if key not in cache or cache[key][0] != config:
        end = market.index[window.end] if window.end < len(market) else None
        sub = market.slice(market.index[window.start], end)
        cache[key] = (config, sub, market_arrays(sub, config))
    _, sub, mk = cache[key]
    cut = sig.rows(window.start, window.end)
    check_leverage(sub, cut, config)
    slots, n_orders, n_liqs = column_slots(cut)
    # zeros, not empty: the unused tail of each column's range stays finite for check_outputs
    records = RecordArrays(np.zeros(n_orders, dtype=order_dt), np.zeros(n_liqs, dtype=liquidation_dt))
    metrics, _, _, funding = simulate_metrics_nb(*kernel_inputs(sub, cut, config, mk), records, slots,
                                                 periods_per_year(sub.index))
    check_outputs(records.orders, funding)
    return metrics
