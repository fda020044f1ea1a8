"""What a loader returns: the parts of a market, each with its own timing.

Loaders read files into a :class:`DataBundle`; bundles from several sources
merge into one (for example Binance 5m candles + vendor hourly open interest +
8h funding) and :meth:`DataBundle.to_market` aligns them point in time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

import numpy as np
import pandas as pd

from ..errors import DataError
from .market import GapPolicy, Market

__all__ = ["DataBundle"]

# Parts that a merge may take from exactly one source.
_PARTS = ("candles", "open_interest", "funding", "mark", "liquidations")


def _concat(first, second):
    """Two pieces of one part in time order (either may be None); overlaps are left to ``check_index``."""
    if first is None or second is None:
        return first if second is None else second
    return pd.concat([first, second]).sort_index(kind="stable")


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
    open_interest_coins : Series or None
        Open interest in coins (base asset, e.g. BTC) indexed by the time each
        value became known: the unit flag of the ``open_interest`` part. It is
        converted to USD at alignment with the last candle close known at that
        same time (:func:`~liqbt.data.align.coins_to_usd`). Either or both of
        the two fields hold the ``open_interest`` part (both after a
        concatenation of sources with periods).
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
    open_interest_coins: pd.Series | None = None
    funding: pd.Series | None = None
    mark: pd.DataFrame | None = None
    mark_bar_size: pd.Timedelta | None = None
    liquidations: pd.DataFrame | None = None
    liquidations_bar_size: pd.Timedelta | None = None
    known: Mapping[str, pd.Series] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    symbol: str = ""
    venue: str = ""

    def _held(self, part: str) -> bool:
        if part == "open_interest":
            return self.open_interest is not None or self.open_interest_coins is not None
        if part == "known":
            return bool(self.known)
        return getattr(self, part) is not None

    def parts(self) -> list[str]:
        """Names of the parts this bundle holds."""
        held = [p for p in _PARTS if self._held(p)]
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
        if "open_interest" not in parts:
            changes["open_interest_coins"] = None
        if "known" not in parts:
            changes["known"] = {}
        sources = {k: v for k, v in self.sources.items() if k in parts or (k.startswith("known:") and "known" in parts)}
        return replace(self, sources=sources, **changes)

    def between(self, start=None, end=None) -> "DataBundle":
        """A copy keeping the values whose index lies in ``[start, end)`` (UTC; None: unbounded).

        The index is what each part is stamped with: bar open for candles, mark
        and liquidations, event time for funding, the time a value became known
        for open interest and known series. Source periods (``use_from`` /
        ``use_until``) cut with it.
        """
        def cut(values):
            if values is None:
                return None
            keep = np.ones(len(values), dtype=bool)
            if start is not None:
                keep &= (values.index >= start)
            if end is not None:
                keep &= (values.index < end)
            return values[keep]

        changes = {p: cut(getattr(self, p)) for p in _PARTS + ("open_interest_coins",)}
        changes["known"] = {k: cut(v) for k, v in self.known.items()}
        return replace(self, **changes)

    def merge(self, other: "DataBundle", *, concat=()) -> "DataBundle":
        """Combine two bundles; a part present in both is an error naming both files.

        Parts named in ``concat`` (sources whose periods do not overlap, see
        ``use_from`` / ``use_until``) are instead concatenated in time order; their
        bar sizes must agree.
        """
        values = {}
        for name in _PARTS:
            mine, theirs = self._held(name), other._held(name)
            if mine and theirs and name not in concat:
                raise DataError(
                    other.sources.get(name, "second source"),
                    f"part '{name}' is already given by {self.sources.get(name, 'another source')}; "
                    "keep it in one source only (use 'parts:' to pick parts of a file)",
                )
            fields_ = (name, "open_interest_coins") if name == "open_interest" else (name,)
            for field_ in fields_:
                values[field_] = _concat(getattr(self, field_), getattr(other, field_))
            size = f"{name}_bar_size"
            if hasattr(self, size):
                a, b = getattr(self, size), getattr(other, size)
                if mine and theirs and a != b:
                    raise DataError(other.sources.get(name, "second source"),
                                    f"part '{name}' at bar size {b} cannot continue {self.sources.get(name)} "
                                    f"at {a}; expected one bar size")
                values[size] = a if mine else b
        clash = set(self.known) & set(other.known)
        if clash and "known" not in concat:
            raise DataError(other.sources.get(f"known:{sorted(clash)[0]}", "second source"),
                            f"known series {sorted(clash)} given twice")
        known = {**self.known, **other.known}
        known.update({k: _concat(self.known[k], other.known[k]) for k in clash})
        for name in ("symbol", "venue"):
            a, b = getattr(self, name), getattr(other, name)
            if a and b and a != b:
                mine = ", ".join(sorted(set(self.sources.values()))) or "the first source"
                raise DataError(", ".join(sorted(set(other.sources.values()))) or "second source",
                                f"{name} {b!r} does not match {a!r} of {mine}; set data.{name} if both "
                                "name the same market")
            values[name] = a or b
        sources = {**self.sources, **other.sources}
        sources.update({k: f"{self.sources[k]} + {other.sources[k]}" for k in set(self.sources) & set(other.sources)
                        if self.sources[k] != other.sources[k]})
        return DataBundle(known=known, sources=sources, **values)

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
            open_interest_coins=self.open_interest_coins,
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
