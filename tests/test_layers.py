"""The layering is enforced: kernels, layers, examples, circles and private names (tests/import_contract.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT

import import_contract as contract

LIQBT = PROJECT_ROOT / "liqbt"
EXAMPLES = PROJECT_ROOT / "strategies"

# Violations in today's code outside this work package, each to be fixed by the package that owns the
# module; the lead empties this list as they are fixed (an entry that no longer occurs fails
# test_allow_list_is_current, so it cannot linger). Entries are "source -> target" (or a circle's modules).
EXPECTED_TO_FIX: dict[str, set[str]] = {
    "kernels": set(),
    "layers": set(),
    "cycles": set(),
    "private": set(),
    "examples": set(),
}


def _key(violation: str) -> str:
    return violation.split(" (line ")[0].split(": ")[0]


@pytest.fixture(scope="module")
def report() -> dict[str, list[str]]:
    return contract.check(LIQBT, EXAMPLES)


@pytest.mark.parametrize("rule", ["kernels", "layers", "examples", "cycles", "private"])
def test_import_contract(report, rule):
    found = [v for v in report[rule] if _key(v) not in EXPECTED_TO_FIX[rule]]
    assert not found, f"{rule} contract broken:\n  " + "\n  ".join(found)


def test_allow_list_is_current(report):
    stale = {rule: sorted(keys - {_key(v) for v in report[rule]}) for rule, keys in EXPECTED_TO_FIX.items()}
    stale = {rule: keys for rule, keys in stale.items() if keys}
    assert not stale, f"fixed: remove from EXPECTED_TO_FIX in tests/test_layers.py: {stale}"


def test_every_module_has_a_layer():
    graph = contract.read_graph(LIQBT, "liqbt")
    assert [m for m in graph if contract.layer_of(m) is None] == []


@pytest.fixture()
def copy(tmp_path) -> tuple[Path, Path]:
    """A throwaway copy of the package and its examples to break on purpose."""
    lib, examples = tmp_path / "liqbt", tmp_path / "strategies"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(LIQBT, lib, ignore=ignore)
    shutil.copytree(EXAMPLES, examples, ignore=ignore)
    return lib, examples


def _add(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")


def _new(copy, rule: str) -> list[str]:
    before = {_key(v) for v in contract.check(LIQBT, EXAMPLES)[rule]}
    return [v for v in contract.check(*copy)[rule] if _key(v) not in before]


def test_untouched_copy_passes(copy):
    assert contract.check(*copy) == contract.check(LIQBT, EXAMPLES)


def test_fails_on_an_added_cycle(copy):
    # market.py is imported by inspect.py; importing inspect back (inside a function) closes a circle
    _add(copy[0] / "data" / "market.py", "def _describe(m):\n    from .inspect import describe\n    return describe(m)")
    new = _new(copy, "cycles")
    assert len(new) == 1 and "liqbt.data.inspect" in new[0] and "liqbt.data.market" in new[0]


def test_fails_on_an_upward_import(copy):
    _add(copy[0] / "heatmap" / "model.py", "def _late():\n    from ..strategy import Strategy\n    return Strategy")
    new = _new(copy, "layers")
    assert len(new) == 1 and new[0].startswith("liqbt.heatmap.model -> liqbt.strategy")


def test_fails_when_a_kernel_imports_pandas(copy):
    _add(copy[0] / "zones" / "nb" / "levels.py", "import pandas as pd")
    assert [v.split(" (")[0] for v in _new(copy, "kernels")] == ["liqbt.zones.nb.levels -> pandas"]


def test_fails_when_the_library_imports_its_examples(copy):
    _add(copy[0] / "strategy" / "registry.py", "def _shipped():\n    import liqbt_strategies.magnet")
    assert [_key(v) for v in _new(copy, "examples")] == ["liqbt.strategy.registry -> liqbt_strategies.magnet"]


def test_fails_on_a_private_name_across_modules(copy):
    _add(copy[0] / "backtest" / "run.py", "from ..data.market import _private_helper")
    assert [_key(v) for v in _new(copy, "private")] == ["liqbt.backtest.run -> liqbt.data.market"]


def test_type_checking_imports_form_no_cycle_but_keep_the_layers(copy):
    _add(copy[0] / "data" / "market.py",
         "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .inspect import describe\n"
         "    from ..backtest import Signals")
    assert _new(copy, "cycles") == []
    assert [_key(v) for v in _new(copy, "layers")] == ["liqbt.data.market -> liqbt.backtest"]


def test_data_inspect_of_a_config_loads_no_experiment_config(tmp_path):
    """The data layer reads a config's data: section itself: the experiment config (and every
    section model above data) stays unimported."""
    (tmp_path / "c.yaml").write_text("data:\n  sources: [{format: synthetic, bars: 500, bar_size: 5m, seed: 5}]\n")
    code = ("import sys\nfrom liqbt.data.inspect import open_source\n"
            f"m = open_source({str(tmp_path / 'c.yaml')!r})\n"
            "print(len(m.bars), 'liqbt.config.experiment' in sys.modules, 'liqbt.strategy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["500", "False", "False"]


def test_a_new_top_level_module_needs_a_layer(copy):
    (copy[0] / "helpers.py").write_text("import numpy\n", encoding="utf-8")
    assert [v for v in contract.check(*copy)["layers"] if "in no layer" in v] == [
        "liqbt.helpers: in no layer; add it to LAYERS"]
