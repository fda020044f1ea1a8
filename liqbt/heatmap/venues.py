"""Several venues of one symbol combined into one heatmap.

Each venue is reconstructed with its own open interest, candles, brackets
(``model.venue_brackets``) and isolated-margin liquidation formula
(``model.venue_formulas``: Binance, Bybit or OKX; Binance when not listed) on
one grid fixed at the first venue's first open.
Additive features (liquidations, resting, overflow, totals, snapshots) are
summed on the union of the venues' bar times (a venue without a bar adds
nothing there, its book carries on unchanged). Clusters and the imbalance are
recomputed from the combined per-bar profile, which needs
``n_bars * n_bins * n_venues * 16`` bytes (:data:`MAX_PROFILE_BYTES` at most).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import MultiVenueMarket
from ..errors import ConfigError
from .enums import N_FEATURES, N_TOTALS, F, KernelResult, OutputArrays
from .grid import bar_range, fit_lattice, make_grid, price_range, warn_off_grid, with_grid
from .inputs import (BLOCK_SHIFT, bar_arrays, check_venue_options, model_arrays, snapshot_flags, venue_margin,
                     warn_version_change)
from .model import HeatmapModel
from .nb import combined_clusters_nb, densify_nb, run_nb
from .result import HeatmapResult, wrap

__all__ = ["reconstruct_venues", "selected_venues", "MAX_PROFILE_BYTES"]

MAX_PROFILE_BYTES = 2 * 1024 ** 3

_ADDITIVE = np.array([F.PRED_LIQ_LONG_USD, F.PRED_LIQ_SHORT_USD, F.RESTING_LONG_USD, F.RESTING_SHORT_USD,
                      F.OVERFLOW_LONG_USD, F.OVERFLOW_SHORT_USD], dtype=np.int64)
assert (_ADDITIVE == np.arange(len(_ADDITIVE))).all()


def selected_venues(market: MultiVenueMarket, model: HeatmapModel) -> list[str]:
    """The venues of ``market`` that ``model`` reconstructs (``model.venues``, default all), checked."""
    venues = list(model.venues) if model.venues is not None else market.venues
    missing = [v for v in venues if v not in market.markets]
    if missing:
        raise ConfigError(f"heatmap.venues: {missing} not in the market; venues are {market.venues}")
    if not venues:
        raise ConfigError("heatmap.venues: expected at least one venue")
    return venues


def reconstruct_venues(market: MultiVenueMarket, model: HeatmapModel, *, snapshot_every=None,
                       totals: bool = True) -> HeatmapResult:
    """Reconstruct each venue and combine them (see the module docstring)."""
    venues = selected_venues(market, model)
    # model_arrays falls back to Binance's brackets for a venue without a table (right for a
    # single market of an unknown venue); several venues must each have their own
    check_venue_options(market, model)
    index = market[venues[0]].index
    for v in venues[1:]:
        index = index.union(market[v].index)
    first = market[venues[0]]
    first_open = float(first.bars["open"].iloc[0])
    provisional = make_grid(model, first_open)
    inputs = {}
    for v in venues:
        mk = market[v]
        bars = bar_arrays(mk, model, None)._replace(snapshot=np.ones(len(mk), dtype=np.bool_))
        arrays = model_arrays(model, provisional, mk.bar_size, venue=v, at=mk.index[0],
                              symbol=mk.symbol or market.symbol)
        inputs[v] = (mk, bars, arrays)
    # one grid for every venue: the lattice window holding all their liquidation prices
    grid = (fit_lattice(model, first_open, *price_range(*(bar_range(b) for _, b, _ in inputs.values())),
                        [a for _, _, a in inputs.values()]) if model.n_bins is None else provisional)
    n, n_bars = len(grid.edges) - 1, len(index)
    need = n_bars * n * 2 * 8 * 2
    if need > MAX_PROFILE_BYTES:
        raise ConfigError(f"multi-venue heatmap of {n_bars} bars x {n} bins needs {need / 1e9:.1f} GB of per-bar "
                          f"profiles (limit {MAX_PROFILE_BYTES / 1e9:.1f} GB); use fewer bins or a shorter span")
    combined = np.zeros((N_FEATURES, n_bars)).T                   # column-major, like the kernel's
    tot = np.zeros((N_TOTALS, n_bars if totals else 0)).T
    prof_l = np.zeros((n_bars, n))
    prof_s = np.zeros((n_bars, n))
    close = np.full(n_bars, np.nan)
    margins = {}
    wipes = np.array([-1, -1, 0, 0], dtype=np.int64)
    for v in venues:
        mk, bars, arrays = inputs[v]
        arrays = with_grid(arrays, grid)
        warn_off_grid(grid, mk.index, bars.low, bars.high, label=f"heatmap, venue {v}")
        margins[v] = venue_margin(model, v, mk.index[0], mk.symbol or market.symbol)
        warn_version_change(model, margins[v], mk.index, v)
        # additive columns only: the clusters are recomputed from the combined profiles
        # (the additive features are the first six, so feats[:, j] is feature j)
        feats = np.empty((len(_ADDITIVE), len(mk)))
        vt = np.empty((N_TOTALS, len(mk) if totals else 0))
        rows = np.empty(len(mk), dtype=np.int64)
        start = np.empty(2 * len(mk), dtype=np.int64)
        off = np.empty(2 * len(mk) + 1, dtype=np.int64)
        vals = np.empty(2 * len(mk) * n)     # float64: the venues' profiles are summed before the cluster search
        vw = np.empty(4, dtype=np.int64)
        run_nb(bars, grid.edges, grid.centres, arrays, _ADDITIVE, OutputArrays(feats, vt, rows, start, off, vals, vw))
        pl = np.empty((len(mk), n))
        ps = np.empty((len(mk), n))
        densify_nb(start, off, vals, np.arange(len(mk), dtype=np.int64), 0, pl, ps)
        del vals
        # a venue's wipe bar on the union index; the combined result names the earliest
        for s in range(2):
            if vw[s] >= 0:
                at = int(index.get_loc(mk.index[vw[s]]))
                wipes[s] = at if wipes[s] < 0 else min(wipes[s], at)
                wipes[2 + s] += vw[2 + s]
        feats, vt = feats.T, vt.T
        # carry each venue's state forward onto the union index (a missing bar changes nothing)
        pos = index.get_indexer(mk.index)
        carry = np.searchsorted(pos, np.arange(n_bars), side="right") - 1
        have = carry >= 0
        src = carry[have]
        for j in (F.RESTING_LONG_USD, F.RESTING_SHORT_USD, F.OVERFLOW_LONG_USD, F.OVERFLOW_SHORT_USD):
            combined[have, j] += feats[src, j]
        for j in (F.PRED_LIQ_LONG_USD, F.PRED_LIQ_SHORT_USD):
            combined[pos, j] += feats[:, j]
        if totals:
            tot[have] += vt[src]
        prof_l[have] += pl[src]
        prof_s[have] += ps[src]
        close[pos] = np.where(np.isnan(close[pos]), mk.bars["close"].to_numpy(), close[pos])
    close = pd.Series(close).ffill().to_numpy()
    shift = BLOCK_SHIFT
    combined_clusters_nb(prof_l, prof_s, combined[:, F.RESTING_LONG_USD], combined[:, F.RESTING_SHORT_USD],
                         close, np.concatenate(([0.0], grid.centres[1:-1])),
                         model.cluster_min_share, model.cluster_neighbourhood_bins, shift, combined)
    flags = snapshot_flags(index, first.bar_size, snapshot_every)
    rows = np.flatnonzero(flags).astype(np.int64)
    start, off, vals = sparse_profiles(prof_l[rows].astype(np.float32), prof_s[rows].astype(np.float32))
    result = KernelResult(combined, tot, rows, start, off, vals, wipes)
    return wrap(result, grid, index, first.bar_size, model, tuple(venues), margins)


def sparse_profiles(long: np.ndarray, short: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dense (n_snapshots, n_bins) profiles as the sparse store of the kernels: the non-zero span of each side."""
    n_snap = len(long)
    start = np.zeros(2 * n_snap, dtype=np.int64)
    off = np.zeros(2 * n_snap + 1, dtype=np.int64)
    parts = []
    for i in range(n_snap):
        for s, prof in enumerate((long[i], short[i])):
            nz = np.flatnonzero(prof)
            j = 2 * i + s
            seg = prof[nz[0]:nz[-1] + 1] if len(nz) else prof[:0]
            start[j] = nz[0] if len(nz) else 0
            off[j + 1] = off[j] + len(seg)
            parts.append(seg)
    vals = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return start, off, vals
