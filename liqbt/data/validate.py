"""Checks every loader runs before data reaches the engine.

Each check raises :class:`~liqbt.errors.DataError` naming the source, the column
and the first offending rows. Nothing here drops, fills or reorders data.
"""

from __future__ import annotations

import errno
import stat
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = [
    "check_data_file",
    "check_data_folder",
    "read_table",
    "numeric_columns",
    "require_columns",
    "to_utc_index",
    "check_index",
    "check_finite",
    "check_prices",
    "check_non_negative",
    "check_funding_unit",
    "check_funding_range",
    "find_gaps",
    "PRICE_COLUMNS",
    "PRICE_MAX",
    "QUANTITY_MAX",
    "FUNDING_MAX_ABS",
]

PRICE_COLUMNS = ("open", "high", "low", "close")
FundingUnit = Literal["fraction", "percent"]

#: Largest price accepted (quote currency). BTC trades near 1e5; a price above 1e9 is
#: a unit or parsing error (1e308 would turn every statistic into ``Infinity``).
PRICE_MAX = 1e9
#: Largest volume, open interest or liquidation notional accepted. No market comes near
#: it; it guards sums against overflow.
QUANTITY_MAX = 1e18
#: Largest |funding rate| per funding interval, as a fraction (5 %). Exchanges cap the
#: rate per interval at a few percent at most (Hyperliquid: 4 % an hour); the largest in
#: the real data under ../shared/data is 0.0058 (Bybit), the largest Binance BTCUSDT one
#: 0.00015 (vendor file: 0.025 %). A column 1000x too large (0.1 instead of 0.0001) is
#: far above it.
FUNDING_MAX_ABS = 0.05


def _plain(value) -> str:
    return repr(value.item()) if isinstance(value, np.generic) else repr(value)


def _describe_rows(index: pd.Index, mask: np.ndarray, frame: pd.DataFrame | None = None,
                   columns: tuple[str, ...] = ()) -> tuple[list[str], int]:
    positions = np.flatnonzero(mask)
    rows = []
    for pos in positions[:5]:
        text = f"row {pos} ({index[pos]})"
        if frame is not None and columns:
            values = ", ".join(f"{c}={_plain(frame[c].iloc[pos])}" for c in columns)
            text += f" {values}"
        rows.append(text)
    return rows, len(positions)


def check_data_file(path, kind: str) -> Path:
    """``path`` as a readable, non-empty regular file, or a DataError naming it.

    Refused: a missing path, a symbolic link loop or a dangling link, a folder,
    anything that is not a regular file (a FIFO or a device would block or never
    end), an empty file and a file the process may not read.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise DataError(str(path), f"dangling symbolic link; expected a {kind} file") from None
        raise DataError(str(path), "file not found") from None
    except OSError as exc:  # ELOOP and friends
        reason = "symbolic link loop" if exc.errno == errno.ELOOP else (exc.strerror or str(exc))
        raise DataError(str(path), f"cannot open: {reason}; expected a {kind} file") from None
    if stat.S_ISDIR(info.st_mode):
        raise DataError(str(path), f"is a folder; expected a {kind} file")
    if not stat.S_ISREG(info.st_mode):
        raise DataError(str(path), f"not a regular file; expected a {kind} file")
    if info.st_size == 0:
        raise DataError(str(path), f"empty file (0 bytes); expected a {kind} file")
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise DataError(str(path), f"cannot read: {exc.strerror or exc}") from None
    return path


def check_data_folder(path, kind: str) -> Path:
    """``path`` as an existing folder, or a DataError naming it (as :func:`check_data_file`)."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DataError(str(path), f"folder not found; expected {kind}") from None
    except OSError as exc:
        reason = "symbolic link loop" if exc.errno == errno.ELOOP else (exc.strerror or str(exc))
        raise DataError(str(path), f"cannot open: {reason}; expected {kind}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise DataError(str(path), f"is a file, not a folder; expected {kind}")
    return path


def read_table(path, read, kind: str, columns=(), errors: tuple = (Exception,)) -> pd.DataFrame:
    """``read(path)`` as a DataFrame, or a DataError naming the file.

    Parameters
    ----------
    read : callable
        The pandas reader (``pd.read_csv``, ``pd.read_parquet``, ...).
    kind : str
        Shown in the message: "not a readable <kind> file".
    columns : sequence of str
        Columns the file must have.
    errors : tuple of exception types
        What the reader raises for a bad file (pyarrow raises several types).
    """
    path = check_data_file(path, kind)
    try:
        frame = read(path)
    except OSError as exc:  # permission, I/O error, a file that vanished
        raise DataError(str(path), f"cannot read: {exc.strerror or exc}") from None
    except errors as exc:
        raise DataError(str(path), f"not a readable {kind} file: {exc}") from None
    require_columns(frame, columns, str(path))
    return frame


def numeric_columns(frame: pd.DataFrame, columns, source: str) -> pd.DataFrame:
    """``columns`` of ``frame`` as float64; text that is not a number is a DataError.

    Empty cells become NaN (the range checks then name them); ``"abc"`` in a
    price column is reported with its rows instead of failing inside pandas.
    """
    out = {}
    for col in columns:
        raw = frame[col]
        if raw.dtype.kind in "fiu":  # nullable integers (Int64 with <NA>) give NaN for the range checks
            out[col] = raw.to_numpy(dtype=np.float64, na_value=np.nan)
            continue
        if raw.dtype.kind == "b":
            raise DataError(source, "expected numbers, found booleans", column=col)
        values = pd.to_numeric(raw, errors="coerce")
        bad = (values.isna() & raw.notna() & (raw.astype(str).str.strip() != "")).to_numpy()
        if bad.any():
            pos = np.flatnonzero(bad)
            raise DataError(source, "expected numbers, found text", column=col,
                            rows=[f"row {p} ({_plain(raw.iloc[p])})" for p in pos[:5]], n_rows=len(pos))
        out[col] = values.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.DataFrame(out, index=frame.index)


def require_columns(frame: pd.DataFrame, columns, source: str) -> None:
    """Raise if any of ``columns`` is missing, listing what the file has."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            source,
            f"missing column(s) {missing}; expected {list(columns)}, found {list(frame.columns)}",
        )


def to_utc_index(values, source: str, column: str, *, unit: str | None = None) -> pd.DatetimeIndex:
    """Parse timestamps into a ``datetime64[ns, UTC]`` index.

    Integers are read with ``unit`` (for example ``"ms"``); strings and datetimes
    must carry a time zone unless ``assume_utc`` semantics are stated by the
    caller passing already-localised values. Naive timestamps are an error:
    guessing a zone silently shifts every bar.
    """
    if unit is None and getattr(values, "dtype", np.dtype(object)).kind in "iuf":
        unit = "ms"  # plain numbers are epoch milliseconds (their unit detected by magnitude)
    if unit is not None:
        index = _epoch_to_index(values, source, column, unit)
    else:
        try:
            index = pd.DatetimeIndex(values)
        except (ValueError, TypeError) as exc:
            raise DataError(source, f"expected timestamps, could not parse them: {exc}", column=column) from None
        if index.tz is None:
            raise DataError(
                source,
                "timestamps are naive (no time zone); expected UTC timestamps. "
                "Declare them as UTC in the loader call (timezone='UTC') if they are.",
                column=column,
            )
        index = index.tz_convert("UTC")
    index = index.as_unit("ns")
    index.name = "time"
    return index


# Epoch timestamps of 1973..5138 by magnitude: seconds < 1e11 <= ms < 1e14 <= µs < 1e17 <= ns.
_EPOCH_UNITS = (("s", 0, 10**11), ("ms", 10**11, 10**14), ("us", 10**14, 10**17), ("ns", 10**17, 2**63))
_NS_PER = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
_UNIT_NAMES = {"s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds"}


def _epoch_to_index(values, source: str, column: str, unit: str) -> pd.DatetimeIndex:
    """Integer epoch timestamps declared in ``unit`` ("ms") as a UTC index, exactly.

    The unit of the numbers is detected by magnitude: microseconds and
    nanoseconds in a millisecond column (Binance's archive switched to µs in
    2025) are converted exactly; seconds, a mix of units, fractional values and
    text are errors naming the rows.
    """
    raw = pd.Series(values).reset_index(drop=True)
    numeric = pd.to_numeric(raw, errors="coerce")
    bad = numeric.isna().to_numpy()
    if bad.any():
        pos = np.flatnonzero(bad)
        raise DataError(source, f"expected integer epoch timestamps in {_UNIT_NAMES[unit]}, found text or empty cells",
                        column=column, rows=[f"row {p} ({_plain(raw.iloc[p])})" for p in pos[:5]], n_rows=len(pos))
    if numeric.dtype.kind == "f":
        floats = numeric.to_numpy(dtype=np.float64)
        frac = floats != np.floor(floats)
        if frac.any():
            pos = np.flatnonzero(frac)
            raise DataError(source, f"fractional epoch {_UNIT_NAMES[unit]}; expected whole numbers "
                                    "(liqbt does not truncate timestamps)", column=column,
                            rows=[f"row {p} ({float(floats[p])!r})" for p in pos[:5]], n_rows=len(pos))
        if (np.abs(floats) >= 2.0**53).any():
            raise DataError(source, "epoch timestamps stored as floats beyond 2**53 lose digits; "
                                    "expected integers", column=column)
    ints = numeric.to_numpy().astype(np.int64)
    found = np.select([ints < lo for _, lo, _ in _EPOCH_UNITS[1:]], [u for u, _, _ in _EPOCH_UNITS[:-1]],
                      default="ns")
    first = found[0]
    mixed = found != first
    if mixed.any():
        pos = np.flatnonzero(mixed)
        raise DataError(source, f"mixed epoch units ({_UNIT_NAMES[first]} in row 0); expected one unit per column",
                        column=column, rows=[f"row {p} ({ints[p]}, {_UNIT_NAMES[found[p]]})" for p in pos[:5]],
                        n_rows=len(pos))
    if (ints < 0).any() or first == "s" and unit != "s":
        raise DataError(source, f"expected epoch {_UNIT_NAMES[unit]} (e.g. 1764828000000 for 2025-12-04), "
                                f"found {_UNIT_NAMES[first] if (ints >= 0).all() else 'negative numbers'} "
                                f"(row 0: {ints[0]})", column=column)
    too_late = ints > np.iinfo(np.int64).max // _NS_PER[first]  # past 2262: no datetime64[ns]
    if too_late.any():
        pos = np.flatnonzero(too_late)
        raise DataError(source, f"epoch {_UNIT_NAMES[first]} after the year 2262; expected dates of trading data",
                        column=column, rows=[f"row {p} ({ints[p]})" for p in pos[:5]], n_rows=len(pos))
    nanos = ints * _NS_PER[first]
    return pd.DatetimeIndex(pd.to_datetime(nanos, unit="ns", utc=True))


def check_index(index: pd.DatetimeIndex, source: str, column: str = "time") -> None:
    """Timestamps must be UTC, strictly increasing and unique."""
    if index.tz is None:
        raise DataError(source, "timestamps are naive; expected UTC", column=column)
    if len(index) == 0:
        raise DataError(source, "no rows; expected at least one", column=column)
    values = index.as_unit("ns").asi8
    diffs = np.diff(values)
    dup = np.concatenate([[False], diffs == 0])
    if dup.any():
        rows, n = _describe_rows(index, dup)
        raise DataError(source, "duplicate timestamps; expected each timestamp once",
                        column=column, rows=rows, n_rows=n)
    back = np.concatenate([[False], diffs < 0])
    if back.any():
        rows, n = _describe_rows(index, back)
        raise DataError(source, "timestamps not sorted; expected strictly increasing (liqbt never reorders data)",
                        column=column, rows=rows, n_rows=n)


def check_finite(frame: pd.DataFrame, columns, source: str) -> None:
    """No NaN or infinity in ``columns``."""
    for col in columns:
        values = frame[col].to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values)
        if bad.any():
            rows, n = _describe_rows(frame.index, bad, frame, (col,))
            raise DataError(source, "NaN or infinite values; expected finite numbers",
                            column=col, rows=rows, n_rows=n)


def check_prices(frame: pd.DataFrame, source: str, prefix: str = "") -> None:
    """Prices finite, positive and at most ``PRICE_MAX``; ``low <= open, close <= high``."""
    o, h, l, c = (prefix + name for name in PRICE_COLUMNS)
    check_finite(frame, (o, h, l, c), source)
    for col in (o, h, l, c):
        bad = frame[col].to_numpy() <= 0
        if bad.any():
            rows, n = _describe_rows(frame.index, bad, frame, (col,))
            raise DataError(source, "non-positive prices; expected > 0", column=col, rows=rows, n_rows=n)
        bad = frame[col].to_numpy() > PRICE_MAX
        if bad.any():
            rows, n = _describe_rows(frame.index, bad, frame, (col,))
            raise DataError(source, f"absurd prices; expected at most {PRICE_MAX:g} (a unit or parsing error?)",
                            column=col, rows=rows, n_rows=n)
    high, low = frame[h].to_numpy(), frame[l].to_numpy()
    bad = high < low
    if bad.any():
        rows, n = _describe_rows(frame.index, bad, frame, (h, l))
        raise DataError(source, f"{h} < {l}; expected high >= low", column=h, rows=rows, n_rows=n)
    for col in (o, c):
        values = frame[col].to_numpy()
        bad = (values > high) | (values < low)
        if bad.any():
            rows, n = _describe_rows(frame.index, bad, frame, (col, l, h))
            raise DataError(source, f"{col} outside [{l}, {h}]", column=col, rows=rows, n_rows=n)


def check_non_negative(frame: pd.DataFrame, columns, source: str) -> None:
    """Volumes, open interest and liquidation notionals: finite, never negative, at most ``QUANTITY_MAX``."""
    check_finite(frame, columns, source)
    for col in columns:
        bad = frame[col].to_numpy() < 0
        if bad.any():
            rows, n = _describe_rows(frame.index, bad, frame, (col,))
            raise DataError(source, "negative values; expected >= 0", column=col, rows=rows, n_rows=n)
        bad = frame[col].to_numpy() > QUANTITY_MAX
        if bad.any():
            rows, n = _describe_rows(frame.index, bad, frame, (col,))
            raise DataError(source, f"absurd values; expected at most {QUANTITY_MAX:g}", column=col,
                            rows=rows, n_rows=n)


# A fraction-per-interval funding rate on a liquid perpetual is ~1e-4; in percent the
# same numbers are 100x larger. The medians tell the units apart; FUNDING_MAX_ABS caps
# single values.
_FRACTION_MAX_MEDIAN = 2e-3
_PERCENT_MIN_MEDIAN = 5e-4


def check_funding_range(rates: pd.Series, source: str, column: str = "funding_rate", *,
                        unit: FundingUnit = "fraction") -> None:
    """Funding rates finite and ``|rate| <= FUNDING_MAX_ABS`` per interval (x100 in percent)."""
    values = rates.to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        rows, n = _describe_rows(rates.index, bad, rates.to_frame(column), (column,))
        raise DataError(source, "NaN or infinite funding rates", column=column, rows=rows, n_rows=n)
    cap = FUNDING_MAX_ABS * (100.0 if unit == "percent" else 1.0)
    bad = np.abs(values) > cap
    if bad.any():
        rows, n = _describe_rows(rates.index, bad, rates.to_frame(column), (column,))
        raise DataError(source, f"|funding rate| above {cap:g} ({unit} per funding interval); exchanges cap "
                                "funding far below that (a column in the wrong unit or scale?)",
                        column=column, rows=rows, n_rows=n)


def check_funding_unit(rates: pd.Series, unit: FundingUnit, source: str, column: str = "funding_rate") -> None:
    """Raise when the magnitude of ``rates`` contradicts the declared ``unit``.

    Parameters
    ----------
    rates : Series
        Funding rates as found in the file (before any conversion).
    unit : {"fraction", "percent"}
        The unit the caller declared: ``0.0001`` as a fraction is ``0.01`` in percent.
        Single values above :data:`FUNDING_MAX_ABS` (5 % per interval) are errors
        in either unit.
    """
    if unit not in ("fraction", "percent"):
        raise DataError(source, f"funding unit must be 'fraction' or 'percent', found {unit!r}", column=column)
    values = rates.to_numpy(dtype=np.float64)
    nonzero = np.abs(values[np.isfinite(values) & (values != 0)])
    median = float(np.median(nonzero)) if len(nonzero) else 0.0
    if unit == "fraction" and median > _FRACTION_MAX_MEDIAN:
        raise DataError(
            source,
            f"funding declared as a fraction per interval but the median |rate| is {median:.6g} "
            f"(max {nonzero.max():.6g}); fractions are ~0.0001. Is it in percent? Declare unit: percent",
            column=column,
        )
    if unit == "percent" and len(nonzero) and median < _PERCENT_MIN_MEDIAN:
        raise DataError(
            source,
            f"funding declared in percent but the median |rate| is {median:.6g}; percent rates are ~0.01. "
            "Is it a fraction? Declare unit: fraction",
            column=column,
        )
    check_funding_range(rates, source, column, unit=unit)


def find_gaps(index: pd.DatetimeIndex, bar_size: pd.Timedelta) -> pd.DataFrame:
    """Missing bars in an index that should step by ``bar_size``.

    Returns
    -------
    DataFrame
        One row per gap: ``after`` (last bar before it), ``before`` (first bar
        after it) and ``missing_bars``. Empty when the index is complete.
    """
    step = int(bar_size.value)
    values = index.as_unit("ns").asi8
    diffs = np.diff(values)
    where = np.flatnonzero(diffs != step)
    gaps = pd.DataFrame(
        {
            "after": index[where],
            "before": index[where + 1],
            "missing_bars": (diffs[where] // step - 1).astype(np.int64),
        }
    )
    return gaps
