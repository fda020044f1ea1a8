"""Invariants of the reconstruction: point in time, conservation, result accessors, sweep, venues."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from heatmap_reference import UNCALIBRATED, uncalibrated  # noqa: F401  (pre-calibration defaults)
from test_heatmap_support import random_market
from liqbt.data import MultiVenueMarket
from liqbt.errors import DataError
from liqbt.heatmap import FEATURE_COLUMNS, HeatmapModel, reconstruct, reconstruct_many

MODELS = [
    uncalibrated(n_bins=300, window="24h"),
    uncalibrated(n_bins=200, grid="linear", bin_size_usd=60, entry_price="range", long_share="taker",
                 close_split="taker", close_mode="fraction_of_oi", decay_half_life="12h", window="all"),
    uncalibrated(n_bins=250, long_share="funding", liquidation_price_source="mark", entry_price="close",
                 leverage_distribution={"kind": "lognormal", "n_points": 8}, window="3d"),
]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), cut=st.integers(1, 199), which=st.integers(0, len(MODELS) - 1))
def test_truncated_input_gives_identical_history(seed, cut, which):
    market = random_market(seed, 200, oi_every=2)
    model = MODELS[which]
    full = reconstruct(market, model, snapshot_every=5)
    part = reconstruct(market.head(cut), model, snapshot_every=5)
    pd.testing.assert_frame_equal(part.features, full.features.iloc[:cut])
    pd.testing.assert_frame_equal(part.totals, full.totals.iloc[:cut])
    k = len(part.snapshots)
    assert k == int((np.arange(cut) % 5 == 4).sum())
    np.testing.assert_array_equal(part.snapshots.long, full.snapshots.long[:k])
    np.testing.assert_array_equal(part.snapshots.short, full.snapshots.short[:k])
    assert part.snapshots.times.equals(full.snapshots.times[:k])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), which=st.integers(0, len(MODELS) - 1), vol=st.sampled_from([0.002, 0.01]))
def test_conservation_every_bar(seed, which, vol):
    res = reconstruct(random_market(seed, 300, vol=vol), MODELS[which])
    opened = res.totals[["cum_opened_long_usd", "cum_opened_short_usd"]].to_numpy().max()
    assert opened > 0
    err = res.conservation_error().abs().to_numpy().max()
    assert err <= 1e-9 * opened
    assert (res.features[["pred_liq_long_usd", "pred_liq_short_usd", "resting_long_usd",
                          "resting_short_usd"]] >= -1e-9 * opened).all().all()


def test_features_columns_and_index():
    market = random_market(1, 120)
    res = reconstruct(market, uncalibrated(n_bins=200))
    assert tuple(res.features.columns) == FEATURE_COLUMNS
    assert res.features.index.equals(market.index)
    f = res.features.dropna(subset=["cluster_above_price"])
    assert len(f) > 0
    assert (f["cluster_above_price"] > market.bars["close"].reindex(f.index)).all()
    assert (f["cluster_above_dist_pct"] > 0).all()
    g = res.features.dropna(subset=["cluster_below_price"])
    assert (g["cluster_below_price"] < market.bars["close"].reindex(g.index)).all()


def test_profile_at_only_returns_snapshots_already_taken():
    market = random_market(2, 50)
    snaps = reconstruct(market, uncalibrated(n_bins=100), snapshot_every="4h").snapshots
    assert snaps.long.dtype == np.float32 and snaps.long.shape == (len(snaps), 100)
    # bars opening 03:00 close at 04:00: the first snapshot is known at 04:00
    assert snaps.times[0] == pd.Timestamp("2024-01-01 04:00", tz="UTC")
    assert snaps.bar_times[0] == pd.Timestamp("2024-01-01 03:00", tz="UTC")
    assert snaps.profile_at("2024-01-01 07:59:59").time == snaps.times[0]
    assert snaps.profile_at(pd.Timestamp("2024-01-01 08:00", tz="UTC")).time == snaps.times[1]
    with pytest.raises(DataError, match="no snapshot known"):
        snaps.profile_at("2024-01-01 03:59")


def test_snapshot_profiles_sum_to_resting_minus_overflow():
    market = random_market(4, 80)
    res = reconstruct(market, uncalibrated(n_bins=300), snapshot_every=1)
    f = res.features
    np.testing.assert_allclose(res.snapshots.long.sum(axis=1, dtype=np.float64),
                               f["resting_long_usd"] - f["overflow_long_usd"], rtol=1e-5, atol=1.0)


def test_mark_source_requires_mark_prices():
    market = random_market(1, 30, with_mark=False)
    with pytest.raises(DataError, match="mark"):
        reconstruct(market, uncalibrated(liquidation_price_source="mark"))


def test_taker_split_requires_taker_volume():
    market = random_market(1, 30, with_taker=False)
    with pytest.raises(DataError, match="taker_buy_volume"):
        reconstruct(market, uncalibrated(long_share="taker"))


def test_sweep_equals_single_runs():
    market = random_market(8, 300)
    models = [uncalibrated(n_bins=200 + 50 * i, window=w, entry_price=e)
              for i, (w, e) in enumerate([("24h", "typical"), ("all", "range"), ("3d", "close")])]
    sweep = reconstruct_many(market, models, columns=("pred_liq_long_usd", "resting_short_usd"))
    assert sweep.values.shape == (3, 300, 2) and sweep.values.dtype == np.float32
    for i, m in enumerate(models):
        one = reconstruct(market, m).features[["pred_liq_long_usd", "resting_short_usd"]]
        np.testing.assert_allclose(sweep.frame(i).to_numpy(), one.to_numpy().astype(np.float32), rtol=1e-6)


def test_multi_venue_adds_books_of_each_venue():
    a = random_market(1, 100)
    b = random_market(2, 100)
    b = type(b)(**{**b.__dict__, "venue": "bybit"})
    model = uncalibrated(n_bins=300)
    both = reconstruct(MultiVenueMarket("BTCUSDT", {"binance": a, "bybit": b}), model, snapshot_every=10)
    ra, rb = reconstruct(a, model, snapshot_every=10), reconstruct(b, model, snapshot_every=10)
    assert both.venues == ("binance", "bybit")
    for col in ("pred_liq_long_usd", "resting_short_usd"):
        np.testing.assert_allclose(both.features[col], ra.features[col] + rb.features[col], rtol=1e-12)
    np.testing.assert_allclose(both.snapshots.long, ra.snapshots.long + rb.snapshots.long, rtol=1e-5)
    assert (both.conservation_error().abs().to_numpy() <= 1e-6).all()
    only_a = reconstruct(MultiVenueMarket("BTCUSDT", {"binance": a, "bybit": b}),
                         uncalibrated(n_bins=300, venues=("binance",)))
    pd.testing.assert_frame_equal(only_a.features, ra.features, rtol=1e-6)
