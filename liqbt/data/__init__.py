"""Market data: the container, loaders, point-in-time alignment and validation."""

from .bundle import DataBundle
from .market import Market, MultiVenueMarket

__all__ = ["DataBundle", "Market", "MultiVenueMarket"]
