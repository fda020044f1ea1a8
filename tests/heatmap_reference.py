"""Plain Python/NumPy reference of the heatmap reconstruction.

It follows the model's definition directly and uses none of the kernel's
devices (global scales, occupied ranges, block bounds, cohort ring): every
deposit of every opening event is kept as a record holding its current mass in
coins; closes, decay, liquidations and window expiry act on those records and
the book is their sum per bin. Slow, obviously right, and independent of
``liqbt.heatmap.nb`` except for sharing the prepared input arrays.

With a tier filter (``arrays.include``) the book dynamics use every record,
while features, snapshots and totals sum only the records of included tiers.
"""

from __future__ import annotations

import numpy as np

from liqbt.heatmap.enums import (FP, IP, N_FEATURES, N_TOTALS, TT, BarArrays, CloseMode, CloseSplit, EntryMode,
                                 F, GridArrays, ModelArrays, SplitMode)

FULL_CLOSE = 1.0 - 1e-12


def extended_bin(price: float, edges: np.ndarray) -> int:
    """0 below the grid, n + 1 at or above its top, else 1 + the interior bin."""
    n = len(edges) - 1
    if not price >= edges[0]:
        return 0
    if price >= edges[n]:
        return n + 1
    return int(np.searchsorted(edges, price, side="right"))  # edges[j] <= price < edges[j+1] -> j + 1


def reference(bars: BarArrays, grid: GridArrays, arrays: ModelArrays):
    """Return ``(features, totals, snap_rows, snap_long, snap_short)`` like the kernel."""
    ip, fp = arrays.iparams, arrays.fparams
    edges, cen = grid.edges, grid.centres
    n = len(edges) - 1
    n_ext = n + 2
    T = len(bars.close)
    entry_mode = ip[IP.ENTRY_MODE]
    n_points = int(ip[IP.RANGE_POINTS]) if entry_mode == EntryMode.RANGE else 1
    window = int(ip[IP.WINDOW_BARS])
    half = int(ip[IP.NEIGHBOURHOOD])
    decay = fp[FP.DECAY]
    share_thr = fp[FP.CLUSTER_SHARE]
    ratios = (arrays.ratio_long, arrays.ratio_short)
    include = np.asarray(arrays.include, dtype=bool)

    # deposit records: bar opened, side, extended bin, current coins, reported (tier included)
    dep_bar: list[int] = []
    dep_side: list[int] = []
    dep_bin: list[int] = []
    dep_mass: list[float] = []
    dep_rep: list[bool] = []
    alive: list[bool] = []

    opened = np.zeros(2)
    liquidated = np.zeros(2)
    closed = np.zeros(2)
    expired = np.zeros(2)
    features = np.full((T, N_FEATURES), np.nan)
    totals = np.full((T, N_TOTALS), np.nan)
    snap_rows, snap_long, snap_short = [], [], []

    have_base = False
    q_prev = oi_last = liq_since = 0.0
    iv_start = 0
    last_funding = np.nan

    def live(side=None):
        return [i for i in range(len(dep_mass)) if alive[i] and (side is None or dep_side[i] == side)]

    def side_coins(side):
        """Coins of every tier (the book dynamics)."""
        return sum(dep_mass[i] for i in live(side))

    def side_usd(side):
        """USD of the reported tiers."""
        return sum(dep_mass[i] * cen[dep_bin[i]] for i in live(side) if dep_rep[i])

    def book_usd(side):
        out = np.zeros(n_ext)
        for i in live(side):
            if dep_rep[i]:
                out[dep_bin[i]] += dep_mass[i] * cen[dep_bin[i]]
        return out

    for t in range(T):
        # 1. decay
        if decay < 1.0:
            for s in range(2):
                expired[s] += (1.0 - decay) * side_usd(s)
            for i in live():
                dep_mass[i] *= decay
        # 2. window expiry
        if window > 0:
            for i in live():
                if dep_bar[i] <= t - window:
                    if dep_rep[i]:
                        expired[dep_side[i]] += dep_mass[i] * cen[dep_bin[i]]
                    alive[i] = False
        # 3. open interest
        oi = bars.oi_usd[t]
        liq_usd = [0.0, 0.0]
        if not np.isnan(oi):
            if not have_base:
                q_prev = oi / (bars.close[t - 1] if t > 0 else bars.open[0])
                oi_last, have_base, liq_since, iv_start = oi, True, 0.0, t
            elif oi != oi_last:
                ref = bars.close[t - 1]
                q_now = oi / ref
                net = q_now - q_prev + liq_since
                iv = slice(iv_start, t)
                iv_high = np.max(bars.high[iv])
                iv_low = np.min(bars.low[iv])
                ok = ~np.isnan(bars.volume[iv]) & ~np.isnan(bars.taker_buy[iv])
                iv_vol = bars.volume[iv][ok].sum()
                iv_tb = bars.taker_buy[iv][ok].sum()
                if net > 0:
                    share = 0.5
                    mode = ip[IP.SPLIT_MODE]
                    if mode == SplitMode.CANDLE:
                        o = bars.open[iv_start]
                        share = fp[FP.CANDLE_SHARE] if ref > o else (1 - fp[FP.CANDLE_SHARE] if ref < o else 0.5)
                    elif mode == SplitMode.TAKER and iv_vol > 0:
                        share = min(max(iv_tb / iv_vol, 0.0), 1.0)
                    elif mode == SplitMode.FUNDING and not np.isnan(last_funding):
                        share = min(max(0.5 + fp[FP.FUNDING_SKEW] * last_funding, 0.0), 1.0)
                    if entry_mode == EntryMode.CLOSE:
                        entries = [ref]
                    elif entry_mode == EntryMode.TYPICAL:
                        entries = [(iv_high + iv_low + ref) / 3.0]
                    else:
                        entries = [iv_low + (iv_high - iv_low) * ((j + 0.5) / n_points) for j in range(n_points)]
                    for s, side_amt in ((0, net * share), (1, net * (1.0 - share))):
                        if side_amt <= 0:
                            continue
                        for ep in entries:
                            for k, w in enumerate(arrays.weight):
                                x = side_amt * w / n_points
                                if x <= 0:
                                    continue
                                b = extended_bin(ep * ratios[s][k], edges)
                                dep_bar.append(t), dep_side.append(s), dep_bin.append(b)
                                dep_mass.append(x), alive.append(True), dep_rep.append(bool(include[k]))
                                if include[k]:
                                    opened[s] += x * cen[b]
                elif net < 0:
                    book = [side_coins(0), side_coins(1)]
                    total = book[0] + book[1]
                    if total > 0:
                        if ip[IP.CLOSE_MODE] == CloseMode.AMOUNT:
                            amount = min(-net, total)
                        else:
                            amount = (min(-net / q_prev, 1.0) if q_prev > 0 else 1.0) * total
                        if ip[IP.CLOSE_SPLIT] == CloseSplit.TAKER and iv_vol > 0:
                            a = [amount * (1.0 - min(max(iv_tb / iv_vol, 0.0), 1.0)), 0.0]
                        else:
                            a = [amount * book[0] / total, 0.0]
                        a[1] = amount - a[0]
                        if a[0] > book[0]:
                            a[1] += a[0] - book[0]
                            a[0] = book[0]
                        if a[1] > book[1]:
                            a[0] = min(a[0] + a[1] - book[1], book[0])
                            a[1] = book[1]
                        for s in range(2):
                            if book[s] <= 0 or a[s] <= 0:
                                continue
                            f = a[s] / book[s]
                            if f >= FULL_CLOSE:
                                closed[s] += side_usd(s)
                                for i in live(s):
                                    alive[i] = False
                            else:
                                closed[s] += f * side_usd(s)
                                for i in live(s):
                                    dep_mass[i] *= 1.0 - f
                q_prev, oi_last, liq_since, iv_start = q_now, oi, 0.0, t
        # 4. liquidations
        for i in live():
            s, b = dep_side[i], dep_bin[i]
            crossed = cen[b] >= bars.liq_low[t] if s == 0 else cen[b] <= bars.liq_high[t]
            if crossed:
                liq_since += dep_mass[i]
                if dep_rep[i]:
                    liq_usd[s] += dep_mass[i] * cen[b]
                alive[i] = False
        liquidated += liq_usd
        # 5. funding known from the next bar on
        if not np.isnan(bars.funding[t]):
            last_funding = bars.funding[t]
        # 6. features
        row = features[t]
        u = [book_usd(0), book_usd(1)]
        rest = [u[0].sum(), u[1].sum()]
        row[F.PRED_LIQ_LONG_USD], row[F.PRED_LIQ_SHORT_USD] = liq_usd
        row[F.RESTING_LONG_USD], row[F.RESTING_SHORT_USD] = rest
        row[F.OVERFLOW_LONG_USD] = u[0][0] + u[0][n + 1]
        row[F.OVERFLOW_SHORT_USD] = u[1][0] + u[1][n + 1]
        tot = rest[0] + rest[1]
        row[F.IMBALANCE] = (rest[0] - rest[1]) / tot if tot > 0 else np.nan
        price = bars.close[t]
        for s, names in ((1, ("ABOVE", 1)), (0, ("BELOW", -1))):
            if rest[s] <= 0:
                continue
            thr = share_thr * rest[s]
            cand = [b for b in range(1, n + 1) if u[s][b] > 0 and u[s][b] >= thr]
            if not cand:
                continue
            b = min(cand) if s == 1 else max(cand)
            lo, hi = max(1, b - half), min(n, b + half)
            where = names[0]
            row[getattr(F, f"CLUSTER_{where}_PRICE")] = cen[b]
            row[getattr(F, f"CLUSTER_{where}_DIST_PCT")] = (
                (cen[b] / price - 1.0) * 100.0 if s == 1 else (1.0 - cen[b] / price) * 100.0)
            row[getattr(F, f"CLUSTER_{where}_USD")] = u[s][b]
            row[getattr(F, f"CLUSTER_{where}_STRENGTH")] = u[s][b] / u[s][lo:hi + 1].mean()
        tr = totals[t]
        tr[TT.CUM_OPENED_LONG_USD], tr[TT.CUM_OPENED_SHORT_USD] = opened
        tr[TT.CUM_LIQUIDATED_LONG_USD], tr[TT.CUM_LIQUIDATED_SHORT_USD] = liquidated
        tr[TT.CUM_CLOSED_LONG_USD], tr[TT.CUM_CLOSED_SHORT_USD] = closed
        tr[TT.CUM_EXPIRED_LONG_USD], tr[TT.CUM_EXPIRED_SHORT_USD] = expired
        if bars.snapshot[t]:
            snap_rows.append(t)
            snap_long.append(u[0][1:n + 1].astype(np.float32))
            snap_short.append(u[1][1:n + 1].astype(np.float32))
        # drop dead records now and then to keep the lists short
        if t % 64 == 63:
            keep = [i for i in range(len(dep_mass)) if alive[i]]
            dep_bar = [dep_bar[i] for i in keep]
            dep_side = [dep_side[i] for i in keep]
            dep_bin = [dep_bin[i] for i in keep]
            dep_mass = [dep_mass[i] for i in keep]
            dep_rep = [dep_rep[i] for i in keep]
            alive = [True] * len(keep)
    shape = (len(snap_rows), n)
    return (features, totals, np.array(snap_rows, dtype=np.int64),
            np.array(snap_long, dtype=np.float32).reshape(shape), np.array(snap_short, dtype=np.float32).reshape(shape))


# ---------------------------------------------------------------- the pre-calibration defaults
#: Fields of ``HeatmapModel()`` before the calibrated model became the default (issue #11):
#: tests that pin numbers of the old default build it explicitly.
UNCALIBRATED_FIELDS = dict(entry_price="typical", close_mode="amount", window="30d", leverage_distribution=None)
#: The old ``LeverageDistribution()`` defaults (median 20x, sigma 0.8).
UNCALIBRATED_DISTRIBUTION = dict(median=20.0, sigma=0.8)


def uncalibrated(**fields):
    """``HeatmapModel(**fields)`` on the pre-calibration defaults (5/10/25/50/100x, typical, amount, 30d)."""
    from liqbt.heatmap import HeatmapModel

    merged = {**UNCALIBRATED_FIELDS, **fields}
    dist = merged.get("leverage_distribution")
    if isinstance(dist, dict):
        merged["leverage_distribution"] = {**UNCALIBRATED_DISTRIBUTION, **dist}
    return HeatmapModel(**merged)


UNCALIBRATED = uncalibrated()
