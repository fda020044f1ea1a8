"""Market columns as kernel inputs: prices, liquidation trigger range, funding per bar.

Funding events are placed by the instant they happen relative to the fills
(:func:`liqbt.backtest.funding.place_funding_events`); each event is priced at its own time.
What was used (trigger, funding prices, events in gaps) is returned as
``conventions`` so that the result and ``stats.json`` state it.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from ..data.market import Market, bar_size_label
from ..errors import DataError, FundingGapWarning, MarkPriceWarning
from .config import BacktestConfig
from .funding import check_price_range, funding_conventions, place_funding_events

__all__ = ["MarketArrays", "market_arrays", "liquidation_trigger_range"]


class MarketArrays(NamedTuple):
    """Contiguous float64 arrays on the market's bars (USD prices, USD-per-coin funding amounts)."""

    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    trig_low: np.ndarray
    trig_high: np.ndarray
    fund_before: np.ndarray  # events in the data gap before the bar, NaN = none
    fund_at_fill: np.ndarray  # events at the fill instant of the bar's open (see place_funding_events)
    fund_inside: np.ndarray  # events strictly inside the bar
    fund_bars: np.ndarray  # int64, bars holding funding events (empty without funding)
    fund_row: np.ndarray  # int64 (n,), row in the compact funding matrix or -1
    liquidation_trigger: str
    conventions: dict


def liquidation_trigger_range(market: Market, config: BacktestConfig, low: np.ndarray, high: np.ndarray
                              ) -> tuple[np.ndarray, np.ndarray, str]:
    """The (low, high) range that triggers liquidation and the trigger actually used.

    Returns ``"none (liquidation disabled)"``, ``"last"`` when configured, ``"mark"`` when every bar has a mark
    high/low, ``"last (mark price missing)"`` when none has, and
    ``"mark (last on N of M bars without mark)"`` otherwise; the two
    fallbacks warn (:class:`MarkPriceWarning`).
    """
    if not config.liquidation.enabled:
        return low, high, "none (liquidation disabled)"
    if config.liquidation.trigger == "last":
        return low, high, "last"
    bars = market.bars
    n = len(bars)
    finer = _mark_range_from_finer(market)
    if finer is not None:
        ml, mh = finer
    elif market.has("mark_low") and market.has("mark_high"):
        ml = bars["mark_low"].to_numpy(np.float64)
        mh = bars["mark_high"].to_numpy(np.float64)
    else:
        if market.mark is None:
            why = "the market has no mark price"
        else:
            why = (f"the mark price is at {bar_size_label(market.mark_bar_size)}, not at the "
                   f"{bar_size_label(market.bar_size)} bar size, so its high/low per bar are unknown")
        warnings.warn(f"backtest: liquidation trigger 'mark' but {why}; liquidations are triggered by the last-price "
                      "high/low (set backtest.liquidation.trigger: last to choose this)", MarkPriceWarning,
                      stacklevel=4)
        return low, high, "last (mark price missing)"
    gaps = np.isnan(ml) | np.isnan(mh)
    tl = np.where(np.isnan(ml), low, ml)
    th = np.where(np.isnan(mh), high, mh)
    if not gaps.any():
        return tl, th, "mark"
    if gaps.all():
        warnings.warn("backtest: liquidation trigger 'mark' but no bar has a complete mark high/low; liquidations are "
                      "triggered by the last-price high/low (set backtest.liquidation.trigger: last to choose this)",
                      MarkPriceWarning, stacklevel=4)
        return low, high, "last (mark price missing)"
    first = market.index[int(np.flatnonzero(gaps)[0])]
    label = f"mark (last on {int(gaps.sum())} of {n} bars without mark)"
    warnings.warn(f"backtest: liquidation trigger 'mark' but {int(gaps.sum())} of {n} bars have no mark high/low "
                  f"(first: {first}); those bars use the last-price high/low", MarkPriceWarning, stacklevel=4)
    return tl, th, label


def _mark_range_from_finer(market: Market) -> tuple[np.ndarray, np.ndarray] | None:
    """Mark low/high per bar from a mark series whose bar size divides the bars' (e.g. 1h mark, 1d bars).

    A bar gets the range only when every mark bar inside it is present (NaN
    otherwise); like the trade high/low it is known at the bar's close.
    ``None`` when the mark is missing, coarser or not a divisor.
    """
    mark, step = market.mark, market.mark_bar_size
    if mark is None or step is None or not len(mark) or step >= market.bar_size or market.bar_size % step:
        return None
    per_bar = int(market.bar_size // step)
    opens = market.index.as_unit("ns").asi8
    stamps = mark.index.as_unit("ns").asi8
    j = np.searchsorted(opens, stamps, side="right") - 1
    ok = (j >= 0) & (stamps < opens[np.clip(j, 0, None)] + market.bar_size.value)
    ok &= ~(np.isnan(mark["low"].to_numpy()) | np.isnan(mark["high"].to_numpy()))
    n = len(opens)
    low = np.full(n, np.inf)
    high = np.full(n, -np.inf)
    np.minimum.at(low, j[ok], mark["low"].to_numpy(np.float64)[ok])
    np.maximum.at(high, j[ok], mark["high"].to_numpy(np.float64)[ok])
    complete = np.bincount(j[ok], minlength=n) == per_bar
    return np.where(complete, low, np.nan), np.where(complete, high, np.nan)


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
    for name, values in (("open", o), ("high", h), ("low", l), ("close", c)):
        check_price_range(values, market.index, market.source or "market", name)
    tl, th, trigger = liquidation_trigger_range(market, config, l, h)
    n = len(bars)
    placed = place_funding_events(market, config)
    counts = placed.counts
    if counts["in_gaps"]:
        warnings.warn(f"backtest: {counts['in_gaps']} funding event(s) fall inside gaps of the candles; each is paid "
                      "at the next bar by the position held through the gap", FundingGapWarning, stacklevel=3)
    if config.funding and config.price_for_funding == "mark" and counts["last_price"]:
        warnings.warn(f"backtest: {counts['last_price']} of {counts['events']} funding event(s) have no mark price at "
                      "their time; they are paid at the last trade price known then", MarkPriceWarning, stacklevel=3)
    has_event = ~np.isnan(placed.before) | ~np.isnan(placed.at_fill) | ~np.isnan(placed.inside)
    fund_bars = np.flatnonzero(has_event).astype(np.int64)
    fund_row = np.full(n, -1, dtype=np.int64)
    fund_row[fund_bars] = np.arange(len(fund_bars))
    conventions = {"liquidation_trigger": trigger, "execution": config.execution,
                   **funding_conventions(config, counts, market)}
    # writable copies where pandas hands out readonly views: numba compiles a kernel again for readonly arrays
    arrays = [np.require(a, np.float64, "CW") for a in (o, h, l, c, tl, th, placed.before, placed.at_fill,
                                                        placed.inside)]
    return MarketArrays(*arrays, fund_bars=fund_bars, fund_row=fund_row, liquidation_trigger=trigger,
                        conventions=conventions)
