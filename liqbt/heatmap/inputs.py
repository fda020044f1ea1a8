"""Turn a :class:`~liqbt.data.Market` and a :class:`HeatmapModel` into kernel arrays.

Validation happens here, once; the kernels trust their inputs.
"""

from __future__ import annotations

import difflib
import math
import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..data import Market, MultiVenueMarket
from ..errors import BracketVersionWarning, ConfigError, DataError, TierExcludedWarning
from ..margin import BracketTable, bracket_table, bracket_tables, known_bracket_tables, table_symbol
from ..margin.enums import FORMULAS, Formula
from ..margin.nb import bracket_index_nb, venue_liquidation_ratio_nb
from .enums import FP, IP, BarArrays, CloseMode, CloseSplit, EntryMode, GridArrays, ModelArrays, SplitMode
from .model import HeatmapModel

__all__ = ["bar_arrays", "check_market", "check_venue_filter", "check_venue_options", "model_arrays",
           "snapshot_flags",
           "venue_bracket_table", "venue_margin", "VenueMargin", "warn_version_change", "BLOCK_SHIFT"]

#: log2 of the bins per block of upper bounds used by the cluster search.
BLOCK_SHIFT = 4

_ENTRY = {"close": EntryMode.CLOSE, "typical": EntryMode.TYPICAL, "range": EntryMode.RANGE}
_SPLIT = {"equal": SplitMode.EQUAL, "candle": SplitMode.CANDLE, "taker": SplitMode.TAKER,
          "funding": SplitMode.FUNDING}
_CLOSE = {"amount": CloseMode.AMOUNT, "fraction_of_oi": CloseMode.FRACTION_OF_OI}
_CSPLIT = {"proportional": CloseSplit.PROPORTIONAL, "taker": CloseSplit.TAKER}


def _column(bars: pd.DataFrame, name: str) -> np.ndarray:
    if name in bars.columns:
        return np.ascontiguousarray(bars[name].to_numpy(dtype=np.float64))
    return np.full(len(bars), np.nan)


def snapshot_flags(index: pd.DatetimeIndex, bar_size: pd.Timedelta, every) -> np.ndarray:
    """Bars at whose close a profile snapshot is taken.

    ``every`` is None (no snapshots), an int ``k`` (every ``k``-th bar counted
    from the first: bars ``k-1, 2k-1, ...``) or a duration such as ``"1h"``
    (bars whose close time is a multiple of it since the epoch, e.g. each full
    hour). Both rules depend only on the bar itself, so truncating the input
    keeps the earlier snapshots.
    """
    n = len(index)
    if every is None:
        return np.zeros(n, dtype=np.bool_)
    if isinstance(every, (int, np.integer)) and not isinstance(every, bool):
        if every < 1:
            raise ConfigError(f"snapshot_every must be >= 1 bar, found {every}")
        return (np.arange(n) + 1) % int(every) == 0
    try:
        period = pd.Timedelta(every)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"snapshot_every: expected a bar count or a duration such as '1h', found {every!r}") from exc
    if period <= pd.Timedelta(0) or period.value % bar_size.value != 0:
        raise ConfigError(f"snapshot_every={every!r} must be a positive multiple of the bar size {bar_size}")
    close_ns = index.as_unit("ns").asi8 + bar_size.value
    return close_ns % period.value == 0


def check_venue_filter(market: Market, model: HeatmapModel) -> None:
    """Raise :class:`ConfigError` if ``model.venues`` names a venue a single-venue ``market`` does not have."""
    if model.venues is None:
        return
    missing = [v for v in model.venues if v != market.venue]
    if missing:
        have = [market.venue] if market.venue else "[] (the market has no venue label)"
        raise ConfigError(f"heatmap.venues: {missing} not in the market; its venues are {have}")


def check_market(market: Market, model: HeatmapModel) -> None:
    """Raise :class:`DataError` if ``market`` lacks a column ``model`` needs."""
    bars = market.bars
    src = market.source or market.venue or "market"
    if len(bars) == 0:
        raise DataError(src, "no bars; expected at least one")
    if "oi_usd" not in bars.columns:
        raise DataError(src, "no open interest (column oi_usd); the heatmap opens positions from OI changes")
    if model.liquidation_price_source == "mark" and not (market.has("mark_high") and market.has("mark_low")):
        raise DataError(src, "liquidation_price_source='mark' needs mark_high/mark_low at the bar size "
                             "of the candles; pass mark prices or use 'last'", column="mark_high")
    needs_taker = model.long_share == "taker" or model.close_split == "taker"
    if needs_taker and not (market.has("taker_buy_volume") and market.has("volume")):
        raise DataError(src, "long_share or close_split 'taker' needs taker_buy_volume and volume",
                        column="taker_buy_volume")
    if model.long_share == "funding" and not market.has("funding_rate"):
        raise DataError(src, "long_share='funding' needs funding rates", column="funding_rate")


def bar_arrays(market: Market, model: HeatmapModel, snapshot_every=None) -> BarArrays:
    """Contiguous float64 bar arrays, checked against what the model needs.

    The arrays depend on the model only through ``liquidation_price_source``,
    so models that share it share the arrays (see :mod:`liqbt.heatmap.batch`).
    """
    check_market(market, model)
    bars = market.bars
    high, low = _column(bars, "high"), _column(bars, "low")
    if model.liquidation_price_source == "mark":
        # bars without a mark price fall back to last-trade prices
        mark_high, mark_low = _column(bars, "mark_high"), _column(bars, "mark_low")
        liq_high = np.where(np.isnan(mark_high), high, mark_high)
        liq_low = np.where(np.isnan(mark_low), low, mark_low)
    else:
        liq_high, liq_low = high, low
    return BarArrays(
        open=_column(bars, "open"), high=high, low=low, close=_column(bars, "close"),
        liq_high=np.ascontiguousarray(liq_high), liq_low=np.ascontiguousarray(liq_low),
        oi_usd=_column(bars, "oi_usd"), taker_buy=_column(bars, "taker_buy_volume"),
        volume=_column(bars, "volume"), funding=_column(bars, "funding_rate"),
        snapshot=snapshot_flags(bars.index, market.bar_size, snapshot_every),
    )


def venue_bracket_table(model: HeatmapModel, venue: str, at=None, *, strict: bool = False,
                        symbol: str = "") -> BracketTable:
    """The maintenance bracket table the heatmap uses for ``venue``.

    Parameters
    ----------
    model : HeatmapModel
        ``venue_brackets[venue]`` overrides the choice: ``"SYMBOL"`` is that
        symbol's table on ``venue`` (Binance's when ``venue`` has none),
        ``"VENUE:SYMBOL"`` another venue's table (``"binance:BTCUSDT"``).
        Otherwise the table of ``(venue, bracket_symbol)``, where
        ``bracket_symbol`` None means the market's own symbol
        (:func:`liqbt.margin.table_symbol`: ``"ETHUSD"`` -> ``"ETHUSDT"``).
    venue : str
        The market's venue; ``""`` means Binance.
    at : timestamp, optional
        The version in force at this time (or ``model.bracket_version``).
    strict : bool, default False
        What to do when ``venue`` has no table for the symbol and no
        ``venue_brackets`` entry: False uses Binance's table of the same
        symbol (a single-venue market of an unknown or unlabelled venue), True
        raises (a multi-venue heatmap must not price one venue with another's
        brackets unasked).
    symbol : str, default ""
        The market's symbol (used when ``model.bracket_symbol`` is None).

    Raises
    ------
    ConfigError
        No table (see ``strict``; a symbol without a Binance table either,
        e.g. XRPUSDT, is always an error naming ``bracket_symbol``), or no
        version in force at ``at``.
    """
    choice = model.venue_brackets.get(venue)
    if choice is not None and ":" in choice:
        owner, sym = choice.split(":", 1)
        return bracket_table(sym, at=at, version=model.bracket_version, venue=owner)
    wanted = choice or model.bracket_symbol or table_symbol(symbol)
    if venue and bracket_tables(wanted, venue=venue):
        return bracket_table(wanted, at=at, version=model.bracket_version, venue=venue)
    if strict and venue and choice is None:
        raise ConfigError(
            f"heatmap.venue_brackets: no maintenance bracket table for venue {venue!r} symbol {wanted!r}; a "
            f"multi-venue heatmap prices each venue with its own table. Register one "
            f"(liqbt.margin.register_bracket_table) or choose one with venue_brackets, e.g. "
            f"{{{venue!r}: 'binance:{wanted}'}}; known (venue, symbol): {known_bracket_tables()}")
    if not bracket_tables(wanted, venue="binance"):
        if choice is not None:
            option, what = f"heatmap.venue_brackets[{venue!r}]", f"{choice!r}"
        elif model.bracket_symbol is not None:
            option, what = "heatmap.bracket_symbol", f"{wanted!r}"
        else:
            option, what = "heatmap.bracket_symbol", f"{wanted!r} (the market's symbol {symbol!r})"
        raise ConfigError(
            f"{option}: no maintenance bracket table for {what}; known (venue, symbol): {known_bracket_tables()}; "
            f"name a table with heatmap.bracket_symbol (e.g. 'BTCUSDT') or heatmap.venue_brackets, or set "
            f"heatmap.maintenance: constant")
    return bracket_table(wanted, at=at, version=model.bracket_version, venue="binance")


class VenueMargin(NamedTuple):
    """The margin assumptions a heatmap uses on one venue (what outputs print)."""
    label: str                     # "Binance BTCUSDT 2025-26" or "constant MMR 0.004"
    table: BracketTable | None     # None with maintenance="constant"
    keep: np.ndarray               # bool over model.tier_arrays(): tiers within the table's max leverage
    max_leverage: float | None     # allowed at position_notional_usd (None: no limit known)


def venue_margin(model: HeatmapModel, venue: str = "", at=None, symbol: str = "", *,
                 strict: bool = False) -> VenueMargin:
    """Bracket table (or constant rate) of ``venue`` and the leverage tiers its maximum leverage allows.

    A tier whose leverage exceeds the maximum of the bracket holding
    ``model.position_notional_usd`` (entry notional) cannot be opened on the
    exchange, so it is excluded (:func:`model_arrays` warns with the count).
    """
    lev, _ = model.tier_arrays()
    if model.maintenance == "constant":
        return VenueMargin(f"constant MMR {model.constant_mmr:g}", None, np.ones(len(lev), dtype=np.bool_), None)
    table = venue_bracket_table(model, venue, at, strict=strict, symbol=symbol)
    allowed = table.max_leverage_at(model.position_notional_usd)
    keep = np.ones(len(lev), dtype=np.bool_) if allowed is None else lev <= allowed * (1 + 1e-12)
    return VenueMargin(table.label, table, keep, allowed)


def warn_version_change(model: HeatmapModel, margin: VenueMargin, index: pd.DatetimeIndex, venue: str = "") -> None:
    """Warn if a newer version of the table starts after the first bar (the first bar's version is used throughout)."""
    table = margin.table
    if table is None or model.bracket_version is not None or len(index) < 2:
        return
    first, last = index[0], index[-1]
    for t in bracket_tables(table.symbol, venue=table.venue):
        start = pd.Timestamp(t.valid_from)
        start = start.tz_localize("UTC") if start.tz is None else start
        if first < start <= last:
            where = f" (venue {venue!r})" if venue else ""
            warnings.warn(f"heatmap{where}: {table.label}, in force at the first bar {first}, is used for the whole "
                          f"run; version {t.version!r} applies from {t.valid_from}, inside the data (last bar "
                          f"{last}): start the data there or set bracket_version", BracketVersionWarning,
                          stacklevel=3)
            return


def check_venue_options(market: MultiVenueMarket, model: HeatmapModel) -> None:
    """Raise :class:`ConfigError` unless the per-venue options fit a multi-venue market.

    ``venue_brackets`` and ``venue_formulas`` keys must be venues of
    ``market``, and every venue must have a bracket table of its own (or one
    named by ``venue_brackets``), checked at its first bar, the time
    :func:`model_arrays` picks the version at.
    """
    for field in ("venue_brackets", "venue_formulas"):
        for key in getattr(model, field):
            if key not in market.markets:
                close = difflib.get_close_matches(str(key), list(market.venues), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ConfigError(f"heatmap.{field}: venue {key!r} is not in the market{hint}; "
                                  f"venues are {market.venues}")
    if model.maintenance == "constant":
        return
    venues = list(model.venues) if model.venues is not None else market.venues
    for v in venues:
        mk = market.markets.get(v)
        if mk is not None:
            venue_bracket_table(model, v, mk.index[0] if len(mk.index) else None, strict=True,
                                symbol=mk.symbol or market.symbol)


def _exclude_warning(model: HeatmapModel, margin: VenueMargin, lev: np.ndarray, weight: np.ndarray,
                     venue: str) -> None:
    """Warn that tiers above the table's maximum leverage are left out; an error if nothing is left."""
    drop = ~margin.keep
    table = margin.table
    k = int(bracket_index_nb(float(model.position_notional_usd), np.asarray(table.caps_usd, dtype=np.float64)))
    where = f" (venue {venue!r})" if venue else ""
    what = (f"{table.label} allows at most {margin.max_leverage:g}x on {model.position_notional_usd:,.0f} USDT "
            f"notional (position_notional_usd, tier {table.tier_range(k)})")
    if not margin.keep.any():
        raise ConfigError(f"heatmap.leverage_tiers: every leverage tier exceeds the maximum: {what}{where}; lower the "
                          f"leverages or position_notional_usd")
    if not model.tier_include()[margin.keep].any():
        raise ConfigError(f"heatmap.tier_filter: every reported tier exceeds the maximum: {what}{where}")
    levs = ", ".join(f"{x:g}x" for x in lev[drop])
    warnings.warn(f"heatmap{where}: {int(drop.sum())} of {len(lev)} leverage tiers ({levs}; {weight[drop].sum():.1%} of "
                  f"new notional) excluded: {what}; the other tiers share their notional",
                  TierExcludedWarning, stacklevel=3)


def _formula(model: HeatmapModel, venue: str) -> tuple[int, float]:
    """Kernel formula code of ``venue`` and its liquidation fee rate (OKX only, else 0).

    A venue with a formula of its own (Bybit, OKX) uses it unless ``venue_formulas`` says otherwise.
    """
    code = FORMULAS[model.venue_formulas.get(venue, venue if venue in FORMULAS else "binance")]
    return code, (model.okx_liquidation_fee_rate if code == Formula.OKX else 0.0)


def model_arrays(model: HeatmapModel, grid: GridArrays, bar_size: pd.Timedelta, *, venue: str = "",
                 at=None, symbol: str = "") -> ModelArrays:
    """Liquidation ratios per tier and the option vectors of the kernels.

    Parameters
    ----------
    grid : GridArrays
        The grid the kernel will use.
    bar_size : Timedelta
        Converts the window and decay half-life to bars.
    venue : str
        Picks the venue's bracket table (:func:`venue_bracket_table`; Binance's
        when the venue has none, so multi-venue callers check first with
        :func:`check_venue_options`) and its liquidation formula
        (``model.venue_formulas[venue]``, else the venue's own, else Binance's).
    at : timestamp, optional
        The bracket version in force at this time (the first bar) is used.
    symbol : str, default ""
        The market's symbol: picks the table when ``model.bracket_symbol`` is None.

    Tiers above the table's maximum leverage at ``position_notional_usd``
    are left out (weights renormalised over the rest) with a
    :class:`~liqbt.errors.TierExcludedWarning` giving their count.
    """
    lev, weight = model.tier_arrays()
    include = model.tier_include()
    margin = venue_margin(model, venue, at, symbol)
    if not margin.keep.all():
        _exclude_warning(model, margin, lev, weight, venue)
        lev, weight, include = lev[margin.keep], weight[margin.keep], include[margin.keep]
        weight = weight / weight.sum()
    caps, mmr, cum = (margin.table.arrays() if margin.table is not None
                      else (np.array([1e300]), np.array([model.constant_mmr]), np.array([0.0])))
    code, fee = _formula(model, venue)
    n = model.position_notional_usd
    rl = np.array([venue_liquidation_ratio_nb(n, x, 1, caps, mmr, cum, code, fee) for x in lev])
    rs = np.array([venue_liquidation_ratio_nb(n, x, -1, caps, mmr, cum, code, fee) for x in lev])
    for i, x in enumerate(lev):
        if not (0.0 < rl[i] < 1.0) or not (rs[i] > 1.0):
            where = f" ({model.venue_formulas.get(venue, 'binance')} formula, venue {venue!r})" if venue else ""
            raise ConfigError(f"heatmap.leverage_tiers[{i}].leverage: {x}x is liquidated at entry or never "
                              f"(LP/EP long {rl[i]:.6f}, short {rs[i]:.6f}){where}; expected 1/leverage > MMR "
                              f"(+ the liquidation fee rate with OKX)")
    ip = np.zeros(IP.SIZE, dtype=np.int64)
    ip[IP.ENTRY_MODE] = _ENTRY[model.entry_price]
    ip[IP.RANGE_POINTS] = model.range_points
    ip[IP.SPLIT_MODE] = _SPLIT[model.long_share]
    ip[IP.CLOSE_MODE] = _CLOSE[model.close_mode]
    ip[IP.CLOSE_SPLIT] = _CSPLIT[model.close_split]
    window = model.window_delta()
    ip[IP.WINDOW_BARS] = 0 if window is None else max(1, int(window // bar_size))
    ip[IP.NEIGHBOURHOOD] = model.cluster_neighbourhood_bins
    ip[IP.BLOCK_SHIFT] = BLOCK_SHIFT
    ip[IP.IS_LOG] = 1 if grid.is_log else 0
    fp = np.zeros(FP.SIZE, dtype=np.float64)
    fp[FP.CANDLE_SHARE] = model.candle_long_share
    fp[FP.FUNDING_SKEW] = model.funding_skew
    half = model.half_life_delta()
    fp[FP.DECAY] = 1.0 if half is None else 0.5 ** (bar_size / half)
    fp[FP.CLUSTER_SHARE] = model.cluster_min_share
    fp[FP.GRID_ORIGIN] = grid.origin
    fp[FP.GRID_INV_STEP] = grid.inv_step
    if not math.isfinite(fp[FP.DECAY]) or not 0 < fp[FP.DECAY] <= 1:
        raise ConfigError(f"heatmap.decay_half_life: {model.decay_half_life!r} gives a decay factor {fp[FP.DECAY]}")
    include = np.ascontiguousarray(include)
    return ModelArrays(np.ascontiguousarray(rl), np.ascontiguousarray(rs), np.ascontiguousarray(weight), include,
                       ip, fp)
