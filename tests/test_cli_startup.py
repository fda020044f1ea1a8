"""What the quick commands import (issue #14: ``liqbt --help`` <= 0.3 s, ``validate`` <= 1 s).

Not timed (timings live in ``benchmarks/cli.py``): each test runs the command in a fresh interpreter and
reads ``sys.modules`` afterwards, so that an import of the engine sneaking into the start-up path fails here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENGINE = ("numba", "vectorbt", "matplotlib", "scipy")


def loaded_after(argv: list[str]) -> set[str]:
    """The engine modules in ``sys.modules`` after ``import liqbt.cli.main`` and ``main(argv)``."""
    probe = ("import json, sys\nimport liqbt.cli.main\ntry:\n    liqbt.cli.main.main(sys.argv[1:])\n"
             "except SystemExit:\n    pass\n"
             f"print(json.dumps(sorted(m for m in {ENGINE!r} if m in sys.modules)))")
    proc = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["heatmap", "--help"], ["calibrate", "--help"],
                                  ["sweep", "--help"], ["validate", "--help"], ["--version"]])
def test_help_imports_no_engine(argv):
    assert loaded_after(argv) == set()


REAL = pytest.mark.real_data  # these configs name files under ../shared/data


@pytest.mark.parametrize("config", ["quickstart", pytest.param("strategy_magnet_zone", marks=REAL),
                                    pytest.param("strategy_sr_confluence", marks=REAL),
                                    pytest.param("strategy_stop_hunt", marks=REAL),
                                    pytest.param("strategy_imbalance_bias", marks=REAL)])
def test_validate_imports_no_engine(config):
    # resolving the strategy imports the shipped strategies and liqbt.zones: their numba kernels load on first use
    assert loaded_after(["-q", "validate", f"configs/{config}.yaml"]) == set()


def test_the_data_section_imports_no_pandas_or_numpy():
    # `liqbt validate` checks the data: section with these modules; pandas (with pyarrow) and numpy are most of
    # its start-up, and they load only when a check reads a file (or another section needs them)
    probe = ("import json, sys\nimport liqbt.data.config, liqbt.data.sources\n"
             "print(json.dumps(sorted(m for m in ('pandas', 'numpy', 'pyarrow') if m in sys.modules)))")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
