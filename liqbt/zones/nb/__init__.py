"""Numba kernels of :mod:`liqbt.zones`: arrays in, arrays out, no pandas.

Timing convention: row ``t`` of every output is what is known at bar ``t``'s
close. A swing pivot at bar ``p`` is confirmed ``right`` bars later and
appears on row ``p + right``; rolling windows end at the current bar.

:mod:`.levels` derives levels from bars; :mod:`.clusters` turns heatmap
clusters and levels into per-bar zones (its docstring gives the zone-set
layout) and draws the baselines' placebo prices.
"""

from .clusters import (bar_zones_nb, confluence_nb, empirical_draw_nb, hold_exits_nb, local_imbalance_nb,
                       placebo_prices_nb, relative_clusters_nb)
from .levels import nearest_levels_nb, pivot_zone_sets_nb, sma_nb, swing_pivots_nb, volume_nodes_nb

__all__ = [
    "bar_zones_nb",
    "confluence_nb",
    "empirical_draw_nb",
    "hold_exits_nb",
    "local_imbalance_nb",
    "nearest_levels_nb",
    "pivot_zone_sets_nb",
    "placebo_prices_nb",
    "relative_clusters_nb",
    "sma_nb",
    "swing_pivots_nb",
    "volume_nodes_nb",
]
