"""Benchmark: a 30-day "context" and a 24-hour "execution" heatmap, together vs separately.

One year of 1-minute synthetic bars (``liqbt.data.generate_market(525_600, "1m", seed=1)``),
hourly snapshots, totals off. "Separately" is two ``reconstruct`` calls; "together" is one
``reconstruct_named`` call (shared bar arrays, grid and snapshot times; the two models run
in one kernel call, in parallel when given 2 threads), timed on 1 thread and on
``--threads``. Prints the best wall time of ``--repeat`` runs of each and checks that the
results are identical. On a machine whose other cores are busy, 1 thread can be the faster.

    /tmp/venv/bin/python benchmarks/heatmap_windows.py [--bars 525600] [--repeat 5] [--threads 2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=525_600)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    import numba

    from liqbt.data import generate_market
    from liqbt.heatmap import HeatmapModel, reconstruct, reconstruct_named

    market = generate_market(args.bars, "1m", seed=1)
    # the pre-calibration model (5 tiers, typical entry, amount closes) the README figure was measured on
    old = dict(entry_price="typical", close_mode="amount", leverage_distribution=None)
    models = {"context": HeatmapModel(window="30d", **old),
              "execution": HeatmapModel(window="24h", bin_size_bps=5, **old)}
    print(f"{len(market):,} x 1m synthetic bars; models: "
          + ", ".join(f"{k} (window {m.window}, {m.n_bins or 'lattice'} bins of {m.bin_size_bps} bps)" for k, m in models.items())
          + "; hourly snapshots, totals off")

    def separately():
        return {k: reconstruct(market, m, snapshot_every="1h", totals=False) for k, m in models.items()}

    def together_1():
        return reconstruct_named(market, models, snapshot_every="1h", totals=False, threads=1)

    def together():
        return reconstruct_named(market, models, snapshot_every="1h", totals=False, threads=args.threads)

    numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    reconstruct(market.head(2_000), snapshot_every="1h")                  # compile / load caches
    reconstruct_named(market.head(2_000), models, snapshot_every="1h")
    together_n = f"together, {args.threads} threads"
    times = {"separately": [], "together, 1 thread": [], together_n: []}
    for _ in range(args.repeat):
        for name, fn in (("separately", separately), ("together, 1 thread", together_1), (together_n, together)):
            t0 = time.perf_counter()
            out = fn()
            times[name].append(time.perf_counter() - t0)
            del out
    for name, ts in times.items():
        print(f"{name:22s}: best {min(ts):.3f} s, median {np.median(ts):.3f} s over {args.repeat} runs")
    for name in ("together, 1 thread", together_n):
        print(f"{name} / separately (1 thread each) = {min(times[name]) / min(times['separately']):.2f}")
    a, b = separately(), together()
    same = all(a[k].features.equals(b[k].features) and np.array_equal(a[k].snapshots.long, b[k].snapshots.long)
               for k in models)
    print(f"identical results: {same}")


if __name__ == "__main__":
    main()
