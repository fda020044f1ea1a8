"""The sources a ``data:`` section can name (``format:`` picks one), each validated once from YAML.

:data:`SourceConfig` is their union; :mod:`liqbt.data.config` combines sources into a market.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal, Union

from pydantic import AfterValidator, Field, PlainSerializer, model_serializer, model_validator

from ..config.base import Duration, FrozenModel
from ..errors import ConfigError, DataError

if TYPE_CHECKING:
    import pandas as pd

    from .bundle import DataBundle

# pandas (and the readers, which import it) load inside the methods that read data: `liqbt validate` of a
# config whose checks read no file does not pay for them

__all__ = ["SourceConfig", "Part", "Timeframe", "FreqtradeSource", "BinanceArchiveSource", "VendorHourlySource",
           "Vendor4hSource", "MultiVenueSource", "CoinglassV4Source", "SyntheticSource", "UtcDatetime", "utc_stamp"]


Part = Literal["candles", "open_interest", "funding", "mark", "liquidations", "known"]
# Binance archive kind -> the parts it gives.
_ARCHIVE_KIND_PARTS = {"klines": ("candles",), "markPriceKlines": ("mark",), "fundingRate": ("funding",),
                       "metrics": ("open_interest", "known"), "liquidationSnapshot": ("liquidations",)}
_TIMEFRAME = r"^\d+[mhdw]$"


def _timeframe(text: str) -> Duration:
    from .freqtrade import parse_timeframe

    return Duration(text, parse_timeframe(text))


#: A bar size as written (``"5m"``), its span parsed once at validation (``.delta``); dumps keep the text.
Timeframe = Annotated[str, Field(pattern=_TIMEFRAME), AfterValidator(_timeframe), PlainSerializer(str)]


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value


def utc_stamp(value) -> pd.Timestamp | None:
    """``value`` as a UTC timestamp (a naive one is UTC); None stays None."""
    if value is None:
        return None
    import pandas as pd

    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tz is None else stamp.tz_convert("UTC")


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
        return utc_stamp(self.use_from), utc_stamp(self.use_until)

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
        from .validate import check_data_file, check_data_folder

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
        import pandas as pd

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
    import pandas as pd

    from .validate import require_columns

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
        import pandas as pd

        from .freqtrade import pair_to_filename
        from .validate import to_utc_index

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
        import pandas as pd

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
        import pandas as pd

        from .validate import to_utc_index

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
        from .validate import check_data_file
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
        import pandas as pd

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
        import pandas as pd

        start = pd.Timestamp(self.start)
        start = start.tz_localize("UTC") if start.tz is None else start.tz_convert("UTC")
        return start, start + self.bars * self.bar_size.delta

    def read(self, base_dir: Path) -> DataBundle:
        import pandas as pd

        from .synthetic import generate_bundle

        return generate_bundle(self.bars, self.bar_size.delta, seed=self.seed,
                               start=pd.Timestamp(self.start))


SourceConfig = Annotated[
    Union[FreqtradeSource, BinanceArchiveSource, VendorHourlySource, Vendor4hSource, MultiVenueSource,
          CoinglassV4Source, SyntheticSource],
    Field(discriminator="format"),
]

