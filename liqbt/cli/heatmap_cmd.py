"""``liqbt heatmap CONFIG --out DIR``: reconstruct the config's heatmaps, write pictures and features."""

from __future__ import annotations

import json
from pathlib import Path


def register(sub) -> None:
    from .common import add_config_args

    parser = sub.add_parser("heatmap", help="reconstruct the config's heatmaps; write PNG, HTML and features")
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
            write_heatmap_png(view, out / f"heatmap_{name}.png")
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
