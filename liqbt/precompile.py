"""Compile a run's later kernels in a second process while the run loads data and reconstructs heatmaps.

A first ``liqbt run`` on a fresh install spends most of its time in numba compiling kernels on their
first call, one after the other on one core (issue #14: the quickstart's cold run). Most of those
kernels (zones, the strategy's, the backtest's, the baselines', the trade list's) are called only
after the heatmap is reconstructed, and their argument types do not depend on the heatmap's values.
:func:`start` therefore launches ``python -m liqbt.precompile CONFIG``: a second process that runs
the same strategy, backtest and baselines on a small copy of the config's market with a
stand-in heatmap, so that numba compiles those kernels into its on-disk cache on the second core;
the run then loads them from the cache when it gets there instead of compiling them.

What it does and does not do:

* Only with two usable cores or more, and only on a cold cache (:func:`liqbt.progress.numba_cache_cold`
  of the kernels it would compile): a warm run starts no process and pays one directory listing per kernel file.
* Only for a config whose data are all ``format: synthetic`` sources: the small market is then the
  config's own source with fewer bars, so every kernel sees the argument types the run will pass
  (same dtypes, layouts and read-only flags; tests/test_cold_start.py checks it on the quickstart).
  numba's cache is safe for two processes writing the same function with the same signature (each
  file is written to a unique temporary name, then renamed, see numba's "Cache Sharing" notes); two
  *different* signatures of one function written at the same moment could share a data file name,
  which is why the stand-in never guesses types for another data source.
* It writes nothing but numba's cache; its failures are its own (output discarded, exit code
  ignored): the run compiles whatever is missing itself, as without it. The run stops it when it
  ends. ``LIQBT_BACKGROUND_COMPILE=0`` turns it off (see :func:`enabled`; the test suite does: it
  compiles in-process).
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from pathlib import Path

__all__ = ["SMALL_BARS", "StandInHeatmap", "command", "compile_later_kernels", "small_config", "stand_in_heatmap", "start",
           "enabled", "stop", "usable_cpus", "wanted"]

#: Bars of the small market: a week of 5-minute bars, enough for every zone, trade and daily regime.
SMALL_BARS = 2_000

#: Snapshot of the stand-in heatmap every this many bars.
SNAPSHOT_EVERY_BARS = 12


def wanted(loaded) -> bool:
    """Whether a background compile can help the run of ``loaded`` (a LoadedConfig): turned on, two cores,
    a strategy to run, synthetic data only, and numba's cache cold for the backtest's kernels."""
    config = loaded.config
    if not enabled():
        return False
    if usable_cpus() < 2:  # one core: the second process would only add its own work to the run's
        return False
    if config.strategy is None or config.symbols is not None or config.data.sources is None:
        return False
    if any(getattr(source, "format", None) != "synthetic" for source in config.data.sources):
        return False
    from .backtest.nb import simulate_nb
    from .backtest.trades_nb import trades_from_orders_nb
    from .progress import numba_cache_cold
    from .zones.nb.clusters import bar_zones_nb

    return numba_cache_cold([simulate_nb, trades_from_orders_nb, bar_zones_nb])


def enabled() -> bool:
    """Whether the background compile may run: on unless ``LIQBT_BACKGROUND_COMPILE`` is ``0``, ``off``,
    ``no`` or ``false``.

    Measured on the 2-core machine with nothing else running (``benchmarks/first_run.py``, two pairs):
    cold quickstart 21.1 / 23.8 s with it, 38.4 / 43.8 s without; on a machine whose cores are busy
    with other jobs the two processes share them and it gains nothing (see docs/benchmarks.md).
    """
    return os.environ.get("LIQBT_BACKGROUND_COMPILE", "1").strip().lower() not in ("0", "off", "no", "false")


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity where the OS tells it, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def start(loaded, allow_paths=()) -> subprocess.Popen | None:
    """Launch the background compile of ``loaded``'s later kernels when :func:`wanted`; else None.

    Parameters
    ----------
    loaded : LoadedConfig
        The run's config (its file is read again by the child process).
    allow_paths : iterable of str, default ()
        The run's ``--allow-path`` folders.
    """
    if not wanted(loaded):
        return None
    try:
        proc = subprocess.Popen(command(loaded, allow_paths), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, cwd=Path.cwd())
    except OSError:  # no process to spare: the run compiles everything itself, as before
        return None
    atexit.register(stop, proc)  # a run that fails or is interrupted leaves no process behind
    return proc


def command(loaded, allow_paths=()) -> list[str]:
    """The background process's command line: ``python -m liqbt.precompile CONFIG [--allow-path DIR]...``."""
    argv = [sys.executable, "-m", "liqbt.precompile", str(loaded.path)]
    for path in allow_paths:
        argv += ["--allow-path", str(path)]
    return argv


def stop(proc: subprocess.Popen | None) -> None:
    """End the background compile (a run that is done needs none of it any more)."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()  # numba renames a finished file into place: a stop mid-write leaves only a temp file
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def small_config(config, bars: int = SMALL_BARS):
    """``config`` with each synthetic source cut to ``bars`` bars and no data period."""
    sources = tuple(s.model_copy(update={"bars": min(int(s.bars), bars)}) for s in config.data.sources)
    data = config.data.model_copy(update={"sources": sources, "start": None, "end": None})
    return config.model_copy(update={"data": data})


class StandInHeatmap:
    """What the zones read of a :class:`~liqbt.heatmap.HeatmapResult`: its snapshots (compared by identity,
    as the context's memo keys heatmaps)."""

    def __init__(self, snapshots):
        self.snapshots = snapshots


def stand_in_heatmap(market, seed: int = 0) -> StandInHeatmap:
    """A heatmap-shaped object with random sparse snapshots around the market's price: the zone kernels
    see the types a reconstructed heatmap gives them (float32 USD, int64 offsets), none of its values."""
    import numpy as np

    from .heatmap.result import Snapshots

    rng = np.random.default_rng(seed)
    rows = np.arange(SNAPSHOT_EVERY_BARS - 1, len(market), SNAPSHOT_EVERY_BARS, dtype=np.int64)
    centre = float(np.nanmedian(market.bars["close"].to_numpy(dtype=np.float64)))
    n_grid = 400
    edges = centre * 1.001 ** np.arange(-n_grid // 2, n_grid // 2 + 1, dtype=np.float64)
    centres = np.sqrt(edges[:-1] * edges[1:])
    k = 2 * len(rows)
    start = np.zeros(k, dtype=np.int64)
    offsets = np.arange(k + 1, dtype=np.int64) * n_grid
    values = (rng.random(k * n_grid) ** 8 * 1e6).astype(np.float32)
    bar_times = market.index[rows]
    snaps = Snapshots(times=bar_times + (market.index[1] - market.index[0]), bar_times=bar_times,
                      grid_edges=edges, grid_centres=centres, start=start, offsets=offsets, values=values)
    return StandInHeatmap(snaps)


def compile_later_kernels(loaded) -> None:
    """Run ``loaded``'s strategy, backtest, baselines (judged) and trade list on a small copy of its market with a
    stand-in heatmap (nothing written but numba's cache). Exceptions propagate (the caller decides)."""
    from .backtest import run_backtest
    from .data import load_data
    from .evaluation import BuyAndHold
    from .pipeline import judge_run
    from .strategy import StrategyContext

    config = small_config(loaded.config)
    market = load_data(config.data, loaded.base_dir)
    roles = config.strategy.role_map(list(config.heatmaps), base_dir=loaded.base_dir)
    heatmap = stand_in_heatmap(market)
    ctx = StrategyContext(market=market, heatmaps={role: heatmap for role in roles},
                          level_source=config.strategy.level_source, placebo_seed=config.strategy.placebo_seed)
    strategy = config.strategy.build(base_dir=loaded.base_dir)
    # as liqbt.pipeline.run_experiment and write_run call them, one placebo seed being as good as many
    result = run_backtest(market, strategy.signals(ctx), config.backtest)
    if config.evaluation.baselines:
        seeds = min(config.evaluation.placebo_seeds, 1)
        judge_run(strategy, ctx, config.model_copy(update={
            "evaluation": config.evaluation.model_copy(update={"placebo_seeds": seeds})}))
    hold = run_backtest(market, BuyAndHold().signals(ctx), config.backtest)
    for run in (result, hold):
        run.stats()
        run.trades()
        run.equity()


def main(argv: list[str] | None = None) -> int:
    """``python -m liqbt.precompile CONFIG [--allow-path DIR]...``: the background process of :func:`start`."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m liqbt.precompile", description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("--allow-path", action="append", default=[])
    args = parser.parse_args(argv)
    # the run's priority, not lower: at nice 10 on a machine shared with a few other jobs (load 3.6 on 2
    # cores) this process got 7 % of a core and compiled nothing in time; with one core it never starts
    from .config import load_config

    compile_later_kernels(load_config(args.config, tuple(args.allow_path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
