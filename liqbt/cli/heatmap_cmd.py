"""``liqbt heatmap CONFIG --out DIR``: reconstruct the config's heatmaps, write pictures and features."""

from __future__ import annotations

import json
from pathlib import Path


def register(sub) -> None:
    parser = sub.add_parser("heatmap", help="reconstruct the config's heatmaps; write PNG, HTML and features")
    parser.add_argument("config", help="YAML config file with a 'heatmaps:' section")
    parser.add_argument("--out", help="output folder (default: the config's output.dir)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ..config import load_config
    from ..errors import ConfigError
    from ..heatmap import reconstruct_named
    from ..plots import view_from_result
    from ..plots.heatmap_html import write_heatmap_html
    from ..plots.heatmap_png import write_heatmap_png
    from ..pipeline import load_market
    from .run_cmd import output_dir

    loaded = load_config(args.config)
    config = loaded.config
    if not config.heatmaps:
        raise ConfigError(f"{loaded.path}: heatmaps: no heatmap model declared; add e.g. "
                          "'heatmaps: {main: {window: 30d}}'")
    market = load_market(loaded)
    out = output_dir(args, loaded)
    out.mkdir(parents=True, exist_ok=True)
    views, summary = [], {}
    results = reconstruct_named(market, dict(config.heatmaps), snapshot_every=config.output.snapshot_every)
    for name, model in config.heatmaps.items():
        result = results[name]
        result.features.to_parquet(out / f"features_{name}.parquet")
        price_market = market if not hasattr(market, "markets") else next(iter(market.markets.values()))
        view = view_from_result(result, price_market, name)
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
    (out / "heatmap_summary.json").write_text(json.dumps(summary, indent=2))
    if not args.quiet:
        for name, info in summary.items():
            print(f"{name:>12}: {info['bars']:,} bars, {info['snapshots']:,} snapshots, predicted liquidations "
                  f"long {info['pred_liq_long_usd_total']:,.0f} USD / short "
                  f"{info['pred_liq_short_usd_total']:,.0f} USD; "
                  f"brackets {', '.join(sorted(set(info['bracket_versions'].values())))}")
        print(f"wrote {Path(html).resolve().parent}")
    return 0
