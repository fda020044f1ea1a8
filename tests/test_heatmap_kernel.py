"""The numba kernel against hand computations and against the plain reference."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from heatmap_reference import UNCALIBRATED, uncalibrated  # noqa: F401  (pre-calibration defaults)
from test_heatmap_support import compare_with_reference, random_market
from liqbt.data import Market
from liqbt.errors import GridWarning
from liqbt.heatmap import HeatmapModel, reconstruct
from liqbt.heatmap.nb import bin_index_nb


def tiny_market(oi, low=None, high=None):
    """Flat 100 USD bars (1h) with the given OI path; lows/highs overridable per bar."""
    n = len(oi)
    index = pd.date_range("2024-01-01", periods=n, freq="1h", tz="UTC")
    lo = np.full(n, 95.0) if low is None else np.asarray(low, dtype=float)
    hi = np.full(n, 105.0) if high is None else np.asarray(high, dtype=float)
    candles = pd.DataFrame({"open": 100.0, "high": hi, "low": lo, "close": 100.0, "volume": 1.0}, index=index)
    oi_s = pd.Series(oi, index=index).dropna()
    return Market.from_parts(candles, bar_size="1h", open_interest=oi_s, symbol="BTCUSDT", venue="binance")


#: one 10x tier, MMR 0, linear grid of 1-USD bins from 80 to 120: long LP 90 -> bin [90, 91),
#: centre 90.5; short LP 110 -> bin [110, 111), centre 110.5
TINY = uncalibrated(leverage_tiers=[{"leverage": 10, "weight": 1}], maintenance="constant", constant_mmr=0.0,
                    grid="linear", bin_size_usd=1.0, n_bins=40, entry_price="close", window="all",
                    cluster_min_share=0.5, cluster_neighbourhood_bins=1)


def tiny(**changes) -> HeatmapModel:
    """TINY with validated changes (``model_copy(update=...)`` would skip validation)."""
    return uncalibrated(**{**TINY.model_dump(), **changes})


def test_oi_increase_opens_both_sides_at_their_liquidation_bins():
    # bar 1: baseline 1,000 USD / 100 = 10 coins; bar 2: 2,000 USD -> +10 coins, 5 long + 5 short
    res = reconstruct(tiny_market([np.nan, 1_000.0, 2_000.0]), TINY)
    f = res.features
    assert f["resting_long_usd"].tolist() == [0.0, 0.0, 5 * 90.5]
    assert f["resting_short_usd"].tolist() == [0.0, 0.0, 5 * 110.5]
    assert f["cluster_below_price"].iloc[2] == 90.5
    assert f["cluster_above_price"].iloc[2] == 110.5
    assert f["cluster_below_dist_pct"].iloc[2] == pytest.approx(9.5)
    assert f["cluster_above_usd"].iloc[2] == pytest.approx(552.5)
    # neighbourhood of 3 bins, two of them empty: strength 3
    assert f["cluster_above_strength"].iloc[2] == pytest.approx(3.0)
    assert f["imbalance"].iloc[2] == pytest.approx((452.5 - 552.5) / 1005.0)
    assert np.isnan(f["imbalance"].iloc[1])


def test_low_reaching_bin_centre_liquidates_longs():
    low = [95, 95, 95, 90.5, 80]
    res = reconstruct(tiny_market([np.nan, 1_000.0, 2_000.0, 2_000.0, 2_000.0], low=low), TINY)
    f = res.features
    assert f["pred_liq_long_usd"].tolist() == [0.0, 0.0, 0.0, 452.5, 0.0]
    assert f["pred_liq_short_usd"].sum() == 0.0
    assert f["resting_long_usd"].iloc[3] == 0.0


def test_low_just_above_centre_does_not_liquidate():
    res = reconstruct(tiny_market([np.nan, 1_000.0, 2_000.0, 2_000.0], low=[95, 95, 95, 90.51]), TINY)
    assert res.features["pred_liq_long_usd"].sum() == 0.0


def test_high_reaching_centre_liquidates_shorts():
    res = reconstruct(tiny_market([np.nan, 1_000.0, 2_000.0, 2_000.0], high=[105, 105, 105, 110.5]), TINY)
    assert res.features["pred_liq_short_usd"].tolist() == [0.0, 0.0, 0.0, 552.5]


def test_oi_decrease_closes_proportionally():
    # bar 3: 1,500 USD -> 15 coins, net -5 of a 10-coin book: half of each side
    res = reconstruct(tiny_market([np.nan, 1_000.0, 2_000.0, 1_500.0]), TINY)
    f, t = res.features, res.totals
    assert f["resting_long_usd"].iloc[3] == pytest.approx(2.5 * 90.5)
    assert f["resting_short_usd"].iloc[3] == pytest.approx(2.5 * 110.5)
    assert t["cum_closed_long_usd"].iloc[3] == pytest.approx(2.5 * 90.5)


def test_fraction_of_oi_close_removes_the_same_fraction_of_the_book():
    # 20 -> 15 coins is a quarter of the open interest: a quarter of the 10-coin book
    model = tiny(close_mode="fraction_of_oi")
    res = reconstruct(tiny_market([np.nan, 1_000.0, 2_000.0, 1_500.0]), model)
    assert res.features["resting_long_usd"].iloc[3] == pytest.approx(0.75 * 5 * 90.5)


def test_predicted_liquidations_are_not_closed_twice():
    # bar 3 liquidates the 5 long coins; bar 4 OI drops by the same 5 coins: nothing voluntary
    oi = [np.nan, 1_000.0, 2_000.0, 2_000.0, 1_500.0]
    res = reconstruct(tiny_market(oi, low=[95, 95, 95, 85, 95]), TINY)
    f, t = res.features, res.totals
    assert f["pred_liq_long_usd"].iloc[3] == pytest.approx(452.5)
    assert t["cum_closed_short_usd"].iloc[4] == 0.0
    assert f["resting_short_usd"].iloc[4] == pytest.approx(552.5)


def test_window_expires_old_positions():
    model = tiny(window="2h")
    res = reconstruct(tiny_market([np.nan, 1_000.0, 2_000.0, 2_000.0, 2_000.0]), model)
    assert res.features["resting_long_usd"].tolist() == [0.0, 0.0, 452.5, 452.5, 0.0]
    assert res.totals["cum_expired_long_usd"].iloc[4] == pytest.approx(452.5)


def test_window_expires_deposits_made_in_the_bar_its_side_emptied():
    # bar 4 expires bar 2's cohort (emptying both sides) and opens a new one in the same bins;
    # bar 6 must expire that one too
    model = tiny(window="2h")
    res = reconstruct(tiny_market([np.nan, 1_000.0, 2_000.0, 2_000.0, 3_000.0, 3_000.0, 3_000.0]), model)
    assert res.features["resting_long_usd"].tolist() == [0.0, 0.0, 452.5, 452.5, 452.5, 452.5, 0.0]
    assert res.totals["cum_expired_long_usd"].iloc[6] == pytest.approx(2 * 452.5)


def test_nan_oi_opens_nothing_and_first_value_is_a_baseline():
    res = reconstruct(tiny_market([np.nan, np.nan, 5_000.0]), TINY)
    assert res.totals["cum_opened_long_usd"].iloc[-1] == 0.0


def test_positions_outside_the_grid_go_to_overflow():
    # 2x longs liquidate at 50, below the 80-USD grid bottom: kept in the overflow bin at 80
    model = tiny(leverage_tiers=({"leverage": 2, "weight": 1},))
    # the last low (79) trades below the grid: said once, with the bar and the remedy
    with pytest.warns(GridWarning, match=r"left the grid \[80.00, 120.00\] USD .* on 1 of 4 bars, first at "
                                         r"2024-01-01 03:00:00\+00:00.*raise n_bins"):
        res = reconstruct(tiny_market([np.nan, 1_000.0, 2_000.0, 2_000.0], low=[95, 95, 95, 79]), model)
    f = res.features
    assert f["overflow_long_usd"].iloc[2] == pytest.approx(5 * 80.0)
    assert f["resting_long_usd"].iloc[2] == pytest.approx(5 * 80.0)
    assert f["pred_liq_long_usd"].iloc[3] == pytest.approx(5 * 80.0)


def test_bin_index_matches_edges():
    edges = 100.0 * np.exp(np.log1p(1e-3) * (np.arange(11) - 5.0))
    origin, inv = np.log(edges[0]), 1 / np.log1p(1e-3)
    for p in list(edges) + [edges[3] * (1 + 1e-15), edges[3] * (1 - 1e-15), 1.0, 1e9, np.nan]:
        got = bin_index_nb(p, np.log(p) if p == p else np.nan, edges, True, origin, inv)
        want = 0 if not p >= edges[0] else (11 if p >= edges[-1] else int(np.searchsorted(edges, p, "right")))
        assert got == want, p


OPTIONS = st.fixed_dictionaries({
    "entry_price": st.sampled_from(["close", "typical", "range"]),
    "range_points": st.integers(1, 4),
    "long_share": st.sampled_from(["equal", "candle", "taker", "funding"]),
    "close_mode": st.sampled_from(["amount", "fraction_of_oi"]),
    "close_split": st.sampled_from(["proportional", "taker"]),
    "window": st.sampled_from(["all", "12h", "24h", "3d"]),
    "decay_half_life": st.sampled_from([None, "6h", "3d"]),
    "grid": st.sampled_from(["log", "linear"]),
    "bin_size_bps": st.sampled_from([3.0, 10.0, 25.0]),
    "bin_size_usd": st.sampled_from([20.0, 75.0]),
    "n_bins": st.sampled_from([40, 150, 400]),
    "maintenance": st.sampled_from(["brackets", "constant"]),
    "position_notional_usd": st.sampled_from([10_000.0, 60_000.0, 200_000.0]),
    "liquidation_price_source": st.sampled_from(["last", "mark"]),
    "cluster_min_share": st.sampled_from([0.013, 0.037, 0.11]),
    "cluster_neighbourhood_bins": st.integers(0, 12),
    "leverage": st.sampled_from(["tiers", "lognormal", "loguniform"]),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(opts=OPTIONS, seed=st.integers(0, 10_000), n_bars=st.integers(20, 140), oi_every=st.integers(1, 3),
       vol=st.sampled_from([0.002, 0.006, 0.02]), every_kth_tier=st.sampled_from([0, 0, 2, 3]))
def test_kernel_matches_reference(opts, seed, n_bars, oi_every, vol, every_kth_tier):
    opts = dict(opts)
    lev = opts.pop("leverage")
    if lev != "tiers":
        opts["leverage_distribution"] = {"kind": lev, "n_points": 6}
    if opts["grid"] == "linear":
        opts["n_bins"] = min(opts["n_bins"], 200)
    if every_kth_tier:   # report a subset of the tiers
        opts["tier_filter"] = tuple(uncalibrated(**opts).tier_arrays()[0][::every_kth_tier])
    model = uncalibrated(**opts)
    market = random_market(seed, n_bars, oi_every=oi_every, vol=vol)
    compare_with_reference(market, model, snapshot_every=3)


def test_kernel_matches_reference_with_hourly_oi_on_5m_bars():
    market = random_market(5, 400, bar_size="5min", oi_every=12, vol=0.002)
    compare_with_reference(market, uncalibrated(window="24h", n_bins=300, bin_size_bps=5), snapshot_every="1h")


def test_renormalisation_under_strong_decay_matches_reference():
    # a 1-bar half-life halves the scale every bar: 2**-400 forces rescaling
    market = random_market(3, 420, vol=0.001, oi_vol=0.002)
    compare_with_reference(market, uncalibrated(decay_half_life="1h", window="all", n_bins=200))
