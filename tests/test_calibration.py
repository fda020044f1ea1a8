"""Calibration: metrics, the naive baseline, the predictor (point in time) and the fit."""

import json
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import PROJECT_ROOT, shared_path
from corpus import run_cli
from liqbt.calibration import CalibrationConfig, LiquidationPredictor, SearchSpace, calibrate, naive_baseline, score
from liqbt.calibration.baseline import resample_bars
from liqbt.calibration.fit import realised_coverage, realised_liquidations
from liqbt.calibration.metrics import aggregate_to, by_month
from liqbt.config import load_config
from liqbt.data import Market, generate_market, load_vendor_hourly
from liqbt.errors import ConfigError, GapWarning
from liqbt.heatmap import HeatmapModel
from liqbt.pipeline import load_market

H = pd.Timedelta("1h")


def test_aggregate_sums_fine_bars_into_coarse_ones_and_leaves_empty_bars_nan():
    index = pd.date_range("2025-01-01", periods=24, freq="5min", tz="UTC")
    fine = pd.DataFrame({"long": np.arange(24.0), "short": np.ones(24)}, index=index)
    coarse = aggregate_to(fine, pd.date_range("2025-01-01", periods=3, freq="1h", tz="UTC"), H)
    assert coarse["long"].tolist()[:2] == [sum(range(12)), sum(range(12, 24))]
    assert coarse["short"].tolist()[:2] == [12.0, 12.0]
    assert coarse.iloc[2].isna().all()


def test_score_literal_values():
    index = pd.date_range("2025-01-01", periods=5, freq="1h", tz="UTC")
    real = pd.DataFrame({"long": [1.0, 2, 3, 4, 5], "short": [5.0, 4, 3, 2, 1]}, index=index)
    pred = pd.DataFrame({"long": [10.0, 20, 30, 40, 50], "short": [1.0, 2, 3, 4, 5]}, index=index)
    s = score(pred, real)
    assert s["long"]["spearman"] == pytest.approx(1.0) and s["short"]["spearman"] == pytest.approx(-1.0)
    # realised dominant side: short, short, tie, long, long; predicted: long in all five
    assert s["dominant_side_match"] == pytest.approx(2 / 5)
    assert [row["decile"] for row in s["long"]["reliability"]] == [1, 3, 5, 7, 9]


def test_dominant_side_counts_a_tie_as_its_own_class():
    index = pd.date_range("2025-01-01", periods=5, freq="1h", tz="UTC")
    # realised: short, short, tie, long, none (not scored); predicted: tie (0/0), short, long, long, long
    real = pd.DataFrame({"long": [1.0, 2, 3, 5, 0], "short": [5.0, 6, 3, 1, 0]}, index=index)
    pred = pd.DataFrame({"long": [0.0, 1, 2, 4, 9], "short": [0.0, 2, 1, 1, 1]}, index=index)
    s = score(pred, real)
    # a predicted tie is not "short" and a realised tie not "short": bars 2 and 4 match
    assert s["dominant_side_match"] == pytest.approx(2 / 4)
    assert s["dominant_side"] == {"bars": 4, "predicted_ties": 1, "realised_ties": 1, "decided_bars": 2,
                                  "match_decided": 1.0}


def test_dominant_side_tie_matches_a_tie():
    index = pd.date_range("2025-01-01", periods=2, freq="1h", tz="UTC")
    real = pd.DataFrame({"long": [4.0, 1], "short": [4.0, 2]}, index=index)
    pred = pd.DataFrame({"long": [7.0, 0], "short": [7.0, 0]}, index=index)
    s = score(pred, real)
    assert s["dominant_side_match"] == pytest.approx(1 / 2)
    assert s["dominant_side"]["decided_bars"] == 0 and np.isnan(s["dominant_side"]["match_decided"])


def test_by_month_with_a_split_keeps_train_and_test_hours_apart():
    index = pd.DatetimeIndex(["2025-01-30 20:00", "2025-01-30 21:00", "2025-01-30 22:00", "2025-01-31 00:00",
                              "2025-01-31 01:00", "2025-01-31 02:00", "2025-02-01 00:00", "2025-02-01 01:00",
                              "2025-02-01 02:00"], tz="UTC")
    real = pd.DataFrame({"long": [1.0, 2, 3, 1, 2, 3, 1, 2, 3], "short": [1.0] * 9}, index=index)
    pred = pd.DataFrame({"long": [1.0, 2, 3, 3, 2, 1, 1, 2, 3], "short": [1.0] * 9}, index=index)
    months = by_month({"p": pred}, real, split=pd.Timestamp("2025-01-31", tz="UTC"))
    assert list(months) == ["2025-01 train", "2025-01 test", "2025-02 test"]
    assert [months[k]["p"]["bars"] for k in months] == [3, 3, 3]
    assert months["2025-01 train"]["p"]["long"]["spearman"] == pytest.approx(1.0)
    assert months["2025-01 test"]["p"]["long"]["spearman"] == pytest.approx(-1.0)
    assert months["2025-02 test"]["p"]["long"]["spearman"] == pytest.approx(1.0)
    # without a split January mixes both parts
    assert list(by_month({"p": pred}, real)) == ["2025-01", "2025-02"]


def test_by_month_scores_each_calendar_month_separately():
    index = pd.DatetimeIndex(["2025-01-30 22:00", "2025-01-31 00:00", "2025-01-31 23:00", "2025-02-01 00:00",
                              "2025-02-01 01:00", "2025-02-02 00:00"], tz="UTC")
    real = pd.DataFrame({"long": [1.0, 2, 3, 1, 2, 3], "short": [1.0, 2, 3, 3, 2, 1]}, index=index)
    pred = pd.DataFrame({"long": [1.0, 2, 3, 3, 2, 1], "short": [1.0, 2, 3, 3, 2, 1]}, index=index)
    months = by_month({"p": pred, "q": pred.iloc[:4]}, real)
    assert list(months) == ["2025-01", "2025-02"]  # a bar belongs to the month of its open
    jan, feb = months["2025-01"], months["2025-02"]
    assert jan["p"]["bars"] == 3 and jan["p"]["long"]["spearman"] == pytest.approx(1.0)
    assert feb["p"]["long"]["spearman"] == pytest.approx(-1.0) and feb["p"]["short"]["spearman"] == pytest.approx(1.0)
    assert set(feb["p"]) == {"bars", "long", "short", "dominant_side_match"}
    assert set(feb["p"]["long"]) == {"spearman", "pearson_log1p"}
    assert feb["q"]["bars"] == 1 and np.isnan(feb["q"]["long"]["spearman"])  # missing predictions are not zeros


def test_naive_baseline_by_hand():
    index = pd.date_range("2025-01-01", periods=2, freq="1h", tz="UTC")
    candles = pd.DataFrame({"open": [100.0, 100], "high": [110.0, 101], "low": [95.0, 90], "close": [100.0, 95]},
                           index=index)
    oi = pd.Series([1000.0], index=index[:1])
    market = Market.from_parts(candles, open_interest=oi)
    base = naive_baseline(market)
    assert base["long"].tolist() == pytest.approx([50.0, 100.0])  # (100-95)/100*1000, (100-90)/100*1000
    assert base["short"].tolist() == pytest.approx([100.0, 10.0])


def _five_minute_market(n_bars, oi, drop=(), **parts):
    index = pd.date_range("2025-01-01", periods=n_bars, freq="5min", tz="UTC")
    candles = pd.DataFrame({"open": 100.0, "high": 101.0, "low": 99.0, "close": 100.0, "volume": 1.0}, index=index)
    candles = candles.drop(index[list(drop)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GapWarning)
        return Market.from_parts(candles, bar_size="5min", open_interest=oi, **parts)


def test_resample_bars_opening_oi_is_never_taken_from_later_in_the_hour():
    t0 = pd.Timestamp("2025-01-01", tz="UTC")
    # OI first known at 00:10 (hour 0's first bar has none); 2000 known at 02:05, but 02:00's bar is missing
    oi = pd.Series([1000.0, 2000.0], index=[t0 + pd.Timedelta("10min"), t0 + pd.Timedelta("125min")])
    market = _five_minute_market(36, oi, drop=[24])
    bars = resample_bars(market, H)
    assert bars["oi_usd"].iloc[1] == 1000.0
    assert np.isnan(bars["oi_usd"].iloc[0])  # not 1000: that became known at 00:10
    assert np.isnan(bars["oi_usd"].iloc[2])  # not 2000: no bar at 02:00 says what was known then
    assert np.isnan(naive_baseline(market, H)["long"].iloc[0])


def test_resample_bars_is_point_in_time():
    t0 = pd.Timestamp("2025-01-01", tz="UTC")
    oi = pd.Series([1000.0, 1500.0, 2000.0], index=t0 + pd.to_timedelta(["10min", "70min", "125min"]))
    market = _five_minute_market(48, oi, drop=[24])
    full = resample_bars(market, H)
    for hour, row in full.iterrows():
        # cut the data right after the hour's first bar: the opening OI must already be the same
        known = resample_bars(market.slice(None, hour + pd.Timedelta("5min")), H)
        assert known["oi_usd"].get(hour, np.nan) == row["oi_usd"] or (
            np.isnan(row["oi_usd"]) and np.isnan(known["oi_usd"].get(hour, np.nan))), hour


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(known_at=st.lists(st.integers(0, 47), min_size=1, max_size=6, unique=True),
       missing=st.lists(st.integers(1, 47), max_size=6, unique=True),
       max_age_bars=st.one_of(st.none(), st.integers(1, 12)))
def test_resample_bars_opening_oi_never_changes_with_later_data(known_at, missing, max_age_bars):
    """Property: an hour's opening OI is fixed once its first 5-minute bar is in (any OI times, gaps, ages)."""
    t0 = pd.Timestamp("2025-01-01", tz="UTC")
    stamps = sorted(t0 + pd.Timedelta(minutes=5 * k) for k in known_at)
    oi = pd.Series(np.arange(1.0, len(stamps) + 1) * 1000.0, index=pd.DatetimeIndex(stamps))
    max_age = None if max_age_bars is None else f"{5 * max_age_bars}min"
    market = _five_minute_market(48, oi, drop=missing, oi_max_age=max_age)
    full = resample_bars(market, H)["oi_usd"]
    for hour in full.index:
        known = resample_bars(market.slice(None, hour + pd.Timedelta("5min")), H)["oi_usd"]
        expected = known.get(hour, np.nan)
        assert (np.isnan(full[hour]) and np.isnan(expected)) or full[hour] == expected, hour


def test_realised_liquidations_drop_interior_gaps_and_count_them():
    hours = pd.date_range("2025-01-01", periods=8, freq="1h", tz="UTC")
    liq = pd.DataFrame({"realised_liq_long_usd": np.arange(8.0), "realised_liq_short_usd": 1.0}, index=hours)
    liq = liq.drop(hours[4])  # a realised hour missing inside the series
    oi = pd.Series([1e6], index=hours[:1])
    # 7 hours of candles (hour 7 is past their end), the 00:35 bar missing in hour 2
    market = _five_minute_market(7 * 12, oi, drop=[2 * 12 + 7], liquidations=liq, liquidations_bar_size="1h")
    real, rbar = realised_liquidations(market)
    assert rbar == H
    assert list(real.index) == [hours[i] for i in (0, 1, 3, 5, 6)]
    assert real["long"].tolist() == [0.0, 1.0, 3.0, 5.0, 6.0]
    assert realised_coverage(market) == {"scored_bars": 5, "dropped": {
        "outside_candles": 1, "missing_realised": 1, "nan_realised": 0, "incomplete_candles": 1}}


def test_realised_liquidations_drop_hours_with_filled_candles_and_unknown_values():
    hours = pd.date_range("2025-01-01", periods=3, freq="1h", tz="UTC")
    liq = pd.DataFrame({"realised_liq_long_usd": [1.0, 2, 3], "realised_liq_short_usd": 1.0}, index=hours)
    market = _five_minute_market(36, pd.Series([1e6], index=hours[:1]), drop=[5], liquidations=liq,
                                 liquidations_bar_size="1h", gaps="fill")
    assert market.bars["is_filled"].sum() == 1
    unknown = market.liquidations.copy()
    unknown.loc[hours[2]] = np.nan
    market = replace(market, liquidations=unknown)  # e.g. built without from_parts' checks
    real, _ = realised_liquidations(market)
    assert list(real.index) == [hours[1]]
    assert realised_coverage(market)["dropped"] == {"outside_candles": 0, "missing_realised": 0, "nan_realised": 1,
                                                    "incomplete_candles": 1}


def test_realised_liquidations_with_no_complete_hour_is_a_clear_error():
    hours = pd.date_range("2025-01-01", periods=3, freq="1h", tz="UTC")
    liq = pd.DataFrame({"realised_liq_long_usd": [1.0, 2, 3], "realised_liq_short_usd": 1.0}, index=hours)
    market = _five_minute_market(36, pd.Series([1e6], index=hours[:1]), drop=[3, 15, 27], liquidations=liq,
                                 liquidations_bar_size="1h")
    with pytest.raises(ConfigError, match=r"^calibration: no realised liquidation bar can be scored \(dropped: "
                                          r"outside_candles 0, missing_realised 0, nan_realised 0, "
                                          r"incomplete_candles 3\)$"):
        realised_liquidations(market)


def test_calibrate_scores_only_complete_hours(synthetic):
    hours = pd.date_range(synthetic.start, periods=len(synthetic) // 12, freq="1h")
    liq = pd.DataFrame({"realised_liq_long_usd": np.linspace(0, 1, len(hours)),
                        "realised_liq_short_usd": 1.0}, index=hours).drop(hours[[30, 31, 200]])
    market = replace(synthetic, liquidations=liq, liquidations_bar_size=H)
    report = calibrate(market, _tiny_config())
    assert report["data"]["realised_bars"] == len(hours) - 3
    assert report["data"]["coverage"]["dropped"]["missing_realised"] == 3
    assert report["split"]["train_bars"] + report["split"]["test_bars"] == len(hours) - 3


@pytest.fixture(scope="module")
def synthetic():
    return generate_market(288 * 20, "5m", seed=3)


def test_predictor_is_point_in_time(synthetic):
    predictor = LiquidationPredictor(heatmap=HeatmapModel(window="3d"))
    full = predictor.predict(synthetic, H)
    cut = synthetic.index[288 * 12]  # an hour boundary
    part = predictor.predict(synthetic.slice(None, cut), H)
    pd.testing.assert_frame_equal(part, full.loc[: cut - H])


def test_background_adds_density_times_excursion(synthetic):
    without = LiquidationPredictor(background_density=0.0, scale_long=1.0, scale_short=1.0).predict(synthetic, H)
    with_bg = LiquidationPredictor(background_density=0.5, scale_long=1.0, scale_short=1.0).predict(synthetic, H)
    base = naive_baseline(synthetic, H).reindex(without.index).fillna(0.0)
    pd.testing.assert_frame_equal(with_bg, without + 0.5 * base)


def _tiny_config():
    return CalibrationConfig(train_fraction=0.5, search=SearchSpace(
        leverage_median=(10.0, 50.0), leverage_sigma=(0.9,), entry_price=("typical",), long_share=("equal",),
        window=("3d",), background_density=(0.0, 0.1)))


@pytest.fixture(scope="module")
def synthetic_report(synthetic):
    return calibrate(synthetic, _tiny_config())


def test_calibrate_on_synthetic_reports_train_and_test(synthetic_report):
    report = synthetic_report
    names = {"fitted", "baseline", "shipped_v1", "engine_only", "fitted_engine_only", "shipped_v2", "fitted_v2"}
    assert report["candidates"] == 4
    assert set(report["scores"]) == {"train", "test"}
    assert set(report["scores"]["test"]) == names
    assert report["split"]["train_bars"] + report["split"]["test_bars"] == report["data"]["realised_bars"]
    # the split falls inside January: its training and held-out hours are two rows
    assert list(report["by_month"]) == ["2025-01 train", "2025-01 test"]
    assert report["split"]["train_bars"] == report["split"]["test_bars"] == 240
    # the synthetic OI is first known after the first hour's open: no baseline there, so no predictor is scored
    assert report["data"]["coverage"] == {"scored_bars": 479, "dropped": {
        "outside_candles": 0, "missing_realised": 0, "nan_realised": 0, "incomplete_candles": 0,
        "no_prediction": 1}}
    for period, bars in (("train", 239), ("test", 240)):
        assert {s["bars"] for s in report["scores"][period].values()} == {bars}
    assert [report["by_month"][k]["fitted"]["bars"] for k in report["by_month"]] == [239, 240]
    assert set(report["by_month"]["2025-01 test"]) == names
    json.dumps(report)  # JSON-ready


def test_calibrate_engine_only_is_the_shipped_engine_without_background(synthetic, synthetic_report):
    real, rbar = realised_liquidations(synthetic)
    test = real[real.index >= pd.Timestamp(synthetic_report["split"]["test"][0])]
    shipped_engine = LiquidationPredictor(background_density=0.0).predict(synthetic, rbar).reindex(test.index)
    assert synthetic_report["scores"]["test"]["engine_only"] == score(shipped_engine, test)
    fitted = LiquidationPredictor(**synthetic_report["fitted"])
    fitted_engine = fitted.model_copy(update={"background_density": 0.0}).predict(synthetic, rbar)
    expected = score(fitted_engine.reindex(test.index), test)
    got = synthetic_report["scores"]["test"]["fitted_engine_only"]
    # the fit's engine comes from the parameter-set runner: equal to reconstruct() up to float summation order
    for side in ("long", "short"):
        for metric in ("spearman", "pearson_log1p"):
            assert got[side][metric] == pytest.approx(expected[side][metric], rel=1e-6)
    assert got["dominant_side"] == expected["dominant_side"]


def test_calibrate_without_realised_liquidations_is_a_clear_error(synthetic):
    bare = Market.from_parts(synthetic.bars[["open", "high", "low", "close"]],
                             open_interest=pd.Series([1e9], index=synthetic.index[:1]))
    with pytest.raises(ConfigError, match="no realised liquidations"):
        calibrate(bare)


@pytest.mark.real_data
def test_shipped_predictor_beats_the_naive_baseline_out_of_sample_on_vendor_data():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GapWarning)
        market = load_vendor_hourly(shared_path("coinglass-btc-1h", "btc_1h_price_oi_funding_liquidations.csv"))
    real = market.liquidations.set_axis(["long", "short"], axis=1)
    split = real.index[int(0.6 * len(real))]  # the shipped fit saw only hours before this
    test = real[real.index >= split]
    shipped = score(LiquidationPredictor().predict(market).reindex(test.index), test)
    baseline = score(naive_baseline(market).reindex(test.index), test)
    for side in ("long", "short"):
        assert shipped[side]["spearman"] > baseline[side]["spearman"]
        assert shipped[side]["pearson_log1p"] > baseline[side]["pearson_log1p"] + 0.05
    assert shipped["dominant_side_match"] > baseline["dominant_side_match"]


@pytest.mark.real_data
def test_cli_calibrate_writes_json(tmp_path, monkeypatch):
    # in this process, as the corpus runs the CLI (tests/corpus.py); `python -m liqbt calibrate` in a fresh
    # interpreter stays covered by tests/test_calibration_walkforward.py
    monkeypatch.chdir(PROJECT_ROOT)
    code, _, err = run_cli(["calibrate", "configs/calibrate_btc_1h_vendor.yaml", "--out", str(tmp_path)])
    assert code == 0, err
    report = json.loads((tmp_path / "calibration.json").read_text())
    assert report["scores"]["test"]["fitted"]["long"]["spearman"] > report["scores"]["test"]["baseline"]["long"]["spearman"]


@pytest.mark.real_data
def test_calibrate_btc_4h_config_splits_before_the_shipped_fit_and_scores_the_shipped_v1():
    shared_path("coinglass-btc-4h")
    loaded = load_config(PROJECT_ROOT / "configs" / "calibrate_btc_4h.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GapWarning)
        market = load_market(loaded)
    # 4h OI (all exchanges) is known at the end of its 4h bar: the 12:00 bar's close from 16:00 on
    raw = pd.read_csv(shared_path("coinglass-btc-4h", "coinglass_oi_4h.csv"))
    oi = market.bars["oi_usd"]
    assert oi.first_valid_index() == pd.Timestamp("2025-10-06 16:00", tz="UTC") == market.start
    assert oi[pd.Timestamp("2025-10-06 19:55", tz="UTC")] == raw["close"].iloc[0]
    assert oi[pd.Timestamp("2025-10-06 20:00", tz="UTC")] == raw["close"].iloc[1]
    small = loaded.config.calibration.model_copy(update={"search": SearchSpace(
        leverage_median=(25.0,), leverage_sigma=(1.3,), entry_price=("range",), long_share=("equal",),
        window=("7d",), background_density=(0.03,))})
    report = calibrate(market, small)
    assert report["data"]["realised_bar_size"] == "4h"
    assert report["split"]["train"] == ["2025-10-06 16:00:00+00:00", "2025-12-04 00:00:00+00:00"]
    assert report["split"]["train_bars"] == 350 and report["split"]["test_bars"] == 466
    for period in ("train", "test"):
        assert report["scores"][period]["shipped_v1"]["bars"] == report["split"][f"{period}_bars"]
    assert list(report["by_month"]) == ["2025-10 train", "2025-11 train", "2025-12 train", "2025-12 test",
                                        "2026-01 test", "2026-02 test"]
    assert report["by_month"]["2025-12 train"]["shipped_v1"]["bars"] == 18  # 12-01 .. 12-03, 4h bars


@pytest.mark.real_data
def test_cli_says_once_that_the_price_left_the_grid(tmp_path, monkeypatch):
    """BTC fell from 125k (the first open) below 75.8k in February: a 1,000-bin grid is left."""
    data = shared_path("binance-um", "futures")
    vendor = shared_path("coinglass-btc-4h")
    config = tmp_path / "narrow_grid.yaml"
    config.write_text(f"""
data:
  start: 2025-10-06T16:00:00
  sources:
    - {{format: freqtrade, path: {data}, pair: "BTC/USDT:USDT", timeframe: 5m, parts: [candles, funding, mark]}}
    - {{format: vendor_4h, path: {vendor}, parts: [open_interest, liquidations]}}
calibration:
  train_end: 2025-12-04T00:00:00
  base: {{n_bins: 1000}}
  search: {{leverage_median: [25.0], leverage_sigma: [1.3], entry_price: [range], long_share: [equal], window: [7d],
           background_density: [0.03, 0.1]}}
""")
    # in this process: main() prints each distinct warning once whatever the interpreter's filters
    monkeypatch.chdir(PROJECT_ROOT)
    code, _, err = run_cli(["calibrate", str(config), "--out", str(tmp_path / "out")])
    assert code == 0, err
    lines = [x for x in err.splitlines() if "left the grid" in x]
    assert len(lines) == 1, err
    assert lines[0].startswith("liqbt: warning: heatmap: the price left the grid [75,802.64, ")
    assert "first at 2026-01-31 18:40:00+00:00" in lines[0] and "raise n_bins" in lines[0]


def test_cli_calibrate_prints_tie_counts_coverage_and_split_months(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("data:\n  sources:\n    - {format: synthetic, bars: 2016, seed: 3}\n"
                      "calibration:\n  train_fraction: 0.5\n  search: {leverage_median: [25.0], leverage_sigma: [1.3],"
                      " entry_price: [range], long_share: [equal], window: [3d], background_density: [0.0]}\n")
    code, out, err = run_cli(["calibrate", str(config), "--out", str(tmp_path / "out")])
    assert code == 0, err
    report = json.loads((tmp_path / "out" / "calibration.json").read_text())
    assert "realised bars scored: 167; dropped: 1 (1 no prediction)" in out  # no OI known at the first open
    assert "ties pred/real" in out and "a tie matches only a tie" in out
    ties = report["scores"]["test"]["engine_only"]["dominant_side"]
    line = next(x for x in out.splitlines() if x.startswith("test   engine_only "))
    assert line.endswith(f"{ties['predicted_ties']}/{ties['realised_ties']}")
    assert [x.split()[0] + " " + x.split()[1] for x in out.splitlines() if x.startswith("2025-01 ")] == [
        "2025-01 train", "2025-01 test"]
