"""Funding events as kernel inputs: each placed by the instant it happens, priced at its own time.

See :func:`place_funding_events` for the kinds of event (at the fill instant,
inside a bar, in a data gap, outside the data) and :func:`mark_at` for the
price at an instant. What was done is summarised by :func:`funding_conventions`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from ..data.market import Market, bar_size_label
from ..errors import ConfigError, DataError
from .config import BacktestConfig

__all__ = ["FundingPlacement", "place_funding_events", "mark_at", "funding_conventions", "check_price_range",
           "PRICE_RANGE_USD", "EVENT_TIME_RESOLUTION"]

#: Funding event times are rounded to this (Binance stamps them a few ms after the hour).
EVENT_TIME_RESOLUTION = pd.Timedelta("1s")
#: Prices the backtest accepts, USD. Beyond them sizes (cash / price) leave the
#: range where vectorbt's accounting (sizes within 1e-12 of zero count as flat)
#: and float64 products stay exact: a 1e308 price would be "flat" at a 0 value.
PRICE_RANGE_USD = (1e-12, 1e12)


def check_price_range(values: np.ndarray, index, source: str, column: str) -> None:
    """Raise :class:`DataError` naming the column and first bars where a price (USD) leaves :data:`PRICE_RANGE_USD`."""
    lo, hi = PRICE_RANGE_USD
    bad = np.flatnonzero(~((values >= lo) & (values <= hi)) & ~np.isnan(values))
    if len(bad):
        raise DataError(source, f"price {values[bad[0]]:g} outside the backtest's range [{lo:g}, {hi:g}] USD; "
                                "check the column's unit", column=column,
                        rows=[str(index[p]) for p in bad[:5]], n_rows=len(bad))


class FundingPlacement(NamedTuple):
    """Funding per bar as ``rate * price`` (USD per coin; + = longs pay), NaN where none.

    ``counts`` holds the number of events per kind (``at_fill_time``,
    ``inside_bars``, ``in_gaps``, ``outside_data``, ``mark``, ``last_price``).
    """

    before: np.ndarray
    at_fill: np.ndarray
    inside: np.ndarray
    counts: dict


def mark_at(market: Market, times: np.ndarray) -> np.ndarray:
    """The mark price (USD) at each instant ``times`` (int64 ns), NaN where unknown.

    The open of the mark bar starting at that instant, else the close of the
    mark bar ending at it. Never an older mark: on a daily mark series the
    08:00 funding has no mark (the 00:00 open is 8 hours old).
    """
    out = np.full(len(times), np.nan)
    if market.mark is None or not len(market.mark) or not len(times):
        return out
    stamps = market.mark.index.as_unit("ns").asi8
    opens = market.mark["open"].to_numpy(dtype=np.float64)
    closes = market.mark["close"].to_numpy(dtype=np.float64)
    source = f"{market.source or 'market'} (mark price)"
    check_price_range(opens, market.mark.index, source, "open")
    check_price_range(closes, market.mark.index, source, "close")
    step = int(pd.Timedelta(market.mark_bar_size).value)
    for lookup, values in ((times, opens), (times - step, closes)):
        k = np.clip(np.searchsorted(stamps, lookup), 0, len(stamps) - 1)
        hit = (stamps[k] == lookup) & np.isnan(out)
        out[hit] = values[k[hit]]
    return out


def _per_bar(n: int, bars: np.ndarray, amounts: np.ndarray) -> np.ndarray:
    out = np.full(n, np.nan)
    if len(bars):
        sums = np.bincount(bars, weights=amounts, minlength=n)
        counts = np.bincount(bars, minlength=n)
        out[counts > 0] = sums[counts > 0]
    return out


def _event_series(market: Market) -> pd.Series:
    """Funding events at their exact times; from the ``funding_rate`` column at bar opens without them."""
    if market.funding is not None:
        return market.funding.dropna()
    if "funding_rate" in market.bars.columns:
        return market.bars["funding_rate"].dropna()
    return pd.Series([], index=pd.DatetimeIndex([], tz="UTC"), dtype=np.float64)


def place_funding_events(market: Market, config: BacktestConfig) -> FundingPlacement:
    """Each funding event on the bar where it is paid, with the price at its own time.

    Kinds of event, by the instant ``t`` (rounded to the second):

    * **at the fill instant**: ``t`` equals the instant the bar's fills
      happen: its open with ``execution="next_open"``, the previous bar's
      close with ``execution="close"``. Paid by the position held before the
      fills; a position opened by them pays too with ``funding_at_entry="charge"``.
    * **inside a bar**: ``open < t < open + bar_size``; paid by the position
      after the open's fills.
    * **in a data gap** (no bar holds ``t``): paid at the next bar, by the
      position held through the gap, at the event's own rate and price.
    * **outside the data** (before the first bar or at/after the last bar's
      close): no position exists then; counted, not paid.

    Raises
    ------
    ConfigError
        An event inside a bar has no mark at its time and ``price_for_funding``
        is ``"mark"``.
    """
    n = len(market.bars)
    counts = dict(events=0, at_fill_time=0, inside_bars=0, in_gaps=0, outside_data=0, mark=0, last_price=0)
    empty = np.full(n, np.nan)
    events = _event_series(market)
    if not config.funding or not len(events) or n == 0:
        return FundingPlacement(empty, empty.copy(), empty.copy(), counts)
    res = EVENT_TIME_RESOLUTION.value
    raw = events.index.as_unit("ns").asi8
    t = (raw + res // 2) // res * res  # nearest second
    rates = events.to_numpy(dtype=np.float64)
    bar = int(market.bar_size.value)
    opens = market.index.as_unit("ns").asi8
    ends = opens + bar
    close = market.bars["close"].to_numpy(dtype=np.float64)
    j = np.searchsorted(opens, t, side="right") - 1
    valid = (j >= 0) & (t < ends[-1])
    jc = np.clip(j, 0, n - 1)
    in_bar = valid & (t < ends[jc])
    at_open = in_bar & (t == opens[jc])
    inside = in_bar & ~at_open
    gap = valid & ~in_bar
    counts.update(events=int(valid.sum()), inside_bars=int(inside.sum()), in_gaps=int(gap.sum()),
                  outside_data=int((~valid).sum()))
    contiguous = np.r_[False, opens[1:] == ends[:-1]]  # bar k opens where bar k-1 closes
    if config.execution == "next_open":
        fill_at = at_open
        before = gap
    else:  # fills at a bar's close: the instant that is the next bar's open when the bars touch
        fill_at = (at_open & contiguous[jc]) | (gap & (t == ends[jc]))
        before = (at_open & ~contiguous[jc]) | (gap & ~fill_at)
    bar_of = np.where(gap, jc + 1, jc)  # an event in a gap is paid at the bar after it
    counts["at_fill_time"] = int(fill_at.sum())

    # price of each event: the mark at its time, else the last close known then
    last_bar = np.searchsorted(ends, t, side="right") - 1
    last_close = np.where(last_bar >= 0, close[np.clip(last_bar, 0, n - 1)], market.bars["open"].iloc[0])
    if config.price_for_funding == "mark":
        price = mark_at(market, t)
        missing = valid & np.isnan(price)
        stuck = missing & inside
        if stuck.any():
            first = int(np.flatnonzero(stuck)[0])
            when = pd.Timestamp(t[first], tz="UTC")
            opened = pd.Timestamp(opens[jc[first]], tz="UTC")
            have = (f"a {bar_size_label(market.mark_bar_size)} mark series" if market.mark is not None
                    else "no mark price")
            raise ConfigError(
                f"backtest.price_for_funding 'mark': {int(stuck.sum())} funding event(s) fall inside "
                f"{bar_size_label(market.bar_size)} bars without a mark price at their time (first: {when}, "
                f"inside the bar opening {opened}; the market has {have}); the bar's prices do not say the price "
                f"at that time. Supply a mark price series at the funding times (e.g. data parts [mark] with an "
                f"8h or finer mark file), use bars no longer than the funding interval, or set "
                f"backtest.price_for_funding: close to pay at the close before the bar")
        price = np.where(missing, last_close, price)
        counts["mark"] = int((valid & ~missing).sum())
        counts["last_price"] = int(missing.sum())
    else:
        price = last_close
        counts["last_price"] = int(valid.sum())
    amount = rates * price
    placed = []
    for mask in (before, fill_at, inside):
        placed.append(_per_bar(n, bar_of[mask].astype(np.int64), amount[mask]))
    return FundingPlacement(*placed, counts)


def funding_conventions(config: BacktestConfig, counts: dict, market: Market) -> dict:
    """What the funding of this run did, in words and counts (for ``stats.json``)."""
    if not config.funding:
        return {"funding": "off"}
    if config.price_for_funding == "mark":
        price = "mark price at each event's time"
        if counts["last_price"]:
            price += (f"; {counts['last_price']} of {counts['events']} event(s) had no mark then and were paid at "
                      "the last trade price known at their time")
    else:
        price = "close of the last bar ending at or before each event (price_for_funding: close)"
    entry = ("charge: a position opened exactly at a funding time pays that event" if config.funding_at_entry ==
             "charge" else "skip: a position opened exactly at a funding time does not pay that event")
    entry += "; a position closed exactly at a funding time pays it"
    if counts["inside_bars"]:
        coarse = (f"{counts['inside_bars']} event(s) inside {bar_size_label(market.bar_size)} bars, each paid at "
                  f"its own time's price by the position held after the bar's open")
    else:
        coarse = "no event falls inside a bar"
    gaps = (f"{counts['in_gaps']} event(s) inside data gaps, paid at the next bar by the position held through "
            "the gap, at their own rate and price" if counts["in_gaps"] else "no event falls inside a data gap")
    return {
        "funding": "on",
        "funding_price": price,
        "funding_at_entry": entry,
        "coarse_bar_funding": coarse,
        "funding_in_gaps": gaps,
        "funding_events": {k: counts[k] for k in ("events", "at_fill_time", "inside_bars", "in_gaps", "outside_data",
                                                  "mark", "last_price")},
    }


