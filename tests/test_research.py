"""Sweeps: parameter expansion, windows, fast metrics, deflated Sharpe, the store, and resuming after a kill."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from conftest import PROJECT_ROOT
from corpus import run_cli
from liqbt.backtest import BacktestConfig, Signals, run_backtest
from liqbt.data import generate_market
from liqbt.research.config import RangeSpec, SweepConfig, WalkForwardConfig
from liqbt.research.metrics import fast_metrics
from liqbt.research.store import ResultStore, config_hash
from liqbt.research.sweep import expand_params, windows
from liqbt.research.walkforward import deflated_sharpe_ratio, expected_max_sharpe


def test_grid_expansion_is_the_product_in_order():
    sweep = SweepConfig(params={"a": [1, 2], "b": RangeSpec(low=0.0, high=1.0, step=0.5)})
    assert expand_params(sweep) == [{"a": 1, "b": 0.0}, {"a": 1, "b": 0.5}, {"a": 1, "b": 1.0},
                                    {"a": 2, "b": 0.0}, {"a": 2, "b": 0.5}, {"a": 2, "b": 1.0}]


def test_random_expansion_is_seeded_unique_and_in_range():
    sweep = SweepConfig(method="random", n_trials=30, seed=7,
                        params={"a": RangeSpec(low=1, high=100, integer=True), "b": ["x", "y"]})
    first, second = expand_params(sweep), expand_params(sweep)
    assert first == second and len(first) == 30
    assert len({tuple(sorted(c.items())) for c in first}) == 30
    assert all(1 <= c["a"] <= 100 and isinstance(c["a"], int) for c in first)


def test_rolling_and_anchored_windows():
    rolling = windows(1000, WalkForwardConfig(kind="rolling", n_splits=3, train_fraction=0.5))
    assert [(w.name, w.start, w.end) for w in rolling] == [
        ("all", 0, 1000), ("train_0", 0, 250), ("test_0", 250, 500), ("train_1", 250, 500),
        ("test_1", 500, 750), ("train_2", 500, 750), ("test_2", 750, 1000)]
    anchored = windows(1000, WalkForwardConfig(kind="anchored", n_splits=3, train_fraction=0.5))
    assert [(w.start, w.end) for w in anchored if w.name.startswith("train")] == [(0, 250), (0, 500), (0, 750)]


def test_expected_max_sharpe_matches_the_published_approximation():
    # Bailey & Lopez de Prado: about 2.53 standard deviations for the best of 100 skill-less trials
    assert expected_max_sharpe(1.0, 100) == pytest.approx(2.53, abs=0.01)
    assert expected_max_sharpe(1.0, 1) == 0.0


def test_deflated_sharpe_penalises_many_trials():
    rng = np.random.default_rng(1)
    returns = rng.normal(0.0005, 0.01, 5000)
    few = deflated_sharpe_ratio(returns, rng.normal(0, 0.01, 2))
    many = deflated_sharpe_ratio(returns, rng.normal(0, 0.01, 2000))
    assert 0 <= many["dsr"] < few["dsr"] <= 1


def test_fast_metrics_equal_the_full_statistics():
    market = generate_market(3000, "5m", seed=2)
    rng = np.random.default_rng(0)
    frame = lambda: pd.DataFrame(rng.random((len(market), 6)) < 0.01, index=market.index)  # noqa: E731
    result = run_backtest(market, Signals(frame(), frame(), frame(), frame()), BacktestConfig(leverage=3))
    fast, full = fast_metrics(result), result.stats()
    for column in fast.columns:
        np.testing.assert_allclose(fast[column].to_numpy(float), full[column].to_numpy(float), rtol=1e-9,
                                   atol=1e-9, err_msg=column)


def test_store_keys_experiments_by_config_and_data(tmp_path):
    with ResultStore(tmp_path / "s.sqlite") as store:
        a = store.experiment("sweep", "x", {"a": 1, "output": {"dir": "p"}}, "fp")
        assert store.experiment("sweep", "x", {"a": 1, "output": {"dir": "q"}}, "fp") == a  # output does not count
        assert store.experiment("sweep", "x", {"a": 2}, "fp") != a
        assert store.experiment("sweep", "x", {"a": 1}, "other data") != a
        store.add(a, [({"p": 1}, "all", {"m": 0.5, "n": np.int64(3), "z": float("nan")})])
        assert store.done(a) == {'{"p":1}'}
        row = store.results(a).iloc[0]
        assert row["p"] == 1 and row["m"] == 0.5 and row["n"] == 3 and pd.isna(row["z"])
    assert config_hash({"a": 1}) == config_hash({"a": 1, "output": {"dir": "zzz"}})


SWEEP = """
name: resumable
data:
  sources: [{format: synthetic, bars: 6000, bar_size: 5m, seed: 11}]
heatmaps:
  main: {window: 24h, n_bins: 300}
strategy:
  name: toy_strategies:ToyImbalance
sweep:
  method: grid
  params:
    threshold: {low: 0.0, high: 0.39, step: 0.01}
  chunk_size: 2
evaluation:
  walk_forward: {kind: anchored, n_splits: 2, train_fraction: 0.6}
output:
  dir: out
"""


def _sweep_cmd(config, out):
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "tests")}
    return [sys.executable, "-m", "liqbt", "-q", "sweep", str(config), "--out", str(out)], env


def _stored(path) -> int:
    try:
        with sqlite3.connect(path, timeout=5) as db:
            return db.execute("select count(distinct combo_key) from results").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_a_killed_sweep_resumes_without_losing_or_repeating_work(tmp_path):
    config = tmp_path / "sweep.yaml"
    config.write_text(textwrap.dedent(SWEEP))
    # the uninterrupted reference runs in this process (the same main() as `python -m liqbt`): only the sweep
    # that is killed needs a process of its own
    code, _, err = run_cli(["-q", "sweep", str(config), "--out", str(tmp_path / "full")])
    assert code == 0, err
    expected = pd.read_parquet(tmp_path / "full" / "sweep_results.parquet")
    assert expected["threshold"].nunique() == 40

    cmd, env = _sweep_cmd(config, tmp_path / "killed")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = tmp_path / "killed" / "results.sqlite"
    deadline = time.time() + 120
    while _stored(store) < 6 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = _stored(store)
    assert 0 < partial < 40, f"the kill should land mid-sweep, {partial} of 40 sets were stored"

    # the resume reads only the store the killed process left: it runs in this process too
    code, out, err = run_cli(["sweep", str(config), "--out", str(tmp_path / "killed")])
    assert code == 0, err
    assert f"{40 - partial} computed now" in out
    resumed = pd.read_parquet(tmp_path / "killed" / "sweep_results.parquet")
    pd.testing.assert_frame_equal(resumed, expected)


def test_sweep_report_renders_and_report_command_reads_the_store(tmp_path):
    from browser import open_page

    config = tmp_path / "sweep.yaml"
    config.write_text(textwrap.dedent(SWEEP).replace("step: 0.01", "step: 0.1"))
    # in this process, as the corpus runs the CLI (tests/corpus.py): the killed-sweep test keeps `python -m liqbt
    # sweep` in a process of its own
    code, out, err = run_cli(["sweep", str(config), "--out", str(tmp_path / "o")])
    assert code == 0, err
    assert "parameter sets (4 computed now" in out
    summary = __import__("json").loads((tmp_path / "o" / "sweep_summary.json").read_text())
    assert summary["parameter_sets"] == 4 and 0 <= summary["deflated_sharpe"]["dsr"] <= 1
    check = open_page(tmp_path / "o" / "sweep_report.html")
    assert check.console_errors == [] and check.page_errors == []
    code, _, err = run_cli(["report", str(config), "--out", str(tmp_path / "o")])
    assert code == 0, err
    _, listing, _ = run_cli(["report", "--store", str(tmp_path / "o" / "results.sqlite")])
    assert "resumable" in listing and "done" in listing


def test_sweep_reports_the_chosen_sets_against_their_placebo_runs(tmp_path):
    config = tmp_path / "p.yaml"
    config.write_text(textwrap.dedent("""
        name: placebo_sweep
        data:
          sources: [{format: synthetic, bars: 8640, bar_size: 5m, seed: 5}]
        heatmaps:
          main: {window: 3d, n_bins: 600}
        strategy:
          name: magnet_zone
        sweep:
          params:
            dominance: [1.25, 2.0]
        evaluation:
          walk_forward: {kind: rolling, n_splits: 2, train_fraction: 0.6}
          placebo_seeds: 3
        output:
          dir: out
          snapshot_every: 1h
        """))
    code, _, err = run_cli(["-q", "sweep", str(config)])
    assert code == 0, err
    placebo = pd.read_csv(tmp_path / "out" / "placebo.csv")
    assert placebo["split"].tolist() == [0, 1]
    assert ((placebo["placebo_min"] <= placebo["placebo_mean"]) & (placebo["placebo_mean"] <= placebo["placebo_max"])).all()
    assert placebo["share_of_placebos_beaten"].between(0, 1).all()


def test_heatmap_parameter_groups_computed_together_equal_separate_runs(tmp_path):
    from liqbt.config import load_config
    from liqbt.pipeline import load_market
    from liqbt.research import sweep_loaded
    from liqbt.research.contexts import override_context
    from liqbt.research.sweep import evaluate_combos

    config = tmp_path / "h.yaml"
    config.write_text(textwrap.dedent("""
        name: hm_sweep
        data:
          sources: [{format: synthetic, bars: 4000, bar_size: 5m, seed: 5}]
        heatmaps:
          main: {window: 3d, n_bins: 400}
        strategy:
          name: magnet_zone
        sweep:
          params:
            dominance: [1.25, 2.0]
            heatmaps.main.window: [24h, 3d, 7d, 14d, 30d]
        evaluation:
          walk_forward: {kind: rolling, n_splits: 1, train_fraction: 0.6}
          placebo_seeds: 0
        output:
          dir: out
          snapshot_every: 1h
        """))
    loaded = load_config(config)
    market = load_market(loaded)
    outcome = sweep_loaded(loaded, market, tmp_path / "out", progress=False)
    combos = [{"dominance": d, "heatmaps.main.window": "14d"} for d in (1.25, 2.0)]
    ctx, backtest = override_context(loaded.config, market, (("heatmaps.main.window", "14d"),))
    wins = windows(len(market), loaded.config.evaluation.walk_forward)
    params = [{"dominance": d} for d in (1.25, 2.0)]
    for combo, window, metrics in evaluate_combos(market, ctx, loaded.config.strategy.strategy_class(), combos,
                                                  params, backtest, wins):
        row = outcome.results[(outcome.results["dominance"] == combo["dominance"])
                              & (outcome.results["heatmaps.main.window"] == "14d")
                              & (outcome.results["window"] == window)].iloc[0]
        for key, value in metrics.items():
            assert row[key] == pytest.approx(value, nan_ok=True), key


@pytest.mark.parametrize("param,fragment", [
    ("treshold", "unknown parameter 'treshold'; did you mean 'threshold'"),
    ("heatmaps.nope.window", "heatmaps.<name>.<field>"),
    ("heatmaps.main.window", "expected a duration"),
    ("backtest.leverage", "leverage"),
])
def test_bad_sweep_parameters_are_one_clear_error(tmp_path, param, fragment):
    values = {"treshold": "[0.1]", "heatmaps.nope.window": "[1d]", "heatmaps.main.window": "[soon]",
              "backtest.leverage": "[500]"}[param]
    config = tmp_path / "bad.yaml"
    config.write_text(textwrap.dedent(SWEEP).replace("threshold: {low: 0.0, high: 0.39, step: 0.01}",
                                                     f"{param}: {values}"))
    # in this process, as the bad-input corpus runs the CLI (tests/corpus.py): one interpreter start per case
    # cost seconds and checked nothing more
    code, _, err = run_cli(["-q", "sweep", str(config), "--out", str(tmp_path / "o")])
    assert code == 2 and fragment in err and "Traceback" not in err
