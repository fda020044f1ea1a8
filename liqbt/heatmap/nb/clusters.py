"""Bin lookup and nearest-cluster search shared by the heatmap kernels.

The search runs over per-block upper bounds of ``m * c`` (blocks of
``2**shift`` bins), so the nearest significant bin is found without scanning
every bin; :func:`combined_clusters_nb` runs it on the summed per-bar profiles
of several venues (:mod:`liqbt.heatmap.venues`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..enums import F

__all__ = ["bin_index_nb", "block_max_nb", "find_up_nb", "find_down_nb", "strength_nb", "combined_clusters_nb"]


@njit(cache=True, nogil=True)
def bin_index_nb(price, log_price, edges, is_log, origin, inv_step):
    """Extended bin index of ``price``: 0 below ``edges[0]``, ``n + 1`` at or above ``edges[n]``,
    else ``j + 1`` with ``edges[j] <= price < edges[j + 1]``.

    The arithmetic guess (from ``log_price`` on log grids) is corrected against
    the edges, so the result depends only on the edges.
    """
    n = edges.shape[0] - 1
    if not (price >= edges[0]):
        return 0
    if price >= edges[n]:
        return n + 1
    if is_log:
        g = (log_price - origin) * inv_step
    else:
        g = (price - origin) * inv_step
    j = 0
    if g > 0.0:
        j = int(g) if g < n else n - 1
    while price < edges[j]:
        j -= 1
    while price >= edges[j + 1]:
        j += 1
    return j + 1


@njit(cache=True, nogil=True)
def block_max_nb(m, c, side, k, shift, n_ext):
    """Exact maximum of ``m * c`` over block ``k`` (bins ``k << shift`` onward) of one side."""
    s = k << shift
    e = min(s + (1 << shift), n_ext)
    mx = 0.0
    for b in range(s, e):
        v = m[side, b] * c[b]
        if v > mx:
            mx = v
    return mx


@njit(cache=True, nogil=True)
def find_up_nb(m, c, bmax, side, start, stop, thr, shift):
    """First bin in ``[start, stop]`` with ``m * c >= thr`` (thr > 0), or -1; and an
    upper bound of ``m * c`` over the bins passed before it (all of them if none).

    Blocks of ``2**shift`` bins whose upper bound is below ``thr`` are skipped;
    a block scanned in full without a hit gets its exact maximum as its bound.
    """
    gap = 0.0
    if start > stop:
        return -1, gap
    k = start >> shift
    k_last = stop >> shift
    while k <= k_last:
        bk = bmax[side, k]
        if bk >= thr:
            b0 = k << shift
            b1 = b0 + (1 << shift) - 1
            lo = max(b0, start)
            hi = min(b1, stop)
            mx = 0.0
            for bb in range(lo, hi + 1):
                v = m[side, bb] * c[bb]
                if v >= thr:
                    if mx > gap:
                        gap = mx
                    return bb, gap
                if v > mx:
                    mx = v
            if lo == b0 and hi == b1:
                bmax[side, k] = mx
            if mx > gap:
                gap = mx
        elif bk > gap:
            gap = bk
        k += 1
    return -1, gap


@njit(cache=True, nogil=True)
def find_down_nb(m, c, bmax, side, start, stop, thr, shift):
    """Last bin in ``[stop, start]`` (searching downward) with ``m * c >= thr``, or -1; and
    an upper bound of ``m * c`` over the bins passed before it."""
    gap = 0.0
    if start < stop:
        return -1, gap
    k = start >> shift
    k_last = stop >> shift
    while k >= k_last:
        bk = bmax[side, k]
        if bk >= thr:
            b0 = k << shift
            b1 = b0 + (1 << shift) - 1
            lo = max(b0, stop)
            hi = min(b1, start)
            mx = 0.0
            for bb in range(hi, lo - 1, -1):
                v = m[side, bb] * c[bb]
                if v >= thr:
                    if mx > gap:
                        gap = mx
                    return bb, gap
                if v > mx:
                    mx = v
            if lo == b0 and hi == b1:
                bmax[side, k] = mx
            if mx > gap:
                gap = mx
        elif bk > gap:
            gap = bk
        k -= 1
    return -1, gap


@njit(cache=True, nogil=True)
def strength_nb(m, c, side, b, half, n):
    """``m*c`` of bin ``b`` over the mean of interior bins within ``half`` bins of it.

    Four partial sums break the chain of dependent additions (no fastmath).
    """
    lo = max(1, b - half)
    hi = min(n, b + half)
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    bb = lo
    while bb + 3 <= hi:
        s0 += m[side, bb] * c[bb]
        s1 += m[side, bb + 1] * c[bb + 1]
        s2 += m[side, bb + 2] * c[bb + 2]
        s3 += m[side, bb + 3] * c[bb + 3]
        bb += 4
    while bb <= hi:
        s0 += m[side, bb] * c[bb]
        bb += 1
    return m[side, b] * c[b] * (hi - lo + 1) / ((s0 + s1) + (s2 + s3))


@njit(cache=True)
def combined_clusters_nb(profile_long, profile_short, rest_long, rest_short, close, centres, share, half, shift,
                         features):
    """Cluster and imbalance columns of ``features`` from combined per-bar USD profiles (n_bars, n_bins).

    Used by :func:`liqbt.heatmap.venues.reconstruct_venues` after the venues'
    books are summed; the cluster search is :func:`run_nb`'s, scanning every
    block (no cached bounds).
    """
    n_bars, n = profile_long.shape
    n_blocks = ((n + 1) >> shift) + 1
    m = np.zeros((2, n + 2))
    bmax = np.full((2, n_blocks), np.inf)   # no bounds: every block is scanned
    one = np.ones(n + 2)
    for t in range(n_bars):
        for b in range(n):
            m[0, b + 1] = profile_long[t, b]
            m[1, b + 1] = profile_short[t, b]
        tot = rest_long[t] + rest_short[t]
        features[t, F.IMBALANCE] = (rest_long[t] - rest_short[t]) / tot if tot > 0.0 else np.nan
        for j in range(F.CLUSTER_ABOVE_PRICE, F.CLUSTER_BELOW_STRENGTH + 1):
            features[t, j] = np.nan
        price = close[t]
        if rest_short[t] > 0.0:
            bb, _ = find_up_nb(m, one, bmax, 1, 1, n, share * rest_short[t], shift)
            bmax[1, :] = np.inf
            if bb >= 0:
                features[t, F.CLUSTER_ABOVE_PRICE] = centres[bb]
                features[t, F.CLUSTER_ABOVE_DIST_PCT] = (centres[bb] / price - 1.0) * 100.0
                features[t, F.CLUSTER_ABOVE_USD] = m[1, bb]
                features[t, F.CLUSTER_ABOVE_STRENGTH] = strength_nb(m, one, 1, bb, half, n)
        if rest_long[t] > 0.0:
            bb, _ = find_down_nb(m, one, bmax, 0, n, 1, share * rest_long[t], shift)
            bmax[0, :] = np.inf
            if bb >= 0:
                features[t, F.CLUSTER_BELOW_PRICE] = centres[bb]
                features[t, F.CLUSTER_BELOW_DIST_PCT] = (1.0 - centres[bb] / price) * 100.0
                features[t, F.CLUSTER_BELOW_USD] = m[0, bb]
                features[t, F.CLUSTER_BELOW_STRENGTH] = strength_nb(m, one, 0, bb, half, n)
