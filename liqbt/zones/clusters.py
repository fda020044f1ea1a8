"""Liquidation clusters that stand out from their neighbourhood, magnet zones and cleared clusters.

The pipeline is ``zone sets -> per-bar zone table``:

* :func:`cluster_sets` finds, in every heatmap snapshot, the bands that are
  bright *relative to what surrounds them* (not in absolute USD);
* :func:`placebo_sets` moves each of them to a random distance drawn from the
  real distances seen so far (the honest baseline);
* :func:`sr_sets` replaces them by plain swing support/resistance levels;
* :func:`zone_table` turns any of these into per-bar dominant zones above and
  below the close (magnets, with distance) and the zones each bar cleared.

:func:`zones` does all of it for one ``source`` and is what the strategies call.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..data.market import Market
from ..errors import ConfigError, DataError
from ._validate import check_fraction, check_int, ohlc
from .enums import LEVEL_SOURCES, ZONE_COLUMNS
from .levels import swing_pivots
from .nb import (
    bar_zones_nb,
    empirical_draw_nb,
    local_imbalance_nb,
    pivot_zone_sets_nb,
    placebo_prices_nb,
    relative_clusters_nb,
)

__all__ = [
    "LEVEL_SOURCES",
    "ZoneSets",
    "cleared_events",
    "cluster_sets",
    "local_imbalance",
    "placebo_series",
    "placebo_sets",
    "snapshot_rows",
    "sr_sets",
    "zone_table",
    "zones",
]

#: What a strategy's zones come from.


@dataclass(frozen=True, eq=False)
class ZoneSets:
    """Zones in the kernels' compressed layout (see :mod:`liqbt.zones.nb`).

    Attributes
    ----------
    index : DatetimeIndex
        The market's bar index; ``set_rows`` point into it.
    set_rows : int64 (S,)
        Row at whose close set ``s`` becomes known.
    offsets : int64 (S + 1,)
    price : float64
        USD.
    weight : float64
        USD of the band (heatmap, placebo) or swing prominence (S/R).
    ratio : float64
        Band brightness over its neighbourhood (inf for S/R levels).
    side : int64
        +1 mostly long liquidations, -1 mostly short, 0 for S/R levels.
    source : str
    """

    index: pd.DatetimeIndex
    set_rows: np.ndarray
    offsets: np.ndarray
    price: np.ndarray
    weight: np.ndarray
    ratio: np.ndarray
    side: np.ndarray
    source: str

    def __len__(self) -> int:
        return len(self.set_rows)

    def to_frame(self) -> pd.DataFrame:
        """One row per zone: ``time`` (bar open of the set row), ``price``, ``weight``, ``ratio``, ``side``."""
        counts = np.diff(self.offsets)
        rows = np.repeat(self.set_rows, counts)
        return pd.DataFrame({"time": self.index[rows], "price": self.price, "weight": self.weight,
                             "ratio": self.ratio, "side": self.side})


def snapshot_rows(market: Market, heatmap) -> np.ndarray:
    """Rows of ``market`` at whose close each snapshot of ``heatmap`` was taken."""
    snaps = heatmap.snapshots
    if snaps is None or len(snaps) == 0:
        raise DataError("heatmap snapshots", "the heatmap has no snapshots; reconstruct it with snapshot_every "
                                             "(e.g. '1h') so that zones can be found")
    rows = market.index.get_indexer(snaps.bar_times)
    if (rows < 0).any():
        raise DataError("heatmap snapshots", f"{int((rows < 0).sum())} snapshot(s) are not on the market's bars; "
                                             "expected a heatmap reconstructed on this market")
    return rows.astype(np.int64)


def cluster_sets(market: Market, heatmap, *, band_bins: int = 1, neighbourhood_bins: int = 25,
                 min_ratio: float = 2.0, min_share: float = 0.002, max_dist: float = 0.1) -> ZoneSets:
    """Relative liquidation clusters of every snapshot of ``heatmap``.

    Parameters
    ----------
    market : Market
        The market the heatmap was reconstructed on.
    heatmap : HeatmapResult
        With snapshots.
    band_bins : int, default 1
        Half-width of a band, bins (a band is ``2 * band_bins + 1`` bins).
    neighbourhood_bins : int, default 25
        Bins each side of the peak that form its neighbourhood (the band excluded).
    min_ratio : float, default 2.0
        Minimum band mean / neighbourhood mean (USD per bin).
    min_share : float, default 0.002
        Minimum band USD as a fraction of the snapshot's total resting USD.
    max_dist : float, default 0.1
        Only bins within this fraction of the snapshot bar's close.
    """
    band_bins = check_int("band_bins", band_bins, low=0)
    neighbourhood_bins = check_int("neighbourhood_bins", neighbourhood_bins)
    if neighbourhood_bins <= band_bins:
        raise ConfigError(f"neighbourhood_bins ({neighbourhood_bins}) must exceed band_bins ({band_bins})")
    min_ratio = check_fraction("min_ratio", min_ratio)
    min_share = check_fraction("min_share", min_share, high=1.0)
    max_dist = check_fraction("max_dist", max_dist, strict=True)
    rows = snapshot_rows(market, heatmap)
    (close,) = ohlc(market, "close")
    snaps = heatmap.snapshots
    centres = np.ascontiguousarray(snaps.bin_centres, dtype=np.float64)
    offsets, _, price, usd, ratio, side = relative_clusters_nb(
        np.ascontiguousarray(snaps.long), np.ascontiguousarray(snaps.short), centres, close[rows],
        band_bins, neighbourhood_bins, min_ratio, min_share, max_dist)
    return ZoneSets(market.index, rows, offsets, price, usd, ratio, side, "heatmap")


def placebo_sets(sets: ZoneSets, market: Market, seed: int = 0) -> ZoneSets:
    """The same zones (count, weight, ratio, side) at random distances from the set row's close.

    Each distance is drawn, per side (above / below the close), from the
    empirical distribution of the real distances of all sets known so far:
    the placebo is point in time and reproducible from ``seed``.
    """
    seed = check_int("seed", seed, low=0)
    (close,) = ohlc(market, "close")
    u = np.random.default_rng(seed).random(len(sets.price))
    fake = placebo_prices_nb(sets.offsets, sets.price, close[sets.set_rows], u)
    return replace(sets, price=fake, source="placebo")


def sr_sets(market: Market, *, left: int = 12, right: int = 12, max_levels: int = 10) -> ZoneSets:
    """Plain swing support/resistance as zones: the last ``max_levels`` confirmed pivots, weighted by prominence."""
    max_levels = check_int("max_levels", max_levels)
    piv = swing_pivots(market, left, right)
    rows, offsets, price, weight, ratio, side = pivot_zone_sets_nb(*(piv[c].to_numpy() for c in piv.columns),
                                                                   max_levels)
    return ZoneSets(market.index, rows, offsets, price, weight, ratio, side, "sr")


def zone_table(market: Market, sets: ZoneSets, *, min_dist: float = 0.0, max_dist: float = 0.05) -> pd.DataFrame:
    """Per-bar magnet zones and cleared zones.

    Parameters
    ----------
    market : Market
    sets : ZoneSets
    min_dist, max_dist : float, default 0, 0.05
        Zones count on a row when their distance from the close is within
        these fractions.

    Returns
    -------
    DataFrame
        On the market's index, columns :data:`~liqbt.zones.enums.ZONE_COLUMNS`:
        the dominant (largest weight) live zone above and below the close with
        its price (USD), distance (fraction of the close, positive), weight,
        ratio and side; the number and total weight of live zones in range;
        and the zones cleared by the bar (price of the heaviest, total weight;
        a zone is cleared by the first bar whose high / low reaches it).
    """
    if not sets.index.equals(market.index):
        raise DataError("zone sets", "built on another market; expected the same bar index")
    min_dist = check_fraction("min_dist", min_dist)
    max_dist = check_fraction("max_dist", max_dist, low=min_dist, strict=True)
    high, low, close = ohlc(market)
    out = bar_zones_nb(sets.set_rows, sets.offsets, sets.price, sets.weight, sets.ratio, sets.side,
                       high, low, close, min_dist, max_dist)
    return pd.DataFrame(out, index=market.index, columns=list(ZONE_COLUMNS))


def zones(market: Market, heatmap=None, *, source: str = "heatmap", seed: int = 0, band_bins: int = 1,
          neighbourhood_bins: int = 25, min_ratio: float = 2.0, min_share: float = 0.002, min_dist: float = 0.0,
          max_dist: float = 0.05, swing_left: int = 12, swing_right: int = 12, max_levels: int = 10,
          memo: dict | None = None) -> pd.DataFrame:
    """:func:`zone_table` of the zones from ``source``.

    Parameters
    ----------
    source : {"heatmap", "placebo", "sr"}, default "heatmap"
        Relative heatmap clusters; the placebo of them (``seed``); or plain
        swing S/R levels (``swing_left``, ``swing_right``, ``max_levels``;
        no heatmap needed).
    memo : dict, optional
        Keeps the heatmap's :func:`cluster_sets` between calls (keyed by the heatmap object and the
        cluster parameters): the real heatmap and every placebo seed share one search, which is most
        of a call's time (the quickstart's heatmap and 5 placebo seeds: 1.5 s CPU without, 0.3 s with).
    """
    if source not in LEVEL_SOURCES:
        raise ConfigError(f"source: expected one of {list(LEVEL_SOURCES)}, found {source!r}")
    if source == "sr":
        sets = sr_sets(market, left=swing_left, right=swing_right, max_levels=max_levels)
    else:
        if heatmap is None:
            raise ConfigError(f"source {source!r} needs a heatmap")
        params = dict(band_bins=band_bins, neighbourhood_bins=neighbourhood_bins, min_ratio=min_ratio,
                      min_share=min_share, max_dist=max(2 * max_dist, 0.02))
        if memo is None:
            sets = cluster_sets(market, heatmap, **params)
        else:
            # the heatmap itself in the key (compared by identity): the memo keeps it alive, so no other
            # heatmap can take its place; params as given, checked by cluster_sets on the first call
            key = ("cluster_sets", market, heatmap, tuple(sorted(params.items())))
            if key not in memo:
                memo[key] = cluster_sets(market, heatmap, **params)
            sets = memo[key]
        if source == "placebo":
            sets = placebo_sets(sets, market, seed)
    return zone_table(market, sets, min_dist=min_dist, max_dist=max_dist)


def cleared_events(market: Market, heatmap, table: pd.DataFrame | None = None, **zone_kw) -> pd.DataFrame:
    """Clusters swept by a bar, with predicted and (when known) realised liquidations.

    Returns
    -------
    DataFrame
        One row per bar and side that cleared a cluster: ``time`` (bar open),
        ``side`` (``"above"`` clears short liquidations, ``"below"`` longs),
        ``cluster_price`` (USD, the heaviest swept), ``cluster_usd`` (USD the
        snapshot had in the swept bands), ``pred_liq_usd`` (the engine's
        liquidations in that bar), ``realised_liq_usd`` (realised
        liquidations of the interval holding the bar when the market has them,
        else NaN) and ``realised_known_at`` (close of that interval: the
        realised figure is not usable before it).
    """
    table = table if table is not None else zones(market, heatmap, **zone_kw)
    feats = heatmap.features
    parts = []
    for side, col_liq, real_col in (("above", "pred_liq_short_usd", "realised_liq_short_usd"),
                                    ("below", "pred_liq_long_usd", "realised_liq_long_usd")):
        hit = table[f"cleared_{side}_weight"] > 0
        times = table.index[hit.to_numpy()]
        frame = pd.DataFrame({"time": times, "side": side,
                              "cluster_price": table.loc[hit, f"cleared_{side}_price"].to_numpy(),
                              "cluster_usd": table.loc[hit, f"cleared_{side}_weight"].to_numpy(),
                              "pred_liq_usd": feats.loc[times, col_liq].to_numpy()})
        real, known = np.full(len(times), np.nan), pd.Series(pd.NaT, index=range(len(times)), dtype="datetime64[ns, UTC]")
        liq = market.liquidations
        if liq is not None and real_col in liq.columns and len(liq):
            size = market.liquidations_bar_size
            start = times.floor(size) if size is not None else times
            got = liq[real_col].reindex(start)
            real = got.to_numpy(dtype=np.float64)
            known = pd.Series(start + size, index=range(len(times)))
        elif real_col in market.bars.columns:
            real = market.bars.loc[times, real_col].to_numpy(dtype=np.float64)
            known = pd.Series(times + market.bar_size, index=range(len(times)))
        frame["realised_liq_usd"] = real
        frame["realised_known_at"] = known.to_numpy()
        parts.append(frame)
    return pd.concat(parts, ignore_index=True).sort_values(["time", "side"], ignore_index=True)


def local_imbalance(market: Market, heatmap, window: float = 0.03) -> pd.DataFrame:
    """Long liquidations resting below vs short liquidations above, within ``window`` of the close.

    Returns
    -------
    DataFrame
        ``long_below_usd``, ``short_above_usd`` and ``imbalance`` =
        (long_below - short_above) / (long_below + short_above) in [-1, 1]
        (> 0: more longs to liquidate below). From the latest snapshot known
        at the bar's close and the bar's close.
    """
    window = check_fraction("window", window, strict=True, high=1.0)
    rows = snapshot_rows(market, heatmap)
    (close,) = ohlc(market, "close")
    snaps = heatmap.snapshots
    lb, sa = local_imbalance_nb(rows, np.ascontiguousarray(snaps.long), np.ascontiguousarray(snaps.short),
                                np.ascontiguousarray(snaps.bin_edges, dtype=np.float64), close, window)
    tot = lb + sa
    with np.errstate(invalid="ignore", divide="ignore"):
        imb = np.where(tot > 0, (lb - sa) / tot, np.nan)
    return pd.DataFrame({"long_below_usd": lb, "short_above_usd": sa, "imbalance": imb}, index=market.index)


def placebo_series(values: pd.Series, seed: int = 0) -> pd.Series:
    """Each finite value replaced by one drawn (seeded) from the values seen so far (point in time)."""
    seed = check_int("seed", seed, low=0)
    x = np.ascontiguousarray(values.to_numpy(dtype=np.float64))
    u = np.random.default_rng(seed).random(len(x))
    return pd.Series(empirical_draw_nb(x, u), index=values.index, name=values.name)
