"""Market columns as kernel inputs: prices, liquidation trigger range, funding per bar."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..data.market import Market
from ..errors import DataError
from .config import BacktestConfig

__all__ = ["MarketArrays", "market_arrays", "split_funding_events", "funding_prices"]


class MarketArrays(NamedTuple):
    """Contiguous float64 arrays on the market's bars (USD prices, fraction rates)."""

    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    trig_low: np.ndarray
    trig_high: np.ndarray
    rate_open: np.ndarray  # funding events exactly at the bar's open, NaN = none
    rate_inside: np.ndarray  # funding events strictly inside the bar, NaN = none
    fund_price: np.ndarray
    fund_bars: np.ndarray  # int64, bars holding funding events (empty without funding)
    fund_row: np.ndarray  # int64 (n,), row in the compact funding matrix or -1
    liquidation_trigger: str  # "mark" or "last"


def split_funding_events(market: Market) -> tuple[np.ndarray, np.ndarray]:
    """Funding rates per bar, split into events at the bar's open and events inside it.

    Uses the exact event times of ``market.funding`` when present (several
    events in one bar are summed); otherwise the ``funding_rate`` column,
    taken as events at the bar's open. Events outside the bars are dropped.

    Returns
    -------
    rate_open, rate_inside : ndarray (n,)
        Fraction per funding interval; NaN where the bar holds no such event.
    """
    n = len(market.bars)
    rate_open = np.full(n, np.nan)
    rate_inside = np.full(n, np.nan)
    if market.funding is not None:
        opens = market.index.as_unit("ns").asi8
        times = market.funding.index.as_unit("ns").asi8
        rates = market.funding.to_numpy(dtype=np.float64)
        j = np.searchsorted(opens, times, side="right") - 1
        ok = (j >= 0) & (times < opens[np.clip(j, 0, n - 1)] + market.bar_size.value) & ~np.isnan(rates)
        at_open = ok & (times == opens[np.clip(j, 0, n - 1)])
        inside = ok & ~at_open
        for mask, out in ((at_open, rate_open), (inside, rate_inside)):
            if mask.any():
                sums = np.bincount(j[mask], weights=rates[mask], minlength=n)
                counts = np.bincount(j[mask], minlength=n)
                out[counts > 0] = sums[counts > 0]
    elif "funding_rate" in market.bars.columns:
        rate_open = market.bars["funding_rate"].to_numpy(dtype=np.float64).copy()
    return rate_open, rate_inside


def funding_prices(market: Market, price_for_funding: str) -> np.ndarray:
    """Price (USD) of funding payments in each bar.

    ``mark``: the bar's ``mark_price`` (last mark known at its open); where
    missing, the previous bar's close (the first bar's open for bar 0).
    ``close``: always that previous close.
    """
    bars = market.bars
    prev_close = bars["close"].shift(1).to_numpy(dtype=np.float64, copy=True)
    if len(prev_close):
        prev_close[0] = bars["open"].iloc[0]
    if price_for_funding == "mark" and "mark_price" in bars.columns:
        mark = bars["mark_price"].to_numpy(dtype=np.float64)
        return np.where(np.isnan(mark), prev_close, mark)
    return prev_close


def market_arrays(market: Market, config: BacktestConfig) -> MarketArrays:
    """Validate the market's prices and build the kernel inputs."""
    bars = market.bars
    for col in ("open", "high", "low", "close"):
        if col not in bars.columns:
            raise DataError(market.source or "market", f"missing column '{col}'; the backtest needs OHLC")
    o, h, l, c = (np.ascontiguousarray(bars[col].to_numpy(dtype=np.float64)) for col in ("open", "high", "low", "close"))
    if np.isnan(o).any() or np.isnan(c).any():
        bad = np.flatnonzero(np.isnan(o) | np.isnan(c))
        raise DataError(market.source or "market", "NaN prices; fill gaps (gaps='fill') before backtesting",
                        column="open/close", rows=[str(market.index[p]) for p in bad[:5]], n_rows=len(bad))
    h = np.where(np.isnan(h), np.maximum(o, c), h)
    l = np.where(np.isnan(l), np.minimum(o, c), l)
    trigger = "last"
    tl, th = l, h
    if config.liquidation.trigger == "mark" and market.has("mark_low") and market.has("mark_high"):
        trigger = "mark"
        tl = np.where(np.isnan(bars["mark_low"].to_numpy(np.float64)), l, bars["mark_low"].to_numpy(np.float64))
        th = np.where(np.isnan(bars["mark_high"].to_numpy(np.float64)), h, bars["mark_high"].to_numpy(np.float64))
    n = len(bars)
    if config.funding:
        rate_open, rate_inside = split_funding_events(market)
    else:
        rate_open, rate_inside = np.full(n, np.nan), np.full(n, np.nan)
    fund_bars = np.flatnonzero(~np.isnan(rate_open) | ~np.isnan(rate_inside)).astype(np.int64)
    fund_row = np.full(n, -1, dtype=np.int64)
    fund_row[fund_bars] = np.arange(len(fund_bars))
    fund_price = funding_prices(market, config.price_for_funding)
    arrays = [np.ascontiguousarray(a, dtype=np.float64) for a in (o, h, l, c, tl, th, rate_open, rate_inside,
                                                                   fund_price)]
    return MarketArrays(*arrays, fund_bars=fund_bars, fund_row=fund_row, liquidation_trigger=trigger)
