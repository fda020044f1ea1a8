"""liqbt.zones: kernels against plain-Python references, hand-built values, point in time."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from liqbt.calibration.predictor import CALIBRATED_HEATMAP
from liqbt.data import generate_market
from liqbt.errors import ConfigError, DataError
from liqbt.heatmap import reconstruct
from liqbt.zones import (
    cleared_events,
    cluster_sets,
    confluence_score,
    level_table,
    local_imbalance,
    placebo_series,
    placebo_sets,
    swing_levels,
    swing_pivots,
    zones,
)
from liqbt.zones.nb import (
    bar_zones_nb,
    confluence_nb,
    empirical_draw_nb,
    hold_exits_nb,
    nearest_levels_nb,
    placebo_prices_nb,
    relative_clusters_nb,
    sma_nb,
    swing_pivots_nb,
    volume_nodes_nb,
)


# ------------------------------------------------------------------ references
def ref_pivots(high, low, left, right):
    n = len(high)
    ph, pl = np.full(n, np.nan), np.full(n, np.nan)
    for p in range(left, n - right):
        if all(high[j] < high[p] for j in range(p - left, p)) and all(high[j] <= high[p] for j in range(p + 1, p + right + 1)):
            ph[p + right] = high[p]
        if all(low[j] > low[p] for j in range(p - left, p)) and all(low[j] >= low[p] for j in range(p + 1, p + right + 1)):
            pl[p + right] = low[p]
    return ph, pl


def ref_nearest(ph, pl, close, max_levels):
    levels, res, sup = [], [], []
    for t in range(len(close)):
        for v in (ph[t], pl[t]):
            if not math.isnan(v):
                levels.append(v)
        last = levels[-max_levels:]
        above = [v for v in last if v > close[t]]
        below = [v for v in last if v < close[t]]
        res.append(min(above) if above else np.nan)
        sup.append(max(below) if below else np.nan)
    return np.array(res), np.array(sup)


def ref_volume_nodes(high, low, close, volume, window, n_bins, ratio):
    n = len(close)
    poc, above, below = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    for t in range(window - 1, n):
        sl = slice(t - window + 1, t + 1)
        lo, hi = low[sl].min(), high[sl].max()
        width = (hi - lo) / n_bins
        hist = np.zeros(n_bins)
        for j in range(t - window + 1, t + 1):
            b = min(max(int(((high[j] + low[j] + close[j]) / 3 - lo) / width), 0), n_bins - 1)
            hist[b] += volume[j]
        poc[t] = lo + (np.argmax(hist) + 0.5) * width
        padded = np.concatenate([[0.0], hist, [0.0]])
        nodes = [lo + (b + 0.5) * width for b in range(n_bins)
                 if padded[b + 1] > padded[b] and padded[b + 1] >= padded[b + 2]
                 and hist[b] >= ratio * hist.sum() / n_bins]
        up = [c for c in nodes if c > close[t]]
        dn = [c for c in nodes if c < close[t]]
        above[t] = min(up) if up else np.nan
        below[t] = max(dn) if dn else np.nan
    return poc, above, below


def ref_clusters(long, short, centres, ref, band, nb, min_ratio, min_share, max_dist):
    out = []
    for s in range(long.shape[0]):
        tot = long[s].astype(np.float64) + short[s].astype(np.float64)
        n = len(tot)
        for b in range(n):
            if tot[b] <= 0 or abs(centres[b] / ref[s] - 1) > max_dist:
                continue
            b0, b1 = max(b - band, 0), min(b + band, n - 1)
            if any(tot[j] >= tot[b] for j in range(b0, b)) or any(tot[j] > tot[b] for j in range(b + 1, b1 + 1)):
                continue
            band_usd = tot[b0:b1 + 1].sum()
            if band_usd < min_share * tot.sum():
                continue
            w0, w1 = max(b - nb, 0), min(b + nb, n - 1)
            outside = [tot[j] for j in range(w0, w1 + 1) if j < b0 or j > b1]
            r = band_usd / (b1 - b0 + 1) / np.mean(outside) if outside and sum(outside) > 0 else np.inf
            if r >= min_ratio:
                out.append((s, b, band_usd, r))
    return out


def ref_bar_zones(sets_rows, groups, high, low, close, min_dist, max_dist):
    """groups: list of lists of (price, weight) per set. Returns dicts per bar."""
    rows, live, s = [], [], -1
    for t in range(len(close)):
        cleared_up = [(w, p) for p, w, up in live if up and high[t] >= p]
        cleared_dn = [(w, p) for p, w, up in live if not up and low[t] <= p]
        live = [z for z in live if not ((z[2] and high[t] >= z[0]) or (not z[2] and low[t] <= z[0]))]
        while s + 1 < len(sets_rows) and sets_rows[s + 1] <= t:
            s += 1
            c0 = close[sets_rows[s]]
            live = [(p, w, p > c0) for p, w in groups[s] if p != c0]
        up = [(w, p) for p, w, u in live if u and min_dist <= p / close[t] - 1 <= max_dist]
        dn = [(w, p) for p, w, u in live if not u and min_dist <= 1 - p / close[t] <= max_dist]
        rows.append(dict(above=max(up)[1] if up else np.nan, below=max(dn)[1] if dn else np.nan,
                         n_above=len(up), n_below=len(dn),
                         cleared_above=sum(w for w, _ in cleared_up), cleared_below=sum(w for w, _ in cleared_dn)))
    return rows


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def small():
    market = generate_market(1200, "5m", seed=3)
    return market, reconstruct(market, CALIBRATED_HEATMAP, snapshot_every=6)


def _walk(n, seed):
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.003, n)))
    high = close * (1 + rng.uniform(0, 0.004, n))
    low = close * (1 - rng.uniform(0, 0.004, n))
    return high, low, close, rng.uniform(1, 10, n)


# ------------------------------------------------------------------ swing levels (literal)
def test_swing_pivot_is_written_on_its_confirmation_row():
    high = np.array([1.0, 2.0, 5.0, 3.0, 2.0, 1.0, 4.0, 6.0, 4.0, 3.0])
    low = high - 0.5
    ph, pl, php, _ = swing_pivots_nb(high, low, 2, 2)
    assert np.flatnonzero(~np.isnan(ph)).tolist() == [4, 9]  # pivots at bars 2 and 7, confirmed 2 bars later
    assert ph[4] == 5.0 and ph[9] == 6.0
    assert php[4] == pytest.approx((5.0 - 0.5) / 5.0)  # lowest low of bars 0..4 is 0.5
    assert np.flatnonzero(~np.isnan(pl)).tolist() == [7]  # the low at bar 5 (0.5), confirmed at bar 7
    assert pl[7] == 0.5


def test_flat_top_gives_one_pivot_at_its_first_bar():
    high = np.array([1.0, 3.0, 3.0, 1.0, 0.5])
    ph, _, _, _ = swing_pivots_nb(high, high - 1, 1, 2)
    assert np.flatnonzero(~np.isnan(ph)).tolist() == [3] and ph[3] == 3.0


def test_swing_levels_literal():
    high = np.array([1.0, 2.0, 5.0, 3.0, 2.0, 1.0, 4.0, 6.0, 4.0, 3.0])
    ph, pl, _, _ = swing_pivots_nb(high, high - 0.5, 2, 2)
    close = np.full(10, 3.0)
    res, sup = nearest_levels_nb(ph, pl, close, 10)
    assert np.isnan(res[:4]).all()
    assert res[4] == 5.0 and res[9] == 5.0  # 6.0 also above, 5.0 is nearer
    assert np.isnan(sup[:7]).all() and sup[7] == 0.5
    res1, sup1 = nearest_levels_nb(ph, pl, close, 1)  # only the last pivot counts
    assert res1[5] == 5.0 and np.isnan(res1[8]) and sup1[8] == 0.5  # row 7's low replaced row 4's high


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_swing_kernels_match_reference(seed):
    high, low, close, _ = _walk(400, seed)
    ph, pl, _, _ = swing_pivots_nb(high, low, 5, 3)
    rph, rpl = ref_pivots(high, low, 5, 3)
    np.testing.assert_array_equal(ph, rph)
    np.testing.assert_array_equal(pl, rpl)
    res, sup = nearest_levels_nb(ph, pl, close, 6)
    rres, rsup = ref_nearest(ph, pl, close, 6)
    np.testing.assert_array_equal(res, rres)
    np.testing.assert_array_equal(sup, rsup)


@pytest.mark.parametrize("seed", [0, 1])
def test_volume_nodes_match_reference(seed):
    high, low, close, volume = _walk(300, seed)
    got = volume_nodes_nb(high, low, close, volume, 50, 12, 1.2)
    want = ref_volume_nodes(high, low, close, volume, 50, 12, 1.2)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_sma_matches_pandas():
    x = np.random.default_rng(0).normal(size=100)
    np.testing.assert_allclose(sma_nb(x, 7), pd.Series(x).rolling(7).mean().to_numpy(), rtol=1e-10)


# ------------------------------------------------------------------ confluence (literal)
def test_confluence_literal():
    price = np.array([100.0, np.nan, 100.0])
    levels = np.array([[100.0, 100.15, 101.0, np.nan],
                       [100.0, 100.0, 100.0, 100.0],
                       [np.nan, np.nan, np.nan, np.nan]])
    out = confluence_nb(price, levels, 0.003)
    assert out[0] == pytest.approx(1.0 + (1.0 - abs(100.0 / 100.15 - 1.0) / 0.003))
    assert math.isnan(out[1])
    assert out[2] == 0.0


def test_confluence_score_wrapper():
    idx = pd.date_range("2025-01-01", periods=2, freq="5min", tz="UTC")
    prices = pd.Series([100.0, 200.0], index=idx)
    levels = pd.DataFrame({"a": [100.0, 199.0], "b": [99.9, np.nan]}, index=idx)
    got = confluence_score(prices, levels, tol=0.002)
    assert got.iloc[0] == pytest.approx(1.0 + (1.0 - (100 / 99.9 - 1) / 0.002))
    assert got.iloc[1] == 0.0
    with pytest.raises(ConfigError):
        confluence_score(prices, levels, tol=0.0)
    with pytest.raises(DataError):
        confluence_score(prices.iloc[:1], levels)


# ------------------------------------------------------------------ clusters
def test_relative_cluster_is_bright_against_its_neighbours_not_in_absolute_terms():
    centres = 100.0 * 1.001 ** np.arange(60)
    long = np.zeros((2, 60), dtype=np.float32)
    short = np.zeros((2, 60), dtype=np.float32)
    long[0, :] = 10.0
    long[0, 20] = 50.0          # bright band on a flat background: a cluster
    long[1, :] = 100.0          # everything denser, nothing stands out: no cluster
    offsets, bins, price, usd, ratio, side = relative_clusters_nb(long, short, centres, np.array([103.0, 103.0]),
                                                                  0, 5, 2.0, 0.0, 1.0)
    assert offsets.tolist() == [0, 1, 1]
    assert bins[0] == 20 and price[0] == centres[20] and usd[0] == 50.0 and ratio[0] == 5.0 and side[0] == 1


@pytest.mark.parametrize("seed", [0, 1])
def test_relative_clusters_match_reference(seed):
    rng = np.random.default_rng(seed)
    long = rng.gamma(0.5, 10.0, (5, 120)).astype(np.float32)
    short = rng.gamma(0.5, 10.0, (5, 120)).astype(np.float32)
    centres = 100.0 * 1.001 ** np.arange(120)
    ref = np.full(5, 106.0)
    offsets, bins, _, usd, ratio, _ = relative_clusters_nb(long, short, centres, ref, 1, 8, 1.8, 0.01, 0.04)
    got = [(s, int(b), u, r) for s in range(5) for b, u, r in
           zip(bins[offsets[s]:offsets[s + 1]], usd[offsets[s]:offsets[s + 1]], ratio[offsets[s]:offsets[s + 1]])]
    want = ref_clusters(long, short, centres, ref, 1, 8, 1.8, 0.01, 0.04)
    assert len(got) == len(want) > 0
    for g, w in zip(got, want):
        assert g[:2] == w[:2] and g[2] == pytest.approx(w[2]) and g[3] == pytest.approx(w[3])


def test_bar_zones_literal_clear_and_dominance():
    # one set known at row 0's close (close 100): zones at 103 (w 5), 102 (w 1) above, 98 (w 2) below
    set_rows = np.array([0])
    offsets = np.array([0, 3])
    price = np.array([103.0, 102.0, 98.0])
    weight = np.array([5.0, 1.0, 2.0])
    high = np.array([100.5, 101.0, 102.5, 101.0])
    low = np.array([99.5, 99.0, 100.0, 97.5])
    close = np.array([100.0, 100.0, 101.0, 98.5])
    out = bar_zones_nb(set_rows, offsets, price, weight, np.ones(3), np.array([-1, -1, 1]), high, low, close,
                       0.0, 0.05)
    frame = pd.DataFrame(out, columns=list(__import__("liqbt.zones.enums", fromlist=["x"]).ZONE_COLUMNS))
    assert frame["above_price"].tolist() == [103.0, 103.0, 103.0, 103.0]  # heaviest, not nearest
    assert frame["n_above"].tolist() == [2.0, 2.0, 1.0, 1.0]  # 102 cleared by bar 2's high
    assert frame["cleared_above_weight"].tolist() == [0.0, 0.0, 1.0, 0.0]
    assert frame["cleared_above_price"].iloc[2] == 102.0
    assert frame["below_price"].iloc[:3].tolist() == [98.0, 98.0, 98.0] and np.isnan(frame["below_price"].iloc[3])
    assert frame["cleared_below_weight"].tolist() == [0.0, 0.0, 0.0, 2.0]
    assert frame["above_dist"].iloc[2] == pytest.approx(103 / 101 - 1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bar_zones_match_reference(seed):
    high, low, close, _ = _walk(300, seed)
    rng = np.random.default_rng(seed + 10)
    set_rows = np.sort(rng.choice(300, 20, replace=False))
    groups = [[(close[r] * (1 + rng.uniform(-0.03, 0.03)), float(rng.uniform(1, 9))) for _ in range(rng.integers(0, 5))]
              for r in set_rows]
    offsets = np.concatenate([[0], np.cumsum([len(g) for g in groups])]).astype(np.int64)
    price = np.array([p for g in groups for p, _ in g])
    weight = np.array([w for g in groups for _, w in g])
    out = bar_zones_nb(set_rows, offsets, price, weight, np.ones(len(price)), np.zeros(len(price), dtype=np.int64),
                       high, low, close, 0.002, 0.02)
    want = ref_bar_zones(set_rows, groups, high, low, close, 0.002, 0.02)
    from liqbt.zones.enums import Z
    for t, w in enumerate(want):
        np.testing.assert_equal(out[t, Z.ABOVE_PRICE], w["above"])
        np.testing.assert_equal(out[t, Z.BELOW_PRICE], w["below"])
        assert out[t, Z.N_ABOVE] == w["n_above"] and out[t, Z.N_BELOW] == w["n_below"]
        assert out[t, Z.CLEARED_ABOVE_WEIGHT] == pytest.approx(w["cleared_above"])
        assert out[t, Z.CLEARED_BELOW_WEIGHT] == pytest.approx(w["cleared_below"])


# ------------------------------------------------------------------ placebo
def test_placebo_draws_only_from_distances_seen_so_far():
    offsets = np.array([0, 1, 2, 3])
    price = np.array([110.0, 90.0, 130.0])   # +10 %, -10 %, +30 %
    ref = np.array([100.0, 100.0, 100.0])
    fake = placebo_prices_nb(offsets, price, ref, np.array([0.99, 0.5, 0.0]))
    assert fake[0] == pytest.approx(110.0)   # only +10 % was known
    assert fake[1] == pytest.approx(90.0)    # only -10 % below
    assert fake[2] == pytest.approx(110.0)   # u = 0 picks the first of {+10 %, +30 %}


def test_placebo_sets_keep_count_weight_and_side(small):
    market, hm = small
    real = cluster_sets(market, hm)
    fake = placebo_sets(real, market, seed=1)
    assert len(fake.price) == len(real.price) > 0
    np.testing.assert_array_equal(fake.weight, real.weight)
    close = market.bars["close"].to_numpy()[np.repeat(real.set_rows, np.diff(real.offsets))]
    assert ((fake.price > close) == (real.price > close)).all()
    assert not np.allclose(fake.price, real.price)
    again = placebo_sets(real, market, seed=1)
    np.testing.assert_array_equal(fake.price, again.price)


def test_zones_with_a_memo_search_the_clusters_once_and_change_nothing(small, monkeypatch):
    import liqbt.zones.clusters as clusters_module

    market, hm = small
    plain = {src: zones(market, hm, source=src, seed=2) for src in ("heatmap", "placebo")}
    calls = []
    search = clusters_module.cluster_sets
    monkeypatch.setattr(clusters_module, "cluster_sets", lambda *a, **k: calls.append(1) or search(*a, **k))
    memo = {}
    for src in ("heatmap", "placebo"):
        pd.testing.assert_frame_equal(zones(market, hm, source=src, seed=2, memo=memo), plain[src])
    zones(market, hm, source="placebo", seed=3, memo=memo)
    assert len(calls) == 1  # the real heatmap and both placebo seeds share one search
    zones(market, hm, source="heatmap", min_ratio=3.0, memo=memo)
    assert len(calls) == 2  # other cluster parameters: a search of their own


def test_empirical_draw_and_hold_exits():
    x = np.array([np.nan, 1.0, 2.0, np.nan, 3.0])
    out = empirical_draw_nb(x, np.array([0.5, 0.9, 0.0, 0.5, 0.99]))
    assert np.isnan(out[0]) and out[1] == 1.0 and out[2] == 1.0 and np.isnan(out[3]) and out[4] == 3.0
    e = np.array([True, False, False, True, False, False, False])
    assert hold_exits_nb(e, 2).tolist() == [False, False, True, False, False, True, False]
    assert not hold_exits_nb(e, 0).any()


def test_wrappers_validate():
    market = generate_market(300, "5m", seed=1)
    with pytest.raises(ConfigError):
        swing_pivots(market, left=0)
    with pytest.raises(ConfigError):
        zones(market, None, source="heatmap")
    with pytest.raises(ConfigError):
        zones(market, None, source="bogus")
    hm = reconstruct(market, CALIBRATED_HEATMAP)  # no snapshots
    with pytest.raises(DataError, match="snapshot_every"):
        cluster_sets(market, hm)


# ------------------------------------------------------------------ point in time
def _pit_frames(market, hm):
    out = {f"zones_{s}": zones(market, hm, source=s, max_dist=0.03) for s in ("heatmap", "placebo", "sr")}
    out["levels"] = level_table(market, vp_window=96)
    out["imbalance"] = local_imbalance(market, hm, 0.03)
    out["placebo_series"] = placebo_series(hm.features["imbalance"], seed=2).to_frame()
    out["swing"] = swing_levels(market)
    return out


@pytest.mark.parametrize("k", [500, 877])
def test_every_zone_function_is_point_in_time(small, k):
    market, hm = small
    full = _pit_frames(market, hm)
    head = market.head(k)
    part = _pit_frames(head, reconstruct(head, CALIBRATED_HEATMAP, snapshot_every=6))
    for name in full:
        pd.testing.assert_frame_equal(part[name], full[name].iloc[:k], check_freq=False, obj=name)


def test_cluster_sets_and_cleared_events_are_point_in_time(small):
    market, hm = small
    k = 700
    head = market.head(k)
    hh = reconstruct(head, CALIBRATED_HEATMAP, snapshot_every=6)
    full, part = cluster_sets(market, hm).to_frame(), cluster_sets(head, hh).to_frame()
    pd.testing.assert_frame_equal(part, full.iloc[:len(part)])
    assert (full["time"].iloc[len(part):] >= head.end - market.bar_size).all()
    ev_full = cleared_events(market, hm, max_dist=0.03)
    ev_part = cleared_events(head, hh, max_dist=0.03)
    cut = ev_full[ev_full["time"] < head.end]
    pd.testing.assert_frame_equal(ev_part.drop(columns=["realised_liq_usd", "realised_known_at"]),
                                  cut.drop(columns=["realised_liq_usd", "realised_known_at"]).reset_index(drop=True))
