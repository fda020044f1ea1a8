"""The liquidation-heatmap model: every assumption of the reconstruction, frozen and validated."""

from __future__ import annotations

import math
import re
from typing import Literal, Optional, Union

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_serializer, field_validator, model_validator

from ..config.base import Duration, FrozenModel, error_lines
from ..margin.enums import OKX_LIQUIDATION_FEE_RATE

__all__ = ["HeatmapModel", "LeverageTier", "LeverageDistribution", "LeverageRange", "WINDOW_PRESETS", "parse_duration",
           "DAYS_PER_MONTH", "DAYS_PER_YEAR"]

#: Windows the issue names; any other positive duration ("36h", "2d") is accepted too.
WINDOW_PRESETS = ("12h", "24h", "3d", "7d", "14d", "30d", "90d", "180d", "1y")


_UNITS = {"s": "s", "sec": "s", "min": "min", "m": "min", "h": "h", "d": "D", "w": "W", "y": "Y",
          "mo": "MO", "month": "MO", "months": "MO"}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$")
_UNIT_WORDS = {"s": "second", "min": "minute", "h": "hour", "D": "day", "W": "week", "Y": "year", "MO": "month"}

#: Days in a month and a year of :func:`parse_duration` (calendar-free, so a window is a fixed span).
DAYS_PER_MONTH = 30
DAYS_PER_YEAR = 365


def _split_duration(value) -> tuple[float, str]:
    match = _DURATION.match(str(value))
    unit = None
    if match:
        raw = match.group(2)
        # capital M is a month (the Binance/trader convention: 1M, 6M); every other unit is case-blind,
        # so lower-case m stays minutes (bar sizes such as 5m)
        unit = "MO" if raw == "M" else _UNITS.get(raw.lower())
    if unit is None:
        raise ValueError(f"expected a duration such as '12h', '3d', '1mo' or '1y' (units {sorted(_UNITS) + ['M']}), "
                         f"found {value!r}")
    return float(match.group(1)), unit


def parse_duration(value: str) -> pd.Timedelta:
    """A duration string as a Timedelta; raises ValueError.

    Units: ``s``/``sec``, ``m``/``min`` (minutes), ``h``, ``d``, ``w``,
    ``mo``/``month``/``months`` or capital ``M`` (a month = 30 days), ``y``
    (a year = 365 days). Case-blind except ``M`` (month) versus ``m`` (minute):
    ``"30min"``, ``"12h"``, ``"3d"``, ``"2w"``, ``"1mo"``, ``"6M"``, ``"1y"``.
    """
    number, unit = _split_duration(value)
    if unit == "Y":
        delta = pd.Timedelta(days=DAYS_PER_YEAR * number)
    elif unit == "MO":
        delta = pd.Timedelta(days=DAYS_PER_MONTH * number)
    else:
        delta = pd.Timedelta(number, unit=unit)
    if delta <= pd.Timedelta(0):
        raise ValueError(f"expected a positive duration, found {value!r}")
    return delta


def _check_heatmap_window(value: str) -> pd.Timedelta:
    """The window's span; less than an hour is almost always a month typed as minutes ('1m', '3m')."""
    delta = parse_duration(value)
    if delta < pd.Timedelta(hours=1):
        number, unit = _split_duration(value)
        count = f"{number:g}"
        word = _UNIT_WORDS[unit] + ("" if number == 1 else "s")
        raise ValueError(f"window {value!r} is {count} {word}; a heatmap window must be at least 1h — did you mean "
                         f"'{count}mo' ({number * DAYS_PER_MONTH:g} days)?")
    return delta


class LeverageTier(FrozenModel):
    """One leverage tier.

    Parameters
    ----------
    leverage : float
        Initial leverage (> 1).
    weight : float
        Share of new notional opened at this leverage (>= 0; tiers are
        normalised to sum to 1).
    """

    config_key = "leverage_tier"

    leverage: float = Field(gt=1.0, le=1000.0)
    weight: float = Field(ge=0.0)


class LeverageDistribution(FrozenModel):
    """A continuous leverage distribution, discretised into geometric tiers.

    Parameters
    ----------
    kind : {"lognormal", "loguniform"}, default "lognormal"
        Lognormal with ``median`` and ``sigma`` (of log leverage), truncated to
        ``[min_leverage, max_leverage]``; or uniform in log leverage.
    min_leverage, max_leverage : float, default 2, 125
        Range of leverage (> 1).
    median : float, default 25
    sigma : float, default 1.3
        Standard deviation of the natural log of leverage. The defaults are
        the calibrated fit (see :class:`HeatmapModel`).
    n_points : int, default 16
        Tiers used: geometrically spaced from min to max, each weighted by the
        density of log leverage at it.
    """

    config_key = "heatmap.leverage_distribution"

    kind: Literal["lognormal", "loguniform"] = "lognormal"
    min_leverage: float = Field(default=2.0, gt=1.0)
    max_leverage: float = Field(default=125.0, gt=1.0, le=1000.0)
    median: float = Field(default=25.0, gt=1.0)
    sigma: float = Field(default=1.3, gt=0.0)
    n_points: int = Field(default=16, ge=1, le=256)

    @model_validator(mode="after")
    def _check(self):
        if self.max_leverage < self.min_leverage:
            raise ValueError(f"max_leverage ({self.max_leverage}) must be >= min_leverage ({self.min_leverage})")
        return self

    def tiers(self) -> tuple[np.ndarray, np.ndarray]:
        """Leverages and normalised weights of the discretised distribution."""
        lev = np.geomspace(self.min_leverage, self.max_leverage, self.n_points)
        if self.kind == "loguniform":
            w = np.ones_like(lev)
        else:
            z = (np.log(lev) - math.log(self.median)) / self.sigma
            w = np.exp(-0.5 * z * z)
        return lev, w / w.sum()


class LeverageRange(FrozenModel):
    """An inclusive range of leverage, for ``HeatmapModel.tier_filter``.

    Parameters
    ----------
    min, max : float, optional
        Bounds (inclusive, to 1e-9 relative); an omitted bound is open. At
        least one is required.
    """

    config_key = "heatmap.tier_filter"

    min: Optional[float] = Field(default=None, gt=0.0)
    max: Optional[float] = Field(default=None, gt=0.0)

    @model_validator(mode="after")
    def _check(self):
        if self.min is None and self.max is None:
            raise ValueError("expected a leverage range with min and/or max, e.g. {min: 50, max: 100}")
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ValueError(f"max ({self.max}) must be >= min ({self.min})")
        return self

    def contains(self, lev: np.ndarray) -> np.ndarray:
        """Boolean mask of the leverages inside the range."""
        lo = -np.inf if self.min is None else self.min * (1 - 1e-9)
        hi = np.inf if self.max is None else self.max * (1 + 1e-9)
        return (lev >= lo) & (lev <= hi)


_DEFAULT_TIERS = tuple(LeverageTier(leverage=x, weight=0.2) for x in (5.0, 10.0, 25.0, 50.0, 100.0))


class HeatmapModel(FrozenModel):
    """How open positions are reconstructed from open interest and prices.

    Every field has a default; the model is frozen. Embedded in YAML configs
    under ``heatmaps: {name: ...}``.

    **The default model is the calibrated one**: ``HeatmapModel()`` is the fit
    of ``liqbt calibrate configs/calibrate_btc_5m.yaml`` (docs/calibration.md):
    ``entry_price="range"`` (5 points), ``long_share="equal"``, a lognormal
    leverage distribution on 2..125x with median 25x and sigma 1.3
    (16 points), ``close_mode="fraction_of_oi"``, ``window="7d"``. A bare
    ``heatmaps: {main: {}}`` therefore draws the calibrated map; set fields to
    depart from it.

    **Timing.** At bar ``t`` the engine uses ``oi_usd[t]`` (known at ``t``'s open)
    and prices of bars ``<= t``. Open interest is converted to coins with the
    close of bar ``t - 1`` (the price at the snapshot). The first known value is
    a baseline and opens nothing; every later *change* of ``oi_usd`` is an OI
    event. The change happened during the bars since the previous event (the
    *OI interval*, bars ``[previous event, t - 1]``), so new positions get entry
    prices from those bars and are first exposed to bar ``t``'s high/low.
    Features of bar ``t`` are as of its close.

    **Opening and closing.** At an event the net voluntary change is
    ``dQ + L`` coins: the change of open interest plus the liquidations the
    model predicted since the previous event (a liquidation removes open
    interest that nobody chose to close). A positive change opens that many
    coins, split between longs and shorts by ``long_share`` and across leverage
    tiers by weight. A negative change closes positions proportionally in
    price: ``close_mode="amount"`` removes that many coins from the book
    (capped at the book), ``"fraction_of_oi"`` removes the same *fraction* of
    the book as of the open interest (the book holds only positions opened
    since the start or window, so equal amounts would drain it). Subtracting
    the predicted liquidations is what keeps them from being counted twice.

    **Liquidation.** A long bin is liquidated when the bar's low reaches its
    centre (``low <= centre``), a short bin when ``high >= centre``; with
    ``liquidation_price_source="mark"`` the mark-price low/high are used.

    Parameters
    ----------
    entry_price : {"close", "typical", "range"}, default "range"
        Entry price of new positions: close of the bar before the OI snapshot;
        ``(interval high + interval low + that close) / 3``; or ``range_points``
        equal parts at the midpoints of equal slices of the interval's
        [low, high].
    range_points : int, default 5
        Number of entry prices with ``entry_price="range"``.
    long_share : {"equal", "candle", "taker", "funding"}, default "equal"
        Share of new positions that are longs: 1/2; ``candle_long_share`` after
        an interval that closed above its open (its complement below, 1/2 if
        flat); taker-buy volume / volume over the interval (needs
        ``taker_buy_volume``); or ``0.5 + funding_skew * rate`` with the last
        funding rate known (clipped to [0, 1]).
    candle_long_share : float, default 0.6
        Fraction in [0, 1].
    funding_skew : float, default 1000
        Long share per unit of funding rate (fraction per interval): 0.0001
        (0.01 %) adds 0.1.
    leverage_tiers : tuple of LeverageTier, optional
        Discrete tiers instead of the distribution: giving them drops the
        default distribution (giving them with any other distribution is an
        error). With
        ``leverage_distribution: null`` and no tiers: 5/10/25/50/100x, equal
        weights.
    leverage_distribution : LeverageDistribution or None, default lognormal 2..125x, median 25x, sigma 1.3, 16 points
        A continuous leverage distribution, discretised into tiers.
    position_notional_usd : float, default 10,000
        Entry notional (USD) of a representative position; picks the
        maintenance bracket (at the liquidation price) and the maximum
        leverage: a tier above the maximum leverage of the bracket holding
        this notional cannot be opened on the exchange, so it is excluded
        (weights renormalised over the others) and counted
        (:attr:`HeatmapResult.excluded_tiers`, a
        :class:`~liqbt.errors.TierExcludedWarning`).
    maintenance : {"brackets", "constant"}, default "brackets"
        Bracket table of ``bracket_symbol`` (the version in force at the first
        bar, or ``bracket_version``), or a constant ``constant_mmr`` with cum 0.
        The table used is on :attr:`HeatmapResult.bracket_versions`.
    bracket_symbol : str, optional
        Symbol whose table is used; None (default) is the market's own symbol
        as a USDT-margined table (:func:`liqbt.margin.table_symbol`: ETH data
        gets ``"ETHUSDT"``). A symbol without a table (e.g. XRPUSDT) is a
        :class:`~liqbt.errors.ConfigError` naming this option: name a table
        (``bracket_symbol: BTCUSDT``) or use ``maintenance: constant``. An
        unlabelled market (symbol ``""``) and the synthetic generator's
        ``SYNTHUSDT`` use ``BTCUSDT``.
    bracket_version : str, optional
        A version label (``"2021"``, ``"2025-26"``) instead of the one in
        force at the first bar (Binance BTCUSDT: ``"2021"`` before 2025-01-01,
        ``"2025-26"`` from then; see :mod:`liqbt.margin.brackets`).
    constant_mmr : float, default 0.004
        Fraction.
    venue_brackets : dict of str to str, default {}
        Bracket table per venue. Without an entry a venue uses its own table
        of ``bracket_symbol`` (:func:`liqbt.margin.bracket_table` with
        ``venue=``); a single-venue market whose venue has none (``""``,
        ``"synthetic"``, ...) uses Binance's, while a multi-venue heatmap
        raises :class:`~liqbt.errors.ConfigError` for such a venue. An entry
        ``"SYMBOL"`` picks that symbol's table on the venue (Binance's if the
        venue has none); ``"VENUE:SYMBOL"`` picks another venue's table, e.g.
        ``{"hyperliquid": "binance:BTCUSDT"}``. Keys must be venues of the market.
    venue_formulas : dict of str to {"binance", "bybit", "okx"}, default {}
        Isolated-margin liquidation formula per venue (see
        :mod:`liqbt.margin.liquidation`); a venue not listed uses its own
        formula when liqbt has one (``"bybit"``, ``"okx"``), else ``"binance"``.
        ``"bybit"``: ``LP = EP -/+ (IM - MM)/q`` with IM and MM on the value at
        entry; ``"okx"``: margin ratio ``(margin + UPL) / (MM + liquidation
        fee) = 100 %``. Both pick the tier at the entry notional and read the
        table's ``cum`` as the maintenance deduction.
    okx_liquidation_fee_rate : float, default 0.0005
        Liquidation fee of the ``"okx"`` formula, fraction of the position value
        at the liquidation price. An assumption (OKX's regular-tier taker fee,
        the rate OKX's help pages use in the estimated liquidation price), not a
        published constant.
    close_mode : {"amount", "fraction_of_oi"}, default "fraction_of_oi"
        See *Opening and closing*. A bar whose close empties a whole side of
        the book raises a :class:`~liqbt.errors.BookWipeWarning` naming the
        first such bar (typical of ``"amount"`` after a large OI drop).
    close_split : {"proportional", "taker"}, default "proportional"
        Closed mass comes from both sides in proportion to their books, or by
        taker flow (the taker-sell share of the interval from longs).
    window : str, default "7d"
        Positions opened longer ago than this no longer count (presets
        :data:`WINDOW_PRESETS`, any duration of at least 1h, or ``"all"``).
        Units as in :func:`parse_duration`: ``mo``/``month`` or capital ``M``
        is a month of 30 days, ``y`` a year of 365 days, lower-case ``m``
        minutes; a window under one hour is an error that suggests the month
        unit (``"1m"`` -> did you mean ``"1mo"``?).
    decay_half_life : str, optional
        Exponential decay of resting positions (a duration); None = no decay.
    grid : {"log", "linear"}, default "log"
    bin_size_bps : float, default 10
        Bin width of a log grid, basis points (edges grow by ``1 + bps/1e4``).
    bin_size_usd : float, default 50
        Bin width of a linear grid, USD.
    n_bins : int, optional
        None (the default): no grid edges. Prices map to one lattice of bins
        (log: bin ``k`` spans ``a * (1 + bps/1e4) ** k`` to the next power;
        linear: ``a + usd * k`` to ``a + usd * (k + 1)``), and the engine keeps
        only the bins the data can reach, so a trend of any size stays on the
        map and no :class:`~liqbt.errors.GridWarning` is raised (see
        :mod:`liqbt.heatmap.grid`). An integer keeps its old meaning: a fixed
        grid of ``n_bins`` bins centred on the first open (on the lattice when
        ``n_bins`` is even), positions beyond its edges in overflow bins, and
        a GridWarning when bars trade outside it. Where a 2000-bin grid held,
        both give the same numbers.
    lattice_anchor : {"first_open", "global"}, default "first_open"
        Where the lattice is anchored (``a`` above): the first bar's open (the
        edges of the old default grid, so calibrated figures stay the same) or
        1 USD on log grids / 0 USD on linear ones (``k = floor(log(p) /
        log(1 + bps/1e4))`` or ``floor(p / usd)``: the same bins for every
        symbol, span and venue).
    liquidation_price_source : {"last", "mark"}, default "last"
    cluster_min_share : float, default 0.02
        A bin is a significant cluster when it holds at least this fraction of
        its side's resting USD.
    cluster_neighbourhood_bins : int, default 10
        A cluster's strength is its USD over the mean of the bins within this
        many bins of it.
    venues : tuple of str, optional
        Venues of the market to include (default all). Naming a venue the
        market does not have is a :class:`~liqbt.errors.ConfigError` listing
        its venues, for single-venue markets too.
    tier_filter : LeverageRange or tuple of float, optional
        Tiers to *report*: a leverage range ``{min: 50, max: 100}``
        (inclusive; either bound may be omitted; works for tiers and the
        discretised distribution alike, and must hold at least one tier), or
        the exact leverages of tiers (each must be one of the model's tiers,
        from ``leverage_tiers`` or the discretised ``leverage_distribution``,
        to 1e-9 relative). The book dynamics still
        use every tier: a close removes the same fraction of every position of
        a side (the fraction of the whole book), the liquidations of every tier
        count towards the open-interest accounting (``dQ + L``), and window
        expiry and decay act on all positions. Features, snapshots and totals
        describe the included tiers only (``opened = resting + liquidated +
        closed + expired`` holds for them). None reports every tier.
    """

    config_key = "heatmap"

    entry_price: Literal["close", "typical", "range"] = "range"
    range_points: int = Field(default=5, ge=1, le=64)
    long_share: Literal["equal", "candle", "taker", "funding"] = "equal"
    candle_long_share: float = Field(default=0.6, ge=0.0, le=1.0)
    funding_skew: float = 1000.0
    leverage_tiers: Optional[tuple[LeverageTier, ...]] = None
    leverage_distribution: Optional[LeverageDistribution] = LeverageDistribution()
    position_notional_usd: float = Field(default=10_000.0, gt=0.0)
    maintenance: Literal["brackets", "constant"] = "brackets"
    bracket_symbol: Optional[str] = None
    bracket_version: Optional[str] = None
    constant_mmr: float = Field(default=0.004, ge=0.0, lt=1.0)
    venue_brackets: dict[str, str] = Field(default_factory=dict)
    venue_formulas: dict[str, Literal["binance", "bybit", "okx"]] = Field(default_factory=dict)
    okx_liquidation_fee_rate: float = Field(default=OKX_LIQUIDATION_FEE_RATE, ge=0.0, lt=1.0)
    close_mode: Literal["amount", "fraction_of_oi"] = "fraction_of_oi"
    close_split: Literal["proportional", "taker"] = "proportional"
    window: str = "7d"
    decay_half_life: Optional[str] = None
    grid: Literal["log", "linear"] = "log"
    bin_size_bps: float = Field(default=10.0, gt=0.0)
    bin_size_usd: float = Field(default=50.0, gt=0.0)
    n_bins: Optional[int] = Field(default=None, ge=2, le=1_000_000)
    lattice_anchor: Literal["first_open", "global"] = "first_open"
    liquidation_price_source: Literal["last", "mark"] = "last"
    cluster_min_share: float = Field(default=0.02, gt=0.0, le=1.0)
    cluster_neighbourhood_bins: int = Field(default=10, ge=0)
    venues: Optional[tuple[str, ...]] = None
    tier_filter: Optional[Union[LeverageRange, tuple[float, ...]]] = None

    @model_validator(mode="before")
    @classmethod
    def _tiers_replace_distribution(cls, data):
        # leverage_tiers given without a distribution replaces the default distribution; so do tiers set on
        # the fields of a default model (a sweep overriding heatmaps.<name>.leverage_tiers of a model_dump)
        if isinstance(data, dict) and data.get("leverage_tiers") is not None:
            dist = data.get("leverage_distribution")
            if isinstance(dist, dict):
                try:
                    dist = LeverageDistribution.model_validate(dist)
                except ValidationError:
                    pass  # not the default one; the field's own validation names what is wrong
            if "leverage_distribution" not in data or dist == LeverageDistribution():
                data = {**data, "leverage_distribution": None}
            elif data["leverage_distribution"] is not None:
                raise ValueError("leverage_tiers and leverage_distribution are both given; expected one of them "
                                 "(set the other to null)")
        return data

    @field_validator("window")
    @classmethod
    def _parse_window(cls, value: str) -> Duration:
        # parsed once here: the text stays the field's value (dumps, hashes), the span rides along
        return Duration(value, None if str(value).lower() == "all" else _check_heatmap_window(value))

    @field_validator("tier_filter", mode="before")
    @classmethod
    def _range_form(cls, value):
        # build the range here so its errors read "tier_filter: ..." rather than naming pydantic's union branch
        if isinstance(value, dict):
            try:
                return LeverageRange.model_validate(value)
            except ValidationError as exc:
                # an unknown key alone is reported (with the closest key), as the key check used to run first
                texts = [text for _, text in error_lines(exc, LeverageRange, "", value)]
                unknown = [text for text in texts if text.startswith("unknown key")]
                texts = unknown or [e["msg"].removeprefix("Value error, ") for e in exc.errors()]
                raise ValueError("; ".join(texts)) from None
        return value

    @field_validator("decay_half_life")
    @classmethod
    def _parse_half_life(cls, value):
        return None if value is None else Duration(value, parse_duration(value))

    @field_serializer("window", "decay_half_life")
    def _duration_text(self, value):
        # dumps hold the plain text as written (YAML writers know str, not its subclasses)
        return None if value is None else str(value)

    @field_validator("leverage_tiers")
    @classmethod
    def _check_tiers(cls, value):
        if value is None:
            return value
        if len(value) == 0:
            raise ValueError("expected at least one leverage tier")
        if sum(t.weight for t in value) <= 0:
            raise ValueError("leverage tier weights sum to 0; expected a positive total")
        return value

    @model_validator(mode="after")
    def _check_tier_filter(self):
        if self.leverage_tiers is None and self.leverage_distribution is None:
            # ``leverage_distribution: null`` alone: the five default tiers
            object.__setattr__(self, "leverage_tiers", _DEFAULT_TIERS)
        if self.tier_filter is None:
            return self
        if not isinstance(self.tier_filter, LeverageRange) and len(self.tier_filter) == 0:
            raise ValueError("tier_filter: expected at least one leverage (or None for every tier)")
        lev, _ = self.tier_arrays()
        if isinstance(self.tier_filter, LeverageRange):
            if not self.tier_filter.contains(lev).any():
                raise ValueError(f"tier_filter: the range [{self.tier_filter.min}, {self.tier_filter.max}] holds none "
                                 f"of the model's tier leverages {[round(float(v), 4) for v in lev]}")
            return self
        for i, x in enumerate(self.tier_filter):
            if not np.any(np.isclose(lev, x, rtol=1e-9, atol=0.0)):
                raise ValueError(f"tier_filter[{i}]: {x} is not a leverage of the model's tiers; "
                                 f"expected one of {[float(v) for v in lev]}, or a range such as "
                                 f"{{min: 50, max: 100}}")
        return self

    # ------------------------------------------------------------- derived
    def tier_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Leverages and weights (normalised to sum 1) actually used."""
        if self.leverage_distribution is not None:
            return self.leverage_distribution.tiers()
        lev = np.array([t.leverage for t in self.leverage_tiers], dtype=np.float64)
        w = np.array([t.weight for t in self.leverage_tiers], dtype=np.float64)
        return lev, w / w.sum()

    def tier_include(self) -> np.ndarray:
        """Boolean mask over :meth:`tier_arrays`: the tiers reported (all without ``tier_filter``)."""
        lev, _ = self.tier_arrays()
        if self.tier_filter is None:
            return np.ones(len(lev), dtype=np.bool_)
        if isinstance(self.tier_filter, LeverageRange):
            return self.tier_filter.contains(lev)
        want = np.asarray(self.tier_filter, dtype=np.float64)
        return np.isclose(lev[:, None], want[None, :], rtol=1e-9, atol=0.0).any(axis=1)

    def window_delta(self) -> pd.Timedelta | None:
        """The window as a Timedelta (parsed at validation), None for ``"all"``."""
        return self.window.delta

    def half_life_delta(self) -> pd.Timedelta | None:
        """The decay half-life as a Timedelta (parsed at validation), None without decay."""
        return None if self.decay_half_life is None else self.decay_half_life.delta
