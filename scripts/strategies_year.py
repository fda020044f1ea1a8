"""Every shipped strategy judged over a year of real BTCUSDT 5m: the tables of docs/strategies.md "A year".

Usage (from the project folder; about five minutes)::

    python scripts/strategies_year.py

Runs ``configs/year/strategy_*.yaml`` (the same runs as ``liqbt run`` on each: 20 placebo seeds, the
plain-S/R twin, buy-and-hold, costs and funding on, default parameters, nothing tuned) and prints
markdown: one row per strategy with the placebo test, then the compounded return per daily regime
(heatmap against the placebo median), per quarter, and the deflated Sharpe ratio of the best of the
strategies given how many were tried (Bailey & Lopez de Prado).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _pct(x: float) -> str:
    return "-" if not np.isfinite(x) else f"{x:+.1%}"


def main() -> int:
    import liqbt
    from liqbt.research.walkforward import deflated_sharpe_ratio

    configs = sorted((ROOT / "configs" / "year").glob("strategy_*.yaml"))
    runs = {}
    for path in configs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run = liqbt.run_experiment(path)
        runs[run.config.strategy.name] = run
        print(f"ran {path.relative_to(ROOT)}", file=sys.stderr)

    market = next(iter(runs.values())).market
    print(f"Binance BTCUSDT 5m, {market.start:%Y-%m-%d} .. {market.end:%Y-%m-%d} ({len(market):,} bars)\n")
    print("| strategy | total return | Sharpe | trades | placebo median (5-95 %) | p (return) | p (Sharpe) "
          "| plain S/R | buy-and-hold |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, run in runs.items():
        table, test = run.baselines, run.judgement.placebo
        ret, sharpe = test["total_return"], test["sharpe_ratio"]
        print(f"| {name} | {_pct(table.loc['heatmap', 'total_return'])} | {table.loc['heatmap', 'sharpe_ratio']:.2f} "
              f"| {int(table.loc['heatmap', 'trades']):,} | {_pct(ret['median'])} ({_pct(ret['q05'])} .. "
              f"{_pct(ret['q95'])}) | {ret['p_value']:.2f} | {sharpe['p_value']:.2f} "
              f"| {_pct(table.loc['sr', 'total_return'])} | {_pct(table.loc['buy_and_hold', 'total_return'])} |")

    regimes = ["trend_up", "trend_down", "range", "cascade"]
    bars = next(iter(runs.values())).judgement.by_label["bars"]
    print("\nCompounded return per daily regime, heatmap / placebo median (days: "
          + ", ".join(f"{r} {int(bars.get(r, 0)) // 288}" for r in regimes) + ")\n")
    print("| strategy | " + " | ".join(regimes) + " |")
    print("|---|" + "---|" * len(regimes))
    for name, run in runs.items():
        by = run.judgement.by_label
        placebo = by[[c for c in by if c.startswith("placebo_")]].median(axis=1)
        cells = [f"{_pct(by.loc[r, 'heatmap'])} / {_pct(placebo.get(r, np.nan))}" if r in by.index else "-"
                 for r in regimes]
        print(f"| {name} | " + " | ".join(cells) + " |")

    print("\nCompounded return per quarter, heatmap / placebo median\n")
    quarters = list(next(iter(runs.values())).judgement.by_period.index)
    print("| strategy | " + " | ".join(quarters) + " |")
    print("|---|" + "---|" * len(quarters))
    for name, run in runs.items():
        by = run.judgement.by_period
        placebo = by[[c for c in by if c.startswith("placebo_")]].median(axis=1)
        print(f"| {name} | " + " | ".join(f"{_pct(by.loc[q, 'heatmap'])} / {_pct(placebo[q])}" for q in quarters)
              + " |")

    returns = {name: run.judgement.returns["heatmap"].to_numpy() for name, run in runs.items()}
    per_bar = {name: r.mean() / r.std(ddof=1) if r.std(ddof=1) > 0 else np.nan for name, r in returns.items()}
    best = max(per_bar, key=lambda n: -np.inf if not np.isfinite(per_bar[n]) else per_bar[n])
    dsr = deflated_sharpe_ratio(returns[best], np.array(list(per_bar.values())))
    print(f"\nBest of the {len(runs)} by Sharpe: {best}; deflated Sharpe ratio {dsr['dsr']:.3f} (probability "
          f"that its true Sharpe exceeds the best of {dsr['n_trials']} skill-less trials; per-bar Sharpe "
          f"{dsr['sharpe']:.4f} against the benchmark {dsr['benchmark_sharpe']:.4f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
