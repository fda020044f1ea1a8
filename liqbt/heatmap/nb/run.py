"""The reconstruction kernel: :func:`run_nb` (one model) and :func:`batch_nb` (many, in parallel).

The book of each side (0 = long, 1 = short) is a mass of open positions, in
coins, per price bin of the liquidation price. The grid has ``n`` interior bins
and two overflow bins (index 0 below the grid, ``n + 1`` above it) whose
"centres" are the grid's outer edges, so liquidation prices outside the grid
are kept and liquidated when the price reaches the grid edge beyond which they
lie. Bin ``b`` of the long book is crossed when ``low <= centre[b]``, of the
short book when ``high >= centre[b]``.

Two books are kept when a tier filter is active: the whole book ``m`` (every
tier: it decides which bins are live, how many coins a close removes and the
liquidated coins fed back into the open-interest accounting) and the reported
book ``mr`` (the included tiers: features, snapshots and totals). Without a
filter ``mr`` *is* ``m``.

Per-bar work does not touch every bin:

* masses are stored divided by a per-side scale ``S`` (coins = ``m * S``), so
  proportional closes and decay are O(1);
* all long mass lies below the bar's low and all short mass above its high, so
  a liquidation sweep walks inward from the occupied edge only;
* per-block upper bounds of ``m * centre`` let the nearest significant cluster
  be found without scanning every bin;
* the cluster found is kept with an upper bound of ``m * centre`` over the bins
  between it and the price; while that bound stays below the threshold and the
  cluster above it, the search is skipped (the threshold and the bins scale
  together, so closes and decay never invalidate it), and its strength is
  recomputed only when a bin within its neighbourhood changed;
* a window expires its oldest cohort by subtracting that cohort's deposits
  (those in bins not liquidated or cleared since).

Helpers that take arrays are not called per deposit or per bar: each such
call increments and decrements reference counts, which cost more than the
arithmetic, so the hot paths inline them (``bin_index_nb``, ``strength_nb``).
For the same reason :func:`run_nb` stays one long function (the documented
exception to the ~150-line rule) rather than phase helpers: its per-bar phases
(deposit, liquidation sweep, close, expiry, features) each touch the book
arrays and several per-side state arrays, and passing those to a helper per
bar and side costs reference counting on every call. The long and short
loops were kept inline on purpose (as helpers they were reported to cost about
100 ms per year of 1-minute bars, more than the whole kernel's ~50 ms with
totals off in ``python benchmarks/heatmap.py``; not re-measured in #13). What is called
once per run is grouped instead: the inputs arrive as NamedTuples
(:class:`~liqbt.heatmap.enums.BarArrays`, ``ModelArrays``, ``OutputArrays``)
and are unpacked into locals once, before the loop.

See :mod:`liqbt.heatmap.model` for the semantics of every option and
``tests/heatmap_reference.py`` for a direct implementation.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..enums import FP, IP, N_FEATURES, TT, CloseMode, CloseSplit, EntryMode, F, ModelArrays, OutputArrays, SplitMode
from .clusters import block_max_nb, find_down_nb, find_up_nb

__all__ = ["run_nb", "batch_nb"]

_RENORM_BELOW = 1e-100      # rescale a side's masses when its scale falls below this
_RESUM_EVERY = 4096         # bars between exact recomputations of the running sums
_FULL_CLOSE = 1.0 - 1e-12   # a close of at least this fraction of a side clears it
_UNKNOWN = -2               # cluster cache: search again
_NONE = -1                  # cluster cache: no significant bin


@njit(cache=True, nogil=True)
def _resum_nb(m, mr, c, side, lo, hi, sum_m, sum_mc):
    """Exact running sums: coins of the whole book, USD-weight of the reported one."""
    a = 0.0
    u = 0.0
    for b in range(lo[side], hi[side] + 1):
        a += m[side, b]
        u += mr[side, b] * c[b]
    sum_m[side] = a
    sum_mc[side] = u


@njit(cache=True, nogil=True)
def _clear_side_nb(m, mr, filtered, cnt, last_zero, bmax, side, lo, hi, sum_m, sum_mc, scale, n_live, t):
    for b in range(lo[side], hi[side] + 1):
        m[side, b] = 0.0
        cnt[side, b] = 0
        last_zero[side, b] = t
    if filtered:
        for b in range(lo[side], hi[side] + 1):
            mr[side, b] = 0.0
    bmax[side, :] = 0.0
    lo[side] = m.shape[1]
    hi[side] = -1
    sum_m[side] = 0.0
    sum_mc[side] = 0.0
    scale[side] = 1.0
    n_live[side] = 0


@njit(cache=True, nogil=True)
def _renorm_nb(m, mr, filtered, c, bmax, side, lo, hi, sum_m, sum_mc, scale, ring_amt, ring_amt_r, ring_head,
               ring_count, shift, n_ext):
    s = scale[side]
    for b in range(lo[side], hi[side] + 1):
        m[side, b] *= s
    if filtered:
        for b in range(lo[side], hi[side] + 1):
            mr[side, b] *= s
    slots = ring_amt.shape[0]
    for i in range(ring_count):
        slot = ring_head + i
        if slot >= slots:
            slot -= slots
        for d in range(ring_amt.shape[2]):
            ring_amt[slot, side, d] *= s
            if filtered:
                ring_amt_r[slot, side, d] *= s
    for k in range(bmax.shape[1]):
        bmax[side, k] = block_max_nb(mr, c, side, k, shift, n_ext)
    _resum_nb(m, mr, c, side, lo, hi, sum_m, sum_mc)
    scale[side] = 1.0


@njit(cache=True, nogil=True)
def run_nb(bars, edges, centres, model, cols, out):
    """Reconstruct the books bar by bar, writing into the given output arrays.

    Parameters
    ----------
    bars : BarArrays
        Per-bar inputs (n_bars,): ``open, high, low, close`` last-trade prices
        (USD); ``liq_high, liq_low`` the prices that liquidate shorts / longs
        (mark or last-trade high / low); ``oi_usd`` the open interest known at
        each bar's open (USD, NaN = unknown); ``taker_buy, volume`` (coins, NaN
        when absent); ``funding`` the funding events in each bar (fraction, NaN
        = none); ``snapshot`` (bool) takes a profile at this bar's close.
    edges : ndarray (n_bins + 1,)
        Bin edges, USD, ascending.
    centres : ndarray (n_bins + 2,)
        Centres of the extended bins (overflow bins at the outer edges), USD.
    model : ModelArrays
        ``ratio_long, ratio_short, weight`` (n_tiers,): ``LP / EP`` of each
        leverage tier for longs and shorts, tier weights (sum 1); ``include``
        (bool) the tiers in the reported book (features, snapshots, totals; the
        book dynamics use every tier); ``iparams, fparams`` the options, indexed
        by :data:`~liqbt.heatmap.enums.IP` / :data:`~liqbt.heatmap.enums.FP`.
    cols : ndarray of int64 (n_cols,)
        Feature (:data:`~liqbt.heatmap.enums.FEATURES` index) of each output row.
        Cluster searches run only for the sides whose columns are requested.
    out : OutputArrays
        Written in place: ``features`` (n_cols, n_bars), float64 or float32, one
        row per entry of ``cols`` (column-major: a DataFrame wraps
        ``features.T`` without copying); ``totals`` (N_TOTALS, n_bars), the
        cumulative :data:`~liqbt.heatmap.enums.TOTALS`, not recorded when it has
        no columns; ``snap_rows`` (n_snapshots,) int64 bar positions; the
        snapshots, sparse: segment ``j = 2 * i + side`` of snapshot ``i`` holds
        the USD of the grid bins ``snap_start[j]`` onward (the side's occupied
        range) in ``snap_vals[snap_off[j]:snap_off[j + 1]]`` (``snap_vals``
        float32 or float64, at least ``2 * n_snapshots * n_bins`` long; only
        what is written is touched, so its pages cost nothing until then);
        ``wipes`` (4,) int64, the first bar at which a close emptied
        the whole long / short book (-1 if never), then the number of such bars
        per side.
    """
    # unpacked once into locals: the hot loop below reads plain arrays, as before the grouping
    open_, high, low, close = bars.open, bars.high, bars.low, bars.close
    liq_high, liq_low, oi_usd = bars.liq_high, bars.liq_low, bars.oi_usd
    taker_buy, volume, funding, snapshot = bars.taker_buy, bars.volume, bars.funding, bars.snapshot
    ratio_long, ratio_short, weight, include = model.ratio_long, model.ratio_short, model.weight, model.include
    iparams, fparams = model.iparams, model.fparams
    features, totals, snap_rows, wipes = out.features, out.totals, out.snap_rows, out.wipes
    snap_start, snap_off, snap_vals = out.snap_start, out.snap_off, out.snap_vals
    if snap_off.shape[0] > 0:
        snap_off[0] = 0
    wipes[0] = -1
    wipes[1] = -1
    wipes[2] = 0
    wipes[3] = 0
    n_bars = close.shape[0]
    n = edges.shape[0] - 1
    n_ext = n + 2
    n_tiers = weight.shape[0]
    record_totals = totals.shape[1] == n_bars and n_bars > 0
    n_cols = cols.shape[0]
    need = np.zeros(2, dtype=np.bool_)      # cluster columns wanted: [below (longs), above (shorts)]
    for j in range(n_cols):
        if F.CLUSTER_ABOVE_PRICE <= cols[j] <= F.CLUSTER_ABOVE_STRENGTH:
            need[1] = True
        elif F.CLUSTER_BELOW_PRICE <= cols[j] <= F.CLUSTER_BELOW_STRENGTH:
            need[0] = True
    track = need[0] or need[1]

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
    edge_first = edges[0]   # in locals: an array read is reloaded after every store to the book
    edge_last = edges[n]

    # --- per-tier constants
    log_ratio = np.empty((2, n_tiers))
    ratio = np.empty((2, n_tiers))
    # typed (np.bool_ / np.int64), not literals: a literal False or 0 passed to a helper (_renorm_nb,
    # _clear_side_nb) makes numba compile an extra specialisation of it while it infers this function's types
    filtered = np.bool_(False)
    for k in range(n_tiers):
        ratio[0, k] = ratio_long[k]
        ratio[1, k] = ratio_short[k]
        log_ratio[0, k] = np.log(ratio_long[k])
        log_ratio[1, k] = np.log(ratio_short[k])
        if not include[k]:
            filtered = True

    # --- book state: m = whole book, mr = reported book (the same array without a filter)
    m = np.zeros((2, n_ext))
    mr = np.zeros((2, n_ext)) if filtered else m
    cnt = np.zeros((2, n_ext), dtype=np.int64)
    last_zero = np.full((2, n_ext), -1, dtype=np.int64)
    n_blocks = ((n_ext - 1) >> shift) + 1
    bmax = np.zeros((2, n_blocks))          # upper bounds of mr * centre per block
    scale = np.ones(2)
    sum_m = np.zeros(2)                     # coins of the whole book / scale
    sum_mc = np.zeros(2)                    # USD of the reported book / scale
    lo = np.full(2, n_ext, dtype=np.int64)
    hi = np.full(2, -1, dtype=np.int64)
    n_live = np.zeros(2, dtype=np.int64)   # bins holding at least one live deposit
    opened = np.zeros(2)                    # reported-book totals, USD
    liquidated = np.zeros(2)
    closed = np.zeros(2)
    expired = np.zeros(2)
    # --- cluster cache per side
    cl_bin = np.full(2, _UNKNOWN, dtype=np.int64)
    cl_gap = np.zeros(2)
    cl_str = np.zeros(2)
    str_ok = np.zeros(2, dtype=np.bool_)

    # --- cohorts of the window: one slot per opening event
    n_dep = n_points * n_tiers
    slots = 1
    if window > 0:
        slots = min(window, n_bars) + 1
    ring_bin = np.zeros((slots, 2, n_dep), dtype=np.int64)
    ring_amt = np.zeros((slots, 2, n_dep))
    ring_amt_r = np.zeros((slots if filtered else 1, 2, n_dep))
    ring_len = np.zeros((slots, 2), dtype=np.int64)
    ring_bar = np.zeros(slots, dtype=np.int64)
    ring_head = np.int64(0)
    ring_count = np.int64(0)

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
    log_entry0 = 0.0
    point_bin = np.empty(n_points, dtype=np.int64)
    liq_usd = np.zeros(2)
    row = np.empty(N_FEATURES)
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
                        _renorm_nb(m, mr, filtered, centres, bmax, s, lo, hi, sum_m, sum_mc, scale, ring_amt,
                                   ring_amt_r, ring_head, ring_count, shift, n_ext)
                        cl_bin[s] = _UNKNOWN
                        str_ok[s] = False

        # 2. window expiry: cohorts opened at bars <= t - window
        if window > 0:
            while ring_count > 0 and ring_bar[ring_head] <= t - window:
                e = ring_bar[ring_head]
                for s in range(2):
                    sc = scale[s]
                    # running figures in locals, as in the deposits below
                    acc_m = sum_m[s]
                    acc_mc = sum_mc[s]
                    acc_exp = expired[s]
                    live = n_live[s]
                    cc0 = cl_bin[s]
                    for d in range(ring_len[ring_head, s]):
                        b = ring_bin[ring_head, s, d]
                        if last_zero[s, b] >= e:
                            continue
                        c_b = cnt[s, b] - 1
                        cnt[s, b] = c_b
                        amt = ring_amt[ring_head, s, d]
                        mb = m[s, b]
                        if c_b == 0:
                            live -= 1
                            amt = mb
                            m[s, b] = 0.0
                        else:
                            if amt > mb:
                                amt = mb
                            m[s, b] = mb - amt
                        acc_m -= amt
                        ar = amt
                        if filtered:
                            ar = ring_amt_r[ring_head, s, d]
                            mrb = mr[s, b]
                            if c_b == 0:
                                ar = mrb
                                mr[s, b] = 0.0
                            else:
                                if ar > mrb:
                                    ar = mrb
                                mr[s, b] = mrb - ar
                        cb = centres[b]
                        acc_mc -= ar * cb
                        acc_exp += ar * sc * cb
                        if track and cc0 >= 0 and abs(b - cc0) <= half:
                            str_ok[s] = False
                    sum_m[s] = acc_m
                    sum_mc[s] = acc_mc
                    expired[s] = acc_exp
                    n_live[s] = live
                ring_head += 1
                if ring_head == slots:
                    ring_head = 0
                ring_count -= 1
            for s in range(2):
                if n_live[s] == 0 and hi[s] >= 0:
                    # stamped t - 1: this bar's deposits come after the clear and stay live
                    _clear_side_nb(m, mr, filtered, cnt, last_zero, bmax, s, lo, hi, sum_m, sum_mc, scale,
                                   n_live, t - 1)
                    cl_bin[s] = _UNKNOWN
                    str_ok[s] = False

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
                    if is_log:
                        log_entry0 = np.log(entry[0])
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
                        sc = scale[s]
                        d = 0
                        # the side's running figures in locals for the tier loop: kept in registers, where
                        # the arrays had to be reloaded after every store to the book (same additions, same order)
                        acc_m = sum_m[s]
                        acc_mc = sum_mc[s]
                        acc_open = opened[s]
                        side_lo = lo[s]
                        side_hi = hi[s]
                        live = n_live[s]
                        # the cluster cache too (the deposits never move the cluster itself)
                        cc0 = cl_bin[s]
                        gap_s = cl_gap[s]
                        ok_s = str_ok[s]
                        for k in range(n_tiers):
                            x1 = side_amt * weight[k]
                            if n_points > 1:  # x / 1 is x: the division only where it changes something
                                x1 = x1 / n_points
                            if x1 <= 0.0:
                                continue
                            # bins of the tier's entry points (bin_index_nb, inlined: a call with an
                            # array argument costs refcounting); after the first point the search
                            # starts from the previous point's bin, which needs no logarithm
                            for j in range(n_points):
                                lp = entry[j] * ratio[s, k]
                                if not (lp >= edge_first):
                                    b = 0
                                elif lp >= edge_last:
                                    b = n + 1
                                else:
                                    if j > 0 and 1 <= point_bin[j - 1] <= n:
                                        jj = point_bin[j - 1] - 1
                                    else:
                                        if is_log:
                                            le = log_entry0 if j == 0 else np.log(entry[j])
                                            g = (le + log_ratio[s, k] - origin) * inv_step
                                        else:
                                            g = (lp - origin) * inv_step
                                        jj = 0
                                        if g > 0.0:
                                            jj = int(g) if g < n else n - 1
                                    while lp < edges[jj]:
                                        jj -= 1
                                    while lp >= edges[jj + 1]:
                                        jj += 1
                                    b = jj + 1
                                point_bin[j] = b
                            # entry points ascend, so points in one bin are consecutive: one deposit each
                            j = 0
                            while j < n_points:
                                b = point_bin[j]
                                run = 1
                                while j + run < n_points and point_bin[j + run] == b:
                                    run += 1
                                j += run
                                x = x1 if run == 1 else x1 * run
                                cb = centres[b]
                                y = x / sc
                                m[s, b] += y
                                c_b = cnt[s, b]
                                if c_b == 0:
                                    live += 1
                                cnt[s, b] = c_b + 1
                                acc_m += y
                                yr = y
                                if filtered:
                                    if include[k]:
                                        mr[s, b] += y
                                    else:
                                        yr = 0.0
                                if yr != 0.0:
                                    acc_mc += yr * cb
                                    acc_open += x * cb
                                    if track:
                                        v = mr[s, b] * cb
                                        kb = b >> shift
                                        if v > bmax[s, kb]:
                                            bmax[s, kb] = v
                                        if cc0 != _UNKNOWN and 1 <= b <= n:
                                            if cc0 == _NONE or (b > cc0 if s == 0 else b < cc0):
                                                if v > gap_s:
                                                    gap_s = v
                                            if cc0 >= 0 and abs(b - cc0) <= half:
                                                ok_s = False
                                if b < side_lo:
                                    side_lo = b
                                if b > side_hi:
                                    side_hi = b
                                if window > 0:
                                    ring_bin[slot, s, d] = b
                                    ring_amt[slot, s, d] = y
                                    if filtered:
                                        ring_amt_r[slot, s, d] = yr
                                    d += 1
                        sum_m[s] = acc_m
                        sum_mc[s] = acc_mc
                        opened[s] = acc_open
                        cl_gap[s] = gap_s
                        str_ok[s] = ok_s
                        lo[s] = side_lo
                        hi[s] = side_hi
                        n_live[s] = live
                        if window > 0:
                            ring_len[slot, s] = d
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
                                # a whole side gone in one bar from closes: the wrapper warns
                                if wipes[s] < 0:
                                    wipes[s] = t
                                wipes[2 + s] += 1
                                closed[s] += scale[s] * sum_mc[s]
                                _clear_side_nb(m, mr, filtered, cnt, last_zero, bmax, s, lo, hi, sum_m, sum_mc,
                                               scale, n_live, t)
                                cl_bin[s] = _UNKNOWN
                                str_ok[s] = False
                            else:
                                closed[s] += f * scale[s] * sum_mc[s]
                                scale[s] *= 1.0 - f
                                if scale[s] < _RENORM_BELOW:
                                    _renorm_nb(m, mr, filtered, centres, bmax, s, lo, hi, sum_m, sum_mc, scale,
                                               ring_amt, ring_amt_r, ring_head, ring_count, shift, n_ext)
                                    cl_bin[s] = _UNKNOWN
                                    str_ok[s] = False
                q_prev = q_now
                oi_last = oi
                liq_since = 0.0
                iv_start = t
                iv_high = -np.inf
                iv_low = np.inf
                iv_tb = 0.0
                iv_vol = 0.0

        # 4. liquidations
        px = liq_low[t]
        s = 0
        sc = scale[0]
        b = hi[0]
        while b >= lo[0] and centres[b] >= px:
            mb = m[0, b]
            mrb = mb
            if filtered:
                mrb = mr[0, b]
                mr[0, b] = 0.0
            if mb != 0.0:
                liq_since += mb * sc
                sum_m[0] -= mb
                m[0, b] = 0.0
            if mrb != 0.0:
                cb = centres[b]
                liq_usd[0] += mrb * sc * cb
                sum_mc[0] -= mrb * cb
            if cnt[0, b] > 0:
                n_live[0] -= 1
            cnt[0, b] = 0
            last_zero[0, b] = t
            if track:
                cc0 = cl_bin[0]
                if cc0 >= 0 and abs(b - cc0) <= half:
                    str_ok[0] = False
            b -= 1
        hi[0] = b
        px = liq_high[t]
        sc = scale[1]
        b = lo[1]
        while b <= hi[1] and centres[b] <= px:
            mb = m[1, b]
            mrb = mb
            if filtered:
                mrb = mr[1, b]
                mr[1, b] = 0.0
            if mb != 0.0:
                liq_since += mb * sc
                sum_m[1] -= mb
                m[1, b] = 0.0
            if mrb != 0.0:
                cb = centres[b]
                liq_usd[1] += mrb * sc * cb
                sum_mc[1] -= mrb * cb
            if cnt[1, b] > 0:
                n_live[1] -= 1
            cnt[1, b] = 0
            last_zero[1, b] = t
            if track:
                cc0 = cl_bin[1]
                if cc0 >= 0 and abs(b - cc0) <= half:
                    str_ok[1] = False
            b += 1
        lo[1] = b
        for s in range(2):
            liquidated[s] += liq_usd[s]
            if n_live[s] == 0:
                if hi[s] >= 0 or lo[s] < n_ext:
                    cl_bin[s] = _UNKNOWN
                    str_ok[s] = False
                lo[s] = n_ext
                hi[s] = -1
                sum_m[s] = 0.0
                sum_mc[s] = 0.0
                scale[s] = 1.0
            elif t % _RESUM_EVERY == _RESUM_EVERY - 1:
                _resum_nb(m, mr, centres, s, lo, hi, sum_m, sum_mc)

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
        row[F.PRED_LIQ_LONG_USD] = liq_usd[0]
        row[F.PRED_LIQ_SHORT_USD] = liq_usd[1]
        rest_l = scale[0] * sum_mc[0]
        rest_s = scale[1] * sum_mc[1]
        row[F.RESTING_LONG_USD] = rest_l
        row[F.RESTING_SHORT_USD] = rest_s
        row[F.OVERFLOW_LONG_USD] = scale[0] * (mr[0, 0] * centres[0] + mr[0, n + 1] * centres[n + 1])
        row[F.OVERFLOW_SHORT_USD] = scale[1] * (mr[1, 0] * centres[0] + mr[1, n + 1] * centres[n + 1])
        tot = rest_l + rest_s
        row[F.IMBALANCE] = (rest_l - rest_s) / tot if tot > 0.0 else np.nan
        price = close[t]
        # nearest significant cluster above (shorts) and below (longs)
        for s in range(2):
            base = F.CLUSTER_BELOW_PRICE if s == 0 else F.CLUSTER_ABOVE_PRICE
            row[base] = np.nan
            row[base + 1] = np.nan
            row[base + 2] = np.nan
            row[base + 3] = np.nan
            if not need[s]:
                continue
            if hi[s] < 0 or not sum_mc[s] > 0.0:
                cl_bin[s] = _UNKNOWN
                str_ok[s] = False
                continue
            thr = cluster_share * sum_mc[s]
            c = cl_bin[s]
            ok = c != _UNKNOWN and cl_gap[s] < thr
            if ok and c >= 0:
                ok = mr[s, c] * centres[c] >= thr
            if not ok:
                if s == 1:
                    c, gap = find_up_nb(mr, centres, bmax, 1, max(lo[1], 1), min(hi[1], n), thr, shift)
                else:
                    c, gap = find_down_nb(mr, centres, bmax, 0, min(hi[0], n), max(lo[0], 1), thr, shift)
                if c != cl_bin[s]:
                    str_ok[s] = False
                cl_bin[s] = c
                cl_gap[s] = gap
            if c >= 0:
                if not str_ok[s]:
                    # strength_nb, inlined (a call with array arguments costs refcounting)
                    b_lo = max(1, c - half)
                    b_hi = min(n, c + half)
                    s0 = 0.0
                    s1 = 0.0
                    s2 = 0.0
                    s3 = 0.0
                    bb = b_lo
                    while bb + 3 <= b_hi:
                        s0 += mr[s, bb] * centres[bb]
                        s1 += mr[s, bb + 1] * centres[bb + 1]
                        s2 += mr[s, bb + 2] * centres[bb + 2]
                        s3 += mr[s, bb + 3] * centres[bb + 3]
                        bb += 4
                    while bb <= b_hi:
                        s0 += mr[s, bb] * centres[bb]
                        bb += 1
                    cl_str[s] = mr[s, c] * centres[c] * (b_hi - b_lo + 1) / ((s0 + s1) + (s2 + s3))
                    str_ok[s] = True
                cc = centres[c]
                row[base] = cc
                row[base + 1] = (1.0 - cc / price) * 100.0 if s == 0 else (cc / price - 1.0) * 100.0
                row[base + 2] = mr[s, c] * scale[s] * cc
                row[base + 3] = cl_str[s]
        for j in range(n_cols):
            features[j, t] = row[cols[j]]
        if record_totals:
            totals[TT.CUM_OPENED_LONG_USD, t] = opened[0]
            totals[TT.CUM_OPENED_SHORT_USD, t] = opened[1]
            totals[TT.CUM_LIQUIDATED_LONG_USD, t] = liquidated[0]
            totals[TT.CUM_LIQUIDATED_SHORT_USD, t] = liquidated[1]
            totals[TT.CUM_CLOSED_LONG_USD, t] = closed[0]
            totals[TT.CUM_CLOSED_SHORT_USD, t] = closed[1]
            totals[TT.CUM_EXPIRED_LONG_USD, t] = expired[0]
            totals[TT.CUM_EXPIRED_SHORT_USD, t] = expired[1]

        # 7. snapshot of the interior bins: each side's occupied range only
        if snapshot[t]:
            snap_rows[i_snap] = t
            for s in range(2):
                j = 2 * i_snap + s
                p = snap_off[j]
                b0 = max(lo[s], 1)
                b1 = min(hi[s], n)
                if b1 < b0:
                    snap_start[j] = 0
                else:
                    snap_start[j] = b0 - 1
                    sc = scale[s]
                    # views indexed from 0: numba's negative-index wraparound on p or b kept this loop from
                    # vectorising (it wrote with AVX-512 scatters, a fifth of the hourly-OI kernel)
                    width = b1 - b0 + 1
                    dst = snap_vals[p:p + width]
                    src = mr[s, b0:b1 + 1]
                    cen = centres[b0:b1 + 1]
                    for i in range(width):
                        dst[i] = src[i] * sc * cen[i]
                    p += width
                snap_off[j + 1] = p
            i_snap += 1


@njit(cache=True, nogil=True, parallel=True)
def batch_nb(bars, stack, cols, out):
    """Run many models over the same bars, in parallel across models (``prange``).

    Model ``i`` runs exactly what :func:`run_nb` runs for it alone.

    Parameters
    ----------
    bars : BarArrays
        Shared by every model (see :func:`run_nb`).
    stack : ModelStack
        Grids and model arrays padded to the largest: ``edges`` (n_models,
        max_edges), ``centres`` (n_models, max_edges + 1) of which model ``i``
        uses ``n_edges[i]`` / ``n_edges[i] + 1``; tier arrays (n_models,
        max_tiers) of which it uses ``n_tiers[i]``; ``iparams, fparams``
        (n_models, IP.SIZE) / (n_models, FP.SIZE).
    cols : ndarray of int64
        Feature columns to keep (see :func:`run_nb`).
    out : OutputArrays
        Each with a leading model axis: ``features`` (n_models, len(cols),
        n_bars), float64 or float32; ``totals`` (n_models, N_TOTALS, n_bars) or
        (n_models, N_TOTALS, 0); ``snap_rows`` (n_models, n_snapshots);
        ``snap_start`` (n_models, 2 * n_snapshots), ``snap_off`` (n_models,
        2 * n_snapshots + 1), ``snap_vals`` (n_models, capacity); ``wipes``
        (n_models, 4).
    """
    n_sets = out.features.shape[0]
    for i in prange(n_sets):
        ne = stack.n_edges[i]
        nt = stack.n_tiers[i]
        model = ModelArrays(stack.ratio_long[i, :nt], stack.ratio_short[i, :nt], stack.weight[i, :nt],
                            stack.include[i, :nt], stack.iparams[i], stack.fparams[i])
        res = OutputArrays(out.features[i], out.totals[i], out.snap_rows[i], out.snap_start[i], out.snap_off[i],
                           out.snap_vals[i], out.wipes[i])
        run_nb(bars, stack.edges[i, :ne], stack.centres[i, :ne + 1], model, cols, res)
