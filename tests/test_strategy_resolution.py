"""One resolver for strategy references; the framework apart from its examples; baselines for any strategy."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
import tomllib
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT_ROOT
from corpus import run_cli

import liqbt.strategy.registry as registry
from liqbt.calibration.predictor import CALIBRATED_HEATMAP
from liqbt.config import load_config
from liqbt.data import generate_market
from liqbt.errors import ConfigError
from liqbt.evaluation import NO_LEVELS_NOTE, BuyAndHold, compare_to_baselines
from liqbt.heatmap import reconstruct
from liqbt.strategy import Strategy, StrategyContext, available_strategies, resolve_strategy
from liqbt.zones import local_imbalance, placebo_series, zones

EXAMPLE = PROJECT_ROOT / "configs" / "custom_strategy"
SHIPPED = {"magnet_zone", "magnet_zone_two_window", "magnet_zone_depth", "sr_confluence", "stop_hunt", "imbalance_bias"}


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


STRATEGY_FILE = """
    from liqbt.backtest import Signals
    from liqbt.strategy import Strategy

    class Mine(Strategy):
        heatmaps = ()
        params = {}

        def signals(self, ctx):
            return Signals(long_entries=ctx.market.bars["close"] > 0)

    def helper():
        raise AssertionError("never called")
    """


@pytest.fixture(scope="module")
def small():
    market = generate_market(1200, "5m", seed=11)
    return StrategyContext(market, {"main": reconstruct(market, CALIBRATED_HEATMAP.model_copy(update={"window": "2d"}),
                                                        snapshot_every=6)})


# ------------------------------------------------------------------ the acceptance test of issue #11 item 1
def test_a_stdlib_function_named_in_a_config_is_refused_at_validate_and_never_runs(tmp_path):
    marker = tmp_path / "x"
    _write(tmp_path, "c.yaml", f"""
        data:
          sources: [{{format: synthetic, bars: 300, bar_size: 5m, seed: 1}}]
        strategy: {{name: "subprocess:run", params: {{args: "touch {marker}", shell: true}}}}
        """)
    code, _, err = run_cli(["validate", str(tmp_path / "c.yaml")])
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "strategy.name" in err and "standard library" in err
    assert not marker.exists()


# ------------------------------------------------------------------ the three reference forms
def test_registered_name_resolves_to_the_entry_point_class():
    from liqbt_strategies import MagnetZone

    assert resolve_strategy("magnet_zone") is MagnetZone
    assert resolve_strategy("buy_and_hold") is BuyAndHold


def test_the_shipped_strategies_come_from_the_installed_entry_points():
    names = {ep.name for ep in metadata.entry_points(group=registry.ENTRY_POINT_GROUP)}
    assert SHIPPED <= names, "reinstall liqbt ('pip install -e .') so that its entry points are registered"
    assert SHIPPED | {"buy_and_hold"} <= set(available_strategies())
    for name in SHIPPED:
        assert resolve_strategy(name).__module__.startswith("liqbt_strategies.")
        assert resolve_strategy(name).name == name


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ConfigError, match="unknown strategy 'magnet_zon'; did you mean 'magnet_zone'"):
        resolve_strategy("magnet_zon")


def test_a_file_next_to_the_config_loads_without_pythonpath(tmp_path):
    _write(tmp_path, "sub/mine.py", STRATEGY_FILE)
    cls = resolve_strategy("sub/mine.py:Mine", tmp_path)
    assert issubclass(cls, Strategy) and cls.__name__ == "Mine"
    assert resolve_strategy("sub/mine.py:Mine", tmp_path) is cls  # loaded once
    assert resolve_strategy(f"{tmp_path}/sub/mine.py:Mine", tmp_path) is cls  # absolute inside the folder


def test_two_configs_files_of_the_same_name_do_not_collide(tmp_path):
    a = _write(tmp_path, "a/mine.py", STRATEGY_FILE)
    b = _write(tmp_path, "b/mine.py", STRATEGY_FILE)
    cls_a, cls_b = resolve_strategy("mine.py:Mine", a.parent), resolve_strategy("mine.py:Mine", b.parent)
    assert cls_a is not cls_b and cls_a.__module__ != cls_b.__module__


def test_an_installed_module_class_resolves():
    from toy_strategies import ToyImbalance

    assert resolve_strategy("toy_strategies:ToyImbalance") is ToyImbalance


@pytest.mark.parametrize("ref,found", [
    ("liqbt.data:load_data", "'load_data' in module 'liqbt.data' is a function, not a liqbt Strategy subclass"),
    ("liqbt.errors:ConfigError", "is a class (liqbt.errors.ConfigError), not a liqbt Strategy subclass"),
    ("liqbt.strategy:Strategy", "is a class (liqbt.strategy.base.Strategy), not a liqbt Strategy subclass"),
    ("liqbt.strategy.registry:ENTRY_POINT_GROUP", "is a str value, not a liqbt Strategy subclass"),
])
def test_anything_but_a_strategy_subclass_is_refused_before_it_is_called(ref, found):
    with pytest.raises(ConfigError, match="not a liqbt Strategy subclass") as info:
        resolve_strategy(ref)
    assert found in str(info.value)


def test_a_function_in_a_strategy_file_is_refused_without_calling_it(tmp_path):
    _write(tmp_path, "mine.py", STRATEGY_FILE)
    with pytest.raises(ConfigError, match="'helper' in mine.py is a function, not a liqbt Strategy subclass"):
        resolve_strategy("mine.py:helper", tmp_path)


@pytest.mark.parametrize("ref", ["os:system", "subprocess:Popen", "builtins:eval", "importlib:import_module"])
def test_standard_library_modules_are_refused_before_import(ref):
    with pytest.raises(ConfigError, match="standard library"):
        resolve_strategy(ref)


def test_a_file_outside_the_config_folder_is_refused(tmp_path):
    _write(tmp_path, "outside.py", STRATEGY_FILE)
    inner = tmp_path / "configs"
    inner.mkdir()
    with pytest.raises(ConfigError, match="outside the config's folder"):
        resolve_strategy("../outside.py:Mine", inner)
    with pytest.raises(ConfigError, match="outside the config's folder"):
        resolve_strategy(f"{tmp_path}/outside.py:Mine", inner)
    (inner / "link.py").symlink_to(tmp_path / "outside.py")
    with pytest.raises(ConfigError, match="outside the config's folder"):
        resolve_strategy("link.py:Mine", inner)


def test_a_file_reference_needs_the_config_folder():
    with pytest.raises(ConfigError, match="needs the config's folder"):
        resolve_strategy("mine.py:Mine")


def test_a_directory_is_not_a_strategy_file(tmp_path):
    (tmp_path / "pkg.py").mkdir()
    with pytest.raises(ConfigError, match="is not a regular file"):
        resolve_strategy("pkg.py:Mine", tmp_path)


# ------------------------------------------------------------------ registration
class _FakeEntryPoint:
    def __init__(self, name, value, obj):
        self.name, self.value, self._obj = name, value, obj

    def load(self):
        return self._obj


@pytest.fixture
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", {})
    monkeypatch.setattr(registry, "_ENTRY_POINTS_LOADED", False)
    return registry


def _entry_points(monkeypatch, points):
    monkeypatch.setattr(registry.metadata, "entry_points", lambda group: points)


def test_an_entry_point_that_is_not_a_strategy_is_an_error_naming_it(fresh_registry, monkeypatch):
    _entry_points(monkeypatch, [_FakeEntryPoint("evil", "os:system", os.system)])
    with pytest.raises(ConfigError, match="entry point 'evil' = 'os:system' is a .*not a liqbt Strategy subclass"):
        available_strategies()


def test_a_duplicate_entry_point_name_is_an_error(fresh_registry, monkeypatch):
    one, two = type("One", (Strategy,), {}), type("Two", (Strategy,), {})
    _entry_points(monkeypatch, [_FakeEntryPoint("dup", "a:One", one), _FakeEntryPoint("dup", "b:Two", two)])
    with pytest.raises(ConfigError, match="strategy name 'dup' from entry point 'dup' = 'b:Two' is already"):
        available_strategies()


def test_an_entry_point_names_a_class_that_declares_no_name(fresh_registry, monkeypatch):
    from liqbt_strategies import MagnetZone

    plain = type("Plain", (Strategy,), {})
    _entry_points(monkeypatch, [_FakeEntryPoint("plain", "a:Plain", plain),
                                _FakeEntryPoint("alias", "b:MagnetZone", MagnetZone)])
    assert {"plain", "alias"} <= set(available_strategies())
    assert plain.name == "plain" and MagnetZone.name == "magnet_zone"


def test_registering_a_taken_name_is_an_error():
    with pytest.raises(ConfigError, match="'magnet_zone' .* is already registered by liqbt_strategies.magnet"):
        @registry.register_strategy("magnet_zone")
        class Other(Strategy):
            pass


def test_register_strategy_refuses_a_non_strategy():
    with pytest.raises(ConfigError, match="not a liqbt Strategy subclass"):
        registry.register_strategy("f")(lambda ctx: None)


# ------------------------------------------------------------------ the framework does not import its examples
def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            names.add(str(node.args[0].value))
    return names


def test_nothing_under_liqbt_imports_the_shipped_strategies():
    offenders = []
    for path in sorted((PROJECT_ROOT / "liqbt").rglob("*.py")):
        for name in _imports(path):
            if name.partition(".")[0] in ("strategies", "liqbt_strategies"):
                offenders.append(f"{path.relative_to(PROJECT_ROOT)}: {name}")
    assert offenders == []


def test_the_import_scan_catches_an_import_inside_a_function(tmp_path):
    probe = _write(tmp_path, "probe.py", """
        def f():
            from liqbt_strategies.magnet import MagnetZone
            import importlib
            importlib.import_module("strategies")
        """)
    assert {"liqbt_strategies.magnet", "strategies"} <= _imports(probe)


def test_packaging_installs_every_liqbt_package_and_strategies_as_liqbt_strategies():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    packages = set(project["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(PROJECT_ROOT).parts) for p in (PROJECT_ROOT / "liqbt").rglob("__init__.py")}
    assert on_disk <= packages, f"add to [tool.setuptools] packages: {sorted(on_disk - packages)}"
    assert "strategies" not in packages and project["tool"]["setuptools"]["package-dir"] == {
        "liqbt_strategies": "strategies"}
    points = project["project"]["entry-points"]["liqbt.strategies"]
    assert set(points) == SHIPPED
    assert all(v.startswith("liqbt_strategies.") for v in points.values())


# ------------------------------------------------------------------ the level source lives on the context
@pytest.mark.parametrize("source,seed", [("heatmap", 0), ("placebo", 0), ("placebo", 2), ("sr", 0)])
def test_context_zones_are_the_zones_of_its_level_source(small, source, seed):
    ctx = small.with_levels(source, seed)
    got = ctx.zones("main", min_dist=0.001, max_dist=0.03, swing_left=6, swing_right=6)
    heatmap = None if source == "sr" else small.heatmap("main")
    want = zones(small.market, heatmap, source=source, seed=seed, min_dist=0.001, max_dist=0.03, swing_left=6,
                 swing_right=6)
    pd.testing.assert_frame_equal(got, want)
    assert ctx.reads_levels


def test_context_imbalance_of_the_placebo_is_the_shuffled_imbalance(small):
    real = local_imbalance(small.market, small.heatmap("main"), 0.03)["imbalance"]
    pd.testing.assert_series_equal(small.with_levels("heatmap").imbalance("main", 0.03), real)
    pd.testing.assert_series_equal(small.with_levels("placebo", 4).imbalance("main", 0.03), placebo_series(real, 4))
    sr = small.with_levels("sr").imbalance("main", 0.03)
    assert sr.dropna().between(-1, 1).all() and not sr.equals(real)


def test_sr_levels_need_no_heatmap():
    market = generate_market(600, "5m", seed=2)
    assert len(StrategyContext(market, {}, level_source="sr").zones("main")) == len(market)


def test_context_zones_are_point_in_time(small):
    market = small.market
    for source in ("heatmap", "placebo", "sr"):
        full = small.with_levels(source, 1).zones("main", max_dist=0.03)
        short = market.head(700)
        heat = reconstruct(short, CALIBRATED_HEATMAP.model_copy(update={"window": "2d"}), snapshot_every=6)
        part = StrategyContext(short, {"main": heat}, source, 1).zones("main", max_dist=0.03)
        pd.testing.assert_frame_equal(part, full.iloc[:700], check_freq=False, obj=source)


@pytest.mark.parametrize("kwargs,match", [({"level_source": "random"}, "level_source: expected one of"),
                                          ({"placebo_seed": -1}, "placebo_seed: expected a whole number")])
def test_context_checks_its_level_source(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        StrategyContext(generate_market(50, "5m", seed=1), **kwargs)


def test_old_level_source_parameter_says_where_it_moved():
    from liqbt_strategies import MagnetZone

    with pytest.raises(ConfigError, match="strategy.level_source"):
        MagnetZone(level_source="placebo")


# ------------------------------------------------------------------ baselines for any strategy
def test_a_custom_strategy_reading_zones_gets_placebo_and_sr_baselines(small):
    cls = resolve_strategy("my_strategy.py:MyStrategy", EXAMPLE)
    table = compare_to_baselines(cls(), small, seeds=(0, 1))
    assert list(table.index) == ["heatmap", "placebo_0", "placebo_1", "placebo_mean", "sr", "buy_and_hold"]
    assert (table["note"] == "").all()
    assert table.loc["heatmap", "trades"] > 0
    assert not np.allclose(table.loc["heatmap", "total_return"], table.loc["placebo_0", "total_return"])


@pytest.mark.parametrize("source", ["heatmap", "placebo", "sr"])
def test_the_worked_example_is_point_in_time(small, source):
    cls = resolve_strategy("my_strategy.py:MyStrategy", EXAMPLE)
    full = cls().signals(small.with_levels(source, 1))
    short = small.market.head(700)
    heat = reconstruct(short, CALIBRATED_HEATMAP.model_copy(update={"window": "2d"}), snapshot_every=6)
    part = cls().signals(StrategyContext(short, {"main": heat}, source, 1))
    for field in ("long_entries", "long_exits", "short_entries", "short_exits"):
        pd.testing.assert_series_equal(getattr(part, field), getattr(full, field).iloc[:700], check_freq=False)


def test_level_source_defaults_are_the_heatmap_and_seed_zero():
    from liqbt.strategy.config import StrategyConfig

    cfg = StrategyConfig(name="magnet_zone")
    assert (cfg.level_source, cfg.placebo_seed) == ("heatmap", 0)
    ctx = StrategyContext(generate_market(50, "5m", seed=1))
    assert (ctx.level_source, ctx.placebo_seed, ctx.reads_levels) == ("heatmap", 0, False)


def test_a_strategy_that_reads_no_levels_is_said_so_not_dropped(small):
    from toy_strategies import ToyImbalance

    table = compare_to_baselines(ToyImbalance(), small, seeds=(0, 1))
    assert list(table.index) == ["strategy", "placebo", "sr", "buy_and_hold"]
    assert table.loc["placebo", "note"] == table.loc["sr", "note"] == NO_LEVELS_NOTE
    assert table.loc[["placebo", "sr"], "trades"].isna().all()
    assert table.loc["buy_and_hold", "trades"] == 1


def test_strategy_level_source_in_the_config_sets_the_main_runs_context(tmp_path):
    from liqbt.pipeline import build_context, load_market

    text = (EXAMPLE / "config.yaml").read_text().replace("  params:\n", "  level_source: placebo\n"
                                                         "  placebo_seed: 2\n  params:\n")
    text = text.replace("dir: ../../out/custom_strategy", "dir: out")  # a copy outside the project writes beside it
    _write(tmp_path, "config.yaml", text)
    _write(tmp_path, "my_strategy.py", (EXAMPLE / "my_strategy.py").read_text())
    loaded = load_config(tmp_path / "config.yaml")
    assert (loaded.config.strategy.level_source, loaded.config.strategy.placebo_seed) == ("placebo", 2)
    small_cfg = loaded.config.model_copy(update={"heatmaps": {}})
    small_cfg = small_cfg.model_copy(update={"strategy": small_cfg.strategy.model_copy(update={"name": "buy_and_hold"})})
    _, ctx = build_context(small_cfg, load_market(loaded).head(100), base_dir=loaded.base_dir)
    assert (ctx.level_source, ctx.placebo_seed) == ("placebo", 2)


# ------------------------------------------------------------------ the worked example, through the CLI
def test_the_worked_example_runs_through_the_cli_without_pythonpath(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "liqbt", "run", str(EXAMPLE / "config.yaml"), "--out", str(out)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    table = pd.read_csv(out / "baselines.csv", index_col="variant")
    assert list(table.index) == ["heatmap", "placebo_0", "placebo_1", "placebo_2", "placebo_mean", "sr",
                                 "buy_and_hold"]
    assert "placebo_mean" in done.stdout


# ------------------------------------------------------------------ sweeps: file references and placebo for any strategy
SWEEP = """
    name: file_sweep
    data:
      sources: [{{format: synthetic, bars: 4032, bar_size: 5m, seed: 5}}]
    heatmaps:
      main: {{window: 2d, n_bins: 600}}
    strategy:
      name: {name}
    sweep:
      params:
        {param}: {values}
    evaluation:
      walk_forward: {{kind: rolling, n_splits: 2, train_fraction: 0.6}}
      placebo_seeds: 2
    output:
      dir: out
      snapshot_every: 1h
    """


def test_a_sweep_of_a_strategy_file_gets_placebo_runs_on_each_test_window(tmp_path):
    import json

    _write(tmp_path, "my_strategy.py", (EXAMPLE / "my_strategy.py").read_text())
    _write(tmp_path, "s.yaml", SWEEP.format(name='"my_strategy.py:MyStrategy"', param="dominance",
                                            values="[1.25, 2.0]"))
    code, _, err = run_cli(["-q", "sweep", str(tmp_path / "s.yaml")])
    assert code == 0, err
    placebo = pd.read_csv(tmp_path / "out" / "placebo.csv")
    assert placebo["split"].tolist() == [0, 1]
    assert json.loads((tmp_path / "out" / "sweep_summary.json").read_text())["placebo_note"] is None


def test_a_sweep_of_a_strategy_reading_no_levels_states_why_it_has_no_placebo(tmp_path):
    import json

    _write(tmp_path, "s.yaml", SWEEP.format(name="toy_strategies:ToyImbalance", param="threshold",
                                            values="[0.1, 0.2]"))
    code, _, err = run_cli(["-q", "sweep", str(tmp_path / "s.yaml")])
    assert code == 0, err
    assert not (tmp_path / "out" / "placebo.csv").exists()
    assert json.loads((tmp_path / "out" / "sweep_summary.json").read_text())["placebo_note"] == NO_LEVELS_NOTE
    assert NO_LEVELS_NOTE in (tmp_path / "out" / "sweep_report.html").read_text()


def test_liqbt_run_states_that_a_strategy_reading_no_levels_has_no_placebo(tmp_path):
    _write(tmp_path, "r.yaml", """
        data:
          sources: [{format: synthetic, bars: 1000, bar_size: 5m, seed: 5}]
        heatmaps:
          main: {window: 1d, n_bins: 400}
        strategy: {name: "toy_strategies:ToyImbalance"}
        output: {dir: out, snapshot_every: 1h}
        """)
    code, out, err = run_cli(["run", str(tmp_path / "r.yaml")])
    assert code == 0, err
    assert f"placebo, sr: {NO_LEVELS_NOTE}" in out
    table = pd.read_csv(tmp_path / "out" / "baselines.csv", index_col="variant")
    assert table.loc["placebo", "note"] == NO_LEVELS_NOTE
    assert NO_LEVELS_NOTE in (tmp_path / "out" / "report.html").read_text()
    import json

    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert (stats["level_source"], stats["placebo_seed"]) == ("heatmap", 0)


def test_the_level_source_enters_a_sweeps_identity_only_when_set():
    from liqbt.research.runner import _identity
    from liqbt.strategy.config import StrategyConfig

    base = load_config(PROJECT_ROOT / "configs" / "sweep_magnet_zone_14m.yaml").config
    assert "level_source" not in _identity(base)["strategy"]
    placebo = base.model_copy(update={"strategy": StrategyConfig(name="magnet_zone", level_source="placebo")})
    assert _identity(placebo)["strategy"]["level_source"] == "placebo"
