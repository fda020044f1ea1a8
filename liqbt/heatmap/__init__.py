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

from ..lazy import lazy_exports

# each name loads its module on first use (liqbt.lazy): reading one config model loads no engine
_lazy_getattr, __dir__ = lazy_exports(__name__, {
    "single": ("reconstruct",),
    "result": ("FEATURE_COLUMNS", "TOTAL_COLUMNS", "HeatmapResult", "Profile", "Snapshots"),
    "model": ("WINDOW_PRESETS", "HeatmapModel", "LeverageDistribution", "LeverageRange", "LeverageTier"),
    "batch": ("BatchResult", "reconstruct_many", "reconstruct_named"),
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
        return _lazy_getattr("BatchResult")
    return _lazy_getattr(name)
