"""A 1,000-set strategy sweep over 14 months of real BTCUSDT 5m bars with funding and fees.

Runs ``configs/sweep_magnet_zone_14m.yaml`` (MagnetZone, 5 x 5 x 5 x 4 x 2 grid, 4 rolling
walk-forward splits = 9 windows per set) into a fresh store and prints the time per
parameter set, then re-runs it to show that a finished sweep is read back, not recomputed.

Run: python benchmarks/sweep.py
"""

from __future__ import annotations

import tempfile
import time
import warnings
from pathlib import Path

from liqbt.config import load_config
from liqbt.pipeline import load_market
from liqbt.research import sweep_loaded

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "sweep_magnet_zone_14m.yaml"


def main() -> None:
    warnings.simplefilter("ignore")
    loaded = load_config(CONFIG)
    market = load_market(loaded)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        outcome = sweep_loaded(loaded, market, Path(tmp), progress=False)
        elapsed = time.perf_counter() - start
        n_sets = outcome.results[outcome.param_names].drop_duplicates().shape[0]
        n_windows = outcome.results["window"].nunique()
        start = time.perf_counter()
        again = sweep_loaded(loaded, market, Path(tmp), progress=False)
        reread = time.perf_counter() - start
    print(f"workload: {len(market):,} x 5m bars ({market.start:%Y-%m-%d} .. {market.end:%Y-%m-%d}), "
          f"{n_sets:,} parameter sets x {n_windows} windows, funding and fees on, 2 cores")
    print(f"sweep      {elapsed:8.1f} s   {elapsed / n_sets * 1e3:8.1f} ms per parameter set "
          f"({elapsed / (n_sets * n_windows) * 1e3:.1f} ms per set and window)")
    print(f"re-run     {reread:8.1f} s   ({again.evaluated} sets recomputed: the store had them all)")


if __name__ == "__main__":
    main()
