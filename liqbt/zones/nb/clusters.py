"""Zones from heatmap clusters and levels, per bar; placebo and draws for the baselines.

Zone sets
---------
Clusters and levels are passed to :func:`bar_zones_nb` as *zone sets* in a
compressed layout: set ``s`` becomes known at row ``set_rows[s]`` and holds
the zones ``offsets[s]:offsets[s + 1]`` of the flat arrays ``price`` (USD),
``weight`` (USD of the band for heatmap clusters), ``ratio`` (brightness
against the neighbourhood) and ``side`` (+1 long liquidations, -1 short).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..enums import N_ZONE_COLUMNS, Z

__all__ = ["relative_clusters_nb", "placebo_prices_nb", "bar_zones_nb", "local_imbalance_nb", "confluence_nb",
           "empirical_draw_nb", "hold_exits_nb"]


@njit(cache=True)
def relative_clusters_nb(long, short, centres, ref_price, band, neighbourhood, min_ratio, min_share, max_dist):
    """Clusters of each snapshot that stand out from their neighbourhood.

    For bin ``b`` of the summed profile ``long + short`` (USD), the *band* is
    bins ``b - band .. b + band`` and the *neighbourhood* the bins within
    ``neighbourhood`` of ``b`` outside the band. ``b`` is a cluster when its
    bin is the largest of its band (strictly above those before it), the band
    mean is at least ``min_ratio`` times the neighbourhood mean, the band
    holds at least ``min_share`` of the snapshot's total USD, and its centre
    is within ``max_dist`` (fraction) of ``ref_price``.

    Returns
    -------
    offsets : int64 (S + 1,)
    bins : int64, price, usd, ratio : float64, side : int64
        Flat over the clusters; ``usd`` is the band's USD, ``side`` +1 when
        the band holds more long than short USD, else -1.
    """
    n_snap, n_bins = long.shape
    offsets = np.zeros(n_snap + 1, dtype=np.int64)
    cap = 64
    bins = np.empty(cap, dtype=np.int64)
    price = np.empty(cap)
    usd = np.empty(cap)
    ratio = np.empty(cap)
    side = np.empty(cap, dtype=np.int64)
    tot = np.zeros(n_bins)
    pre = np.zeros(n_bins + 1)
    prel = np.zeros(n_bins + 1)
    z = 0
    for s in range(n_snap):
        for b in range(n_bins):
            tot[b] = np.float64(long[s, b]) + np.float64(short[s, b])
            pre[b + 1] = pre[b] + tot[b]
            prel[b + 1] = prel[b] + np.float64(long[s, b])
        total = pre[n_bins]
        ref = ref_price[s]
        if total > 0.0 and not np.isnan(ref):
            for b in range(n_bins):
                if tot[b] <= 0.0 or abs(centres[b] / ref - 1.0) > max_dist:
                    continue
                b0 = max(b - band, 0)
                b1 = min(b + band, n_bins - 1)
                peak = True
                for j in range(b0, b):
                    if tot[j] >= tot[b]:
                        peak = False
                for j in range(b + 1, b1 + 1):
                    if tot[j] > tot[b]:
                        peak = False
                if not peak:
                    continue
                band_usd = pre[b1 + 1] - pre[b0]
                if band_usd < min_share * total:
                    continue
                w0 = max(b - neighbourhood, 0)
                w1 = min(b + neighbourhood, n_bins - 1)
                n_out = (w1 - w0 + 1) - (b1 - b0 + 1)
                out_usd = (pre[w1 + 1] - pre[w0]) - band_usd
                band_mean = band_usd / (b1 - b0 + 1)
                if n_out > 0 and out_usd > 0.0:
                    r = band_mean / (out_usd / n_out)
                else:
                    r = np.inf
                if r < min_ratio:
                    continue
                if z == cap:
                    cap *= 2
                    bins = _grow_i(bins, cap)
                    side = _grow_i(side, cap)
                    price = _grow_f(price, cap)
                    usd = _grow_f(usd, cap)
                    ratio = _grow_f(ratio, cap)
                bins[z] = b
                price[z] = centres[b]
                usd[z] = band_usd
                ratio[z] = r
                long_usd = prel[b1 + 1] - prel[b0]
                side[z] = 1 if long_usd >= band_usd - long_usd else -1
                z += 1
        offsets[s + 1] = z
    return offsets, bins[:z].copy(), price[:z].copy(), usd[:z].copy(), ratio[:z].copy(), side[:z].copy()


@njit(cache=True)
def _grow_f(a, cap):
    out = np.empty(cap)
    for k in range(len(a)):  # a loop, not out[:len(a)] = a: slice assignment compiles numba's broadcasting
        out[k] = a[k]        # and shape-error machinery (~2 s of a cold first run)
    return out


@njit(cache=True)
def _grow_i(a, cap):
    out = np.empty(cap, dtype=np.int64)
    for k in range(len(a)):  # a loop, not out[:len(a)] = a: slice assignment compiles numba's broadcasting
        out[k] = a[k]        # and shape-error machinery (~2 s of a cold first run)
    return out


@njit(cache=True)
def placebo_prices_nb(offsets, price, ref_price, u):
    """Move every zone to a random distance drawn from the real distances seen so far.

    For zone ``k`` of set ``s`` above its reference price, the distance
    ``d = price / ref - 1`` is replaced by one drawn (``u[k]`` uniform in
    [0, 1)) from the distances of all *above* zones of sets ``0..s``; below
    likewise with ``1 - price / ref``. Sets never look at later sets, so the
    placebo is point in time; ``u`` must be a prefix-stable random stream.

    Returns
    -------
    fake : float64 (n_zones,)
        ``ref * (1 + d)`` above, ``ref * (1 - d)`` below.
    """
    n_sets = len(offsets) - 1
    nz = len(price)
    pool_up = np.empty(nz)
    pool_dn = np.empty(nz)
    n_up = 0
    n_dn = 0
    fake = np.full(nz, np.nan)
    for s in range(n_sets):
        ref = ref_price[s]
        for k in range(offsets[s], offsets[s + 1]):
            if price[k] >= ref:
                pool_up[n_up] = price[k] / ref - 1.0
                n_up += 1
            else:
                pool_dn[n_dn] = 1.0 - price[k] / ref
                n_dn += 1
        for k in range(offsets[s], offsets[s + 1]):
            if price[k] >= ref:
                i = min(int(u[k] * n_up), n_up - 1)
                fake[k] = ref * (1.0 + pool_up[i])
            else:
                i = min(int(u[k] * n_dn), n_dn - 1)
                fake[k] = ref * (1.0 - pool_dn[i])
    return fake


@njit(cache=True)
def bar_zones_nb(set_rows, offsets, price, weight, ratio, side, high, low, close, min_dist, max_dist):
    """Per-bar dominant zones above and below, and the zones each bar cleared.

    The zones of set ``s`` are live from row ``set_rows[s]`` until the next
    set; a zone above the close of its set row is *cleared* on the first
    later bar whose high reaches it (below: whose low reaches it) and is not
    live afterwards. On every row, among the live zones between ``min_dist``
    and ``max_dist`` (fractions of the close) on each side, the one with the
    largest weight is the dominant zone.

    Returns
    -------
    out : float64 (n, N_ZONE_COLUMNS)
        Columns by :data:`~liqbt.zones.enums.Z`.
    """
    n = len(close)
    out = np.full((n, N_ZONE_COLUMNS), np.nan)
    alive = np.zeros(len(price), dtype=np.bool_)
    up = np.zeros(len(price), dtype=np.bool_)
    s = -1
    n_sets = len(set_rows)
    for t in range(n):
        row = out[t]
        row[Z.CLEARED_ABOVE_WEIGHT] = 0.0
        row[Z.CLEARED_BELOW_WEIGHT] = 0.0
        row[Z.ABOVE_TOTAL] = 0.0
        row[Z.BELOW_TOTAL] = 0.0
        row[Z.N_ABOVE] = 0.0
        row[Z.N_BELOW] = 0.0
        # sweeps by this bar of the zones live before it
        if s >= 0:
            best_a = -1.0
            best_b = -1.0
            for k in range(offsets[s], offsets[s + 1]):
                if not alive[k]:
                    continue
                if up[k] and high[t] >= price[k]:
                    alive[k] = False
                    row[Z.CLEARED_ABOVE_WEIGHT] += weight[k]
                    if weight[k] > best_a:
                        best_a = weight[k]
                        row[Z.CLEARED_ABOVE_PRICE] = price[k]
                elif not up[k] and low[t] <= price[k]:
                    alive[k] = False
                    row[Z.CLEARED_BELOW_WEIGHT] += weight[k]
                    if weight[k] > best_b:
                        best_b = weight[k]
                        row[Z.CLEARED_BELOW_PRICE] = price[k]
        # a new set known at this close replaces the old one
        while s + 1 < n_sets and set_rows[s + 1] <= t:
            s += 1
            for k in range(offsets[s], offsets[s + 1]):
                alive[k] = price[k] != close[set_rows[s]]
                up[k] = price[k] > close[set_rows[s]]
        if s < 0:
            continue
        c = close[t]
        wa = -1.0
        wb = -1.0
        for k in range(offsets[s], offsets[s + 1]):
            if not alive[k]:
                continue
            d = price[k] / c - 1.0
            if up[k] and d >= min_dist and d <= max_dist:
                row[Z.N_ABOVE] += 1.0
                row[Z.ABOVE_TOTAL] += weight[k]
                if weight[k] > wa:
                    wa = weight[k]
                    row[Z.ABOVE_PRICE] = price[k]
                    row[Z.ABOVE_DIST] = d
                    row[Z.ABOVE_WEIGHT] = weight[k]
                    row[Z.ABOVE_RATIO] = ratio[k]
                    row[Z.ABOVE_SIDE] = side[k]
            elif not up[k] and -d >= min_dist and -d <= max_dist:
                row[Z.N_BELOW] += 1.0
                row[Z.BELOW_TOTAL] += weight[k]
                if weight[k] > wb:
                    wb = weight[k]
                    row[Z.BELOW_PRICE] = price[k]
                    row[Z.BELOW_DIST] = -d
                    row[Z.BELOW_WEIGHT] = weight[k]
                    row[Z.BELOW_RATIO] = ratio[k]
                    row[Z.BELOW_SIDE] = side[k]
    return out


@njit(cache=True)
def local_imbalance_nb(snap_rows, long, short, edges, close, window):
    """Long USD resting within ``window`` below each close and short USD within it above.

    Uses the latest snapshot taken at or before the row; bins count by their
    centre ``sqrt(lo * hi)`` (log grids) inside ``[c (1 - window), c)`` and
    ``(c, c (1 + window)]``.

    Returns
    -------
    long_below, short_above : float64 (n,)
        USD; NaN before the first snapshot.
    """
    n = len(close)
    n_bins = long.shape[1]
    lb = np.full(n, np.nan)
    sa = np.full(n, np.nan)
    centres = np.sqrt(edges[:-1] * edges[1:])
    pl = np.zeros(n_bins + 1)
    ps = np.zeros(n_bins + 1)
    s = -1
    for t in range(n):
        moved = False
        while s + 1 < len(snap_rows) and snap_rows[s + 1] <= t:
            s += 1
            moved = True
        if s < 0:
            continue
        if moved:
            for b in range(n_bins):
                pl[b + 1] = pl[b] + np.float64(long[s, b])
                ps[b + 1] = ps[b] + np.float64(short[s, b])
        c = close[t]
        i_lo = np.searchsorted(centres, c * (1.0 - window), side="left")
        i_c0 = np.searchsorted(centres, c, side="left")
        i_c1 = np.searchsorted(centres, c, side="right")
        i_hi = np.searchsorted(centres, c * (1.0 + window), side="right")
        lb[t] = pl[i_c0] - pl[i_lo]
        sa[t] = ps[i_hi] - ps[i_c1]
    return lb, sa


@njit(cache=True)
def confluence_nb(price, levels, tol):
    """Confluence of a price with levels: sum of ``max(0, 1 - |price / level - 1| / tol)``.

    ``price`` (n,), ``levels`` (n, L) USD, ``tol`` a fraction; NaN levels add
    nothing; NaN price gives NaN.
    """
    n, n_lev = levels.shape
    out = np.full(n, np.nan)
    for t in range(n):
        p = price[t]
        if np.isnan(p):
            continue
        acc = 0.0
        for j in range(n_lev):
            lv = levels[t, j]
            if lv > 0.0:
                w = 1.0 - abs(p / lv - 1.0) / tol
                if w > 0.0:
                    acc += w
        out[t] = acc
    return out


@njit(cache=True)
def empirical_draw_nb(x, u):
    """Row ``t``: a value drawn (``u[t]``) from the finite values of ``x[0..t]``; NaN where ``x[t]`` is NaN."""
    n = len(x)
    pool = np.empty(n)
    k = 0
    out = np.full(n, np.nan)
    for t in range(n):
        if not np.isnan(x[t]):
            pool[k] = x[t]
            k += 1
            out[t] = pool[min(int(u[t] * k), k - 1)]
    return out


@njit(cache=True)
def hold_exits_nb(entries, hold):
    """True on the row ``hold`` bars after an entry row when no entry came in between (hold 0: none)."""
    n = len(entries)
    out = np.zeros(n, dtype=np.bool_)
    if hold <= 0:
        return out
    last = -1
    for t in range(n):
        if last >= 0 and t - last == hold:
            out[t] = True
        if entries[t]:
            last = t
    return out
