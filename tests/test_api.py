"""The public Python surface: one call per job, a light ``import liqbt``, ``dir(liqbt)``."""

import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest

import liqbt
from conftest import PROJECT_ROOT

HEAVY = ("numba", "pandas", "vectorbt", "pydantic", "matplotlib")

CONFIG = """
name: api_toy
data:
  sources: [{format: synthetic, bars: 3000, bar_size: 5m, seed: 5}]
heatmaps:
  main: {window: 24h, n_bins: 300}
strategy:
  name: magnet_zone
  heatmaps: {main: main}
sweep:
  params:
    dominance: [1.25, 2.0]
evaluation:
  walk_forward: {kind: rolling, n_splits: 1, train_fraction: 0.6}
  placebo_seeds: 0
  baselines: false
backtest:
  liquidation: {trigger: last}
output:
  dir: out
  snapshot_every: 1h
"""


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(textwrap.dedent(CONFIG))
    return path


def loaded_modules(code: str) -> set[str]:
    """The heavy modules in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_import_liqbt_loads_no_heavy_module():
    assert loaded_modules("import liqbt") == set()


def test_building_the_cli_parser_loads_no_heavy_module():
    assert loaded_modules("from liqbt.cli.main import build_parser\nbuild_parser()") == set()


@pytest.mark.real_data
def test_validate_loads_no_engine_or_plotting():
    code = "from liqbt.cli.main import main\nmain(['-q', 'validate', 'configs/strategy_magnet_zone.yaml'])"
    assert not loaded_modules(code) & {"vectorbt", "matplotlib"}


def test_lazy_names_load_on_first_use():
    assert loaded_modules("import liqbt\nliqbt.Market") >= {"pandas"}


def test_dir_lists_every_public_name():
    names = dir(liqbt)
    for name in liqbt.__all__:
        assert name in names, name
    for name in ("reconstruct", "run_backtest", "run_experiment", "run_sweep", "calibrate", "record_run",
                 "StrategyContext", "resolve_strategy", "load_config", "Market"):
        assert name in liqbt.__all__ and callable(getattr(liqbt, name)), name


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        liqbt.nope


def test_validate_for_choices_match_the_gate():
    from liqbt.cli.validate_cmd import COMMANDS
    from liqbt.config.gate import COMMANDS as GATE_COMMANDS

    assert COMMANDS == GATE_COMMANDS


def test_reconstruct_and_run_backtest_on_a_synthetic_market():
    market = liqbt.generate_market(2000, "5m", seed=3)
    result = liqbt.reconstruct(market, liqbt.HeatmapModel(window="24h", n_bins=1000))
    assert len(result.features) == len(market)
    entries = market.bars["close"] > market.bars["close"].rolling(50).mean()
    signals = liqbt.Signals(long_entries=entries, long_exits=~entries)
    bt = liqbt.run_backtest(market, signals, liqbt.BacktestConfig(liquidation={"trigger": "last"}))
    assert bt.stats()["trades"].iloc[0] > 0


def test_run_experiment_from_a_path(config_path):
    run = liqbt.run_experiment(config_path)
    assert run.stats.shape[0] == 1 and run.config.name == "api_toy"
    assert run.baselines is None  # evaluation.baselines: false


def test_run_experiment_from_a_config_object_equals_the_file(config_path, tmp_path):
    from_file = liqbt.run_experiment(config_path)
    config = liqbt.load_config(config_path).config
    from_object = liqbt.run_experiment(liqbt.ExperimentConfig.model_validate(config.model_dump()), base_dir=tmp_path)
    assert from_object.stats.equals(from_file.stats)


def test_a_config_object_gets_the_file_gate(config_path, tmp_path, monkeypatch):
    config = liqbt.load_config(config_path).config
    bad = config.model_copy(update={"strategy": config.strategy.model_copy(update={"name": "magnet_zon"})})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(liqbt.ConfigError, match=r"<ExperimentConfig>: strategy\.name: .*magnet_zone"):
        liqbt.run_experiment(bad)


def test_base_dir_only_with_a_config_object(config_path, tmp_path):
    with pytest.raises(liqbt.ConfigError, match="base_dir"):
        liqbt.run_experiment(config_path, base_dir=tmp_path)


def test_run_sweep_without_a_store_leaves_no_file(config_path, tmp_path):
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    outcome = liqbt.run_sweep(config_path)
    assert sorted(outcome.results["dominance"].unique()) == [1.25, 2.0]
    assert outcome.evaluated == 2 and len(outcome.walk_forward) == 1
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_run_sweep_with_a_store_resumes(config_path, tmp_path):
    store = tmp_path / "sweep.sqlite"
    first = liqbt.run_sweep(config_path, store)
    again = liqbt.run_sweep(config_path, store)
    assert (first.evaluated, again.evaluated) == (2, 0)
    assert again.results.equals(first.results)


def test_record_run_from_python_writes_a_row(config_path, tmp_path):
    run = liqbt.run_experiment(config_path)
    store = tmp_path / "runs.sqlite"
    exp = liqbt.record_run(run, store)
    with sqlite3.connect(store) as db:
        kind, name, status = db.execute("select kind, name, status from experiments where id=?", (exp,)).fetchone()
        rows = db.execute("select window, params_json from results where experiment_id=?", (exp,)).fetchall()
    assert (kind, name, status) == ("run", "api_toy", "done")
    assert [w for w, _ in rows] == ["all"]
    assert json.loads(rows[0][1]) == run.strategy.get_params()


def test_calibrate_through_the_public_api():
    market = liqbt.generate_market(24 * 60, "1h", seed=2)
    report = liqbt.calibrate(market)
    assert {"train", "test"} <= set(report["scores"])
