"""Readers for the Binance public data archive (data.binance.vision), USDⓈ-M futures.

The archive holds one ``.zip`` per day or month, each with one CSV inside and a
sibling ``.zip.CHECKSUM`` (sha256, ``<hex>  <filename>``)::

    data/futures/um/{daily,monthly}/klines/BTCUSDT/5m/BTCUSDT-5m-2024-01-01.zip
    data/futures/um/{daily,monthly}/markPriceKlines/BTCUSDT/5m/BTCUSDT-5m-2024-01.zip
    data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2024-01.zip
    data/futures/um/daily/metrics/BTCUSDT/BTCUSDT-metrics-2024-01-01.zip
    data/futures/um/daily/liquidationSnapshot/BTCUSDT/BTCUSDT-liquidationSnapshot-2024-01-01.zip

Each ``read_*`` function reads one zip straight from disk (nothing is
extracted), verifies the checksum file when it is present and returns pandas
objects in liqbt's vocabulary (see :mod:`liqbt.data.market`).
:func:`read_binance_archive` walks a local copy of the archive (as written by
:func:`liqbt.data.download.download_archive`) and returns a
:class:`~liqbt.data.DataBundle`.

Timing conventions
------------------
* klines and mark-price klines are stamped at bar **open**;
* funding events are stamped at their exact ``calc_time``;
* ``metrics`` values are stamped at ``create_time``, the time they became known;
* liquidations are summed into bars stamped at bar open.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError
from .bundle import DataBundle
from .validate import (
    check_funding_unit,
    check_index,
    check_non_negative,
    check_prices,
    require_columns,
    to_utc_index,
)

__all__ = [
    "ARCHIVE_KINDS",
    "KLINE_INTERVALS",
    "ArchiveFile",
    "ArchiveWarning",
    "archive_path",
    "interval_bar_size",
    "file_sha256",
    "read_checksum_file",
    "parse_checksum_text",
    "verify_checksum",
    "unsafe_member_reason",
    "find_archive_files",
    "read_klines",
    "read_mark_price_klines",
    "read_funding_rate",
    "read_metrics",
    "read_liquidation_snapshot",
    "read_binance_archive",
]

ARCHIVE_KINDS = ("klines", "markPriceKlines", "fundingRate", "metrics", "liquidationSnapshot")
KLINE_INTERVALS = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1mo")
FREQUENCIES = ("monthly", "daily")
UM_ROOT = PurePosixPath("data/futures/um")

KLINE_COLUMNS = (
    "open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume",
    "count", "taker_buy_volume", "taker_buy_quote_volume", "ignore",
)
FUNDING_COLUMNS = ("calc_time", "funding_interval_hours", "last_funding_rate")
METRICS_COLUMNS = (
    "create_time", "symbol", "sum_open_interest", "sum_open_interest_value",
    "count_toptrader_long_short_ratio", "sum_toptrader_long_short_ratio",
    "count_long_short_ratio", "sum_taker_long_short_vol_ratio",
)
LIQUIDATION_COLUMNS = (
    "time", "side", "order_type", "time_in_force", "original_quantity", "price",
    "average_price", "order_status", "last_fill_quantity", "accumulated_fill_quantity",
)

#: metrics column -> name of the "known" series (dimensionless ratios).
METRICS_RATIOS = {
    "count_toptrader_long_short_ratio": "top_trader_account_ls_ratio",
    "sum_toptrader_long_short_ratio": "top_trader_position_ls_ratio",
    "count_long_short_ratio": "account_ls_ratio",
    "sum_taker_long_short_vol_ratio": "taker_buy_sell_volume_ratio",
}
CANDLE_COLUMNS = (
    "open", "high", "low", "close", "volume", "quote_volume",
    "taker_buy_volume", "taker_buy_quote_volume", "trades",
)
LIQ_COLUMNS = ("realised_liq_long_usd", "realised_liq_short_usd")
_TIME_COLUMNS = {"klines": "open_time", "markPriceKlines": "open_time", "fundingRate": "calc_time",
                 "metrics": "create_time", "liquidationSnapshot": "time"}

# Epoch milliseconds today are ~1.7e12, microseconds ~1.7e15.
_MICROSECONDS_FROM = 10**14
_SYMBOL_RE = re.compile(r"^[A-Z0-9][A-Z0-9_]{0,39}$")
_NAME_RE = r"^{symbol}-{label}-(?P<year>\d{{4}})-(?P<month>\d{{2}})(?:-(?P<day>\d{{2}}))?\.zip$"
_ONE_DAY = pd.Timedelta("1D")


class ArchiveWarning(UserWarning):
    """Archive files are missing for part of a requested range or kind."""


# --------------------------------------------------------------------- names
def _suggest(value: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(value), choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _check_kind(kind: str) -> None:
    if kind not in ARCHIVE_KINDS:
        raise ConfigError(f"unknown archive kind {kind!r}; expected one of {list(ARCHIVE_KINDS)}"
                          + _suggest(kind, ARCHIVE_KINDS))


def _check_interval(interval: str) -> None:
    if interval not in KLINE_INTERVALS:
        raise ConfigError(f"unknown kline interval {interval!r}; expected one of {list(KLINE_INTERVALS)}"
                          + _suggest(interval, KLINE_INTERVALS))


def _check_symbol(symbol: str) -> None:
    if not isinstance(symbol, str) or not _SYMBOL_RE.match(symbol):
        raise ConfigError(f"invalid symbol {symbol!r}; expected upper-case letters, digits and '_' "
                          "as on Binance (for example 'BTCUSDT')")


def _has_interval(kind: str) -> bool:
    return kind in ("klines", "markPriceKlines")


def interval_bar_size(interval: str) -> pd.Timedelta | None:
    """The fixed length of a Binance kline interval (``None`` for ``"1mo"``).

    Parameters
    ----------
    interval : str
        One of :data:`KLINE_INTERVALS`, for example ``"5m"``, ``"1h"``, ``"1w"``.
    """
    _check_interval(interval)
    if interval == "1mo":
        return None
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    return pd.Timedelta(**{units[interval[-1]]: int(interval[:-1])})


def _label(kind: str, interval: str | None) -> str:
    if _has_interval(kind):
        if interval is None:
            raise ConfigError(f"archive kind {kind!r} needs an interval (for example '5m')")
        _check_interval(interval)
        return interval
    return kind


def _archive_dir(kind: str, symbol: str, frequency: str, interval: str | None) -> PurePosixPath:
    _check_kind(kind)
    _check_symbol(symbol)
    if frequency not in FREQUENCIES:
        raise ConfigError(f"unknown archive frequency {frequency!r}; expected 'daily' or 'monthly'")
    folder = UM_ROOT / frequency / kind / symbol
    return folder / _label(kind, interval) if _has_interval(kind) else folder


def archive_path(kind: str, symbol: str, frequency: str, period: date, *,
                 interval: str | None = None) -> PurePosixPath:
    """Relative path of one archive zip, as on data.binance.vision.

    Parameters
    ----------
    kind : str
        One of :data:`ARCHIVE_KINDS`.
    symbol : str
        For example ``"BTCUSDT"``.
    frequency : {"daily", "monthly"}
    period : date
        The day, or any day of the month for monthly files.
    interval : str, optional
        Kline interval; required for ``klines`` and ``markPriceKlines``.

    Returns
    -------
    PurePosixPath
        For example ``data/futures/um/daily/klines/BTCUSDT/5m/BTCUSDT-5m-2024-01-01.zip``.
    """
    folder = _archive_dir(kind, symbol, frequency, interval)
    stamp = f"{period:%Y-%m}" if frequency == "monthly" else f"{period:%Y-%m-%d}"
    return folder / f"{symbol}-{_label(kind, interval)}-{stamp}.zip"


@dataclass(frozen=True)
class ArchiveFile:
    """One zip of the archive and the period it covers.

    Attributes
    ----------
    kind : str
        One of :data:`ARCHIVE_KINDS`.
    frequency : {"daily", "monthly"}
    start, end : Timestamp
        UTC period covered by the file, ``start <= t < end``.
    relpath : PurePosixPath
        Path below the archive root (``data/futures/um/...``); also the URL path.
    """

    kind: str
    frequency: str
    start: pd.Timestamp
    end: pd.Timestamp
    relpath: PurePosixPath

    @property
    def name(self) -> str:
        return self.relpath.name


def _period_of_name(name: str) -> tuple[str, pd.Timestamp, pd.Timestamp] | None:
    """(frequency, start, end) of a file named ``SYMBOL-LABEL-YYYY-MM[-DD].zip``."""
    match = re.match(r"^.+-(?P<year>\d{4})-(?P<month>\d{2})(?:-(?P<day>\d{2}))?\.zip$", name)
    if match is None:
        return None
    try:
        if match["day"] is None:
            start = pd.Timestamp(int(match["year"]), int(match["month"]), 1, tz="UTC")
            return "monthly", start, start + pd.DateOffset(months=1)
        start = pd.Timestamp(int(match["year"]), int(match["month"]), int(match["day"]), tz="UTC")
    except ValueError:
        return None
    return "daily", start, start + _ONE_DAY


# ----------------------------------------------------------------- checksums
def file_sha256(path: str | Path) -> str:
    """Hex sha256 digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_checksum_file(path: str | Path) -> tuple[str, str]:
    """Parse a ``.CHECKSUM`` file: ``<64 hex digits>  <filename>``.

    Returns
    -------
    (str, str)
        Lower-case hex digest and the file name it refers to (``""`` when the
        file holds the digest only).
    """
    return parse_checksum_text(Path(path).read_text(encoding="utf-8", errors="replace"), str(path))


def parse_checksum_text(text: str, source: str) -> tuple[str, str]:
    """Parse the text of a ``.CHECKSUM`` file (see :func:`read_checksum_file`)."""
    text = text.strip()
    match = re.match(r"^([0-9a-fA-F]{64})(?:\s+\*?(\S.*))?$", text)
    if match is None:
        raise DataError(source, f"malformed checksum file; expected '<sha256 hex>  <filename>', "
                                f"found {text[:100]!r}")
    return match[1].lower(), (match[2] or "").strip()


def verify_checksum(zip_path: str | Path) -> bool:
    """Check ``zip_path`` against its sibling ``.CHECKSUM`` file.

    Returns
    -------
    bool
        True when verified, False when there is no checksum file.

    Raises
    ------
    DataError
        When the digests differ (naming the file, expected and found digest)
        or the checksum file names another file.
    """
    zip_path = Path(zip_path)
    checksum = zip_path.with_name(zip_path.name + ".CHECKSUM")
    if not checksum.exists():
        return False
    expected, named = read_checksum_file(checksum)
    if named and named != zip_path.name:
        raise DataError(str(checksum), f"checksum file names {named!r}; expected {zip_path.name!r}")
    found = file_sha256(zip_path)
    if found != expected:
        raise DataError(str(zip_path), f"sha256 mismatch: expected {expected} (from {checksum.name}), "
                                       f"found {found}; the file is corrupt or incomplete, download it again")
    return True


# ------------------------------------------------------------------ zip + csv
def unsafe_member_reason(name: str) -> str | None:
    """Why a zip entry name is unsafe to extract or trust, or None if it is safe.

    Absolute paths (``/x``, ``\\\\x``, ``C:x``) and ``..`` components are unsafe.
    """
    if not name:
        return "empty entry name"
    normal = name.replace("\\", "/")
    if normal.startswith("/") or re.match(r"^[A-Za-z]:", normal):
        return f"absolute path {name!r}"
    if ".." in normal.split("/"):
        return f"'..' component in {name!r}"
    return None


def _read_member(zip_path: Path) -> bytes:
    """The bytes of the single CSV inside ``zip_path``, refusing unsafe entries."""
    source = str(zip_path)
    try:
        with zipfile.ZipFile(zip_path) as archive:
            names = [i.filename for i in archive.infolist()]
            for name in names:
                reason = unsafe_member_reason(name)
                if reason is not None:
                    raise DataError(source, f"refusing to read zip entry: {reason}; expected one plain CSV name")
            files = [i for i in archive.infolist() if not i.is_dir()]
            if len(files) != 1:
                raise DataError(source, f"expected exactly one CSV inside the zip, found {len(files)}: "
                                        f"{[i.filename for i in files][:5]}")
            return archive.read(files[0])
    except zipfile.BadZipFile as exc:
        raise DataError(source, f"not a readable zip file ({exc}); delete it and download it again") from None
    except FileNotFoundError:
        raise DataError(source, "file not found") from None


def _has_header(data: bytes) -> bool:
    first = data.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].split(b",", 1)[0].strip()
    try:
        float(first)
    except ValueError:
        return True
    return False


def _read_csv(data: bytes, columns: Sequence[str], source: str, *, by_name: bool,
              min_columns: int | None = None) -> pd.DataFrame:
    """Parse CSV bytes into a frame with ``columns``.

    With ``by_name`` a header row (when present) selects the columns by name;
    otherwise columns are taken by position and their count is checked.
    """
    if not data.strip():
        raise DataError(source, "empty CSV; expected rows")
    header = _has_header(data)
    buffer = io.BytesIO(data)
    try:
        if header and by_name:
            frame = pd.read_csv(buffer, header=0, encoding="utf-8-sig")
            frame.columns = [str(c).strip() for c in frame.columns]
            require_columns(frame, columns, source)
            return frame[list(columns)]
        frame = pd.read_csv(buffer, header=None, skiprows=1 if header else 0, encoding="utf-8-sig")
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(source, f"cannot parse CSV: {exc}") from None
    needed = min_columns if min_columns is not None else len(columns)
    if frame.shape[1] < needed or (min_columns is None and frame.shape[1] != len(columns)):
        raise DataError(source, f"expected {len(columns)} columns ({', '.join(columns)}), "
                                f"found {frame.shape[1]}")
    frame = frame.iloc[:, : len(columns)]
    frame.columns = list(columns)[: frame.shape[1]]
    return frame


def _numeric(frame: pd.DataFrame, column: str, source: str) -> np.ndarray:
    """A column as float64; text that is not a number is an error, empty cells are NaN."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = (values.isna() & raw.notna()).to_numpy()
    if bad.any():
        pos = np.flatnonzero(bad)
        raise DataError(source, "expected numbers, found text", column=column,
                        rows=[f"row {p} ({raw.iloc[p]!r})" for p in pos[:5]], n_rows=len(pos))
    return values.to_numpy(dtype=np.float64)


def _epoch_index(frame: pd.DataFrame, column: str, source: str) -> pd.DatetimeIndex:
    """Epoch timestamps in ms or µs (detected by magnitude) as a UTC index."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna().to_numpy()
    if bad.any():
        pos = np.flatnonzero(bad)
        raise DataError(source, "expected integer epoch timestamps (ms or µs)", column=column,
                        rows=[f"row {p} ({raw.iloc[p]!r})" for p in pos[:5]], n_rows=len(pos))
    floats = values.to_numpy(dtype=np.float64)
    frac = floats != np.floor(floats)
    if frac.any():  # never truncate a timestamp
        pos = np.flatnonzero(frac)
        raise DataError(source, "fractional epoch timestamps; expected whole ms or µs", column=column,
                        rows=[f"row {p} ({raw.iloc[p]!r})" for p in pos[:5]], n_rows=len(pos))
    ints = values.to_numpy().astype(np.int64)
    micro = ints >= _MICROSECONDS_FROM
    if micro.any() and not micro.all():
        pos = np.flatnonzero(micro != micro[0])
        raise DataError(source, "mixed millisecond and microsecond timestamps; expected one unit per file",
                        column=column, rows=[f"row {p} ({ints[p]})" for p in pos[:5]], n_rows=len(pos))
    unit = "us" if micro.all() and len(ints) else "ms"
    return to_utc_index(ints, source, column, unit=unit)


def _load(path: str | Path, columns: Sequence[str], *, by_name: bool, verify: bool,
          min_columns: int | None = None) -> tuple[str, pd.DataFrame]:
    path = Path(path)
    if verify:
        verify_checksum(path)
    source = str(path)
    return source, _read_csv(_read_member(path), columns, source, by_name=by_name, min_columns=min_columns)


# ------------------------------------------------------------------- checks
def _check_in_period(index: pd.DatetimeIndex, path: Path, column: str, *, inclusive_end: bool = False) -> None:
    """Rows must lie in the day or month named by the file (when the name says one)."""
    period = _period_of_name(path.name)
    if period is None or len(index) == 0:
        return
    frequency, start, end = period
    after = index > end if inclusive_end else index >= end
    bad = ((index < start) | after)
    if bad.any():
        pos = np.flatnonzero(bad)
        bracket = "]" if inclusive_end else ")"
        raise DataError(str(path), f"rows outside the {frequency} period [{start}, {end}{bracket} named by the file",
                        column=column, rows=[f"row {p} ({index[p]})" for p in pos[:5]], n_rows=len(pos))


def _divides_day(bar_size: pd.Timedelta | None) -> bool:
    return bar_size is not None and bar_size <= _ONE_DAY and _ONE_DAY.value % bar_size.value == 0


def _check_on_grid(index: pd.DatetimeIndex, interval: str, source: str) -> None:
    bar_size = interval_bar_size(interval)
    if not _divides_day(bar_size):
        return
    bad = index.asi8 % bar_size.value != 0
    if bad.any():
        pos = np.flatnonzero(bad)
        raise DataError(source, f"open times off the {interval} grid; is the file in the wrong interval folder?",
                        column="open_time", rows=[f"row {p} ({index[p]})" for p in pos[:5]], n_rows=len(pos))


# ------------------------------------------------------------------ readers
def read_klines(path: str | Path, *, interval: str | None = None, verify: bool = True) -> pd.DataFrame:
    """Read one ``klines`` zip.

    Parameters
    ----------
    path : str or Path
        A ``.zip`` holding one CSV with the 12 kline columns, with or without
        a header row; open times in epoch ms or µs (detected by magnitude).
    interval : str, optional
        When given (``"5m"``), every open time must lie on that grid.
    verify : bool, default True
        Check the sibling ``.zip.CHECKSUM`` when it exists.

    Returns
    -------
    DataFrame
        ``open, high, low, close`` (USD), ``volume`` and ``taker_buy_volume``
        (base asset), ``quote_volume`` and ``taker_buy_quote_volume`` (USD),
        ``trades`` (count), indexed by UTC bar open (``time``).
    """
    out = _klines_file(path, interval, verify)
    _check_in_period(out.index, Path(path), "open_time")
    return out


def _klines_file(path: str | Path, interval: str | None, verify: bool) -> pd.DataFrame:
    source, frame = _load(path, KLINE_COLUMNS, by_name=False, verify=verify)
    index = _epoch_index(frame, "open_time", source)
    check_index(index, source, "open_time")
    out = pd.DataFrame({name: _numeric(frame, col, source) for name, col in (
        ("open", "open"), ("high", "high"), ("low", "low"), ("close", "close"), ("volume", "volume"),
        ("quote_volume", "quote_volume"), ("taker_buy_volume", "taker_buy_volume"),
        ("taker_buy_quote_volume", "taker_buy_quote_volume"), ("trades", "count"),
    )}, index=index)
    check_prices(out, source)
    check_non_negative(out, ["volume", "quote_volume", "taker_buy_volume", "taker_buy_quote_volume", "trades"], source)
    out["trades"] = out["trades"].astype(np.int64)
    if interval is not None:
        _check_on_grid(index, interval, source)
    return out


def read_mark_price_klines(path: str | Path, *, interval: str | None = None, verify: bool = True) -> pd.DataFrame:
    """Read one ``markPriceKlines`` zip (kline layout; only OHLC is used).

    Parameters
    ----------
    path : str or Path
        A ``.zip`` holding one CSV in the kline layout (at least the first five
        columns: open time and OHLC), with or without header.
    interval : str, optional
        When given, every open time must lie on that grid.
    verify : bool, default True
        Check the sibling ``.zip.CHECKSUM`` when it exists.

    Returns
    -------
    DataFrame
        Mark-price ``open, high, low, close`` (USD) indexed by UTC bar open.
    """
    out = _mark_file(path, interval, verify)
    _check_in_period(out.index, Path(path), "open_time")
    return out


def _mark_file(path: str | Path, interval: str | None, verify: bool) -> pd.DataFrame:
    source, frame = _load(path, KLINE_COLUMNS, by_name=False, verify=verify, min_columns=5)
    index = _epoch_index(frame, "open_time", source)
    check_index(index, source, "open_time")
    out = pd.DataFrame({c: _numeric(frame, c, source) for c in ("open", "high", "low", "close")}, index=index)
    check_prices(out, source)
    if interval is not None:
        _check_on_grid(index, interval, source)
    return out


def read_funding_rate(path: str | Path, *, verify: bool = True) -> pd.Series:
    """Read one ``fundingRate`` zip.

    Parameters
    ----------
    path : str or Path
        A ``.zip`` holding ``calc_time, funding_interval_hours, last_funding_rate``
        (epoch ms; rate as a fraction per funding interval).
    verify : bool, default True
        Check the sibling ``.zip.CHECKSUM`` when it exists.

    Returns
    -------
    Series
        ``funding_rate`` (fraction, 0.0001 = 0.01 %) at each funding event's
        exact time, index ``time`` (UTC).
    """
    rates = _funding_file(path, verify)
    _check_in_period(rates.index, Path(path), "calc_time")
    return rates


def _funding_file(path: str | Path, verify: bool) -> pd.Series:
    source, frame = _load(path, FUNDING_COLUMNS, by_name=True, verify=verify)
    index = _epoch_index(frame, "calc_time", source)
    check_index(index, source, "calc_time")
    rates = pd.Series(_numeric(frame, "last_funding_rate", source), index=index, name="funding_rate")
    check_funding_unit(rates, "fraction", source, column="last_funding_rate")
    return rates


def _metrics_times(frame: pd.DataFrame, source: str) -> pd.DatetimeIndex:
    raw = frame["create_time"]
    if pd.api.types.is_numeric_dtype(raw):
        return _epoch_index(frame, "create_time", source)
    times = pd.to_datetime(raw.astype(str).str.strip(), format="%Y-%m-%d %H:%M:%S", errors="coerce", utc=True)
    bad = times.isna().to_numpy()
    if bad.any():
        pos = np.flatnonzero(bad)
        raise DataError(source, "expected 'YYYY-MM-DD HH:MM:SS' (UTC)", column="create_time",
                        rows=[f"row {p} ({raw.iloc[p]!r})" for p in pos[:5]], n_rows=len(pos))
    index = pd.DatetimeIndex(times).as_unit("ns")
    index.name = "time"
    return index


def read_metrics(path: str | Path, *, symbol: str | None = None, verify: bool = True) -> pd.DataFrame:
    """Read one ``metrics`` zip (5-minute open interest and long/short ratios).

    Rows repeated verbatim (as in early archive files) are kept once; two
    different rows with one ``create_time`` are an error.

    Parameters
    ----------
    path : str or Path
        A ``.zip`` holding the 8 metrics columns with a header row;
        ``create_time`` as ``YYYY-MM-DD HH:MM:SS`` (UTC).
    symbol : str, optional
        When given, the file's ``symbol`` column must match it.
    verify : bool, default True
        Check the sibling ``.zip.CHECKSUM`` when it exists.

    Returns
    -------
    DataFrame
        Indexed by ``create_time`` (the time the values became known, ``time``):
        ``oi_coins`` (open interest, base asset), ``oi_usd`` (open interest, USD
        notional) and the dimensionless ratios ``top_trader_account_ls_ratio``,
        ``top_trader_position_ls_ratio``, ``account_ls_ratio``,
        ``taker_buy_sell_volume_ratio``. Empty cells are NaN.
    """
    out = _metrics_file(path, symbol, verify)
    # A day file may end with the next midnight's row.
    _check_in_period(out.index, Path(path), "create_time", inclusive_end=True)
    return out


def _metrics_file(path: str | Path, symbol: str | None, verify: bool) -> pd.DataFrame:
    source, frame = _load(path, METRICS_COLUMNS, by_name=True, verify=verify)
    frame = frame.drop_duplicates().reset_index(drop=True)
    if symbol is not None:
        wrong = (frame["symbol"].astype(str).str.strip() != symbol).to_numpy()
        if wrong.any():
            pos = np.flatnonzero(wrong)
            raise DataError(source, f"rows for another symbol; expected {symbol!r}", column="symbol",
                            rows=[f"row {p} ({frame['symbol'].iloc[p]!r})" for p in pos[:5]], n_rows=len(pos))
    index = _metrics_times(frame, source)
    check_index(index, source, "create_time")
    out = pd.DataFrame({"oi_coins": _numeric(frame, "sum_open_interest", source),
                        "oi_usd": _numeric(frame, "sum_open_interest_value", source)}, index=index)
    for column, name in METRICS_RATIOS.items():
        out[name] = _numeric(frame, column, source)
    for column in out.columns:
        values = out[column].dropna()
        check_non_negative(values.to_frame(column), [column], source)
    return out


def _liquidation_events(path: str | Path, verify: bool) -> tuple[str, pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """(source, event times, is_long, notional_usd) of one liquidationSnapshot zip."""
    source, frame = _load(path, LIQUIDATION_COLUMNS, by_name=True, verify=verify)
    frame = frame.dropna(how="all")
    if len(frame) == 0:
        return source, pd.DatetimeIndex([], tz="UTC", name="time"), np.zeros(0, bool), np.zeros(0)
    times = _epoch_index(frame, "time", source)
    side = frame["side"].astype(str).str.strip().str.upper().to_numpy()
    unknown = ~np.isin(side, ["BUY", "SELL"])
    if unknown.any():
        pos = np.flatnonzero(unknown)
        raise DataError(source, "expected side BUY or SELL", column="side",
                        rows=[f"row {p} ({frame['side'].iloc[p]!r})" for p in pos[:5]], n_rows=len(pos))
    notional = pd.DataFrame({
        "average_price": _numeric(frame, "average_price", source),
        "accumulated_fill_quantity": _numeric(frame, "accumulated_fill_quantity", source),
    }, index=times)
    check_non_negative(notional, list(notional.columns), source)
    _check_in_period(times, Path(path), "time")
    usd = (notional["average_price"] * notional["accumulated_fill_quantity"]).to_numpy()
    return source, times, side == "SELL", usd


def _liquidation_bar_size(bar_size: pd.Timedelta | str) -> pd.Timedelta:
    if isinstance(bar_size, str) and bar_size in KLINE_INTERVALS:
        size = interval_bar_size(bar_size)
    else:
        try:
            size = pd.Timedelta(bar_size)
        except ValueError as exc:
            raise ConfigError(f"liquidation bar size {bar_size!r}: {exc}") from None
    if not _divides_day(size):
        raise ConfigError(f"liquidation bar size {bar_size!r} must divide one day (for example '5m', '1h', '1d')")
    return size


def read_liquidation_snapshot(path: str | Path, *, bar_size: pd.Timedelta | str = "5m",
                              verify: bool = True) -> pd.DataFrame:
    """Read one ``liquidationSnapshot`` zip and sum it into bars.

    A SELL liquidation order closes a long position (a long liquidation); a
    BUY order closes a short. The notional of an order is
    ``average_price * accumulated_fill_quantity`` (USD). Several rows with
    the same time and values are all counted: the archive gives no order id
    to tell repeats from separate orders.

    Parameters
    ----------
    path : str or Path
        A ``.zip`` holding the 10 liquidationSnapshot columns (``time`` in ms).
    bar_size : Timedelta or str, default "5m"
        Bar length, a Binance interval (``"5m"``, ``"1h"``, ``"1d"``) or a
        Timedelta; must divide one day.
    verify : bool, default True
        Check the sibling ``.zip.CHECKSUM`` when it exists.

    Returns
    -------
    DataFrame
        ``realised_liq_long_usd, realised_liq_short_usd`` (USD) indexed by bar
        open, covering every bar of the day or month named by the file (0.0
        where nothing was liquidated).
    """
    size = _liquidation_bar_size(bar_size)
    source, times, is_long, usd = _liquidation_events(path, verify)
    period = _period_of_name(Path(path).name)
    if period is not None:
        start, end = period[1], period[2]
    elif len(times):
        start, end = times.min().floor(size), times.max().floor(size) + size
    else:
        raise DataError(source, "no liquidations and no day or month in the file name; cannot place bars")
    return _liquidations_on_bars(times, is_long, usd, size, start, end)


def _liquidations_on_bars(times: pd.DatetimeIndex, is_long: np.ndarray, usd: np.ndarray,
                          bar_size: pd.Timedelta, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    grid = pd.date_range(start, end, freq=bar_size, inclusive="left", name="time").as_unit("ns")
    where = ((times.asi8 - grid.asi8[0]) // bar_size.value).astype(np.int64) if len(times) else np.zeros(0, np.int64)
    long_usd = np.bincount(where[is_long], weights=usd[is_long], minlength=len(grid))
    short_usd = np.bincount(where[~is_long], weights=usd[~is_long], minlength=len(grid))
    return pd.DataFrame({"realised_liq_long_usd": long_usd, "realised_liq_short_usd": short_usd}, index=grid)


# -------------------------------------------------------------- archive walk
def _archive_base(root: Path) -> Path:
    """The directory holding ``data/futures/um`` (``root`` itself or above it)."""
    if (root / UM_ROOT).is_dir():
        return root
    parts = root.resolve().parts
    if len(parts) >= 3 and tuple(parts[-3:]) == UM_ROOT.parts:
        return root.resolve().parents[2]
    raise DataError(str(root), f"no Binance archive here; expected a folder {UM_ROOT}/{{daily,monthly}}/... "
                               "below it (as written by liqbt.data.download.download_archive)")


def _to_utc(value, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{name}: cannot parse {value!r} as a time: {exc}") from None
    return stamp.tz_localize("UTC") if stamp.tz is None else stamp.tz_convert("UTC")


def find_archive_files(root: str | Path, symbol: str, kind: str, *, interval: str | None = None,
                       start=None, end=None) -> list[ArchiveFile]:
    """Archive zips of one kind in a local archive tree, in time order.

    A monthly file covers its whole month: daily files of a month with a
    monthly file are skipped, so no day is counted twice. Daily files fill
    the months without one.

    Parameters
    ----------
    root : str or Path
        Folder holding ``data/futures/um`` (or that folder itself).
    symbol, kind : str
    interval : str, optional
        Required for ``klines`` and ``markPriceKlines``.
    start, end : time-like, optional
        Keep files whose period intersects ``[start, end)``; naive times are UTC.

    Returns
    -------
    list of ArchiveFile
        Sorted by period start; ``root / f.relpath`` is the file.
    """
    base = _archive_base(Path(root))
    start, end = _to_utc(start, "start"), _to_utc(end, "end")
    label = _label(kind, interval)
    pattern = re.compile(_NAME_RE.format(symbol=re.escape(symbol), label=re.escape(label)))
    found: dict[str, list[ArchiveFile]] = {}
    for frequency in FREQUENCIES:
        folder = _archive_dir(kind, symbol, frequency, interval)
        files = []
        for path in sorted((base / folder).glob("*.zip")):
            period = _period_of_name(path.name) if pattern.match(path.name) else None
            if period is None or period[0] != frequency:
                continue
            files.append(ArchiveFile(kind, frequency, period[1], period[2], folder / path.name))
        found[frequency] = files
    months = {(f.start.year, f.start.month) for f in found["monthly"]}
    daily = [f for f in found["daily"] if (f.start.year, f.start.month) not in months]
    chosen = [f for f in found["monthly"] + daily
              if (start is None or f.end > start) and (end is None or f.start < end)]
    return sorted(chosen, key=lambda f: f.start)


def _concat_checked(pieces: list[tuple[Path, pd.DataFrame]], column: str, *,
                    identical_ok: bool = False) -> pd.DataFrame:
    """Concatenate per-file frames (each sorted, unique) in time order.

    A timestamp present in two files is an error naming both files; so is a
    file starting before the previous one ends. With ``identical_ok`` a
    repeated row with equal values (the midnight row of daily metrics files)
    is kept once.
    """
    pieces = sorted((p for p in pieces if len(p[1])), key=lambda p: p[1].index[0])
    kept: list[pd.DataFrame] = []
    reach_path, reach = None, None  # the file reaching furthest so far
    for path, frame in pieces:
        if reach is not None and frame.index[0] <= reach.index[-1]:
            frame = _resolve_overlap(reach_path, reach, path, frame, column, identical_ok)
        if len(frame):
            kept.append(frame)
            if reach is None or frame.index[-1] > reach.index[-1]:
                reach_path, reach = path, frame
    return pd.concat(kept) if kept else pd.DataFrame()


def _resolve_overlap(prev_path: Path, prev: pd.DataFrame, path: Path, frame: pd.DataFrame, column: str,
                     identical_ok: bool) -> pd.DataFrame:
    common = frame.index.intersection(prev.index)
    if len(common) and identical_ok:
        same = prev.loc[common].equals(frame.loc[common])
        rest = frame.drop(common)
        if same and (len(rest) == 0 or rest.index[0] > prev.index[-1]):
            return rest
    if len(common):
        raise DataError(
            str(path), f"{len(common)} timestamp(s) also in {prev_path}; expected each time in one file only "
                       f"(overlapping or mislabelled archive files)", column=column,
            rows=[str(t) for t in common[:5]], n_rows=len(common))
    raise DataError(str(path), f"starts at {frame.index[0]}, before {prev_path} ends ({prev.index[-1]}); "
                               "expected files not to overlap", column=column)


def _span_text(start: pd.Timestamp | None, end: pd.Timestamp | None) -> str:
    if start is None and end is None:
        return ""
    return f" in [{start if start is not None else '...'}, {end if end is not None else '...'})"


def _describe(paths: list[Path]) -> str:
    if len(paths) == 1:
        return str(paths[0])
    return f"{paths[0]} .. {paths[-1].name} ({len(paths)} files)"


def _cut(obj, start: pd.Timestamp | None, end: pd.Timestamp | None):
    keep = np.ones(len(obj), dtype=bool)
    if start is not None:
        keep &= obj.index >= start
    if end is not None:
        keep &= obj.index < end
    return obj[keep]


def _read_one(path: Path, kind: str, symbol: str, interval: str, verify: bool) -> pd.DataFrame:
    """One file's frame, without the period check (run after the cross-file checks)."""
    if kind == "klines":
        return _klines_file(path, interval, verify)
    if kind == "markPriceKlines":
        return _mark_file(path, interval, verify)
    if kind == "fundingRate":
        return _funding_file(path, verify).to_frame()
    if kind == "metrics":
        return _metrics_file(path, symbol, verify)
    return read_liquidation_snapshot(path, bar_size=interval_bar_size(interval), verify=verify)


def _read_kind(base: Path, files: list[ArchiveFile], kind: str, symbol: str, interval: str,
               verify: bool) -> pd.DataFrame:
    """All files of one kind, concatenated: overlaps between files are reported
    (naming both files) before rows outside a file's own period."""
    pieces = [(base / f.relpath, _read_one(base / f.relpath, kind, symbol, interval, verify)) for f in files]
    data = _concat_checked(pieces, _TIME_COLUMNS[kind], identical_ok=(kind == "metrics"))
    for path, frame in pieces:
        _check_in_period(frame.index, path, _TIME_COLUMNS[kind], inclusive_end=(kind == "metrics"))
    return data


def _bundle_parts(kind: str, data: pd.DataFrame, source: str) -> tuple[dict, dict, dict]:
    """(bundle fields, known series, sources) from one kind's concatenated frame."""
    if kind == "klines":
        return {"candles": data[list(CANDLE_COLUMNS)]}, {}, {"candles": source}
    if kind == "markPriceKlines":
        return {"mark": data}, {}, {"mark": source}
    if kind == "fundingRate":
        return {"funding": data["funding_rate"]}, {}, {"funding": source}
    if kind == "liquidationSnapshot":
        return {"liquidations": data[list(LIQ_COLUMNS)]}, {}, {"liquidations": source}
    fields, known, sources = {}, {}, {}
    oi = data["oi_usd"].dropna()
    if len(oi):
        fields["open_interest"] = oi.rename("oi_usd")
        sources["open_interest"] = source
    for name in METRICS_RATIOS.values():
        series = data[name].dropna()
        if len(series):
            known[name] = series.rename(name)
            sources[f"known:{name}"] = source
    return fields, known, sources


def read_binance_archive(root: str | Path, symbol: str, *, interval: str = "5m", start=None, end=None,
                         kinds: Iterable[str] = ARCHIVE_KINDS, verify: bool = True) -> DataBundle:
    """Read a local copy of the Binance USDⓈ-M archive into a :class:`DataBundle`.

    Monthly and daily zips are combined (a month with a monthly file ignores
    its daily files), concatenated in time order and checked: each file
    sorted and unique, and no timestamp in two files (a :class:`DataError`
    names both files). Kinds without files in the range are left empty with
    an :class:`ArchiveWarning`.

    Parameters
    ----------
    root : str or Path
        Folder holding ``data/futures/um/...`` (a ``download_archive`` cache).
    symbol : str
        For example ``"BTCUSDT"``.
    interval : str, default "5m"
        Kline interval of candles and mark price; also the bar size of the
        liquidation sums. Must be a fixed length (not ``"1mo"``).
    start, end : time-like, optional
        Keep rows with ``start <= time < end`` (bar open, event or known-at
        time); naive times are UTC.
    kinds : iterable of str, default all of :data:`ARCHIVE_KINDS`
        ``klines`` -> candles, ``markPriceKlines`` -> mark, ``fundingRate`` ->
        funding, ``metrics`` -> open interest (USD, known at ``create_time``)
        and the long/short and taker ratios as known series,
        ``liquidationSnapshot`` -> liquidations.
    verify : bool, default True
        Check each zip against its ``.CHECKSUM`` file when present.

    Returns
    -------
    DataBundle
        Venue ``"binance"``; ``sources`` name the files each part came from.
    """
    root = Path(root)
    base = _archive_base(root)
    kinds = tuple(kinds)
    for kind in kinds:
        _check_kind(kind)
    bar_size = interval_bar_size(interval)
    if bar_size is None:
        raise ConfigError(f"interval {interval!r} has no fixed length; use '1w' or shorter")
    if "liquidationSnapshot" in kinds:
        _liquidation_bar_size(bar_size)
    start, end = _to_utc(start, "start"), _to_utc(end, "end")
    fields: dict = {}
    known: dict = {}
    sources: dict = {}
    for kind in kinds:
        files = find_archive_files(base, symbol, kind, interval=interval, start=start, end=end)
        data = _cut(_read_kind(base, files, kind, symbol, interval, verify), start, end) if files else None
        if data is None or len(data) == 0:
            warnings.warn(f"{base / UM_ROOT}: no {kind} data for {symbol}{_span_text(start, end)}; part left empty",
                          ArchiveWarning, stacklevel=2)
            continue
        more_fields, more_known, more_sources = _bundle_parts(kind, data, _describe([base / f.relpath for f in files]))
        fields.update(more_fields)
        known.update(more_known)
        sources.update(more_sources)
    if not fields and not known:
        example = archive_path("klines", symbol, "daily", date(2024, 1, 1), interval=interval)
        raise DataError(str(root), f"no archive data for {symbol} ({', '.join(kinds)}){_span_text(start, end)}; "
                                   f"expected files like {example}")
    for part in ("candles", "mark", "liquidations"):
        if part in fields:
            fields[f"{part}_bar_size"] = bar_size
    return DataBundle(**fields, known=known, sources=sources, symbol=symbol, venue="binance")
