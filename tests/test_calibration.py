"""Calibration: metrics, the naive baseline, the predictor (point in time) and the fit."""

import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import PROJECT_ROOT, shared_path
from liqbt.calibration import CalibrationConfig, LiquidationPredictor, SearchSpace, calibrate, naive_baseline, score
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
    # realised dominant side: short, short, tie(->short), long, long; predicted: long in all five
    assert s["dominant_side_match"] == pytest.approx(2 / 5)
    assert [row["decile"] for row in s["long"]["reliability"]] == [1, 3, 5, 7, 9]


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


def test_calibrate_on_synthetic_reports_train_and_test(synthetic):
    config = CalibrationConfig(train_fraction=0.5, search=SearchSpace(
        leverage_median=(10.0, 50.0), leverage_sigma=(0.9,), entry_price=("typical",), long_share=("equal",),
        window=("3d",), background_density=(0.0, 0.1)))
    report = calibrate(synthetic, config)
    assert report["candidates"] == 4
    assert set(report["scores"]) == {"train", "test"}
    assert set(report["scores"]["test"]) == {"fitted", "baseline", "shipped_default", "engine_only"}
    assert report["split"]["train_bars"] + report["split"]["test_bars"] == report["data"]["realised_bars"]
    assert list(report["by_month"]) == ["2025-01"]
    assert set(report["by_month"]["2025-01"]) == {"fitted", "baseline", "shipped_default", "engine_only"}
    json.dumps(report)  # JSON-ready


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
def test_cli_calibrate_writes_json(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "liqbt", "calibrate", "configs/calibrate_btc_1h_vendor.yaml",
                           "--out", str(tmp_path)], capture_output=True, text=True,
                          cwd=PROJECT_ROOT)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "calibration.json").read_text())
    assert report["scores"]["test"]["fitted"]["long"]["spearman"] > report["scores"]["test"]["baseline"]["long"]["spearman"]


@pytest.mark.real_data
def test_calibrate_btc_4h_config_splits_before_the_shipped_fit_and_scores_the_shipped_default():
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
        assert report["scores"][period]["shipped_default"]["bars"] == report["split"][f"{period}_bars"]
    assert list(report["by_month"]) == ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02"]


@pytest.mark.real_data
def test_cli_says_once_that_the_price_left_the_grid(tmp_path):
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
    proc = subprocess.run([sys.executable, "-m", "liqbt", "calibrate", str(config), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert proc.returncode == 0, proc.stderr
    lines = [x for x in proc.stderr.splitlines() if "left the grid" in x]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("liqbt: warning: heatmap: the price left the grid [75,802.64, ")
    assert "first at 2026-01-31 18:40:00+00:00" in lines[0] and "raise n_bins" in lines[0]
