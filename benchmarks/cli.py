"""Command-line latency: ``liqbt --help``, ``liqbt validate`` and a warm ``liqbt run`` of the quickstart.

Each command runs in a fresh process, once to warm up (the OS file cache, Python's bytecode and numba's
on-disk cache: a user's second command) and then ``--runs`` times; prints the best wall time beside the
issue's target (#14: ``--help`` <= 0.3 s, ``validate`` <= 1 s, warm quickstart run <= 4 s), the median,
the CPU time (user + system) of the best run, which is what a busy machine does not inflate, and the
heavy modules the command imported.

``--pictures`` also times the report's two PNGs (``equity.png`` and ``heatmap_main.png`` of the quickstart,
#14 item 2 asks for both within 0.5 s warm): one run records what ``write_run`` passes to the two writers, then
each fresh process loads those inputs (pandas and numpy already imported, as in a run) and times importing
the writers, matplotlib included, and drawing both.

Run: python benchmarks/cli.py [--runs 5] [--skip-run] [--pictures]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numba", "pandas", "vectorbt", "pydantic", "matplotlib", "pyarrow", "scipy")
QUICKSTART = "configs/quickstart.yaml"
# label -> (arguments after ``liqbt``, target wall time in seconds from issue #14)
COMMANDS = {
    "liqbt --help": (["--help"], 0.3),
    f"liqbt validate {QUICKSTART}": (["validate", QUICKSTART], 1.0),
    f"liqbt run {QUICKSTART} (warm)": (["-q", "run", QUICKSTART, "--out", "{out}"], 4.0),
}
# what the process imported, printed after the command ran (the command itself is liqbt's main())
PROBE = ("import json, sys\nfrom liqbt.cli.main import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n"
         "    pass\nprint(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.stderr)")


def timed(args: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of ``liqbt ARGS`` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "liqbt", *args], cwd=ROOT, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def loaded(args: list[str]) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], cwd=ROOT, check=True,
                          capture_output=True, text=True)
    return json.loads(proc.stderr.strip().splitlines()[-1])


# records the arguments write_run gives the two picture writers, in a process of its own
RECORD = """
import pickle, sys
from pathlib import Path
from liqbt.pipeline import run_experiment, write_run
from liqbt.plots import equity_png, heatmap_png
calls = []
def recorder(name, real):
    def record(*args, **kwargs):
        calls.append((name, args, kwargs))
        return real(*args, **kwargs)
    return record
equity_png.write_equity_png = recorder("equity", equity_png.write_equity_png)
heatmap_png.write_heatmap_png = recorder("heatmap", heatmap_png.write_heatmap_png)
run = run_experiment(sys.argv[1])
write_run(run, Path(sys.argv[2]) / "run")
with open(Path(sys.argv[2]) / "pictures.pkl", "wb") as fh:
    pickle.dump(calls, fh)
"""
# draws the recorded pictures again in a fresh process: the writers' import (matplotlib's) and drawing are timed
DRAW = """
import json, pickle, sys, time
from pathlib import Path
with open(Path(sys.argv[1]) / "pictures.pkl", "rb") as fh:
    calls = pickle.load(fh)  # imports pandas and numpy, as a run has
start, cpu = time.perf_counter(), time.process_time()
from liqbt.plots.equity_png import write_equity_png
from liqbt.plots.heatmap_png import write_heatmap_png
for i, (name, args, kwargs) in enumerate(calls):
    writer = write_equity_png if name == "equity" else write_heatmap_png
    writer(args[0], Path(sys.argv[1]) / f"again_{i}.png", *args[2:], **kwargs)
print(json.dumps([time.perf_counter() - start, time.process_time() - cpu, len(calls)]))
"""


def time_pictures(runs: int, tmp: Path) -> None:
    """Best wall and CPU time of the report's pictures (see the module's docstring)."""
    subprocess.run([sys.executable, "-c", RECORD, str(ROOT / QUICKSTART), str(tmp)], cwd=tmp, check=True,
                   capture_output=True)
    draw = [sys.executable, "-c", DRAW, str(tmp)]
    subprocess.run(draw, cwd=tmp, check=True, capture_output=True)  # warm-up: bytecode, font cache
    times = [json.loads(subprocess.run(draw, cwd=tmp, check=True, capture_output=True, text=True).stdout)
             for _ in range(runs)]
    best_wall, best_cpu, count = min(times)
    median = statistics.median(w for w, _, _ in times)
    target = 0.5
    print(f"{f'report pictures ({count} PNGs, import included)':<44} {target:6.1f}s {best_wall:6.2f}s "
          f"{best_wall / target:5.1f}x {median:6.2f}s {best_cpu:5.2f}s  matplotlib")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command after the warm-up (best printed)")
    parser.add_argument("--skip-run", action="store_true", help="only --help and validate")
    parser.add_argument("--pictures", action="store_true", help="also time the report's two PNGs")
    options = parser.parse_args()
    print(f"fresh process per run, best of {options.runs} after one warm-up; cpus: {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f} (a shared machine inflates wall times, not CPU times)")
    print(f"{'command':<44} {'target':>7} {'best':>7} {'ratio':>6} {'median':>7} {'cpu':>6}  heavy modules loaded")
    with tempfile.TemporaryDirectory(prefix="liqbt-cli-bench-") as tmp:
        for label, (args, target) in COMMANDS.items():
            if options.skip_run and "run" in args:
                continue
            args = [a.replace("{out}", str(Path(tmp) / "out")) for a in args]
            timed(args)  # warm-up: compiles numba's kernels into its cache the first time
            runs = [timed(args) for _ in range(options.runs)]
            best_wall, best_cpu = min(runs)
            median = statistics.median(w for w, _ in runs)
            heavy = ", ".join(loaded(args)) if "run" not in args else "(all: it runs the engine)"
            print(f"{label:<44} {target:6.1f}s {best_wall:6.2f}s {best_wall / target:5.1f}x {median:6.2f}s "
                  f"{best_cpu:5.2f}s  {heavy or '-'}")
        if options.pictures:
            time_pictures(options.runs, Path(tmp))
    print("ratio = best / target (<= 1.0: target met)")


if __name__ == "__main__":
    main()
