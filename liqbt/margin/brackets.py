"""Maintenance-margin brackets: dated, versioned tables per symbol.

A bracket table lists, for notional ranges of one position, the maintenance
margin rate (MMR, fraction) and the maintenance amount ``cum`` (USD) such that
maintenance margin = ``notional * MMR - cum``. ``cum`` follows from the caps
and rates, ``cum_n = floor_n * (MMR_n - MMR_{n-1}) + cum_{n-1}`` with
``floor_n = cap_{n-1}`` and ``cum_0 = 0``, which keeps the maintenance margin
continuous in the notional. Tables change over time; each version carries the
date from which it applies and :func:`bracket_table` picks the one in force.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from ..errors import ConfigError

__all__ = ["BracketTable", "derive_cum", "BTCUSDT_DEFAULT", "register_bracket_table", "bracket_table",
           "bracket_tables"]


def derive_cum(caps_usd, mmr) -> tuple[float, ...]:
    """Maintenance amounts ``cum`` (USD) implied by the caps (USD) and rates (fractions)."""
    cum = [0.0]
    for n in range(1, len(mmr)):
        cum.append(caps_usd[n - 1] * (mmr[n] - mmr[n - 1]) + cum[n - 1])
    return tuple(cum)


class BracketTable(BaseModel):
    """One version of a symbol's maintenance-margin brackets.

    Parameters
    ----------
    symbol : str
        For example ``"BTCUSDT"``.
    version : str
        A label for this version of the table.
    valid_from : str
        UTC date (ISO) from which this version applies.
    caps_usd : tuple of float
        Notional cap of each bracket, USD, strictly ascending. A notional
        ``N`` belongs to the first bracket with ``N < cap``; notionals beyond
        the last cap use the last bracket.
    mmr : tuple of float
        Maintenance margin rate of each bracket, fraction (0.004 = 0.4 %),
        non-decreasing.
    cum : tuple of float, optional
        Maintenance amount of each bracket, USD. Derived from ``caps_usd`` and
        ``mmr`` when omitted; checked against the derivation when given.
    max_leverage : tuple of float, optional
        Highest initial leverage each bracket allows (informational).
    source : str
        Where the table comes from.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    symbol: str
    version: str
    valid_from: str
    caps_usd: tuple[float, ...]
    mmr: tuple[float, ...]
    cum: Optional[tuple[float, ...]] = None
    max_leverage: Optional[tuple[float, ...]] = None
    source: str = ""

    @field_validator("valid_from")
    @classmethod
    def _check_date(cls, value: str) -> str:
        try:
            pd.Timestamp(value)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"expected an ISO date such as '2024-01-01', found {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _check(self) -> "BracketTable":
        caps, mmr = self.caps_usd, self.mmr
        if len(caps) == 0 or len(caps) != len(mmr):
            raise ValueError(f"caps_usd and mmr need the same non-zero length, found {len(caps)} and {len(mmr)}")
        if any(not math.isfinite(c) or c <= 0 for c in caps) or any(b <= a for a, b in zip(caps, caps[1:])):
            raise ValueError(f"caps_usd must be positive and strictly ascending, found {caps}")
        if any(not 0 <= m < 1 for m in mmr) or any(b < a for a, b in zip(mmr, mmr[1:])):
            raise ValueError(f"mmr must be fractions in [0, 1) and non-decreasing, found {mmr}")
        derived = derive_cum(caps, mmr)
        if self.cum is None:
            object.__setattr__(self, "cum", derived)
        else:
            if len(self.cum) != len(caps):
                raise ValueError(f"cum needs {len(caps)} values, found {len(self.cum)}")
            for n, (given, want) in enumerate(zip(self.cum, derived)):
                if abs(given - want) > 1e-6 * max(1.0, abs(want)):
                    raise ValueError(
                        f"cum[{n}] = {given} does not match floor*(mmr_n - mmr_(n-1)) + cum_(n-1) = {want}")
        if self.max_leverage is not None and len(self.max_leverage) != len(caps):
            raise ValueError(f"max_leverage needs {len(caps)} values, found {len(self.max_leverage)}")
        return self

    @property
    def floors_usd(self) -> tuple[float, ...]:
        """Lower notional bound of each bracket, USD."""
        return (0.0,) + tuple(self.caps_usd[:-1])

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``caps, mmr, cum`` as contiguous float64 arrays for the kernels."""
        return (np.asarray(self.caps_usd, dtype=np.float64), np.asarray(self.mmr, dtype=np.float64),
                np.asarray(self.cum, dtype=np.float64))

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"floor_usd": self.floors_usd, "cap_usd": self.caps_usd, "mmr": self.mmr,
                             "cum_usd": self.cum})


#: BTCUSDT brackets as published in DOMAIN.md. The date from which this
#: version applied is not known; it is used for every date until a newer,
#: dated version is registered.
BTCUSDT_DEFAULT = BracketTable(
    symbol="BTCUSDT",
    version="domain-v1",
    valid_from="1970-01-01",
    caps_usd=(50e3, 250e3, 1e6, 10e6, 20e6, 50e6, 100e6, 200e6, 300e6, 500e6),
    mmr=(0.004, 0.005, 0.01, 0.025, 0.05, 0.10, 0.125, 0.15, 0.25, 0.50),
    cum=(0.0, 50.0, 1_300.0, 16_300.0, 266_300.0, 1_266_300.0, 2_516_300.0, 5_016_300.0, 25_016_300.0,
         100_016_300.0),
    source="Binance USDⓈ-M leverage brackets, one published version (liqbt DOMAIN.md); validity date unknown",
)

_TABLES: dict[str, list[BracketTable]] = {}


def register_bracket_table(table: BracketTable) -> None:
    """Add a table version; a second table with the same symbol and version is an error."""
    versions = _TABLES.setdefault(table.symbol.upper(), [])
    if any(t.version == table.version for t in versions):
        raise ConfigError(f"bracket table {table.symbol} version {table.version!r} is already registered")
    versions.append(table)
    versions.sort(key=lambda t: _utc(t.valid_from))


def bracket_tables(symbol: str) -> list[BracketTable]:
    """All registered versions for ``symbol``, oldest first."""
    return list(_TABLES.get(symbol.upper(), []))


def _utc(value) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tz is None else ts.tz_convert("UTC")


def bracket_table(symbol: str, at=None, version: str | None = None) -> BracketTable:
    """The table version in force for ``symbol`` at time ``at`` (latest ``valid_from <= at``).

    Parameters
    ----------
    symbol : str
        For example ``"BTCUSDT"``.
    at : timestamp-like, optional
        UTC time; the newest version when omitted.
    version : str, optional
        Pick a version by label instead of by date.
    """
    versions = _TABLES.get(symbol.upper())
    if not versions:
        known = sorted(_TABLES)
        raise ConfigError(f"no maintenance bracket table for symbol {symbol!r}; known symbols: {known}")
    if version is not None:
        for t in versions:
            if t.version == version:
                return t
        raise ConfigError(f"no bracket table version {version!r} for {symbol}; "
                          f"versions: {[t.version for t in versions]}")
    if at is None:
        return versions[-1]
    when = _utc(at)
    valid = [t for t in versions if _utc(t.valid_from) <= when]
    if not valid:
        raise ConfigError(f"no bracket table for {symbol} valid at {when}; first version starts "
                          f"{versions[0].valid_from}")
    return valid[-1]


register_bracket_table(BTCUSDT_DEFAULT)
