"""Codes and column layouts shared by the heatmap kernels and their wrappers.

The kernels take options as small integer/float parameter vectors (so a
parameter sweep can stack them) and write features into one float64 matrix
whose columns are named by :data:`FEATURES`. Codes are NamedTuples of ints, as
in vectorbt's ``portfolio/enums.py`` (``EntryMode.RANGE == 2``): numba reads a
global NamedTuple as a constant, and every kernel package uses the same idiom.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["EntryMode", "SplitMode", "CloseMode", "CloseSplit", "IP", "FP", "FEATURES", "F", "N_FEATURES", "TOTALS", "TT", "N_TOTALS",
           "KernelResult", "GridArrays", "BarArrays", "ModelArrays", "ModelStack", "OutputArrays"]


class EntryModeT(NamedTuple):
    """Entry price of new positions, from the bars of the OI interval."""
    CLOSE: int = 0      # close of the bar before the OI snapshot
    TYPICAL: int = 1    # (interval high + interval low + close) / 3
    RANGE: int = 2      # equal parts at midpoints of ``range_points`` equal slices of [low, high]


EntryMode = EntryModeT()


class SplitModeT(NamedTuple):
    """Share of new positions that are longs."""
    EQUAL: int = 0
    CANDLE: int = 1
    TAKER: int = 2
    FUNDING: int = 3


SplitMode = SplitModeT()


class CloseModeT(NamedTuple):
    """How a negative net voluntary change removes mass from the book."""
    AMOUNT: int = 0             # remove that many coins (capped at the book)
    FRACTION_OF_OI: int = 1     # remove the same fraction of the book as of the open interest


CloseMode = CloseModeT()


class CloseSplitT(NamedTuple):
    """Which side the closed mass comes from."""
    PROPORTIONAL: int = 0
    TAKER: int = 1


CloseSplit = CloseSplitT()


class IPT(NamedTuple):
    """Index of each integer parameter in the kernels' ``iparams`` vector."""
    ENTRY_MODE: int = 0
    RANGE_POINTS: int = 1
    SPLIT_MODE: int = 2
    CLOSE_MODE: int = 3
    CLOSE_SPLIT: int = 4
    WINDOW_BARS: int = 5      # 0 = no window
    NEIGHBOURHOOD: int = 6    # bins each side for a cluster's strength
    BLOCK_SHIFT: int = 7      # log2 of the bins per block of upper bounds
    IS_LOG: int = 8           # 1 = log grid
    SIZE: int = 9


IP = IPT()


class FPT(NamedTuple):
    """Index of each float parameter in the kernels' ``fparams`` vector."""
    CANDLE_SHARE: int = 0     # long share after an up interval
    FUNDING_SKEW: int = 1     # long share = 0.5 + skew * funding rate (fraction)
    DECAY: int = 2            # multiplier per bar (1 = no decay)
    CLUSTER_SHARE: int = 3    # a bin is significant from this share of its side's resting USD
    GRID_ORIGIN: int = 4      # log(first edge) or first edge
    GRID_INV_STEP: int = 5    # 1/log step or 1/USD step
    SIZE: int = 6


FP = FPT()


#: Per-bar feature columns, in kernel order. USD at bin-centre prices.
FEATURES = (
    "pred_liq_long_usd", "pred_liq_short_usd",
    "resting_long_usd", "resting_short_usd",
    "overflow_long_usd", "overflow_short_usd",
    "imbalance",
    "cluster_above_price", "cluster_above_dist_pct", "cluster_above_usd", "cluster_above_strength",
    "cluster_below_price", "cluster_below_dist_pct", "cluster_below_usd", "cluster_below_strength",
)
N_FEATURES = len(FEATURES)

#: Cumulative USD per side since the first bar, recorded per bar on request:
#: ``opened = resting + liquidated + closed + expired`` (decay counts as expired).
TOTALS = (
    "cum_opened_long_usd", "cum_opened_short_usd",
    "cum_liquidated_long_usd", "cum_liquidated_short_usd",
    "cum_closed_long_usd", "cum_closed_short_usd",
    "cum_expired_long_usd", "cum_expired_short_usd",
)
N_TOTALS = len(TOTALS)


#: Column index of each feature, e.g. ``F.RESTING_LONG_USD``.
F = NamedTuple("FT", [(name.upper(), int) for name in FEATURES])(*range(N_FEATURES))
#: Column index of each cumulative total, e.g. ``TT.CUM_OPENED_LONG_USD``.
TT = NamedTuple("TTT", [(name.upper(), int) for name in TOTALS])(*range(N_TOTALS))


class GridArrays(NamedTuple):
    """A price grid. ``centres`` has two extra entries, the overflow bins below and above."""
    edges: np.ndarray      # (n_bins + 1,) USD, ascending
    centres: np.ndarray    # (n_bins + 2,) USD: [edges[0], centre_0 .. centre_{n-1}, edges[n]]
    is_log: bool
    origin: float          # log(edges[0]) for log grids, edges[0] for linear ones
    inv_step: float        # 1 / log step, or 1 / USD step
    first_bin: int = 0     # lattice index of the first bin (bin k spans anchor * (1 + step) ** k onward)
    lattice: bool = False  # True: a window on the edgeless lattice (no GridWarning, overflow never used)


class BarArrays(NamedTuple):
    """Per-bar inputs, contiguous float64 (NaN where missing), plus snapshot flags."""
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    liq_high: np.ndarray     # high used for short liquidations (mark or last)
    liq_low: np.ndarray      # low used for long liquidations (mark or last)
    oi_usd: np.ndarray
    taker_buy: np.ndarray
    volume: np.ndarray
    funding: np.ndarray
    snapshot: np.ndarray     # bool


class ModelArrays(NamedTuple):
    """A model reduced to the numbers the kernels need."""
    ratio_long: np.ndarray   # (n_tiers,) LP / EP of longs
    ratio_short: np.ndarray  # (n_tiers,) LP / EP of shorts
    weight: np.ndarray       # (n_tiers,) sums to 1
    include: np.ndarray      # (n_tiers,) bool: tiers in the reported book
    iparams: np.ndarray      # int64 (IP.SIZE,)
    fparams: np.ndarray      # float64 (FP.SIZE,)


class KernelResult(NamedTuple):
    """What the reconstruction kernel returns.

    ``features`` and ``totals`` are transposed views of column-major buffers
    (each column contiguous), so a DataFrame wraps them without copying.
    """
    features: np.ndarray       # (n_bars, N_FEATURES) float64
    totals: np.ndarray         # (n_bars, N_TOTALS) float64, or (0, N_TOTALS) when not recorded
    snap_rows: np.ndarray      # (n_snapshots,) int64 bar positions
    snap_start: np.ndarray     # (2 * n_snapshots,) int64 first grid bin of segment 2 * i + side
    snap_off: np.ndarray       # (2 * n_snapshots + 1,) int64: segment j is snap_vals[snap_off[j]:snap_off[j + 1]]
    snap_vals: np.ndarray      # float32 USD of the occupied bins, segment after segment
    wipes: np.ndarray          # (4,) int64: first bar a close emptied the long / short book (-1: never), counts


class ModelStack(NamedTuple):
    """Grids and model arrays of several models, padded to the largest (the ``stack`` of ``batch_nb``)."""
    edges: np.ndarray        # (n_models, max_edges)
    n_edges: np.ndarray      # (n_models,) int64: edges used by each model
    centres: np.ndarray      # (n_models, max_edges + 1)
    ratio_long: np.ndarray   # (n_models, max_tiers)
    ratio_short: np.ndarray  # (n_models, max_tiers)
    weight: np.ndarray       # (n_models, max_tiers)
    include: np.ndarray      # (n_models, max_tiers) bool
    n_tiers: np.ndarray      # (n_models,) int64: tiers used by each model
    iparams: np.ndarray      # (n_models, IP.SIZE) int64
    fparams: np.ndarray      # (n_models, FP.SIZE) float64


class OutputArrays(NamedTuple):
    """Buffers the reconstruction kernels write into (the ``out`` of ``run_nb``).

    Column-major: ``features`` is (n_cols, n_bars) and ``totals`` (N_TOTALS,
    n_bars), so their transposes are the (n_bars, ...) views a DataFrame wraps.
    """
    features: np.ndarray       # (n_cols, n_bars) float64 or float32
    totals: np.ndarray         # (N_TOTALS, n_bars), or (N_TOTALS, 0) when not recorded
    snap_rows: np.ndarray      # (n_snapshots,) int64
    snap_start: np.ndarray     # (2 * n_snapshots,) int64: first grid bin of each side's occupied range
    snap_off: np.ndarray       # (2 * n_snapshots + 1,) int64 offsets into snap_vals
    snap_vals: np.ndarray      # (capacity,) float32 (float64 for the venue profiles) USD, sparse
    wipes: np.ndarray          # (4,) int64
