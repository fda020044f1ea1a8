"""Benchmark of the edgeless lattice: years of 1-minute bars through a 20x trend (prints; never a timed test).

Synthetic 1-minute bars (525,600 a year) whose price rises 20x over the whole
span (a random walk with drift), hourly open interest, the default model (10 bps
bins, no ``n_bins``: the lattice), per-bar features plus hourly snapshots. Each
span runs in a fresh process (so its peak memory is its own, from
``resource.getrusage`` maxrss) and must raise no GridWarning. Prints the time
of :func:`liqbt.reconstruct` per span, the time per year (linear in bars: the
ratios to the 1-year figure), the sparse snapshot store against what dense
snapshots of the lattice window would take, and peak memory against the 2 GB
target.

    python benchmarks/lattice.py [--years 1 2 5] [--trend 20] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BARS_PER_YEAR = 525_600
MEMORY_TARGET_GB = 2.0


def trend_market(n_bars: int, total_trend: float, seed: int = 7):
    """1-minute bars rising ``total_trend`` times over 5 years (the same drift per bar, so spans nest), hourly OI."""
    from heatmap import synthetic_market    # benchmarks/heatmap.py, next to this file

    return synthetic_market(n_bars, 60, seed, drift=np.log(total_trend) / (5 * BARS_PER_YEAR), start_price=10_000.0,
                            start="2020-01-01")


def child(years: float, trend: float, repeat: int) -> dict:
    """One span in this process: time, grid and snapshot sizes, peak memory."""
    from liqbt.errors import GridWarning
    from liqbt.heatmap import HeatmapModel, reconstruct

    market = trend_market(int(round(years * BARS_PER_YEAR)), trend)
    model = HeatmapModel()
    reconstruct(market.head(5_000), model, snapshot_every="1h")    # compile / load the numba cache
    best = float("inf")
    with warnings.catch_warnings():
        warnings.simplefilter("error", GridWarning)
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = reconstruct(market, model, snapshot_every="1h")
            best = min(best, time.perf_counter() - t0)
    snaps = result.snapshots
    overflow = float(result.features[["overflow_long_usd", "overflow_short_usd"]].abs().to_numpy().max())
    return {"years": years, "bars": len(market), "seconds": best, "snapshots": len(snaps),
            "grid_bins": len(snaps.grid_centres), "sparse_bytes": int(snaps.values.nbytes),
            "dense_bytes": 2 * 4 * len(snaps) * len(snaps.grid_centres), "overflow_usd": overflow,
            "price_ratio": float(market.bars["close"].iloc[-1] / market.bars["open"].iloc[0]),
            "maxrss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, nargs="+", default=[1, 2, 5])
    parser.add_argument("--trend", type=float, default=20.0, help="price ratio over 5 years")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.child, args.trend, args.repeat)))
        return
    print(f"1-minute bars, {args.trend:g}x over 5 years, hourly OI, default model (10 bps lattice), "
          f"features + hourly snapshots; each span in a fresh process")
    rows = []
    for years in args.years:
        proc = subprocess.run([sys.executable, __file__, "--child", str(years), "--trend", str(args.trend),
                               "--repeat", str(args.repeat)], capture_output=True, text=True, cwd=ROOT)
        if proc.returncode:
            print(proc.stderr[-3000:])
            raise SystemExit(f"span of {years} years failed (a GridWarning is an error here)")
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(r)
        print(f"{years:g} y: {r['bars']:,} bars (price x{r['price_ratio']:.1f}): reconstruct {r['seconds']:.2f} s "
              f"({r['seconds'] / years:.2f} s/year); lattice window {r['grid_bins']:,} bins, {r['snapshots']:,} "
              f"snapshots stored in {r['sparse_bytes'] / 1e6:,.0f} MB (dense: {r['dense_bytes'] / 1e6:,.0f} MB); "
              f"overflow {r['overflow_usd']:g} USD; peak memory {r['maxrss_gb']:.2f} GB "
              f"(target <= {MEMORY_TARGET_GB:g} GB: ratio {r['maxrss_gb'] / MEMORY_TARGET_GB:.2f})")
    base = rows[0]["seconds"] / rows[0]["years"]
    print("time per year relative to the first span (1.00 = linear in bars): "
          + ", ".join(f"{r['years']:g} y {r['seconds'] / r['years'] / base:.2f}" for r in rows))


if __name__ == "__main__":
    main()
