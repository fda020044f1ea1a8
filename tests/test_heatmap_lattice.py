"""The edgeless price lattice and sparse snapshots (#14 item 4).

The reference for "the old engine" is the fixed grid a model gets with ``n_bins``
(2000 bins centred on the first open, the old default): without ``n_bins`` the
same lattice bins are used, so where that grid held every feature, total and
snapshot bin must be the same.
"""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from heatmap_reference import uncalibrated
from test_heatmap_support import assert_close_columns, compare_with_reference, random_market
from liqbt.data import MultiVenueMarket
from liqbt.errors import GridWarning
from liqbt.heatmap import FEATURE_COLUMNS, HeatmapModel, reconstruct, reconstruct_named
from liqbt.heatmap.enums import TOTALS

LATTICE_MODELS = [
    uncalibrated(window="24h"),
    uncalibrated(grid="linear", bin_size_usd=60, entry_price="range", long_share="taker", close_split="taker",
                 close_mode="fraction_of_oi", decay_half_life="12h", window="all"),
    uncalibrated(long_share="funding", liquidation_price_source="mark", entry_price="close",
                 leverage_distribution={"kind": "lognormal", "n_points": 8}, window="3d", tier_filter={"min": 10, "max": 50}),
    HeatmapModel(),
]


def assert_same_snapshots_on_lattice(got, want) -> None:
    """Every snapshot bin of ``got`` equals the bin of ``want`` on the same lattice bin; ``want``'s others are 0."""
    assert got.times.equals(want.times)
    lb_got, lb_want = got.lattice_bins, want.lattice_bins
    common, i_got, i_want = np.intersect1d(lb_got, lb_want, return_indices=True)
    assert len(common) == len(lb_got) or not got.long.any()
    np.testing.assert_allclose(got.bin_edges[:-1][i_got], want.bin_edges[:-1][i_want], rtol=1e-12)
    for a, b in ((got.long, want.long), (got.short, want.short)):
        np.testing.assert_array_equal(a[:, i_got], b[:, i_want])
        rest = np.ones(b.shape[1], dtype=bool)
        rest[i_want] = False
        assert not b[:, rest].any()


@pytest.mark.parametrize("which", range(len(LATTICE_MODELS)))
def test_lattice_equals_the_old_grid_where_it_held(which):
    market = random_market(11 + which, 300, oi_every=2, vol=0.004)
    model = LATTICE_MODELS[which]
    with warnings.catch_warnings():
        warnings.simplefilter("error", GridWarning)
        new = reconstruct(market, model, snapshot_every=3)
        old_bins = 2000 if model.grid == "log" else 1000     # the old grid, as wide as it goes above 0 USD
        old = reconstruct(market, model.model_copy(update={"n_bins": old_bins}), snapshot_every=3)
    assert not old.features[["overflow_long_usd", "overflow_short_usd"]].to_numpy().any()  # the old grid held
    assert_close_columns(new.features.to_numpy(), old.features.to_numpy(), FEATURE_COLUMNS)
    assert_close_columns(new.totals.to_numpy(), old.totals.to_numpy(), TOTALS)
    assert_same_snapshots_on_lattice(new.snapshots, old.snapshots)
    assert new.snapshots.long.shape[1] < old.snapshots.long.shape[1]     # only the occupied bins


def test_lattice_kernel_matches_the_python_reference():
    compare_with_reference(random_market(3, 120, oi_every=1, vol=0.01), uncalibrated(window="24h", bin_size_bps=5),
                           snapshot_every=2)
    compare_with_reference(random_market(4, 120, vol=0.01), uncalibrated(grid="linear", bin_size_usd=40,
                                                                          window="all"))


def test_named_and_multi_venue_lattices_equal_the_old_grid():
    market = random_market(5, 200, vol=0.003)
    models = {"a": uncalibrated(window="3d"), "b": uncalibrated(window="24h", bin_size_bps=5)}
    new = reconstruct_named(market, models, snapshot_every=4)
    for k, m in models.items():
        old = reconstruct(market, m.model_copy(update={"n_bins": 2000 if k == "a" else 4000}), snapshot_every=4)
        assert_close_columns(new[k].features.to_numpy(), old.features.to_numpy(), FEATURE_COLUMNS)
        assert_same_snapshots_on_lattice(new[k].snapshots, old.snapshots)
    a, b = random_market(6, 150, vol=0.003), random_market(7, 150, vol=0.003)
    b = type(b)(**{**b.__dict__, "venue": "bybit"})
    multi = MultiVenueMarket("BTCUSDT", {"binance": a, "bybit": b})
    model = uncalibrated(window="3d")
    new = reconstruct(multi, model, snapshot_every=5)
    old = reconstruct(multi, model.model_copy(update={"n_bins": 2000}), snapshot_every=5)
    assert_close_columns(new.features.to_numpy(), old.features.to_numpy(), FEATURE_COLUMNS)
    assert_same_snapshots_on_lattice(new.snapshots, old.snapshots)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), cut=st.integers(1, 199), which=st.integers(0, len(LATTICE_MODELS) - 1))
def test_truncated_input_gives_identical_sparse_history(seed, cut, which):
    market = random_market(seed, 200, oi_every=2, vol=0.01)
    model = LATTICE_MODELS[which]
    full = reconstruct(market, model, snapshot_every=5)
    part = reconstruct(market.head(cut), model, snapshot_every=5)
    pd.testing.assert_frame_equal(part.features, full.features.iloc[:cut])
    pd.testing.assert_frame_equal(part.totals, full.totals.iloc[:cut])
    k = len(part.snapshots)
    assert part.snapshots.times.equals(full.snapshots.times[:k])
    for i in range(k):
        for side in (0, 1):
            b_part, v_part = part.snapshots.segment(i, side)
            b_full, v_full = full.snapshots.segment(i, side)
            np.testing.assert_array_equal(v_part, v_full)
            if len(v_full):   # the same lattice bins
                assert b_part + part.snapshots.first_bin == b_full + full.snapshots.first_bin


def test_a_20x_trend_stays_on_the_lattice_without_warnings():
    market = random_market(1, 2000, vol=0.002, drift=math.log(20.0) / 2000)
    assert market.bars['close'].iloc[-1] > 10 * market.bars['open'].iloc[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", GridWarning)
        res = reconstruct(market, HeatmapModel(), snapshot_every=50)
    assert not res.features[["overflow_long_usd", "overflow_short_usd"]].to_numpy().any()
    assert np.abs(res.conservation_error().to_numpy()).max() <= 1e-6 * res.totals.to_numpy().max()
    near = res.features["cluster_above_dist_pct"].iloc[-200:]
    assert near.notna().any()         # clusters are still found at 20x the first price
    with pytest.warns(GridWarning, match=r"raise n_bins, or leave n_bins out"):
        reconstruct(market, HeatmapModel(n_bins=2000))


def test_n_bins_keeps_its_old_meaning_and_is_optional():
    assert HeatmapModel().n_bins is None
    market = random_market(2, 50)
    snaps = reconstruct(market, HeatmapModel(n_bins=400), snapshot_every=10).snapshots
    assert len(snaps.bin_edges) == 401 and snaps.long.shape == (5, 400)
    first_open = float(market.bars["open"].iloc[0])
    assert snaps.bin_edges[200] == pytest.approx(first_open, rel=1e-12)      # centred on the first open


def test_a_config_that_sets_n_bins_loads_with_that_grid(tmp_path):
    model = HeatmapModel.model_validate({"n_bins": 1000, "bin_size_bps": 5})
    assert model.n_bins == 1000
    with pytest.raises(Exception, match="n_bins"):
        HeatmapModel.model_validate({"n_bins": 1})


def test_global_anchor_puts_every_market_on_the_same_bins():
    model = uncalibrated(lattice_anchor="global", window="24h")
    step = math.log1p(model.bin_size_bps / 1e4)
    a = reconstruct(random_market(8, 60, start_price=60_000.0), model, snapshot_every=6).snapshots
    b = reconstruct(random_market(9, 60, start_price=3_000.0), model, snapshot_every=6).snapshots
    for s in (a, b):
        np.testing.assert_allclose(s.bin_edges[:-1], np.exp(step * s.lattice_bins), rtol=1e-9)
        k = s.lattice_bins[len(s.lattice_bins) // 2]
        assert k == math.floor(math.log(s.bin_centres[len(s.lattice_bins) // 2]) / step)


def test_sparse_store_keeps_only_occupied_bins_and_profile_at_matches_dense():
    market = random_market(10, 400, vol=0.01)
    res = reconstruct(market, uncalibrated(window="24h", bin_size_bps=2), snapshot_every=4)
    snaps = res.snapshots
    n_grid = len(snaps.grid_centres)
    assert snaps.values.size < 0.5 * 2 * len(snaps) * n_grid
    t = snaps.times[37]
    prof = snaps.profile_at(t)            # before the dense views exist
    np.testing.assert_array_equal(prof.long, snaps.long[37])
    np.testing.assert_array_equal(prof.short, snaps.short[37])
    assert len(prof.bin_edges) == snaps.long.shape[1] + 1
