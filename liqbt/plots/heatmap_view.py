"""What a heatmap picture shows: snapshots over time, bin edges, and the price line.

Renderers (PNG, HTML) take a :class:`HeatmapView`, so they never touch the
engine. Views are downsampled for display: snapshots by stride, bins by
summing neighbours (USD is preserved).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["HeatmapView", "view_from_result"]


@dataclass(frozen=True, eq=False)
class HeatmapView:
    """A displayable heatmap.

    Attributes
    ----------
    name : str
        Shown in titles and the HTML window selector.
    times : DatetimeIndex
        When each column (snapshot) became known.
    bin_edges : ndarray (n_bins + 1,)
        USD, ascending.
    long, short : ndarray (n_times, n_bins)
        USD resting at each liquidation-price band.
    price_times : DatetimeIndex
    price : ndarray
        Close prices to draw over the map.
    """

    name: str
    times: pd.DatetimeIndex
    bin_edges: np.ndarray
    long: np.ndarray
    short: np.ndarray
    price_times: pd.DatetimeIndex
    price: np.ndarray

    def downsample(self, max_times: int = 600, max_bins: int = 300) -> "HeatmapView":
        """At most ``max_times`` columns (by stride) and ``max_bins`` bins (summed)."""
        stride = max(1, int(np.ceil(len(self.times) / max_times)))
        rows = np.arange(len(self.times) - 1, -1, -stride)[::-1]  # keep the latest snapshot
        group = max(1, int(np.ceil((len(self.bin_edges) - 1) / max_bins)))
        n_bins = (len(self.bin_edges) - 1) // group

        def shrink(matrix):
            m = np.asarray(matrix, dtype=np.float64)[rows][:, : n_bins * group]
            return m.reshape(len(rows), n_bins, group).sum(axis=2)

        pstride = max(1, int(np.ceil(len(self.price) / (4 * max_times))))
        return HeatmapView(
            name=self.name,
            times=self.times[rows],
            bin_edges=self.bin_edges[: n_bins * group + 1 : group],
            long=shrink(self.long),
            short=shrink(self.short),
            price_times=self.price_times[::pstride],
            price=np.asarray(self.price)[::pstride],
        )

    def price_range(self) -> tuple[float, float]:
        """A display range: the price path with a margin, clipped to the grid."""
        lo, hi = float(np.nanmin(self.price)), float(np.nanmax(self.price))
        pad = 0.15 * (hi - lo) + 0.01 * hi
        return max(lo - pad, float(self.bin_edges[0])), min(hi + pad, float(self.bin_edges[-1]))


def view_from_result(result, market, name: str = "heatmap") -> HeatmapView:
    """A :class:`HeatmapView` of a :class:`~liqbt.heatmap.HeatmapResult` with ``market``'s closes.

    The price line is drawn at bar closes (``open + bar_size``), the time a
    snapshot taken at that bar became known.
    """
    snaps = result.snapshots
    if len(snaps) == 0:
        from ..errors import LiqbtError

        raise LiqbtError("the heatmap has no snapshots to draw; set snapshot_every")
    bars = market.bars
    return HeatmapView(
        name=name,
        times=snaps.times,
        bin_edges=np.asarray(snaps.bin_edges, dtype=np.float64),
        long=snaps.long,
        short=snaps.short,
        price_times=bars.index + market.bar_size,
        price=bars["close"].to_numpy(dtype=np.float64),
    )
