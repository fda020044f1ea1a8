"""Point-in-time zones read off a liquidation heatmap and the price: clusters, magnets, S/R, confluence.

Every function returns rows known at each bar's close. Kernels are in
:mod:`liqbt.zones.nb`.
"""

from .clusters import (
                       LEVEL_SOURCES,
                       ZoneSets,
                       cleared_events,
                       cluster_sets,
                       local_imbalance,
                       placebo_series,
                       placebo_sets,
                       snapshot_rows,
                       sr_sets,
                       zone_table,
                       zones,
)
from .confluence import confluence_score
from .enums import ZONE_COLUMNS
from .levels import (
                       level_table,
                       moving_averages,
                       swing_levels,
                       swing_pivots,
                       volume_nodes,
)

__all__ = [
                       "LEVEL_SOURCES",
                       "ZONE_COLUMNS",
                       "ZoneSets",
                       "cleared_events",
                       "cluster_sets",
                       "confluence_score",
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
