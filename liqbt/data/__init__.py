"""Market data: the container, loaders, point-in-time alignment and validation."""

from .align import align_known, events_on_bars
from .bundle import DataBundle
from .config import DataConfig, load_data
from .freqtrade import load_freqtrade, read_freqtrade
from .market import Market, MultiVenueMarket
from .multivenue import load_multivenue, read_multivenue
from .synthetic import SyntheticParams, generate_bundle, generate_market
from .vendor import load_vendor_hourly, read_vendor_4h, read_vendor_hourly

__all__ = [
    "Market",
    "MultiVenueMarket",
    "DataBundle",
    "DataConfig",
    "load_data",
    "align_known",
    "events_on_bars",
    "load_freqtrade",
    "read_freqtrade",
    "load_vendor_hourly",
    "read_vendor_hourly",
    "read_vendor_4h",
    "load_multivenue",
    "read_multivenue",
    "generate_market",
    "generate_bundle",
    "SyntheticParams",
]
