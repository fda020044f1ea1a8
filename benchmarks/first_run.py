"""First run against warm run: ``liqbt run configs/quickstart.yaml`` with numba's cache cold, then warm.

Each run is a fresh process (``python -m liqbt --progress run ...``) with ``NUMBA_CACHE_DIR`` in a new
temporary folder: the first run compiles every kernel it uses into it, as on a fresh install; the
next ones load them from it. The OS file cache and Python's bytecode are warm in both (the issue's
"fresh install" also read the packages from disk). The wall time of each stage is measured from
outside, when its line (``liqbt: [ t s] ...``, see ``liqbt.progress``) arrives on stderr: ``start-up``
is the time to the first line (interpreter and imports), each stage lasts until the next line, the
last one until the process exits.

Run: python benchmarks/first_run.py [--warm-runs 2] [--config configs/quickstart.yaml]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^liqbt: \[ *\d+\.\d s\] (.+)$")
KERNELS = ("compiling kernels on first use", "kernels: numba's cache is warm")


def stage_key(text: str) -> str:
    """A stage's name without its details, the same cold and warm (``kernels`` for the cache line)."""
    if text.startswith(KERNELS):
        return "kernels (notice only)"
    return re.split(r" \(|: ", text)[0] if not text.endswith(": importing libraries") else "importing libraries"


def timed_run(config: str, cache_dir: Path, out: Path) -> tuple[float, dict[str, float], bool]:
    """One run in a fresh process: total wall time, wall time per stage (in order), whether numba said cold."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "liqbt", "--progress", "run", config, "--out", str(out)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    marks, cold, lines = [("start-up", start)], False, []
    for line in proc.stderr:  # text mode: a tqdm refresh ("\r") ends a line too
        lines.append(line)
        match = LINE.match(line.strip())
        if match:
            marks.append((stage_key(match.group(1)), time.perf_counter()))
            cold |= match.group(1).startswith(KERNELS[0])
    if proc.wait() != 0:
        raise SystemExit(f"liqbt run {config} failed ({proc.returncode}):\n{''.join(lines)}")
    end = time.perf_counter()
    stages = {}
    for (name, t), (_, t_next) in zip(marks, marks[1:] + [("end", end)]):
        stages[name] = stages.get(name, 0.0) + t_next - t
    return end - start, stages, cold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="configs/quickstart.yaml")
    parser.add_argument("--warm-runs", type=int, default=2, help="warm runs after the cold one (median printed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="liqbt-first-run-") as tmp:
        cache = Path(tmp) / "numba-cache"
        cold_total, cold, said_cold = timed_run(args.config, cache, Path(tmp) / "out")
        warm = [timed_run(args.config, cache, Path(tmp) / "out") for _ in range(max(1, args.warm_runs))]
    warm_total = statistics.median(w[0] for w in warm)
    print(f"liqbt run {args.config}, fresh process each time, NUMBA_CACHE_DIR in a new temporary folder; "
          f"cpus: {os.cpu_count()}")
    print(f"cold run: numba's cache {'reported cold' if said_cold else 'NOT reported cold (check the notice)'}; "
          f"warm: median of {len(warm)} run(s)")
    print(f"{'stage':<31} {'cold (s)':>9} {'warm (s)':>9} {'cold/warm':>10}")
    for name in cold:
        w = statistics.median(run[1].get(name, 0.0) for run in warm)
        ratio = f"{cold[name] / w:9.1f}x" if w > 0.05 else f"{'-':>10}"
        print(f"{name:<31} {cold[name]:9.2f} {w:9.2f} {ratio}")
    print(f"{'total (wall)':<31} {cold_total:9.2f} {warm_total:9.2f} {cold_total / warm_total:9.1f}x")
    print(f"warm runs (s): {' '.join(f'{w[0]:.2f}' for w in warm)}")


if __name__ == "__main__":
    main()
