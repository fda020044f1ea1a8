"""Several named models in one pass, the tier filter, and the sweep's column selection."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from heatmap_reference import UNCALIBRATED, uncalibrated  # noqa: F401  (pre-calibration defaults)
from test_heatmap_kernel import tiny, tiny_market
from test_heatmap_support import compare_with_reference, random_market
from liqbt.data import MultiVenueMarket
from liqbt.errors import ConfigError
from liqbt.heatmap import HeatmapModel, reconstruct, reconstruct_many, reconstruct_named

NAMED = {
    "context": uncalibrated(n_bins=300, window="3d"),
    "execution": uncalibrated(n_bins=200, window="24h", bin_size_bps=5, entry_price="range", range_points=3),
    "mark": uncalibrated(n_bins=300, window="all", liquidation_price_source="mark", tier_filter=(25.0, 50.0)),
}


def assert_same_result(got, want):
    pd.testing.assert_frame_equal(got.features, want.features, check_exact=True)
    if want.totals is None:
        assert got.totals is None
    else:
        pd.testing.assert_frame_equal(got.totals, want.totals, check_exact=True)
    np.testing.assert_array_equal(got.snapshots.long, want.snapshots.long)
    np.testing.assert_array_equal(got.snapshots.short, want.snapshots.short)
    assert got.snapshots.times.equals(want.snapshots.times)
    np.testing.assert_array_equal(got.snapshots.bin_edges, want.snapshots.bin_edges)
    assert got.model == want.model and got.venues == want.venues


@pytest.mark.parametrize("totals", [True, False])
def test_named_results_equal_single_runs_exactly(totals):
    market = random_market(11, 240, oi_every=2)
    named = reconstruct_named(market, NAMED, snapshot_every=4, totals=totals)
    assert list(named) == list(NAMED)
    for name, model in NAMED.items():
        assert_same_result(named[name], reconstruct(market, model, snapshot_every=4, totals=totals))


def test_named_single_thread_equals_parallel():
    market = random_market(12, 150)
    a = reconstruct_named(market, NAMED, snapshot_every="4h", threads=1)
    b = reconstruct_named(market, NAMED, snapshot_every="4h", threads=2)
    for name in NAMED:
        assert_same_result(a[name], b[name])


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), cut=st.integers(1, 159))
def test_named_truncated_input_gives_identical_history(seed, cut):
    market = random_market(seed, 160, oi_every=2)
    full = reconstruct_named(market, NAMED, snapshot_every=5)
    part = reconstruct_named(market.head(cut), NAMED, snapshot_every=5)
    for name in NAMED:
        pd.testing.assert_frame_equal(part[name].features, full[name].features.iloc[:cut], check_exact=True)
        pd.testing.assert_frame_equal(part[name].totals, full[name].totals.iloc[:cut], check_exact=True)
        k = len(part[name].snapshots)
        np.testing.assert_array_equal(part[name].snapshots.long, full[name].snapshots.long[:k])


def test_named_rejects_non_models():
    with pytest.raises(Exception, match="expected a HeatmapModel"):
        reconstruct_named(random_market(1, 30), {"a": {"window": "3d"}})


# ---------------------------------------------------------------- tier filter

def test_tier_filter_must_name_model_tiers():
    assert uncalibrated(tier_filter=(10, 100)).tier_include().tolist() == [False, True, False, False, True]
    with pytest.raises(ConfigError, match=r"tier_filter\[1\]: 20.0 is not a leverage"):
        uncalibrated(tier_filter=(10, 20))
    with pytest.raises(ConfigError, match="at least one"):
        uncalibrated(tier_filter=())
    lev = uncalibrated(leverage_distribution={"n_points": 4}).tier_arrays()[0]
    assert uncalibrated(leverage_distribution={"n_points": 4}, tier_filter=(lev[2],)).tier_include().sum() == 1


#: two tiers on the TINY grid: 10x longs at 90.5 (shorts 110.5), 5x longs at 80.5 (shorts at 120, overflow)
TWO = tiny(leverage_tiers=({"leverage": 10, "weight": 1}, {"leverage": 5, "weight": 1}))


def test_tier_filter_reports_only_the_included_tiers():
    res = reconstruct(tiny_market([np.nan, 1_000.0, 2_000.0]), tiny(**{**TWO.model_dump(), "tier_filter": (10,)}))
    f = res.features
    # 5 long coins split over two tiers: 2.5 at 10x (bin 90.5) reported, 2.5 at 5x (80.5) not;
    # the 5x shorts (LP 120, overflow) are not reported either
    assert f["resting_long_usd"].iloc[2] == pytest.approx(2.5 * 90.5)
    assert f["resting_short_usd"].iloc[2] == pytest.approx(2.5 * 110.5)
    assert f["overflow_short_usd"].iloc[2] == 0.0
    assert res.totals["cum_opened_long_usd"].iloc[2] == pytest.approx(2.5 * 90.5)


def test_tier_filter_keeps_the_whole_book_in_the_dynamics():
    # report only the 5x tier (longs at 80.5); bar 3's low of 90 liquidates the 10x longs (90.5, not
    # reported) and bar 4's OI drop of 2.5 coins equals that liquidation: nothing is closed
    model = tiny(**{**TWO.model_dump(), "tier_filter": (5,)})
    oi = [np.nan, 1_000.0, 2_000.0, 2_000.0, 1_750.0]
    res = reconstruct(tiny_market(oi, low=[95, 95, 95, 90, 95]), model)
    f, t = res.features, res.totals
    assert f["pred_liq_long_usd"].iloc[3] == 0.0
    assert t["cum_closed_long_usd"].iloc[4] == 0.0
    assert f["resting_long_usd"].iloc[4] == pytest.approx(2.5 * 80.5)
    # a close removes the same fraction of the reported tier as of the whole side
    res = reconstruct(tiny_market([np.nan, 1_000.0, 2_000.0, 1_500.0]), model)
    assert res.features["resting_long_usd"].iloc[3] == pytest.approx(0.5 * 2.5 * 80.5)


@pytest.mark.parametrize("seed,opts", [
    (1, {}),
    (2, {"window": "all", "decay_half_life": "6h", "close_mode": "fraction_of_oi"}),
    (3, {"window": "12h", "entry_price": "range", "range_points": 3, "grid": "linear", "n_bins": 120,
         "bin_size_usd": 75.0}),
])
def test_tier_filter_matches_reference(seed, opts):
    market = random_market(seed, 160, oi_every=2, vol=0.006)
    for tiers in ((5.0,), (25.0, 100.0)):
        model = uncalibrated(**{"n_bins": 200, "cluster_min_share": 0.037, **opts, "tier_filter": tiers})
        compare_with_reference(market, model)


def test_tier_filter_conserves_reported_notional():
    res = reconstruct(random_market(5, 300, vol=0.006), uncalibrated(n_bins=300, tier_filter=(10.0, 50.0)))
    opened = res.totals[["cum_opened_long_usd", "cum_opened_short_usd"]].to_numpy().max()
    assert opened > 0 and res.conservation_error().abs().to_numpy().max() <= 1e-9 * opened


def test_all_tiers_in_the_filter_equals_no_filter():
    market = random_market(6, 200)
    a = reconstruct(market, uncalibrated(n_bins=200), snapshot_every=5)
    b = reconstruct(market, uncalibrated(n_bins=200, tier_filter=(5, 10, 25, 50, 100)), snapshot_every=5)
    pd.testing.assert_frame_equal(a.features, b.features, check_exact=True)


# ---------------------------------------------------------------- sweep

def test_sweep_with_cluster_columns_and_mixed_price_sources():
    market = random_market(9, 200)
    models = [uncalibrated(n_bins=200, window="24h"), uncalibrated(n_bins=150, liquidation_price_source="mark"),
              uncalibrated(n_bins=200, tier_filter=(25.0,))]
    cols = ("cluster_above_price", "cluster_below_strength", "imbalance")
    sweep = reconstruct_many(market, models, columns=cols, threads=2)
    for i, m in enumerate(models):
        one = reconstruct(market, m).features[list(cols)].to_numpy().astype(np.float32)
        np.testing.assert_array_equal(sweep.frame(i).to_numpy(), one)


def test_named_on_several_venues_equals_reconstruct_per_model():
    a = random_market(3, 200)
    b = type(a)(**{**random_market(4, 200).__dict__, "venue": "okx"})
    market = MultiVenueMarket("BTCUSDT", {"binance": a, "okx": b})
    # liqbt has no OKX bracket table: price the okx venue with Binance's, as asked
    models = {"context": uncalibrated(n_bins=300, window="3d", venue_formulas={"okx": "okx"},
                                      venue_brackets={"okx": "binance:BTCUSDT"}),
              "binance_only": uncalibrated(n_bins=200, window="24h", venues=("binance",))}
    got = reconstruct_named(market, models, snapshot_every=10)
    assert list(got) == ["context", "binance_only"]
    for name, model in models.items():
        assert_same_result(got[name], reconstruct(market, model, snapshot_every=10))
    assert got["context"].venues == ("binance", "okx")


@pytest.mark.parametrize("name", list(NAMED))
def test_one_named_model_equals_it_in_a_batch_exactly(name):
    # one model runs the serial kernel directly, several the parallel batch kernel: the same numbers
    market = random_market(13, 200, oi_every=3)
    alone = reconstruct_named(market, {name: NAMED[name]}, snapshot_every=4)
    assert_same_result(alone[name], reconstruct_named(market, NAMED, snapshot_every=4)[name])


# a quickstart-like reconstruct in a fresh interpreter: the number of specialisations of each heatmap kernel
SIGNATURES_PROBE = """
import json
import liqbt.heatmap.nb as nb
from numba.core.registry import CPUDispatcher
from liqbt.config import load_config
from liqbt.heatmap import reconstruct_named
from liqbt.pipeline import load_market
loaded = load_config("configs/quickstart.yaml")
market = load_market(loaded).head(2000)
results = reconstruct_named(market, dict(loaded.config.heatmaps), snapshot_every=loaded.config.output.snapshot_every)
for r in results.values():
    r.snapshots.long
kernels = {}
for module in (nb.run, nb.clusters, nb.snapshots):
    for key, value in vars(module).items():
        if isinstance(value, CPUDispatcher):
            kernels[key] = [str(s) for s in value.signatures]
print(json.dumps(kernels))
"""


def test_quickstart_compiles_each_heatmap_kernel_once(tmp_path):
    # numba's cache cold (its own folder), as on a fresh install: a kernel loaded from a warm cache does not list
    # the helpers compiled into it, a cold compile does (about 15 s of CPU, the price of seeing them)
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache")}
    proc = subprocess.run([sys.executable, "-c", SIGNATURES_PROBE], capture_output=True, text=True, cwd=root, env=env)
    assert proc.returncode == 0, proc.stderr
    kernels = json.loads(proc.stdout.strip().splitlines()[-1])
    assert kernels["run_nb"] and kernels["densify_nb"] and kernels["_renorm_nb"]
    assert not kernels["batch_nb"], "one model needs no parallel batch kernel"
    several = {k: v for k, v in kernels.items() if len(v) > 1}
    assert not several, f"kernels specialised more than once (a literal or another dtype passed?): {several}"
