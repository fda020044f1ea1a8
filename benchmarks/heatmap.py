"""Benchmark of the heatmap engine (prints; never a timed test).

One year of 1-minute bars (525,600), 1,000 price bins (``--lattice``: the default edgeless lattice of
10 bps bins, about 1,180 of them over the year), 5 leverage tiers,
per-bar features plus hourly snapshots, on a synthetic random walk whose open
interest changes every ``--oi-every`` bars (60 = hourly, the vendor data's
cadence; 5 = Binance's 5-minute metrics; 1 = every bar, a stress case).
Prints the engine's time on one thread, the reference implementation's time on
a slice scaled to the full year, their ratio, and a parameter sweep of
``--sets`` model variants (numba prange across sets).

    python benchmarks/heatmap.py [--oi-every 60] [--lattice] [--bars 525600] [--ref-bars 3000] [--sets 100]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def synthetic_market(n_bars: int, oi_every: int, seed: int = 7, *, drift: float = 0.0, start_price: float = 60_000.0,
                     start: str = "2024-01-01"):
    """1-minute random-walk bars (``drift`` log-return per bar) with open interest changing every ``oi_every`` bars."""
    from liqbt.data import Market

    rng = np.random.default_rng(seed)
    index = pd.date_range(start, periods=n_bars, freq="1min", tz="UTC", name="time")
    close = start_price * np.exp(np.cumsum(rng.normal(drift, 0.0007, n_bars)))
    open_ = np.concatenate(([start_price], close[:-1]))
    high = np.maximum(open_, close) * (1 + np.abs(rng.normal(0, 0.0004, n_bars)))
    low = np.minimum(open_, close) * (1 - np.abs(rng.normal(0, 0.0004, n_bars)))
    vol = rng.uniform(10, 200, n_bars)
    candles = pd.DataFrame({"open": open_, "high": high, "low": low, "close": close, "volume": vol,
                            "taker_buy_volume": vol * rng.uniform(0.3, 0.7, n_bars)}, index=index)
    k = np.arange(1, n_bars, oi_every)
    oi = pd.Series(8e9 * np.exp(np.cumsum(rng.normal(0, 0.0015 * np.sqrt(oi_every), len(k)))), index=index[k])
    return Market.from_parts(candles, bar_size="1min", symbol="BTCUSDT", venue="binance", source="synthetic",
                             open_interest=oi)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=525_600)
    parser.add_argument("--ref-bars", type=int, default=3_000)
    parser.add_argument("--oi-every", type=int, default=60, help="bars between OI changes (default hourly)")
    parser.add_argument("--sets", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lattice", action="store_true", help="the edgeless lattice (n_bins unset) instead of 1,000 bins")
    args = parser.parse_args(argv)

    import numba

    from liqbt.heatmap import HeatmapModel, reconstruct
    from liqbt.heatmap.single import run_arrays
    from liqbt.heatmap.grid import bar_range, fit_lattice, make_grid, with_grid
    from liqbt.heatmap.inputs import bar_arrays, model_arrays
    from liqbt.heatmap.batch import reconstruct_many
    from heatmap_reference import reference

    market = synthetic_market(args.bars, args.oi_every)
    # the pre-calibration model (5 tiers, typical entry, amount closes): the workload the figures in
    # docs/benchmarks.md were measured on; the calibrated default has 16 tiers and 5 entry points
    model = HeatmapModel(n_bins=None if args.lattice else 1000, bin_size_bps=10, window="30d", entry_price="typical",
                         close_mode="amount", leverage_distribution=None)
    bins = "lattice of 10 bps bins" if args.lattice else f"{model.n_bins} bins"
    print(f"{len(market):,} x 1m bars, OI every {args.oi_every} bar(s), {bins}, "
          f"{len(model.tier_arrays()[0])} tiers, window {model.window}, hourly snapshots")

    bars = bar_arrays(market, model, "1h")
    grid = make_grid(model, float(bars.open[0]))
    arrays = model_arrays(model, grid, market.bar_size, at=market.index[0])
    if args.lattice:  # the engine's window of the lattice: the bins the year can reach (as run_kernel fits it)
        grid = fit_lattice(model, float(bars.open[0]), *bar_range(bars), [arrays])
        arrays = with_grid(arrays, grid)
        print(f"lattice window: {len(grid.edges) - 1:,} bins")
    numba.set_num_threads(1)
    run_arrays(bars, grid, arrays, totals=False)  # compile / load cache
    for totals in (False, True):
        wall, cpu = [], []
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            out = run_arrays(bars, grid, arrays, totals=totals)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        engine = min(wall)
        print(f"engine (kernel + output allocation), 1 thread, per-bar totals {'on' if totals else 'off'}: "
              f"wall {engine:.3f} s (best of {args.repeat}, median {np.median(wall):.3f}), "
              f"cpu {min(cpu):.3f} s; {engine / len(market) * 1e9:.0f} ns/bar; {len(out.snap_rows)} snapshots")
        if not totals:
            engine_no_totals, cpu_no_totals = engine, min(cpu)
    engine = engine_no_totals
    # #14 item 5: the standard workload's kernel <= 50 ms on one thread; the per-bar-OI stress case <= 0.1 s
    target = 0.1 if args.oi_every == 1 else 0.05
    # on a shared machine the wall time waits for a core: the CPU time is the figure to compare there
    print(f"kernel, totals off: {engine:.3f} s against the target {target:.3f} s: ratio {engine / target:.2f} "
          f"(<= 1 meets it); CPU {cpu_no_totals:.3f} s: ratio {cpu_no_totals / target:.2f}")
    rec = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = reconstruct(market, model, snapshot_every="1h", totals=False)
        rec.append(time.perf_counter() - t0)
        del result
    print(f"reconstruct() incl. validation and pandas wrapping, totals off: {min(rec):.3f} s "
          f"(best of {args.repeat}, median {np.median(rec):.3f})")
    result = reconstruct(market, model, snapshot_every="1h")
    err = result.conservation_error().abs().max().max() / result.totals.abs().max().max()
    print(f"conservation error / opened: {err:.2e}")

    # reference on a slice, scaled
    sl = market.head(args.ref_bars)
    rbars = bar_arrays(sl, model, "1h")
    t0 = time.perf_counter()
    reference(rbars, grid, arrays)
    ref_slice = time.perf_counter() - t0
    ref_full = ref_slice * len(market) / len(sl)
    k0 = time.perf_counter()
    run_arrays(rbars, grid, arrays, totals=True)
    eng_slice = time.perf_counter() - k0
    print(f"reference on {len(sl):,} bars: {ref_slice:.2f} s -> scaled to the year {ref_full:.0f} s; "
          f"engine / reference = 1 / {ref_full / engine:,.0f} (same slice: 1 / {ref_slice / eng_slice:,.0f})")

    # parameter sweep across sets
    threads = min(2, os.cpu_count() or 1)
    numba.set_num_threads(threads)
    variants = []
    for i in range(args.sets):
        variants.append(HeatmapModel(**{**model.model_dump(),
            "window": ("7d", "30d", "90d", "all")[i % 4],
            "entry_price": ("typical", "close", "range")[i % 3],
            "cluster_min_share": 0.01 + 0.001 * (i % 10),
            "bin_size_bps": 10.0 + (i % 5),  # the year stays on every grid
        }))
    reconstruct_many(market.head(2000), variants[:threads])  # compile
    t0 = time.perf_counter()
    sweep = reconstruct_many(market, variants)
    dt = time.perf_counter() - t0
    print(f"sweep: {len(variants)} variants x {len(market):,} bars on {threads} threads: {dt:.2f} s "
          f"({dt / len(variants) * threads:.3f} s per variant-thread), output {sweep.values.shape} float32")


if __name__ == "__main__":
    main()
