"""Where the Binance public data archive keeps a file, and whether a file is intact.

The layout of data.binance.vision's USDⓈ-M futures tree (kinds, intervals, file
names and their periods), the columns of each kind's CSV, the sha256 checksum
files beside each zip and the zip entry names that are safe to read. Readers are
in :mod:`liqbt.data.archive_readers`, the walk over a local copy in
:mod:`liqbt.data.binance_archive`.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Sequence

import pandas as pd

from ..errors import ConfigError, DataError

__all__ = [
    "ARCHIVE_KINDS",
    "KLINE_INTERVALS",
    "FREQUENCIES",
    "UM_ROOT",
    "TIME_COLUMNS",
    "FILE_NAME_RE",
    "ArchiveFile",
    "ArchiveWarning",
    "archive_dir",
    "archive_path",
    "check_kind",
    "file_label",
    "interval_bar_size",
    "period_of_name",
    "file_sha256",
    "read_checksum_file",
    "parse_checksum_text",
    "verify_checksum",
    "unsafe_member_reason",
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
TIME_COLUMNS = {"klines": "open_time", "markPriceKlines": "open_time", "fundingRate": "calc_time",
                 "metrics": "create_time", "liquidationSnapshot": "time"}

# Epoch milliseconds today are ~1.7e12, microseconds ~1.7e15.
_SYMBOL_RE = re.compile(r"^[A-Z0-9][A-Z0-9_]{0,39}$")
FILE_NAME_RE = r"^{symbol}-{label}-(?P<year>\d{{4}})-(?P<month>\d{{2}})(?:-(?P<day>\d{{2}}))?\.zip$"
_ONE_DAY = pd.Timedelta("1D")


class ArchiveWarning(UserWarning):
    """Archive files are missing for part of a requested range or kind."""


# --------------------------------------------------------------------- names
def _suggest(value: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(value), choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_kind(kind: str) -> None:
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


def file_label(kind: str, interval: str | None) -> str:
    if _has_interval(kind):
        if interval is None:
            raise ConfigError(f"archive kind {kind!r} needs an interval (for example '5m')")
        _check_interval(interval)
        return interval
    return kind


def archive_dir(kind: str, symbol: str, frequency: str, interval: str | None) -> PurePosixPath:
    check_kind(kind)
    _check_symbol(symbol)
    if frequency not in FREQUENCIES:
        raise ConfigError(f"unknown archive frequency {frequency!r}; expected 'daily' or 'monthly'")
    folder = UM_ROOT / frequency / kind / symbol
    return folder / file_label(kind, interval) if _has_interval(kind) else folder


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
    folder = archive_dir(kind, symbol, frequency, interval)
    stamp = f"{period:%Y-%m}" if frequency == "monthly" else f"{period:%Y-%m-%d}"
    return folder / f"{symbol}-{file_label(kind, interval)}-{stamp}.zip"


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


def period_of_name(name: str) -> tuple[str, pd.Timestamp, pd.Timestamp] | None:
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
