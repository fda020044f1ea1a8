"""Column layout of the per-bar zone matrix written by :func:`liqbt.zones.nb.bar_zones_nb`."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["N_ZONE_COLUMNS", "ZONE_COLUMNS", "Z"]


class Z(IntEnum):
    ABOVE_PRICE = 0
    ABOVE_DIST = 1
    ABOVE_WEIGHT = 2
    ABOVE_RATIO = 3
    ABOVE_SIDE = 4
    N_ABOVE = 5
    ABOVE_TOTAL = 6
    BELOW_PRICE = 7
    BELOW_DIST = 8
    BELOW_WEIGHT = 9
    BELOW_RATIO = 10
    BELOW_SIDE = 11
    N_BELOW = 12
    BELOW_TOTAL = 13
    CLEARED_ABOVE_PRICE = 14
    CLEARED_ABOVE_WEIGHT = 15
    CLEARED_BELOW_PRICE = 16
    CLEARED_BELOW_WEIGHT = 17


#: Column names of :func:`liqbt.zones.zone_table` (distances are fractions of the close).
ZONE_COLUMNS = (
    "above_price", "above_dist", "above_weight", "above_ratio", "above_side", "n_above", "above_total",
    "below_price", "below_dist", "below_weight", "below_ratio", "below_side", "n_below", "below_total",
    "cleared_above_price", "cleared_above_weight", "cleared_below_price", "cleared_below_weight",
)
N_ZONE_COLUMNS = len(ZONE_COLUMNS)
assert N_ZONE_COLUMNS == len(Z)
