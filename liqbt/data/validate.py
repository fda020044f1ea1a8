"""Checks every loader runs before data reaches the engine.

Each check raises :class:`~liqbt.errors.DataError` naming the source, the column
and the first offending rows. Nothing here drops, fills or reorders data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = [
    "read_table",
    "require_columns",
    "to_utc_index",
    "check_index",
    "check_finite",
    "check_prices",
    "check_non_negative",
    "check_funding_unit",
    "find_gaps",
    "PRICE_COLUMNS",
]

PRICE_COLUMNS = ("open", "high", "low", "close")
FundingUnit = Literal["fraction", "percent"]


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
    path = Path(path)
    if not path.exists():
        raise DataError(str(path), "file not found")
    try:
        frame = read(path)
    except errors as exc:
        raise DataError(str(path), f"not a readable {kind} file: {exc}") from None
    require_columns(frame, columns, str(path))
    return frame


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
    if unit is not None:
        numeric = pd.to_numeric(pd.Series(values), errors="coerce")
        bad = numeric.isna().to_numpy()
        if bad.any():
            rows, n = _describe_rows(pd.RangeIndex(len(bad)), bad)
            raise DataError(source, f"expected integer epoch timestamps in {unit}, found non-numbers",
                            column=column, rows=rows, n_rows=n)
        index = pd.DatetimeIndex(pd.to_datetime(numeric.astype("int64"), unit=unit, utc=True))
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
    """Prices positive; ``low <= open, close <= high``."""
    o, h, l, c = (prefix + name for name in PRICE_COLUMNS)
    check_finite(frame, (o, h, l, c), source)
    for col in (o, h, l, c):
        bad = frame[col].to_numpy() <= 0
        if bad.any():
            rows, n = _describe_rows(frame.index, bad, frame, (col,))
            raise DataError(source, "non-positive prices; expected > 0", column=col, rows=rows, n_rows=n)
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
    """Volumes, open interest and liquidation notionals are never negative."""
    check_finite(frame, columns, source)
    for col in columns:
        bad = frame[col].to_numpy() < 0
        if bad.any():
            rows, n = _describe_rows(frame.index, bad, frame, (col,))
            raise DataError(source, "negative values; expected >= 0", column=col, rows=rows, n_rows=n)


# A fraction-per-interval funding rate on a liquid perpetual is ~1e-4 and capped
# by exchanges at a few percent (0.03); in percent the same numbers are 100x larger.
_FRACTION_MAX_MEDIAN = 2e-3
_FRACTION_MAX_ABS = 0.05
_PERCENT_MIN_MEDIAN = 5e-4


def check_funding_unit(rates: pd.Series, unit: FundingUnit, source: str, column: str = "funding_rate") -> None:
    """Raise when the magnitude of ``rates`` contradicts the declared ``unit``.

    Parameters
    ----------
    rates : Series
        Funding rates as found in the file (before any conversion).
    unit : {"fraction", "percent"}
        The unit the caller declared: ``0.0001`` as a fraction is ``0.01`` in percent.
    """
    if unit not in ("fraction", "percent"):
        raise DataError(source, f"funding unit must be 'fraction' or 'percent', found {unit!r}", column=column)
    values = rates.to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        rows, n = _describe_rows(rates.index, bad)
        raise DataError(source, "NaN or infinite funding rates", column=column, rows=rows, n_rows=n)
    nonzero = np.abs(values[values != 0])
    if len(nonzero) == 0:
        return
    median = float(np.median(nonzero))
    if unit == "fraction" and (median > _FRACTION_MAX_MEDIAN or nonzero.max() > _FRACTION_MAX_ABS):
        raise DataError(
            source,
            f"funding declared as a fraction per interval but the median |rate| is {median:.6g} "
            f"(max {nonzero.max():.6g}); fractions are ~0.0001. Is it in percent? Declare unit: percent",
            column=column,
        )
    if unit == "percent" and median < _PERCENT_MIN_MEDIAN:
        raise DataError(
            source,
            f"funding declared in percent but the median |rate| is {median:.6g}; percent rates are ~0.01. "
            "Is it a fraction? Declare unit: fraction",
            column=column,
        )


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
