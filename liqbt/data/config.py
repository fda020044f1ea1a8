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
interest, funding, mark, liquidations) must come from exactly one source.

Several venues of one symbol: ``venues:`` instead of ``sources:``, a mapping of
lowercase venue names to their own ``sources:`` (docs/heatmap.md, "Several venues
from one YAML"); ``symbol``, ``start``, ``end``, ``gaps`` apply to every venue.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Annotated, ClassVar, Literal, Union

import pandas as pd
from pydantic import AfterValidator, Field, PlainSerializer, field_validator, model_serializer, model_validator

from ..config.base import Duration, FrozenModel
from ..errors import ConfigError, DataError, SpanWarning
from .bundle import DataBundle
from .freqtrade import parse_timeframe
from .market import Market, MultiVenueMarket, bar_size_label
from .periods import periods_apart
from .validate import check_data_file, check_data_folder, require_columns, to_utc_index

__all__ = ["DataConfig", "VenueConfig", "load_data", "check_data_config", "check_span", "SourceConfig", "VENUE_NAME"]

Part = Literal["candles", "open_interest", "funding", "mark", "liquidations", "known"]
# Binance archive kind -> the parts it gives.
_ARCHIVE_KIND_PARTS = {"klines": ("candles",), "markPriceKlines": ("mark",), "fundingRate": ("funding",),
                       "metrics": ("open_interest", "known"), "liquidationSnapshot": ("liquidations",)}
_TIMEFRAME = r"^\d+[mhdw]$"

#: A bar size as written (``"5m"``), its span parsed once at validation (``.delta``); dumps keep the text.
Timeframe = Annotated[str, Field(pattern=_TIMEFRAME),
                      AfterValidator(lambda text: Duration(text, parse_timeframe(text))), PlainSerializer(str)]


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value


#: A datetime read as UTC when written without a zone.
UtcDatetime = Annotated[dt.datetime, AfterValidator(_as_utc)]


class _Source(FrozenModel):
    config_key = "data.source"

    parts: tuple[Part, ...] | None = Field(None, description="keep only these parts of the source (and read "
                                                              "only their files)")
    use_from: UtcDatetime | None = Field(None, description="keep only values stamped at or after this UTC time "
                                                           "(open interest: the time it became known)")
    use_until: UtcDatetime | None = Field(None, description="keep only values stamped before this UTC time")
    # What ``path`` must be: ("file", kind) or ("folder", kind); None: no path.
    _path_kind: ClassVar[tuple[str, str] | None] = None

    @model_validator(mode="after")
    def _period_order(self):
        if self.use_from is not None and self.use_until is not None and self.use_from >= self.use_until:
            raise ValueError(f"use_from ({self.use_from}) must be before use_until ({self.use_until})")
        return self

    @model_serializer(mode="wrap")
    def _dump_without_unset_period(self, handler):
        # a source without a period dumps as before periods existed: stored results keep their config hash
        data = handler(self)
        for key in ("use_from", "use_until"):
            if data.get(key, 0) is None:
                del data[key]
        return data

    @property
    def period(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None] | None:
        """``(use_from, use_until)`` as UTC timestamps, or None when the source has no period."""
        if self.use_from is None and self.use_until is None:
            return None
        return _stamp(self.use_from), _stamp(self.use_until)

    def describe(self) -> str:
        """``format path`` of this source, for messages."""
        return f"{getattr(self, 'format', '?')} {getattr(self, 'path', '')}".strip()

    def read(self, base_dir: Path) -> DataBundle:  # pragma: no cover - abstract
        raise NotImplementedError

    def wants(self, part: str) -> bool:
        """True if this source is read for ``part`` (all parts without ``parts:``)."""
        return self.parts is None or part in self.parts

    def _path(self, base_dir: Path, path: str) -> Path:
        # absolute() rather than resolve(): a symbolic link loop must reach the checks, not fail here
        return Path(os.path.abspath(base_dir / path))

    def check_paths(self, base_dir: Path, where: str) -> None:
        """Raise :class:`ConfigError` if ``path`` is missing, a loop, or a file where a folder is due (or back)."""
        path = getattr(self, "path", None)
        if path is None or self._path_kind is None:
            return
        full = self._path(base_dir, path)
        if not full.exists() and not full.is_symlink():
            raise ConfigError(f"{where}.path: file or folder not found: {full} "
                              f"(relative paths are relative to the config file's folder {base_dir})")
        what, kind = self._path_kind
        try:
            check_data_file(full, kind) if what == "file" else check_data_folder(full, kind)
        except DataError as exc:
            raise ConfigError(f"{where}.path: {exc}") from None

    def candle_span(self, base_dir: Path) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """First bar open and last bar close of the candles, read cheaply; None if unknown.

        Reads only the time column (or file names). Any problem returns None: the
        full read reports it with the file, column and rows.
        """
        if not self.wants("candles"):
            return None
        try:
            span = self._candle_span(base_dir)
        except Exception:  # noqa: BLE001 - the loader names the problem precisely
            return None
        if span is None or span[0] is pd.NaT or span[1] is pd.NaT:
            return None
        if self.period is not None:  # the candles kept are those of the source's period
            first, last = span
            lo, hi = self.period
            span = (max(first, lo) if lo is not None else first, min(last, hi) if hi is not None else last)
        return span

    def _candle_span(self, base_dir: Path):
        return None


def _check_csv_header(path: Path, columns) -> None:
    """The CSV's header names ``columns`` (a DataError as the loader gives); unreadable: left to the loader."""
    try:
        header = pd.read_csv(path, nrows=0)
    except Exception:  # noqa: BLE001 - the full read names the problem with its rows
        return
    require_columns(header, columns, str(path))


class FreqtradeSource(_Source):
    """freqtrade feather folder."""

    format: Literal["freqtrade"]
    path: str
    pair: str = "BTC/USDT:USDT"
    timeframe: Timeframe = "5m"
    mark: bool = True
    funding: bool = True
    _path_kind: ClassVar = ("folder", "a freqtrade data folder of .feather files")

    def check_paths(self, base_dir: Path, where: str) -> None:
        """Also: the candle file of ``pair`` and ``timeframe`` exists when candles are read."""
        super().check_paths(base_dir, where)
        if self.wants("candles"):
            from .freqtrade import pair_to_filename

            folder = self._path(base_dir, self.path)
            name = f"{pair_to_filename(self.pair)}-{self.timeframe}-futures.feather"
            if not (folder / name).exists() and not (folder / name).is_symlink():
                have = sorted(p.name for p in folder.glob("*-futures.feather"))
                raise ConfigError(f"{where}: no candle file {name} in {folder} for pair {self.pair!r} and "
                                  f"timeframe {self.timeframe!r}; candle files there: {have[:12]}")

    def _candle_span(self, base_dir: Path):
        from .freqtrade import pair_to_filename

        path = self._path(base_dir, self.path) / f"{pair_to_filename(self.pair)}-{self.timeframe}-futures.feather"
        dates = pd.read_feather(path, columns=["date"])["date"]
        if dates.dtype.kind in "iuf":
            index = to_utc_index(dates, str(path), "date", unit="ms")
        else:
            index = pd.DatetimeIndex(dates).tz_convert("UTC")
        return index.min(), index.max() + self.timeframe.delta

    def read(self, base_dir: Path) -> DataBundle:
        from .freqtrade import read_freqtrade

        parts = self.parts or ("candles", "funding", "mark")
        return read_freqtrade(self._path(base_dir, self.path), self.pair, self.timeframe,
                              mark=self.mark and "mark" in parts, funding=self.funding and "funding" in parts,
                              candles="candles" in parts)


class BinanceArchiveSource(_Source):
    """Local copy of the Binance public data archive (see ``liqbt data download``)."""

    format: Literal["binance_archive"]
    path: str
    symbol: str = "BTCUSDT"
    interval: Timeframe = "5m"
    start: dt.date | None = Field(None, description="first day read (inclusive)")
    end: dt.date | None = Field(None, description="last day read (inclusive), as in `liqbt data download`")
    kinds: tuple[Literal["klines", "markPriceKlines", "fundingRate", "metrics", "liquidationSnapshot"], ...] = (
        "klines", "markPriceKlines", "fundingRate", "metrics")
    _path_kind: ClassVar = ("folder", "a Binance archive folder (see `liqbt data download`)")

    def _window(self):
        start = pd.Timestamp(self.start, tz="UTC") if self.start is not None else None
        end = pd.Timestamp(self.end, tz="UTC") + pd.Timedelta(days=1) if self.end is not None else None
        return start, end  # the reader's end is exclusive

    def _candle_span(self, base_dir: Path):
        from .binance_archive import find_archive_files

        start, end = self._window()
        files = find_archive_files(self._path(base_dir, self.path), self.symbol, "klines", interval=self.interval,
                                   start=start, end=end)
        if not files:
            return None
        first, last = files[0].start, files[-1].end  # file periods: the rows may cover less
        return (max(first, start) if start is not None else first), (min(last, end) if end is not None else last)

    def read(self, base_dir: Path) -> DataBundle:
        from .binance_archive import read_binance_archive

        start, end = self._window()
        # Only the archive kinds of the parts asked for are read.
        kinds = tuple(k for k in self.kinds if any(self.wants(p) for p in _ARCHIVE_KIND_PARTS[k]))
        return read_binance_archive(self._path(base_dir, self.path), self.symbol, interval=self.interval,
                                    start=start, end=end, kinds=kinds or self.kinds)


class VendorHourlySource(_Source):
    """Vendor hourly CSV: price, OI, funding (percent), realised liquidations."""

    format: Literal["vendor_hourly"]
    path: str
    _path_kind: ClassVar = ("file", "vendor hourly CSV")

    def check_paths(self, base_dir: Path, where: str) -> None:
        """Also: the header has the columns the loader needs (only the header is read)."""
        super().check_paths(base_dir, where)
        from .vendor import HOURLY_COLUMNS

        _check_csv_header(self._path(base_dir, self.path), HOURLY_COLUMNS)

    def _candle_span(self, base_dir: Path):
        path = self._path(base_dir, self.path)
        index = to_utc_index(pd.read_csv(path, usecols=["timestamp"])["timestamp"], str(path), "timestamp",
                             unit="ms")
        return index.min(), index.max() + pd.Timedelta(hours=1)

    def read(self, base_dir: Path) -> DataBundle:
        from .vendor import read_vendor_hourly

        return read_vendor_hourly(self._path(base_dir, self.path), parts=self.parts)


class Vendor4hSource(_Source):
    """Vendor 4-hourly CSV folder (no candles)."""

    format: Literal["vendor_4h"]
    path: str
    _path_kind: ClassVar = ("folder", "the 4-hourly vendor CSV folder")

    def check_paths(self, base_dir: Path, where: str) -> None:
        """Also: the file of every part asked for exists (and only those)."""
        super().check_paths(base_dir, where)
        from .vendor import VENDOR_4H_FILES

        folder = self._path(base_dir, self.path)
        for part, (name, columns) in VENDOR_4H_FILES.items():
            if self.wants(part):
                try:
                    check_data_file(folder / name, "CSV")
                except DataError as exc:
                    raise ConfigError(f"{where}: part '{part}' needs {exc}; list the parts you have "
                                      f"in {where}.parts") from None
                _check_csv_header(folder / name, ("timestamp",) + columns)

    def read(self, base_dir: Path) -> DataBundle:
        from .vendor import read_vendor_4h

        return read_vendor_4h(self._path(base_dir, self.path), parts=self.parts)


class MultiVenueSource(_Source):
    """Long-format multi-venue parquet folder."""

    format: Literal["multivenue"]
    path: str
    coin: str = "BTC"
    venue: str = "binance"
    bar_size: Timeframe = "1h"
    _path_kind: ClassVar = ("folder", "the multi-venue parquet folder")

    def check_paths(self, base_dir: Path, where: str) -> None:
        """Also: ``candles.parquet`` exists when candles are read."""
        super().check_paths(base_dir, where)
        path = self._path(base_dir, self.path) / "candles.parquet"
        if self.wants("candles") and not path.exists() and not path.is_symlink():
            raise ConfigError(f"{where}: {path}: file not found; the multi-venue folder needs candles.parquet")

    def _candle_span(self, base_dir: Path):
        path = self._path(base_dir, self.path) / "candles.parquet"
        frame = pd.read_parquet(path, columns=["timestamp", "venue", "coin"])
        stamps = frame.loc[(frame["venue"] == self.venue) & (frame["coin"] == self.coin), "timestamp"]
        if not len(stamps):
            return None
        index = pd.DatetimeIndex(stamps).tz_convert("UTC")
        return index.min(), index.max() + self.bar_size.delta

    def read(self, base_dir: Path) -> DataBundle:
        from .multivenue import read_multivenue

        return read_multivenue(self._path(base_dir, self.path), self.coin, self.venue,
                               bar_size=self.bar_size.delta, parts=self.parts)


class CoinglassV4Source(_Source):
    """Coinglass API v4 CSV folder: Binance liquidations, open interest (several kinds), ±1 % depth (no candles)."""

    format: Literal["coinglass_v4"]
    path: str
    coin: Literal["BTC", "ETH"] = "BTC"
    bar_size: Literal["4h", "1d"] = "4h"
    open_interest: Literal["usdm", "coinm", "all_exchanges", "exchange"] = "usdm"
    exchange: str | None = Field(None, description="with open_interest: exchange, the column of "
                                                   "per_exchange_btc_oi_usd_4h.csv (BINANCE, BYBIT, OKX, ...)")
    _path_kind: ClassVar = ("folder", "the coinglass_v4 CSV folder")

    @model_validator(mode="after")
    def _exchange_given(self):
        if self.open_interest == "exchange" and not self.exchange:
            raise ValueError("open_interest: exchange needs exchange: (a column of per_exchange_btc_oi_usd_4h.csv, "
                             "e.g. BINANCE, BYBIT, OKX)")
        if self.exchange and self.open_interest != "exchange":
            raise ValueError(f"exchange: {self.exchange!r} is read only with open_interest: exchange "
                             f"(found open_interest: {self.open_interest})")
        if self.coin == "ETH" and self.parts is not None and set(self.parts) - {"liquidations"}:
            raise ValueError(f"coin ETH has liquidations only; found parts {list(self.parts)}")
        return self

    def _parts(self) -> tuple[str, ...]:
        if self.parts is not None:
            return tuple(self.parts)
        return ("liquidations",) if self.coin == "ETH" else ("open_interest", "liquidations", "known")

    def check_paths(self, base_dir: Path, where: str) -> None:
        """Also: the file of every part asked for exists with its columns (only the headers are read)."""
        super().check_paths(base_dir, where)
        from .coinglass_v4 import check_coinglass_v4_files

        check_coinglass_v4_files(self._path(base_dir, self.path), self.coin, self.bar_size, self.open_interest,
                                 self._parts(), self.exchange, where)

    def read(self, base_dir: Path) -> DataBundle:
        from .coinglass_v4 import read_coinglass_v4

        return read_coinglass_v4(self._path(base_dir, self.path), coin=self.coin, bar_size=self.bar_size,
                                 open_interest=self.open_interest, exchange=self.exchange, parts=self._parts())


class SyntheticSource(_Source):
    """Seeded synthetic market (labelled synthetic; for offline runs and tests)."""

    format: Literal["synthetic"]
    bars: int = Field(105_120, gt=10)
    bar_size: Timeframe = "5m"
    seed: int = 0
    start: dt.datetime = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)

    def _candle_span(self, base_dir: Path):
        start = pd.Timestamp(self.start)
        start = start.tz_localize("UTC") if start.tz is None else start.tz_convert("UTC")
        return start, start + self.bars * self.bar_size.delta

    def read(self, base_dir: Path) -> DataBundle:
        from .synthetic import generate_bundle

        return generate_bundle(self.bars, self.bar_size.delta, seed=self.seed,
                               start=pd.Timestamp(self.start))


SourceConfig = Annotated[
    Union[FreqtradeSource, BinanceArchiveSource, VendorHourlySource, Vendor4hSource, MultiVenueSource,
          CoinglassV4Source, SyntheticSource],
    Field(discriminator="format"),
]


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


def _stamp(value) -> pd.Timestamp | None:
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tz is None else stamp.tz_convert("UTC")


def check_span(start, end, first: pd.Timestamp, last: pd.Timestamp, *, prefix: str = "") -> None:
    """Compare a configured period ``[start, end)`` with the data's ``[first, last)``.

    Entirely outside: :class:`ConfigError`. Partly outside: a :class:`SpanWarning`
    naming the real span, since the run then covers less than was asked for
    (a period starting 11 months before the data would otherwise run from the
    data's start without a word). The warning text carries no file prefix, so
    ``validate`` and ``load_data`` warn with the same line and the CLI prints it once.
    """
    start, end, first, last = _stamp(start), _stamp(end), _stamp(first), _stamp(last)
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
PART_COVERAGE_SLACK = pd.Timedelta(days=1)


def _warn_part_coverage(market: Market, bundle: DataBundle) -> None:
    """A :class:`SpanWarning` when open interest, funding, mark price or realised
    liquidations from another file cover much less than the bars (their values are
    NaN, or no funding is charged, there)."""
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

