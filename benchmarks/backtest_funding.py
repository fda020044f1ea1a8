"""Funding overhead of the liqbt engine, measured fairly: funding off / on / 10x alternated, best of 3.

Single runs of ``benchmarks/backtest.py`` vary by 2x on a busy or memory-bound machine; this one
keeps the three simulations in one process, alternates them, and prints the ratio of the bests.
Run: ``python benchmarks/backtest_funding.py`` (real BTC 5m data from ../shared/data).
"""
import sys, time, gc, warnings
sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
warnings.simplefilter("ignore")
from backtest import make_signals, DATA, N_BARS, N_COLS
from liqbt.backtest import BacktestConfig, run_backtest
from liqbt.data import load_freqtrade
market = load_freqtrade(DATA, "BTC/USDT:USDT", "5m").head(N_BARS)
base = BacktestConfig(size_type="notional_usd", size=5_000.0)
run_backtest(market.head(2000), make_signals(market.head(2000).index, 4), base.model_copy(update={"leverage": 10.0}))
sig = make_signals(market.index, N_COLS)
cfgs = {"off": base.model_copy(update={"funding": False}), "on": base, "10x": base.model_copy(update={"leverage": 10.0})}
best = {k: [] for k in cfgs}
for rep in range(3):
    for k, cfg in cfgs.items():
        gc.collect(); t = time.perf_counter(); r = run_backtest(market, sig, cfg); best[k].append(time.perf_counter() - t); del r
for k, v in best.items(): print(k, " ".join(f"{x:.2f}" for x in v), "best", f"{min(v):.2f}")
print("funding overhead (best)", f"{min(best['on'])/min(best['off'])-1:+.1%}")
