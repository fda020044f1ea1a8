"""Bayesian search through Optuna and sweeps spread over a Ray cluster (a local one started here)."""

import math
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from conftest import PROJECT_ROOT
from corpus import run_cli
from liqbt.errors import ConfigError
from liqbt.research.config import RangeSpec

OPTUNA = """
name: bayesian
data:
  sources: [{format: synthetic, bars: 4000, bar_size: 5m, seed: 11}]
heatmaps:
  main: {window: 24h, n_bins: 300}
strategy:
  name: toy_strategies:ToyImbalance
sweep:
  method: optuna
  n_trials: 14
  seed: 5
  params:
    threshold: {low: 0.0, high: 0.3}
evaluation:
  walk_forward: {kind: anchored, n_splits: 2, train_fraction: 0.6}
output:
  dir: out
"""

GRID = """
name: distributed
data:
  sources: [{format: synthetic, bars: 4000, bar_size: 5m, seed: 11}]
heatmaps:
  main: {window: 24h, n_bins: 300}
strategy:
  name: toy_strategies:ToyImbalance
sweep:
  method: grid
  params:
    threshold: {low: 0.0, high: 0.3, step: 0.1}
    backtest.leverage: [1, 2]
  chunk_size: 2
evaluation:
  walk_forward: {kind: anchored, n_splits: 2, train_fraction: 0.6}
output:
  dir: out
"""


def _write(tmp_path, text, name="sweep.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def _env(**extra) -> dict:
    return {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "tests"), **extra}


def _sweep(config, out, *args, env=None) -> str:
    cmd = [sys.executable, "-m", "liqbt", "sweep", str(config), "--out", str(out), *args]
    proc = subprocess.run(cmd, env=env or _env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _sweep_here(config, out) -> str:
    """``liqbt sweep`` in this process, as the corpus runs the CLI (tests/corpus.py): the Ray test below keeps
    ``python -m liqbt sweep`` in processes of their own."""
    code, stdout, err = run_cli(["sweep", str(config), "--out", str(out)])
    assert code == 0, err[-3000:]
    return stdout


# --- the objective and the search space --------------------------------------------------------------------------

def test_the_objective_averages_the_train_windows_only():
    from liqbt.research.optuna_search import train_objective

    metrics = {"all": {"m": 50.0}, "train_0": {"m": 1.0}, "test_0": {"m": -100.0}, "train_1": {"m": 3.0},
               "test_1": {"m": 100.0}}
    assert train_objective(metrics, "m") == 2.0


def test_the_objective_uses_the_whole_period_without_splits_and_skips_undefined_windows():
    from liqbt.research.optuna_search import train_objective

    assert train_objective({"all": {"m": 0.5}}, "m") == 0.5
    assert train_objective({"train_0": {"m": None}, "train_1": {"m": 4.0}, "test_0": {"m": 9.0}}, "m") == 4.0
    assert math.isnan(train_objective({"train_0": {"m": None}, "test_0": {"m": 9.0}}, "m"))


def test_sweep_specs_become_optuna_distributions():
    optuna = pytest.importorskip("optuna")
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    from liqbt.research.optuna_search import _suggest

    trial = optuna.create_study().ask()
    specs = {"cat": ["a", "b"], "f": RangeSpec(low=0.0, high=1.0), "fs": RangeSpec(low=0.0, high=1.0, step=0.25),
             "flog": RangeSpec(low=0.01, high=1.0, log=True), "i": RangeSpec(low=1, high=9, step=2, integer=True),
             "ilog": RangeSpec(low=1, high=100, log=True, integer=True)}
    for name, spec in specs.items():
        _suggest(trial, name, spec)
    d = trial.distributions
    assert d["cat"] == CategoricalDistribution(["a", "b"])
    assert d["f"] == FloatDistribution(0.0, 1.0)
    assert d["fs"] == FloatDistribution(0.0, 1.0, step=0.25)
    assert d["flog"] == FloatDistribution(0.01, 1.0, log=True)
    assert d["i"] == IntDistribution(1, 9, step=2)
    assert d["ilog"] == IntDistribution(1, 100, log=True)


def test_optuna_missing_is_a_config_error(monkeypatch):
    from liqbt.research import optuna_search

    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(ConfigError, match=r"pip install 'liqbt\[research\]'"):
        optuna_search._import_optuna()


def test_ray_missing_is_a_config_error(monkeypatch):
    from liqbt.research import ray_executor

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ConfigError, match=r"pip install 'liqbt\[research\]'"):
        ray_executor._import_ray()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_ray_address_is_a_config_error():
    from liqbt.research.ray_executor import _check_reachable

    start = time.time()
    with pytest.raises(ConfigError, match="cannot reach the Ray cluster"):
        _check_reachable(f"127.0.0.1:{_free_port()}")
    with pytest.raises(ConfigError, match="expected 'host:port'"):
        _check_reachable("no-port-here")
    assert time.time() - start < 10


# --- Optuna ------------------------------------------------------------------------------------------------------

def test_optuna_sweep_stores_its_trials_chooses_on_train_and_reruns_nothing(tmp_path):
    optuna = pytest.importorskip("optuna")
    config = _write(tmp_path, OPTUNA)
    out = _sweep_here(config, tmp_path / "out")
    assert "14 parameter sets (14 computed now" in out
    results = pd.read_parquet(tmp_path / "out" / "sweep_results.parquet")
    assert results["threshold"].nunique() == 14
    assert set(results["window"]) == {"all", "train_0", "test_0", "train_1", "test_1"}

    # every trial's value is the mean Sharpe over its train windows, never a test or whole-period score
    storage = f"sqlite:///{tmp_path / 'out' / 'results.optuna.sqlite'}"
    (name,) = optuna.get_all_study_names(storage)
    trials = optuna.load_study(study_name=name, storage=storage).get_trials()
    assert len(trials) == 14 and all(t.state.name == "COMPLETE" for t in trials)
    by_window = results.pivot_table(index="threshold", columns="window", values="sharpe_ratio", dropna=False)
    expected = by_window[["train_0", "train_1"]].mean(axis=1, skipna=True)
    with_test = by_window[["train_0", "train_1", "test_0", "test_1"]].mean(axis=1)
    for trial in trials:
        value = expected.loc[round(trial.params["threshold"], 12)]
        assert trial.value == pytest.approx(value if np.isfinite(value) else -np.inf, rel=1e-12)
    assert not np.allclose(expected.to_numpy(), with_test.to_numpy(), equal_nan=True)

    again = _sweep_here(config, tmp_path / "out")
    assert "14 parameter sets (0 computed now" in again
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "sweep_results.parquet"), results)
    assert len(optuna.load_study(study_name=name, storage=storage).trials) == 14


def test_an_interrupted_optuna_sweep_resumes_to_the_same_trials(tmp_path, monkeypatch):
    pytest.importorskip("optuna")
    from liqbt.config import load_config
    from liqbt.pipeline import load_market
    from liqbt.research import optuna_search, sweep_loaded

    loaded = load_config(_write(tmp_path, OPTUNA.replace("n_trials: 14", "n_trials: 8")))
    market = load_market(loaded)
    through = sweep_loaded(loaded, market, tmp_path / "through", progress=False)

    real, calls = optuna_search.evaluate_combos, []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt  # Ctrl-C while the fourth trial is computed
        return real(*args, **kwargs)

    monkeypatch.setattr(optuna_search, "evaluate_combos", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sweep_loaded(loaded, market, tmp_path / "resumed", progress=False)
    monkeypatch.setattr(optuna_search, "evaluate_combos", real)
    resumed = sweep_loaded(loaded, market, tmp_path / "resumed", progress=False)
    assert resumed.evaluated == 8 - 3
    pd.testing.assert_frame_equal(resumed.results, through.results)


# --- Ray ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ray_cluster():
    """A one-node Ray cluster started with ``ray start --head --block`` (stopped with SIGTERM): its address and env.

    The head does not get the tests folder on its PYTHONPATH: the driver must pass it on to the workers.
    It runs with token authentication on loopback ports picked here, in its own temporary folder.
    """
    pytest.importorskip("ray")
    ray_bin = shutil.which("ray", path=os.path.dirname(sys.executable)) or shutil.which("ray")
    if ray_bin is None:
        pytest.skip("the 'ray' command is not installed")
    temp = tempfile.mkdtemp(prefix="liqbt-ray-")  # short: Ray's socket paths must fit in 107 characters
    auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32), "RAY_USAGE_STATS_ENABLED": "0"}
    head_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "RAY_ADDRESS")} | auth
    port = _free_port()
    cmd = [ray_bin, "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=2",
           "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp}",
           f"--ray-client-server-port={_free_port()}", f"--dashboard-agent-listen-port={_free_port()}"]
    log = open(os.path.join(temp, "head.log"), "w+")
    head = subprocess.Popen(cmd, env=head_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 90
        while time.time() < deadline and head.poll() is None:
            log.seek(0)
            if "Ray runtime started" in log.read():
                break
            time.sleep(0.2)
        else:
            log.seek(0)
            pytest.fail(f"the Ray head did not start:\n{log.read()[-3000:]}")
        yield f"127.0.0.1:{port}", auth
    finally:
        head.send_signal(signal.SIGTERM)  # --block stops the processes it started
        try:
            head.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()
        log.close()
        shutil.rmtree(temp, ignore_errors=True)


def test_a_ray_sweep_on_a_local_cluster_equals_the_local_executor_and_resumes_its_sweeps(tmp_path, ray_cluster):
    from liqbt.cli.main import main

    address, auth = ray_cluster
    config = _write(tmp_path, GRID)
    assert main(["-q", "sweep", str(config), "--out", str(tmp_path / "out")]) == 0
    local = pd.read_parquet(tmp_path / "out" / "sweep_results.parquet")
    assert len(local) == 4 * 2 * 5

    # as if the local sweep had been interrupted: three sets, from both leverage groups, are missing
    lost = ['{"backtest.leverage":1,"threshold":0.0}', '{"backtest.leverage":2,"threshold":0.1}',
            '{"backtest.leverage":2,"threshold":0.2}']
    with sqlite3.connect(tmp_path / "out" / "results.sqlite") as db:
        assert db.execute(f"delete from results where combo_key in ({','.join('?' * 3)})", lost).rowcount == 15
    db.close()

    out = _sweep(config, tmp_path / "out", "--executor", "ray", "--address", address, env=_env(**auth))
    assert "8 parameter sets (3 computed now" in out  # the same experiment: where it runs is not part of it
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "sweep_results.parquet"), local)

    with sqlite3.connect(tmp_path / "out" / "results.sqlite") as db:
        db.execute("delete from results")
    db.close()
    out = _sweep(config, tmp_path / "out", "--executor", "ray", "--address", address, env=_env(**auth))
    assert "8 parameter sets (8 computed now" in out
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "sweep_results.parquet"), local)
