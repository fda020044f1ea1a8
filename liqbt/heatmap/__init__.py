"""Point-in-time liquidation heatmaps reconstructed from open interest and prices.

``reconstruct(market, model, snapshot_every="1h")`` returns a
:class:`HeatmapResult` with per-bar ``features`` and profile ``snapshots``;
``reconstruct_many`` runs a parameter sweep and ``reconstruct_named`` several
named models (a 30-day context and a 24-hour execution heatmap) in one pass.

The layer, bottom up: ``enums`` (codes, array bundles) < ``nb`` (kernels) <
``model`` (the options) < ``grid`` / ``inputs`` (arrays for the kernels) <
``result`` (:class:`HeatmapResult`, wrapping) < ``venues`` (several venues
combined) < ``single`` (:func:`reconstruct`) < ``batch`` (many models at once).
"""

from .batch import BatchResult, reconstruct_many, reconstruct_named
from .model import WINDOW_PRESETS, HeatmapModel, LeverageDistribution, LeverageRange, LeverageTier
from .result import FEATURE_COLUMNS, TOTAL_COLUMNS, HeatmapResult, Profile, Snapshots
from .single import reconstruct

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
    "BatchResult",
    "FEATURE_COLUMNS",
    "TOTAL_COLUMNS",
    "WINDOW_PRESETS",
]


def __getattr__(name: str):
    # ``SweepResult`` was the batch result's name until issue #13; still importable, with a warning
    if name == "SweepResult":
        import warnings
        warnings.warn("liqbt.heatmap.SweepResult is now BatchResult", DeprecationWarning, stacklevel=2)
        return BatchResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
