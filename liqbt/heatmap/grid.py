"""The price grid of the heatmap, fixed at the first bar (no look-ahead)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from ..errors import ConfigError, GridWarning
from .enums import GridArrays
from .model import HeatmapModel

__all__ = ["make_grid", "warn_off_grid"]


def make_grid(model: HeatmapModel, first_open: float) -> GridArrays:
    """Bin edges and centres centred on ``first_open`` (USD).

    A log grid has edges ``first_open * (1 + bps/1e4) ** (k - n/2)`` and
    geometric-mean centres; a linear grid has edges ``first_open + usd * (k - n/2)``
    and arithmetic centres, ``k = 0 .. n``. Logs are taken once, here; the
    kernels place prices by comparing with these edges.
    """
    if not (first_open > 0 and math.isfinite(first_open)):
        raise ConfigError(f"heatmap grid: the first bar's open must be a positive price, found {first_open}")
    n = model.n_bins
    k = np.arange(n + 1, dtype=np.float64) - n / 2.0
    if model.grid == "log":
        step = math.log1p(model.bin_size_bps / 1e4)
        edges = first_open * np.exp(step * k)
        centres = np.sqrt(edges[:-1] * edges[1:])
        origin, inv_step = math.log(edges[0]), 1.0 / step
    else:
        edges = first_open + model.bin_size_usd * k
        if edges[0] <= 0:
            raise ConfigError(
                f"heatmap.bin_size_usd: a linear grid of {n} bins of {model.bin_size_usd} USD centred on "
                f"{first_open:.2f} reaches {edges[0]:.2f} <= 0; use fewer or smaller bins or grid: log")
        centres = 0.5 * (edges[:-1] + edges[1:])
        origin, inv_step = float(edges[0]), 1.0 / model.bin_size_usd
    if not np.all(np.diff(edges) > 0):
        raise ConfigError("heatmap grid: bin edges are not strictly increasing (bins too small for float64)")
    ext = np.concatenate(([edges[0]], centres, [edges[-1]]))
    return GridArrays(np.ascontiguousarray(edges), np.ascontiguousarray(ext), model.grid == "log",
                      float(origin), float(inv_step))


def warn_off_grid(grid: GridArrays, index: pd.DatetimeIndex, low: np.ndarray, high: np.ndarray,
                  label: str = "heatmap") -> None:
    """Warn (:class:`~liqbt.errors.GridWarning`) when bars trade outside the grid.

    Off the grid the book degrades quietly: liquidation prices beyond an edge
    sit in its overflow bin and are all liquidated when the price reaches that
    edge, so predicted liquidations and clusters stop meaning anything. The
    grid is placed at the first bar (no look-ahead), so only the user can fix
    it: more bins, or data that starts nearer the period of interest.
    """
    outside = (low < grid.edges[0]) | (high > grid.edges[-1])
    count = int(np.count_nonzero(outside))
    if count:
        first = index[int(np.argmax(outside))]
        warnings.warn(GridWarning(
            f"{label}: the price left the grid [{grid.edges[0]:,.2f}, {grid.edges[-1]:,.2f}] USD "
            f"({len(grid.edges) - 1} bins around the first open) on {count} of {len(index)} bars, first at {first}; "
            f"results there are not meaningful: raise n_bins or start the data nearer the period"),
            stacklevel=3)
