"""Fast per-column metrics of a backtest (for sweeps); checked against the full statistics in the tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .nb import METRIC_NAMES, column_metrics_nb

__all__ = ["fast_metrics", "METRIC_NAMES"]


def fast_metrics(result) -> pd.DataFrame:
    """:data:`METRIC_NAMES` per column of a :class:`~liqbt.backtest.BacktestResult`.

    Same definitions as :func:`liqbt.backtest.backtest_stats` (funding and fees
    included in value and returns) without building vectorbt's value matrix.
    """
    pf = result.portfolio
    rec = pf.order_records
    order = np.argsort(rec["idx"], kind="stable")
    rec = rec[order]
    close = np.ascontiguousarray(np.asarray(pf.close, dtype=np.float64)[:, 0] if np.ndim(pf.close) == 2
                                 else np.asarray(pf.close, dtype=np.float64))
    m = pf.wrapper.shape_2d[1]
    init = np.ascontiguousarray(np.broadcast_to(np.asarray(pf.get_init_cash(), dtype=np.float64).reshape(-1), (m,)))
    bar = pf.wrapper.index[1] - pf.wrapper.index[0] if len(pf.wrapper.index) > 1 else pd.Timedelta("1D")
    periods = pd.Timedelta("365D") / bar
    values = column_metrics_nb(
        close, np.ascontiguousarray(rec["idx"]), np.ascontiguousarray(rec["col"]),
        np.ascontiguousarray(rec["side"]), np.ascontiguousarray(rec["size"]), np.ascontiguousarray(rec["price"]),
        np.ascontiguousarray(rec["fees"]), np.ascontiguousarray(pf.funding_bars, dtype=np.int64),
        np.ascontiguousarray(pf.funding_flow_compact, dtype=np.float64), init, float(periods))
    out = pd.DataFrame(values, index=pf.wrapper.columns, columns=list(METRIC_NAMES))
    out["trades"] = out["trades"].astype(np.int64)
    return out
