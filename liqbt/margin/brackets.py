"""Maintenance-margin brackets: dated, versioned tables per venue and symbol.

A bracket table lists, for notional ranges of one position, the maintenance
margin rate (MMR, fraction) and the maintenance amount ``cum`` (USD) such that
maintenance margin = ``notional * MMR - cum``. ``cum`` follows from the caps
and rates, ``cum_n = floor_n * (MMR_n - MMR_{n-1}) + cum_{n-1}`` with
``floor_n = cap_{n-1}`` and ``cum_0 = 0``, which keeps the maintenance margin
continuous in the notional. Binance calls it the maintenance amount, Bybit the
maintenance margin deduction (same definition on Bybit's margin-parameters
page). OKX's position tiers give a rate per tier and no deduction (its tier
announcements list max contracts, MMR, initial margin ratio and leverage only),
the rate applying to the whole position: such tables are registered with
``cumulative=False`` and ``cum`` all zero.

Tables are keyed by venue (``"binance"``, ``"bybit"``, ...) and symbol; they
change over time, each version carries the date from which it applies and
:func:`bracket_table` picks the one in force.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from ..errors import ConfigError

__all__ = ["BracketTable", "derive_cum", "BTCUSDT_DEFAULT", "BTCUSDT_2021", "BTCUSDT_2025", "ETHUSDT_2025",
           "BINANCE_2025_VALID_FROM", "BYBIT_BTCUSDT", "register_bracket_table", "bracket_table", "bracket_tables",
           "known_bracket_tables", "table_symbol", "check_leverage", "check_position_leverage",
           "market_bracket_table"]

#: Venues whose maintenance margin has no cumulative amount (see ``BracketTable.cumulative``).
_WHOLE_POSITION_VENUES = ("okx",)


def derive_cum(caps_usd, mmr) -> tuple[float, ...]:
    """Maintenance amounts ``cum`` (USD) implied by the caps (USD) and rates (fractions)."""
    cum = [0.0]
    for n in range(1, len(mmr)):
        cum.append(caps_usd[n - 1] * (mmr[n] - mmr[n - 1]) + cum[n - 1])
    return tuple(cum)


class BracketTable(BaseModel):
    """One version of a symbol's maintenance-margin brackets on one venue.

    Parameters
    ----------
    symbol : str
        For example ``"BTCUSDT"``.
    venue : str, default "binance"
        Exchange whose table this is, lower case (``"binance"``, ``"bybit"``,
        ``"okx"``).
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
        Maintenance amount (Bybit: maintenance margin deduction) of each
        bracket, USD. Derived from ``caps_usd`` and ``mmr`` when omitted;
        checked against the derivation when given.
    cumulative : bool, default True
        False for a venue that charges the bracket's rate on the whole position
        with no maintenance amount (OKX's position tiers): ``cum`` is then all
        zero. Allowed for venue ``"okx"`` only.
    max_leverage : tuple of float, optional
        Highest initial leverage each bracket allows (None when the source
        does not give it). The exchange refuses a position whose leverage
        exceeds its bracket's maximum: :func:`check_leverage` turns that into
        an error, the heatmap excludes such leverage tiers.
    source : str
        Where the table comes from.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    symbol: str
    venue: str = "binance"
    version: str
    valid_from: str
    caps_usd: tuple[float, ...]
    mmr: tuple[float, ...]
    cum: Optional[tuple[float, ...]] = None
    cumulative: bool = True
    max_leverage: Optional[tuple[float, ...]] = None
    source: str = ""

    @field_validator("venue")
    @classmethod
    def _check_venue(cls, value: str) -> str:
        # the registry is keyed by the lower-case name, as venues are spelt in markets
        if not value.strip():
            raise ValueError("expected an exchange name such as 'binance', found an empty string")
        return value.strip().lower()

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
        derived = self._expected_cum()
        if self.cum is None:
            object.__setattr__(self, "cum", derived)
        else:
            if len(self.cum) != len(caps):
                raise ValueError(f"cum needs {len(caps)} values, found {len(self.cum)}")
            rule = ("floor*(mmr_n - mmr_(n-1)) + cum_(n-1)" if self.cumulative
                    else "0 (cumulative=False: the rate applies to the whole position)")
            for n, (given, want) in enumerate(zip(self.cum, derived)):
                if abs(given - want) > 1e-6 * max(1.0, abs(want)):
                    raise ValueError(f"cum[{n}] = {given} does not match {rule} = {want}")
        if self.max_leverage is not None and len(self.max_leverage) != len(caps):
            raise ValueError(f"max_leverage needs {len(caps)} values, found {len(self.max_leverage)}")
        return self

    def _expected_cum(self) -> tuple[float, ...]:
        if self.cumulative:
            return derive_cum(self.caps_usd, self.mmr)
        if self.venue not in _WHOLE_POSITION_VENUES:
            raise ValueError(f"cumulative=False is OKX's rule (venues {list(_WHOLE_POSITION_VENUES)}), found venue "
                             f"{self.venue!r}; other venues' maintenance amounts follow from the caps and rates: leave "
                             "cumulative=True")
        return (0.0,) * len(self.caps_usd)

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

    @property
    def label(self) -> str:
        """``"Binance BTCUSDT 2025-26"``: venue, symbol and version, as outputs print it."""
        return f"{self.venue.title()} {self.symbol} {self.version}"

    def tier_range(self, k: int) -> str:
        """Notional range of bracket ``k`` in short form, e.g. ``"3M–12M"`` (USD)."""
        return f"{_short(self.floors_usd[k])}–{_short(self.caps_usd[k])}"

    def max_leverage_at(self, notional_usd: float) -> float | None:
        """Highest leverage allowed for a position of ``notional_usd`` (None if the table has no limits)."""
        if self.max_leverage is None:
            return None
        return float(self.max_leverage[_bracket_of(notional_usd, self.caps_usd)])


def _bracket_of(notional_usd: float, caps) -> int:
    # the kernels' rule (first bracket with N < cap, the last takes the rest), without importing them
    for k, cap in enumerate(caps):
        if notional_usd < cap:
            return k
    return len(caps) - 1


def _short(usd: float) -> str:
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if usd >= size:
            return f"{usd / size:g}{unit}"
    return f"{usd:g}"


#: Binance USDⓈ-M BTCUSDT brackets, **2021 version**: read from Binance's web page on
#: 2021-03-26 and published in a public gist (liqbt DOMAIN.md). No maximum leverage per
#: bracket is known for it. It is the oldest version liqbt has, so it applies to every date
#: before the 2025–26 version (``valid_from`` 1970-01-01).
BTCUSDT_2021 = BracketTable(
    symbol="BTCUSDT",
    version="2021",
    valid_from="1970-01-01",
    caps_usd=(50e3, 250e3, 1e6, 10e6, 20e6, 50e6, 100e6, 200e6, 300e6, 500e6),
    mmr=(0.004, 0.005, 0.01, 0.025, 0.05, 0.10, 0.125, 0.15, 0.25, 0.50),
    cum=(0.0, 50.0, 1_300.0, 16_300.0, 266_300.0, 1_266_300.0, 2_516_300.0, 5_016_300.0, 25_016_300.0,
         100_016_300.0),
    source=("Binance USDⓈ-M leverage brackets of BTCUSDT read from Binance's web page on 2021-03-26 (public gist; "
            "liqbt DOMAIN.md); used for every date before 2025-01-01"),
)

#: Former name of :data:`BTCUSDT_2021` (the only table liqbt had before the dated versions).
BTCUSDT_DEFAULT = BTCUSDT_2021

#: Date from which the 2025–26 Binance tables apply. Binance publishes no history of its
#: bracket changes (the live table needs an authenticated endpoint), so this is a choice:
#: the start of the first year whose data the tables were taken for (freqtrade 2026.9's
#: bundled copy of the live answer). Data before it uses the 2021 version.
BINANCE_2025_VALID_FROM = "2025-01-01"

_FREQTRADE_SOURCE = ("Binance GET /fapi/v1/leverageBracket answer for {symbol} as bundled in freqtrade 2026.9 "
                     "(freqtrade/exchange/binance_leverage_tiers.json; liqbt DOMAIN.md): cap USDT, MMR, max leverage, "
                     "cum. No public change history exists; valid_from {valid_from} is liqbt's choice")

#: Binance USDⓈ-M BTCUSDT brackets, **2025–26 version**, with each bracket's maximum leverage.
BTCUSDT_2025 = BracketTable(
    symbol="BTCUSDT",
    version="2025-26",
    valid_from=BINANCE_2025_VALID_FROM,
    caps_usd=(300e3, 800e3, 3e6, 12e6, 70e6, 100e6, 230e6, 480e6, 600e6, 800e6, 1.2e9, 1.8e9),
    mmr=(0.004, 0.005, 0.0065, 0.01, 0.02, 0.025, 0.05, 0.10, 0.125, 0.15, 0.25, 0.50),
    cum=(0.0, 300.0, 1_500.0, 12_000.0, 132_000.0, 482_000.0, 2_982_000.0, 14_482_000.0, 26_482_000.0,
         41_482_000.0, 121_482_000.0, 421_482_000.0),
    max_leverage=(150, 100, 75, 50, 25, 20, 10, 5, 4, 3, 2, 1),
    source=_FREQTRADE_SOURCE.format(symbol="BTCUSDT", valid_from=BINANCE_2025_VALID_FROM),
)

#: Binance USDⓈ-M ETHUSDT brackets, 2025–26 version. liqbt has no older ETHUSDT table, so
#: this one applies to every date (``valid_from`` 1970-01-01); outputs name the version.
ETHUSDT_2025 = BracketTable(
    symbol="ETHUSDT",
    version="2025-26",
    valid_from="1970-01-01",
    caps_usd=(300e3, 800e3, 3e6, 12e6, 50e6, 65e6, 150e6, 320e6, 400e6, 530e6, 800e6, 1.2e9),
    mmr=(0.004, 0.005, 0.0065, 0.01, 0.02, 0.025, 0.05, 0.10, 0.125, 0.15, 0.25, 0.50),
    cum=(0.0, 300.0, 1_500.0, 12_000.0, 132_000.0, 382_000.0, 2_007_000.0, 9_507_000.0, 17_507_000.0,
         27_507_000.0, 80_507_000.0, 280_507_000.0),
    max_leverage=(150, 100, 75, 50, 25, 20, 10, 5, 4, 3, 2, 1),
    source=_FREQTRADE_SOURCE.format(symbol="ETHUSDT", valid_from="1970-01-01 (the only ETHUSDT version)"),
)

#: Bybit USDT perpetual BTCUSDT risk-limit tiers (isolated and cross margin), as shown on
#: Bybit's "Margin Parameters" page. Bybit gives each tier's risk limit (the largest
#: position value of the tier, USDT) with its maintenance margin rate and deduction; the
#: deductions on the page equal ``derive_cum`` of the limits and rates for all 20 tiers
#: (the page states the same rule), so ``cum`` is checked against them. A position value
#: exactly at a limit belongs to the next tier here (liqbt's ``N < cap`` convention); the
#: maintenance margin is continuous there, so the liquidation price is the same.
BYBIT_BTCUSDT = BracketTable(
    symbol="BTCUSDT",
    venue="bybit",
    version="margin-parameters-20-tiers",
    valid_from="1970-01-01",
    caps_usd=(2e6, 2.6e6, 3.2e6, 3.8e6, 4.4e6, 5e6, 5.6e6, 8.5e6, 10e6, 14e6, 20e6, 28e6, 38e6, 50e6, 55e6,
              60e6, 65e6, 70e6, 75e6, 80e6),
    mmr=(0.005, 0.0056, 0.0063, 0.0067, 0.0071, 0.0077, 0.0091, 0.01, 0.013, 0.015, 0.016, 0.02, 0.025, 0.029,
         0.03, 0.035, 0.036, 0.038, 0.04, 0.045),
    cum=(0.0, 1_200.0, 3_020.0, 4_300.0, 5_820.0, 8_460.0, 15_460.0, 20_500.0, 46_000.0, 66_000.0, 80_000.0,
         160_000.0, 300_000.0, 452_000.0, 502_000.0, 777_000.0, 837_000.0, 967_000.0, 1_107_000.0, 1_482_000.0),
    max_leverage=(100, 90, 80, 75, 70, 65, 55, 50, 45, 40, 35, 30, 25, 20, 19, 18, 17, 16, 15, 14),
    source=("Bybit 'Margin Parameters' page, Perpetual / USDT-based / BTCUSDT / isolated & cross margin, read from "
            "the mirror https://bybitx.global/pt-PT/announcement-info/margin-parameters (same page as "
            "https://www.bybit.com/en/announcement-info/margin-parameters, whose stored copy had no rows). "
            "Columns: risk limit (USDT), max leverage, MMR, MM deduction (USDT). The page shows 20 tiers up to "
            "80,000,000 USDT; larger positions use tier 20's rate here. Tier 1 agrees with Bybit's help article "
            "'Maintenance Margin (USDT Contract)' (0.5 % up to 2,000,000 USDT, 0.56 % at 2,600,000). The page "
            "gives no date: the table is used for every date until a dated version is registered."),
)

_TABLES: dict[tuple[str, str], list[BracketTable]] = {}


def _key(symbol: str, venue: str) -> tuple[str, str]:
    return venue.strip().lower(), symbol.upper()


def register_bracket_table(table: BracketTable) -> None:
    """Add a table version; a second table with the same venue, symbol and version is an error."""
    versions = _TABLES.setdefault(_key(table.symbol, table.venue), [])
    if any(t.version == table.version for t in versions):
        raise ConfigError(f"bracket table {table.venue} {table.symbol} version {table.version!r} is already "
                          "registered")
    versions.append(table)
    versions.sort(key=lambda t: _utc(t.valid_from))


def bracket_tables(symbol: str, venue: str = "binance") -> list[BracketTable]:
    """All registered versions for ``symbol`` on ``venue``, oldest first (empty if none)."""
    return list(_TABLES.get(_key(symbol, venue), []))


def known_bracket_tables() -> list[tuple[str, str]]:
    """``(venue, symbol)`` pairs with at least one registered table, sorted."""
    return sorted(k for k, v in _TABLES.items() if v)


def _utc(value) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tz is None else ts.tz_convert("UTC")


def bracket_table(symbol: str, at=None, version: str | None = None, venue: str = "binance") -> BracketTable:
    """The table version in force for ``symbol`` on ``venue`` at time ``at`` (latest ``valid_from <= at``).

    Parameters
    ----------
    symbol : str
        For example ``"BTCUSDT"``.
    at : timestamp-like, optional
        UTC time; the newest version when omitted.
    version : str, optional
        Pick a version by label instead of by date.
    venue : str, default "binance"
        Exchange of the table (case-insensitive).

    Raises
    ------
    ConfigError
        No table for the venue and symbol (the message lists the known
        ``(venue, symbol)`` pairs), no such version, or none valid at ``at``.
    """
    venue_key, symbol_key = _key(symbol, venue)
    versions = _TABLES.get((venue_key, symbol_key))
    if not versions:
        raise ConfigError(f"no maintenance bracket table for venue {venue_key!r} symbol {symbol_key!r}; known "
                          f"(venue, symbol): {known_bracket_tables()}")
    if version is not None:
        for t in versions:
            if t.version == version:
                return t
        raise ConfigError(f"no bracket table version {version!r} for venue {venue_key!r} symbol {symbol_key!r}; "
                          f"versions: {[t.version for t in versions]}")
    if at is None:
        return versions[-1]
    when = _utc(at)
    valid = [t for t in versions if _utc(t.valid_from) <= when]
    if not valid:
        raise ConfigError(f"no bracket table for venue {venue_key!r} symbol {symbol_key!r} valid at {when}; first "
                          f"version starts {versions[0].valid_from}")
    return valid[-1]


register_bracket_table(BTCUSDT_2021)
register_bracket_table(BTCUSDT_2025)
register_bracket_table(ETHUSDT_2025)
register_bracket_table(BYBIT_BTCUSDT)


# ---------------------------------------------------------------- symbols and leverage limits
#: Quote currencies stripped from a market's symbol to find its coin.
_QUOTES = ("USDT", "USDC", "BUSD", "USD")
#: Market symbols without a table of their own that use BTCUSDT's: an unlabelled market
#: (``""``) and liqbt's synthetic generator (shaped on Binance BTCUSDT).
UNLABELLED_SYMBOLS = ("", "SYNTHUSDT")


def table_symbol(market_symbol: str) -> str:
    """The USDT-margined table symbol of a market symbol: ``"BTC/USDT:USDT"``, ``"BTCUSD"``, ``"BTC"`` -> ``"BTCUSDT"``.

    An unlabelled market (``""``) and the synthetic generator's ``"SYNTHUSDT"``
    map to ``"BTCUSDT"`` (:data:`UNLABELLED_SYMBOLS`).
    """
    raw = str(market_symbol or "").upper()
    if raw in UNLABELLED_SYMBOLS:
        return "BTCUSDT"
    base = raw.split(":")[0]
    coin = "".join(ch for ch in base if ch.isalnum())
    for quote in _QUOTES:
        if coin.endswith(quote) and len(coin) > len(quote):
            coin = coin[: -len(quote)]
            break
    return f"{coin}USDT"


def check_leverage(leverage: float, notional_usd: float, table: BracketTable, where: str = "leverage") -> None:
    """Raise :class:`ConfigError` if ``table`` refuses ``leverage`` for a position of ``notional_usd``.

    Binance refuses to open a position whose leverage exceeds its bracket's
    maximum (the bracket of the position's notional, USD). Tables without
    limits (``max_leverage`` None) accept every leverage.
    """
    allowed = table.max_leverage_at(notional_usd)
    if allowed is not None and leverage > allowed * (1 + 1e-12):
        k = _bracket_of(notional_usd, table.caps_usd)
        raise ConfigError(f"{where}: {leverage:g}x on {notional_usd:,.0f} USDT notional: {table.label} tier "
                          f"{table.tier_range(k)} allows at most {allowed:g}x")


def check_position_leverage(leverage: float, notional_usd: float, *, symbol: str = "", venue: str = "binance", at=None,
                            table: BracketTable | None = None, where: str = "leverage") -> None:
    """:func:`check_leverage` against ``table``, or the dated table of ``symbol`` on ``venue`` in force at ``at``.

    Without ``table`` the symbol is mapped by :func:`table_symbol` and looked
    up on ``venue`` (Binance's when the venue has none); a symbol with no
    table at all is not checked (the caller's liquidation model decides what
    to do about it).
    """
    table = table if table is not None else market_bracket_table(symbol, venue, at)
    if table is not None:
        check_leverage(float(leverage), float(notional_usd), table, where)


def market_bracket_table(symbol: str, venue: str = "binance", at=None) -> BracketTable | None:
    """The dated table of a market: its symbol (:func:`table_symbol`) on its venue, else on Binance.

    None when no venue has a table for the symbol (the caller says what to configure).
    """
    sym = table_symbol(symbol)
    owner = venue if venue and bracket_tables(sym, venue) else "binance"
    return bracket_table(sym, at=at, venue=owner) if bracket_tables(sym, owner) else None
