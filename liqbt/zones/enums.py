"""Column layout of the per-bar zone matrix written by :func:`liqbt.zones.nb.bar_zones_nb`."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["N_ZONE_COLUMNS", "ZONE_COLUMNS", "Z", "LEVEL_SOURCES"]

#: Where a context takes its levels (:meth:`liqbt.strategy.StrategyContext.zones`); here, not in
#: ``clusters``, so that resolving a strategy (``liqbt validate``) loads no numba.
LEVEL_SOURCES = ("heatmap", "placebo", "sr")


class ZT(NamedTuple):
    """Column of each zone value in the per-bar zone matrix (a NamedTuple of ints, as every kernel code)."""
    ABOVE_PRICE: int = 0
    ABOVE_DIST: int = 1
    ABOVE_WEIGHT: int = 2
    ABOVE_RATIO: int = 3
    ABOVE_SIDE: int = 4
    N_ABOVE: int = 5
    ABOVE_TOTAL: int = 6
    BELOW_PRICE: int = 7
    BELOW_DIST: int = 8
    BELOW_WEIGHT: int = 9
    BELOW_RATIO: int = 10
    BELOW_SIDE: int = 11
    N_BELOW: int = 12
    BELOW_TOTAL: int = 13
    CLEARED_ABOVE_PRICE: int = 14
    CLEARED_ABOVE_WEIGHT: int = 15
    CLEARED_BELOW_PRICE: int = 16
    CLEARED_BELOW_WEIGHT: int = 17


Z = ZT()

#: Column names of :func:`liqbt.zones.zone_table` (distances are fractions of the close).
ZONE_COLUMNS = (
    "above_price", "above_dist", "above_weight", "above_ratio", "above_side", "n_above", "above_total",
    "below_price", "below_dist", "below_weight", "below_ratio", "below_side", "n_below", "below_total",
    "cleared_above_price", "cleared_above_weight", "cleared_below_price", "cleared_below_weight",
)
N_ZONE_COLUMNS = len(ZONE_COLUMNS)
assert N_ZONE_COLUMNS == len(Z)
