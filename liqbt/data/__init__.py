"""Market data: the container, loaders, point-in-time alignment and validation."""

from ..lazy import lazy_exports

# each name loads its module on first use (liqbt.lazy): reading one config model loads no engine
__getattr__, __dir__ = lazy_exports(__name__, {
    "align": ("align_known", "events_on_bars"),
    "bundle": ("DataBundle",),
    "config": ("DataConfig", "load_data"),
    "freqtrade": ("load_freqtrade", "read_freqtrade"),
    "market": ("Market", "MultiVenueMarket"),
    "multivenue": ("load_multivenue", "read_multivenue"),
    "synthetic": ("SyntheticParams", "generate_bundle", "generate_market"),
    "vendor": ("load_vendor_hourly", "read_vendor_4h", "read_vendor_hourly"),
})

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
