"""What a heatmap picture shows: snapshots over time, bin edges, and the price line.

Renderers (PNG, HTML) take a :class:`HeatmapView`, so they never touch the
engine. Views are downsampled for display: snapshots by stride, bins by
summing neighbours (USD is preserved).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["HeatmapView", "PRICE_MARGIN", "view_from_result", "describe_map", "merge_candles"]


#: The price range drawn around the prices in view: ``margin[0]`` of their span plus ``margin[1]`` of the
#: highest price on each side (the PNG, the page's first view and its price axis following the candles).
PRICE_MARGIN = (0.15, 0.01)

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
    subtitle : str
        What the map is, for titles: symbol, venue(s), window, filters and model
        (:func:`describe_map`); empty when unknown.
    candles : DataFrame or None
        OHLC (``open``, ``high``, ``low``, ``close``) indexed by bar **open**, one
        row per candle of ``candle_size``; None when only the price line is known.
    candle_size : Timedelta or None
    """

    name: str
    times: pd.DatetimeIndex
    bin_edges: np.ndarray
    long: np.ndarray
    short: np.ndarray
    price_times: pd.DatetimeIndex
    price: np.ndarray
    subtitle: str = ""
    candles: pd.DataFrame | None = None
    candle_size: pd.Timedelta | None = None

    def downsample(self, max_times: int = 600, max_bins: int = 300, max_candles: int | None = None) -> "HeatmapView":
        """At most ``max_times`` columns (by stride), ``max_bins`` bins (summed) and ``max_candles`` candles
        (merged; default ``4 * max_times``)."""
        stride = max(1, int(np.ceil(len(self.times) / max_times)))
        rows = np.arange(len(self.times) - 1, -1, -stride)[::-1]  # keep the latest snapshot
        group = max(1, int(np.ceil((len(self.bin_edges) - 1) / max_bins)))
        n_bins = (len(self.bin_edges) - 1) // group

        def shrink(matrix):
            # rows first, then float64: the same values without converting the snapshots left out
            m = np.asarray(matrix)[rows, : n_bins * group].astype(np.float64)
            return m if group == 1 else m.reshape(len(rows), n_bins, group).sum(axis=2)

        pstride = max(1, int(np.ceil(len(self.price) / (4 * max_times))))
        return HeatmapView(
            name=self.name,
            times=self.times[rows],
            bin_edges=self.bin_edges[: n_bins * group + 1 : group],
            long=shrink(self.long),
            short=shrink(self.short),
            price_times=self.price_times[::pstride],
            price=np.asarray(self.price)[::pstride],
            subtitle=self.subtitle,
            **self._coarser_candles(4 * max_times if max_candles is None else max_candles),
        )

    def between(self, start=None, end=None) -> "HeatmapView":
        """The columns known in ``[start, end]``, with the closes and candles of that span (UTC; None = open).

        A map reconstructed from earlier data (so that a 30-day window is full) is
        drawn over the period of interest only.
        """
        def inside(index, shift=pd.Timedelta(0)):
            keep = np.ones(len(index), dtype=bool)
            if start is not None:
                keep &= index + shift > _utc(start)
            if end is not None:
                keep &= index + shift <= _utc(end)
            return keep

        rows, prices = inside(self.times), inside(self.price_times)
        candles = self.candles
        if candles is not None:
            # a candle belongs to the span when its close does, as a column does
            candles = candles[inside(candles.index, self.candle_size or pd.Timedelta(0))]
        return HeatmapView(name=self.name, times=self.times[rows], bin_edges=self.bin_edges, long=self.long[rows],
                           short=self.short[rows], price_times=self.price_times[prices],
                           price=np.asarray(self.price)[prices], subtitle=self.subtitle, candles=candles,
                           candle_size=self.candle_size)

    def bins_between(self, low: float, high: float) -> "HeatmapView":
        """Only the bins that overlap ``[low, high]`` USD (the price range a picture shows), so that a
        downsample spends its bins where the eye looks, not on the whole grid."""
        first = max(0, int(np.searchsorted(self.bin_edges, low, side="right")) - 1)
        last = min(len(self.bin_edges) - 1, int(np.searchsorted(self.bin_edges, high, side="left")))
        if last <= first:
            return self
        return HeatmapView(name=self.name, times=self.times, bin_edges=self.bin_edges[first:last + 1],
                           long=np.asarray(self.long)[:, first:last], short=np.asarray(self.short)[:, first:last],
                           price_times=self.price_times, price=self.price, subtitle=self.subtitle,
                           candles=self.candles, candle_size=self.candle_size)

    def candle_span(self) -> pd.Timedelta:
        """How long each candle lasts: ``candle_size``, or when it is not given the usual spacing of the
        candles' opens (one candle alone: one hour). The PNG and the HTML page both draw with it."""
        if self.candle_size is not None:
            return pd.Timedelta(self.candle_size)
        if self.candles is None or len(self.candles) < 2:
            return pd.Timedelta(hours=1)
        return pd.Series(pd.DatetimeIndex(self.candles.index)).diff().median()

    def _coarser_candles(self, max_candles: int) -> dict:
        candles, size = merge_candles(self.candles, self.candle_size, max_candles)
        return {"candles": candles, "candle_size": size}

    def price_range(self) -> tuple[float, float]:
        """A display range: the price path with a margin, clipped to the grid."""
        lo, hi = float(np.nanmin(self.price)), float(np.nanmax(self.price))
        if self.candles is not None and len(self.candles):
            # wicks reach past the closes: keep them in the picture
            lo, hi = min(lo, float(self.candles["low"].min())), max(hi, float(self.candles["high"].max()))
        pad = PRICE_MARGIN[0] * (hi - lo) + PRICE_MARGIN[1] * hi
        return max(lo - pad, float(self.bin_edges[0])), min(hi + pad, float(self.bin_edges[-1]))


def merge_candles(candles: pd.DataFrame | None, size: pd.Timedelta | None,
                  max_candles: int) -> tuple[pd.DataFrame | None, pd.Timedelta | None]:
    """At most ``max_candles`` candles, merging runs of consecutive ones (first open, max high,
    min low, last close) so a wick is never lost; ``size`` grows with the run (None stays None)."""
    if candles is None or len(candles) <= max_candles:
        return candles, size
    group = int(np.ceil(len(candles) / max_candles))
    key = np.arange(len(candles)) // group
    frame = candles.reset_index(names="open_time")
    merged = frame.groupby(key).agg(open_time=("open_time", "first"), open=("open", "first"),
                                    high=("high", "max"), low=("low", "min"), close=("close", "last"))
    return merged.set_index("open_time").rename_axis(None), None if size is None else size * group


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
        subtitle=describe_map(result, market),
        candles=bars[["open", "high", "low", "close"]].astype(np.float64),
        candle_size=market.bar_size,
    )


def describe_map(result, market) -> str:
    """``BTCUSDT · binance · window 7d · tiers 50-100x · range entries, lognormal 2-125x (median 25x, sigma 1.3),
    fraction_of_oi closes``: what a trader needs to read a picture of ``result``."""
    model = result.model
    venues = ", ".join(result.venues) if result.venues else (getattr(market, "venue", "") or "")
    parts = [getattr(market, "symbol", "") or "", venues, f"window {model.window}"]
    tiers = model.tier_filter
    if isinstance(tiers, tuple):
        parts.append("only " + "/".join(f"{t:g}" for t in tiers) + "x")
    elif tiers is not None:
        if tiers.min is None:
            parts.append(f"only ≤{tiers.max:g}x")
        elif tiers.max is None:
            parts.append(f"only ≥{tiers.min:g}x")
        else:
            parts.append(f"only {tiers.min:g}-{tiers.max:g}x")
    dist = model.leverage_distribution
    if model.leverage_tiers is not None:
        leverage = "tiers " + "/".join(f"{t.leverage:g}" for t in model.leverage_tiers) + "x"
    elif dist is not None:
        median = f"median {dist.median:g}x, " if dist.kind == "lognormal" else ""
        sigma = f"sigma {dist.sigma:g}" if dist.kind == "lognormal" else ""
        leverage = f"{dist.kind} {dist.min_leverage:g}-{dist.max_leverage:g}x" + (f" ({median}{sigma})" if sigma else "")
    else:
        leverage = "tiers 5/10/25/50/100x"
    parts.append(f"{model.entry_price} entries, {leverage}, {model.close_mode} closes")
    if model.decay_half_life is not None:
        parts.append(f"decay half-life {model.decay_half_life}")
    return " · ".join(p for p in parts if p)


def _utc(time) -> pd.Timestamp:
    when = pd.Timestamp(time)
    return when.tz_localize("UTC") if when.tz is None else when.tz_convert("UTC")
