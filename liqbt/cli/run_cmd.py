"""``liqbt run CONFIG``: run the experiment a config describes."""

from __future__ import annotations

import json


def register(sub) -> None:
    from .common import add_config_args

    parser = sub.add_parser("run", help="run the experiment a config describes (backtest, or data summary)")
    add_config_args(parser)
    parser.set_defaults(handler=run, stages=True)


SUMMARY_ROWS = (
    ("total return", "total_return", "{:+.2%}"), ("Sharpe", "sharpe_ratio", "{:.2f}"),
    ("max drawdown", "max_drawdown", "{:.2%}"), ("trades", "trades", "{:,.0f}"), ("win rate", "win_rate", "{:.1%}"),
    ("exposure", "exposure", "{:.1%}"), ("PnL price", "pnl_price_usd", "{:+,.2f} USD"),
    ("PnL funding", "pnl_funding_usd", "{:+,.2f} USD"), ("PnL fees", "pnl_fees_usd", "{:+,.2f} USD"),
    ("liquidations", "liquidations", "{:,.0f}"),
)


def format_summary(stats) -> str:
    lines = []
    for label, key, pattern in SUMMARY_ROWS:
        value = stats[key]
        text = "-" if value != value else pattern.format(value)
        lines.append(f"  {label:<14} {text:>18}")
    return "\n".join(lines)


def format_baselines(baselines) -> str:
    """The baselines table as ``liqbt run`` prints it: ratios with 3 decimals, trades as integers, ``-`` where
    a variant was not run, then each distinct note once."""
    from ..backtest.stats import count_values  # here: the CLI starts without pandas

    table = baselines[["total_return", "sharpe_ratio", "max_drawdown", "trades"]].copy()
    table["trades"] = count_values(table["trades"]).map(lambda v: "-" if v is None else f"{v:,}" if isinstance(
        v, int) else v)
    lines = [table.to_string(float_format=lambda x: f"{x:.3f}", na_rep="-")]
    notes = baselines.get("note")
    for note in ([] if notes is None else dict.fromkeys(n for n in notes if isinstance(n, str) and n)):
        lines.append(f"  {', '.join(notes.index[notes == note])}: {note}")
    return "\n".join(lines)


def format_judgement(judgement) -> str:
    """The placebo test and the per-regime returns, as ``liqbt run`` prints them."""
    lines = []
    for metric, label in (("total_return", "total return"), ("sharpe_ratio", "Sharpe ratio")):
        test = judgement.placebo[metric]
        if test["n"]:
            lines.append(f"placebo test, {label}: {test['value']:.3f} against {test['n']} placebos (median "
                         f"{test['median']:.3f}, 5-95 % {test['q05']:.3f} .. {test['q95']:.3f}): above "
                         f"{test['rank_pct']:.0%} of them, p = {test['p_value']:.2f}")
    if not judgement.by_label.empty:
        by = judgement.by_label
        table = by[[c for c in ("bars", "heatmap", "sr", "buy_and_hold") if c in by]].copy()
        placebo = [c for c in by if c.startswith("placebo_")]
        if placebo:
            table.insert(2, "placebo_median", by[placebo].median(axis=1))
        lines.append("compounded return per daily regime (a day's label uses its own range: for reading "
                     "results, never for trading):")
        lines.append(table.to_string(float_format=lambda x: f"{x:+.2%}"))
    return "\n".join(lines)


def run(args) -> int:
    from ..config.files import check_store_path, write_atomic
    from ..data.market import MultiVenueMarket
    from .. import precompile
    from ..pipeline import record_run, run_experiment, write_run
    from ..progress import stage
    from .common import kernels_stage, load, load_market_staged, output_dir, writing

    loaded = load(args, "run")
    if loaded.config.symbols is not None:  # several symbols as one job, a folder each (liqbt.jobs)
        from ..jobs import format_symbols, run_symbols

        outcome = run_symbols(loaded, "run", output_dir(args, loaded))
        if not args.quiet:
            print(format_symbols(outcome))
        return 0
    out = output_dir(args, loaded, create=False)  # checked before the slow part, created after it
    # a cold numba cache: the kernels of the later stages compile on the second core meanwhile
    helper = precompile.start(loaded, getattr(args, "allow_path", ()) or ())
    market = load_market_staged(loaded)
    out = output_dir(args, loaded)
    if loaded.config.strategy is None:
        from ..data.inspect import describe, format_description  # the data summary only: 0.7 s of imports

        markets = list(market.markets.values()) if isinstance(market, MultiVenueMarket) else [market]
        infos = [describe(m) for m in markets]
        write_atomic(out / "data_summary.json", json.dumps(infos, indent=2))
        if not args.quiet:
            print("\n\n".join(format_description(i) for i in infos))
            print(f"\n(no strategy in the config: data summary only)\nwrote {out / 'data_summary.json'}")
        return 0
    kernels_stage()
    result = run_experiment(loaded, market=market)
    stage(f"writing the report ({out})")
    with writing(out):
        paths = write_run(result, out)
        # every run goes into the results store with its resolved config, data fingerprint and code version
        record_run(result, check_store_path(loaded.config.output.store, out, f"{loaded.path}: output.store"))
    precompile.stop(helper)
    if not args.quiet:
        print(f"{loaded.config.strategy.name} on {market.symbol} ({market.venue}), {len(market):,} bars "
              f"{market.start:%Y-%m-%d} .. {market.end:%Y-%m-%d}; costs and funding "
              f"{'on' if loaded.config.backtest.funding else 'FUNDING OFF'}")
        for name, hm in result.heatmaps.items():  # the maintenance table each heatmap used (issue #11)
            print(f"heatmap {name}: brackets {', '.join(sorted(set(hm.bracket_versions.values())))}")
        print(format_summary(result.stats.iloc[0]))
        if result.baselines is not None:
            print("against the baselines (same costs):")
            print(format_baselines(result.baselines))
        if result.judgement is not None:
            print(format_judgement(result.judgement))
        print(f"wrote {paths['report']}")
    return 0
