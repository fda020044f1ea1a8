"""Levels from bars: swing pivots, nearest support / resistance, volume nodes, moving averages.

Row ``t`` of every output is what is known at bar ``t``'s close (see :mod:`liqbt.zones.nb`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["swing_pivots_nb", "nearest_levels_nb", "pivot_zone_sets_nb", "volume_nodes_nb", "sma_nb"]


@njit(cache=True)
def swing_pivots_nb(high, low, left, right):
    """Swing highs and lows, each on the row that confirms it.

    A swing high at bar ``p`` has ``high[p]`` strictly above the ``left``
    bars before it and at least the ``right`` bars after it (so a flat top
    gives one pivot, its first bar); a swing low likewise with ``low``. It
    is confirmed at the close of bar ``p + right`` and written on that row.

    Returns
    -------
    ph, pl : float64 (n,)
        Pivot price on its confirmation row, NaN elsewhere.
    ph_prom, pl_prom : float64 (n,)
        Prominence: (high[p] - min low) / high[p] over bars ``p-left..p+right``
        (for lows, (max high - low[p]) / low[p]), a fraction.
    """
    n = len(high)
    ph = np.full(n, np.nan)
    pl = np.full(n, np.nan)
    ph_prom = np.full(n, np.nan)
    pl_prom = np.full(n, np.nan)
    for t in range(left + right, n):
        p = t - right
        is_h = True
        is_l = True
        for j in range(p - left, p):
            if high[j] >= high[p]:
                is_h = False
            if low[j] <= low[p]:
                is_l = False
        for j in range(p + 1, t + 1):
            if high[j] > high[p]:
                is_h = False
            if low[j] < low[p]:
                is_l = False
        if is_h or is_l:
            lo = np.inf
            hi = -np.inf
            for j in range(p - left, t + 1):
                lo = min(lo, low[j])
                hi = max(hi, high[j])
            if is_h:
                ph[t] = high[p]
                ph_prom[t] = (high[p] - lo) / high[p]
            if is_l:
                pl[t] = low[p]
                pl_prom[t] = (hi - low[p]) / low[p]
    return ph, pl, ph_prom, pl_prom


@njit(cache=True)
def nearest_levels_nb(ph, pl, close, max_levels):
    """Nearest confirmed swing level above and below each close.

    The candidates are the last ``max_levels`` confirmed pivots of either kind
    (a broken resistance is support), confirmed on or before row ``t``.

    Returns
    -------
    resistance, support : float64 (n,)
        NaN when no candidate lies on that side.
    """
    n = len(close)
    ring = np.full(max_levels, np.nan)
    k = 0
    res = np.full(n, np.nan)
    sup = np.full(n, np.nan)
    for t in range(n):
        if not np.isnan(ph[t]):
            ring[k % max_levels] = ph[t]
            k += 1
        if not np.isnan(pl[t]):
            ring[k % max_levels] = pl[t]
            k += 1
        c = close[t]
        for i in range(min(k, max_levels)):
            v = ring[i]
            if v > c and not (res[t] <= v):
                res[t] = v
            elif v < c and not (sup[t] >= v):
                sup[t] = v
    return res, sup


@njit(cache=True)
def pivot_zone_sets_nb(ph, pl, ph_prom, pl_prom, max_levels):
    """Zone sets of plain S/R levels: the last ``max_levels`` pivots, a new set at every confirmation.

    Weight = the pivot's prominence (fraction), ratio = inf, side = 0.

    Returns
    -------
    set_rows, offsets, price, weight, ratio, side
    """
    n = len(ph)
    n_sets = 0
    for t in range(n):
        if not np.isnan(ph[t]) or not np.isnan(pl[t]):
            n_sets += 1
    set_rows = np.empty(n_sets, dtype=np.int64)
    offsets = np.zeros(n_sets + 1, dtype=np.int64)
    cap = n_sets * max_levels
    price = np.empty(cap)
    weight = np.empty(cap)
    ring_p = np.full(max_levels, np.nan)
    ring_w = np.full(max_levels, np.nan)
    k = 0
    s = 0
    z = 0
    for t in range(n):
        new = False
        if not np.isnan(ph[t]):
            ring_p[k % max_levels] = ph[t]
            ring_w[k % max_levels] = ph_prom[t]
            k += 1
            new = True
        if not np.isnan(pl[t]):
            ring_p[k % max_levels] = pl[t]
            ring_w[k % max_levels] = pl_prom[t]
            k += 1
            new = True
        if new:
            set_rows[s] = t
            for i in range(min(k, max_levels)):
                price[z] = ring_p[i]
                weight[z] = ring_w[i]
                z += 1
            s += 1
            offsets[s] = z
    return (set_rows, offsets, price[:z].copy(), weight[:z].copy(), np.full(z, np.inf),
            np.zeros(z, dtype=np.int64))


@njit(cache=True)
def volume_nodes_nb(high, low, close, volume, window, n_bins, node_ratio):
    """Rolling volume profile of the last ``window`` bars (the current one included) and its nodes.

    Each bar's volume goes to the bin of its typical price ``(h + l + c) / 3``;
    the bins split ``[min low, max high]`` of the window into ``n_bins``. A
    node is a bin that is a local maximum (above its left neighbour, at least
    its right one) holding at least ``node_ratio`` times the mean bin volume.

    Returns
    -------
    poc, node_above, node_below : float64 (n,)
        Centre of the fullest bin; of the nearest node above / below the
        close. NaN for the first ``window - 1`` rows or when none exists.
    """
    n = len(close)
    poc = np.full(n, np.nan)
    above = np.full(n, np.nan)
    below = np.full(n, np.nan)
    hist = np.zeros(n_bins + 2)
    for t in range(window - 1, n):
        lo = np.inf
        hi = -np.inf
        for j in range(t - window + 1, t + 1):
            lo = min(lo, low[j])
            hi = max(hi, high[j])
        if not hi > lo:
            continue
        width = (hi - lo) / n_bins
        hist[:] = 0.0
        total = 0.0
        for j in range(t - window + 1, t + 1):
            v = volume[j]
            if v > 0.0:
                b = int(((high[j] + low[j] + close[j]) / 3.0 - lo) / width)
                b = min(max(b, 0), n_bins - 1)
                hist[b + 1] += v
                total += v
        if total <= 0.0:
            continue
        best = 1
        for b in range(1, n_bins + 1):
            if hist[b] > hist[best]:
                best = b
        poc[t] = lo + (best - 0.5) * width
        thr = node_ratio * total / n_bins
        c = close[t]
        for b in range(1, n_bins + 1):
            if hist[b] > hist[b - 1] and hist[b] >= hist[b + 1] and hist[b] >= thr:
                centre = lo + (b - 0.5) * width
                if centre > c and not (above[t] <= centre):
                    above[t] = centre
                elif centre < c and not (below[t] >= centre):
                    below[t] = centre
    return poc, above, below


@njit(cache=True)
def sma_nb(x, window):
    """Simple moving average of the last ``window`` values (NaN until ``window`` values)."""
    n = len(x)
    out = np.full(n, np.nan)
    acc = 0.0
    for t in range(n):
        acc += x[t]
        if t >= window:
            acc -= x[t - window]
        if t >= window - 1:
            out[t] = acc / window
    return out
