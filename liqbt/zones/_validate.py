"""Input checks shared by the pandas-facing zone functions."""

from __future__ import annotations

import numpy as np

from ..data.market import Market
from ..errors import ConfigError, DataError

__all__ = ["check_fraction", "check_int", "ohlc"]


def ohlc(market: Market, *columns: str) -> tuple[np.ndarray, ...]:
    """Contiguous float64 arrays of ``columns`` (default high, low, close)."""
    if not isinstance(market, Market):
        raise ConfigError(f"expected a liqbt Market, found {type(market).__name__}")
    columns = columns or ("high", "low", "close")
    missing = [c for c in columns if c not in market.bars.columns]
    if missing:
        raise DataError(market.source or "market", f"missing column(s) {missing}; the zones need {list(columns)}")
    return tuple(np.ascontiguousarray(market.bars[c].to_numpy(dtype=np.float64)) for c in columns)


def check_int(name: str, value, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ConfigError(f"{name}: expected a whole number >= {low}, found {value!r}")
    return int(value)


def check_fraction(name: str, value, low: float = 0.0, high: float = np.inf, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or value < low or value > high or (strict and value == low):
        raise ConfigError(f"{name}: expected a number in {'(' if strict else '['}{low}, {high}], found {value!r}")
    return float(value)
