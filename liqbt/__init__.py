"""liqbt: research and backtest strategies on point-in-time liquidation heatmaps.

The names a user needs; the heavier ones (engine, backtests) load on first use
so that ``liqbt --help`` stays quick.
"""

from ._version import __version__
from .data import DataBundle, Market, MultiVenueMarket, generate_market, load_data
from .errors import ConfigError, DataError, DownloadError, LiqbtError

_LAZY = {
    "HeatmapModel": "liqbt.heatmap",
    "reconstruct": "liqbt.heatmap",
    "reconstruct_named": "liqbt.heatmap",
    "LiquidationPredictor": "liqbt.calibration",
    "calibrate": "liqbt.calibration",
    "BacktestConfig": "liqbt.backtest",
    "Signals": "liqbt.backtest",
    "run_backtest": "liqbt.backtest",
    "Strategy": "liqbt.strategy",
    "Param": "liqbt.strategy",
    "register_strategy": "liqbt.strategy",
    "get_strategy": "liqbt.strategy",
    "load_config": "liqbt.config",
}

__all__ = [
    "__version__",
    "Market",
    "MultiVenueMarket",
    "DataBundle",
    "load_data",
    "generate_market",
    "LiqbtError",
    "DataError",
    "ConfigError",
    "DownloadError",
    *_LAZY,
]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'liqbt' has no attribute {name!r}")
