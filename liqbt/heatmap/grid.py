"""The price grid of the heatmap: one lattice of bins without edges, or a fixed grid of ``n_bins``.

Prices map to one lattice of bins: on a log grid bin ``k`` spans
``[a * (1 + step) ** k, a * (1 + step) ** (k + 1))``, on a linear grid
``[a + usd * k, a + usd * (k + 1))``, ``k`` any integer. The anchor ``a`` is the
first bar's open (``lattice_anchor="first_open"``, the default: the edges of the
old 2000-bin grid, so results where that grid held are unchanged) or 1 USD / 0 USD
(``"global"``: ``k = floor(log(p) / log(1 + step))`` or ``floor(p / usd)``, the
same bins for every symbol, span and venue).

The kernels work on a window of consecutive lattice bins. Without ``n_bins``
the window covers every liquidation price the model can produce on the data
(the lowest low and highest high times the extreme liquidation ratios), padded
by the cluster neighbourhood, so no position ever falls outside it and no value
depends on how far the window reaches: a run on a shorter span gives the same
numbers on the same lattice bins (point in time). With ``n_bins`` the window is
the old fixed grid of ``n_bins`` bins centred on the anchor, with overflow bins
beyond its edges and a :class:`~liqbt.errors.GridWarning` when bars leave it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from ..errors import ConfigError, GridWarning
from .enums import FP, BarArrays, GridArrays, ModelArrays
from .model import HeatmapModel

__all__ = ["make_grid", "fit_lattice", "with_grid", "price_range", "bar_range", "warn_off_grid", "MAX_LATTICE_BINS"]

#: Most bins a lattice window may span (a guard against a bin size far too small for the data's price range).
MAX_LATTICE_BINS = 20_000_000


def _anchor(model: HeatmapModel, first_open: float) -> float:
    if model.lattice_anchor == "global":
        return 1.0 if model.grid == "log" else 0.0
    return first_open


def _window(model: HeatmapModel, anchor: float, k0: int, k1: int, lattice: bool) -> GridArrays:
    """The grid of lattice bins ``k0 .. k1 - 1`` (edges ``k0 .. k1``)."""
    k = np.arange(k0, k1 + 1, dtype=np.float64)
    if model.grid == "log":
        edges = anchor * np.exp(math.log1p(model.bin_size_bps / 1e4) * k)
    else:
        edges = anchor + model.bin_size_usd * k
    return _from_edges(model, edges, k0, lattice)


def _check_open(first_open: float) -> None:
    if not (first_open > 0 and math.isfinite(first_open)):
        raise ConfigError(f"heatmap grid: the first bar's open must be a positive price, found {first_open}")


def make_grid(model: HeatmapModel, first_open: float, low: float | None = None,
              high: float | None = None) -> GridArrays:
    """The grid of ``model``, anchored at ``first_open`` (USD) unless the lattice is global.

    With ``model.n_bins`` set: ``n_bins`` bins centred on ``first_open`` (log
    edges ``first_open * (1 + bps/1e4) ** (k - n/2)``, geometric-mean centres;
    linear edges ``first_open + usd * (k - n/2)``, arithmetic centres). Without
    it: the lattice bins holding every price in ``[low, high]`` (default: the
    first open), with :func:`fit_lattice` widening them to the model's
    liquidation prices once the tier ratios are known. Logs are taken once,
    here; the kernels place prices by comparing with these edges.
    """
    _check_open(first_open)
    anchor = _anchor(model, first_open)
    if model.n_bins is None:
        low = first_open if low is None else low
        high = first_open if high is None else high
        k0, k1 = _lattice_range(model, anchor, low, high)
        return _window(model, anchor, k0, k1, True)
    n = model.n_bins
    if model.lattice_anchor == "global":
        kf = _lattice_bin(model, anchor, first_open)
        grid = _window(model, anchor, kf - n // 2, kf - n // 2 + n, False)
    elif n % 2 == 0:
        grid = _window(model, anchor, -(n // 2), n // 2, False)      # the old grid, on the lattice
    else:
        k = np.arange(n + 1, dtype=np.float64) - n / 2.0             # odd n: half a bin off the lattice, as before
        if model.grid == "log":
            edges = first_open * np.exp(math.log1p(model.bin_size_bps / 1e4) * k)
        else:
            edges = first_open + model.bin_size_usd * k
        grid = _from_edges(model, edges)
    if grid.edges[0] <= 0:
        raise ConfigError(
            f"heatmap.bin_size_usd: a linear grid of {n} bins of {model.bin_size_usd} USD centred on "
            f"{first_open:.2f} reaches {grid.edges[0]:.2f} <= 0; use fewer or smaller bins or grid: log")
    return grid


def _lattice_bin(model: HeatmapModel, anchor: float, price: float) -> int:
    """The lattice bin holding ``price`` (up to rounding at an edge: used only to place a window)."""
    if model.grid == "log":
        return math.floor(math.log(price / anchor) / math.log1p(model.bin_size_bps / 1e4))
    return math.floor((price - anchor) / model.bin_size_usd)


def _from_edges(model: HeatmapModel, edges: np.ndarray, first_bin: int = 0, lattice: bool = False) -> GridArrays:
    """The grid of ``edges`` (centres, and the origin and step the kernels place prices with)."""
    if model.grid == "log":
        centres = np.sqrt(edges[:-1] * edges[1:])
        origin, inv_step = math.log(edges[0]), 1.0 / math.log1p(model.bin_size_bps / 1e4)
    else:
        centres = 0.5 * (edges[:-1] + edges[1:])
        origin, inv_step = float(edges[0]), 1.0 / model.bin_size_usd
    if not np.all(np.diff(edges) > 0):
        raise ConfigError("heatmap grid: bin edges are not strictly increasing (bins too small for float64)")
    ext = np.concatenate(([edges[0]], centres, [edges[-1]]))
    return GridArrays(np.ascontiguousarray(edges), np.ascontiguousarray(ext), model.grid == "log",
                      float(origin), float(inv_step), int(first_bin), lattice)


def _lattice_range(model: HeatmapModel, anchor: float, low: float, high: float) -> tuple[int, int]:
    """Lattice bins ``[k0, k1)`` holding ``[low, high]`` plus the cluster neighbourhood and a bin each side."""
    if not (0 < low <= high and math.isfinite(high)):
        raise ConfigError(f"heatmap grid: prices must be positive and finite, found the range [{low}, {high}]")
    pad = model.cluster_neighbourhood_bins + 2
    if model.grid == "log":
        k0 = _lattice_bin(model, anchor, low) - pad
        k1 = _lattice_bin(model, anchor, high) + 1 + pad
    else:
        usd = model.bin_size_usd
        k0 = _lattice_bin(model, anchor, low) - pad
        k1 = _lattice_bin(model, anchor, high) + 1 + pad
        # the lowest edge stays >= 0 (centres are prices)
        k0 = max(k0, math.ceil(-anchor / usd))
    if k1 - k0 > MAX_LATTICE_BINS:
        field = "bin_size_bps" if model.grid == "log" else "bin_size_usd"
        raise ConfigError(f"heatmap.{field}: the prices [{low:.6g}, {high:.6g}] USD span {k1 - k0:,} bins (at most "
                          f"{MAX_LATTICE_BINS:,}); use larger bins")
    return k0, k1


def fit_lattice(model: HeatmapModel, first_open: float, low: float, high: float,
                arrays: list[ModelArrays]) -> GridArrays:
    """The lattice window holding every liquidation price of ``arrays`` on prices in ``[low, high]`` (USD).

    Positions open at entry prices within the bars' range times the tiers'
    ``LP / EP``, so ``[low * min ratio, high * max ratio]`` holds all of them.
    """
    r_lo = min(float(a.ratio_long.min()) for a in arrays)
    r_hi = max(float(a.ratio_short.max()) for a in arrays)
    return make_grid(model, first_open, low * min(r_lo, 1.0), high * max(r_hi, 1.0))


def with_grid(arrays: ModelArrays, grid: GridArrays) -> ModelArrays:
    """``arrays`` placing prices on ``grid`` (its origin and step in ``fparams``)."""
    fp = arrays.fparams.copy()
    fp[FP.GRID_ORIGIN] = grid.origin
    fp[FP.GRID_INV_STEP] = grid.inv_step
    return arrays._replace(fparams=fp)


def price_range(*frames) -> tuple[float, float]:
    """Lowest and highest finite price in the given arrays (USD)."""
    lo, hi = math.inf, -math.inf
    for a in frames:
        a = np.asarray(a, dtype=np.float64)
        a = a[np.isfinite(a)]
        if len(a):
            lo, hi = min(lo, float(a.min())), max(hi, float(a.max()))
    return lo, hi


def bar_range(bars: BarArrays) -> tuple[float, float]:
    """Lowest and highest price of the bars (every entry price and liquidation trigger lies within), USD."""
    return price_range(bars.open, bars.high, bars.low, bars.close, bars.liq_high, bars.liq_low)


def warn_off_grid(grid: GridArrays, index: pd.DatetimeIndex, low: np.ndarray, high: np.ndarray,
                  label: str = "heatmap") -> None:
    """Warn (:class:`~liqbt.errors.GridWarning`) when bars trade outside a fixed grid (``n_bins``).

    Off the grid the book degrades quietly: liquidation prices beyond an edge
    sit in its overflow bin and are all liquidated when the price reaches that
    edge, so predicted liquidations and clusters stop meaning anything. The
    grid is placed at the first bar (no look-ahead), so only the user can fix
    it: more bins, data that starts nearer the period of interest, or no
    ``n_bins`` (the lattice, which has no edges). A lattice never warns.
    """
    if grid.lattice:
        return
    outside = (low < grid.edges[0]) | (high > grid.edges[-1])
    count = int(np.count_nonzero(outside))
    if count:
        first = index[int(np.argmax(outside))]
        warnings.warn(GridWarning(
            f"{label}: the price left the grid [{grid.edges[0]:,.2f}, {grid.edges[-1]:,.2f}] USD "
            f"({len(grid.edges) - 1} bins around the first open) on {count} of {len(index)} bars, first at {first}; "
            f"results there are not meaningful: raise n_bins, or leave n_bins out (a lattice without edges), "
            f"or start the data nearer the period"),
            stacklevel=3)
