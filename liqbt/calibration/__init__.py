"""Calibration of predicted against realised liquidations (the thing no vendor publishes)."""

from .baseline import naive_baseline
from .config import CalibrationConfig, SearchSpace
from .fit import calibrate, realised_liquidations
from .metrics import score
from .predictor import LiquidationPredictor

__all__ = ["calibrate", "CalibrationConfig", "SearchSpace", "LiquidationPredictor", "naive_baseline", "score",
           "realised_liquidations"]
