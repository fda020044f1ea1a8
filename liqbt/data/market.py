"""The market data container: aligned bars of one instrument on one venue.

Column vocabulary of :attr:`Market.bars` (all optional except OHLCV):

============================  ===========================================  ==========================
column                        meaning                                      known at
============================  ===========================================  ==========================
open, high, low, close        last-trade price, quote currency (USD)       bar close
volume                        traded volume, base asset (BTC)              bar close
quote_volume                  traded volume, USD                           bar close
taker_buy_volume              taker-buy volume, base asset                 bar close
taker_buy_quote_volume        taker-buy volume, USD                        bar close
oi_usd                        open interest, USD notional                  bar **open** (last known)
funding_rate                  funding event(s) in the bar, fraction        event time; NaN = no event
mark_price                    last mark price known at the bar's open      bar open
                              (the open of the mark bar holding it)
mark_high, mark_low,          mark-price OHLC of the bar (only when the     bar close
mark_close                    mark series has the bar size of the candles)
realised_liq_long_usd,        realised liquidations in the bar, USD         bar close
realised_liq_short_usd        (only at the candles' bar size)
is_filled                     True for bars inserted by ``gaps="fill"``      -
============================  ===========================================  ==========================

Every value on the row of bar ``t`` is therefore usable by a decision taken at
``t``'s close; ``oi_usd`` and ``mark_price`` are usable already at its open.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Literal, Mapping

import numpy as np
import pandas as pd

from ..errors import DataError, GapWarning
from .align import align_known, coins_to_usd, events_on_bars
from .validate import (PRICE_MAX, QUANTITY_MAX, check_funding_range, check_index, check_non_negative,
                       check_prices, find_gaps, require_columns)

__all__ = ["Market", "MultiVenueMarket", "GapPolicy", "infer_bar_size", "bar_size_label", "COLUMN_UNITS"]

GapPolicy = Literal["report", "error", "fill"]

COLUMN_UNITS = {
    "open": "price (quote, USD)", "high": "price (quote, USD)", "low": "price (quote, USD)",
    "close": "price (quote, USD)", "volume": "base asset", "quote_volume": "USD",
    "taker_buy_volume": "base asset", "taker_buy_quote_volume": "USD", "trades": "count",
    "oi_usd": "USD notional, known at bar open", "funding_rate": "fraction per funding interval, at events",
    "mark_price": "price, known at bar open", "mark_high": "price", "mark_low": "price", "mark_close": "price",
    "realised_liq_long_usd": "USD", "realised_liq_short_usd": "USD", "is_filled": "bool",
    "bid_depth_1pct_usd": "USD resting within 1 % below the price, snapshot known at its stamp",
    "ask_depth_1pct_usd": "USD resting within 1 % above the price, snapshot known at its stamp",
}

_VOLUME_COLUMNS = ("volume", "quote_volume", "taker_buy_volume", "taker_buy_quote_volume")
LIQ_COLUMNS = ("realised_liq_long_usd", "realised_liq_short_usd")


def bar_size_label(bar_size: pd.Timedelta) -> str:
    """``Timedelta("5min")`` -> ``"5m"``; ``"1h"``, ``"8h"``, ``"1d"``."""
    seconds = int(pd.Timedelta(bar_size).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return str(bar_size)


def infer_bar_size(index: pd.DatetimeIndex, source: str) -> pd.Timedelta:
    """The most common step of ``index``; every step must be a multiple of it."""
    if len(index) < 2:
        raise DataError(source, f"cannot infer the bar size from {len(index)} row(s); pass bar_size")
    diffs = np.diff(index.as_unit("ns").asi8)
    values, counts = np.unique(diffs, return_counts=True)
    return pd.Timedelta(int(values[np.argmax(counts)]), unit="ns")


def _check_bar_grid(index: pd.DatetimeIndex, bar_size: pd.Timedelta, source: str) -> None:
    step = bar_size.value
    stamps = index.as_unit("ns").asi8
    off = (stamps - stamps[0]) % step != 0
    if off.any():
        pos = np.flatnonzero(off)
        raise DataError(
            source,
            f"timestamps off the {bar_size} bar grid; expected every bar open a whole number of bars "
            f"after the first ({index[0]})",
            column="time",
            rows=[f"row {p} ({index[p]})" for p in pos[:5]],
            n_rows=len(pos),
        )


def _with_ns_index(frame):
    """A copy indexed in nanoseconds: the kernels read ``asi8`` as ns (pandas may default to us)."""
    frame = frame.copy(deep=False)
    if isinstance(frame.index, pd.DatetimeIndex) and frame.index.unit != "ns":
        frame.index = frame.index.as_unit("ns")
    return frame


def _fill_gaps(candles: pd.DataFrame, bar_size: pd.Timedelta) -> pd.DataFrame:
    full = pd.date_range(candles.index[0], candles.index[-1], freq=bar_size, name="time")
    out = candles.reindex(full)
    filled = out["close"].isna().to_numpy()
    close = out["close"].ffill()
    for col in ("open", "high", "low", "close"):
        out[col] = out[col].where(~filled, close)
    for col in out.columns:
        if col in _VOLUME_COLUMNS or col == "trades":
            out[col] = out[col].fillna(0.0)
    out["is_filled"] = filled
    return out


@dataclass(frozen=True, eq=False)
class Market:
    """Aligned bars of one instrument on one venue.

    Build one with :meth:`from_parts` (or a loader); the constructor does no
    validation.

    Attributes
    ----------
    bars : DataFrame
        Indexed by bar open (``datetime64[ns, UTC]``, name ``time``); columns
        as in the module docstring.
    bar_size : Timedelta
        The fixed bar size. Missing bars are listed in :attr:`gaps`.
    symbol, venue : str
        For example ``"BTCUSDT"`` and ``"binance"``.
    funding : Series or None
        Funding events at their exact times, fraction per funding interval.
    mark : DataFrame or None
        Mark-price OHLC at its own bar size (:attr:`mark_bar_size`).
    liquidations : DataFrame or None
        Realised liquidations (``realised_liq_long_usd``, ``realised_liq_short_usd``)
        at their own bar size (:attr:`liquidations_bar_size`), bar-open stamps.
    gaps : DataFrame
        Missing bars found in the candles (``after``, ``before``, ``missing_bars``).
    source : str
        Where the candles came from, for messages.
    """

    bars: pd.DataFrame
    bar_size: pd.Timedelta
    symbol: str = ""
    venue: str = ""
    funding: pd.Series | None = None
    mark: pd.DataFrame | None = None
    mark_bar_size: pd.Timedelta | None = None
    liquidations: pd.DataFrame | None = None
    liquidations_bar_size: pd.Timedelta | None = None
    gaps: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["after", "before", "missing_bars"]))
    source: str = ""

    # ------------------------------------------------------------------ build
    @classmethod
    def from_parts(
        cls,
        candles: pd.DataFrame,
        *,
        bar_size: pd.Timedelta | str | None = None,
        symbol: str = "",
        venue: str = "",
        source: str = "candles",
        open_interest: pd.Series | None = None,
        open_interest_coins: pd.Series | None = None,
        oi_max_age: pd.Timedelta | str | None = None,
        funding: pd.Series | None = None,
        mark: pd.DataFrame | None = None,
        mark_bar_size: pd.Timedelta | str | None = None,
        liquidations: pd.DataFrame | None = None,
        liquidations_bar_size: pd.Timedelta | str | None = None,
        known: Mapping[str, pd.Series] | None = None,
        gaps: GapPolicy = "report",
        part_sources: Mapping[str, str] | None = None,
    ) -> "Market":
        """Validate the parts and align them point in time onto the candles.

        Refused with a :class:`DataError` naming the part's file: prices that are
        not finite, not positive or above ``PRICE_MAX`` (1e9); volumes, open
        interest or liquidations that are negative or above ``QUANTITY_MAX``
        (1e18); funding with ``|rate| > FUNDING_MAX_ABS`` (0.05 per interval);
        unsorted or duplicate timestamps.

        Parameters
        ----------
        candles : DataFrame
            ``open, high, low, close, volume`` (+ optional volume columns) indexed
            by UTC bar open.
        bar_size : Timedelta or str, optional
            Inferred from the most common step when omitted.
        open_interest : Series, optional
            Open interest in USD notional indexed by the time each value became
            known (for interval data: bar open + interval).
        open_interest_coins : Series, optional
            Open interest in coins (base asset) indexed by the time each value
            became known; converted to USD with the last candle close known at
            that time (:func:`~liqbt.data.align.coins_to_usd`) and joined to
            ``open_interest`` (the two may hold consecutive periods).
        oi_max_age : Timedelta or str, optional
            Open interest older than this at a bar's open becomes NaN.
        funding : Series, optional
            Funding events at their exact times, fraction per interval.
        mark : DataFrame, optional
            Mark-price ``open, high, low, close`` indexed by bar open.
        liquidations : DataFrame, optional
            ``realised_liq_long_usd, realised_liq_short_usd`` indexed by bar open.
        known : mapping of str to Series, optional
            Further values indexed by the time they became known, aligned like
            open interest under the given column names.
        gaps : {"report", "error", "fill"}, default "report"
            Missing candles are listed in :attr:`gaps` and warned about
            (``report``), raise :class:`DataError` (``error``), or are inserted
            as flat bars at the previous close with zero volume and
            ``is_filled = True`` (``fill``).
        part_sources : mapping of str to str, optional
            File of each part (``open_interest``, ``funding``, ``mark``,
            ``liquidations``, ``known:<name>``) named in its errors; by default
            ``source`` with the part's name.
        """
        part_sources = dict(part_sources or {})

        def where(part: str, label: str) -> str:
            return part_sources.get(part) or f"{source} ({label})"

        if gaps not in ("report", "error", "fill"):
            raise DataError(source, f"gaps must be 'report', 'error' or 'fill', found {gaps!r}")
        candles = _with_ns_index(candles)
        require_columns(candles, ("open", "high", "low", "close"), source)
        check_index(candles.index, source)
        bar_size = pd.Timedelta(bar_size) if bar_size is not None else infer_bar_size(candles.index, source)
        _check_bar_grid(candles.index, bar_size, source)
        volume_columns = [c for c in _VOLUME_COLUMNS if c in candles.columns]
        candles = candles.astype(np.float64)
        arrays = [np.ascontiguousarray(candles[c].to_numpy()) for c in ("open", "high", "low", "close")]
        volumes = np.ascontiguousarray(candles[volume_columns].to_numpy()).reshape(len(candles), len(volume_columns))
        from .nb import bars_look_valid_nb  # here: reading a config (liqbt validate) loads no numba

        if not bars_look_valid_nb(*arrays, volumes, PRICE_MAX, QUANTITY_MAX):  # the detailed checks say what is wrong
            check_prices(candles, source)
            check_non_negative(candles, volume_columns, source)

        gap_table = find_gaps(candles.index, bar_size)
        if len(gap_table):
            total = int(gap_table["missing_bars"].sum())
            first = gap_table.iloc[0]
            text = (f"{len(gap_table)} gap(s), {total} missing {bar_size_label(bar_size)} bar(s); first after "
                    f"{first['after']} until {first['before']}")
            if gaps == "error":
                raise DataError(source, text + "; pass gaps='fill' or gaps='report' to accept them")
            if gaps == "report":
                warnings.warn(f"{source}: {text}", GapWarning, stacklevel=2)
            else:
                candles = _fill_gaps(candles, bar_size)
        bars = candles
        bars.index.name = "time"

        if open_interest_coins is not None:
            osource = where("open_interest", "open interest")
            coins = _with_ns_index(open_interest_coins.astype(np.float64))
            check_index(coins.index, osource)
            check_non_negative(coins.to_frame("oi_coins"), ["oi_coins"], osource)
            usd = coins_to_usd(coins, candles["close"], bar_size, source=osource)
            open_interest = usd if open_interest is None else pd.concat([open_interest, usd]).sort_index(kind="stable")
        if open_interest is not None:
            osource = where("open_interest", "open interest")
            oi = _with_ns_index(open_interest.astype(np.float64))
            check_index(oi.index, osource)
            check_non_negative(oi.to_frame("oi_usd"), ["oi_usd"], osource)
            max_age = pd.Timedelta(oi_max_age) if oi_max_age is not None else None
            bars["oi_usd"] = align_known(oi, bars.index, max_age=max_age, source=osource)

        for name, series in (known or {}).items():
            ksource = where(f"known:{name}", name)
            check_index(series.index, ksource)
            bars[name] = align_known(_with_ns_index(series.astype(np.float64)), bars.index, source=ksource)

        if funding is not None:
            fsource = where("funding", "funding")
            check_index(funding.index, fsource)
            check_funding_range(funding.astype(np.float64), fsource)
            funding = _with_ns_index(funding.astype(np.float64).rename("funding_rate"))
            bars["funding_rate"] = events_on_bars(funding, bars.index, bar_size)

        if mark is not None:
            msource = where("mark", "mark price")
            check_index(mark.index, msource)
            check_prices(mark, msource)
            mark_bar_size = (pd.Timedelta(mark_bar_size) if mark_bar_size is not None
                             else infer_bar_size(mark.index, msource))
            mark = _with_ns_index(mark[["open", "high", "low", "close"]].astype(np.float64))
            bars["mark_price"] = align_known(mark["open"], bars.index, max_age=mark_bar_size, source=msource)
            if mark_bar_size == bar_size:
                same = mark.reindex(bars.index)
                for col in ("high", "low", "close"):
                    bars[f"mark_{col}"] = same[col].to_numpy()

        if liquidations is not None:
            lsource = where("liquidations", "liquidations")
            check_index(liquidations.index, lsource)
            check_non_negative(liquidations, list(LIQ_COLUMNS), lsource)
            liquidations_bar_size = (pd.Timedelta(liquidations_bar_size) if liquidations_bar_size is not None
                                     else infer_bar_size(liquidations.index, lsource))
            liquidations = _with_ns_index(liquidations[list(LIQ_COLUMNS)].astype(np.float64))
            if liquidations_bar_size == bar_size:
                same = liquidations.reindex(bars.index)
                for col in LIQ_COLUMNS:
                    bars[col] = same[col].to_numpy()

        return cls(
            bars=bars,
            bar_size=bar_size,
            symbol=symbol,
            venue=venue,
            funding=funding,
            mark=mark,
            mark_bar_size=mark_bar_size if mark is not None else None,
            liquidations=liquidations,
            liquidations_bar_size=liquidations_bar_size if liquidations is not None else None,
            gaps=gap_table,
            source=source,
        )

    # ------------------------------------------------------------ accessors
    @property
    def index(self) -> pd.DatetimeIndex:
        return self.bars.index

    @property
    def start(self) -> pd.Timestamp:
        return self.bars.index[0]

    @property
    def end(self) -> pd.Timestamp:
        """Close time of the last bar."""
        return self.bars.index[-1] + self.bar_size

    def __len__(self) -> int:
        return len(self.bars)

    def has(self, column: str) -> bool:
        """True if ``column`` exists and holds at least one value."""
        return column in self.bars.columns and bool(self.bars[column].notna().any())

    def slice(self, start=None, end=None) -> "Market":
        """Bars with ``start <= open < end``; events and side series cut the same way.

        Slicing keeps only what was known by ``end``: funding events before it,
        liquidation intervals that closed by then, and mark bars that opened
        before it (one still open keeps only its open price, known at its start). It is how the
        point-in-time tests truncate inputs.
        """
        start = pd.Timestamp(start) if start is not None else self.bars.index[0]
        end = pd.Timestamp(end) if end is not None else self.end
        bars = self.bars[(self.bars.index >= start) & (self.bars.index < end)]

        def cut(frame, interval=None):
            """Rows inside the span; interval rows only once their interval has closed by ``end``."""
            if frame is None:
                return None
            last_open = end if interval is None else end - interval + pd.Timedelta(1, "ns")
            return frame[(frame.index >= start) & (frame.index < last_open)]

        def cut_mark(frame, interval):
            """Mark bars that opened before ``end``; one still open then keeps only its open (known at its start)."""
            if frame is None:
                return None
            kept = frame[(frame.index >= start) & (frame.index < end)].copy()
            still_open = kept.index > end - interval
            kept.loc[still_open, [c for c in kept.columns if c != "open"]] = np.nan
            return kept

        gaps = self.gaps[(self.gaps["after"] >= start) & (self.gaps["before"] < end)]
        return Market(
            bars=bars, bar_size=self.bar_size, symbol=self.symbol, venue=self.venue,
            funding=cut(self.funding), mark=cut_mark(self.mark, self.mark_bar_size), mark_bar_size=self.mark_bar_size,
            liquidations=cut(self.liquidations, self.liquidations_bar_size),
            liquidations_bar_size=self.liquidations_bar_size,
            gaps=gaps.reset_index(drop=True), source=self.source,
        )

    def head(self, n_bars: int) -> "Market":
        """The first ``n_bars`` bars, cut point in time (see :meth:`slice`)."""
        end = self.bars.index[n_bars] if n_bars < len(self.bars) else None
        return self.slice(None, end)

    def __repr__(self) -> str:
        cols = ", ".join(self.bars.columns)
        return (f"Market({self.symbol or '?'} on {self.venue or '?'}, {len(self.bars)} x "
                f"{bar_size_label(self.bar_size)} bars "
                f"{self.start} -> {self.end}, gaps={len(self.gaps)}, columns=[{cols}])")


@dataclass(frozen=True, eq=False)
class MultiVenueMarket:
    """Several venues of one symbol, each a :class:`Market` with its own bars.

    Venues keep their own candles, open interest and funding; engines that
    aggregate venues read each one separately.
    """

    symbol: str
    markets: Mapping[str, Market]

    def __post_init__(self):
        if not self.markets:
            raise DataError(self.symbol or "multi-venue market", "no venues; expected at least one")
        sizes = {m.bar_size for m in self.markets.values()}
        if len(sizes) > 1:
            raise DataError(self.symbol, f"venues have different bar sizes {sorted(map(str, sizes))}; "
                                         "expected one bar size for all venues")

    @property
    def venues(self) -> list[str]:
        return list(self.markets)

    @property
    def bar_size(self) -> pd.Timedelta:
        return next(iter(self.markets.values())).bar_size

    def __getitem__(self, venue: str) -> Market:
        try:
            return self.markets[venue]
        except KeyError:
            raise DataError(self.symbol, f"no venue {venue!r}; venues are {self.venues}") from None

    def __iter__(self):
        return iter(self.markets.items())

    def __len__(self) -> int:
        return len(self.markets)

    def common_index(self) -> pd.DatetimeIndex:
        """Bar opens present on every venue."""
        index = None
        for market in self.markets.values():
            index = market.index if index is None else index.intersection(market.index)
        return index

    def __repr__(self) -> str:
        parts = ", ".join(f"{v}: {len(m)} bars" for v, m in self.markets.items())
        return f"MultiVenueMarket({self.symbol}, {parts})"

