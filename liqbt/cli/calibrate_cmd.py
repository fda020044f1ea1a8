"""``liqbt calibrate CONFIG --out DIR``: fit predicted to realised liquidations, report out of sample."""

from __future__ import annotations

import json


def register(sub) -> None:
    from .common import add_config_args

    parser = sub.add_parser("calibrate", help="fit the heatmap to realised liquidations; score it out of sample")
    add_config_args(parser, config_help="YAML config whose data has realised liquidations")
    parser.set_defaults(handler=run)


def format_scores(report: dict) -> str:
    lines = [f"{'period':<6} {'predictor':<16} {'spearman L':>10} {'spearman S':>10} {'log-pearson L':>13} "
             f"{'log-pearson S':>13} {'dominant side':>13}"]
    for period in ("train", "test"):
        for name, s in report["scores"][period].items():
            lines.append(f"{period:<6} {name:<16} {s['long']['spearman']:>10.3f} {s['short']['spearman']:>10.3f} "
                         f"{s['long']['pearson_log1p']:>13.3f} {s['short']['pearson_log1p']:>13.3f} "
                         f"{s['dominant_side_match']:>13.3f}")
    return "\n".join(lines)


def format_by_month(report: dict, names=("shipped_default", "baseline", "fitted")) -> str:
    """Spearman long / short per calendar month of the predictors ``names``."""
    months = report.get("by_month", {})
    names = [n for n in names if any(n in row for row in months.values())]
    lines = [f"{'month':<8} {'bars':>5} " + " ".join(f"{n + ' L/S':>20}" for n in names)]
    for month, row in months.items():
        bars = max(row[n]["bars"] for n in names) if names else 0
        cells = [f"{row[n]['long']['spearman']:>9.3f} /{row[n]['short']['spearman']:>6.3f}" for n in names]
        lines.append(f"{month:<8} {bars:>5} " + " ".join(f"{c:>20}" for c in cells))
    return "\n".join(lines)


def run(args) -> int:
    from ..calibration import calibrate
    from ..config.files import write_atomic
    from ..pipeline import load_market
    from .common import load, output_dir

    loaded = load(args, "calibrate")
    output_dir(args, loaded, create=False)
    market = load_market(loaded)
    if hasattr(market, "markets"):
        from ..errors import ConfigError

        raise ConfigError(f"{loaded.path}: calibrate works on one venue's market; pick one venue in data")
    report = calibrate(market, loaded.config.calibration)
    out = output_dir(args, loaded)
    path = write_atomic(out / "calibration.json", json.dumps(report, indent=2, default=str))
    if not args.quiet:
        split = report["split"]
        print(f"train {split['train'][0]} .. {split['train'][1]} ({split['train_bars']} bars), "
              f"test .. {split['test'][1]} ({split['test_bars']} bars); {report['candidates']} candidates")
        print(format_scores(report))
        print("Spearman by month (long / short):")
        print(format_by_month(report))
        print(f"wrote {path}")
    return 0
