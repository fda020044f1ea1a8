"""Issue #11 point 5: venue filters that name a missing venue fail; tier_filter takes a leverage range."""

import warnings

import numpy as np
import pandas as pd
import pytest

from heatmap_reference import uncalibrated
from test_heatmap_kernel import tiny, tiny_market
from test_heatmap_named import TWO
from test_heatmap_support import random_market
from liqbt.data import MultiVenueMarket
from liqbt.errors import ConfigError, GridWarning
from liqbt.heatmap import HeatmapModel, LeverageRange, reconstruct, reconstruct_named

OI = [np.nan, 1_000.0, 2_000.0]


# ------------------------------------------------------------------ venues
def test_venue_filter_on_a_single_venue_market_names_its_venue():
    market = tiny_market(OI)                       # venue "binance"
    with pytest.raises(ConfigError, match=r"heatmap.venues: \['hyperliquid'\] not in the market; its venues are "
                                          r"\['binance'\]"):
        reconstruct(market, tiny(venues=("hyperliquid",)))
    with pytest.raises(ConfigError, match=r"heatmaps.main.venues: \['binance', 'okx'\] not in the market|"
                                          r"heatmaps.main.venues: \['okx'\] not in the market"):
        reconstruct_named(market, {"main": tiny(venues=("binance", "okx"))})
    # naming the market's own venue is the same as no filter
    pd.testing.assert_frame_equal(reconstruct(market, tiny(venues=("binance",))).features,
                                  reconstruct(market, tiny()).features)


def test_venue_filter_on_a_multi_venue_market_lists_its_venues():
    a = random_market(1, 50)
    b = type(a)(**{**a.__dict__, "venue": "bybit"})
    market = MultiVenueMarket("BTCUSDT", {"binance": a, "bybit": b})
    with pytest.raises(ConfigError, match=r"\['hyperliquid'\] not in the market; venues are \['binance', 'bybit'\]"):
        reconstruct(market, uncalibrated(n_bins=300, venues=("hyperliquid",)))


# ------------------------------------------------------------------ tier_filter ranges
def test_range_is_inclusive_on_declared_tiers():
    m = uncalibrated(tier_filter={"min": 10, "max": 50})
    assert isinstance(m.tier_filter, LeverageRange)
    assert m.tier_include().tolist() == [False, True, True, True, False]    # 5/10/25/50/100x
    assert uncalibrated(tier_filter={"min": 50}).tier_include().tolist() == [False, False, False, True, True]
    assert uncalibrated(tier_filter={"max": 5}).tier_include().tolist() == [True, False, False, False, False]


def test_range_reports_the_same_as_the_exact_values():
    # hand-computed in test_heatmap_named: the 10x tier alone reports 2.5 coins at 90.5
    res = reconstruct(tiny_market(OI), tiny(**{**TWO.model_dump(), "tier_filter": {"min": 6, "max": 40}}))
    assert res.features["resting_long_usd"].iloc[2] == pytest.approx(2.5 * 90.5)
    exact = reconstruct(tiny_market(OI), tiny(**{**TWO.model_dump(), "tier_filter": (10,)}))
    pd.testing.assert_frame_equal(res.features, exact.features)


def test_range_works_for_a_continuous_distribution():
    model = HeatmapModel(n_bins=400, tier_filter={"min": 50, "max": 100})
    lev, _ = model.tier_arrays()
    picked = lev[model.tier_include()]
    assert picked == pytest.approx([54.66810369716389, 72.02103264331329, 94.88218526369509])
    market = random_market(5, 300, vol=0.006)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GridWarning)
        by_range = reconstruct(market, model)
        by_values = reconstruct(market, HeatmapModel(n_bins=400, tier_filter=tuple(picked)))
        whole = reconstruct(market, HeatmapModel(n_bins=400))
    pd.testing.assert_frame_equal(by_range.features, by_values.features)
    assert (by_range.features["resting_long_usd"] <= whole.features["resting_long_usd"] + 1e-6).all()
    assert (by_range.conservation_error().abs().to_numpy() <= 1e-6).all()


def test_range_filter_is_point_in_time():
    market = random_market(6, 300)
    model = HeatmapModel(n_bins=400, tier_filter={"min": 20, "max": 60})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GridWarning)
        full = reconstruct(market, model).features
        head = reconstruct(market.slice(end=market.index[150]), model).features
    pd.testing.assert_frame_equal(head, full.iloc[:150])


@pytest.mark.parametrize("value,message", [
    ({"min": 50, "max": 10}, r"max \(10.0\) must be >= min \(50.0\)"),
    ({}, "expected a leverage range with min and/or max"),
    ({"min": 130}, r"the range \[130.0, None\] holds none of the model's tier leverages"),
    ({"mn": 3}, "unknown key 'mn'; did you mean 'min'"),
    ((40, 110), r"tier_filter\[0\]: 40.0 is not a leverage of the model's tiers.*or a range such as"),
])
def test_bad_ranges_and_values_are_rejected(value, message):
    with pytest.raises(ConfigError, match=message):
        HeatmapModel(tier_filter=value)
