"""Walk-forward calibration (``calibration.mode: walk_forward``) and the price-only regimes."""

import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from conftest import PROJECT_ROOT, shared_path
from liqbt.calibration import CalibrationConfig, SearchSpace, calibrate
from liqbt.calibration import walkforward
from liqbt.calibration.config import RegimeConfig, WalkForwardCalibration
from liqbt.calibration.regimes import regime_labels
from liqbt.calibration.walkforward import walk_forward_steps
from liqbt.config import load_config
from liqbt.data import Market, generate_market
from liqbt.errors import ConfigError
from liqbt.pipeline import load_market

H = pd.Timedelta("1h")
UTC = "UTC"


def _ts(text):
    return pd.Timestamp(text, tz=UTC)


# ------------------------------------------------------------------ steps
def test_steps_in_months_are_calendar_months_after_min_train():
    index = pd.date_range("2025-01-03 05:00", "2025-04-10 10:00", freq="1h", tz=UTC)
    steps = walk_forward_steps(index, H, WalkForwardCalibration(refit_every="1mo", min_train="1mo"))
    # 01-03 05:00 + 30 days = 02-02 05:00: the first whole month after it starts on 03-01
    assert steps == [(_ts("2025-03-01"), _ts("2025-04-01")), (_ts("2025-04-01"), _ts("2025-04-10 11:00"))]


def test_steps_of_a_fixed_span_start_on_the_bar_grid():
    index = pd.date_range("2025-01-01 00:00", periods=24 * 10, freq="4h", tz=UTC)  # to 2025-02-10
    steps = walk_forward_steps(index, pd.Timedelta("4h"), WalkForwardCalibration(refit_every="10d", min_train="15h"))
    # 15h after the first bar, rounded up to the 4h grid: 16:00
    assert steps[0] == (_ts("2025-01-01 16:00"), _ts("2025-01-11 16:00"))
    assert steps[-1] == (_ts("2025-01-31 16:00"), _ts("2025-02-10 00:00"))  # the last bar opens 02-09 20:00
    assert len(steps) == 4


def test_steps_skip_a_step_without_bars():
    index = pd.date_range("2025-01-01", periods=24 * 40, freq="1h", tz=UTC)
    index = index[(index < _ts("2025-01-16")) | (index >= _ts("2025-01-21"))]
    steps = walk_forward_steps(index, H, WalkForwardCalibration(refit_every="5d", min_train="5d"))
    assert [s for s, _ in steps] == [_ts("2025-01-06"), _ts("2025-01-11"), _ts("2025-01-21"), _ts("2025-01-26"),
                                     _ts("2025-01-31"), _ts("2025-02-05")]


def test_min_train_beyond_the_data_is_a_clear_error():
    index = pd.date_range("2025-01-01", periods=48, freq="1h", tz=UTC)
    with pytest.raises(ConfigError, match=r"min_train \(1mo\) leaves no step to score"):
        walk_forward_steps(index, H, WalkForwardCalibration())


def test_new_fields_are_dumped_only_when_used_and_round_trip():
    # the results store hashes dumped configs: a config without them dumps as before #12
    assert set(CalibrationConfig().model_dump()) == {"train_end", "train_fraction", "objective", "base", "search"}
    config = CalibrationConfig(mode="walk_forward", walk_forward={"refit_every": "2w"}, regimes={"trend_window": "3d"})
    dumped = config.model_dump(mode="json")
    assert dumped["mode"] == "walk_forward" and dumped["walk_forward"]["refit_every"] == "2w"
    assert CalibrationConfig.model_validate(dumped) == config
    assert config.model_copy(update={"regimes": {"trend_window": "5d"}}).regimes.trend_window.delta == pd.Timedelta(days=5)


# ------------------------------------------------------------------ the fit on synthetic data
SEARCH = SearchSpace(leverage_median=(10.0, 50.0), leverage_sigma=(0.9,), entry_price=("typical",),
                     long_share=("equal",), window=("3d",), background_density=(0.0, 0.1))
WF = CalibrationConfig(mode="walk_forward", walk_forward={"refit_every": "4d", "min_train": "5d"}, search=SEARCH,
                       regimes={"trend_window": "2d", "cascade_lookback": "5d", "cascade_min_history": "2d"})


@pytest.fixture(scope="module")
def synthetic():
    return generate_market(288 * 20, "5m", seed=3)


@pytest.fixture(scope="module")
def report(synthetic):
    return calibrate(synthetic, WF)


def _without_scores(step):
    return {k: v for k, v in step.items() if k != "scores"}


def test_walk_forward_report_layout(report):
    assert report["mode"] == "walk_forward"
    assert [s["period"][0][:10] for s in report["steps"]] == ["2025-01-06", "2025-01-10", "2025-01-14", "2025-01-18"]
    assert [s["train_bars"] for s in report["steps"]] == [120, 216, 312, 408]  # expanding: every earlier hour
    assert sum(s["bars"] for s in report["steps"]) == report["out_of_sample_bars"] == 360
    assert report["data"]["coverage"]["dropped"]["before_first_step"] == 120
    pooled = report["scores"]["out_of_sample"]
    assert set(pooled) == {"fitted", "baseline", "shipped_v1", "engine_only", "fitted_engine_only", "shipped_v2"}
    assert {s["bars"] for s in pooled.values()} == {360}
    assert sum(report["regime_bars"]["out_of_sample"].values()) == 360
    assert sum(row["baseline"]["bars"] for row in report["by_regime"]["out_of_sample"].values()) == 360
    assert list(report["by_month"]) == ["2025-01"]
    json.dumps(report)


def test_each_step_fits_only_on_bars_closed_before_its_start(synthetic, monkeypatch):
    seen = []
    rank = walkforward.rank_candidates

    def spy(engines, excursion, densities, train_real):
        seen.append(train_real.index)
        return rank(engines, excursion, densities, train_real)

    monkeypatch.setattr(walkforward, "rank_candidates", spy)
    report = calibrate(synthetic, WF)
    assert len(seen) == len(report["steps"])
    for index, step in zip(seen, report["steps"]):
        assert index[-1] + H <= pd.Timestamp(step["period"][0])
        assert pd.Timestamp(step["train"][1]) <= pd.Timestamp(step["period"][0])


def test_a_step_fit_ignores_every_realised_bar_from_its_start_on(synthetic, report):
    start = pd.Timestamp(report["steps"][2]["period"][0])
    liq = synthetic.liquidations.copy()
    later = liq.index >= start
    liq.loc[later] = np.random.default_rng(0).permutation(liq.loc[later].to_numpy())  # scramble the future
    scrambled = calibrate(replace(synthetic, liquidations=liq), WF)
    for k in range(3):
        assert _without_scores(scrambled["steps"][k]) == _without_scores(report["steps"][k])
    for k in range(2):
        assert scrambled["steps"][k]["scores"] == report["steps"][k]["scores"]


@pytest.mark.parametrize("cut_day", [14, 17])
def test_walk_forward_is_point_in_time(synthetic, report, cut_day):
    """Cut the market at t: every step ending by t is the same (chosen, trained on and scored)."""
    cut = _ts(f"2025-01-{cut_day:02d} 07:00")
    part = calibrate(synthetic.slice(None, cut), WF)
    done = [s for s in report["steps"] if pd.Timestamp(s["period"][1]) <= cut]
    assert done
    assert part["steps"][:len(done)] == done
    # and the step holding the cut was fitted on the same bars as in the full run
    holding = report["steps"][len(done)]
    assert _without_scores(part["steps"][len(done)]) == {**_without_scores(holding),
                                                         "period": [holding["period"][0], str(cut)],
                                                         "bars": part["steps"][len(done)]["bars"]}


def test_split_mode_reports_regimes_per_period(synthetic):
    config = CalibrationConfig(train_fraction=0.5, search=SEARCH, regimes=WF.regimes)
    out = calibrate(synthetic, config)
    assert out["mode"] == "split"
    assert set(out["by_regime"]) == {"train", "test"}
    for period in ("train", "test"):
        assert sum(out["regime_bars"][period].values()) == out["scores"][period]["baseline"]["bars"]


# ------------------------------------------------------------------ regimes
def _hourly(close, high=None, low=None):
    index = pd.date_range("2025-03-01", periods=len(close), freq="1h", tz=UTC)
    close = np.asarray(close, float)
    bars = pd.DataFrame({"open": close, "high": close if high is None else high,
                         "low": close if low is None else low, "close": close}, index=index)
    return Market.from_parts(bars, open_interest=pd.Series(1e9, index=index))


def test_trend_labels_from_the_close_known_at_the_bar_open():
    market = _hourly([100, 100, 100, 100, 110, 121, 121, 100, 100, 100])
    labels = regime_labels(market, market.index, H, RegimeConfig(trend_window="3h", trend_threshold=0.05,
                                                                 cascade_min_history="1h"))
    # bar T compares the close of the bar ending at T with the one ending at T - 3h; the first 4 bars lack one
    assert labels.tolist() == ["unlabelled"] * 4 + ["range", "trend_up", "trend_up", "trend_up", "trend_down",
                                                    "trend_down"]


def test_cascade_is_a_bar_range_beyond_the_trailing_quantile():
    close = np.full(12, 100.0)
    high, low = close + 1.0, close - 1.0
    high[9] = 110.0  # range 11 % against 2 % before
    high[11] = 103.0  # 4 %: above the earlier 2 % ones but below the quantile once bar 9 is in the window
    market = _hourly(close, high, low)
    config = RegimeConfig(trend_window="1h", cascade_quantile=0.9, cascade_lookback="6h", cascade_min_history="3h")
    labels = regime_labels(market, market.index, H, config)
    assert labels.iloc[9] == "cascade"
    assert labels.iloc[11] == "range"
    assert (labels.drop(labels.index[[9]]) != "cascade").all()


def test_regimes_are_point_in_time(synthetic):
    config = WF.regimes
    full = regime_labels(synthetic, synthetic.index[::12], H, config)
    for cut in (synthetic.index[288 * 7], synthetic.index[288 * 13 + 12 * 5]):
        part = synthetic.slice(None, cut)
        labels = regime_labels(part, part.index[::12], H, config)
        pd.testing.assert_series_equal(labels, full[full.index < cut])


# ------------------------------------------------------------------ the CLI
def _hourly_csv(hours: int) -> str:
    rows = ["timestamp,price_open,price_high,price_low,price_close,oi_close,funding_close,"
            "liquidation_long_usd,liquidation_short_usd"]
    first_ms = 1_764_806_400_000  # 2025-12-04 00:00 UTC
    for i in range(hours):
        price = 100 + (i * 7) % 11
        rows.append(f"{first_ms + i * 3_600_000},{price},{price + 1 + i % 3},{price - 2},{price + 1},"
                    f"{1e9 + i * 1e6},0.01,{1000 * (i % 7)},{500 * (i % 5)}")
    return "\n".join(rows) + "\n"


def test_cli_walk_forward_prints_steps_pooled_scores_months_and_regimes(tmp_path):
    (tmp_path / "h.csv").write_text(_hourly_csv(24 * 6))
    (tmp_path / "c.yaml").write_text(
        "data:\n  sources:\n    - {format: vendor_hourly, path: h.csv}\n"
        "calibration:\n  mode: walk_forward\n  walk_forward: {refit_every: 1d, min_train: 2d}\n"
        "  regimes: {trend_window: 1d, cascade_lookback: 2d, cascade_min_history: 1d}\n"
        "  search: {leverage_median: [25.0], leverage_sigma: [1.3], entry_price: [range], long_share: [equal],"
        " window: [1d], background_density: [0.03, 0.1]}\n")
    proc = subprocess.run([sys.executable, "-m", "liqbt", "calibrate", str(tmp_path / "c.yaml"), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "4 steps" in out and "2 candidates" in out
    assert "2025-12-06 00:00..12-07 00:00" in out
    assert "out_of_sample" in out and "Spearman by regime" in out and "2025-12" in out
    report = json.loads((tmp_path / "out" / "calibration.json").read_text())
    assert report["mode"] == "walk_forward" and len(report["steps"]) == 4


# ------------------------------------------------------------------ the example config on real data
@pytest.mark.real_data
@pytest.mark.filterwarnings("ignore::liqbt.errors.GapWarning")
def test_walkforward_example_config_on_real_data():
    """configs/calibrate_btc_1h_walkforward.yaml: 5 two-week steps over the hourly data, each fitted before it."""
    shared_path("coinglass-btc-1h")
    loaded = load_config(PROJECT_ROOT / "configs" / "calibrate_btc_1h_walkforward.yaml")
    report = calibrate(load_market(loaded), loaded.config.calibration)
    assert [s["period"][0] for s in report["steps"]] == [
        "2025-12-25 06:00:00+00:00", "2026-01-08 06:00:00+00:00", "2026-01-22 06:00:00+00:00",
        "2026-02-05 06:00:00+00:00", "2026-02-19 06:00:00+00:00"]
    assert [s["train_bars"] for s in report["steps"]] == [504, 839, 1174, 1510, 1845]  # 3 vendor hours missing
    assert report["out_of_sample_bars"] == 1352 and report["candidates"] == 12
    for step in report["steps"]:
        assert step["train"][1] <= step["period"][0]
    pooled = report["scores"]["out_of_sample"]
    for side in ("long", "short"):
        assert pooled["fitted"][side]["spearman"] > pooled["baseline"][side]["spearman"]
    assert set(report["by_regime"]["out_of_sample"]) == {"trend_up", "trend_down", "range", "cascade"}
