"""``liqbt data inspect``: what a data source holds (span, bar size, gaps, columns, units)."""

from __future__ import annotations

import warnings
from pathlib import Path


from ..errors import ConfigError, DataError, GapWarning
from .market import COLUMN_UNITS, Market, MultiVenueMarket, bar_size_label
from .validate import check_data_file

__all__ = ["open_source", "config_market", "describe", "format_description"]


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
            from .vendor import load_vendor_hourly

            return load_vendor_hourly(path)
        if path.is_dir():
            if (path / "candles.parquet").exists():
                from .multivenue import load_multivenue

                return load_multivenue(path, coin)
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


def describe(market: Market) -> dict:
    """Span, bar size, gaps, columns (with units and coverage) of a market."""
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
