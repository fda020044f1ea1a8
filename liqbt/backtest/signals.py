"""The :class:`Signals` container and its validation against a market."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Optional, Union

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError

__all__ = ["Signals", "SignalArrays"]

Frame = Union[pd.DataFrame, pd.Series]
Param = Union[float, pd.Series, pd.DataFrame, None]

_SIGNAL_NAMES = ("long_entries", "long_exits", "short_entries", "short_exits")


class SignalArrays(NamedTuple):
    """Signals as contiguous arrays on the market's bars (kernel input)."""

    long_entries: np.ndarray  # (n, m) bool
    long_exits: np.ndarray
    short_entries: np.ndarray
    short_exits: np.ndarray
    size: np.ndarray  # flexible 2-D float, NaN = config default
    sl_stop: np.ndarray  # flexible 2-D float, NaN = none
    tp_stop: np.ndarray
    target_price: np.ndarray
    columns: pd.Index

    def rows(self, start: int, end: int) -> "SignalArrays":
        """The signals of bars ``[start, end)`` (by position), in the kernels' layout (column-major copies)."""
        if start == 0 and end == self.long_entries.shape[0]:
            return self

        def cut(a):
            return a if a.shape[0] == 1 else np.asfortranarray(a[start:end])

        return SignalArrays(*(cut(a) for a in self[:-1]), columns=self.columns)


@dataclass(frozen=True, eq=False)
class Signals:
    """Entry and exit signals of one or many parameter columns.

    Every signal sits on the row of the bar whose close it is known at; with
    ``execution="next_open"`` it fills at the next bar's open.

    Parameters
    ----------
    long_entries, long_exits, short_entries, short_exits : DataFrame or Series of bool, optional
        On the market's index; columns are parameter combinations and must be
        the same in every frame; a Series is one column (or is broadcast to the
        columns of the frames). ``None`` means no such signal.
    size : float, Series or DataFrame, optional
        Order size per signal row (equity fraction or USD notional, see
        :class:`~liqbt.backtest.BacktestConfig.size_type`); NaN or missing
        takes the config's ``size``.
    sl_stop, tp_stop : float, Series or DataFrame, optional
        Stop-loss / take-profit distance as a fraction of the entry fill price
        (0.02 = 2 %), read on the entry signal's row. Stop-market exits: taker
        fee and slippage.
    target_price : Series or DataFrame, optional
        An exit price level in USD (for example a liquidation-magnet zone),
        known at the row's close: the value on row ``t`` applies to bar ``t+1``
        only (forward-fill the series to keep a level). A long exits
        when the high reaches it, a short when the low does, as a resting limit
        order (maker fee, no slippage; at the open with the taker fee when the
        open is already beyond it). NaN = no target.
    """

    long_entries: Optional[Frame] = None
    long_exits: Optional[Frame] = None
    short_entries: Optional[Frame] = None
    short_exits: Optional[Frame] = None
    size: Param = None
    sl_stop: Param = None
    tp_stop: Param = None
    target_price: Param = None

    def __post_init__(self):
        if all(getattr(self, name) is None for name in _SIGNAL_NAMES):
            raise ConfigError("Signals: no signal given; expected at least one of " + ", ".join(_SIGNAL_NAMES))
        for name in _SIGNAL_NAMES:
            value = getattr(self, name)
            if value is not None and not isinstance(value, (pd.Series, pd.DataFrame)):
                raise ConfigError(f"Signals.{name}: expected a bool DataFrame or Series on the market's index, "
                                  f"found {type(value).__name__}")

    @property
    def columns(self) -> pd.Index:
        """Parameter columns (from the first DataFrame; a single unnamed column otherwise)."""
        for name in _SIGNAL_NAMES:
            value = getattr(self, name)
            if isinstance(value, pd.DataFrame):
                return value.columns
        for name in _SIGNAL_NAMES:
            value = getattr(self, name)
            if isinstance(value, pd.Series):
                return pd.Index([value.name if value.name is not None else 0])
        raise ConfigError("Signals: no signal given")

    def to_arrays(self, index: pd.DatetimeIndex, source: str = "signals") -> SignalArrays:
        """Validate against the market's ``index`` and convert to kernel arrays.

        Raises
        ------
        DataError
            A frame is not on the market's index.
        ConfigError
            Columns differ between frames, a signal is not boolean, or a
            parameter is out of range.
        """
        columns = self.columns
        n, m = len(index), len(columns)
        out = {}
        for name in _SIGNAL_NAMES:
            value = getattr(self, name)
            if value is None:
                out[name] = np.zeros((n, m), dtype=np.bool_)
                continue
            _check_index(value, index, f"{source}.{name}")
            if isinstance(value, pd.DataFrame) and not value.columns.equals(columns):
                raise ConfigError(f"{source}.{name}: columns {list(value.columns[:5])} differ from the columns "
                                  f"of the other signals {list(columns[:5])}; expected the same parameter columns")
            arr = _column_major(value)
            if arr.dtype != np.bool_:
                if arr.dtype == object or not np.isin(np.unique(arr[~pd.isna(arr)]), (0, 1)).all() \
                        or pd.isna(arr).any():
                    raise ConfigError(f"{source}.{name}: expected booleans (True/False, no NaN), "
                                      f"found dtype {arr.dtype}")
                arr = arr.astype(np.bool_)
            arr = arr.reshape(n, -1)
            # column-major (the kernel walks columns) and writable: numba compiles a readonly array apart
            out[name] = np.require(arr if arr.shape == (n, m) else np.broadcast_to(arr, (n, m)), requirements="FW")
        params = {
            "size": _param(self.size, index, columns, f"{source}.size", low=0.0, strict=True),
            "sl_stop": _param(self.sl_stop, index, columns, f"{source}.sl_stop", low=0.0),
            "tp_stop": _param(self.tp_stop, index, columns, f"{source}.tp_stop", low=0.0),
            "target_price": _param(self.target_price, index, columns, f"{source}.target_price", low=0.0,
                                   strict=True),
        }
        return SignalArrays(**out, **params, columns=columns)


def _column_major(value: Frame, dtype=None) -> np.ndarray:
    """``value.to_numpy(dtype)``, column-major for a frame of one dtype.

    A frame stacked from one Series per parameter set holds one block per column; pandas'
    ``to_numpy`` interleaves them row by row into a row-major array (about 3 s for 250 float
    columns x 122k bars), column by column it is a plain copy per column.
    """
    kinds = {d.kind if isinstance(d, np.dtype) else "other" for d in value.dtypes} \
        if isinstance(value, pd.DataFrame) else set()
    if len(kinds) != 1 or kinds - {"b", "f"} or value.shape[1] < 2 or (dtype is None and len(set(value.dtypes)) > 1):
        return value.to_numpy() if dtype is None else value.to_numpy(dtype=dtype)
    out = np.empty(value.shape, dtype=dtype if dtype is not None else value.dtypes.iloc[0], order="F")
    for j in range(value.shape[1]):
        out[:, j] = value.iloc[:, j].to_numpy()
    return out


def _check_index(value: Frame, index: pd.DatetimeIndex, where: str) -> None:
    if value.index.equals(index):
        return
    if len(value.index) != len(index):
        raise DataError(where, f"{len(value.index)} rows, expected the market's {len(index)} bars "
                               f"({index[0]} .. {index[-1]})")
    differ = np.flatnonzero(np.asarray(value.index) != np.asarray(index))
    first = differ[0] if len(differ) else 0
    raise DataError(where, "index differs from the market's bar index; expected the same bar-open timestamps",
                    rows=[f"row {p}: {value.index[p]} vs market {index[p]}" for p in differ[:5]] or
                    [f"row {first}: index dtype {value.index.dtype} vs market {index.dtype}"],
                    n_rows=max(len(differ), 1))


def _param(value: Param, index: pd.DatetimeIndex, columns: pd.Index, where: str, low: float,
           strict: bool = False) -> np.ndarray:
    """A flexible 2-D float array: (1, 1), (n, 1), (1, m) or (n, m); NaN = not set."""
    n = len(index)
    if value is None:
        arr = np.full((1, 1), np.nan)
    elif np.isscalar(value):
        arr = np.full((1, 1), float(value))
    elif isinstance(value, pd.DataFrame):
        _check_index(value, index, where)
        if value.shape[1] == 1:
            arr = value.to_numpy(dtype=np.float64).reshape(n, 1)
        elif value.columns.equals(columns):
            arr = _column_major(value, np.float64)
        else:
            raise ConfigError(f"{where}: columns {list(value.columns[:5])} differ from the signals' columns "
                              f"{list(columns[:5])}")
    elif isinstance(value, pd.Series):
        _check_index(value, index, where)
        arr = value.to_numpy(dtype=np.float64).reshape(n, 1)
    else:
        raise ConfigError(f"{where}: expected a number, Series or DataFrame, found {type(value).__name__}")
    finite = arr[~np.isnan(arr)]
    bad = (finite <= low) if strict else (finite < low)
    if bad.any() or np.isinf(finite).any():
        raise ConfigError(f"{where}: expected finite values {'>' if strict else '>='} {low} (or NaN), "
                          f"found {finite[bad | np.isinf(finite)][:3].tolist()}")
    return np.require(arr, requirements="FW")  # writable: numba compiles a readonly array apart
