"""Point-in-time liquidation heatmaps reconstructed from open interest and prices.

``reconstruct(market, model, snapshot_every="1h")`` returns a
:class:`HeatmapResult` with per-bar ``features`` and profile ``snapshots``;
``reconstruct_many`` runs a parameter sweep.
"""

from .base import FEATURE_COLUMNS, TOTAL_COLUMNS, HeatmapResult, Profile, Snapshots, reconstruct
from .model import WINDOW_PRESETS, HeatmapModel, LeverageDistribution, LeverageTier
from .sweep import SweepResult, reconstruct_many

__all__ = [
    "reconstruct",
    "reconstruct_many",
    "HeatmapModel",
    "LeverageTier",
    "LeverageDistribution",
    "HeatmapResult",
    "Snapshots",
    "Profile",
    "SweepResult",
    "FEATURE_COLUMNS",
    "TOTAL_COLUMNS",
    "WINDOW_PRESETS",
]
