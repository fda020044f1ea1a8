"""The background compile of a cold run (liqbt.precompile): when it starts, and that it compiles the kernels
the run will call with the argument types the run passes (else the run would compile them again)."""

from __future__ import annotations

from types import SimpleNamespace

from conftest import PROJECT_ROOT
from liqbt import precompile
from liqbt.backtest.nb import simulate_nb
from liqbt.backtest.trades_nb import trades_from_orders_nb
from liqbt.config import load_config
from liqbt.heatmap.nb.snapshots import densify_nb
from liqbt.pipeline import run_experiment
from liqbt.zones.nb.clusters import (bar_zones_nb, hold_exits_nb, placebo_prices_nb, relative_clusters_nb)
from liqbt.zones.nb.levels import pivot_zone_sets_nb, swing_pivots_nb

QUICKSTART = PROJECT_ROOT / "configs" / "quickstart.yaml"

#: The kernels the quickstart calls after its heatmap is reconstructed (the background compile's share).
LATER_KERNELS = (simulate_nb, trades_from_orders_nb, bar_zones_nb, hold_exits_nb, placebo_prices_nb,
                 relative_clusters_nb, pivot_zone_sets_nb, swing_pivots_nb, densify_nb)


def signatures() -> dict[str, set]:
    return {k.py_func.__name__: set(k.signatures) for k in LATER_KERNELS}


def test_small_config_keeps_everything_but_the_bars():
    config = load_config(QUICKSTART).config
    small = precompile.small_config(config)
    (source,) = small.data.sources
    assert source.bars == precompile.SMALL_BARS and config.data.sources[0].bars == 25_920
    assert source.model_copy(update={"bars": 25_920}) == config.data.sources[0]
    assert small.model_copy(update={"data": config.data}) == config


def test_not_wanted_when_turned_off_or_without_synthetic_data(monkeypatch):
    loaded = load_config(QUICKSTART)
    monkeypatch.setenv("LIQBT_BACKGROUND_COMPILE", "0")
    assert not precompile.wanted(loaded)
    assert precompile.start(loaded) is None
    monkeypatch.setenv("LIQBT_BACKGROUND_COMPILE", "1")
    real = load_config(QUICKSTART).config

    def loaded_with(**changes):  # what wanted() reads of a LoadedConfig, with one thing changed
        fields = dict(strategy=real.strategy, symbols=None, data=SimpleNamespace(sources=real.data.sources))
        return SimpleNamespace(config=SimpleNamespace(**{**fields, **changes}))

    assert precompile.wanted(loaded_with()) == precompile.wanted(loaded)  # the stand-in reads as the real one
    assert not precompile.wanted(loaded_with(data=SimpleNamespace(sources=(SimpleNamespace(format="freqtrade"),))))
    assert not precompile.wanted(loaded_with(strategy=None))
    assert not precompile.wanted(loaded_with(symbols=("BTCUSDT", "ETHUSDT")))
    monkeypatch.setattr(precompile, "usable_cpus", lambda: 1)  # one core: nothing to gain
    assert not precompile.wanted(loaded_with(data=SimpleNamespace(sources=())))


def test_the_run_compiles_nothing_the_background_compiled():
    """After :func:`compile_later_kernels` on the quickstart, the quickstart itself (real heatmap, fewer
    bars and one placebo seed to keep the test short) calls the later kernels with no new argument types.
    Run alone, the kernels start without signatures, so this also shows the background compile covers
    each of them (a stand-in heatmap of float64 instead of float32 profiles fails it)."""
    loaded = load_config(QUICKSTART)
    precompile.compile_later_kernels(loaded)
    after_background = signatures()
    assert all(after_background.values()), after_background
    config = precompile.small_config(loaded.config)
    config = config.model_copy(update={"evaluation": config.evaluation.model_copy(update={"placebo_seeds": 1})})
    run = run_experiment(type(loaded)(config=config, path=loaded.path, allow=loaded.allow))
    run.backtest.trades()
    assert {"heatmap", "placebo_0", "sr", "buy_and_hold"} <= set(run.judgement.summary.index)
    assert signatures() == after_background


def test_stop_ends_the_process_and_accepts_none():
    import subprocess
    import sys

    precompile.stop(None)
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    precompile.stop(proc)
    assert proc.poll() is not None


def test_on_unless_the_environment_turns_it_off(monkeypatch):
    monkeypatch.delenv("LIQBT_BACKGROUND_COMPILE", raising=False)
    assert precompile.enabled()
    for value in ("0", "off", "No", "false"):
        monkeypatch.setenv("LIQBT_BACKGROUND_COMPILE", value)
        assert not precompile.enabled(), value
    for value in ("1", "on", "Yes", "true", ""):
        monkeypatch.setenv("LIQBT_BACKGROUND_COMPILE", value)
        assert precompile.enabled(), value


def test_start_launches_the_module_on_the_config_with_its_allowed_paths(monkeypatch):
    loaded = load_config(QUICKSTART)
    argv = precompile.command(loaded, ["../shared"])
    assert argv[1:] == ["-m", "liqbt.precompile", str(loaded.path), "--allow-path", "../shared"]
    monkeypatch.setattr(precompile, "wanted", lambda loaded: True)  # as on a cold cache
    proc = precompile.start(loaded, ["../shared"])  # a real child process, stopped at once
    try:
        assert proc.args == argv
        # nothing of the child reaches the run's terminal: its failures are its own
        assert proc.stdout is None and proc.stderr is None
    finally:
        precompile.stop(proc)
    assert proc.poll() is not None
