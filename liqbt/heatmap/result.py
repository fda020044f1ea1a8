"""What a reconstruction returns: :class:`HeatmapResult` and the wrapping of kernel output into it.

:func:`wrap` turns the kernels' column-major buffers into indexed pandas
objects without copying; the single (:mod:`.single`), batch (:mod:`.batch`)
and multi-venue (:mod:`.venues`) reconstructions all end here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..errors import BookWipeWarning, DataError
from .enums import FEATURES, TOTALS, GridArrays, KernelResult
from .model import HeatmapModel
from .nb import densify_nb

__all__ = ["HeatmapResult", "Snapshots", "Profile", "FEATURE_COLUMNS", "TOTAL_COLUMNS", "wrap", "warn_book_wipes"]

#: Columns of :attr:`HeatmapResult.totals` (cumulative USD per side since the first bar).
TOTAL_COLUMNS = TOTALS
#: Columns of :attr:`HeatmapResult.features`.
FEATURE_COLUMNS = FEATURES


class Profile(NamedTuple):
    """One snapshot: USD resting per bin of each side, known at ``time``."""
    time: pd.Timestamp       # bar close at which the snapshot was taken
    bin_edges: np.ndarray    # (n_bins + 1,) USD
    long: np.ndarray         # (n_bins,) float32 USD of longs by liquidation price
    short: np.ndarray        # (n_bins,) float32 USD of shorts


@dataclass(frozen=True, eq=False)
class Snapshots:
    """Long and short profiles every few bars, stored sparse and made dense on request.

    Each snapshot keeps each side's occupied bins only (the engine's grid may
    span far more). The dense views cover the bins occupied by any snapshot
    (the whole grid of a model with a fixed ``n_bins``), with :attr:`bin_edges`
    matching their columns; they are built on first use and kept.

    Attributes
    ----------
    times : DatetimeIndex
        When each snapshot became known: the **close** of the bar it was taken at.
    bar_times : DatetimeIndex
        Open of that bar (the row of :attr:`HeatmapResult.features` it matches).
    grid_edges : ndarray (n_grid + 1,)
        USD edges of every bin of the engine's grid.
    grid_centres : ndarray (n_grid,)
        USD centres (geometric means of the edges on log grids).
    start, offsets, values : ndarray
        The sparse store: side ``s`` of snapshot ``i`` is ``values[offsets[j]:
        offsets[j + 1]]`` (float32 USD) for grid bins ``start[j]`` onward,
        ``j = 2 * i + s`` (0 = long, 1 = short).
    first_bin : int
        Lattice index of grid bin 0 (see :mod:`liqbt.heatmap.grid`): grid bin
        ``b`` is lattice bin ``first_bin + b``.
    full : bool
        Dense views span the whole grid (a fixed ``n_bins`` grid) rather than
        the occupied bins.
    """

    times: pd.DatetimeIndex
    bar_times: pd.DatetimeIndex
    grid_edges: np.ndarray
    grid_centres: np.ndarray
    start: np.ndarray
    offsets: np.ndarray
    values: np.ndarray
    first_bin: int = 0
    full: bool = False

    def __len__(self) -> int:
        return len(self.times)

    @cached_property
    def span(self) -> tuple[int, int]:
        """Grid bins ``[b0, b1)`` of the dense views."""
        n_grid = len(self.grid_centres)
        length = np.diff(self.offsets) if len(self.offsets) else np.zeros(0, dtype=np.int64)
        used = length > 0
        if self.full or not used.any():
            return 0, n_grid
        return int(self.start[used].min()), int((self.start[used] + length[used]).max())

    @property
    def bin_edges(self) -> np.ndarray:
        """ndarray (n_bins + 1,): USD edges of the dense views' columns."""
        b0, b1 = self.span
        return self.grid_edges[b0:b1 + 1]

    @property
    def bin_centres(self) -> np.ndarray:
        """ndarray (n_bins,): USD centres of the dense views' columns."""
        b0, b1 = self.span
        return self.grid_centres[b0:b1]

    @property
    def lattice_bins(self) -> np.ndarray:
        """ndarray of int64 (n_bins,): lattice index of each dense column (aligns maps of different spans)."""
        b0, b1 = self.span
        return np.arange(b0, b1, dtype=np.int64) + self.first_bin

    def dense(self, rows=None) -> tuple[np.ndarray, np.ndarray]:
        """Long and short float32 USD (len(rows), n_bins) of snapshots ``rows`` (default all) on :attr:`bin_edges`."""
        rows = np.arange(len(self), dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
        b0, b1 = self.span
        out_l = np.empty((len(rows), b1 - b0), dtype=np.float32)
        out_s = np.empty((len(rows), b1 - b0), dtype=np.float32)
        densify_nb(self.start, self.offsets, self.values, rows, b0, out_l, out_s)
        return out_l, out_s

    @cached_property
    def _dense_all(self) -> tuple[np.ndarray, np.ndarray]:
        return self.dense()

    @property
    def long(self) -> np.ndarray:
        """ndarray of float32 (n_snapshots, n_bins): USD of longs per bin of :attr:`bin_edges`.

        Positions outside a fixed grid are in the features' ``overflow_*`` columns, not here.
        """
        return self._dense_all[0]

    @property
    def short(self) -> np.ndarray:
        """ndarray of float32 (n_snapshots, n_bins): USD of shorts per bin of :attr:`bin_edges`."""
        return self._dense_all[1]

    def occupied(self, i: int) -> tuple[int, int]:
        """Grid bins ``[b0, b1)`` holding snapshot ``i`` (both sides; the whole grid when :attr:`full`).

        Depends only on the book at that snapshot, unlike :attr:`span`, which
        covers every snapshot: what point-in-time tables use.
        """
        if self.full:
            return 0, len(self.grid_centres)
        lo, hi = len(self.grid_centres), 0
        for j in (2 * i, 2 * i + 1):
            length = int(self.offsets[j + 1] - self.offsets[j])
            if length:
                lo, hi = min(lo, int(self.start[j])), max(hi, int(self.start[j]) + length)
        return (lo, hi) if hi > lo else (0, 0)

    def segment(self, i: int, side: int) -> tuple[int, np.ndarray]:
        """Side ``side`` (0 long, 1 short) of snapshot ``i``: its first grid bin and its float32 USD per bin."""
        j = 2 * i + side
        return int(self.start[j]), self.values[self.offsets[j]:self.offsets[j + 1]]

    def profile_at(self, time) -> Profile:
        """The latest snapshot known at ``time`` (taken at a bar close ``<= time``), on :attr:`bin_edges`.

        Raises
        ------
        DataError
            If no snapshot was known by then.
        """
        when = pd.Timestamp(time)
        if when.tz is None:
            when = when.tz_localize("UTC")
        i = int(np.searchsorted(self.times.asi8, when.as_unit("ns").value, side="right")) - 1
        if i < 0:
            first = self.times[0] if len(self.times) else "never"
            raise DataError("heatmap snapshots", f"no snapshot known at {when}; the first is at {first}")
        if "_dense_all" in self.__dict__:
            return Profile(self.times[i], self.bin_edges, self.long[i], self.short[i])
        long, short = self.dense([i])
        return Profile(self.times[i], self.bin_edges, long[0], short[0])


@dataclass(frozen=True, eq=False)
class HeatmapResult:
    """What :func:`reconstruct` returns.

    Attributes
    ----------
    features : DataFrame
        On the bar index (bar open), values as of each bar's close; columns
        :data:`FEATURE_COLUMNS` (USD at bin-centre prices; ``imbalance`` =
        (long - short) / (long + short) resting; cluster distances in percent
        of the close, positive; strength = cluster USD / mean USD of the bins
        around it; NaN when there is no significant cluster).
    snapshots : Snapshots
    model : HeatmapModel
    totals : DataFrame or None
        Cumulative USD per side since the first bar (:data:`TOTAL_COLUMNS`):
        ``opened = resting + liquidated + closed + expired`` every bar
        (decay counts as expired). None when not recorded.
    venues : tuple of str
        Venues combined into this result.
    bracket_versions : dict of str to str
        Per venue, the maintenance table used (``"Binance BTCUSDT 2025-26"``,
        the version in force at the venue's first bar) or ``"constant MMR x"``.
    excluded_tiers : dict of str to tuple of float
        Per venue, leverages of the model's tiers left out because the table's
        maximum leverage at ``position_notional_usd`` is lower (empty: none).
    book_wipes : dict of str to tuple
        Per side (``"long"``, ``"short"``): ``(first bar open or None, number
        of bars)`` at which closes emptied the whole side of the book in one bar
        (a :class:`~liqbt.errors.BookWipeWarning` names the first).
    """

    features: pd.DataFrame
    snapshots: Snapshots
    model: HeatmapModel
    totals: pd.DataFrame | None
    venues: tuple[str, ...] = ()
    bracket_versions: dict = field(default_factory=dict)
    excluded_tiers: dict = field(default_factory=dict)
    book_wipes: dict = field(default_factory=dict)

    @property
    def n_excluded_tiers(self) -> int:
        """Leverage tiers excluded by the tables' maximum leverage, summed over venues."""
        return sum(len(v) for v in self.excluded_tiers.values())

    def conservation_error(self) -> pd.DataFrame:
        """``opened - resting - liquidated - closed - expired`` per side, USD (zero up to rounding)."""
        if self.totals is None:
            raise DataError("heatmap result", "totals were not recorded; reconstruct with totals=True")
        out = {}
        for side in ("long", "short"):
            t = self.totals
            out[side] = (t[f"cum_opened_{side}_usd"] - self.features[f"resting_{side}_usd"]
                         - t[f"cum_liquidated_{side}_usd"] - t[f"cum_closed_{side}_usd"]
                         - t[f"cum_expired_{side}_usd"])
        return pd.DataFrame(out)


def warn_book_wipes(wipes: np.ndarray, index: pd.DatetimeIndex, label: str = "heatmap") -> dict:
    """Warn once if closes emptied a side of the book in one bar; returns :attr:`HeatmapResult.book_wipes`."""
    out = {}
    for s, side in enumerate(("long", "short")):
        first, count = int(wipes[s]), int(wipes[2 + s])
        out[side] = (index[first] if first >= 0 else None, count)
    hit = [(t, side, c) for side, (t, c) in out.items() if t is not None]
    if hit:
        t, side, _ = min(hit)
        sides = " and ".join(f"{sd} ({c} bar{'s' if c != 1 else ''})" for _, sd, c in hit)
        warnings.warn(f"{label}: closes emptied the whole {side} book in one bar at {t} (bar open): the open interest "
                      f"fell by more than the book holds; emptied sides: {sides}. close_mode='amount' removes as many "
                      f"coins as the OI fell from a book that holds only positions opened since the start or window; "
                      f"'fraction_of_oi' (the default) removes the same fraction", BookWipeWarning, stacklevel=3)
    return out


def wrap(result: KernelResult, grid: GridArrays, index: pd.DatetimeIndex, bar_size: pd.Timedelta,
         model: HeatmapModel, venues: tuple[str, ...], margins: dict | None = None,
         label: str = "heatmap") -> HeatmapResult:
    """Kernel output on ``index`` as a :class:`HeatmapResult` (warns about book wipes).

    ``margins`` maps each venue to its :class:`~liqbt.heatmap.inputs.VenueMargin`.
    """
    # column-major kernel buffers: wrapped without copying
    features = pd.DataFrame(result.features, index=index, columns=list(FEATURES), copy=False)
    totals = (pd.DataFrame(result.totals, index=index, columns=list(TOTALS), copy=False)
              if len(result.totals) == len(index) else None)
    bar_times = index[result.snap_rows]
    off = result.snap_off
    used = int(off[-1]) if len(off) else 0
    snaps = Snapshots(times=bar_times + bar_size, bar_times=bar_times, grid_edges=grid.edges,
                      grid_centres=grid.centres[1:-1], start=result.snap_start, offsets=off,
                      values=result.snap_vals[:used], first_bin=grid.first_bin, full=not grid.lattice)
    margins = margins or {}
    lev, _ = model.tier_arrays()
    return HeatmapResult(features=features, snapshots=snaps, model=model, totals=totals, venues=venues,
                         bracket_versions={v: m.label for v, m in margins.items()},
                         excluded_tiers={v: tuple(float(x) for x in lev[~m.keep]) for v, m in margins.items()
                                         if not m.keep.all()},
                         book_wipes=warn_book_wipes(result.wipes, index, label))
