"""Point-in-time liquidation heatmaps reconstructed from open interest and prices.

``reconstruct(market, model, snapshot_every="1h")`` returns a
:class:`HeatmapResult` with per-bar ``features`` and profile ``snapshots``;
``reconstruct_many`` runs a parameter sweep and ``reconstruct_named`` several
named models (a 30-day context and a 24-hour execution heatmap) in one pass.
"""

from ..lazy import lazy_exports

# each name loads its module on first use (liqbt.lazy): reading one config model loads no engine
__getattr__, __dir__ = lazy_exports(__name__, {
    "base": ("FEATURE_COLUMNS", "TOTAL_COLUMNS", "HeatmapResult", "Profile", "Snapshots", "reconstruct"),
    "model": ("WINDOW_PRESETS", "HeatmapModel", "LeverageDistribution", "LeverageRange", "LeverageTier"),
    "sweep": ("SweepResult", "reconstruct_many", "reconstruct_named"),
})

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
