"""Order-book depth beside liquidation bands: a thin book toward a band, a wall at it.

Depth here is the resting order book of Binance BTCUSDT within ±1 % of the
price, in USD, as Market columns :data:`DEPTH_COLUMNS` (the ``known`` part of
the ``coinglass_v4`` source: 4-hourly snapshots, each known at its stamp and
carried on every bar that opens at or after it). Bids sit below the price,
asks above, so the ask depth is the book between the price and a band above
and the bid depth the book between the price and a band below.

Depth is judged *relative to its own recent level*: the depth known at a
bar's open over its trailing median (the depths known at the opens of the
bars in the trailing ``window``, current bar included: a time-weighted
median of the snapshots). A ratio below 1 is a thinner book than usual. The
vendor's depth reaches only 1 % from the price, so it sees the first 1 % of
the path to a farther band, and it cannot place a wall inside that 1 %: a
band counts as *walled* when it lies within the depth's ``reach`` and the
book on its side is unusually deep.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.market import Market
from ..errors import ConfigError, DataError
from ..heatmap.model import parse_duration
from ._validate import check_fraction

__all__ = ["DEPTH_COLUMNS", "DEPTH_CONFLUENCE_COLUMNS", "DEPTH_SOURCE", "depth_confluence", "depth_frame",
           "depth_ratio"]

#: Market columns of the ±1 % order-book depth, USD: resting bids below / asks above the price.
DEPTH_COLUMNS = ("bid_depth_1pct_usd", "ask_depth_1pct_usd")

#: Where the depth columns come from (named in the error when they are missing).
DEPTH_SOURCE = "a data source with format: coinglass_v4 and parts: [known] (Binance BTCUSDT ±1 % book depth)"

#: Columns of :func:`depth_confluence`.
DEPTH_CONFLUENCE_COLUMNS = ("bid_depth_ratio", "ask_depth_ratio", "above_thin", "above_wall", "below_thin",
                            "below_wall")


def depth_frame(market: Market) -> pd.DataFrame:
    """The market's depth columns :data:`DEPTH_COLUMNS` (USD, known at bar open) on its bars.

    Raises
    ------
    ConfigError
        When the market lacks them or they hold no value, naming the columns
        and the source that gives them (:data:`DEPTH_SOURCE`).
    DataError
        When a depth is not positive and finite, naming the column and bars.
    """
    if not isinstance(market, Market):
        raise ConfigError(f"expected a liqbt Market, found {type(market).__name__}")
    missing = [c for c in DEPTH_COLUMNS if c not in market.bars.columns]
    if missing:
        raise ConfigError(f"order-book depth: the market ({market.source or 'bars'}) has no column(s) {missing}; "
                          f"add {DEPTH_SOURCE}")
    empty = [c for c in DEPTH_COLUMNS if not market.bars[c].notna().any()]
    if empty:
        raise ConfigError(f"order-book depth: column(s) {empty} hold no value between {market.start} and "
                          f"{market.end}; add {DEPTH_SOURCE} covering that span")
    depth = market.bars[list(DEPTH_COLUMNS)].astype(np.float64)
    for column in DEPTH_COLUMNS:
        # a loader validates its files; a hand-built Market's known series are only aligned
        bad = ~(depth[column].isna() | (depth[column] > 0) & np.isfinite(depth[column]))
        if bad.any():
            pos = np.flatnonzero(bad.to_numpy())
            raise DataError(market.source or "market", "expected a positive, finite depth in USD", column=column,
                            rows=[f"bar {depth.index[p]}: {float(depth[column].iloc[p])!r}" for p in pos[:5]],
                            n_rows=len(pos))
    return depth


def depth_ratio(depth: pd.Series, window: str | pd.Timedelta = "30d",
                min_history: str | pd.Timedelta | None = None) -> pd.Series:
    """Depth over its trailing median: < 1 is a thinner book than usual.

    Parameters
    ----------
    depth : Series
        USD depth known at each bar's open, on a DatetimeIndex of bar opens.
    window : str or Timedelta, default "30d"
        Trailing span of the median: the bars opening in ``(t - window, t]``.
    min_history : str or Timedelta, optional
        NaN until the first depth value is at least this old. Default
        ``window / 4``.

    Returns
    -------
    Series
        Ratio on ``depth``'s index; NaN where the depth or its median is
        missing or not positive.
    """
    window = _timedelta("window", window)
    min_history = window / 4 if min_history is None else _timedelta("min_history", min_history)
    if not isinstance(depth.index, pd.DatetimeIndex):
        raise DataError("depth", "expected a series indexed by bar open times (DatetimeIndex)")
    values = depth.astype(np.float64)
    # pandas' time window ends at the current row and skips NaN: only depths known by t's open count
    median = values.rolling(window, min_periods=1).median()
    valid = values.notna().to_numpy()
    first = depth.index[np.argmax(valid)] if valid.any() else None
    old_enough = (depth.index - first >= min_history) if first is not None else np.zeros(len(depth), bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = values / median.where(median > 0)
    return ratio.where(old_enough).rename(f"{depth.name}_ratio" if depth.name else None)


def depth_confluence(depth: pd.DataFrame, table: pd.DataFrame, *, window: str | pd.Timedelta = "30d",
                     min_history: str | pd.Timedelta | None = None, thin_max: float = 0.8, wall_min: float = 1.25,
                     reach: float = 0.01) -> pd.DataFrame:
    """Per bar: is the book thin toward the dominant band above / below, or walled at it?

    Parameters
    ----------
    depth : DataFrame
        :data:`DEPTH_COLUMNS` (USD, known at bar open), e.g. :func:`depth_frame`.
    table : DataFrame
        Per-bar zones on the same index (:func:`liqbt.zones.zones`): the band
        above is ``above_price`` at ``above_dist`` (fraction of the close),
        below likewise.
    window, min_history : str or Timedelta
        Of the trailing median (:func:`depth_ratio`).
    thin_max : float, default 0.8
        A side is thin when its depth ratio is at most this.
    wall_min : float, default 1.25
        A band is walled when its side's depth ratio is at least this and
        the band lies within ``reach``.
    reach : float, default 0.01
        Fraction of the close the depth covers (the vendor's ±1 %).

    Returns
    -------
    DataFrame
        On the table's index: ``bid_depth_ratio`` and ``ask_depth_ratio``
        (float, NaN before ``min_history`` of depth); ``above_thin``,
        ``above_wall``, ``below_thin``, ``below_wall`` (bool; False without a
        band on that side or without a ratio). Row ``t`` uses the zones known
        at ``t``'s close and the depth known at ``t``'s open.
    """
    thin_max = check_fraction("thin_max", thin_max, strict=True)
    wall_min = check_fraction("wall_min", wall_min, strict=True)
    reach = check_fraction("reach", reach, strict=True, high=1.0)
    missing = [c for c in DEPTH_COLUMNS if c not in depth.columns]
    if missing:
        raise ConfigError(f"order-book depth: no column(s) {missing}; add {DEPTH_SOURCE}")
    if not depth.index.equals(table.index):
        raise DataError("depth confluence", "depth and zones are on different indexes; expected the same bars")
    bid = depth_ratio(depth["bid_depth_1pct_usd"], window, min_history).to_numpy()
    ask = depth_ratio(depth["ask_depth_1pct_usd"], window, min_history).to_numpy()
    out = {"bid_depth_ratio": bid, "ask_depth_ratio": ask}
    # NaN compares False: no band or no ratio gives no flag
    with np.errstate(invalid="ignore"):
        for side, ratio in (("above", ask), ("below", bid)):
            dist = table[f"{side}_dist"].to_numpy(dtype=np.float64)
            has_band = np.isfinite(dist)
            out[f"{side}_thin"] = has_band & (ratio <= thin_max)
            out[f"{side}_wall"] = has_band & (dist <= reach) & (ratio >= wall_min)
    return pd.DataFrame(out, index=table.index)[list(DEPTH_CONFLUENCE_COLUMNS)]


def _timedelta(name: str, value) -> pd.Timedelta:
    """A positive span from a Timedelta or a duration string (the heatmap window's grammar: '30d', '12h')."""
    if isinstance(value, pd.Timedelta):
        if pd.isna(value) or value <= pd.Timedelta(0):
            raise ConfigError(f"{name}: expected a positive duration such as '30d', found {value!r}")
        return value
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None
