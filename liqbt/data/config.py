"""The ``data:`` section of a config: which sources, and how they combine.

Example (5m Binance candles + hourly vendor OI and realised liquidations + 8h
funding from the candles' folder)::

    data:
      symbol: BTCUSDT
      gaps: report
      start: 2025-12-05
      sources:
        - format: freqtrade
          path: ../../shared/data/binance-um/futures
          pair: BTC/USDT:USDT
          timeframe: 5m
          parts: [candles, funding, mark]
        - format: vendor_hourly
          path: ../../shared/data/coinglass-btc-1h/btc_1h_price_oi_funding_liquidations.csv
          parts: [open_interest, liquidations]

Relative paths are relative to the config file. Each part (candles, open
interest, funding, mark, liquidations) must come from exactly one source. The
source formats themselves are in :mod:`liqbt.data.sources`.

Several venues of one symbol: ``venues:`` instead of ``sources:``, a mapping of
lowercase venue names to their own ``sources:`` (docs/heatmap.md, "Several venues
from one YAML"); ``symbol``, ``start``, ``end``, ``gaps`` apply to every venue.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator, model_serializer, model_validator

from ..config.base import FrozenModel
from ..errors import ConfigError, SpanWarning
from .periods import periods_apart
from .sources import SourceConfig, UtcDatetime, utc_stamp

if TYPE_CHECKING:
    import pandas as pd

    from .bundle import DataBundle
    from .market import Market, MultiVenueMarket

# pandas and the market modules load when data is read (load_data), not when a config is validated

__all__ = ["DataConfig", "VenueConfig", "load_data", "check_data_config", "check_span", "VENUE_NAME"]


VENUE_NAME = r"[a-z][a-z0-9_]{0,31}"
"""A venue's name under ``data.venues:`` (lowercase, as the bracket tables and formulas name venues)."""


class VenueConfig(FrozenModel):
    """One venue under ``data.venues:``: its own sources, as under ``data.sources``."""

    config_key = "data.venues"

    sources: tuple[SourceConfig, ...] = Field(min_length=1)


class DataConfig(FrozenModel):
    """The ``data:`` section.

    Attributes
    ----------
    sources : list, optional
        One or more sources; their parts merge (each part from one source).
    venues : dict of str to VenueConfig, optional
        Instead of ``sources``: several venues, each with its own sources
        (exactly one of the two). The market is then a
        :class:`~liqbt.data.MultiVenueMarket` keyed by the venue names.
    symbol, venue : str, optional
        Override the names the sources give (``venue`` only with ``sources``:
        with ``venues`` each market is named by its key).
    start, end : datetime, optional
        Keep bars with ``start <= open < end`` (UTC), after alignment. A period
        reaching beyond the candles is a :class:`~liqbt.errors.SpanWarning`
        naming their real span; a period entirely outside them is an error.
    gaps : {"report", "error", "fill"}
        What to do with missing candles (see :meth:`Market.from_parts`).
    oi_max_age : str, optional
        Open interest older than this (e.g. ``"3h"``) becomes NaN.
    """

    config_key = "data"

    sources: tuple[SourceConfig, ...] | None = Field(None, min_length=1)
    venues: dict[str, VenueConfig] | None = None
    symbol: str | None = None
    venue: str | None = None
    start: UtcDatetime | None = None
    end: UtcDatetime | None = None
    gaps: Literal["report", "error", "fill"] = "report"
    oi_max_age: str | None = None

    @field_validator("venues")
    @classmethod
    def _venue_names(cls, value):
        if value is not None:
            if not value:
                raise ValueError("expected at least one venue, e.g. {binance: {sources: [...]}}; found none")
            for name in value:
                if not re.fullmatch(VENUE_NAME, str(name)):
                    raise ValueError(f"venue name {name!r}: expected lowercase letters, digits or '_' "
                                     "(at most 32), e.g. 'binance', 'bybit', 'okx'")
        return value

    @model_validator(mode="after")
    def _sources_or_venues(self):
        if (self.sources is None) == (self.venues is None):
            found = "both" if self.sources is not None else "neither"
            raise ValueError(f"expected exactly one of 'sources' (one market) or 'venues' (several venues, each "
                             f"with its own sources); found {found}")
        if self.venues is not None and self.venue is not None:
            raise ValueError(f"'venue' ({self.venue!r}) renames the market of 'sources'; with 'venues' each "
                             "market is named by its key: remove 'venue'")
        return self

    @model_serializer(mode="wrap")
    def _dump(self, handler):
        # the one of sources / venues not given is left out, so a dump (and the results store's config
        # hash of a sources config) is what it was before venues existed
        data = handler(self)
        for key in ("sources", "venues"):
            if isinstance(data, dict) and data.get(key) is None:
                data.pop(key, None)
        return data

    def markets(self) -> list[tuple[str, str | None, tuple]]:
        """``(YAML path of the sources, venue name or None, sources)`` of each market the section declares."""
        if self.venues is None:
            return [("data.sources", None, self.sources)]
        return [(f"data.venues.{name}.sources", name, venue.sources) for name, venue in self.venues.items()]

    @field_validator("oi_max_age")
    @classmethod
    def _timedelta(cls, value):
        if value is not None:
            import pandas as pd

            try:
                pd.Timedelta(value)
            except ValueError:
                raise ValueError(f"expected a duration such as '3h' or '90min', found {value!r}") from None
        return value


def check_data_config(config: DataConfig, base_dir: Path, source: str = "") -> None:
    """Checks that need the file system or several fields, cheap enough for ``liqbt validate``.

    Paths exist and are files or folders as the format needs (a symbolic link
    loop, a folder given as a file, a missing file of a part asked for are
    errors; named ``data.sources[i]`` or ``data.venues.<name>.sources[i]``); ``start < end``; and ``data.start`` / ``data.end`` against the span
    of the candles, read from their time column only (see :func:`check_span`).
    """
    prefix = f"{source}: " if source else ""
    if config.start is not None and config.end is not None and config.start >= config.end:
        raise ConfigError(f"{prefix}data.start ({config.start}) must be before data.end ({config.end})")
    for where, _, sources in config.markets():
        for i, src in enumerate(sources):
            src.check_paths(Path(base_dir), f"{prefix}{where}[{i}]")
            if src.parts is not None:  # overlapping periods of parts listed on both sides, before any read
                earlier = {p: [j for j in range(i) if sources[j].parts is not None and p in sources[j].parts]
                           for p in src.parts}
                try:
                    periods_apart(sources, i, earlier)
                except ConfigError as exc:
                    raise ConfigError(f"{prefix}{exc}") from None
    if config.start is not None or config.end is not None:
        for _, _, sources in config.markets():
            for src in sources:
                span = src.candle_span(Path(base_dir))
                if span is not None:
                    check_span(config.start, config.end, *span, prefix=prefix)


def check_span(start, end, first: pd.Timestamp, last: pd.Timestamp, *, prefix: str = "") -> None:
    """Compare a configured period ``[start, end)`` with the data's ``[first, last)``.

    Entirely outside: :class:`ConfigError`. Partly outside: a :class:`SpanWarning`
    naming the real span, since the run then covers less than was asked for
    (a period starting 11 months before the data would otherwise run from the
    data's start without a word). The warning text carries no file prefix, so
    ``validate`` and ``load_data`` warn with the same line and the CLI prints it once.
    """
    start, end, first, last = utc_stamp(start), utc_stamp(end), utc_stamp(first), utc_stamp(last)
    span = f"the data spans {first} .. {last}"
    if (start is not None and start >= last) or (end is not None and end <= first):
        raise ConfigError(f"{prefix}data.start/end ({start} .. {end}) lie outside the data: {span}")
    if start is not None and start < first:
        warnings.warn(f"data.start {start} is before the data: {span}; the run starts at {first}",
                      SpanWarning, stacklevel=3)
    if end is not None and end > last:
        warnings.warn(f"data.end {end} is after the data: {span}; the run ends at {last}",
                      SpanWarning, stacklevel=3)


def _check_parts_given(bundle: DataBundle, parts, where: str) -> None:
    """A part listed in ``parts:`` that the source does not hold is an error, not an empty part."""
    held = bundle.parts()
    missing = [p for p in parts if (p == "known" and not bundle.known) or (p != "known" and p not in held)]
    if missing:
        files = ", ".join(sorted(set(bundle.sources.values()))) or "no files"
        raise ConfigError(f"{where}.parts: {missing} not found in this source (it holds {held or 'nothing'}: "
                          f"{files}); remove them or add the files")


def load_data(config: DataConfig, base_dir: str | Path = ".") -> Market | MultiVenueMarket:
    """Read every source, merge the parts and align them into a :class:`Market`.

    With ``venues:`` each venue's sources make one market, named by the venue's
    key, and the result is a :class:`MultiVenueMarket` (all venues need one bar size).
    """
    from .market import MultiVenueMarket, bar_size_label

    base_dir = Path(base_dir)
    check_data_config(config, base_dir)
    if config.venues is None:
        return _load_market(config, config.sources, base_dir, "data.sources")
    markets = {name: _load_market(config, sources, base_dir, where, venue=name)
               for where, name, sources in config.markets()}
    sizes = {name: bar_size_label(m.bar_size) for name, m in markets.items()}
    if len(set(sizes.values())) > 1:
        raise ConfigError(f"data.venues: the venues' candles have different bar sizes {sizes}; a multi-venue "
                          "market needs one bar size: use candles of the same timeframe for every venue")
    first = next(iter(markets.values()))
    return MultiVenueMarket(symbol=config.symbol or first.symbol, markets=markets)


def _load_market(config: DataConfig, sources, base_dir: Path, where: str, venue: str | None = None) -> Market:
    """One market from ``sources`` (``where`` is their YAML path; ``venue`` names a venue's market)."""
    venue = venue if venue is not None else config.venue
    label = f"{where.removesuffix('.sources')}: " if config.venues is not None else ""
    bundle = None
    givers: dict[str, list[int]] = {}  # part -> sources that gave it
    for i, source in enumerate(sources):
        part = source.read(base_dir)
        if source.parts is not None:
            _check_parts_given(part, source.parts, f"{where}[{i}]")
            part = part.only(*source.parts)
        if source.period is not None:
            part = part.between(*source.period)
        # data.symbol / data.venue name the market: sources that call it differently then agree
        names = {k: v for k, v in (("symbol", config.symbol), ("venue", venue)) if v is not None}
        part = replace(part, **names) if names else part
        held = {p.partition(":")[0] for p in part.parts()}
        concat = periods_apart(sources, i, {p: givers.get(p, []) for p in held})
        bundle = part if bundle is None else bundle.merge(part, concat=concat)
        for p in held:
            givers.setdefault(p, []).append(i)
    market = bundle.to_market(gaps=config.gaps, oi_max_age=config.oi_max_age, symbol=config.symbol,
                              venue=venue)
    if config.start is not None or config.end is not None:
        market = market.slice(config.start, config.end)
        if len(market) == 0:
            raise ConfigError(f"{label}data.start/end ({config.start} .. {config.end}) leave no bars; the data "
                              f"spans {bundle.candles.index[0]} .. {bundle.candles.index[-1]}")
    _warn_part_coverage(market, bundle)
    return market


# A part may start or end this much inside the bars without a warning (hourly OI known an
# hour after its bar opens, the last 8h funding event before the end of the data).
PART_COVERAGE_SLACK = dt.timedelta(days=1)


def _warn_part_coverage(market: Market, bundle: DataBundle) -> None:
    """A :class:`SpanWarning` when open interest, funding, mark price or realised
    liquidations from another file cover much less than the bars (their values are
    NaN, or no funding is charged, there)."""
    import pandas as pd

    oi = [s for s in (bundle.open_interest, bundle.open_interest_coins) if s is not None]
    times = {"open_interest": pd.concat(oi).sort_index() if oi else None, "funding": bundle.funding,
             "mark": bundle.mark, "liquidations": bundle.liquidations}
    first_bar, end = market.start, market.end
    for part, values in times.items():
        if values is None or not len(values) or bundle.sources.get(part) == bundle.sources.get("candles"):
            continue
        first, last = values.index[0], values.index[-1]
        late = first - first_bar > PART_COVERAGE_SLACK
        early = end - last > PART_COVERAGE_SLACK
        if late or early:
            name = part.replace("_", " ")
            warnings.warn(f"{bundle.sources.get(part, name)}: {name} covers only {first} .. {last} of the bars "
                          f"{first_bar} .. {end}; bars outside it have no {name}", SpanWarning, stacklevel=3)

