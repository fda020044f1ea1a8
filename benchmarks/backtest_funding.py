"""Funding overhead of the liqbt engine, measured fairly: funding off / on / 10x alternated, best of 3.

Single runs of ``benchmarks/backtest.py`` vary by 2x on a busy or memory-bound machine; this one
keeps the three simulations in one process, alternates them, and prints the ratio of the bests.
Run: ``python benchmarks/backtest_funding.py`` (real BTC 5m data from ../shared/data).
"""

from __future__ import annotations

import gc
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from backtest import DATA, N_BARS, N_COLS, make_signals  # noqa: E402

from liqbt.backtest import BacktestConfig, run_backtest  # noqa: E402
from liqbt.data import load_freqtrade  # noqa: E402


def main() -> None:
    warnings.simplefilter("ignore")  # the hourly mark's trigger warning, once per run
    market = load_freqtrade(DATA, "BTC/USDT:USDT", "5m").head(N_BARS)
    base = BacktestConfig(size_type="notional_usd", size=5_000.0)
    configs = {"funding off": base.model_copy(update={"funding": False}), "funding on": base,
               "10x + liquidation": base.model_copy(update={"leverage": 10.0})}
    small = market.head(2_000)
    for cfg in configs.values():  # compile
        run_backtest(small, make_signals(small.index, 4), cfg)
    sig = make_signals(market.index, N_COLS)
    times: dict[str, list[float]] = {k: [] for k in configs}
    for _ in range(3):
        for label, cfg in configs.items():
            gc.collect()
            start = time.perf_counter()
            result = run_backtest(market, sig, cfg)
            times[label].append(time.perf_counter() - start)
            del result
    print(f"{len(market):,} bars x {N_COLS:,} columns, engine=liqbt, simulation only (s)")
    for label, runs in times.items():
        print(f"  {label:<18} {' '.join(f'{t:.2f}' for t in runs)}   best {min(runs):.2f}")
    print(f"funding overhead (best on / best off): {min(times['funding on']) / min(times['funding off']) - 1:+.1%}")


if __name__ == "__main__":
    main()
