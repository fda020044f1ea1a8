"""A 1,000-set strategy sweep over 14 months of real BTCUSDT 5m bars with funding and fees.

Runs ``configs/sweep_magnet_zone_14m.yaml`` (MagnetZone, 5 x 5 x 5 x 4 x 2 grid, 4 rolling
walk-forward splits = 9 windows per set) into a fresh store and prints its wall time, its CPU
utilisation (user + system CPU of this process and its children / wall time / cores: 100 % is every
core busy the whole time) and the ratio to the raw simulation of the same columns: the backtest
kernels alone on the same 1,000 x 9 columns and windows, serial (one thread, ``simulate_nb``) and
parallel (the sweep's kernel, simulation and metrics). Then it re-runs the sweep to show that a
finished sweep is read back, not recomputed. A warm-up sweep on a small slice of the data compiles
the kernels first (or loads them from numba's cache), so the figures are the warm ones.

Run: python benchmarks/sweep.py   (NUMBA_NUM_THREADS=1 for the one-core figure)
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
import warnings
from pathlib import Path

import numba
import numpy as np

from liqbt.backtest.enums import RecordArrays, liquidation_dt, order_dt
from liqbt.backtest.nb import simulate_nb
from liqbt.backtest.prepare import market_arrays
from liqbt.backtest.run import column_slots, kernel_inputs
from liqbt.config import load_config
from liqbt.pipeline import load_market
from liqbt.research import sweep_loaded
from liqbt.research.contexts import grouped_contexts
from liqbt.research.metrics import periods_per_year
from liqbt.research.nb import simulate_metrics_nb
from liqbt.research.sweep import chunks, expand_params, windows

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "sweep_magnet_zone_14m.yaml"


def cpu_seconds() -> float:
    """User + system CPU of this process and its (waited-for) children, seconds."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def raw_simulation(loaded, market) -> tuple[float, float]:
    """Seconds of the kernels alone on the sweep's columns and windows: (serial simulate_nb, parallel
    simulate_metrics_nb), summed over its chunks; signals and inputs are built outside the timing."""
    config = loaded.config
    combos = expand_params(config.sweep)
    wins = windows(len(market), config.evaluation.walk_forward)
    _, _, ctx, backtest = next(grouped_contexts(config, market, {(): combos}, loaded.base_dir))
    cls = config.strategy.strategy_class(loaded.base_dir)
    serial = parallel = 0.0
    for chunk in chunks(combos, config.sweep.chunk_size):
        sig = cls.signals_for(ctx, [{**config.strategy.params, **c} for c in chunk]).to_arrays(market.index)
        for w in wins:
            end = market.index[w.end] if w.end < len(market) else None
            sub = market.slice(market.index[w.start], end)
            cut = sig.rows(w.start, w.end)
            inputs = kernel_inputs(sub, cut, backtest, market_arrays(sub, backtest))
            slots, n_orders, n_liqs = column_slots(cut)
            records = RecordArrays(np.zeros(n_orders, dtype=order_dt), np.zeros(n_liqs, dtype=liquidation_dt))
            before = numba.get_num_threads()
            numba.set_num_threads(1)
            try:
                start = time.perf_counter()
                simulate_nb(*inputs, records)
                serial += time.perf_counter() - start
            finally:
                numba.set_num_threads(before)
            start = time.perf_counter()
            simulate_metrics_nb(*inputs, records, slots, periods_per_year(sub.index))
            parallel += time.perf_counter() - start
    return serial, parallel


def main() -> None:
    warnings.simplefilter("ignore")
    loaded = load_config(CONFIG)
    market = load_market(loaded)
    cores, threads = os.cpu_count() or 1, numba.get_num_threads()
    with tempfile.TemporaryDirectory() as tmp:
        sweep_loaded(loaded, market.slice(market.end - (market.end - market.start) / 20), Path(tmp) / "warm",
                     progress=False)  # compiles (or loads) every kernel the sweep uses
        cpu0, start = cpu_seconds(), time.perf_counter()
        outcome = sweep_loaded(loaded, market, Path(tmp), progress=False)
        elapsed, cpu = time.perf_counter() - start, cpu_seconds() - cpu0
        n_sets = outcome.results[outcome.param_names].drop_duplicates().shape[0]
        n_windows = outcome.results["window"].nunique()
        start = time.perf_counter()
        again = sweep_loaded(loaded, market, Path(tmp), progress=False)
        reread = time.perf_counter() - start
    serial, parallel = raw_simulation(loaded, market)
    print(f"workload: {len(market):,} x 5m bars ({market.start:%Y-%m-%d} .. {market.end:%Y-%m-%d}), "
          f"{n_sets:,} parameter sets x {n_windows} windows, funding and fees on; {cores} cores, "
          f"{threads} numba threads")
    print(f"sweep      {elapsed:8.1f} s   {elapsed / n_sets * 1e3:8.1f} ms per parameter set "
          f"({elapsed / (n_sets * n_windows) * 1e3:.1f} ms per set and window)")
    print(f"CPU        {cpu:8.1f} s   utilisation {cpu / elapsed / cores:6.0%} of {cores} cores")
    print(f"raw simulation of the same columns: serial kernel {serial:6.1f} s (sweep / it = {elapsed / serial:.2f}), "
          f"parallel kernel with metrics {parallel:6.1f} s (sweep / it = {elapsed / parallel:.2f})")
    print(f"re-run     {reread:8.1f} s   ({again.evaluated} sets recomputed: the store had them all)")


if __name__ == "__main__":
    main()
