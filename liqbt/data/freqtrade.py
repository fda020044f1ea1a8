"""freqtrade "feather" layout: one Arrow IPC file per pair, timeframe and kind.

Files are named ``{BASE}_{QUOTE}_{SETTLE}-{timeframe}-{kind}.feather`` with
``kind`` one of ``futures`` (trade-price candles), ``mark`` (mark-price
candles) and ``funding_rate`` (one row per funding event, rate in column
``open`` as a fraction, whatever the timeframe in the name says). Columns are
``date, open, high, low, close, volume`` with ``date`` the UTC bar open.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import DataError
from .bundle import DataBundle
from .market import GapPolicy, Market
from .validate import check_data_folder, check_funding_unit, numeric_columns, read_table, to_utc_index

__all__ = ["read_feather_frame", "read_freqtrade", "load_freqtrade", "parse_timeframe", "pair_to_filename"]

_COLUMNS = ("date", "open", "high", "low", "close", "volume")
FILE_NAME = re.compile(r"^(?P<pair>.+)-(?P<timeframe>\d+[mhdw])-(?P<kind>futures|mark|funding_rate)\.feather$")


def parse_timeframe(timeframe: str) -> pd.Timedelta:
    """``"5m"`` -> 5 minutes, ``"1h"``, ``"8h"``, ``"1d"``, ``"1w"``."""
    match = re.fullmatch(r"(\d+)([mhdw])", str(timeframe))
    if not match:
        raise DataError("timeframe", f"expected a timeframe like '1m', '5m', '1h', '1d', found {timeframe!r}")
    count, unit = int(match.group(1)), match.group(2)
    return pd.Timedelta(**{{"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[unit]: count})


def pair_to_filename(pair: str) -> str:
    """``"BTC/USDT:USDT"`` -> ``"BTC_USDT_USDT"`` (freqtrade's file stem)."""
    return pair.replace("/", "_").replace(":", "_")


def read_feather_frame(path: str | Path) -> pd.DataFrame:
    """A validated ``date, open, high, low, close, volume`` frame indexed by UTC bar open.

    ``date`` is a UTC datetime column as freqtrade writes it; integer epoch
    milliseconds are accepted too (µs and ns detected by magnitude and converted
    exactly, see :func:`~liqbt.data.validate.to_utc_index`). Text in a number
    column is an error naming the rows.
    """
    path = Path(path)
    frame = read_table(path, pd.read_feather, "feather (Arrow IPC)", _COLUMNS)
    dates = frame["date"]
    numeric_dates = dates.dtype.kind in "iuf"
    index = to_utc_index(dates, str(path), "date", unit="ms" if numeric_dates else None)
    out = numeric_columns(frame, _COLUMNS[1:], str(path))
    out.index = index
    return out


def _locate(datadir: Path, stem: str, kind: str, timeframe: str | None) -> Path | None:
    if timeframe is not None:
        path = datadir / f"{stem}-{timeframe}-{kind}.feather"
        return path if path.exists() else None
    found = []
    for path in datadir.glob(f"{stem}-*-{kind}.feather"):
        m = FILE_NAME.match(path.name)
        if m and m.group("pair") == stem:
            found.append((parse_timeframe(m.group("timeframe")), path))
    return min(found)[1] if found else None


def read_freqtrade(
    datadir: str | Path,
    pair: str,
    timeframe: str,
    *,
    mark: bool | str = True,
    funding: bool = True,
    funding_unit: str = "fraction",
    candles: bool = True,
) -> DataBundle:
    """Read candles, and where present mark price and funding, of one pair.

    Parameters
    ----------
    datadir : path
        Folder holding the ``.feather`` files.
    pair : str
        freqtrade pair, ``"BTC/USDT:USDT"``, or the file stem ``"BTC_USDT_USDT"``.
    timeframe : str
        Candle timeframe, e.g. ``"5m"``.
    mark : bool or str, default True
        Read the mark-price file: the one at ``timeframe`` if present, else the
        finest available. A timeframe string picks that file.
    funding : bool, default True
        Read the funding-rate file (any timeframe in its name).
    funding_unit : {"fraction", "percent"}, default "fraction"
        freqtrade stores fractions; the check raises if the numbers say otherwise.
    candles : bool, default True
        Read the candle file (a source used only for its funding or mark price
        does not need one).
    """
    datadir = check_data_folder(datadir, "a freqtrade data folder of .feather files")
    stem = pair_to_filename(pair)
    sources: dict[str, str] = {}
    bundle: dict = {}
    if candles:
        candle_path = datadir / f"{stem}-{timeframe}-futures.feather"
        if not candle_path.exists() and not candle_path.is_symlink():
            have = (sorted(p.name for p in datadir.glob(f"{stem}-*.feather"))
                    or sorted(p.name for p in datadir.glob("*.feather")))
            raise DataError(str(candle_path), f"file not found; files in {datadir}: {have[:12]}")
        bundle = dict(candles=read_feather_frame(candle_path), candles_bar_size=parse_timeframe(timeframe))
        sources["candles"] = str(candle_path)

    if mark:
        if isinstance(mark, str):
            path = _locate(datadir, stem, "mark", mark)
            if path is None:
                raise DataError(str(datadir / f"{stem}-{mark}-mark.feather"), "file not found")
        else:
            path = _locate(datadir, stem, "mark", timeframe) or _locate(datadir, stem, "mark", None)
        if path is not None:
            frame = read_feather_frame(path)
            bundle["mark"] = frame[["open", "high", "low", "close"]]
            bundle["mark_bar_size"] = parse_timeframe(FILE_NAME.match(path.name).group("timeframe"))
            sources["mark"] = str(path)

    if funding:
        path = _locate(datadir, stem, "funding_rate", None)
        if path is not None:
            frame = read_feather_frame(path)
            rates = frame["open"].rename("funding_rate")
            check_funding_unit(rates, funding_unit, str(path), column="open")
            bundle["funding"] = rates / 100.0 if funding_unit == "percent" else rates
            sources["funding"] = str(path)

    symbol = stem.split("_")[0] + stem.split("_")[1] if stem.count("_") >= 1 else stem
    return DataBundle(sources=sources, symbol=symbol, venue="binance", **bundle)


def load_freqtrade(
    datadir: str | Path,
    pair: str,
    timeframe: str,
    *,
    mark: bool | str = True,
    funding: bool = True,
    gaps: GapPolicy = "report",
) -> Market:
    """:func:`read_freqtrade` aligned into a :class:`~liqbt.data.Market`."""
    return read_freqtrade(datadir, pair, timeframe, mark=mark, funding=funding).to_market(gaps=gaps)
