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
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal, Union

import pandas as pd
from pydantic import Field, field_validator

from ..config.base import FrozenModel
from ..errors import ConfigError
from .bundle import DataBundle
from .market import Market, MultiVenueMarket

__all__ = ["DataConfig", "load_data", "check_data_config", "SourceConfig"]

Part = Literal["candles", "open_interest", "funding", "mark", "liquidations", "known"]
_TIMEFRAME = r"^\d+[mhdw]$"


class _Source(FrozenModel):
    parts: tuple[Part, ...] | None = Field(None, description="keep only these parts of the source")

    def read(self, base_dir: Path) -> DataBundle:  # pragma: no cover - abstract
        raise NotImplementedError

    def _path(self, base_dir: Path, path: str) -> Path:
        return (base_dir / path).resolve() if not Path(path).is_absolute() else Path(path)

    def check_paths(self, base_dir: Path, where: str) -> None:
        """Raise :class:`ConfigError` if the source's ``path`` does not exist."""
        path = getattr(self, "path", None)
        if path is not None and not self._path(base_dir, path).exists():
            raise ConfigError(f"{where}.path: file or folder not found: {self._path(base_dir, path)} "
                              f"(relative paths are relative to the config file's folder {base_dir})")


class FreqtradeSource(_Source):
    """freqtrade feather folder."""

    format: Literal["freqtrade"]
    path: str
    pair: str = "BTC/USDT:USDT"
    timeframe: str = Field("5m", pattern=_TIMEFRAME)
    mark: bool = True
    funding: bool = True

    def read(self, base_dir: Path) -> DataBundle:
        from .freqtrade import read_freqtrade

        return read_freqtrade(self._path(base_dir, self.path), self.pair, self.timeframe,
                              mark=self.mark, funding=self.funding)


class BinanceArchiveSource(_Source):
    """Local copy of the Binance public data archive (see ``liqbt data download``)."""

    format: Literal["binance_archive"]
    path: str
    symbol: str = "BTCUSDT"
    interval: str = Field("5m", pattern=_TIMEFRAME)
    start: dt.date | None = Field(None, description="first day read (inclusive)")
    end: dt.date | None = Field(None, description="last day read (inclusive), as in `liqbt data download`")
    kinds: tuple[Literal["klines", "markPriceKlines", "fundingRate", "metrics", "liquidationSnapshot"], ...] = (
        "klines", "markPriceKlines", "fundingRate", "metrics")

    def read(self, base_dir: Path) -> DataBundle:
        from .binance_archive import read_binance_archive

        end = self.end + dt.timedelta(days=1) if self.end is not None else None  # reader's end is exclusive
        return read_binance_archive(self._path(base_dir, self.path), self.symbol, interval=self.interval,
                                    start=self.start, end=end, kinds=self.kinds)


class VendorHourlySource(_Source):
    """Vendor hourly CSV: price, OI, funding (percent), realised liquidations."""

    format: Literal["vendor_hourly"]
    path: str

    def read(self, base_dir: Path) -> DataBundle:
        from .vendor import read_vendor_hourly

        return read_vendor_hourly(self._path(base_dir, self.path))


class Vendor4hSource(_Source):
    """Vendor 4-hourly CSV folder (no candles)."""

    format: Literal["vendor_4h"]
    path: str

    def read(self, base_dir: Path) -> DataBundle:
        from .vendor import read_vendor_4h

        return read_vendor_4h(self._path(base_dir, self.path))


class MultiVenueSource(_Source):
    """Long-format multi-venue parquet folder."""

    format: Literal["multivenue"]
    path: str
    coin: str = "BTC"
    venue: str = "binance"
    bar_size: str = Field("1h", pattern=_TIMEFRAME)

    def read(self, base_dir: Path) -> DataBundle:
        from .freqtrade import parse_timeframe
        from .multivenue import read_multivenue

        return read_multivenue(self._path(base_dir, self.path), self.coin, self.venue,
                               bar_size=parse_timeframe(self.bar_size))


class SyntheticSource(_Source):
    """Seeded synthetic market (labelled synthetic; for offline runs and tests)."""

    format: Literal["synthetic"]
    bars: int = Field(105_120, gt=10)
    bar_size: str = Field("5m", pattern=_TIMEFRAME)
    seed: int = 0
    start: dt.datetime = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)

    def read(self, base_dir: Path) -> DataBundle:
        from .freqtrade import parse_timeframe
        from .synthetic import generate_bundle

        return generate_bundle(self.bars, parse_timeframe(self.bar_size), seed=self.seed,
                               start=pd.Timestamp(self.start))


SourceConfig = Annotated[
    Union[FreqtradeSource, BinanceArchiveSource, VendorHourlySource, Vendor4hSource, MultiVenueSource,
          SyntheticSource],
    Field(discriminator="format"),
]


class DataConfig(FrozenModel):
    """The ``data:`` section.

    Attributes
    ----------
    sources : list
        One or more sources; their parts merge (each part from one source).
    symbol, venue : str, optional
        Override the names the sources give.
    start, end : datetime, optional
        Keep bars with ``start <= open < end`` (UTC), after alignment.
    gaps : {"report", "error", "fill"}
        What to do with missing candles (see :meth:`Market.from_parts`).
    oi_max_age : str, optional
        Open interest older than this (e.g. ``"3h"``) becomes NaN.
    """

    sources: tuple[SourceConfig, ...] = Field(min_length=1)
    symbol: str | None = None
    venue: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    gaps: Literal["report", "error", "fill"] = "report"
    oi_max_age: str | None = None

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, value):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value

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
    """Checks that need the file system or several fields: paths exist, start < end."""
    prefix = f"{source}: " if source else ""
    if config.start is not None and config.end is not None and config.start >= config.end:
        raise ConfigError(f"{prefix}data.start ({config.start}) must be before data.end ({config.end})")
    for i, src in enumerate(config.sources):
        src.check_paths(Path(base_dir), f"{prefix}data.sources[{i}]")


def load_data(config: DataConfig, base_dir: str | Path = ".") -> Market | MultiVenueMarket:
    """Read every source, merge the parts and align them into a :class:`Market`."""
    base_dir = Path(base_dir)
    check_data_config(config, base_dir)
    bundle = None
    for source in config.sources:
        part = source.read(base_dir)
        if source.parts is not None:
            part = part.only(*source.parts)
        bundle = part if bundle is None else bundle.merge(part)
    market = bundle.to_market(gaps=config.gaps, oi_max_age=config.oi_max_age, symbol=config.symbol,
                              venue=config.venue)
    if config.start is not None or config.end is not None:
        market = market.slice(config.start, config.end)
        if len(market) == 0:
            raise ConfigError(f"data.start/end ({config.start} .. {config.end}) leave no bars; the data spans "
                              f"{bundle.candles.index[0]} .. {bundle.candles.index[-1]}")
    return market
