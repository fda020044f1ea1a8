"""What a loader returns: the parts of a market, each with its own timing.

Loaders read files into a :class:`DataBundle`; bundles from several sources
merge into one (for example Binance 5m candles + vendor hourly open interest +
8h funding) and :meth:`DataBundle.to_market` aligns them point in time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Mapping

import pandas as pd

from ..errors import DataError
from .market import GapPolicy, Market

__all__ = ["DataBundle"]

# Parts that a merge may take from exactly one source.
_PARTS = ("candles", "open_interest", "funding", "mark", "liquidations")


@dataclass(frozen=True, eq=False)
class DataBundle:
    """Parts of a market as read from files, before alignment.

    Attributes
    ----------
    candles : DataFrame or None
        ``open, high, low, close`` (+ ``volume`` and other volume columns)
        indexed by UTC bar open, at ``candles_bar_size``.
    open_interest : Series or None
        USD notional indexed by the time each value became **known**.
    funding : Series or None
        Funding events at their exact times, fraction per interval.
    mark : DataFrame or None
        Mark-price OHLC indexed by bar open, at ``mark_bar_size``.
    liquidations : DataFrame or None
        ``realised_liq_long_usd, realised_liq_short_usd`` indexed by bar open,
        at ``liquidations_bar_size``.
    known : mapping
        Further series indexed by the time they became known (columns of the
        aligned bars under these names).
    sources : mapping
        Part name -> file it came from, for messages and ``inspect``.
    symbol, venue : str
    """

    candles: pd.DataFrame | None = None
    candles_bar_size: pd.Timedelta | None = None
    open_interest: pd.Series | None = None
    funding: pd.Series | None = None
    mark: pd.DataFrame | None = None
    mark_bar_size: pd.Timedelta | None = None
    liquidations: pd.DataFrame | None = None
    liquidations_bar_size: pd.Timedelta | None = None
    known: Mapping[str, pd.Series] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    symbol: str = ""
    venue: str = ""

    def parts(self) -> list[str]:
        """Names of the parts this bundle holds."""
        held = [p for p in _PARTS if getattr(self, p) is not None]
        return held + [f"known:{k}" for k in self.known]

    def only(self, *parts: str) -> "DataBundle":
        """A copy keeping only the named parts (``"known"`` keeps all known series)."""
        unknown = set(parts) - set(_PARTS) - {"known"}
        if unknown:
            raise DataError(
                ", ".join(sorted(set(self.sources.values()))) or "bundle",
                f"unknown part(s) {sorted(unknown)}; expected some of {list(_PARTS) + ['known']}",
            )
        changes = {p: None for p in _PARTS if p not in parts}
        if "known" not in parts:
            changes["known"] = {}
        sources = {k: v for k, v in self.sources.items() if k in parts or (k.startswith("known:") and "known" in parts)}
        return replace(self, sources=sources, **changes)

    def merge(self, other: "DataBundle") -> "DataBundle":
        """Combine two bundles; a part present in both is an error naming both files."""
        values = {}
        for f in fields(self):
            name = f.name
            if name in ("known", "sources", "symbol", "venue") or name.endswith("_bar_size"):
                continue
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine is not None and theirs is not None:
                raise DataError(
                    other.sources.get(name, "second source"),
                    f"part '{name}' is already given by {self.sources.get(name, 'another source')}; "
                    "keep it in one source only (use 'parts:' to pick parts of a file)",
                )
            values[name] = mine if mine is not None else theirs
            size = f"{name}_bar_size"
            if hasattr(self, size):
                values[size] = getattr(self, size) if mine is not None else getattr(other, size)
        clash = set(self.known) & set(other.known)
        if clash:
            raise DataError(other.sources.get(f"known:{sorted(clash)[0]}", "second source"),
                            f"known series {sorted(clash)} given twice")
        for name in ("symbol", "venue"):
            a, b = getattr(self, name), getattr(other, name)
            if a and b and a != b:
                mine = ", ".join(sorted(set(self.sources.values()))) or "the first source"
                raise DataError(", ".join(sorted(set(other.sources.values()))) or "second source",
                                f"{name} {b!r} does not match {a!r} of {mine}; set data.{name} if both "
                                "name the same market")
            values[name] = a or b
        return DataBundle(known={**self.known, **other.known}, sources={**self.sources, **other.sources}, **values)

    def to_market(self, *, gaps: GapPolicy = "report", oi_max_age=None, symbol: str | None = None,
                  venue: str | None = None) -> Market:
        """Validate and align the parts onto the candles."""
        if self.candles is None:
            held = ", ".join(self.parts()) or "nothing"
            raise DataError(
                ", ".join(sorted(set(self.sources.values()))) or "bundle",
                f"no candles; a market needs price bars (this data has: {held}). "
                "Combine it with a candle source.",
            )
        return Market.from_parts(
            self.candles,
            bar_size=self.candles_bar_size,
            symbol=symbol if symbol is not None else self.symbol,
            venue=venue if venue is not None else self.venue,
            source=self.sources.get("candles", "candles"),
            open_interest=self.open_interest,
            oi_max_age=oi_max_age,
            funding=self.funding,
            mark=self.mark,
            mark_bar_size=self.mark_bar_size,
            liquidations=self.liquidations,
            liquidations_bar_size=self.liquidations_bar_size,
            known=self.known,
            gaps=gaps,
            part_sources=self.sources,
        )
