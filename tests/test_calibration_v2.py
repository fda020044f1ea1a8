"""Predictor v2 (liqbt.calibration.learned): features by hand, point in time, the fit, the shipped coefficients."""

import importlib.util
import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import PROJECT_ROOT
from liqbt.calibration import LiquidationPredictor, LiquidationPredictorV2, predictor_by_name
from liqbt.calibration.learned import FEATURES, SideCoefficients, fit_side, side_features
from liqbt.data import Market, generate_market
from liqbt.errors import ConfigError, DataError
from liqbt.heatmap import HeatmapModel

H = pd.Timedelta("1h")


def _two_hours():
    """24 flat 5m candles (100 / 101 / 99 / 100); hour 0 dips to 96 in its 4th candle and closes at 98."""
    index = pd.date_range("2025-01-01", periods=24, freq="5min", tz="UTC")
    candles = pd.DataFrame({"open": 100.0, "high": 101.0, "low": 99.0, "close": 100.0, "volume": 1.0}, index=index)
    candles.loc[index[3], "low"] = 96.0
    candles.loc[index[11], ["low", "close"]] = 98.0
    oi = pd.Series([1000.0, 2000.0], index=index[[0, 12]])  # 1000 known at 00:00, 2000 at 01:00
    engine = pd.DataFrame({"long": [5.0], "short": [0.0]}, index=index[:1])  # no engine row for hour 1: 0
    return Market.from_parts(candles, bar_size="5min", open_interest=oi), engine


def test_side_features_by_hand():
    market, engine = _two_hours()
    features = side_features(market, engine, H)
    assert list(features["long"].columns) == list(FEATURES)
    # hour 0, longs: baseline (100-96)/100*1000 = 40; path: 10 candles of 0.01, one 0.04, one 0.02 -> 0.16*1000
    assert features["long"].iloc[0].tolist() == pytest.approx([np.log1p(5.0), np.log1p(40.0), np.log1p(160.0), 2.0])
    # hour 0, shorts: baseline (101-100)/100*1000 = 10; path 12 * 0.01 * 1000 = 120; closed 2 % in their favour
    assert features["short"].iloc[0].tolist() == pytest.approx([0.0, np.log1p(10.0), np.log1p(120.0), -2.0])
    # hour 1: OI 2000 known at its open; flat candles: baseline 0.01*2000, path 12*0.01*2000
    for side in ("long", "short"):
        assert features[side].iloc[1].tolist() == pytest.approx([0.0, np.log1p(20.0), np.log1p(240.0), 0.0])


def test_predict_is_expm1_of_the_linear_model_clipped_at_zero():
    market, engine = _two_hours()
    coef = SideCoefficients(intercept=-1.0, engine=0.5, baseline=0.0, path=1.0, adverse_close_pct=0.25)
    negative = SideCoefficients(intercept=-100.0, engine=0.0, baseline=0.0, path=0.0, adverse_close_pct=0.0)
    pred = LiquidationPredictorV2(long=coef, short=negative).predict(market, H, engine=engine)
    assert pred["long"].tolist() == pytest.approx([
        np.expm1(-1.0 + 0.5 * np.log1p(5.0) + np.log1p(160.0) + 0.5), np.expm1(-1.0 + np.log1p(240.0))])
    assert pred["short"].tolist() == [0.0, 0.0]


def test_prediction_is_nan_where_no_open_interest_is_known():
    market, engine = _two_hours()
    late = Market.from_parts(market.bars[["open", "high", "low", "close", "volume"]], bar_size="5min",
                             open_interest=pd.Series([2000.0], index=market.index[12:13]))
    pred = LiquidationPredictorV2().predict(late, H, engine=engine)
    assert pred.iloc[0].isna().all() and pred.iloc[1].notna().all()


def test_v2_predictions_are_point_in_time():
    """Cut at an hour boundary, the data after it change no earlier prediction (engine, path, OI, close)."""
    market = generate_market(288 * 15, "5m", seed=11)
    predictor = LiquidationPredictorV2(heatmap=HeatmapModel(window="3d"))
    full = predictor.predict(market, H)
    for hours in (24 * 4 + 5, 24 * 9 + 13):
        cut = market.index[12 * hours]
        pd.testing.assert_frame_equal(predictor.predict(market.slice(None, cut), H), full.loc[: cut - H])


def test_fit_side_recovers_an_exact_log_linear_relation():
    rng = np.random.default_rng(0)
    features = pd.DataFrame(rng.normal(size=(50, len(FEATURES))), columns=list(FEATURES))
    truth = SideCoefficients(intercept=10.0, engine=0.3, baseline=-0.2, path=1.5, adverse_close_pct=0.1)
    realised = np.expm1(truth.linear(features))
    features.iloc[3, 1] = np.nan  # rows with an unknown feature are left out, not filled
    fitted = fit_side(features, realised)
    for name, value in truth.model_dump().items():
        assert getattr(fitted, name) == pytest.approx(value, abs=1e-9)


def test_fit_side_with_too_few_known_bars_is_a_clear_error():
    features = pd.DataFrame(np.ones((9, len(FEATURES))), columns=list(FEATURES))
    with pytest.raises(DataError, match="9 bars with every feature and the realised value known; need at least 10"):
        fit_side(features, pd.Series(1.0, index=features.index))


def test_predictors_by_name():
    assert isinstance(predictor_by_name("v1"), LiquidationPredictor)
    assert predictor_by_name("v2") == LiquidationPredictorV2()
    with pytest.raises(ConfigError, match=r"^predictor: expected one of v1, v2, found 'v3'$"):
        predictor_by_name("v3")
    with pytest.raises(ConfigError, match=r"found 'v22'; did you mean 'v2'\?"):
        predictor_by_name("v22")


def _fit_script():
    spec = importlib.util.spec_from_file_location("fit_predictor_v2", PROJECT_ROOT / "scripts" / "fit_predictor_v2.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def hourly_inputs():
    script = _fit_script()
    return script, *script.load_inputs()


@pytest.mark.real_data
def test_fit_script_reproduces_the_shipped_coefficients(hourly_inputs):
    script, real, features, _ = hourly_inputs
    assert len(real) == 1855 and real.index[-1] < pd.Timestamp("2026-02-20", tz="UTC")
    fitted, shipped = script.shipped_fit(real, features), LiquidationPredictorV2()
    for side in ("long", "short"):
        for name, value in getattr(shipped, side).model_dump().items():
            assert getattr(getattr(fitted, side), name) == pytest.approx(value, rel=1e-9), (side, name)


@pytest.mark.real_data
def test_v2_walk_forward_beats_v1_and_the_baseline_in_every_month(hourly_inputs):
    script, real, features, others = hourly_inputs
    v2 = script.walk_forward(real, features, script.MONTHLY)
    for month in ("2026-01", "2026-02"):
        sel = v2.index.strftime("%Y-%m") == month
        for side in ("long", "short"):
            ours = script.spearman(v2[side][sel], real[side])
            for name in ("v1", "baseline"):
                assert ours > script.spearman(others[name][side].reindex(v2.index)[sel], real[side]) + 0.01


def test_calibrate_fits_v2_on_the_training_bars_only():
    """Realised values of held-out hours changed: fitted_v2's coefficients stay, its held-out scores move."""
    from dataclasses import replace

    from liqbt.calibration import CalibrationConfig, SearchSpace, calibrate

    market = generate_market(288 * 10, "5m", seed=5)
    config = CalibrationConfig(train_fraction=0.5, search=SearchSpace(
        leverage_median=(25.0,), leverage_sigma=(1.3,), entry_price=("range",), long_share=("equal",),
        window=("3d",), background_density=(0.03,)))
    report = calibrate(market, config)
    split = pd.Timestamp(report["split"]["test"][0])
    liq = market.liquidations.copy()
    liq.loc[liq.index >= split] = liq.loc[liq.index >= split].to_numpy()[::-1]  # scramble the held-out hours
    changed = calibrate(replace(market, liquidations=liq), config)
    assert changed["fitted_v2"] == report["fitted_v2"]
    held_out = [r["scores"]["test"]["fitted_v2"]["long"]["spearman"] for r in (report, changed)]
    assert held_out[0] != held_out[1]
    assert changed["scores"]["train"]["fitted_v2"] == report["scores"]["train"]["fitted_v2"]


def test_v2_on_candles_as_coarse_as_its_bars_warns_that_its_path_feature_is_void():
    import warnings as _warnings

    from liqbt.data import generate_market
    from liqbt.errors import CandleResolutionWarning

    market = generate_market(400, "1h", seed=2)
    with pytest.warns(CandleResolutionWarning, match="finer candles"):
        LiquidationPredictorV2().predict(market, "1h")
    with _warnings.catch_warnings():
        _warnings.simplefilter("error", CandleResolutionWarning)
        LiquidationPredictorV2().predict(generate_market(2400, "5m", seed=2), "1h")
