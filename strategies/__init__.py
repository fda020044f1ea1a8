"""Shipped example strategies (installed as ``liqbt_strategies``): read them, copy them.

They register by name through the ``liqbt.strategies`` entry points in
``pyproject.toml``, exactly as a third-party package's strategies would; the
library itself never imports this package. Baselines (placebo, plain S/R,
buy-and-hold) live in :mod:`liqbt.evaluation`.
"""

from .imbalance import ImbalanceBias
from .magnet import MagnetZone, MagnetZoneDepth, MagnetZoneTwoWindow
from .sr_confluence import SRConfluence
from .stop_hunt import StopHunt

__all__ = [
           "ImbalanceBias",
           "MagnetZone",
           "MagnetZoneDepth",
           "MagnetZoneTwoWindow",
           "SRConfluence",
           "StopHunt",
]
