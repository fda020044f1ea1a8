"""Numba kernels of the liquidation-heatmap reconstruction. Arrays in, arrays out.

The book of each side (0 = long, 1 = short) is a mass of open positions, in
coins, per price bin of the liquidation price. The grid has ``n`` interior bins
and two overflow bins (index 0 below the grid, ``n + 1`` above it) whose
"centres" are the grid's outer edges, so liquidation prices outside the grid
are kept and liquidated when the price reaches the grid edge beyond which they
lie. Bin ``b`` of the long book is crossed when ``low <= centre[b]``, of the
short book when ``high >= centre[b]``.

Per-bar work does not touch every bin:

* masses are stored divided by a per-side scale ``S`` (coins = ``m * S``), so
  proportional closes and decay are O(1);
* all long mass lies below the bar's low and all short mass above its high, so
  a liquidation sweep walks inward from the occupied edge only;
* per-block upper bounds of ``m * centre`` let the nearest significant cluster
  be found without scanning every bin;
* a window expires its oldest cohort by subtracting that cohort's deposits
  (those in bins not liquidated or cleared since).

See :mod:`liqbt.heatmap.model` for the semantics of every option and
``tests/heatmap_reference.py`` for a direct implementation.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .enums import FP, IP, N_FEATURES, N_TOTALS, TT, CloseMode, CloseSplit, EntryMode, F, KernelResult, SplitMode

__all__ = ["bin_index_nb", "reconstruct_nb", "run_nb", "sweep_nb"]

_RENORM_BELOW = 1e-100      # rescale a side's masses when its scale falls below this
_RESUM_EVERY = 4096         # bars between exact recomputations of the running sums
_FULL_CLOSE = 1.0 - 1e-12   # a close of at least this fraction of a side clears it


@njit(cache=True)
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


@njit(cache=True)
def _block_max_nb(m, c, side, k, shift, n_ext):
    s = k << shift
    e = min(s + (1 << shift), n_ext)
    mx = 0.0
    for b in range(s, e):
        v = m[side, b] * c[b]
        if v > mx:
            mx = v
    return mx


@njit(cache=True)
def _find_up_nb(m, c, bmax, side, start, stop, thr, shift):
    """First bin in ``[start, stop]`` with ``m * c >= thr`` (thr > 0), or -1.

    Blocks of ``2**shift`` bins whose upper bound is below ``thr`` are skipped;
    a block scanned in full without a hit gets its exact maximum as its bound.
    """
    if start > stop:
        return -1
    k = start >> shift
    k_last = stop >> shift
    while k <= k_last:
        if bmax[side, k] >= thr:
            b0 = k << shift
            b1 = b0 + (1 << shift) - 1
            lo = max(b0, start)
            hi = min(b1, stop)
            mx = 0.0
            for bb in range(lo, hi + 1):
                v = m[side, bb] * c[bb]
                if v >= thr:
                    return bb
                if v > mx:
                    mx = v
            if lo == b0 and hi == b1:
                bmax[side, k] = mx
        k += 1
    return -1


@njit(cache=True)
def _find_down_nb(m, c, bmax, side, start, stop, thr, shift):
    """Last bin in ``[stop, start]`` (searching downward) with ``m * c >= thr``, or -1."""
    if start < stop:
        return -1
    k = start >> shift
    k_last = stop >> shift
    while k >= k_last:
        if bmax[side, k] >= thr:
            b0 = k << shift
            b1 = b0 + (1 << shift) - 1
            lo = max(b0, stop)
            hi = min(b1, start)
            mx = 0.0
            for bb in range(hi, lo - 1, -1):
                v = m[side, bb] * c[bb]
                if v >= thr:
                    return bb
                if v > mx:
                    mx = v
            if lo == b0 and hi == b1:
                bmax[side, k] = mx
        k -= 1
    return -1


@njit(cache=True)
def _strength_nb(m, c, side, b, half, n):
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
def _resum_nb(m, c, side, lo, hi, sum_m, sum_mc):
    a = 0.0
    u = 0.0
    for b in range(lo[side], hi[side] + 1):
        a += m[side, b]
        u += m[side, b] * c[b]
    sum_m[side] = a
    sum_mc[side] = u


@njit(cache=True)
def _clear_side_nb(m, cnt, last_zero, bmax, side, lo, hi, sum_m, sum_mc, scale, n_live, t):
    for b in range(lo[side], hi[side] + 1):
        m[side, b] = 0.0
        cnt[side, b] = 0
        last_zero[side, b] = t
    bmax[side, :] = 0.0
    lo[side] = m.shape[1]
    hi[side] = -1
    sum_m[side] = 0.0
    sum_mc[side] = 0.0
    scale[side] = 1.0
    n_live[side] = 0


@njit(cache=True)
def _renorm_nb(m, c, bmax, side, lo, hi, sum_m, sum_mc, scale, ring_amt, ring_head, ring_count, shift, n_ext):
    s = scale[side]
    for b in range(lo[side], hi[side] + 1):
        m[side, b] *= s
    slots = ring_amt.shape[0]
    for i in range(ring_count):
        slot = ring_head + i
        if slot >= slots:
            slot -= slots
        for d in range(ring_amt.shape[2]):
            ring_amt[slot, side, d] *= s
    for k in range(bmax.shape[1]):
        bmax[side, k] = _block_max_nb(m, c, side, k, shift, n_ext)
    _resum_nb(m, c, side, lo, hi, sum_m, sum_mc)
    scale[side] = 1.0


@njit(cache=True)
def run_nb(open_, high, low, close, liq_high, liq_low, oi_usd, taker_buy, volume, funding, snapshot,
           edges, centres, ratio_long, ratio_short, weight, iparams, fparams,
           features, totals, snap_rows, snap_long, snap_short):
    """Reconstruct the books bar by bar, writing into the given output arrays.

    Parameters
    ----------
    open_, high, low, close : ndarray (n_bars,)
        Last-trade prices, USD.
    liq_high, liq_low : ndarray (n_bars,)
        Prices that liquidate shorts / longs (mark or last-trade high / low).
    oi_usd : ndarray (n_bars,)
        Open interest known at each bar's open, USD; NaN = unknown.
    taker_buy, volume : ndarray (n_bars,)
        Taker-buy and total volume, coins (NaN when absent).
    funding : ndarray (n_bars,)
        Funding events in each bar, fraction; NaN = none.
    snapshot : ndarray of bool (n_bars,)
        Take a profile snapshot at this bar's close.
    edges : ndarray (n_bins + 1,)
        Bin edges, USD, ascending.
    centres : ndarray (n_bins + 2,)
        Centres of the extended bins (overflow bins at the outer edges), USD.
    ratio_long, ratio_short, weight : ndarray (n_tiers,)
        ``LP / EP`` of each leverage tier for longs and shorts, tier weights (sum 1).
    iparams, fparams : ndarray
        Options, indexed by :class:`~liqbt.heatmap.enums.IP` / :class:`~.FP`.
    features : ndarray (n_bars, N_FEATURES)
        Output, columns :data:`~liqbt.heatmap.enums.FEATURES`.
    totals : ndarray (n_bars, N_TOTALS) or (0, N_TOTALS)
        Output, cumulative totals :data:`~liqbt.heatmap.enums.TOTALS`; not
        recorded when it has no rows.
    snap_rows : ndarray of int64 (n_snapshots,)
    snap_long, snap_short : ndarray of float32 (n_snapshots, n_bins)
        Outputs: bar positions and USD profiles of the snapshots.
    """
    n_bars = close.shape[0]
    n = edges.shape[0] - 1
    n_ext = n + 2
    n_tiers = weight.shape[0]
    record_totals = totals.shape[0] == n_bars

    entry_mode = iparams[IP.ENTRY_MODE]
    n_points = iparams[IP.RANGE_POINTS] if entry_mode == EntryMode.RANGE else 1
    split_mode = iparams[IP.SPLIT_MODE]
    close_mode = iparams[IP.CLOSE_MODE]
    close_split = iparams[IP.CLOSE_SPLIT]
    window = iparams[IP.WINDOW_BARS]
    half = iparams[IP.NEIGHBOURHOOD]
    shift = iparams[IP.BLOCK_SHIFT]
    is_log = iparams[IP.IS_LOG] == 1
    candle_share = fparams[FP.CANDLE_SHARE]
    funding_skew = fparams[FP.FUNDING_SKEW]
    decay = fparams[FP.DECAY]
    cluster_share = fparams[FP.CLUSTER_SHARE]
    origin = fparams[FP.GRID_ORIGIN]
    inv_step = fparams[FP.GRID_INV_STEP]

    # --- per-tier constants
    log_ratio = np.empty((2, n_tiers))
    ratio = np.empty((2, n_tiers))
    for k in range(n_tiers):
        ratio[0, k] = ratio_long[k]
        ratio[1, k] = ratio_short[k]
        log_ratio[0, k] = np.log(ratio_long[k])
        log_ratio[1, k] = np.log(ratio_short[k])

    # --- book state
    m = np.zeros((2, n_ext))
    cnt = np.zeros((2, n_ext), dtype=np.int64)
    last_zero = np.full((2, n_ext), -1, dtype=np.int64)
    n_blocks = ((n_ext - 1) >> shift) + 1
    bmax = np.zeros((2, n_blocks))
    scale = np.ones(2)
    sum_m = np.zeros(2)
    sum_mc = np.zeros(2)
    lo = np.full(2, n_ext, dtype=np.int64)
    hi = np.full(2, -1, dtype=np.int64)
    n_live = np.zeros(2, dtype=np.int64)   # bins holding at least one live deposit
    opened = np.zeros(2)
    liquidated = np.zeros(2)
    closed = np.zeros(2)
    expired = np.zeros(2)

    # --- cohorts of the window: one slot per opening event
    n_dep = n_points * n_tiers
    slots = 1
    if window > 0:
        slots = min(window, n_bars) + 1
    ring_bin = np.zeros((slots, 2, n_dep), dtype=np.int64)
    ring_amt = np.zeros((slots, 2, n_dep))
    ring_len = np.zeros((slots, 2), dtype=np.int64)
    ring_bar = np.zeros(slots, dtype=np.int64)
    ring_head = 0
    ring_count = 0

    # --- open-interest and interval state
    have_base = False
    q_prev = 0.0
    oi_last = 0.0
    liq_since = 0.0
    iv_start = 0
    iv_high = -np.inf
    iv_low = np.inf
    iv_tb = 0.0
    iv_vol = 0.0
    last_funding = np.nan
    entry = np.empty(n_points)
    log_entry = np.empty(n_points)
    liq_usd = np.zeros(2)
    i_snap = 0

    for t in range(n_bars):
        liq_usd[0] = 0.0
        liq_usd[1] = 0.0

        # 1. decay
        if decay < 1.0:
            for s in range(2):
                if hi[s] >= 0:
                    expired[s] += (1.0 - decay) * scale[s] * sum_mc[s]
                    scale[s] *= decay
                    if scale[s] < _RENORM_BELOW:
                        _renorm_nb(m, centres, bmax, s, lo, hi, sum_m, sum_mc, scale, ring_amt, ring_head,
                                   ring_count, shift, n_ext)

        # 2. window expiry: cohorts opened at bars <= t - window
        if window > 0:
            while ring_count > 0 and ring_bar[ring_head] <= t - window:
                e = ring_bar[ring_head]
                for s in range(2):
                    for d in range(ring_len[ring_head, s]):
                        b = ring_bin[ring_head, s, d]
                        if last_zero[s, b] >= e:
                            continue
                        cnt[s, b] -= 1
                        if cnt[s, b] == 0:
                            n_live[s] -= 1
                        amt = ring_amt[ring_head, s, d]
                        if cnt[s, b] == 0 or amt > m[s, b]:
                            amt = m[s, b]
                        m[s, b] -= amt
                        if cnt[s, b] == 0:
                            m[s, b] = 0.0
                        sum_m[s] -= amt
                        sum_mc[s] -= amt * centres[b]
                        expired[s] += amt * scale[s] * centres[b]
                ring_head += 1
                if ring_head == slots:
                    ring_head = 0
                ring_count -= 1
            for s in range(2):
                if n_live[s] == 0 and hi[s] >= 0:
                    _clear_side_nb(m, cnt, last_zero, bmax, s, lo, hi, sum_m, sum_mc, scale, n_live, t)

        # 3. open interest: baseline, then opens / closes on each change
        oi = oi_usd[t]
        if oi == oi:
            if not have_base:
                ref = close[t - 1] if t > 0 else open_[0]
                q_prev = oi / ref
                oi_last = oi
                have_base = True
                liq_since = 0.0
                iv_start = t
                iv_high = -np.inf
                iv_low = np.inf
                iv_tb = 0.0
                iv_vol = 0.0
            elif oi != oi_last:
                ref = close[t - 1]
                q_now = oi / ref
                net = q_now - q_prev + liq_since
                if net > 0.0:
                    # long share
                    share = 0.5
                    if split_mode == SplitMode.CANDLE:
                        if ref > open_[iv_start]:
                            share = candle_share
                        elif ref < open_[iv_start]:
                            share = 1.0 - candle_share
                    elif split_mode == SplitMode.TAKER:
                        if iv_vol > 0.0:
                            share = min(max(iv_tb / iv_vol, 0.0), 1.0)
                    elif split_mode == SplitMode.FUNDING:
                        if last_funding == last_funding:
                            share = min(max(0.5 + funding_skew * last_funding, 0.0), 1.0)
                    # entry prices
                    if entry_mode == EntryMode.CLOSE:
                        entry[0] = ref
                    elif entry_mode == EntryMode.TYPICAL:
                        entry[0] = (iv_high + iv_low + ref) / 3.0
                    else:
                        for j in range(n_points):
                            entry[j] = iv_low + (iv_high - iv_low) * ((j + 0.5) / n_points)
                    for j in range(n_points):
                        log_entry[j] = np.log(entry[j])
                    slot = 0
                    if window > 0:
                        slot = ring_head + ring_count
                        if slot >= slots:
                            slot -= slots
                        ring_bar[slot] = t
                        ring_len[slot, 0] = 0
                        ring_len[slot, 1] = 0
                        ring_count += 1
                    for s in range(2):
                        side_amt = net * share if s == 0 else net * (1.0 - share)
                        if side_amt <= 0.0:
                            continue
                        for j in range(n_points):
                            for k in range(n_tiers):
                                x = side_amt * weight[k] / n_points
                                if x <= 0.0:
                                    continue
                                lp = entry[j] * ratio[s, k]
                                b = bin_index_nb(lp, log_entry[j] + log_ratio[s, k], edges, is_log, origin,
                                                 inv_step)
                                y = x / scale[s]
                                m[s, b] += y
                                if cnt[s, b] == 0:
                                    n_live[s] += 1
                                cnt[s, b] += 1
                                sum_m[s] += y
                                sum_mc[s] += y * centres[b]
                                opened[s] += x * centres[b]
                                v = m[s, b] * centres[b]
                                kb = b >> shift
                                if v > bmax[s, kb]:
                                    bmax[s, kb] = v
                                if b < lo[s]:
                                    lo[s] = b
                                if b > hi[s]:
                                    hi[s] = b
                                if window > 0:
                                    d = ring_len[slot, s]
                                    ring_bin[slot, s, d] = b
                                    ring_amt[slot, s, d] = y
                                    ring_len[slot, s] = d + 1
                elif net < 0.0:
                    book_l = scale[0] * sum_m[0] if hi[0] >= 0 else 0.0
                    book_s = scale[1] * sum_m[1] if hi[1] >= 0 else 0.0
                    book = book_l + book_s
                    if book > 0.0:
                        if close_mode == CloseMode.AMOUNT:
                            amount = min(-net, book)
                        else:
                            frac = min(-net / q_prev, 1.0) if q_prev > 0.0 else 1.0
                            amount = frac * book
                        if close_split == CloseSplit.TAKER and iv_vol > 0.0:
                            sell = 1.0 - min(max(iv_tb / iv_vol, 0.0), 1.0)
                            a_l = amount * sell
                        else:
                            a_l = amount * (book_l / book)
                        a_s = amount - a_l
                        if a_l > book_l:
                            a_s += a_l - book_l
                            a_l = book_l
                        if a_s > book_s:
                            a_l = min(a_l + a_s - book_s, book_l)
                            a_s = book_s
                        for s in range(2):
                            bk = book_l if s == 0 else book_s
                            a = a_l if s == 0 else a_s
                            if bk <= 0.0 or a <= 0.0:
                                continue
                            f = a / bk
                            if f >= _FULL_CLOSE:
                                closed[s] += scale[s] * sum_mc[s]
                                _clear_side_nb(m, cnt, last_zero, bmax, s, lo, hi, sum_m, sum_mc, scale, n_live, t)
                            else:
                                closed[s] += f * scale[s] * sum_mc[s]
                                scale[s] *= 1.0 - f
                                if scale[s] < _RENORM_BELOW:
                                    _renorm_nb(m, centres, bmax, s, lo, hi, sum_m, sum_mc, scale, ring_amt,
                                               ring_head, ring_count, shift, n_ext)
                q_prev = q_now
                oi_last = oi
                liq_since = 0.0
                iv_start = t
                iv_high = -np.inf
                iv_low = np.inf
                iv_tb = 0.0
                iv_vol = 0.0

        # 4. liquidations: longs from the top of their book down, shorts from the bottom up
        px = liq_low[t]
        s = 0
        b = hi[s]
        while b >= lo[s] and centres[b] >= px:
            mb = m[s, b]
            if mb != 0.0:
                coins = mb * scale[s]
                liq_since += coins
                liq_usd[s] += coins * centres[b]
                sum_m[s] -= mb
                sum_mc[s] -= mb * centres[b]
                m[s, b] = 0.0
            if cnt[s, b] > 0:
                n_live[s] -= 1
            cnt[s, b] = 0
            last_zero[s, b] = t
            b -= 1
        hi[s] = b
        px = liq_high[t]
        s = 1
        b = lo[s]
        while b <= hi[s] and centres[b] <= px:
            mb = m[s, b]
            if mb != 0.0:
                coins = mb * scale[s]
                liq_since += coins
                liq_usd[s] += coins * centres[b]
                sum_m[s] -= mb
                sum_mc[s] -= mb * centres[b]
                m[s, b] = 0.0
            if cnt[s, b] > 0:
                n_live[s] -= 1
            cnt[s, b] = 0
            last_zero[s, b] = t
            b += 1
        lo[s] = b
        for s in range(2):
            liquidated[s] += liq_usd[s]
            if n_live[s] == 0:
                lo[s] = n_ext
                hi[s] = -1
                sum_m[s] = 0.0
                sum_mc[s] = 0.0
                scale[s] = 1.0
            elif t % _RESUM_EVERY == _RESUM_EVERY - 1:
                _resum_nb(m, centres, s, lo, hi, sum_m, sum_mc)

        # 5. interval statistics and the last known funding rate (used from the next bar on)
        if high[t] > iv_high:
            iv_high = high[t]
        if low[t] < iv_low:
            iv_low = low[t]
        if volume[t] == volume[t] and taker_buy[t] == taker_buy[t]:
            iv_tb += taker_buy[t]
            iv_vol += volume[t]
        if funding[t] == funding[t]:
            last_funding = funding[t]

        # 6. features at the bar's close
        row = features[t]
        row[F.PRED_LIQ_LONG_USD] = liq_usd[0]
        row[F.PRED_LIQ_SHORT_USD] = liq_usd[1]
        rest_l = scale[0] * sum_mc[0]
        rest_s = scale[1] * sum_mc[1]
        row[F.RESTING_LONG_USD] = rest_l
        row[F.RESTING_SHORT_USD] = rest_s
        row[F.OVERFLOW_LONG_USD] = scale[0] * (m[0, 0] * centres[0] + m[0, n + 1] * centres[n + 1])
        row[F.OVERFLOW_SHORT_USD] = scale[1] * (m[1, 0] * centres[0] + m[1, n + 1] * centres[n + 1])
        tot = rest_l + rest_s
        row[F.IMBALANCE] = (rest_l - rest_s) / tot if tot > 0.0 else np.nan
        price = close[t]
        # nearest significant cluster above (shorts) and below (longs)
        row[F.CLUSTER_ABOVE_PRICE] = np.nan
        row[F.CLUSTER_ABOVE_DIST_PCT] = np.nan
        row[F.CLUSTER_ABOVE_USD] = np.nan
        row[F.CLUSTER_ABOVE_STRENGTH] = np.nan
        row[F.CLUSTER_BELOW_PRICE] = np.nan
        row[F.CLUSTER_BELOW_DIST_PCT] = np.nan
        row[F.CLUSTER_BELOW_USD] = np.nan
        row[F.CLUSTER_BELOW_STRENGTH] = np.nan
        if hi[1] >= 0 and sum_mc[1] > 0.0:
            thr = cluster_share * sum_mc[1]
            bb = _find_up_nb(m, centres, bmax, 1, max(lo[1], 1), min(hi[1], n), thr, shift)
            if bb >= 0:
                row[F.CLUSTER_ABOVE_PRICE] = centres[bb]
                row[F.CLUSTER_ABOVE_DIST_PCT] = (centres[bb] / price - 1.0) * 100.0
                row[F.CLUSTER_ABOVE_USD] = m[1, bb] * scale[1] * centres[bb]
                row[F.CLUSTER_ABOVE_STRENGTH] = _strength_nb(m, centres, 1, bb, half, n)
        if hi[0] >= 0 and sum_mc[0] > 0.0:
            thr = cluster_share * sum_mc[0]
            bb = _find_down_nb(m, centres, bmax, 0, min(hi[0], n), max(lo[0], 1), thr, shift)
            if bb >= 0:
                row[F.CLUSTER_BELOW_PRICE] = centres[bb]
                row[F.CLUSTER_BELOW_DIST_PCT] = (1.0 - centres[bb] / price) * 100.0
                row[F.CLUSTER_BELOW_USD] = m[0, bb] * scale[0] * centres[bb]
                row[F.CLUSTER_BELOW_STRENGTH] = _strength_nb(m, centres, 0, bb, half, n)
        if record_totals:
            tot_row = totals[t]
            tot_row[TT.CUM_OPENED_LONG_USD] = opened[0]
            tot_row[TT.CUM_OPENED_SHORT_USD] = opened[1]
            tot_row[TT.CUM_LIQUIDATED_LONG_USD] = liquidated[0]
            tot_row[TT.CUM_LIQUIDATED_SHORT_USD] = liquidated[1]
            tot_row[TT.CUM_CLOSED_LONG_USD] = closed[0]
            tot_row[TT.CUM_CLOSED_SHORT_USD] = closed[1]
            tot_row[TT.CUM_EXPIRED_LONG_USD] = expired[0]
            tot_row[TT.CUM_EXPIRED_SHORT_USD] = expired[1]

        # 7. snapshot of the interior bins
        if snapshot[t]:
            snap_rows[i_snap] = t
            for s in range(2):
                out = snap_long[i_snap] if s == 0 else snap_short[i_snap]
                b0 = max(lo[s], 1)
                b1 = min(hi[s], n)
                if b1 < b0:
                    b0 = n + 1
                    b1 = n
                for b in range(1, b0):
                    out[b - 1] = 0.0
                for b in range(b0, b1 + 1):
                    out[b - 1] = m[s, b] * scale[s] * centres[b]
                for b in range(b1 + 1, n + 1):
                    out[b - 1] = 0.0
            i_snap += 1


@njit(cache=True)
def reconstruct_nb(open_, high, low, close, liq_high, liq_low, oi_usd, taker_buy, volume, funding, snapshot,
                   edges, centres, ratio_long, ratio_short, weight, iparams, fparams, record_totals=True):
    """Allocate the outputs and run :func:`run_nb`; returns a :class:`KernelResult`."""
    n_bars = close.shape[0]
    n = edges.shape[0] - 1
    n_snap = 0
    for t in range(n_bars):
        if snapshot[t]:
            n_snap += 1
    features = np.empty((n_bars, N_FEATURES))
    totals = np.empty((n_bars if record_totals else 0, N_TOTALS))
    snap_rows = np.empty(n_snap, dtype=np.int64)
    snap_long = np.empty((n_snap, n), dtype=np.float32)
    snap_short = np.empty((n_snap, n), dtype=np.float32)
    run_nb(open_, high, low, close, liq_high, liq_low, oi_usd, taker_buy, volume, funding, snapshot,
           edges, centres, ratio_long, ratio_short, weight, iparams, fparams,
           features, totals, snap_rows, snap_long, snap_short)
    return KernelResult(features, totals, snap_rows, snap_long, snap_short)


@njit(cache=True, parallel=True)
def sweep_nb(open_, high, low, close, liq_high, liq_low, oi_usd, taker_buy, volume, funding,
             edges, n_edges, centres, ratio_long, ratio_short, weight, n_tiers, iparams, fparams, columns, out,
             n_workers):
    """Run many parameter sets over the same bars, in parallel across sets.

    Parameters
    ----------
    edges, centres : ndarray (n_sets, max_edges) / (n_sets, max_edges + 1)
        Grids padded to the longest; ``n_edges[i]`` edges are used for set ``i``.
    ratio_long, ratio_short, weight : ndarray (n_sets, max_tiers)
        Tier arrays padded; ``n_tiers[i]`` are used.
    iparams, fparams : ndarray (n_sets, IP.SIZE) / (n_sets, FP.SIZE)
    columns : ndarray of int64
        Feature columns to keep.
    out : ndarray of float32 (n_sets, n_bars, len(columns))
        Output; no snapshots are taken.
    n_workers : int
        Sets are dealt round-robin into this many chunks, run in parallel.
    """
    n_sets = out.shape[0]
    n_bars = close.shape[0]
    no_snap = np.zeros(n_bars, dtype=np.bool_)
    n_chunks = min(n_sets, max(1, n_workers))
    for c in prange(n_chunks):
        # one feature buffer per chunk of sets, reused (page faults are costly)
        feats = np.empty((n_bars, N_FEATURES))
        tots = np.empty((0, N_TOTALS))
        rows = np.empty(0, dtype=np.int64)
        for i in range(c, n_sets, n_chunks):
            ne = n_edges[i]
            nt = n_tiers[i]
            sl = np.empty((0, ne - 1), dtype=np.float32)
            ss = np.empty((0, ne - 1), dtype=np.float32)
            run_nb(open_, high, low, close, liq_high, liq_low, oi_usd, taker_buy, volume, funding, no_snap,
                   edges[i, :ne], centres[i, :ne + 1], ratio_long[i, :nt], ratio_short[i, :nt], weight[i, :nt],
                   iparams[i], fparams[i], feats, tots, rows, sl, ss)
            for t in range(n_bars):
                for j in range(columns.shape[0]):
                    out[i, t, j] = feats[t, columns[j]]
