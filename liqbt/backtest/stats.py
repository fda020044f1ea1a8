"""Per-column statistics beyond vectorbt's: funding, fees, PnL split, liquidations, exposure."""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .accounting import RETURN_DEFAULTS
from .enums import FillReason

__all__ = ["backtest_stats", "return_stats", "STAT_UNITS", "stats_for_json", "json_safe", "count_values"]

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
    """One row per column of ``result`` (a :class:`~liqbt.backtest.BacktestResult`); units in :data:`STAT_UNITS`.

    PnL is split exactly: ``pnl_usd = pnl_price_usd + pnl_funding_usd +
    pnl_fees_usd = end_value_usd - start_value_usd``. The numbers are those of ``result.portfolio``
    (vectorbt's, funding included) to the bit, computed from ``result.accounts`` without vectorbt.
    """
    acc = result.accounts
    m = acc.shape[1]
    columns = acc.columns
    rec = acc.orders
    fees = np.bincount(rec["col"], weights=rec["fees"], minlength=m)
    liq_mask = result.fill_reasons == FillReason.Liquidation
    liq_fees = np.bincount(rec["col"][liq_mask], weights=rec["fees"][liq_mask], minlength=m)
    flow = acc.funding_flow
    paid = -np.where(flow < 0, flow, 0.0).sum(axis=0)
    received = np.where(flow > 0, flow, 0.0).sum(axis=0)
    net_funding = flow.sum(axis=0)
    init = acc.init_cash
    profit = acc.total_profit()
    with np.errstate(invalid="ignore", divide="ignore"):  # a zero start value: NaN / inf as vectorbt's kernel gave
        total_return = profit / init
    # vectorbt's annualisation and default return settings (accounting.RETURN_DEFAULTS)
    ratios = return_stats(acc.returns(), acc.ann_factor, **RETURN_DEFAULTS)
    liq_cols = columns.get_indexer(result.liquidations["column"]) if len(result.liquidations) else []
    n_liq = np.bincount(np.asarray(liq_cols, dtype=np.int64), minlength=m)

    out = pd.DataFrame({
        "start_value_usd": init,
        "end_value_usd": init + profit,
        "total_return": total_return,
        "pnl_usd": profit,
        "pnl_price_usd": profit - net_funding + fees,
        "pnl_funding_usd": net_funding,
        "pnl_fees_usd": -fees,
        "funding_paid_usd": paid,
        "funding_received_usd": received,
        "fees_paid_usd": fees,
        "liquidation_fees_usd": liq_fees,
        "liquidations": n_liq,
        "exposure": acc.position_coverage(),
        "sharpe_ratio": ratios["sharpe_ratio"],
        "sortino_ratio": ratios["sortino_ratio"],
        "calmar_ratio": ratios["calmar_ratio"],
        "max_drawdown": -ratios["max_drawdown"],
        "trades": acc.trade_count().astype(np.int64),
        "win_rate": acc.win_rate(),
    }, index=columns)
    out.index.name = "column"
    return out


def sequential_sum(a: np.ndarray) -> np.ndarray:
    """Column sums of ``a`` (n, m) added in row order, NaN skipped: the loop of numba's ``np.nansum`` /
    ``np.nanmean``, bit for bit (``np.sum`` adds pairwise, which rounds differently)."""
    if a.shape[0] == 0:
        return np.zeros(a.shape[1])
    return np.cumsum(np.where(np.isnan(a), 0.0, a), axis=0)[-1]


def sequential_mean(a: np.ndarray) -> np.ndarray:
    """Column means of ``a`` (n, m) as numba's ``np.nanmean`` computes them (NaN for an all-NaN column)."""
    count = (~np.isnan(a)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sequential_sum(a) / count


def return_stats(returns: np.ndarray, ann_factor: float, risk_free: float = 0.0, ddof: int = 1,
                 required_return: float = 0.0) -> dict[str, np.ndarray]:
    """Sharpe, Sortino and Calmar ratios and max drawdown (<= 0) of bar returns (n, m), per column.

    The formulas, operations and their order are those of vectorbt's ``returns.nb`` kernels
    (``sharpe_ratio_1d_nb``, ``sortino_ratio_1d_nb``, ``calmar_ratio_1d_nb``, ``max_drawdown_1d_nb``), so
    the numbers are the same to the bit (tested against ``Portfolio.sharpe_ratio()`` & co.), in numpy:
    the run's statistics compile and load none of those kernels.
    """
    n, m = returns.shape
    out = {}
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        adj = returns - risk_free
        mean = sequential_mean(adj)
        count = (~np.isnan(adj)).sum(axis=0)
        dev = adj - mean
        variance = sequential_sum(dev * dev) / count  # numba's np.nanvar: squared deviations from the mean
        rcount = np.maximum(count - ddof, 0)
        std = np.where(rcount == 0, np.nan, np.sqrt(variance * count / rcount))
        sharpe = np.where(std == 0.0, np.inf, mean / std * np.sqrt(ann_factor))
        out["sharpe_ratio"] = np.where(n < 2, np.nan, sharpe)

        adj = returns - required_return
        below = np.where(adj > 0, 0.0, adj)
        downside = np.sqrt(sequential_mean(below ** 2)) * np.sqrt(ann_factor)
        sortino = np.where(downside == 0.0, np.inf, sequential_mean(adj) * ann_factor / downside)
        out["sortino_ratio"] = np.where(n < 2, np.nan, sortino)

        # vectorbt's drawdown_1d_nb: value path from 100 (NaN returns skipped), against its running peak
        growth = np.where(np.isnan(returns), 1.0, returns + 1.0)
        path = np.cumprod(growth, axis=0) * 100.0
        max_dd = (path / np.maximum.accumulate(path, axis=0) - 1).min(axis=0) if n else np.full(m, np.nan)
        out["max_drawdown"] = max_dd
        end_value = np.cumprod(growth, axis=0)[-1] if n else np.full(m, np.nan)
        annualized = end_value ** (ann_factor / n) - 1 if n else np.full(m, np.nan)
        out["calmar_ratio"] = np.where(max_dd == 0.0, np.nan, annualized / np.abs(max_dd))
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
