"""Pictures of heatmaps and results: PNG (matplotlib) and self-contained HTML."""

from .heatmap_view import HeatmapView, view_from_result

__all__ = ["HeatmapView", "view_from_result"]
