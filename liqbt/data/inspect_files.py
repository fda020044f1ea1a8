"""``liqbt data inspect`` for files that hold no candles of their own.

A freqtrade mark-price or funding-rate feather, one CSV of the 4-hourly vendor
folder, one parquet table of the multi-venue folder and a text file (a README)
are each read through the loader liqbt uses for them (so a bad file is the same
one-line error as in a run) and summarised as kind, rows and span.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from .freqtrade import FILE_NAME, read_feather_frame
from .market import bar_size_label
from .validate import check_data_file, read_table
from .vendor import VENDOR_4H_FILES, read_vendor_4h

__all__ = ["table_file_info", "MULTIVENUE_TABLES", "TEXT_SUFFIXES"]

# One table of the multi-venue folder: file -> what its rows are.
MULTIVENUE_TABLES = {
    "candles.parquet": "multi-venue candles (OHLCV per venue and coin, bar opens)",
    "funding_rates.parquet": "multi-venue funding rates (fraction per interval, per venue and coin)",
    "open_interest.parquet": "multi-venue open interest (USD, per venue and coin)",
    "liquidation_events.parquet": "multi-venue liquidation events (one row per fill, USD)",
    "liquidation_volume.parquet": "multi-venue liquidation volume (USD per bar and coin, all venues)",
}
TEXT_SUFFIXES = (".md", ".txt", ".rst")
# Readable text is small; a bigger "README" is not one and is not read whole.
_MAX_TEXT_BYTES = 1 << 20

_VENDOR_4H_KINDS = {
    "open_interest": "4-hourly vendor open interest OHLC (USD, all exchanges)",
    "liquidations": "4-hourly vendor realised liquidations (USD per bar, Binance)",
    "funding": "4-hourly vendor funding OHLC (percent); settled events at 00/08/16 UTC",
    "known": "4-hourly vendor taker volume (USD per bar, Binance)",
}


def _info(path: Path, kind: str, stamps: pd.DatetimeIndex, columns, rows: int | None = None, **extra) -> dict:
    """The summary row of one file: kind, rows, first/last stamp, most common step, columns."""
    unique = pd.DatetimeIndex(stamps).as_unit("ns").unique().sort_values()  # asi8 in ns whatever the file's unit
    steps = np.diff(unique.asi8)
    step = None
    if len(steps):
        values, counts = np.unique(steps, return_counts=True)
        step = bar_size_label(pd.Timedelta(int(values[np.argmax(counts)])))
    info = {"file": str(path), "kind": kind, "rows": int(len(stamps) if rows is None else rows),
            "first": str(unique[0]) if len(unique) else None, "last": str(unique[-1]) if len(unique) else None,
            "step": step, "columns": [str(c) for c in columns]}
    info.update(extra)
    return info


def _freqtrade_info(path: Path, pair: str, timeframe: str, kind: str) -> dict:
    frame = read_feather_frame(check_data_file(path, "freqtrade .feather"))
    what = {"mark": f"freqtrade mark price {pair} ({timeframe} bars, USD)",
            "funding_rate": f"freqtrade funding rate {pair} (fraction per funding interval, in 'open')"}[kind]
    return _info(path, what, frame.index, ["date", *frame.columns])


def _vendor_4h_info(path: Path, part: str) -> dict:
    """One 4-hourly vendor CSV read as the folder loader reads it; stamps are the file's bar opens."""
    four = pd.Timedelta(hours=4)
    bundle = read_vendor_4h(path.parent, parts=[part])
    if part == "open_interest":
        return _info(path, _VENDOR_4H_KINDS[part], bundle.open_interest.index - four, ["timestamp", "close"])
    if part == "liquidations":
        return _info(path, _VENDOR_4H_KINDS[part], bundle.liquidations.index, ["timestamp", "long_usd", "short_usd"])
    if part == "funding":
        # the loader keeps only the intervals that end at a settlement; rows and span are the file's own
        stamps = pd.DatetimeIndex(pd.to_datetime(pd.read_csv(path, usecols=["timestamp"])["timestamp"], utc=True))
        return _info(path, _VENDOR_4H_KINDS[part], stamps, ["timestamp", "open", "high", "low", "close"],
                     funding_events=int(len(bundle.funding)))
    taker = bundle.known["taker_buy_usd_4h"]
    return _info(path, _VENDOR_4H_KINDS[part], taker.index - four, ["timestamp", "buy_usd", "sell_usd"])


def _parquet_info(path: Path) -> dict:
    """One table of a multi-venue folder: rows, span and the venues and coins it holds."""
    frame = read_table(check_data_file(path, "parquet"), pd.read_parquet, "parquet", ("timestamp",))
    if frame.empty:
        raise DataError(str(path), "no rows")
    stamps = pd.to_datetime(frame["timestamp"], utc=True, errors="coerce")
    if stamps.isna().any():
        bad = np.flatnonzero(stamps.isna().to_numpy())
        raise DataError(str(path), "unreadable timestamps", column="timestamp",
                        rows=[f"row {i} ({frame['timestamp'].iloc[i]!r})" for i in bad[:5]], n_rows=len(bad))
    groups = {col: sorted(map(str, frame[col].dropna().unique())) for col in ("venue", "coin") if col in frame}
    kind = MULTIVENUE_TABLES.get(path.name, "parquet table")
    return _info(path, kind, pd.DatetimeIndex(stamps), frame.columns, rows=len(frame), **groups)


def _text_info(path: Path) -> dict:
    check_data_file(path, "text")
    if path.stat().st_size > _MAX_TEXT_BYTES:
        raise DataError(str(path), f"text file larger than {_MAX_TEXT_BYTES:,} bytes; not a README liqbt reads")
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return {"file": str(path), "kind": "text (documentation, no data)", "rows": len(lines),
            "first": None, "last": None, "step": None, "columns": []}


def table_file_info(path: str | Path) -> dict | None:
    """Kind, rows, span, step and columns of one file liqbt reads that holds no candles.

    Parameters
    ----------
    path : path
        A freqtrade ``*-mark.feather`` or ``*-funding_rate.feather``, a file of
        the 4-hourly vendor folder (``coinglass_oi_4h.csv``, ...), a ``.parquet``
        table or a text file (``.md``, ``.txt``, ``.rst``).

    Returns
    -------
    dict or None
        ``file, kind, rows, first, last, step, columns`` (stamps as UTC bar opens
        or event times as in the file; ``first``/``last`` are None for text), plus
        ``venue``/``coin`` lists of a multi-venue table and ``funding_events`` of
        the 4-hourly funding file. None when ``path`` is none of these files (a
        candle file is described by :func:`~liqbt.data.inspect.describe`).
    """
    path = Path(path)
    if path.suffix == ".feather":
        match = FILE_NAME.match(path.name)
        if match and match.group("kind") != "futures":
            return _freqtrade_info(path, match.group("pair"), match.group("timeframe"), match.group("kind"))
        return None
    if path.suffix == ".csv":
        part = next((p for p, (name, _) in VENDOR_4H_FILES.items() if name == path.name), None)
        return None if part is None else _vendor_4h_info(path, part)
    if path.suffix == ".parquet":
        return _parquet_info(path)
    if path.suffix.lower() in TEXT_SUFFIXES:
        return _text_info(path)
    return None
