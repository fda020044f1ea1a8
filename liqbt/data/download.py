"""Download the Binance public data archive (data.binance.vision) into a local cache.

Files land in ``cache_dir`` under the archive's own layout
(``cache_dir/data/futures/um/daily/klines/BTCUSDT/5m/BTCUSDT-5m-2024-01-01.zip``
and its ``.CHECKSUM``), so :func:`liqbt.data.binance_archive.read_binance_archive`
reads the cache directly.

* Complete past months come as one monthly zip, the rest as daily zips; a
  month without a monthly file falls back to daily files.
* Each zip is verified against the archive's sha256 ``.CHECKSUM``; a zip is
  only given its final name once verified, so a cached zip with its
  checksum file beside it is never fetched again.
* An interrupted download stays as ``*.zip.part`` and the next call resumes
  it with an HTTP ``Range`` request.
* Nothing is written outside ``cache_dir``.

HTTP uses the standard library only (``urllib``); proxies come from the usual
environment variables.
"""

from __future__ import annotations

import http.client
import os
import socket
import urllib.error
import urllib.request
import warnings
import zipfile
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Iterable

import pandas as pd
from tqdm.auto import tqdm

from .._version import __version__
from ..errors import ConfigError, DataError, DownloadError
from .archive_layout import (
    ARCHIVE_KINDS,
    ArchiveFile,
    ArchiveWarning,
    archive_path,
    check_kind,
    file_sha256,
    parse_checksum_text,
    read_checksum_file,
    unsafe_member_reason,
)
from .binance_archive import to_utc

__all__ = [
    "DEFAULT_BASE_URL",
    "DOWNLOAD_FREQUENCIES",
    "download_archive",
    "plan_archive_files",
    "resolve_inside",
    "extract_zip",
]

DEFAULT_BASE_URL = "https://data.binance.vision"

#: Which file frequencies the archive publishes for each kind, preferred first.
DOWNLOAD_FREQUENCIES = {
    "klines": ("monthly", "daily"),
    "markPriceKlines": ("monthly", "daily"),
    "fundingRate": ("monthly",),
    "metrics": ("daily",),
    "liquidationSnapshot": ("daily",),
}

_CHUNK_BYTES = 64 * 1024
_USER_AGENT = f"liqbt/{__version__} (+python urllib)"
_NETWORK_ERRORS = (ConnectionError, TimeoutError, socket.timeout, http.client.HTTPException, OSError)


# ------------------------------------------------------------------- paths
def resolve_inside(root: str | Path, relative: str | PurePosixPath) -> Path:
    """``root / relative``, refusing any result outside ``root``.

    Parameters
    ----------
    root : str or Path
        The folder everything must stay in (the cache).
    relative : str or PurePosixPath
        A relative path built from user input or an archive entry.

    Raises
    ------
    DownloadError
        If ``relative`` is absolute or resolves (through ``..`` or symbolic
        links) outside ``root``.
    """
    reason = unsafe_member_reason(str(relative))
    if reason is not None and reason.startswith("absolute"):
        raise DownloadError(f"refusing path {relative!r}: {reason}; expected a path inside {root}")
    base = Path(root).resolve()
    target = (base / PurePosixPath(relative)).resolve()
    if not target.is_relative_to(base):
        raise DownloadError(f"refusing path {relative!r}: it resolves to {target}, outside {base}")
    return target


def extract_zip(zip_path: str | Path, dest_dir: str | Path) -> Path:
    """Extract the single CSV of an archive zip into ``dest_dir``.

    Entries with absolute paths or ``..`` components are refused before
    anything is written.

    Returns
    -------
    Path
        The extracted file.
    """
    try:
        with zipfile.ZipFile(zip_path) as archive:
            infos = archive.infolist()
            for info in infos:
                reason = unsafe_member_reason(info.filename)
                if reason is not None:
                    raise DownloadError(f"{zip_path}: refusing to extract zip entry: {reason}")
            files = [i for i in infos if not i.is_dir()]
            if len(files) != 1:
                raise DownloadError(f"{zip_path}: expected exactly one file in the zip, found {len(files)}")
            target = resolve_inside(dest_dir, files[0].filename)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(files[0]))
            return target
    except zipfile.BadZipFile as exc:
        raise DownloadError(f"{zip_path}: not a readable zip file ({exc})") from None


# -------------------------------------------------------------------- plan
def _months(start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Timestamp]:
    month = pd.Timestamp(start.year, start.month, 1, tz="UTC")
    months = []
    while month < end:
        months.append(month)
        month = month + pd.DateOffset(months=1)
    return months


def _daily_files(kind: str, symbol: str, interval: str, lo: pd.Timestamp, hi: pd.Timestamp,
                 today: pd.Timestamp) -> list[ArchiveFile]:
    """Daily files for the days intersecting ``[lo, hi)`` that ended before ``today``."""
    days = pd.date_range(lo.floor("D"), hi, freq="D", inclusive="left")
    return [ArchiveFile(kind, "daily", day, day + pd.Timedelta("1D"),
                        archive_path(kind, symbol, "daily", day.date(), interval=interval))
            for day in days if day < today]


def _plan_kind(kind: str, symbol: str, interval: str, start: pd.Timestamp, end: pd.Timestamp,
               today: pd.Timestamp) -> list[ArchiveFile]:
    frequencies = DOWNLOAD_FREQUENCIES[kind]
    files = []
    for month in _months(start, end):
        month_end = month + pd.DateOffset(months=1)
        complete = month_end <= today
        covered = start <= month and end >= month_end
        if "monthly" in frequencies and complete and (covered or "daily" not in frequencies):
            files.append(ArchiveFile(kind, "monthly", month, month_end,
                                     archive_path(kind, symbol, "monthly", month.date(), interval=interval)))
        elif "daily" in frequencies:
            files += _daily_files(kind, symbol, interval, max(start, month), min(end, month_end), today)
    return files


def plan_archive_files(symbol: str, start, end, *, kinds: Iterable[str] = ARCHIVE_KINDS, interval: str = "5m",
                       today: date | None = None) -> list[ArchiveFile]:
    """The archive files :func:`download_archive` asks for, before any fallback.

    Parameters
    ----------
    symbol : str
        For example ``"BTCUSDT"``.
    start, end : date-like
        First and last day to cover, both included (UTC; a time of day is
        ignored).
    kinds : iterable of str, default all archive kinds
    interval : str, default "5m"
        Kline interval for ``klines`` and ``markPriceKlines``.
    today : date, optional
        The current UTC day (default: now). Months ending after it and days
        from it on are not yet published.

    Returns
    -------
    list of ArchiveFile
        A monthly file for each complete past month fully inside the range
        (for kinds published monthly), daily files otherwise.
    """
    lo, hi = _day_span(start, end)
    today = pd.Timestamp(today, tz="UTC") if today is not None else _today()
    files = []
    for kind in kinds:
        check_kind(kind)
        files += _plan_kind(kind, symbol, interval, lo, hi, today)
    return files


def _day_span(start, end) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[first day, day after the last day)`` of an inclusive day range."""
    first, last = to_utc(start, "start"), to_utc(end, "end")
    if first is None or last is None or last.floor("D") < first.floor("D"):
        raise ConfigError(f"download range: expected start <= end (days, both included), "
                          f"found start={start}, end={end}")
    return first.floor("D"), last.floor("D") + pd.Timedelta("1D")


# -------------------------------------------------------------------- http
class _Fetcher:
    """Fetches archive files into the cache; one per :func:`download_archive` call."""

    def __init__(self, base_url: str, cache_dir: Path, timeout: float, progress: bool):
        self.base_url = base_url.rstrip("/")
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.progress = progress
        self.opener = urllib.request.build_opener()

    def url(self, relpath: PurePosixPath) -> str:
        return f"{self.base_url}/{relpath.as_posix()}"

    def _open(self, url: str, headers: dict[str, str] | None = None):
        """The response, or None for 404. Other failures raise DownloadError."""
        request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT, **(headers or {})})
        try:
            return self.opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 404:
                return None
            if exc.code == 416:
                return exc
            raise DownloadError(f"HTTP {exc.code} {exc.reason} for {url}") from None
        except urllib.error.URLError as exc:
            raise DownloadError(f"cannot reach {url}: {exc.reason} (offline?)") from None
        except _NETWORK_ERRORS as exc:
            raise DownloadError(f"cannot reach {url}: {exc} (offline?)") from None

    def small(self, url: str) -> bytes | None:
        """The whole body of a small file (a checksum), or None for 404."""
        response = self._open(url)
        if response is None:
            return None
        with response:
            try:
                return response.read()
            except _NETWORK_ERRORS as exc:
                raise DownloadError(f"download of {url} interrupted ({exc}); call again") from None

    def resumable(self, url: str, part: Path) -> bool:
        """Download ``url`` into ``part``, resuming what is there. False for 404."""
        offset = part.stat().st_size if part.exists() else 0
        response = self._open(url, {"Range": f"bytes={offset}-"} if offset else None)
        if response is None:
            return False
        if isinstance(response, urllib.error.HTTPError):  # 416: the part already holds the whole file
            return True
        with response:
            resumed = offset > 0 and response.status == 206 and _range_start(response) == offset
            if response.status == 206 and not resumed:
                part.unlink(missing_ok=True)
                raise DownloadError(f"{url} answered a range request for byte {offset} with "
                                    f"{response.headers.get('Content-Range')!r}; the partial file was deleted, "
                                    "call again to download it afresh")
            length = response.headers.get("Content-Length")
            length = int(length) if length is not None else None
            start = offset if resumed else 0
            total = start + length if length is not None else None
            received = self._stream(response, part, "ab" if resumed else "wb", start, total, url)
        if length is not None and received < length:
            raise DownloadError(f"download of {url} interrupted after {start + received} of {total} bytes; "
                                f"the partial file {part} is kept: call again to resume")
        return True

    def _stream(self, response, part: Path, mode: str, start: int, total: int | None, url: str) -> int:
        received = 0
        with open(part, mode) as out, tqdm(total=total, initial=start, unit="B", unit_scale=True,
                                           desc=part.name.removesuffix(".part"), leave=False,
                                           disable=not self.progress) as bar:
            try:
                while chunk := response.read(_CHUNK_BYTES):
                    out.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
            except _NETWORK_ERRORS as exc:
                raise DownloadError(
                    f"download of {url} interrupted after {start + received} of {total or '?'} bytes "
                    f"({type(exc).__name__}); the partial file {part} is kept: call again to resume") from None
        return received

    def fetch(self, file: ArchiveFile) -> Path | None:
        """The verified local zip of ``file``, downloading what is missing; None for 404."""
        url = self.url(file.relpath)
        dest = resolve_inside(self.cache_dir, file.relpath)
        checksum_path = dest.with_name(dest.name + ".CHECKSUM")
        if dest.exists() and checksum_path.exists() and _matches_local(dest, checksum_path):
            return dest
        checksum_text = self.small(url + ".CHECKSUM")
        if checksum_text is None:
            return None
        expected = _parse_checksum(checksum_text, url + ".CHECKSUM")
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not (dest.exists() and file_sha256(dest) == expected):
            part = dest.with_name(dest.name + ".part")
            if not self.resumable(url, part):
                return None
            found = file_sha256(part)
            if found != expected:
                part.unlink()
                raise DownloadError(f"checksum mismatch for {url}: expected sha256 {expected}, found {found}; "
                                    "the bad file was deleted, call again to download it afresh")
            os.replace(part, dest)
        _write_atomic(checksum_path, checksum_text)
        return dest


def _range_start(response) -> int | None:
    """First byte of a 206 response's ``Content-Range: bytes a-b/n``."""
    value = response.headers.get("Content-Range", "")
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def _parse_checksum(text: bytes, url: str) -> str:
    try:
        return parse_checksum_text(text.decode("utf-8", errors="replace"), url)[0]
    except DataError as exc:
        raise DownloadError(f"{url}: {exc.problem}") from None


def _matches_local(dest: Path, checksum_path: Path) -> bool:
    try:
        expected = read_checksum_file(checksum_path)[0]
    except DataError:
        return False
    return file_sha256(dest) == expected


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# --------------------------------------------------------------- top level
def download_archive(symbol: str, start, end, *, kinds: Iterable[str] = ARCHIVE_KINDS, interval: str = "5m",
                     cache_dir: str | Path, base_url: str = DEFAULT_BASE_URL, progress: bool = True,
                     timeout: float = 30.0) -> list[Path]:
    """Download archive zips (and their checksums) for a symbol and range into a cache.

    Parameters
    ----------
    symbol : str
        For example ``"BTCUSDT"`` (USDⓈ-M futures).
    start, end : date-like
        First and last day to fetch, both included (UTC; a time of day is
        ignored). ``start="2024-01-01", end="2024-03-31"`` fetches three
        monthly files once March is over.
    kinds : iterable of str, default all archive kinds
        ``klines``, ``markPriceKlines``, ``fundingRate`` (monthly files only),
        ``metrics`` and ``liquidationSnapshot`` (daily files only; the archive
        has none after 2024-03-31).
    interval : str, default "5m"
        Kline interval for ``klines`` and ``markPriceKlines``.
    cache_dir : str or Path
        Root of the local archive copy; nothing is written outside it.
    base_url : str, default "https://data.binance.vision"
    progress : bool, default True
        Show tqdm progress bars.
    timeout : float, default 30.0
        Seconds to wait for a connection or for data.

    Returns
    -------
    list of Path
        The verified zips in the cache, in plan order. Files the archive does
        not have (HTTP 404) are listed in an :class:`ArchiveWarning`.

    Raises
    ------
    DownloadError
        Offline or unreachable server, HTTP errors other than 404, an
        interrupted download (the ``.part`` file is kept for the next call),
        a checksum mismatch (the bad file is deleted), a path outside
        ``cache_dir``, or no file at all found for the request.
    """
    kinds = tuple(kinds)
    plan = plan_archive_files(symbol, start, end, kinds=kinds, interval=interval)
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    fetcher = _Fetcher(base_url, cache, timeout, progress)
    paths: list[Path] = []
    missing: list[str] = []
    with tqdm(total=len(plan), unit="file", desc=f"{symbol} archive", disable=not progress) as bar:
        for file in plan:
            got = fetcher.fetch(file)
            if got is None and file.frequency == "monthly" and "daily" in DOWNLOAD_FREQUENCIES[file.kind]:
                lo, hi = _day_span(start, end)
                daily = _daily_files(file.kind, symbol, interval, max(lo, file.start), min(hi, file.end), _today())
                bar.total += len(daily)
                for day in daily:
                    _collect(fetcher, day, paths, missing)
                    bar.update(1)
            elif got is None:
                missing.append(fetcher.url(file.relpath))
            else:
                paths.append(got)
            bar.update(1)
    _report(symbol, kinds, plan, paths, missing)
    return paths


def _today() -> pd.Timestamp:
    return pd.Timestamp(pd.Timestamp.now(tz="UTC").date(), tz="UTC")


def _collect(fetcher: _Fetcher, file: ArchiveFile, paths: list[Path], missing: list[str]) -> None:
    got = fetcher.fetch(file)
    if got is None:
        missing.append(fetcher.url(file.relpath))
    else:
        paths.append(got)


def _report(symbol: str, kinds: tuple[str, ...], plan: list[ArchiveFile], paths: list[Path],
            missing: list[str]) -> None:
    if not plan:
        warnings.warn(f"{symbol}: nothing to download for {list(kinds)} in this range (months not yet complete "
                      "for monthly-only kinds, or days not yet published)", ArchiveWarning, stacklevel=3)
        return
    if missing and not paths:
        raise DownloadError(f"no archive file found for {symbol} {list(kinds)}: HTTP 404 Not Found for {missing[0]}"
                            + (f" and {len(missing) - 1} more" if len(missing) > 1 else "")
                            + "; check the symbol and the dates (liquidationSnapshot ends 2024-03-31)")
    if missing:
        shown = "; ".join(missing[:5])
        warnings.warn(f"{symbol}: {len(missing)} archive file(s) not found (HTTP 404): {shown}"
                      + (" ..." if len(missing) > 5 else ""), ArchiveWarning, stacklevel=3)
