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

The archive's layout and checksums are in :mod:`liqbt.data.archive_layout`, the
readers of single files in :mod:`liqbt.data.archive_readers`; their public names
are importable from here too.
"""

from __future__ import annotations

import re
import warnings
from datetime import date
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError
from .archive_layout import (
    ARCHIVE_KINDS,
    CANDLE_COLUMNS,
    FILE_NAME_RE,
    FREQUENCIES,
    KLINE_INTERVALS,
    LIQ_COLUMNS,
    METRICS_RATIOS,
    TIME_COLUMNS,
    UM_ROOT,
    ArchiveFile,
    ArchiveWarning,
    archive_dir,
    archive_path,
    check_kind,
    file_label,
    file_sha256,
    interval_bar_size,
    parse_checksum_text,
    period_of_name,
    read_checksum_file,
    unsafe_member_reason,
    verify_checksum,
)
from .archive_readers import (
    check_in_period,
    liquidation_bar_size,
    read_archive_file,
    read_funding_rate,
    read_klines,
    read_liquidation_snapshot,
    read_mark_price_klines,
    read_metrics,
)
from .bundle import DataBundle

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
    "to_utc",
]


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


def to_utc(value, name: str) -> pd.Timestamp | None:
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
    start, end = to_utc(start, "start"), to_utc(end, "end")
    label = file_label(kind, interval)
    pattern = re.compile(FILE_NAME_RE.format(symbol=re.escape(symbol), label=re.escape(label)))
    found: dict[str, list[ArchiveFile]] = {}
    for frequency in FREQUENCIES:
        folder = archive_dir(kind, symbol, frequency, interval)
        files = []
        for path in sorted((base / folder).glob("*.zip")):
            period = period_of_name(path.name) if pattern.match(path.name) else None
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


def _read_kind(base: Path, files: list[ArchiveFile], kind: str, symbol: str, interval: str,
               verify: bool) -> pd.DataFrame:
    """All files of one kind, concatenated: overlaps between files are reported
    (naming both files) before rows outside a file's own period."""
    pieces = [(base / f.relpath, read_archive_file(base / f.relpath, kind, symbol, interval, verify)) for f in files]
    data = _concat_checked(pieces, TIME_COLUMNS[kind], identical_ok=(kind == "metrics"))
    for path, frame in pieces:
        check_in_period(frame.index, path, TIME_COLUMNS[kind], inclusive_end=(kind == "metrics"))
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
        check_kind(kind)
    bar_size = interval_bar_size(interval)
    if bar_size is None:
        raise ConfigError(f"interval {interval!r} has no fixed length; use '1w' or shorter")
    if "liquidationSnapshot" in kinds:
        liquidation_bar_size(bar_size)
    start, end = to_utc(start, "start"), to_utc(end, "end")
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
