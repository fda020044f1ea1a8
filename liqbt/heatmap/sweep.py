"""Run many heatmap models over the same market, in parallel across models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numba
import numpy as np
import pandas as pd

from ..data import Market
from ..errors import ConfigError
from .enums import FEATURES, FP, IP
from .grid import make_grid
from .inputs import bar_arrays, model_arrays
from .model import HeatmapModel
from .nb import sweep_nb

__all__ = ["reconstruct_many", "SweepResult"]


@dataclass(frozen=True, eq=False)
class SweepResult:
    """Selected per-bar features of many models.

    Attributes
    ----------
    values : ndarray of float32 (n_models, n_bars, n_columns)
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
        """The features of model ``i`` as a DataFrame."""
        return pd.DataFrame(self.values[i], index=self.index, columns=list(self.columns))


def reconstruct_many(market: Market, models: Sequence[HeatmapModel],
                     columns: Sequence[str] = ("pred_liq_long_usd", "pred_liq_short_usd")) -> SweepResult:
    """Reconstruct ``market`` with each model (numba ``prange`` across models; no snapshots).

    Every model needs the same bar inputs: the models may differ in any option
    except ``liquidation_price_source`` (one set of liquidation prices is
    prepared). Output is float32 to keep a year of 1-minute bars x 100 models
    in memory.

    Parameters
    ----------
    market : Market
    models : sequence of HeatmapModel
    columns : sequence of str
        Feature columns to keep (see :data:`liqbt.heatmap.enums.FEATURES`).
    """
    models = tuple(models)
    if not models:
        raise ConfigError("reconstruct_many: expected at least one model")
    unknown = [c for c in columns if c not in FEATURES]
    if unknown:
        raise ConfigError(f"reconstruct_many: unknown feature column(s) {unknown}; known: {list(FEATURES)}")
    if len({m.liquidation_price_source for m in models}) > 1:
        raise ConfigError("reconstruct_many: all models need the same liquidation_price_source")
    # the union of the data needs: validate each model against the market
    bars = None
    for m in models:
        b = bar_arrays(market, m, None)
        bars = b if bars is None else bars
    grids = [make_grid(m, float(bars.open[0])) for m in models]
    arrays = [model_arrays(m, g, market.bar_size, venue=market.venue, at=market.index[0])
              for m, g in zip(models, grids)]
    n_sets = len(models)
    max_e = max(len(g.edges) for g in grids)
    max_t = max(len(a.weight) for a in arrays)
    edges = np.zeros((n_sets, max_e))
    centres = np.zeros((n_sets, max_e + 1))
    n_edges = np.zeros(n_sets, dtype=np.int64)
    rl = np.ones((n_sets, max_t))
    rs = np.ones((n_sets, max_t))
    w = np.zeros((n_sets, max_t))
    n_tiers = np.zeros(n_sets, dtype=np.int64)
    ip = np.zeros((n_sets, IP.SIZE), dtype=np.int64)
    fp = np.zeros((n_sets, FP.SIZE))
    for i, (g, a) in enumerate(zip(grids, arrays)):
        ne, nt = len(g.edges), len(a.weight)
        edges[i, :ne], centres[i, :ne + 1], n_edges[i] = g.edges, g.centres, ne
        rl[i, :nt], rs[i, :nt], w[i, :nt], n_tiers[i] = a.ratio_long, a.ratio_short, a.weight, nt
        ip[i], fp[i] = a.iparams, a.fparams
    cols = np.array([FEATURES.index(c) for c in columns], dtype=np.int64)
    out = np.empty((n_sets, len(bars.close), len(cols)), dtype=np.float32)
    sweep_nb(bars.open, bars.high, bars.low, bars.close, bars.liq_high, bars.liq_low, bars.oi_usd,
             bars.taker_buy, bars.volume, bars.funding, edges, n_edges, centres, rl, rs, w, n_tiers, ip, fp,
             cols, out, numba.get_num_threads())
    return SweepResult(out, tuple(columns), market.index, models)
