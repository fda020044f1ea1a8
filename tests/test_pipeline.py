"""liqbt run end to end: config -> heatmaps -> strategy -> backtest -> files, and the HTML report in Chromium."""

import json
import textwrap

import pandas as pd
import pytest

from browser import open_page
from corpus import run_cli
from liqbt.config import load_config
from liqbt.errors import ConfigError, OutputError
from liqbt.pipeline import run_experiment, write_run

CONFIG = """
name: toy
data:
  sources: [{format: synthetic, bars: 4032, bar_size: 5m, seed: 5}]
heatmaps:
  short_window: {window: 24h, n_bins: 400}
strategy:
  name: toy_strategies:ToyImbalance
  params: {threshold: 0.05}
  heatmaps: {main: short_window}
output:
  dir: out
  snapshot_every: 2h
"""


def write(tmp_path, text=CONFIG):
    path = tmp_path / "c.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_run_writes_every_output_and_the_report_renders(tmp_path):
    loaded = load_config(write(tmp_path))
    run = run_experiment(loaded)
    assert run.stats.shape[0] == 1 and run.stats["trades"].iloc[0] > 0
    paths = write_run(run, tmp_path / "out")
    for key in ("stats", "trades", "equity", "heatmap_short_window", "report"):
        assert paths[key].exists(), key
    stats = json.loads(paths["stats"].read_text())
    assert stats["params"] == {"threshold": 0.05}
    assert stats["stats"]["pnl_usd"] == pytest.approx(
        stats["stats"]["pnl_price_usd"] + stats["stats"]["pnl_funding_usd"] + stats["stats"]["pnl_fees_usd"])
    assert len(pd.read_csv(paths["trades"])) > 0
    check = open_page(paths["report"], canvas_selector="canvas")
    assert check.console_errors == [] and check.page_errors == []
    # a write that fails names the file and leaves no partial output (trades.csv is now a folder)
    again = tmp_path / "again"
    (again / "trades.csv").mkdir(parents=True)
    with pytest.raises(OutputError, match=r"trades\.csv: cannot write"):
        write_run(run, again)
    assert sorted(p.name for p in again.iterdir()) == ["stats.json", "trades.csv"]
    assert list((again / "trades.csv").iterdir()) == []


def test_cli_run_prints_a_summary(tmp_path):
    path = write(tmp_path)
    # in this process, as the corpus runs the CLI (tests/corpus.py); `python -m liqbt run` in a fresh interpreter
    # stays covered by tests/test_strategy_resolution.py's worked example
    code, out, err = run_cli(["run", str(path), "--out", str(tmp_path / "o")])
    assert code == 0, err
    assert "total return" in out and "PnL funding" in out
    assert (tmp_path / "o" / "report.html").exists()


def test_strategy_param_typo_names_the_yaml_path(tmp_path):
    path = write(tmp_path, CONFIG.replace("threshold: 0.05", "treshold: 0.05"))
    with pytest.raises(ConfigError, match=r"strategy\.params: .*unknown parameter 'treshold'; did you mean 'threshold'"):
        load_config(path)


def test_strategy_role_without_heatmap_is_an_error(tmp_path):
    path = write(tmp_path, CONFIG.replace("heatmaps: {main: short_window}", "heatmaps: {main: nothing}"))
    with pytest.raises(ConfigError, match=r"strategy\.heatmaps\.main"):
        load_config(path)
