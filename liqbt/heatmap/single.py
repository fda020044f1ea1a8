"""One model over one market: validate, run the kernel, wrap the result.

:func:`reconstruct` is the entry point; a :class:`~liqbt.data.MultiVenueMarket`
goes to :func:`liqbt.heatmap.venues.reconstruct_venues`, several models over one
market to :mod:`liqbt.heatmap.batch`.
"""

from __future__ import annotations

import numpy as np

from ..data import Market, MultiVenueMarket
from .enums import N_FEATURES, N_TOTALS, BarArrays, GridArrays, KernelResult, ModelArrays, OutputArrays
from .grid import bar_range, fit_lattice, make_grid, warn_off_grid, with_grid
from .inputs import VenueMargin, bar_arrays, check_venue_filter, model_arrays, venue_margin, warn_version_change
from .model import HeatmapModel
from .nb import run_nb
from .result import HeatmapResult, wrap
from .venues import reconstruct_venues

__all__ = ["reconstruct", "run_kernel", "run_arrays", "market_margin", "ALL_FEATURES"]


#: Every feature, in kernel order (the ``cols`` argument of the kernels).
ALL_FEATURES = np.arange(N_FEATURES, dtype=np.int64)


def run_kernel(market: Market, model: HeatmapModel, snapshot_every=None, grid: GridArrays | None = None,
               totals: bool = True) -> tuple[KernelResult, GridArrays]:
    """Prepare arrays for one venue and run the numba kernel (no pandas wrapping)."""
    check_venue_filter(market, model)
    bars = bar_arrays(market, model, snapshot_every)
    first_open = float(bars.open[0])
    provisional = grid if grid is not None else make_grid(model, first_open)
    arrays = model_arrays(model, provisional, market.bar_size, venue=market.venue, at=market.index[0],
                          symbol=market.symbol)
    if grid is None:
        grid = fit_lattice(model, first_open, *bar_range(bars), [arrays]) if model.n_bins is None else provisional
        arrays = with_grid(arrays, grid)
        warn_off_grid(grid, market.index, bars.low, bars.high)
    return run_arrays(bars, grid, arrays, totals), grid



def run_arrays(bars: BarArrays, grid: GridArrays, arrays: ModelArrays, totals: bool = True) -> KernelResult:
    """Allocate the outputs with NumPy (cheaper page faults than inside numba) and run the kernel.

    Features and totals are written column-major and returned as transposed
    views (``(n_bars, N_FEATURES)``, each column contiguous).
    """
    n_bars, n_bins = len(bars.close), len(grid.edges) - 1
    n_snap = int(np.count_nonzero(bars.snapshot))
    features = np.empty((N_FEATURES, n_bars))
    tot = np.empty((N_TOTALS, n_bars if totals else 0))
    rows = np.empty(n_snap, dtype=np.int64)
    start = np.empty(2 * n_snap, dtype=np.int64)
    off = np.empty(2 * n_snap + 1, dtype=np.int64)
    # room for every bin of every snapshot; only the occupied bins written are touched (paged in)
    vals = np.empty(2 * n_snap * n_bins, dtype=np.float32)
    wipes = np.empty(4, dtype=np.int64)
    run_nb(bars, grid.edges, grid.centres, arrays, ALL_FEATURES,
           OutputArrays(features, tot, rows, start, off, vals, wipes))
    return KernelResult(features.T, tot.T, rows, start, off, vals, wipes)


def reconstruct(market: Market | MultiVenueMarket, model: HeatmapModel | None = None, *,
                snapshot_every=None, totals: bool = True) -> HeatmapResult:
    """Reconstruct the liquidation heatmap bar by bar, point in time.

    Parameters
    ----------
    market : Market or MultiVenueMarket
        Bars with ``open, high, low, close, oi_usd`` (and what the model's
        options need). Venues of a multi-venue market are reconstructed each
        with its own OI, candles and brackets on one shared grid and combined
        (see :func:`liqbt.heatmap.venues.reconstruct_venues`); a venue with no
        bracket table of its own is an error (see ``HeatmapModel.venue_brackets``).
    model : HeatmapModel, optional
        Defaults to ``HeatmapModel()``.
    snapshot_every : int or str, optional
        Take full profiles every ``k`` bars or every duration (``"1h"``: at
        each full hour); None takes none.
    totals : bool, default True
        Record the cumulative opened / liquidated / closed / expired USD of
        every bar (:attr:`HeatmapResult.totals`).

    Returns
    -------
    HeatmapResult
    """
    model = model if model is not None else HeatmapModel()
    if isinstance(market, MultiVenueMarket):
        return reconstruct_venues(market, model, snapshot_every=snapshot_every, totals=totals)
    result, grid = run_kernel(market, model, snapshot_every, totals=totals)
    return wrap(result, grid, market.index, market.bar_size, model, (market.venue,),
                {market.venue: market_margin(market, model)})


def market_margin(market: Market, model: HeatmapModel) -> VenueMargin:
    """The bracket table (and leverage limit) ``model`` uses on ``market`` (checked when the arrays were built).

    Warns (:class:`~liqbt.errors.BracketVersionWarning`) if a newer version starts inside the data.
    """
    margin = venue_margin(model, market.venue, market.index[0] if len(market.index) else None, market.symbol)
    warn_version_change(model, margin, market.index)
    return margin
