"""Point-in-time liquidation heatmaps reconstructed from open interest and prices.

``reconstruct(market, model, snapshot_every="1h")`` returns a
:class:`HeatmapResult` with per-bar ``features`` and profile ``snapshots``;
``reconstruct_many`` runs a parameter sweep and ``reconstruct_named`` several
named models (a 30-day context and a 24-hour execution heatmap) in one pass.
"""

from .base import FEATURE_COLUMNS, TOTAL_COLUMNS, HeatmapResult, Profile, Snapshots, reconstruct
from .model import WINDOW_PRESETS, HeatmapModel, LeverageDistribution, LeverageRange, LeverageTier
from .sweep import SweepResult, reconstruct_many, reconstruct_named

__all__ = [
    "reconstruct",
    "reconstruct_many",
    "reconstruct_named",
    "HeatmapModel",
    "LeverageTier",
    "LeverageDistribution",
    "LeverageRange",
    "HeatmapResult",
    "Snapshots",
    "Profile",
    "SweepResult",
    "FEATURE_COLUMNS",
    "TOTAL_COLUMNS",
    "WINDOW_PRESETS",
]
