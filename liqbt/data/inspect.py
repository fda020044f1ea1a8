"""``liqbt data inspect``: what a data source holds (span, bar size, gaps, columns, units)."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


from ..errors import ConfigError, DataError, GapWarning
from .market import COLUMN_UNITS, Market, MultiVenueMarket, bar_size_label
from .freqtrade import parse_timeframe
from .inspect_files import table_file_info
from .validate import check_data_file

__all__ = ["open_source", "config_market", "describe", "format_description", "SeriesFiles", "inspect_coinglass_v4",
           "TableFiles", "inspect_folder"]

# A folder walk reads every data file under it: cap it so a mistyped "/" ends quickly with a message.
MAX_FOLDER_FILES = 500


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


@dataclass(frozen=True)
class TableFiles:
    """Files described one line each: files without candles, and folders of no single layout.

    Attributes
    ----------
    path : str
        The file or folder inspected.
    kind : str
        What it is (``"file"``, ``"4-hourly vendor folder (no candles)"``, ``"folder"``).
    tables : tuple of dict
        One entry per file: ``file``, ``kind``, ``rows``, ``first``, ``last``
        (UTC stamps as in the file, None for text), ``step`` (most common) and
        ``columns`` (see :func:`~liqbt.data.inspect_files.table_file_info`).
    """

    path: str
    kind: str
    tables: tuple = ()


def open_source(source: str | Path, *, pair: str | None = None, timeframe: str | None = None,
                coin: str = "BTC") -> Market | MultiVenueMarket | SeriesFiles | TableFiles:
    """Load whatever ``source`` is, guessing the layout from its name and contents.

    A ``.yaml`` config (its ``data:`` section), a freqtrade ``.feather`` file or
    folder, a vendor hourly CSV, a multi-venue parquet folder or a Binance
    archive folder load as a market. Files without candles (a mark or funding
    feather, a 4-hourly vendor CSV or its folder, one parquet table, a README)
    and folders holding several layouts come back as :class:`TableFiles`, one
    line per file; coinglass_v4 files as :class:`SeriesFiles`.
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
        if path.is_file() and (info := table_file_info(path)) is not None:
            return TableFiles(path=str(path), kind="file", tables=(info,))
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
                # no candles: a run combines it with a candle source in a config; here each file is described
                return inspect_folder(path, kind="4-hourly vendor folder (no candles; combine with a candle "
                                                 "source in a config to run)")
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
            return inspect_folder(path)
    raise DataError(str(path), "unknown layout; expected a .yaml config, a freqtrade .feather file or folder, "
                               "a vendor .csv, a multi-venue parquet folder or a Binance archive folder")


def _summaries(path: Path) -> list[dict]:
    """One-line summaries of one file in a folder walk; a file liqbt does not read is listed as such."""
    info = table_file_info(path)
    if info is not None:
        return [info]
    if path.suffix not in (".feather", ".csv", ".yaml", ".yml"):
        return [{"file": str(path), "kind": "not a data file liqbt reads", "rows": None, "first": None,
                 "last": None, "step": None, "columns": []}]
    source = open_source(path)
    if isinstance(source, SeriesFiles):
        return [{"file": str(path), "kind": f"coinglass_v4 {r['series']} [{r['unit']}]", "rows": r["rows"],
                 "first": r["first"], "last": r["last"], "step": r["step"], "columns": []} for r in source.series]
    markets = list(source.markets.values()) if isinstance(source, MultiVenueMarket) else [source]
    return [{"file": str(path), "kind": f"candles {m.symbol or '?'} on {m.venue or '?'}", "rows": len(m.bars),
             "first": str(m.start), "last": str(m.end), "step": bar_size_label(m.bar_size),
             "columns": list(m.bars.columns)} for m in markets]


def inspect_folder(path: str | Path, kind: str = "folder") -> TableFiles:
    """Every file under a folder of no single layout, one line each (kind, rows, span).

    Sub-folders are walked without following symbolic links (no loops); at most
    :data:`MAX_FOLDER_FILES` files, hidden ones skipped. A file liqbt cannot read
    is the loader's one-line error naming it.
    """
    path = Path(path)
    files = []
    for root, dirs, names in os.walk(path, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files += [Path(root) / n for n in sorted(names) if not n.startswith(".")]
        if len(files) > MAX_FOLDER_FILES:
            raise DataError(str(path), f"more than {MAX_FOLDER_FILES} files under this folder; inspect a sub-folder")
    tables = [row for f in files for row in _summaries(f)]
    return TableFiles(path=str(path), kind=kind, tables=tuple(tables))


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


def describe(market: Market | SeriesFiles | TableFiles) -> dict:
    """Span, bar size, gaps, columns (with units and coverage) of a market; the series of :class:`SeriesFiles`;
    the files of :class:`TableFiles`."""
    if isinstance(market, TableFiles):
        return {"source": market.path, "kind": market.kind, "files": list(market.tables)}
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
    if "files" in info:
        lines = [f"{info['source']}  ({info['kind']}, {len(info['files'])} entries)"]
        for r in info["files"]:
            lines.append(f"  {r['file']}  {r['kind']}")
            span = f"  {r['first']} -> {r['last']}  step {r['step']}" if r["first"] is not None else "  no time span"
            rows = "-" if r["rows"] is None else f"{r['rows']:,}"
            extra = "".join(f"  {k} {', '.join(r[k])}" for k in ("venue", "coin") if k in r)
            if "funding_events" in r:
                extra += f"  funding events {r['funding_events']:,}"
            lines.append(f"    {rows} {'lines' if r['kind'].startswith('text') else 'rows'}{span}{extra}")
            if r["columns"]:
                lines.append(f"    columns {', '.join(r['columns'])}")
        return "\n".join(lines)
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
