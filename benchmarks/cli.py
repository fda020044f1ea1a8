"""Command-line start-up: ``liqbt --help`` and ``liqbt validate configs/strategy_magnet_zone.yaml``.

Each command runs in a fresh process ``--runs`` times after one warm-up run (the OS file cache and
numba's on-disk cache are warm, as for a user's second command); prints the median wall time and
what the process loaded. Targets (issue #13): ``--help`` <= 0.3 s, ``validate`` <= 1 s.

Run: python benchmarks/cli.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numba", "pandas", "vectorbt", "pydantic", "matplotlib", "pyarrow", "scipy")
COMMANDS = {
    "liqbt --help": ["--help"],
    "liqbt validate configs/strategy_magnet_zone.yaml": ["validate", "configs/strategy_magnet_zone.yaml"],
}
# what the process imported, printed after the command ran (the command itself is liqbt's main())
PROBE = ("import json, sys\nfrom liqbt.cli.main import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n"
         "    pass\nprint(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.stderr)")


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "liqbt", *args], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def loaded(args: list[str]) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], cwd=ROOT, check=True,
                          capture_output=True, text=True)
    return json.loads(proc.stderr.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(f"{'command':<52} {'median':>8}  {'runs (s)':<40} heavy modules loaded")
    for label, args in COMMANDS.items():
        timed(args)  # warm-up
        times = [timed(args) for _ in range(runs)]
        print(f"{label:<52} {statistics.median(times):7.2f}s  {' '.join(f'{t:.2f}' for t in times):<40} "
              f"{', '.join(loaded(args)) or '-'}")


if __name__ == "__main__":
    main()
