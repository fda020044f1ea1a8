"""``liqbt data inspect``: what a data source holds (span, bar size, gaps, columns, units)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


from ..errors import ConfigError, DataError, GapWarning
from .market import COLUMN_UNITS, Market, MultiVenueMarket, bar_size_label
from .freqtrade import parse_timeframe
from .validate import check_data_file

__all__ = ["open_source", "config_market", "describe", "format_description", "SeriesFiles", "inspect_coinglass_v4"]


@dataclass(frozen=True)
class SeriesFiles:
    """Files of series without candles (the coinglass_v4 folder): what :func:`describe` reports for them.

    Attributes
    ----------
    path : str
        The file or folder inspected.
    series : tuple of dict
        One entry per series: ``file``, ``series``, ``unit``, ``known_at``,
        ``rows``, ``first``, ``last`` (stamps as in the file), ``step`` (most
        common), ``gaps`` (steps longer than that) and ``stale_repeats`` (rows
        equal to the previous one).
    """

    path: str
    series: tuple = ()


def open_source(source: str | Path, *, pair: str | None = None, timeframe: str | None = None,
                coin: str = "BTC") -> Market | MultiVenueMarket:
    """Load whatever ``source`` is, guessing the layout from its name and contents.

    A ``.yaml`` config (its ``data:`` section), a freqtrade ``.feather`` file or
    folder, a vendor hourly CSV, a vendor 4-hourly folder (combined with
    nothing: it has no candles, so it is an error), a multi-venue parquet folder
    or a Binance archive folder.
    """
    path = Path(source)
    if not path.exists():
        if path.is_symlink():  # a loop or a dangling link: say which
            check_data_file(path, "data")
        raise DataError(str(path), "not found")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GapWarning)  # gaps are part of the description
        if path.suffix in (".yaml", ".yml"):
            return config_market(path)
        if path.suffix == ".feather":
            from .freqtrade import FILE_NAME, load_freqtrade

            match = FILE_NAME.match(path.name)
            if not match or match.group("kind") != "futures":
                raise DataError(str(path), "expected a freqtrade candle file named PAIR-TIMEFRAME-futures.feather")
            return load_freqtrade(path.parent, match.group("pair"), match.group("timeframe"))
        if path.suffix == ".csv":
            if _is_coinglass_v4(path):
                return inspect_coinglass_v4(path)
            from .vendor import load_vendor_hourly

            return load_vendor_hourly(path)
        if path.is_dir():
            if (path / "candles.parquet").exists():
                from .multivenue import load_multivenue

                return load_multivenue(path, coin)
            if any(_is_coinglass_v4(f) for f in path.glob("*.csv")):
                return inspect_coinglass_v4(path)
            if (path / "coinglass_oi_4h.csv").exists():
                raise DataError(str(path), "the 4-hourly vendor folder has no candles; inspect it through a "
                                           "config that combines it with a candle source")
            feathers = sorted(path.glob("*-futures.feather"))
            if feathers:
                from .freqtrade import FILE_NAME, load_freqtrade

                choices = [(m.group("pair"), m.group("timeframe")) for m in map(FILE_NAME.match, (f.name for f in feathers))
                           if m]
                if pair is None or timeframe is None:
                    pair = pair or choices[0][0]
                    timeframe = timeframe or next(tf for p, tf in choices if p == pair.replace("/", "_").replace(":", "_"))
                return load_freqtrade(path, pair, timeframe)
            if list(path.rglob("*.zip")):
                from .binance_archive import read_binance_archive

                symbol = pair or next(p.name for p in path.rglob("*") if p.is_dir() and p.name.isupper())
                return read_binance_archive(path, symbol, interval=timeframe or "5m").to_market()
    raise DataError(str(path), "unknown layout; expected a .yaml config, a freqtrade .feather file or folder, "
                               "a vendor .csv, a multi-venue parquet folder or a Binance archive folder")


def config_market(path: str | Path) -> Market | MultiVenueMarket:
    """The market of a config file's ``data:`` section.

    The file is read as ``load_config`` reads it (``!include``, ``base:``, folders
    allowed by ``$LIQBT_ALLOW_PATHS``) and its ``data:`` section gets the same checks;
    the other sections configure other commands, so this data layer neither imports nor
    validates them (``liqbt validate`` does).
    """
    from ..config.base import validate_section
    from ..config.files import allowed_roots, resolve_path
    from ..config.yaml_io import read_yaml
    from .config import DataConfig, check_data_config, load_data

    path = resolve_path(path, "YAML config file")
    raw = read_yaml(path, allowed_roots())
    if "data" not in raw:
        raise ConfigError(f"{path}: data: required key is missing")
    config = validate_section(DataConfig, raw["data"], str(path), "data")
    check_data_config(config, path.parent, str(path))
    return load_data(config, path.parent)


def _is_coinglass_v4(path: Path) -> bool:
    from .coinglass_v4 import COINGLASS_V4_LAYOUT, DEPTH_FILE, PER_EXCHANGE_FILE

    names = {name for name, _ in COINGLASS_V4_LAYOUT.values()} | {DEPTH_FILE, PER_EXCHANGE_FILE}
    return path.name in names


def _series_info(name: str, series: pd.Series, what: str, unit: str, known_at: str) -> dict:
    stamps = series.index
    steps = np.diff(stamps.asi8)
    values, counts = np.unique(steps, return_counts=True)
    step = int(values[np.argmax(counts)]) if len(steps) else None
    return {"file": name, "series": what, "unit": unit, "known_at": known_at, "rows": int(len(series)),
            "first": str(stamps[0]), "last": str(stamps[-1]),
            "step": bar_size_label(pd.Timedelta(step)) if step else None,
            "gaps": int((steps > step).sum()) if step else 0,
            "stale_repeats": int((series.diff().to_numpy()[1:] == 0).sum())}


def inspect_coinglass_v4(path: str | Path) -> SeriesFiles:
    """Every series of a coinglass_v4 file, or of every such file in a folder, read through its loader.

    Stamps are as in the files (bar opens; depth and per-exchange snapshots at
    their stamp), so rows and spans compare with the folder README.
    """
    from .coinglass_v4 import COINGLASS_V4_LAYOUT, DEPTH_FILE, PER_EXCHANGE_FILE, read_coinglass_v4

    path = Path(path)
    folder, names = (path, sorted(p.name for p in path.glob("*.csv") if _is_coinglass_v4(p))) if path.is_dir() \
        else (path.parent, [path.name])
    infos = []
    for name in names:
        for (what, coin, bar), (file, _) in COINGLASS_V4_LAYOUT.items():
            if file != name:
                continue
            step = parse_timeframe(bar)
            if what == "liquidations":
                liq = read_coinglass_v4(folder, coin=coin, bar_size=bar, parts=["liquidations"]).liquidations
                for col in liq.columns:
                    infos.append(_series_info(name, liq[col], col, f"USD per {bar} bar, Binance {coin}",
                                              "bar close (open + bar size)"))
            else:
                bundle = read_coinglass_v4(folder, bar_size=bar, open_interest=what, parts=["open_interest"])
                oi = bundle.open_interest_coins if what == "usdm" else bundle.open_interest
                oi = pd.Series(oi.to_numpy(), index=oi.index - step)  # back to the file's bar opens
                unit = ("BTC; x last candle close known then -> oi_usd" if what == "usdm" else "USD")
                infos.append(_series_info(name, oi, f"open_interest {what} (close)", unit,
                                          "bar open + bar size"))
        if name == PER_EXCHANGE_FILE:
            header = pd.read_csv(folder / name, nrows=0)
            for col in [c for c in header.columns if c not in ("time_ms", "price")]:
                oi = read_coinglass_v4(folder, open_interest="exchange", exchange=col, parts=["open_interest"])
                infos.append(_series_info(name, oi.open_interest, f"open_interest exchange {col}", "USD snapshot",
                                          "its stamp"))
        if name == DEPTH_FILE:
            for col, series in read_coinglass_v4(folder, parts=["known"]).known.items():
                infos.append(_series_info(name, series, col, "USD within 1 % of the price", "its stamp"))
    return SeriesFiles(path=str(path), series=tuple(infos))


def describe(market: Market | SeriesFiles) -> dict:
    """Span, bar size, gaps, columns (with units and coverage) of a market; the series of :class:`SeriesFiles`."""
    if isinstance(market, SeriesFiles):
        return {"source": market.path, "series": list(market.series)}
    bars = market.bars
    columns = []
    for col in bars.columns:
        values = bars[col]
        columns.append({
            "column": col,
            "unit": COLUMN_UNITS.get(col, ""),
            "non_null": int(values.notna().sum()),
            "first": str(values.first_valid_index()) if values.notna().any() else None,
        })
    return {
        "symbol": market.symbol,
        "venue": market.venue,
        "source": market.source,
        "bars": len(bars),
        "bar_size": bar_size_label(market.bar_size),
        "start": str(market.start),
        "end": str(market.end),
        "gaps": int(len(market.gaps)),
        "missing_bars": int(market.gaps["missing_bars"].sum()) if len(market.gaps) else 0,
        "first_gaps": [f"{r.after} -> {r.before} ({r.missing_bars} bars)" for r in market.gaps.head(5).itertuples()],
        "funding_events": 0 if market.funding is None else int(len(market.funding)),
        "mark_bar_size": bar_size_label(market.mark_bar_size) if market.mark_bar_size is not None else None,
        "liquidations_bar_size": (bar_size_label(market.liquidations_bar_size)
                                  if market.liquidations_bar_size is not None else None),
        "columns": columns,
    }


def format_description(info: dict) -> str:
    """Plain-text table of :func:`describe`'s result."""
    if "series" in info:
        lines = [f"{info['source']}  (coinglass_v4 series, no candles)"]
        for r in info["series"]:
            lines.append(f"  {r['file']}  {r['series']}  [{r['unit']}; known at {r['known_at']}]")
            lines.append(f"    {r['rows']:,} rows  {r['first']} -> {r['last']}  step {r['step']}  gaps {r['gaps']}  "
                         f"stale repeats {r['stale_repeats']}")
        return "\n".join(lines)
    lines = [
        f"{info['symbol'] or '?'} on {info['venue'] or '?'}  ({info['source']})",
        f"  span      {info['start']} -> {info['end']}",
        f"  bars      {info['bars']:,} x {info['bar_size']}",
        f"  gaps      {info['gaps']} ({info['missing_bars']} missing bars)",
    ]
    lines += [f"            {g}" for g in info["first_gaps"]]
    if info["funding_events"]:
        lines.append(f"  funding   {info['funding_events']} events")
    if info["mark_bar_size"]:
        lines.append(f"  mark      {info['mark_bar_size']} bars")
    if info["liquidations_bar_size"]:
        lines.append(f"  realised liquidations at {info['liquidations_bar_size']}")
    width = max(len(c["column"]) for c in info["columns"])
    lines.append("  columns")
    for c in info["columns"]:
        lines.append(f"    {c['column']:<{width}}  {c['non_null']:>9,} values  {c['unit']}")
    return "\n".join(lines)
