"""Several symbols in one config (issue #14 item 6): ``symbols:``, the gate, and one job over them."""

from __future__ import annotations

import sqlite3
import textwrap

import pandas as pd
import pytest

from conftest import shared_path
from corpus import Case, run_case, run_cli
from liqbt.config import load_config
from liqbt.config.gate import require
from liqbt.errors import ConfigError, DataError
from liqbt.jobs import run_symbols
from liqbt.pipeline import load_market, run_experiment, run_sweep

SHARED = """
heatmaps:
  main: {window: 24h, n_bins: 300}
strategy:
  name: magnet_zone
backtest: {liquidation: {trigger: last}}
sweep:
  method: grid
  params: {dominance: [1.25, 2.0]}
evaluation:
  walk_forward: {kind: anchored, n_splits: 2, train_fraction: 0.6}
  placebo_seeds: 0
output:
  dir: out
  snapshot_every: 1h
"""


def _synthetic(seed: int, bars: int = 3000) -> str:
    return f"{{sources: [{{format: synthetic, bars: {bars}, bar_size: 5m, seed: {seed}}}]}}"


def _write(tmp_path, head: str, name: str = "c.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(head) + textwrap.dedent(SHARED))
    return path


def _two(tmp_path, eth_seed: int = 12, name: str = "two.yaml"):
    return _write(tmp_path, f"""
        name: two
        symbols:
          AAAUSDT: {_synthetic(11)}
          BBBUSDT: {_synthetic(eth_seed)}
        """, name)


def test_each_symbol_is_the_one_market_config_a_user_would_write(tmp_path):
    loaded = load_config(_two(tmp_path))
    alone = load_config(_write(tmp_path, f"name: two\ndata: {_synthetic(12)}\n", "alone.yaml"))
    assert list(loaded.config.symbols) == ["AAAUSDT", "BBBUSDT"]
    one = loaded.for_symbol("BBBUSDT").config
    assert one.symbols is None and one == alone.config
    # the dump (and so the results store's key) of a one-market config has no trace of symbols:
    assert "symbols" not in alone.config.model_dump() and "data" in alone.config.model_dump()
    assert "data" not in loaded.config.model_dump()


@pytest.mark.parametrize("head,fragment", [
    (f"data: {_synthetic(1)}\nsymbols: {{AUSDT: {_synthetic(1)}}}\n",
     "symbols: expected exactly one of 'data' (one market) or 'symbols'"),
    ("symbols: {}\n", "symbols: expected at least one symbol"),
    (f"symbols: {{'../up': {_synthetic(1)}}}\n", "symbol name '../up': expected letters, digits"),
    (f"symbols: {{AUSDT: {{sources: [{{format: synthetic}}], nope: 1}}}}\n", "symbols.AUSDT.nope"),
    (f"symbols: {{AUSDT: {{sources: [{{format: synthetic, bars: 5}}]}}}}\n", "symbols.AUSDT.sources[0].bars"),
    ("symbols: {AUSDT: {venues: {binance: {sources: [{format: synthetic}]}}}}\n",
     "AUSDT.venues: a symbol is one market"),
    (f"symbols: {{AUSDT: {_synthetic(1)}, BUSDT: {{sources: [{{format: freqtrade, path: nowhere}}]}}}}\n",
     "symbols.BUSDT.sources[0].path: file or folder not found"),
    (f"symbols: {{AUSDT: {{start: 2030-01-01, sources: [{{format: synthetic}}]}}}}\n",
     "symbols.AUSDT.start/end"),
])
def test_a_bad_symbols_section_names_the_field(tmp_path, head, fragment):
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, head))
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_a_shared_section_error_names_the_symbol(tmp_path):
    path = _write(tmp_path, f"symbols: {{AUSDT: {_synthetic(1)}}}\n")
    path.write_text(path.read_text().replace("{dominance:", "{dominanse:"))
    with pytest.raises(ConfigError, match=r"sweep.params.dominanse: unknown parameter .*\(symbol AUSDT\)"):
        load_config(path)


@pytest.mark.parametrize("command", ["heatmap", "calibrate", "report"])
def test_commands_of_one_market_refuse_several_symbols(tmp_path, command):
    loaded = load_config(_two(tmp_path))
    with pytest.raises(ConfigError, match=rf"symbols: '{command}' reads one market .*\['AAAUSDT', 'BBBUSDT'\]"):
        require(loaded, command)
    with pytest.raises(ConfigError, match="are several markets"):
        load_market(loaded)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    keys = ["dominance", "window"]
    a, b = a.sort_values(keys).reset_index(drop=True), b.sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_a_two_symbol_sweep_in_two_processes_equals_each_symbol_alone(tmp_path):
    loaded = load_config(_two(tmp_path))
    outcome = run_symbols(loaded, "sweep", tmp_path / "job", workers=2)
    for name in ("AAAUSDT", "BBBUSDT"):
        alone = run_sweep(loaded.for_symbol(name))
        _same(outcome.results[name], alone.results)
        pd.testing.assert_frame_equal(outcome.walk_forward[name], alone.walk_forward)
        # every symbol in its own folder and results store
        assert (tmp_path / "job" / name / "sweep_results.parquet").exists()
        with sqlite3.connect(tmp_path / "job" / name / "results.sqlite") as db:
            assert db.execute("select count(distinct combo_key) from results").fetchone()[0] == 2
    summary = pd.read_csv(tmp_path / "job" / "symbols_summary.csv")
    assert list(summary["symbol"]) == ["AAAUSDT", "BBBUSDT", "pooled"]
    assert summary["bars"].iloc[2] == 6000 and summary["wf_splits"].iloc[2] == 4
    assert summary["wf_test"].iloc[2] == pytest.approx(pd.concat(outcome.walk_forward.values())["test"].mean())
    full = pd.concat([r[r["window"] == "all"] for r in outcome.results.values()])
    best = full.groupby("dominance")["sharpe_ratio"].mean()
    assert summary["best_dominance"].iloc[2] == best.idxmax()
    assert summary["sharpe_ratio"].iloc[2] == pytest.approx(best.max())


@pytest.fixture(scope="module")
def two_in_one_process(tmp_path_factory):
    """The two-symbol sweep run one symbol after the other in this process (computed once, only read)."""
    folder = tmp_path_factory.mktemp("two")
    return run_symbols(load_config(_two(folder, 12, "a.yaml")), "sweep", folder / "a", workers=1)


def test_a_symbol_sees_nothing_of_the_others(tmp_path, two_in_one_process):
    """Point in time across symbols: changing one symbol's data changes no number of another's."""
    first = two_in_one_process
    second = run_symbols(load_config(_two(tmp_path, 99, "b.yaml")), "sweep", tmp_path / "b", workers=1)
    _same(first.results["AAAUSDT"], second.results["AAAUSDT"])
    assert not first.results["BBBUSDT"]["sharpe_ratio"].equals(second.results["BBBUSDT"]["sharpe_ratio"])


def test_one_symbol_runs_exactly_as_its_one_market_config(tmp_path):
    one = load_config(_write(tmp_path, f"name: one\nsymbols: {{AAAUSDT: {_synthetic(11)}}}\n", "one.yaml"))
    alone = load_config(_write(tmp_path, f"name: one\ndata: {_synthetic(11)}\n", "alone.yaml"))
    outcome = run_symbols(one, "run", tmp_path / "job")
    expected = run_experiment(alone).stats.iloc[0]
    got = outcome.results["AAAUSDT"].iloc[0]
    for key in ("total_return", "sharpe_ratio", "max_drawdown", "trades"):
        assert got[key] == pytest.approx(expected[key], nan_ok=True), key
    assert list(outcome.summary["symbol"]) == ["AAAUSDT", "pooled"]
    assert outcome.summary["total_return"].iloc[1] == pytest.approx(expected["total_return"], nan_ok=True)
    assert (tmp_path / "job" / "AAAUSDT" / "report.html").exists()


@pytest.mark.real_data
def test_a_failing_symbol_is_named_and_the_finished_one_kept(tmp_path):
    xrp = shared_path("binance-um-xrp-2021", "futures")
    path = _write(tmp_path, f"""
        symbols:
          AAAUSDT: {_synthetic(11)}
          XRPUSDT: {{sources: [{{format: freqtrade, path: {xrp}, pair: XRP/USDT:USDT, timeframe: 5m}}]}}
        """)
    with pytest.raises(DataError, match=r"symbols.XRPUSDT: .*no open interest.*finished and kept: \['AAAUSDT'\]"):
        run_symbols(load_config(path, allow_paths=(xrp,)), "sweep", tmp_path / "job", workers=1)
    with sqlite3.connect(tmp_path / "job" / "AAAUSDT" / "results.sqlite") as db:
        assert db.execute("select count(distinct combo_key) from results").fetchone()[0] == 2


def test_liqbt_sweep_runs_the_symbols_as_one_job_and_prints_the_summary(tmp_path, monkeypatch):
    config = _two(tmp_path)
    monkeypatch.chdir(tmp_path)
    # in this process, as the corpus runs the CLI (tests/corpus.py); the job's symbols still run in their own
    # worker processes
    code, out, err = run_cli(["sweep", str(config), "--out", str(tmp_path / "cli")])
    assert code == 0, err
    assert "2 symbols (sweep); pooled: the symbols weighted equally" in out
    assert [line.split()[0] for line in out.splitlines()[2:5]] == ["AAAUSDT", "BBBUSDT", "pooled"]
    for name in ("AAAUSDT", "BBBUSDT"):
        assert (tmp_path / "cli" / name / "sweep_report.html").exists()


def test_with_the_ray_executor_each_symbol_sweeps_on_ray_and_equals_the_local_job(tmp_path, two_in_one_process):
    pytest.importorskip("ray")
    local = two_in_one_process  # the same config, without the executor line
    path = _two(tmp_path, name="ray.yaml")
    path.write_text(path.read_text().replace("method: grid", "method: grid\n  executor: ray"))
    loaded = load_config(path)
    assert loaded.config.sweep.executor == "ray"
    on_ray = run_symbols(loaded, "sweep", tmp_path / "ray")
    for name in ("AAAUSDT", "BBBUSDT"):
        _same(on_ray.results[name], local.results[name])
    pd.testing.assert_frame_equal(on_ray.summary, local.summary)


SYMBOLS_HEAD = f"symbols:\n  AUSDT: {_synthetic(1, 500)}\n  BUSDT: {_synthetic(2, 500)}\n"
SYMBOLS_CASES = [
    Case("symbols-heatmap", ("heatmap", "{tmp}/c.yaml"), "symbols: 'heatmap' reads one market",
         {"c.yaml": SYMBOLS_HEAD + "heatmaps: {main: {window: 1d}}\n"}),
    Case("symbols-no-strategy", ("run", "{tmp}/c.yaml"), "symbols: running several symbols as one job needs a "
         "'strategy:' section", {"c.yaml": SYMBOLS_HEAD}),
    Case("symbols-bad-name", ("validate", "{tmp}/c.yaml"), "symbol name 'a/b': expected letters",
         {"c.yaml": f"symbols: {{'a/b': {_synthetic(1, 500)}}}\n"}),
    Case("symbols-and-data", ("validate", "{tmp}/c.yaml"), "found both (symbols ['AUSDT', 'BUSDT'])",
         {"c.yaml": SYMBOLS_HEAD + f"data: {_synthetic(1, 500)}\n"}),
    Case("symbols-missing-path", ("validate", "{tmp}/c.yaml"),
         "symbols.BUSDT.sources[0].path: file or folder not found",
         {"c.yaml": f"symbols:\n  AUSDT: {_synthetic(1, 500)}\n  BUSDT: {{sources: [{{format: vendor_4h, "
                    "path: nowhere}]}\n"}),
]


@pytest.mark.parametrize("case", SYMBOLS_CASES, ids=[c.id for c in SYMBOLS_CASES])
def test_a_bad_symbols_config_is_one_error_line(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_case(case, tmp_path)
