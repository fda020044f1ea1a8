"""Per-column statistics beyond vectorbt's: funding, fees, PnL split, liquidations, exposure."""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .enums import FillReason

__all__ = ["backtest_stats", "STAT_UNITS", "stats_for_json", "json_safe", "count_values"]

#: Why a statistic can be undefined (NaN) or infinite; ``stats.json`` writes it as ``null`` with this reason.
NULL_REASONS = {
    "sharpe_ratio": "bar returns have zero variance (no position held, or a constant return)",
    "sortino_ratio": "no negative bar return (zero downside deviation), or zero variance",
    "calmar_ratio": "no drawdown (max drawdown is zero)",
    "max_drawdown": "the value series is undefined (e.g. zero start value)",
    "win_rate": "no closed trade",
    "total_return": "the start value is zero",
}

#: Unit of every column of :func:`backtest_stats`.
STAT_UNITS = {
    "start_value_usd": "USD",
    "end_value_usd": "USD",
    "total_return": "fraction (0.1 = +10 %), includes funding and fees",
    "pnl_usd": "USD, = pnl_price_usd + pnl_funding_usd + pnl_fees_usd",
    "pnl_price_usd": "USD, from price moves of the positions",
    "pnl_funding_usd": "USD, net funding (+ received)",
    "pnl_fees_usd": "USD, minus all fees (trading and liquidation)",
    "funding_paid_usd": "USD, sum of payments (>= 0)",
    "funding_received_usd": "USD, sum of receipts (>= 0)",
    "fees_paid_usd": "USD, trading + liquidation fees (>= 0)",
    "liquidation_fees_usd": "USD, fees of liquidation fills (>= 0)",
    "liquidations": "count",
    "exposure": "fraction of bars ending with an open position",
    "sharpe_ratio": "annualised over 365 days, from bar returns",
    "sortino_ratio": "annualised over 365 days",
    "calmar_ratio": "annualised return / max drawdown",
    "max_drawdown": "fraction of the peak value (>= 0)",
    "trades": "closed and open trades (vectorbt exit trades)",
    "win_rate": "fraction of closed trades with positive PnL (excl. funding); NaN without trades",
}


def backtest_stats(result) -> pd.DataFrame:
    """One row per column of ``result.portfolio``; units in :data:`STAT_UNITS`.

    PnL is split exactly: ``pnl_usd = pnl_price_usd + pnl_funding_usd +
    pnl_fees_usd = end_value_usd - start_value_usd``.
    """
    pf = result.portfolio
    wrapper = pf.wrapper
    m = wrapper.shape_2d[1]
    columns = wrapper.columns
    rec = pf.order_records
    fees = np.bincount(rec["col"], weights=rec["fees"], minlength=m)
    liq_mask = result.fill_reasons == FillReason.Liquidation
    liq_fees = np.bincount(rec["col"][liq_mask], weights=rec["fees"][liq_mask], minlength=m)
    flow = pf.funding_flow_compact
    paid = -np.where(flow < 0, flow, 0.0).sum(axis=0)
    received = np.where(flow > 0, flow, 0.0).sum(axis=0)
    net_funding = flow.sum(axis=0)
    init = np.asarray(pf.get_init_cash(), dtype=np.float64).reshape(-1)
    init = np.broadcast_to(init, (m,))
    profit = np.asarray(pf.total_profit(), dtype=np.float64).reshape(-1)
    liq_cols = pf.wrapper.columns.get_indexer(result.liquidations["column"]) if len(result.liquidations) else []
    n_liq = np.bincount(np.asarray(liq_cols, dtype=np.int64), minlength=m)
    trades = pf.trades

    def flat(x):
        return np.asarray(x, dtype=np.float64).reshape(-1)

    out = pd.DataFrame({
        "start_value_usd": init,
        "end_value_usd": init + profit,
        "total_return": flat(pf.total_return()),
        "pnl_usd": profit,
        "pnl_price_usd": profit - net_funding + fees,
        "pnl_funding_usd": net_funding,
        "pnl_fees_usd": -fees,
        "funding_paid_usd": paid,
        "funding_received_usd": received,
        "fees_paid_usd": fees,
        "liquidation_fees_usd": liq_fees,
        "liquidations": n_liq,
        "exposure": flat(pf.position_coverage()),
        "sharpe_ratio": flat(pf.sharpe_ratio()),
        "sortino_ratio": flat(pf.sortino_ratio()),
        "calmar_ratio": flat(pf.calmar_ratio()),
        "max_drawdown": -flat(pf.max_drawdown()),
        "trades": flat(trades.count()).astype(np.int64),
        "win_rate": flat(trades.closed.win_rate()),
    }, index=columns)
    out.index.name = "column"
    return out


def count_values(values) -> pd.Series:
    """Counts as a table shows them: a whole number as an ``int`` (66, not 66.0), a mean count with one
    decimal as text (``"39.5"``), a missing one as ``None``; same index, object dtype."""
    values = pd.Series(values)

    def one(v):
        if v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and np.isnan(v)):
            return None
        return int(round(float(v))) if float(v).is_integer() else f"{float(v):,.1f}"

    return pd.Series([one(v) for v in values], index=values.index, dtype=object, name=values.name)


def json_safe(obj: Any, path: str = "", reasons: dict | None = None) -> tuple[Any, dict]:
    """``obj`` with numpy scalars as Python numbers and every NaN / infinity as ``None``.

    Returns the cleaned object and ``{path: reason}`` for each value replaced,
    so that ``json.dumps(..., allow_nan=False)`` never fails and never writes
    ``NaN`` or ``Infinity`` (tokens that are not JSON).
    """
    reasons = {} if reasons is None else reasons
    if isinstance(obj, Mapping):
        return {str(k): json_safe(v, f"{path}.{k}" if path else str(k), reasons)[0] for k, v in obj.items()}, reasons
    if isinstance(obj, (list, tuple)):
        return [json_safe(v, f"{path}[{i}]", reasons)[0] for i, v in enumerate(obj)], reasons
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj), reasons
    if isinstance(obj, (int, np.integer)):
        return int(obj), reasons
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        if math.isfinite(value):
            return value, reasons
        key = path.rsplit(".", 1)[-1]
        kind = "not a number" if math.isnan(value) else ("+infinite" if value > 0 else "-infinite")
        reasons[path] = f"{kind}: {NULL_REASONS.get(key, 'undefined for this run')}"
        return None, reasons
    if obj is None or isinstance(obj, str):
        return obj, reasons
    return str(obj), reasons


def stats_for_json(row: Mapping) -> tuple[dict, dict]:
    """One column's statistics as JSON-safe numbers and the reasons for each ``null`` (see :func:`json_safe`)."""
    clean, reasons = json_safe(dict(row))
    return clean, {k: v for k, v in reasons.items()}
