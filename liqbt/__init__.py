"""liqbt: research and backtest strategies on point-in-time liquidation heatmaps."""

from ._version import __version__
from .data import DataBundle, Market, MultiVenueMarket
from .errors import ConfigError, DataError, DownloadError, LiqbtError

__all__ = [
    "__version__",
    "Market",
    "MultiVenueMarket",
    "DataBundle",
    "LiqbtError",
    "DataError",
    "ConfigError",
    "DownloadError",
]
