"""``liqbt heatmap CONFIG --out DIR``: reconstruct the config's heatmaps, write pictures and features."""

from __future__ import annotations

import json
from pathlib import Path


def register(sub) -> None:
    from .common import add_config_args

    parser = sub.add_parser("heatmap", help="reconstruct the config's heatmaps; write PNG, HTML and features")
    parser.add_argument("--export", type=export_path, metavar="PATH.parquet",
                        help="also write every heatmap's grid (snapshot time x price bin, long and short USD) to "
                             "this Parquet file, long layout (docs/heatmap.md)")
    parser.add_argument("--at", type=at_time, metavar="TIME",
                        help="print the profile known at TIME (UTC; the last snapshot at or before it) and save it "
                             "as profile_NAME_TIME.csv in the output folder")
    parser.add_argument("--scale", choices=("absolute", "relative"), default="absolute",
                        help="colours of the PNG: USD resting per band (absolute, the default) or each band's share "
                             "of its time column (relative: a quiet day's bands show as clearly as a busy day's)")
    parser.add_argument("--price", choices=("candles", "line"), default="candles",
                        help="price over the PNG: OHLC candles (the default; merged when too many to draw) or a "
                             "line through the closes")
    add_config_args(parser, config_help="YAML config file with a 'heatmaps:' section")
    parser.set_defaults(handler=run, stages=True)


def run(args) -> int:
    from ..config.files import write_atomic
    from ..heatmap import reconstruct_named
    from ..plots import view_from_result
    from ..plots.heatmap_html import write_heatmap_html
    from ..plots.heatmap_png import write_heatmap_png
    from ..progress import stage
    from .common import kernels_stage, load, load_market_staged, output_dir, writing

    loaded = load(args, "heatmap")
    config = loaded.config
    output_dir(args, loaded, create=False)
    market = load_market_staged(loaded)
    out = output_dir(args, loaded)
    views, summary = [], {}
    kernels_stage(backtest=False)
    stage(f"reconstructing heatmaps ({', '.join(config.heatmaps)}; {len(market):,} bars)")
    results = reconstruct_named(market, dict(config.heatmaps), snapshot_every=config.output.snapshot_every)
    stage(f"writing pictures and features ({out})")
    for name, model in config.heatmaps.items():
        result = results[name]
        write_atomic(out / f"features_{name}.parquet", result.features.to_parquet())
        # the price line of a multi-venue picture: the model's first venue (its grid is fixed there too)
        price_market = market if not hasattr(market, "markets") else market[(model.venues or market.venues)[0]]
        view = view_from_result(result, price_market, name)
        with writing(out):
            write_heatmap_png(view, out / f"heatmap_{name}.png", scale=args.scale, price=args.price)
        views.append(view)
        f = result.features
        summary[name] = {
            "bars": len(f),
            "snapshots": len(result.snapshots),
            "pred_liq_long_usd_total": float(f["pred_liq_long_usd"].sum()),
            "pred_liq_short_usd_total": float(f["pred_liq_short_usd"].sum()),
            "resting_long_usd_last": float(f["resting_long_usd"].iloc[-1]),
            "resting_short_usd_last": float(f["resting_short_usd"].iloc[-1]),
            "bracket_versions": result.bracket_versions, "excluded_tiers": result.excluded_tiers,
            "model": model.model_dump(mode="json"),
        }
    write_exports(args, out, config, results, market)
    html = write_heatmap_html(views, out / "heatmap.html", title=f"liqbt heatmap: {config.name or loaded.path.stem}")
    write_atomic(out / "heatmap_summary.json", json.dumps(summary, indent=2))
    if not args.quiet:
        for name, info in summary.items():
            print(f"{name:>12}: {info['bars']:,} bars, {info['snapshots']:,} snapshots, predicted liquidations "
                  f"long {info['pred_liq_long_usd_total']:,.0f} USD / short "
                  f"{info['pred_liq_short_usd_total']:,.0f} USD; "
                  f"brackets {', '.join(sorted(set(info['bracket_versions'].values())))}")
        print(f"wrote {Path(html).resolve().parent}")
    return 0


def export_path(text: str) -> Path:
    """``--export``: a ``.parquet`` path (checked before the long reconstruction, not after)."""
    import argparse

    path = Path(text)
    if path.suffix != ".parquet":
        raise argparse.ArgumentTypeError(f"{text!r}: expected a path ending in .parquet")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder; expected a .parquet file path")
    return path


def at_time(text: str):
    """``--at``: a UTC time (checked before the reconstruction; its span once the map is known)."""
    import argparse

    from ..errors import DataError
    from ..heatmap.export import parse_time

    try:
        return parse_time(text)
    except DataError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def write_exports(args, out: Path, config, results, market) -> None:
    """``--export`` (the grids) and ``--at`` (the profile at a time), when asked."""
    import pandas as pd

    from ..config.files import write_atomic
    from ..heatmap.export import grid_frame, profile_table

    if args.export is not None:
        grid = pd.concat([grid_frame(results[name], name) for name in config.heatmaps], ignore_index=True)
        write_atomic(args.export, grid.to_parquet(index=False))
        if not args.quiet:
            print(f"grid: {len(grid):,} rows (snapshot x bin) -> {args.export}")
    if args.at is None:
        return
    for name, model in config.heatmaps.items():
        # the price of a multi-venue map: its first venue's close, as in the pictures
        price_market = market if not hasattr(market, "markets") else market[(model.venues or market.venues)[0]]
        close = price_market.bars["close"]
        end = close.index[-1] + price_market.bar_size
        when, price, table = profile_table(results[name], close, args.at, end=end, name=name)
        path = out / f"profile_{name}_{args.at.strftime('%Y%m%dT%H%M')}.csv"
        write_atomic(path, table.to_csv(index=False))
        if not args.quiet:
            print(format_profile(name, args.at, when, price, table, path))


def format_profile(name: str, asked, when, price: float, table, path: Path, rows: int = 15) -> str:
    """The bins nearest the price on each side with USD in them (the whole profile is in the CSV)."""
    shown = table[(table["long_usd"] > 0) | (table["short_usd"] > 0)]
    above = shown[shown["bin_low_usd"] >= price].tail(rows)
    below = shown[shown["bin_low_usd"] < price].head(rows)
    lines = [f"{name}: profile at {asked} (snapshot known at {when}), price {price:,.2f} USD",
             f"  {'bin USD':>23}  {'dist %':>7}  {'long USD':>14}  {'short USD':>14}  {'cum long':>14}  "
             f"{'cum short':>14}"]
    for part in (above, None, below):
        if part is None:
            lines.append(f"  {'-- price ' + format(price, ',.2f') + ' --':>23}")
            continue
        for r in part.itertuples():
            lines.append(f"  {r.bin_low_usd:>11,.1f}-{r.bin_high_usd:<11,.1f}  {r.distance_pct:>7.2f}  "
                         f"{r.long_usd:>14,.0f}  {r.short_usd:>14,.0f}  {r.cum_long_usd:>14,.0f}  "
                         f"{r.cum_short_usd:>14,.0f}")
    lines.append(f"  ({len(table)} bins, {len(shown)} with USD; all in {path})")
    return "\n".join(lines)
