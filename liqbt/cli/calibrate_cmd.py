"""``liqbt calibrate CONFIG --out DIR``: fit predicted to realised liquidations, report out of sample."""

from __future__ import annotations

import json


def register(sub) -> None:
    from .common import add_config_args

    parser = sub.add_parser("calibrate", help="fit the heatmap to realised liquidations; score it out of sample")
    add_config_args(parser, config_help="YAML config whose data has realised liquidations")
    parser.set_defaults(handler=run)


def format_scores(report: dict) -> str:
    """One line per period and predictor; the dominant side's tie counts (predicted / realised) at the end."""
    lines = [f"{'period':<6} {'predictor':<18} {'spearman L':>10} {'spearman S':>10} {'log-pearson L':>13} "
             f"{'log-pearson S':>13} {'dominant side':>13} {'ties pred/real':>14}"]
    for period in ("train", "test"):
        for name, s in report["scores"][period].items():
            ties = s.get("dominant_side", {})
            tie_text = f"{ties.get('predicted_ties', '-')}/{ties.get('realised_ties', '-')}"
            lines.append(f"{period:<6} {name:<18} {s['long']['spearman']:>10.3f} {s['short']['spearman']:>10.3f} "
                         f"{s['long']['pearson_log1p']:>13.3f} {s['short']['pearson_log1p']:>13.3f} "
                         f"{s['dominant_side_match']:>13.3f} {tie_text:>14}")
    return "\n".join(lines)


def format_coverage(report: dict) -> str:
    """Realised bars scored, and those dropped by cause."""
    coverage = report["data"].get("coverage")
    if not coverage:
        return ""
    dropped = coverage["dropped"]
    causes = ", ".join(f"{n} {cause.replace('_', ' ')}" for cause, n in dropped.items() if n)
    return (f"realised bars scored: {coverage['scored_bars']}; dropped: {sum(dropped.values())}"
            + (f" ({causes})" if causes else ""))


def format_by_month(report: dict, names=("shipped_v2", "shipped_default", "baseline", "fitted_v2")) -> str:
    """Spearman long / short per calendar month and period (train / test) of the predictors ``names``."""
    months = report.get("by_month", {})
    names = [n for n in names if any(n in row for row in months.values())]
    lines = [f"{'month':<13} {'bars':>5} " + " ".join(f"{n + ' L/S':>20}" for n in names)]
    for month, row in months.items():
        bars = max(row[n]["bars"] for n in names) if names else 0
        cells = [f"{row[n]['long']['spearman']:>9.3f} /{row[n]['short']['spearman']:>6.3f}" for n in names]
        lines.append(f"{month:<13} {bars:>5} " + " ".join(f"{c:>20}" for c in cells))
    return "\n".join(lines)


def run(args) -> int:
    from ..calibration import calibrate
    from ..config.files import write_atomic
    from ..pipeline import load_market
    from .common import load, output_dir

    loaded = load(args, "calibrate")
    output_dir(args, loaded, create=False)
    market = load_market(loaded)
    report = calibrate(market, loaded.config.calibration)
    out = output_dir(args, loaded)
    path = write_atomic(out / "calibration.json", json.dumps(report, indent=2, default=str))
    if not args.quiet:
        split = report["split"]
        data = report["data"]
        if hasattr(market, "markets"):
            print(f"predictors on the venues {', '.join(data['venues'])} (of {', '.join(market.venues)}); realised "
                  f"liquidations of the venue {data['realised_venue']}")
        print(f"train {split['train'][0]} .. {split['train'][1]} ({split['train_bars']} bars), "
              f"test .. {split['test'][1]} ({split['test_bars']} bars); {report['candidates']} candidates")
        coverage = format_coverage(report)
        if coverage:
            print(coverage)
        print(format_scores(report))
        print("shipped predictors: shipped_v2 = v2 (learned, liqbt.calibration.learned), the default; "
              "shipped_default = v1 (engine + background); fitted_v2 = v2 refitted on the training bars")
        print("dominant side: long / short / tie (equal predicted or realised USD) are three classes; "
              "a tie matches only a tie")
        print("Spearman by month and period (long / short; the month holding the split has a train and a test row):")
        print(format_by_month(report))
        print(f"wrote {path}")
    return 0
