"""Calibration of predicted against realised liquidations (the thing no vendor publishes)."""

from ..lazy import lazy_exports

# each name loads its module on first use (liqbt.lazy): reading one config model loads no engine
__getattr__, __dir__ = lazy_exports(__name__, {
    "baseline": ("naive_baseline",),
    "config": ("CalibrationConfig", "SearchSpace", "WalkForwardCalibration", "RegimeConfig"),
    "fit": ("calibrate", "realised_liquidations"),
    "learned": ("LiquidationPredictorV2", "predictor_by_name"),
    "metrics": ("score",),
    "predictor": ("LiquidationPredictor",),
    "regimes": ("regime_labels",),
})

__all__ = ["calibrate", "CalibrationConfig", "SearchSpace", "LiquidationPredictor", "LiquidationPredictorV2",
           "predictor_by_name", "naive_baseline", "score", "realised_liquidations", "WalkForwardCalibration",
           "RegimeConfig", "regime_labels"]
