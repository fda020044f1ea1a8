"""Numba kernels for point-in-time alignment. Arrays in, arrays out.

Times are int64 nanoseconds since the epoch (UTC).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["last_known_index_nb", "take_nb", "event_bar_index_nb"]


@njit(cache=True)
def last_known_index_nb(known_at, target):
    """For each target time, the index of the last source value known by then.

    ``known_at`` and ``target`` are sorted ascending. The result is -1 where
    nothing is known yet. A value known exactly at a target time counts as
    known (``known_at[j] <= target[i]``).
    """
    n = target.shape[0]
    m = known_at.shape[0]
    out = np.empty(n, dtype=np.int64)
    j = -1
    for i in range(n):
        t = target[i]
        while j + 1 < m and known_at[j + 1] <= t:
            j += 1
        out[i] = j
    return out


@njit(cache=True)
def take_nb(values, index, max_age, known_at, target):
    """``values[index]`` with NaN where ``index`` is -1 or the value is older than ``max_age``.

    ``max_age`` <= 0 means no limit.
    """
    n = index.shape[0]
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        j = index[i]
        if j < 0 or (max_age > 0 and target[i] - known_at[j] > max_age):
            out[i] = np.nan
        else:
            out[i] = values[j]
    return out


@njit(cache=True)
def event_bar_index_nb(event_time, bar_open, bar_size):
    """Index of the bar ``[open, open + bar_size)`` holding each event, or -1.

    Both arrays are sorted ascending. Events in a gap between bars or outside
    the span get -1.
    """
    n = event_time.shape[0]
    m = bar_open.shape[0]
    out = np.full(n, -1, dtype=np.int64)
    j = 0
    for i in range(n):
        t = event_time[i]
        while j + 1 < m and bar_open[j + 1] <= t:
            j += 1
        if m > 0 and bar_open[j] <= t < bar_open[j] + bar_size:
            out[i] = j
    return out


@njit(cache=True)
def sum_events_on_bars_nb(event_time, values, bar_open, bar_size):
    """Sum of event values in each bar ``[open, open + bar_size)``; NaN where none fell."""
    where = event_bar_index_nb(event_time, bar_open, bar_size)
    out = np.full(bar_open.shape[0], np.nan)
    for i in range(where.shape[0]):
        j = where[i]
        if j >= 0:
            out[j] = values[i] if np.isnan(out[j]) else out[j] + values[i]
    return out


@njit(cache=True)
def bars_look_valid_nb(open_, high, low, close, volumes, price_max, volume_max):
    """One pass over the candles: True when every price and volume check passes.

    Finite positive prices up to ``price_max``, ``low <= open, close <= high``,
    finite non-negative volumes up to ``volume_max`` (``volumes`` is (n, k),
    k >= 0). When it returns False the caller runs the detailed checks to say
    what is wrong.
    """
    n = open_.shape[0]
    for i in range(n):
        o, h, l, c = open_[i], high[i], low[i], close[i]
        if not (np.isfinite(o) and np.isfinite(h) and np.isfinite(l) and np.isfinite(c)):
            return False
        if l <= 0.0 or h < l or o < l or o > h or c < l or c > h or h > price_max:
            return False
        for k in range(volumes.shape[1]):
            v = volumes[i, k]
            if not np.isfinite(v) or v < 0.0 or v > volume_max:
                return False
    return True
