"""Backtest speed: one year of 5-minute bars x 1,000 parameter columns, with funding and fees.

Real BTCUSDT bars and funding (../shared/data/binance-um), the first 105,120
bars (365 days). Random long/short entries and exits (about one entry per
column and day per side) stand in for a parameter grid. Prints:

* plain ``vectorbt.Portfolio.from_signals`` (fees, slippage, next-open fills), no funding;
* liqbt ``engine="vectorbt"`` without and with funding (funding as a cash-flow
  matrix added after vectorbt's simulation) and the overhead of funding;
* liqbt ``engine="liqbt"`` (funding inside the simulation, 10x leverage,
  liquidation with maintenance brackets);
* statistics time (``BacktestResult.stats()``) of each.

Run: python benchmarks/backtest.py [n_columns]
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import vectorbt as vbt

from liqbt.backtest import BacktestConfig, Signals, run_backtest
from liqbt.data import load_freqtrade

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "binance-um" / "futures"
N_BARS = 105_120
N_COLS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000


def make_signals(index, m: int, seed: int = 0) -> Signals:
    rng = np.random.default_rng(seed)
    n = len(index)
    cols = pd.RangeIndex(m, name="param")

    def frame(p):
        return pd.DataFrame(rng.random((n, m), dtype=np.float32) < p, index=index, columns=cols)

    p = 1 / 288  # one per day and column
    return Signals(frame(p), frame(p), frame(p), frame(p))


def timed(label, fn):
    start = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - start
    print(f"  {label:<58s} {elapsed:8.2f} s")
    return out, elapsed


def plain_from_signals(market, sig: Signals, cfg: BacktestConfig):
    """vectorbt's own from_signals on the same (shifted) signals: the baseline."""
    def shift(frame):
        arr = frame.to_numpy()
        out = np.zeros_like(arr)
        out[1:] = arr[:-1]
        return out

    close = market.bars["close"].reset_index(drop=True)
    return vbt.Portfolio.from_signals(
        close, entries=shift(sig.long_entries), exits=shift(sig.long_exits),
        short_entries=shift(sig.short_entries), short_exits=shift(sig.short_exits),
        price=market.bars["open"].to_numpy()[:, None], size=cfg.size, size_type="value",
        fees=cfg.taker_fee, slippage=cfg.slippage, init_cash=cfg.init_cash_usd,
        upon_opposite_entry="reverse", freq="5min",
    )


def main() -> None:
    market = load_freqtrade(DATA, "BTC/USDT:USDT", "5m").head(N_BARS)
    base = BacktestConfig(size_type="notional_usd", size=5_000.0)
    print(f"{len(market):,} bars x {N_COLS:,} columns, {market.start} -> {market.end}, "
          f"{int(market.bars['funding_rate'].notna().sum())} funding events")
    # compile everything on a small slice first
    small = market.head(2_000)
    small_sig = make_signals(small.index, 4)
    for cfg in (base.model_copy(update={"engine": "vectorbt"}), base.model_copy(update={"leverage": 10.0})):
        run_backtest(small, small_sig, cfg).stats()
    plain_from_signals(small, small_sig, base).stats(silence_warnings=True)

    sig = make_signals(market.index, N_COLS)
    results = {}

    print("simulation")
    pf, t_plain = timed("vectorbt from_signals (plain, no funding)", lambda: plain_from_signals(market, sig, base))
    _, t_plain_stats = timed("  vectorbt pf.sharpe_ratio() + total_return() + max_drawdown()",
                             lambda p=pf: (p.sharpe_ratio(), p.total_return(), p.max_drawdown()))
    del pf
    gc.collect()
    runs = [
        ("engine=vectorbt, funding off", base.model_copy(update={"engine": "vectorbt", "funding": False})),
        ("engine=vectorbt, funding on", base.model_copy(update={"engine": "vectorbt"})),
        ("engine=liqbt, funding off, 1x", base.model_copy(update={"funding": False})),
        ("engine=liqbt, funding on, 1x", base),
        ("engine=liqbt, funding on, 10x + liquidation", base.model_copy(update={"leverage": 10.0})),
    ]
    for label, cfg in runs:
        result, t_sim = timed(label, lambda: run_backtest(market, sig, cfg))
        _, t_stats = timed("  stats()", result.stats)
        results[label] = (t_sim, t_stats, float(result.funding.to_numpy().sum()), len(result.liquidations))
        del result
        gc.collect()

    print("funding overhead (same run with funding against without)")
    for engine in ("vectorbt", "liqbt"):
        off = results[[k for k in results if k.startswith(f"engine={engine}, funding off")][0]]
        on = results[[k for k in results if k.startswith(f"engine={engine}, funding on")][0]]
        print(f"  engine={engine:<8s} simulation {100 * (on[0] / off[0] - 1):+6.1f} %   "
              f"simulation + stats {100 * ((on[0] + on[1]) / (off[0] + off[1]) - 1):+6.1f} %")
    on = results["engine=vectorbt, funding on"]
    print(f"  engine=vectorbt with funding against plain from_signals: simulation "
          f"{100 * (on[0] / t_plain - 1):+6.1f} %")
    total = results["engine=liqbt, funding on, 1x"][2]
    liqs = results["engine=liqbt, funding on, 10x + liquidation"][3]
    print(f"net funding over all columns (1x): {total:,.2f} USD; liquidations at 10x: {liqs}")


if __name__ == "__main__":
    main()
