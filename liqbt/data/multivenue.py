"""Long-format multi-venue parquet files (one row per timestamp, venue and coin).

Folder layout:

* ``candles.parquet``: ``timestamp, venue, coin, o, h, l, c, v`` (bar open, base volume);
* ``funding_rates.parquet``: ``timestamp, venue, coin, funding_rate`` (event
  times, fraction per the venue's own funding period);
* ``open_interest.parquet``: ``timestamp, venue, coin, oi_usd`` (snapshot at
  ``timestamp``; only some venues);
* ``liquidation_events.parquet``: ``timestamp, venue, coin, side, size_usd,
  price`` individual liquidation fills. ``side`` is the liquidation order's
  side: a sell (``S``) closes a long, so it counts as a long liquidation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from .bundle import DataBundle
from .market import GapPolicy, Market, MultiVenueMarket
from .validate import (check_data_folder, check_funding_unit, check_index, check_non_negative, numeric_columns,
                       read_table, to_utc_index)

__all__ = ["read_multivenue", "load_multivenue", "liquidation_events_to_bars"]

_SIDE_TO_COLUMN = {"S": "realised_liq_long_usd", "SELL": "realised_liq_long_usd",
                   "B": "realised_liq_short_usd", "BUY": "realised_liq_short_usd"}


_FILES = {
    "candles": ("candles.parquet", ("timestamp", "venue", "coin", "o", "h", "l", "c", "v")),
    "funding": ("funding_rates.parquet", ("timestamp", "venue", "coin", "funding_rate")),
    "open_interest": ("open_interest.parquet", ("timestamp", "venue", "coin", "oi_usd")),
    "liquidations": ("liquidation_events.parquet", ("timestamp", "venue", "coin", "side", "size_usd")),
}


def _read_tables(folder: Path, parts=None) -> dict[str, tuple[pd.DataFrame, str]]:
    """Each file of the folder read once; only candles are required, only ``parts`` are read."""
    tables = {}
    for part, (name, columns) in _FILES.items():
        if parts is not None and part not in parts:
            continue
        path = folder / name
        if part == "candles" or path.exists() or path.is_symlink():
            tables[part] = (_read_parquet(path, columns), str(path))
    return tables


def _read_parquet(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    return read_table(path, pd.read_parquet, "parquet", columns)


def _select(frame: pd.DataFrame, venue: str, coin: str, source: str) -> pd.DataFrame:
    rows = frame[(frame["venue"] == venue) & (frame["coin"] == coin)]
    label = f"{source} [{venue} {coin}]"  # row numbers count within the venue and coin
    index = to_utc_index(rows["timestamp"], label, "timestamp")
    numbers = [c for c in rows.columns if c not in ("timestamp", "venue", "coin", "side")]
    out = numeric_columns(rows.reset_index(drop=True), numbers, label)
    out.index = index
    if len(out):
        check_index(index, label, "timestamp")
    return out


def liquidation_events_to_bars(events: pd.DataFrame, bar_size: pd.Timedelta, source: str) -> pd.DataFrame:
    """Sum individual liquidation fills (``side``, ``size_usd``) into bars at bar open.

    Bars with no event are absent from the result, not zero: the event file
    only tells what happened while it was recording.
    """
    sides = events["side"].astype(str).str.upper()
    unknown = ~sides.isin(list(_SIDE_TO_COLUMN))
    if unknown.any():
        bad = np.flatnonzero(unknown.to_numpy())
        raise DataError(source, f"unknown liquidation side; expected one of {sorted(_SIDE_TO_COLUMN)}",
                        column="side", rows=[f"row {i} ({sides.iloc[i]!r})" for i in bad[:5]], n_rows=len(bad))
    frame = pd.DataFrame({"column": sides.map(_SIDE_TO_COLUMN).to_numpy(),
                          "size_usd": events["size_usd"].to_numpy(dtype=np.float64)},
                         index=events.index.floor(bar_size))
    table = frame.pivot_table(index=frame.index, columns="column", values="size_usd", aggfunc="sum", fill_value=0.0)
    for col in ("realised_liq_long_usd", "realised_liq_short_usd"):
        if col not in table.columns:
            table[col] = 0.0
    table.index.name = "time"
    table.columns.name = None
    return table[["realised_liq_long_usd", "realised_liq_short_usd"]]


def read_multivenue(folder: str | Path, coin: str, venue: str, *, bar_size: str | pd.Timedelta = "1h",
                    parts=None) -> DataBundle:
    """One venue and coin from the long-format folder as a :class:`DataBundle`.

    ``parts`` (``candles``, ``funding``, ``open_interest``, ``liquidations``;
    default all) limits which files are read.
    """
    folder = check_data_folder(folder, "the multi-venue parquet folder")
    return _bundle_from_tables(_read_tables(folder, parts), coin, venue, pd.Timedelta(bar_size))


def _bundle_from_tables(tables, coin: str, venue: str, bar_size: pd.Timedelta) -> DataBundle:
    sources: dict[str, str] = {}
    parts: dict = {}
    if "candles" in tables:
        candles_all, cpath = tables["candles"]
        have = sorted(set(zip(candles_all["venue"], candles_all["coin"])))
        if (venue, coin) not in have:
            raise DataError(cpath, f"no candles for venue {venue!r} coin {coin!r}; available: "
                                   f"{sorted({v for v, _ in have})} x {sorted({c for _, c in have})}")
        candles = _select(candles_all, venue, coin, cpath).rename(
            columns={"o": "open", "h": "high", "l": "low", "c": "close", "v": "volume"})
        sources["candles"] = cpath
        parts.update(candles=candles, candles_bar_size=bar_size)

    if "funding" in tables:
        funding, fpath = tables["funding"]
        rows = _select(funding, venue, coin, fpath)
        if len(rows):
            rates = rows["funding_rate"].astype(np.float64).rename("funding_rate")
            check_funding_unit(rates, "fraction", f"{fpath} [{venue} {coin}]")
            parts["funding"] = rates
            sources["funding"] = fpath

    if "open_interest" in tables:
        oi, opath = tables["open_interest"]
        rows = _select(oi, venue, coin, opath)
        if len(rows):
            parts["open_interest"] = rows["oi_usd"].astype(np.float64)
            sources["open_interest"] = opath

    if "liquidations" in tables:
        events, lpath = tables["liquidations"]
        rows = events[(events["venue"] == venue) & (events["coin"] == coin)]
        if len(rows):
            label = f"{lpath} [{venue} {coin}]"
            rows = rows.set_index(to_utc_index(rows["timestamp"], label, "timestamp"))
            if not rows.index.is_monotonic_increasing:
                raise DataError(label, "timestamps not sorted; expected ascending", column="timestamp")
            sizes = numeric_columns(rows, ["size_usd"], label)
            check_non_negative(sizes, ["size_usd"], label)
            rows = rows.assign(size_usd=sizes["size_usd"].to_numpy())
            parts["liquidations"] = liquidation_events_to_bars(rows, bar_size, lpath)
            parts["liquidations_bar_size"] = bar_size
            sources["liquidations"] = lpath

    return DataBundle(sources=sources, symbol=f"{coin}USD", venue=venue, **parts)


def load_multivenue(
    folder: str | Path, coin: str, venues: list[str] | None = None, *, bar_size: str = "1h",
    gaps: GapPolicy = "report",
) -> MultiVenueMarket:
    """Several venues of one coin as a :class:`~liqbt.data.MultiVenueMarket`.

    ``venues=None`` takes every venue with candles for ``coin``.
    """
    folder = check_data_folder(folder, "the multi-venue parquet folder")
    tables = _read_tables(folder)
    if venues is None:
        frame, cpath = tables["candles"]
        venues = sorted(frame.loc[frame["coin"] == coin, "venue"].unique())
        if not venues:
            raise DataError(cpath, f"no venue has candles for coin {coin!r}")
    markets: dict[str, Market] = {}
    for venue in venues:
        bundle = _bundle_from_tables(tables, coin, venue, pd.Timedelta(bar_size))
        markets[venue] = bundle.to_market(gaps=gaps)
    return MultiVenueMarket(symbol=f"{coin}USD", markets=markets)
