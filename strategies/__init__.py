"""Shipped strategies: read them, copy them. Importing this package registers them by name."""

from .baselines import BuyAndHold, compare_to_baselines
from .imbalance import ImbalanceBias
from .magnet import MagnetZone, MagnetZoneTwoWindow
from .sr_confluence import SRConfluence
from .stop_hunt import StopHunt

__all__ = [
           "BuyAndHold",
           "ImbalanceBias",
           "MagnetZone",
           "MagnetZoneTwoWindow",
           "SRConfluence",
           "StopHunt",
           "compare_to_baselines",
]
