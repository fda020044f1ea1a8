"""Issue #11 points 3: month windows, the calibrated default model, book wipes warned with their time."""

import warnings

import numpy as np
import pandas as pd
import pytest

from heatmap_reference import uncalibrated
from test_heatmap_kernel import tiny, tiny_market
from test_heatmap_support import random_market
from liqbt.calibration.predictor import CALIBRATED_HEATMAP
from liqbt.errors import BookWipeWarning, ConfigError, GridWarning
from liqbt.heatmap import HeatmapModel, LeverageDistribution, reconstruct, reconstruct_named
from liqbt.heatmap.grid import make_grid
from liqbt.heatmap.enums import IP
from liqbt.heatmap.inputs import model_arrays
from liqbt.heatmap.model import parse_duration

DAY = pd.Timedelta(days=1)


# ------------------------------------------------------------------ durations and windows
@pytest.mark.parametrize("text,days", [("1mo", 30), ("3mo", 90), ("1month", 30), ("6months", 180), ("1M", 30),
                                       ("6M", 180), ("2 mo", 60), ("1y", 365), ("1Y", 365)])
def test_month_and_year_units(text, days):
    assert parse_duration(text) == days * DAY


@pytest.mark.parametrize("text,minutes", [("1m", 1), ("5m", 5), ("30min", 30), ("15MIN", 15)])
def test_lower_case_m_stays_minutes(text, minutes):
    assert parse_duration(text) == pd.Timedelta(minutes=minutes)


@pytest.mark.parametrize("window,message", [
    ("1m", "window '1m' is 1 minute; a heatmap window must be at least 1h — did you mean '1mo' (30 days)?"),
    ("3m", "window '3m' is 3 minutes; a heatmap window must be at least 1h — did you mean '3mo' (90 days)?"),
    ("30min", "window '30min' is 30 minutes; a heatmap window must be at least 1h — did you mean '30mo' (900 days)?"),
])
def test_window_under_an_hour_suggests_the_month_unit(window, message):
    with pytest.raises(ConfigError) as info:
        HeatmapModel(window=window)
    assert message in str(info.value)


def test_one_hour_window_and_month_half_life_are_accepted():
    assert HeatmapModel(window="1h").window_delta() == pd.Timedelta(hours=1)
    assert HeatmapModel(decay_half_life="1mo").half_life_delta() == 30 * DAY
    assert HeatmapModel(decay_half_life="5m").half_life_delta() == pd.Timedelta(minutes=5)  # not a heatmap window


def test_month_window_is_720_hourly_bars():
    for window in ("1mo", "1M", "1month"):
        model = HeatmapModel(window=window)
        arr = model_arrays(model, make_grid(model, 60_000.0), pd.Timedelta("1h"))
        assert arr.iparams[IP.WINDOW_BARS] == 720


def test_month_window_builds_a_30_day_map():
    # one opening at bar 2 (10 coins), OI flat afterwards: the positions expire 30 days = 720 bars later
    oi = np.r_[np.nan, 1_000.0, np.full(798, 2_000.0)]
    month = reconstruct(tiny_market(oi), tiny(window="1mo")).features
    days = reconstruct(tiny_market(oi), tiny(window="30d")).features
    pd.testing.assert_frame_equal(month, days)
    resting = month["resting_long_usd"]
    assert resting.iloc[2] == pytest.approx(5 * 90.5)
    assert resting.iloc[721] == pytest.approx(5 * 90.5)   # opened during bar 1, first exposed to bar 2
    assert resting.iloc[722] == 0.0
    assert (resting.iloc[722:] == 0.0).all()


def test_month_window_is_point_in_time():
    market = random_market(3, 900, oi_every=1)
    model = HeatmapModel(window="1mo", n_bins=400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GridWarning)
        full = reconstruct(market, model).features
        head = reconstruct(market.slice(end=market.index[750]), model).features
    pd.testing.assert_frame_equal(head, full.iloc[:len(head)])


# ------------------------------------------------------------------ the default model is the calibrated one
def test_default_model_is_the_calibrated_model():
    m = HeatmapModel()
    assert m == CALIBRATED_HEATMAP
    assert (m.entry_price, m.range_points, m.long_share, m.close_mode, m.window) == \
        ("range", 5, "equal", "fraction_of_oi", "7d")
    assert m.leverage_distribution == LeverageDistribution(kind="lognormal", min_leverage=2.0, max_leverage=125.0,
                                                           median=25.0, sigma=1.3, n_points=16)
    lev, w = m.tier_arrays()
    assert len(lev) == 16 and lev[0] == 2.0 and lev[-1] == pytest.approx(125.0)
    assert w.sum() == pytest.approx(1.0)


def test_leverage_tiers_replace_the_default_distribution():
    m = HeatmapModel(leverage_tiers=[{"leverage": 10, "weight": 1}])
    assert m.leverage_distribution is None
    assert m.tier_arrays()[0].tolist() == [10.0]
    assert HeatmapModel(leverage_distribution=None).tier_arrays()[0].tolist() == [5.0, 10.0, 25.0, 50.0, 100.0]
    # tiers set on the fields of the default model (a sweep over heatmaps.<name>.leverage_tiers) replace it too
    swept = HeatmapModel(**{**HeatmapModel().model_dump(), "leverage_tiers": [{"leverage": 10, "weight": 1}]})
    assert swept.leverage_distribution is None and swept.tier_arrays()[0].tolist() == [10.0]
    with pytest.raises(ConfigError, match="leverage_tiers and leverage_distribution are both given"):
        HeatmapModel(leverage_tiers=[{"leverage": 10, "weight": 1}], leverage_distribution={"median": 20})


def test_model_dump_round_trips():
    for m in (HeatmapModel(), uncalibrated(), HeatmapModel(leverage_tiers=[{"leverage": 10, "weight": 1}])):
        assert HeatmapModel(**m.model_dump()) == m


# ------------------------------------------------------------------ a book emptied by closes in one bar
# bar 1: baseline 10 coins; bar 2: +10 coins (5 long, 5 short); bar 3: OI 5 coins, net -15 > the 10-coin book
WIPE_OI = [np.nan, 1_000.0, 2_000.0, 500.0, 500.0]


def test_amount_close_that_empties_the_book_warns_with_the_bar_time():
    with pytest.warns(BookWipeWarning) as rec:
        res = reconstruct(tiny_market(WIPE_OI), tiny(close_mode="amount"))
    msgs = [str(w.message) for w in rec if issubclass(w.category, BookWipeWarning)]
    assert len(msgs) == 1
    assert "closes emptied the whole long book in one bar at 2024-01-01 03:00:00+00:00" in msgs[0]
    assert "long (1 bar) and short (1 bar)" in msgs[0]
    t = pd.Timestamp("2024-01-01 03:00", tz="UTC")
    assert res.book_wipes == {"long": (t, 1), "short": (t, 1)}
    assert res.features["resting_long_usd"].iloc[3] == 0.0


def test_fraction_of_oi_keeps_the_book_and_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", BookWipeWarning)
        res = reconstruct(tiny_market(WIPE_OI), tiny(close_mode="fraction_of_oi"))
    assert res.book_wipes == {"long": (None, 0), "short": (None, 0)}
    # 15 of 20 coins of OI closed: a quarter of the book stays
    assert res.features["resting_long_usd"].iloc[3] == pytest.approx(0.25 * 5 * 90.5)


def test_book_wipe_is_point_in_time():
    # truncated before the wipe: no warning, same history
    with warnings.catch_warnings():
        warnings.simplefilter("error", BookWipeWarning)
        head = reconstruct(tiny_market(WIPE_OI[:3]), tiny(close_mode="amount"))
    with pytest.warns(BookWipeWarning):
        full = reconstruct(tiny_market(WIPE_OI), tiny(close_mode="amount"))
    pd.testing.assert_frame_equal(head.features, full.features.iloc[:3])


def test_named_reconstruction_warns_once_with_the_model_name():
    models = {"amount": tiny(close_mode="amount"), "calibrated": tiny(close_mode="fraction_of_oi")}
    with pytest.warns(BookWipeWarning) as rec:
        out = reconstruct_named(tiny_market(WIPE_OI), models)
    msgs = [str(w.message) for w in rec if issubclass(w.category, BookWipeWarning)]
    assert len(msgs) == 1 and msgs[0].startswith("heatmap 'amount': closes emptied")
    assert out["calibrated"].book_wipes["long"] == (None, 0)
