"""Batch reconstruction: many heatmap models over the same market, in parallel across models.

:func:`reconstruct_many` is the parameter sweep (selected feature columns of
many variants, float32, no snapshots); :func:`reconstruct_named` computes a few
named models (say a 30-day context and a 24-hour execution heatmap) in one pass
with full results. Both prepare the bar arrays once per
``liquidation_price_source``, build each distinct grid once, and run the models
in one kernel call (numba ``prange`` across models); each model's numbers are
exactly those of :func:`~liqbt.heatmap.reconstruct` with it alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Sequence

import numba
import numpy as np
import pandas as pd

from ..data import Market, MultiVenueMarket
from ..errors import ConfigError
from .enums import (FEATURES, FP, IP, N_FEATURES, N_TOTALS, BarArrays, GridArrays, KernelResult, ModelArrays,
                    ModelStack, OutputArrays)
from .grid import bar_range, fit_lattice, make_grid, price_range, warn_off_grid, with_grid
from .inputs import bar_arrays, check_market, check_venue_filter, check_venue_options, model_arrays
from .model import HeatmapModel
from .nb import batch_nb
from .result import HeatmapResult, warn_book_wipes, wrap
from .single import market_margin, reconstruct, run_arrays
from .venues import selected_venues

__all__ = ["reconstruct_many", "reconstruct_named", "BatchResult", "VENUE_SUM_COLUMNS"]

VENUE_SUM_COLUMNS = ("pred_liq_long_usd", "pred_liq_short_usd")
"""Per-bar flows that :func:`reconstruct_many` sums over the venues of a multi-venue market (the others are
book states or clusters, which :func:`~liqbt.heatmap.reconstruct` recombines from the venues' profiles)."""


@dataclass(frozen=True, eq=False)
class BatchResult:
    """Selected per-bar features of many models.

    Attributes
    ----------
    values : ndarray of float32 (n_models, n_bars, n_columns)
        A transposed view of a ``(n_models, n_columns, n_bars)`` buffer (each
        column contiguous).
    columns : tuple of str
    index : DatetimeIndex
        Bar opens; values as of each bar's close.
    models : tuple of HeatmapModel
    """

    values: np.ndarray
    columns: tuple[str, ...]
    index: pd.DatetimeIndex
    models: tuple[HeatmapModel, ...]

    def frame(self, i: int) -> pd.DataFrame:
        """The features of model ``i`` as a DataFrame (a view, not a copy)."""
        return pd.DataFrame(self.values[i], index=self.index, columns=list(self.columns), copy=False)


def _grids(models: Sequence[HeatmapModel], arrays: Sequence[ModelArrays], first_open: float, low: float,
           high: float) -> list[GridArrays]:
    """One grid per model (a lattice window over ``[low, high]`` without ``n_bins``); equal grids share one object."""
    cache: dict[tuple, GridArrays] = {}
    out = []
    for m, a in zip(models, arrays):
        key = (m.grid, m.n_bins, m.bin_size_bps if m.grid == "log" else m.bin_size_usd, m.lattice_anchor)
        if m.n_bins is None:
            key += (m.cluster_neighbourhood_bins, float(a.ratio_long.min()), float(a.ratio_short.max()))
        if key not in cache:
            cache[key] = (make_grid(m, first_open) if m.n_bins is not None
                          else fit_lattice(m, first_open, low, high, [a]))
        out.append(cache[key])
    return out


def _stack(grids: Sequence[GridArrays], arrays: Sequence[ModelArrays]) -> ModelStack:
    n_sets = len(grids)
    max_e = max(len(g.edges) for g in grids)
    max_t = max(len(a.weight) for a in arrays)
    st = ModelStack(edges=np.zeros((n_sets, max_e)), n_edges=np.zeros(n_sets, dtype=np.int64),
                centres=np.zeros((n_sets, max_e + 1)), ratio_long=np.ones((n_sets, max_t)),
                ratio_short=np.ones((n_sets, max_t)), weight=np.zeros((n_sets, max_t)),
                include=np.zeros((n_sets, max_t), dtype=np.bool_), n_tiers=np.zeros(n_sets, dtype=np.int64),
                iparams=np.zeros((n_sets, IP.SIZE), dtype=np.int64), fparams=np.zeros((n_sets, FP.SIZE)))
    for i, (g, a) in enumerate(zip(grids, arrays)):
        ne, nt = len(g.edges), len(a.weight)
        st.edges[i, :ne], st.centres[i, :ne + 1], st.n_edges[i] = g.edges, g.centres, ne
        st.ratio_long[i, :nt], st.ratio_short[i, :nt], st.weight[i, :nt] = a.ratio_long, a.ratio_short, a.weight
        st.include[i, :nt], st.n_tiers[i] = a.include, nt
        st.iparams[i], st.fparams[i] = a.iparams, a.fparams
    return st


def _named(name: str | None, exc: ConfigError) -> ConfigError:
    """``exc`` with its ``heatmap.`` option path as ``heatmaps.<name>.`` (the YAML path of a named model)."""
    text = str(exc)
    if name is None:
        return exc
    if text.startswith("heatmap."):
        return ConfigError(f"heatmaps.{name}.{text[len('heatmap.'):]}")
    return ConfigError(f"heatmaps.{name}: {text}")


def _prepare(market: Market, models: Sequence[HeatmapModel], snapshot_every, names: Sequence[str] | None = None,
             grid_open: float | None = None):
    """Check every model against ``market`` and build the shared inputs once.

    Returns ``(bars by liquidation_price_source, grids, model arrays)``. With
    ``names``, a :class:`ConfigError` about a model names it (``heatmaps.<name>.``).
    """
    names = list(names) if names is not None else [None] * len(models)
    if isinstance(market, MultiVenueMarket):
        raise ConfigError("several models in one pass need a single-venue Market; reconstruct a "
                          "MultiVenueMarket model by model")
    for m, name in zip(models, names):
        try:
            check_venue_filter(market, m)
        except ConfigError as exc:
            raise _named(name, exc) from None
        check_market(market, m)
    bars: dict[str, BarArrays] = {}
    for m in models:
        src = m.liquidation_price_source
        if src not in bars:
            # the snapshot flags do not depend on the price source: build them once
            base = next(iter(bars.values()), None)
            bars[src] = bar_arrays(market, m, snapshot_every if base is None else None)
            if base is not None:
                bars[src] = bars[src]._replace(snapshot=base.snapshot)
    base = next(iter(bars.values()))
    first_open = float(base.open[0]) if grid_open is None else grid_open
    arrays = []
    for m, name in zip(models, names):
        try:
            # a provisional grid: model_arrays reads only its kind; the lattice is fitted to the ratios below
            arrays.append(model_arrays(m, make_grid(m, first_open), market.bar_size, venue=market.venue,
                                       at=market.index[0], symbol=market.symbol))
        except ConfigError as exc:
            raise _named(name, exc) from None
    low, high = price_range(*(bar_range(b) for b in bars.values()))
    grids = _grids(models, arrays, first_open, low, high)
    arrays = [with_grid(a, g) for a, g in zip(arrays, grids)]
    for g in {id(g): g for g in grids}.values():  # models with the same grid share one object
        warn_off_grid(g, market.index, base.low, base.high)
    return bars, grids, arrays


def _run_groups(bars: dict[str, BarArrays], models, grids, arrays, cols, features, totals, snap_rows, snap_start,
                snap_off, snap_vals, wipes, threads: int | None) -> None:
    """One :func:`~liqbt.heatmap.nb.batch_nb` call per liquidation-price source, models dealt dynamically to the threads."""
    threads = numba.get_num_threads() if threads is None else max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS))
    previous_threads = numba.get_num_threads()
    previous_chunk = numba.get_parallel_chunksize()
    numba.set_num_threads(threads)
    numba.set_parallel_chunksize(1)
    try:
        for src, b in bars.items():
            idx = np.array([i for i, m in enumerate(models) if m.liquidation_price_source == src], dtype=np.int64)
            st = _stack([grids[i] for i in idx], [arrays[i] for i in idx])
            whole = len(idx) == len(models)
            sub = (lambda a: a) if whole else (lambda a: a[idx])
            outs = (features, totals, snap_rows, snap_start, snap_off, snap_vals, wipes)
            part = tuple(sub(a) for a in outs)
            batch_nb(b, st, cols, OutputArrays(*part))
            if not whole:   # fancy indexing copied: write the group's results back
                for a, g in zip(outs, part):
                    a[idx] = g
    finally:
        numba.set_parallel_chunksize(previous_chunk)
        numba.set_num_threads(previous_threads)


def reconstruct_many(market: Market | MultiVenueMarket, models: Sequence[HeatmapModel],
                     columns: Sequence[str] = ("pred_liq_long_usd", "pred_liq_short_usd"), *,
                     threads: int | None = None, grid_open: float | None = None) -> BatchResult:
    """Reconstruct ``market`` with each model (numba ``prange`` across models; no snapshots).

    Only the requested columns are produced: cluster searches run only when a
    cluster column is asked for. Output is float32 to keep a year of 1-minute
    bars x 100 models in memory; each value is the float32 rounding of what
    :func:`~liqbt.heatmap.reconstruct` gives for that model.

    Parameters
    ----------
    market : Market or MultiVenueMarket
        A multi-venue market gives the sum over each model's venues
        (``model.venues``, default all) of their :data:`VENUE_SUM_COLUMNS`, on
        the union of the venues' bar opens (0 where none of a model's venues
        has a bar), each venue on the grid of the model's first venue: what
        :func:`~liqbt.heatmap.reconstruct` gives for those columns.
    models : sequence of HeatmapModel
        May differ in any option (models with different
        ``liquidation_price_source`` run in separate groups).
    columns : sequence of str
        Feature columns to keep (see :data:`liqbt.heatmap.enums.FEATURES`).
    threads : int, optional
        Numba threads (default: ``numba.get_num_threads()``).
    grid_open : float, optional
        The price the models' grids are fixed at (default the first bar's open).
    """
    models = tuple(models)
    if not models:
        raise ConfigError("reconstruct_many: expected at least one model")
    unknown = [c for c in columns if c not in FEATURES]
    if unknown:
        raise ConfigError(f"reconstruct_many: unknown feature column(s) {unknown}; known: {list(FEATURES)}")
    if isinstance(market, MultiVenueMarket):
        return _many_venues(market, models, tuple(columns), threads)
    bars, grids, arrays = _prepare(market, models, None, grid_open=grid_open)
    n_sets, n_bars = len(models), len(market)
    cols = np.array([FEATURES.index(c) for c in columns], dtype=np.int64)
    out = np.empty((n_sets, len(cols), n_bars), dtype=np.float32)
    wipes = np.empty((n_sets, 4), dtype=np.int64)
    _run_groups(bars, models, grids, arrays, cols, out, np.empty((n_sets, N_TOTALS, 0)),
                np.empty((n_sets, 0), dtype=np.int64), np.empty((n_sets, 0), dtype=np.int64),
                np.zeros((n_sets, 1), dtype=np.int64), np.empty((n_sets, 0), dtype=np.float32), wipes, threads)
    hit = np.flatnonzero((wipes[:, 0] >= 0) | (wipes[:, 1] >= 0))
    if len(hit):
        # one warning for the whole sweep, naming the first model that wiped a side
        first = int(hit[0])
        warn_book_wipes(wipes[first], market.index, f"heatmap sweep ({len(hit)} of {n_sets} models; first: model "
                                                    f"{first})")
    return BatchResult(out.transpose(0, 2, 1), tuple(columns), market.index, models)


def _many_venues(market: MultiVenueMarket, models: tuple, columns: tuple, threads: int | None) -> BatchResult:
    """:func:`reconstruct_many` of a multi-venue market: each venue's models in one pass, their flows summed."""
    other = [c for c in columns if c not in VENUE_SUM_COLUMNS]
    if other:
        raise ConfigError(f"reconstruct_many: on several venues only the per-bar flows {list(VENUE_SUM_COLUMNS)} add "
                          f"up, not {other}; reconstruct the venues model by model (liqbt.heatmap.reconstruct)")
    chosen = []
    for m in models:
        chosen.append(selected_venues(market, m))
        check_venue_options(market, m)
    index = None
    for v in dict.fromkeys(v for venues in chosen for v in venues):
        index = market[v].index if index is None else index.union(market[v].index)
    out = np.zeros((len(models), len(index), len(columns)), dtype=np.float32)
    for v in market.venues:
        # the venue's market under its key (the venue the brackets and formula are looked up by), and
        # its models grouped by the first open of their first venue (the grid reconstruct fixes)
        venue_market = replace(market[v], venue=v, symbol=market[v].symbol or market.symbol)
        groups: dict[float, list[int]] = {}
        for i, venues in enumerate(chosen):
            if v in venues:
                groups.setdefault(float(market[venues[0]].bars["open"].iloc[0]), []).append(i)
        for grid_open, idx in groups.items():
            single = [models[i].model_copy(update={"venues": None}) for i in idx]
            part = reconstruct_many(venue_market, single, columns, threads=threads, grid_open=grid_open)
            out[np.ix_(idx, index.get_indexer(part.index))] += part.values
    return BatchResult(out, columns, index, models)


def reconstruct_named(market: Market | MultiVenueMarket, models: Mapping[str, HeatmapModel], *, snapshot_every=None,
                      totals: bool = True, threads: int | None = None) -> dict[str, HeatmapResult]:
    """Reconstruct several named models over one market in one pass.

    The bar arrays, snapshot times and equal grids are prepared once and the
    models run together (numba ``prange`` across models), so a 30-day
    "context" and a 24-hour "execution" heatmap cost less together than one
    after the other (a single model runs the serial kernel, as
    :func:`~liqbt.heatmap.reconstruct` does). Each result equals
    ``reconstruct(market, model, snapshot_every=..., totals=...)`` exactly.

    Parameters
    ----------
    market : Market or MultiVenueMarket
        Several venues are reconstructed model by model (each venue with its
        own inputs, then combined, as :func:`~liqbt.heatmap.reconstruct` does).
    models : mapping of str to HeatmapModel
        For example ``{"context": HeatmapModel(window="30d"),
        "execution": HeatmapModel(window="24h")}``.
    snapshot_every : int or str, optional
        As in :func:`~liqbt.heatmap.reconstruct`; shared by every model.
    totals : bool, default True
        Record the cumulative totals of every model.
    threads : int, optional
        Numba threads (default: ``numba.get_num_threads()``).

    Returns
    -------
    dict of str to HeatmapResult
        In the order of ``models``.
    """
    names = list(models)
    if not names:
        raise ConfigError("reconstruct_named: expected at least one named model")
    bad = [k for k in names if not isinstance(models[k], HeatmapModel)]
    if bad:
        raise ConfigError(f"reconstruct_named: {bad[0]!r} is a {type(models[bad[0]]).__name__}, "
                          f"expected a HeatmapModel")
    if isinstance(market, MultiVenueMarket):
        out = {}
        for k in names:
            try:
                out[k] = reconstruct(market, models[k], snapshot_every=snapshot_every, totals=totals)
            except ConfigError as exc:
                raise _named(k, exc) from None
        return out
    mlist = [models[k] for k in names]
    bars, grids, arrays = _prepare(market, mlist, snapshot_every, names)
    if len(mlist) == 1:
        # one model (the usual config): the serial kernel directly, the very numbers batch_nb gives for it, without
        # compiling the parallel batch_nb (about 5 s of CPU in a cold run)
        result = run_arrays(next(iter(bars.values())), grids[0], arrays[0], totals)
        return {names[0]: _wrap_named(market, names[0], mlist[0], grids[0], result)}
    snapshot = next(iter(bars.values())).snapshot
    n_sets, n_bars = len(mlist), len(market)
    n_snap = int(np.count_nonzero(snapshot))
    bins = [len(g.edges) - 1 for g in grids]
    max_bins = max(bins)
    features = np.empty((n_sets, N_FEATURES, n_bars))
    tot = np.empty((n_sets, N_TOTALS, n_bars if totals else 0))
    rows = np.empty((n_sets, n_snap), dtype=np.int64)
    start = np.empty((n_sets, 2 * n_snap), dtype=np.int64)
    off = np.empty((n_sets, 2 * n_snap + 1), dtype=np.int64)
    # room for every bin of every snapshot; only the occupied bins written are paged in
    vals = np.empty((n_sets, 2 * n_snap * max_bins), dtype=np.float32)
    cols = np.arange(N_FEATURES, dtype=np.int64)
    wipes = np.empty((n_sets, 4), dtype=np.int64)
    _run_groups(bars, mlist, grids, arrays, cols, features, tot, rows, start, off, vals, wipes, threads)
    return {name: _wrap_named(market, name, mlist[i], grids[i],
                              KernelResult(features[i].T, tot[i].T, rows[i], start[i], off[i], vals[i], wipes[i]))
            for i, name in enumerate(names)}


def _wrap_named(market: Market, name: str, model: HeatmapModel, grid: GridArrays,
                result: KernelResult) -> HeatmapResult:
    """The :class:`HeatmapResult` of the named model ``name`` (warnings labelled with its name)."""
    return wrap(result, grid, market.index, market.bar_size, model, (market.venue,),
                {market.venue: market_margin(market, model)}, label=f"heatmap {name!r}")
