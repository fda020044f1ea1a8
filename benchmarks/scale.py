"""Several symbols as one job: a sweep on 1, 2 and 4 synthetic symbols, wall time and ratio to one.

Each symbol is a seeded synthetic market (60 days of 5m bars by default) swept over 8 MagnetZone
parameter sets with 2 walk-forward splits by ``liqbt sweep`` in a fresh process (as a user runs it),
which runs the symbols in parallel (``liqbt.jobs``), one process each, at most as many at once as
the machine has cores. A perfect scaling on 2 cores:
2 symbols take as long as 1 (ratio 1.0), 4 take twice as long (2.0). An untimed 1-symbol job first
fills numba's on-disk cache, so every process loads compiled kernels instead of compiling. One
symbol runs in the command's own process; each of several symbols pays a worker's start (imports,
loading the kernels) once.

Run: python benchmarks/scale.py [--bars 17280] [--symbols 1 2 4]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

SHARED = """
heatmaps:
  main: {window: 3d}
strategy:
  name: magnet_zone
backtest:
  liquidation: {trigger: last}
sweep:
  method: grid
  params:
    min_dist_pct: [0.2, 0.5]
    max_dist_pct: [2.0, 4.0]
    stop_ratio: [1.0, 2.0]
evaluation:
  walk_forward: {kind: rolling, n_splits: 2, train_fraction: 0.7}
output:
  dir: out
  snapshot_every: 1h
"""


def config_text(n_symbols: int, bars: int) -> str:
    """A config naming ``n_symbols`` synthetic symbols (seeds 1, 2, ...) of ``bars`` 5m bars each."""
    blocks = "\n".join(f"  SYN{i}USDT: {{sources: [{{format: synthetic, bars: {bars}, bar_size: 5m, seed: {i}}}]}}"
                       for i in range(1, n_symbols + 1))
    return f"name: scale_{n_symbols}\nsymbols:\n{blocks}\n{SHARED}"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_job(folder: Path, n_symbols: int, bars: int) -> tuple[float, float]:
    """Wall time and CPU time (the command and its workers) of ``liqbt sweep`` on ``n_symbols`` symbols,
    in a fresh process as a user runs it (imports and loading numba's cache included)."""
    path = folder / f"scale_{n_symbols}.yaml"
    path.write_text(config_text(n_symbols, bars))
    cpu0 = children_cpu()
    start = time.perf_counter()
    command = ["-W", "ignore", "-m", "liqbt", "-q", "sweep", str(path), "--out", str(folder / f"out_{n_symbols}")]
    subprocess.run([sys.executable, *command], check=True, cwd=folder)
    return time.perf_counter() - start, children_cpu() - cpu0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=17280, help="5m bars per symbol (default 17280: 60 days)")
    parser.add_argument("--symbols", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "warm").mkdir()
        timed_job(Path(tmp) / "warm", 1, bars=2000)  # fills numba's cache: the timed workers load kernels
        print(f"workload per symbol: {args.bars:,} x 5m synthetic bars, 8 parameter sets x 5 windows "
              f"(all, 2 rolling train/test splits); {cores} cores, a process per symbol")
        one = None
        for n in sorted(set(args.symbols) | {1}):  # the ratios are to one symbol
            wall, cpu = timed_job(Path(tmp), n, args.bars)
            one = wall if n == 1 else one
            print(f"{n} symbol{'s' if n > 1 else ' '}  {wall:7.1f} s wall  ratio to 1 symbol {wall / one:5.2f}  "
                  f"(CPU {cpu:6.1f} s, {cpu / n:5.1f} s per symbol, {cpu / wall / cores:4.0%} of {cores} cores)")


if __name__ == "__main__":
    main()
