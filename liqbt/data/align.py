"""Point-in-time alignment of series with other bar sizes onto a bar index.

Two kinds of timing exist in market data and liqbt keeps them apart:

* **bar statistics** (OHLCV, taker volume, realised liquidations) describe the
  interval ``[t, t + bar_size)`` and are known at its close;
* **known values** (open interest, mark price at a bar's open, long/short
  ratios) are stamped with the time they became known.

A value known at time ``k`` is attached to the first bar whose *open* is at or
after ``k``: on 5-minute candles, hourly open interest for the hour starting at
``H`` (known at ``H + 1h``) appears from the 5-minute bar opening at ``H + 1h``
on. It is never joined to the nearest bar, never to an earlier one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["known_after_close", "align_known", "events_on_bars", "coins_to_usd"]


def known_after_close(index: pd.DatetimeIndex, bar_size: pd.Timedelta) -> pd.DatetimeIndex:
    """The times at which bar statistics stamped at bar open become known."""
    return index + bar_size


def align_known(
    values: pd.Series,
    bar_index: pd.DatetimeIndex,
    *,
    max_age: pd.Timedelta | None = None,
    source: str = "series",
) -> np.ndarray:
    """The last value known at each bar's open.

    Parameters
    ----------
    values : Series
        Indexed by the UTC time each value became known (sorted, unique).
    bar_index : DatetimeIndex
        Bar-open times of the target bars (UTC, sorted).
    max_age : Timedelta, optional
        Values older than this at a bar's open give NaN instead of being
        carried forward. ``None`` carries the last value without limit.

    Returns
    -------
    ndarray of float64
        NaN before the first value is known.
    """
    if len(values) and not values.index.is_monotonic_increasing:
        raise DataError(source, "known-at times must be sorted ascending")
    known = np.ascontiguousarray(values.index.as_unit("ns").asi8)
    target = np.ascontiguousarray(bar_index.as_unit("ns").asi8)
    from .nb import last_known_index_nb, take_nb  # here: reading a config (liqbt validate) loads no numba

    idx = last_known_index_nb(known, target)
    limit = 0 if max_age is None else int(pd.Timedelta(max_age).value)
    return take_nb(np.ascontiguousarray(values.to_numpy(dtype=np.float64)), idx, limit, known, target)


def events_on_bars(
    events: pd.Series, bar_index: pd.DatetimeIndex, bar_size: pd.Timedelta
) -> np.ndarray:
    """Place events (funding) in the bar ``[open, open + bar_size)`` holding them.

    Returns a float64 array on ``bar_index``: NaN where no event falls in the
    bar, the event's value otherwise, and the sum when several events fall in
    one bar (bars coarser than the funding interval). Events outside the bars
    (before, after or in a gap) are not placed; the caller keeps the full
    event series.
    """
    times = np.ascontiguousarray(events.index.as_unit("ns").asi8)
    opens = np.ascontiguousarray(bar_index.as_unit("ns").asi8)
    values = np.ascontiguousarray(events.to_numpy(dtype=np.float64))
    from .nb import sum_events_on_bars_nb  # here: reading a config (liqbt validate) loads no numba

    return sum_events_on_bars_nb(times, values, opens, int(bar_size.value))


def coins_to_usd(coins: pd.Series, close: pd.Series, bar_size: pd.Timedelta, *, source: str = "series") -> pd.Series:
    """Values in coins (open interest in BTC) times the last candle close known at each value's time.

    Parameters
    ----------
    coins : Series
        Indexed by the UTC time each value became known (sorted, unique).
    close : Series
        Candle closes indexed by bar open; the close of the bar opening at
        ``t`` is known at ``t + bar_size``.
    bar_size : Timedelta
        The candles' bar size.

    Returns
    -------
    Series
        USD values on the same known-at index. Values known before the first
        candle has closed have no price and are left out (nothing is known in
        USD then).
    """
    price = align_known(pd.Series(close.to_numpy(dtype=np.float64), index=known_after_close(close.index, bar_size)),
                        coins.index, source=source)
    usd = pd.Series(coins.to_numpy(dtype=np.float64) * price, index=coins.index, name="oi_usd")
    return usd[np.isfinite(price)]
