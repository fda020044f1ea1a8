"""First run against warm run: ``liqbt run configs/quickstart.yaml`` with numba's cache cold, then warm.

Each run is a fresh process (``python -m liqbt --progress run ...``) with ``NUMBA_CACHE_DIR`` in a new
temporary folder: the first run compiles every kernel it uses into it, as on a fresh install; the
next ones load them from it. The OS file cache and Python's bytecode are warm in both (the issue's
"fresh install" also read the packages from disk). The wall time of each stage is measured from
outside, when its line (``liqbt: [ t s] ...``, see ``liqbt.progress``) arrives on stderr: ``start-up``
is the time to the first line (interpreter and imports), each stage lasts until the next line, the
last one until the process exits. The CPU time (user + system) of each run is printed too: on a shared
machine it is the figure to compare, as waiting for a core inflates the wall time only.

A cold run starts the background compile of ``liqbt.precompile`` (the later stages' kernels compiled on
the second core); ``LIQBT_BACKGROUND_COMPILE=0 python benchmarks/first_run.py`` measures without it. Its
CPU time is in the cold run's CPU figure (the run waits for the process it started).

``--kernels`` adds one more cold run, without the background compile, with a listener on numba's compile
events: the CPU seconds each kernel took to compile (numba's own helpers folded into the liqbt or vectorbt
kernel that needed them), its number of specialisations (one per distinct argument types: more than one is
usually a caller passing another dtype, layout or read-only flag), summed per package and per stage (the
stage whose line came last when the compile started).

Run: python benchmarks/first_run.py [--warm-runs 2] [--config configs/quickstart.yaml] [--kernels]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import resource
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


def timed_run(config: str, cache_dir: Path, out: Path) -> tuple[float, dict[str, float], bool, float]:
    """One run in a fresh process: total wall time, wall time per stage (in order), whether numba said cold,
    CPU time (user + system)."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
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
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    stages = {}
    for (name, t), (_, t_next) in zip(marks, marks[1:] + [("end", end)]):
        stages[name] = stages.get(name, 0.0) + t_next - t
    return end - start, stages, cold, cpu


def kernel_probe(config: str, out: str, report: str) -> None:
    """Run ``liqbt run CONFIG`` in this process with a listener on numba's compile events; write per kernel
    the compile CPU seconds (exclusive of nested liqbt/vectorbt kernels, numba's helpers folded into the
    nearest one) and the argument types of each specialisation to ``report`` (JSON)."""
    from numba.core import event

    def name(dispatcher) -> str:
        return f"{dispatcher.py_func.__module__}.{dispatcher.py_func.__qualname__}"

    def ours(kernel: str) -> bool:
        return kernel.startswith(("liqbt.", "vectorbt.", "strategies."))

    stack, seconds, signatures = [], collections.defaultdict(float), collections.defaultdict(list)
    by_stage = collections.defaultdict(lambda: collections.defaultdict(float))  # stage -> kernel -> CPU s
    current = ["start-up"]

    class Listener(event.Listener):
        def on_start(self, ev):
            stack.append([ev.data["dispatcher"], time.process_time(), 0.0])

        def on_end(self, ev):
            dispatcher, began, nested = stack.pop()
            spent = time.process_time() - began
            kernel = name(dispatcher)
            owner = kernel if ours(kernel) else next(
                (name(s[0]) for s in reversed(stack) if ours(name(s[0]))), kernel)
            seconds[owner] += spent - nested
            by_stage[current[0]][owner] += spent - nested
            if ours(kernel):
                signatures[kernel].append(str(ev.data["args"]))
            if stack:
                stack[-1][2] += spent

    event.register("numba:compile", Listener())
    from liqbt.cli.main import main as liqbt_main
    from liqbt.progress import Reporter

    def note_stage(self, text):  # each compile is charged to the stage whose line came last
        current[0] = stage_key(text)

    Reporter.stage = note_stage  # stage lines on (--progress) but printed nowhere
    if liqbt_main(["--progress", "run", config, "--out", out]) != 0:
        raise SystemExit(f"liqbt run {config} failed")
    Path(report).write_text(json.dumps({"seconds": seconds, "signatures": signatures, "by_stage": by_stage}))


def print_kernels(config: str, tmp: Path, top: int = 25) -> None:
    """A cold run under :func:`kernel_probe` in a fresh process; prints the compile time per kernel and package."""
    report = tmp / "kernels.json"
    # PYTHONPATH: this checkout's liqbt, as ``-m liqbt`` from ROOT imports it (the script's own folder comes first)
    # without the background compile (liqbt.precompile): every kernel's whole cost, in this one process
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp / "numba-cache-kernels"), "PYTHONPATH": str(ROOT),
           "LIQBT_BACKGROUND_COMPILE": "0"}
    subprocess.run([sys.executable, __file__, "--kernel-probe", str(report), "--config", config],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    data = json.loads(report.read_text())
    seconds, signatures = data["seconds"], data["signatures"]
    packages = collections.defaultdict(float)
    for kernel, s in seconds.items():
        packages[".".join(kernel.split(".")[:2])] += s
    print(f"\nnumba compile CPU time, one more cold run: {sum(seconds.values()):.1f} s in all")
    print(f"{'package':<31} {'compile CPU (s)':>15}")
    for package, s in sorted(packages.items(), key=lambda kv: -kv[1]):
        print(f"{package:<31} {s:15.2f}")
    print(f"\n{'kernel (top ' + str(top) + ')':<56} {'CPU (s)':>8} {'specialisations':>16}")
    for kernel, s in sorted(seconds.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{kernel:<56} {s:8.2f} {len(signatures.get(kernel, [])):16d}")
    print(f"\n{'stage':<31} {'compile CPU (s)':>15}  kernels (top 4, CPU s)")
    for name, kernels in data["by_stage"].items():
        top4 = sorted(kernels.items(), key=lambda kv: -kv[1])[:4]
        print(f"{name:<31} {sum(kernels.values()):15.2f}  "
              + ", ".join(f"{k.rsplit('.', 1)[-1]} {s:.2f}" for k, s in top4))
    several = sorted(k for k, v in signatures.items() if len(v) > 1)
    print(f"\nkernels compiled more than once: {', '.join(f'{k} ({len(signatures[k])})' for k in several) or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="configs/quickstart.yaml")
    parser.add_argument("--warm-runs", type=int, default=2, help="warm runs after the cold one (median printed)")
    parser.add_argument("--kernels", action="store_true",
                        help="one more cold run: numba compile CPU time per kernel and package, specialisations")
    parser.add_argument("--kernel-probe", metavar="JSON", help=argparse.SUPPRESS)  # the --kernels child process
    args = parser.parse_args()
    if args.kernel_probe:
        return kernel_probe(args.config, str(Path(args.kernel_probe).parent / "out-kernels"), args.kernel_probe)
    with tempfile.TemporaryDirectory(prefix="liqbt-first-run-") as tmp:
        cache = Path(tmp) / "numba-cache"
        cold_total, cold, said_cold, cold_cpu = timed_run(args.config, cache, Path(tmp) / "out")
        warm = [timed_run(args.config, cache, Path(tmp) / "out") for _ in range(max(1, args.warm_runs))]
        report(args, cold_total, cold, said_cold, cold_cpu, warm)
        if args.kernels:
            print_kernels(args.config, Path(tmp))


def report(args, cold_total: float, cold: dict[str, float], said_cold: bool, cold_cpu: float, warm: list) -> None:
    warm_total = statistics.median(w[0] for w in warm)
    from liqbt.precompile import enabled  # what the measured runs read from the same environment

    background = enabled()
    print(f"liqbt run {args.config}, fresh process each time, NUMBA_CACHE_DIR in a new temporary folder; "
          f"cpus: {os.cpu_count()}; background compile {'on' if background else 'off'}")
    print(f"cold run: numba's cache {'reported cold' if said_cold else 'NOT reported cold (check the notice)'}; "
          f"warm: median of {len(warm)} run(s)")
    print(f"{'stage':<31} {'cold (s)':>9} {'warm (s)':>9} {'cold/warm':>10}")
    for name in cold:
        w = statistics.median(run[1].get(name, 0.0) for run in warm)
        ratio = f"{cold[name] / w:9.1f}x" if w > 0.05 else f"{'-':>10}"
        print(f"{name:<31} {cold[name]:9.2f} {w:9.2f} {ratio}")
    print(f"{'total (wall)':<31} {cold_total:9.2f} {warm_total:9.2f} {cold_total / warm_total:9.1f}x")
    warm_cpu = statistics.median(w[3] for w in warm)
    print(f"{'CPU time (user + system)':<31} {cold_cpu:9.2f} {warm_cpu:9.2f} {cold_cpu / warm_cpu:9.1f}x")
    print(f"targets (issue #14): cold <= 30 s wall ({cold_total / 30:.1f}x now), warm <= 4 s "
          f"({warm_total / 4:.1f}x now); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus")
    print(f"warm runs (s): {' '.join(f'{w[0]:.2f}' for w in warm)}")


if __name__ == "__main__":
    main()
