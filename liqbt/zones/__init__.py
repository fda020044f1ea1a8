"""Point-in-time zones read off a liquidation heatmap and the price: clusters, magnets, S/R, confluence.

Every function returns rows known at each bar's close. Kernels are in
:mod:`liqbt.zones.nb`.
"""

from ..lazy import lazy_exports

# each name loads its module on first use (liqbt.lazy): reading one config model loads no engine
__getattr__, __dir__ = lazy_exports(__name__, {
    "clusters": (
        "LEVEL_SOURCES", "ZoneSets", "cleared_events", "cluster_sets", "local_imbalance", "placebo_series",
        "placebo_sets", "snapshot_rows", "sr_sets", "zone_table", "zones",
    ),
    "confluence": ("confluence_score",),
    "depth": ("DEPTH_COLUMNS", "DEPTH_CONFLUENCE_COLUMNS", "DEPTH_SOURCE", "depth_confluence", "depth_frame",
              "depth_ratio"),
    "enums": ("ZONE_COLUMNS",),
    "levels": ("level_table", "moving_averages", "swing_levels", "swing_pivots", "volume_nodes"),
})

__all__ = [
                       "DEPTH_COLUMNS",
                       "DEPTH_CONFLUENCE_COLUMNS",
                       "DEPTH_SOURCE",
                       "LEVEL_SOURCES",
                       "ZONE_COLUMNS",
                       "ZoneSets",
                       "cleared_events",
                       "cluster_sets",
                       "confluence_score",
                       "depth_confluence",
                       "depth_frame",
                       "depth_ratio",
                       "level_table",
                       "local_imbalance",
                       "moving_averages",
                       "placebo_series",
                       "placebo_sets",
                       "snapshot_rows",
                       "sr_sets",
                       "swing_levels",
                       "swing_pivots",
                       "volume_nodes",
                       "zone_table",
                       "zones",
]
