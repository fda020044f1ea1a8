"""The heatmap as tables: the whole grid (``liqbt heatmap --export``) and the profile at a time (``--at``).

Both read the snapshots a reconstruction kept (every ``output.snapshot_every``);
a snapshot is stamped with the **close** of the bar it was taken at, the time it
became known, so the profile at ``t`` is built from bars that closed by ``t``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from .result import HeatmapResult

__all__ = ["GRID_COLUMNS", "PROFILE_COLUMNS", "grid_frame", "profile_table", "parse_time"]

#: Columns of :func:`grid_frame` (long layout, one row per snapshot and price bin).
GRID_COLUMNS = ("heatmap", "time", "bar_open", "bin", "bin_low_usd", "bin_high_usd", "long_usd", "short_usd")
#: Columns of :func:`profile_table` (one row per price bin, highest price first).
PROFILE_COLUMNS = ("bin", "bin_low_usd", "bin_high_usd", "distance_pct", "long_usd", "short_usd",
                   "cum_long_usd", "cum_short_usd")


def grid_frame(result: HeatmapResult, name: str) -> pd.DataFrame:
    """Every snapshot of ``result`` in long layout: one row per (snapshot, price bin).

    Parameters
    ----------
    result : HeatmapResult
    name : str
        The heatmap's name in the config, repeated in column ``heatmap`` so the
        maps of one config can share a file.

    Returns
    -------
    DataFrame
        :data:`GRID_COLUMNS`: ``time`` (UTC bar close, when the snapshot became
        known), ``bar_open`` (UTC open of that bar, the features' index), ``bin``
        (the lattice index of the bin, ascending with price; on a fixed
        ``n_bins`` grid, 0 = lowest price), ``bin_low_usd`` / ``bin_high_usd``
        (the bin's price edges, USD), ``long_usd`` / ``short_usd`` (USD of
        positions whose liquidation price lies in the bin). Per snapshot, the
        bins from its lowest to its highest occupied one (every bin of a fixed
        ``n_bins`` grid), empty bins in between included; so the rows of a
        snapshot depend on nothing after it.
    """
    snaps = result.snapshots
    edges = np.asarray(snaps.grid_edges, dtype=np.float64)
    spans = [snaps.occupied(i) for i in range(len(snaps))]
    bins = [np.arange(b0, b1, dtype=np.int64) for b0, b1 in spans]
    counts = np.array([len(b) for b in bins], dtype=np.int64)
    b = np.concatenate(bins) if bins else np.zeros(0, dtype=np.int64)
    long, short = np.zeros(len(b)), np.zeros(len(b))
    pos = np.concatenate(([0], np.cumsum(counts)))
    for i, (b0, _) in enumerate(spans):
        for side, out in ((0, long), (1, short)):
            first, vals = snaps.segment(i, side)
            out[pos[i] + first - b0:pos[i] + first - b0 + len(vals)] = vals
    return pd.DataFrame({
        "heatmap": pd.Categorical([name] * len(b)),
        "time": snaps.times.repeat(counts),
        "bar_open": snaps.bar_times.repeat(counts),
        "bin": (b if snaps.full else b + snaps.first_bin).astype(np.int32 if snaps.full else np.int64),
        "bin_low_usd": edges[b],
        "bin_high_usd": edges[b + 1],
        "long_usd": long,
        "short_usd": short,
    }, columns=list(GRID_COLUMNS))


def parse_time(text: str, what: str = "--at") -> pd.Timestamp:
    """``text`` as a UTC timestamp (no zone means UTC), or a one-line DataError naming ``what``."""
    try:
        when = pd.Timestamp(text)
    except (ValueError, TypeError):
        raise DataError(what, f"{text!r} is not a time; expected e.g. 2025-12-20 or 2025-12-20T14:00") from None
    if when is pd.NaT:
        raise DataError(what, f"{text!r} is not a time; expected e.g. 2025-12-20 or 2025-12-20T14:00")
    return when.tz_localize("UTC") if when.tz is None else when.tz_convert("UTC")


def profile_table(result: HeatmapResult, close: pd.Series, time, *, end=None,
                  name: str = "heatmap") -> tuple[pd.Timestamp, float, pd.DataFrame]:
    """The profile known at ``time``: the last snapshot taken at a bar close ``<= time``.

    Parameters
    ----------
    result : HeatmapResult
    close : Series
        Close price (USD) on the bar-open index of the market the map was fixed
        on; the price of the snapshot is the close of its bar (known at its time).
    time : str or Timestamp
        UTC when it has no zone.
    end : Timestamp, optional
        Close of the data's last bar; a ``time`` after it is outside the data
        (default: the last snapshot's time).
    name : str, default "heatmap"
        Named in errors.

    Returns
    -------
    snapshot_time : Timestamp
        When the snapshot used became known (bar close, ``<= time``).
    price : float
        The close at that bar, USD.
    table : DataFrame
        :data:`PROFILE_COLUMNS`, highest price first: ``distance_pct`` of the
        bin's geometric centre from the price (percent, negative below);
        ``cum_long_usd`` the long USD between the price and the bin's low (what
        a fall to there would liquidate; 0 above the price), ``cum_short_usd``
        the short USD between the price and the bin's high (a rise; 0 below).

    Raises
    ------
    DataError
        ``time`` before the first snapshot or after ``end``: the message names the span.
    """
    snaps = result.snapshots
    when = parse_time(time) if isinstance(time, str) else pd.Timestamp(time)
    when = when.tz_localize("UTC") if when.tz is None else when
    if not len(snaps):
        raise DataError(f"heatmap {name}", "no snapshots were kept; nothing to show at a time")
    last = pd.Timestamp(end) if end is not None else snaps.times[-1]
    if when < snaps.times[0] or when > last:
        raise DataError(f"heatmap {name}", f"--at {when}: outside the map, which spans {snaps.times[0]} -> {last} "
                                           "(first snapshot known -> last bar close, UTC)")
    profile = snaps.profile_at(when)
    i = int(snaps.times.get_loc(profile.time))
    price = float(close.loc[snaps.bar_times[i]])
    # the bins this snapshot occupies (not the span of every snapshot, which later bars can widen)
    b0, b1 = snaps.occupied(i)
    edges = np.asarray(snaps.grid_edges[b0:b1 + 1], dtype=np.float64)
    low, high = edges[:-1], edges[1:]
    s0 = snaps.span[0]
    long = np.asarray(profile.long[b0 - s0:b1 - s0], dtype=np.float64)
    short = np.asarray(profile.short[b0 - s0:b1 - s0], dtype=np.float64)
    # a fall to a bin's low crosses every bin from the price down to it; a rise to a bin's high, up to it
    below = np.where(low < price, long, 0.0)
    cum_long = np.where(low < price, np.cumsum(below[::-1])[::-1], 0.0)
    above = np.where(high > price, short, 0.0)
    cum_short = np.where(high > price, np.cumsum(above), 0.0)
    table = pd.DataFrame({
        "bin": np.arange(b0, b1) + (0 if snaps.full else snaps.first_bin), "bin_low_usd": low, "bin_high_usd": high,
        "distance_pct": (np.sqrt(low * high) / price - 1.0) * 100.0,
        "long_usd": long, "short_usd": short, "cum_long_usd": cum_long, "cum_short_usd": cum_short,
    }, columns=list(PROFILE_COLUMNS))
    return profile.time, price, table.iloc[::-1].reset_index(drop=True)
