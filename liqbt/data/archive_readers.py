"""Readers of single Binance archive zips: one CSV read straight from the zip, checked, in liqbt's units.

Each ``read_*`` function verifies the sibling checksum file when present and returns pandas
objects stamped as :mod:`liqbt.data.binance_archive` states (bar open, ``calc_time``,
``create_time``). :func:`read_archive_file` reads one file of any kind without its period
check, which the archive walk runs after its cross-file checks.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError
from .archive_layout import (
    FUNDING_COLUMNS,
    KLINE_COLUMNS,
    KLINE_INTERVALS,
    LIQUIDATION_COLUMNS,
    METRICS_COLUMNS,
    METRICS_RATIOS,
    interval_bar_size,
    period_of_name,
    unsafe_member_reason,
    verify_checksum,
)
from .validate import (
    check_funding_unit,
    check_index,
    check_non_negative,
    check_prices,
    require_columns,
    to_utc_index,
)

__all__ = [
    "read_klines",
    "read_mark_price_klines",
    "read_funding_rate",
    "read_metrics",
    "read_liquidation_snapshot",
    "read_archive_file",
    "check_in_period",
    "liquidation_bar_size",
]

_MICROSECONDS_FROM = 10**14
_ONE_DAY = pd.Timedelta("1D")


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
def check_in_period(index: pd.DatetimeIndex, path: Path, column: str, *, inclusive_end: bool = False) -> None:
    """Rows must lie in the day or month named by the file (when the name says one)."""
    period = period_of_name(path.name)
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
    check_in_period(out.index, Path(path), "open_time")
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
    check_in_period(out.index, Path(path), "open_time")
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
    check_in_period(rates.index, Path(path), "calc_time")
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
    check_in_period(out.index, Path(path), "create_time", inclusive_end=True)
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
    check_in_period(times, Path(path), "time")
    usd = (notional["average_price"] * notional["accumulated_fill_quantity"]).to_numpy()
    return source, times, side == "SELL", usd


def liquidation_bar_size(bar_size: pd.Timedelta | str) -> pd.Timedelta:
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
    size = liquidation_bar_size(bar_size)
    source, times, is_long, usd = _liquidation_events(path, verify)
    period = period_of_name(Path(path).name)
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


def read_archive_file(path: Path, kind: str, symbol: str, interval: str, verify: bool) -> pd.DataFrame:
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
