"""Stage lines on stderr (issue #14): in order for ``run``, ``heatmap`` and ``calibrate``, none with
``--quiet``, none into a pipe unless ``--progress`` asks, and stdout unchanged."""

import io
import re
import textwrap

import pytest

from corpus import run_cli
from liqbt import progress

RUN = """
name: toy
data:
  sources: [{format: synthetic, bars: 2016, bar_size: 5m, seed: 5}]
heatmaps:
  main: {window: 24h, n_bins: 400}
strategy:
  name: magnet_zone
  heatmaps: {main: main}
evaluation: {placebo_seeds: 2}
output:
  dir: out
  snapshot_every: 2h
"""

CALIBRATE = """
data:
  sources: [{format: synthetic, bars: 2016, seed: 3}]
calibration:
  train_fraction: 0.5
  search: {leverage_median: [25.0], leverage_sigma: [1.3], entry_price: [range], long_share: [equal],
           window: [3d], background_density: [0.0]}
"""

LINE = re.compile(r"^liqbt: \[ *(\d+\.\d) s\] (.+)$")
KERNELS = ("compiling kernels on first use: numba's cache is cold", "kernels: numba's cache is warm")


def write(tmp_path, text):
    path = tmp_path / "c.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def stages(err: str) -> list[str]:
    """The stage texts of ``err`` in order (the kernel line as one of :data:`KERNELS`), checking that
    every stage line has its elapsed time and that the times never go back."""
    found, times = [], []
    for line in err.splitlines():
        match = LINE.match(line)
        if match:
            times.append(float(match.group(1)))
            text = match.group(2)
            found.append(next((k for k in KERNELS if text.startswith(k)), text))
    assert times == sorted(times), err
    return found


def head(texts: list[str]) -> list[str]:
    """Each stage text up to its first parenthesis or colon-separated detail."""
    return [t if t in KERNELS else re.split(r" \(|: ", t)[0] for t in texts]


def test_run_reports_its_stages_in_order(tmp_path):
    config = write(tmp_path, RUN)
    code, out, err = run_cli(["--progress", "run", str(config), "--out", str(tmp_path / "o")])
    assert code == 0, err
    texts = stages(err)
    assert head(texts) == ["run", "reading the config", "loading data", texts[3], "reconstructing heatmaps",
                           "strategy signals", "backtesting", "baselines", "writing the report"], err
    assert texts[0] == "run: importing libraries" and texts[3] in KERNELS
    assert texts[4] == "reconstructing heatmaps (main; 2,016 bars)"
    assert texts[7].startswith("baselines: 2 placebo seeds")
    assert "total return" in out and not LINE.search(out)  # stdout keeps the results only


def test_quiet_prints_no_stage(tmp_path):
    config = write(tmp_path, RUN)
    code, out, err = run_cli(["--quiet", "--progress", "run", str(config), "--out", str(tmp_path / "o")])
    assert code == 0, err
    assert err == "" and out == ""


def test_no_stage_into_a_pipe_without_progress(tmp_path):
    """stderr that is not a terminal keeps issue #11's one-line errors: stages only with --progress."""
    config = write(tmp_path, RUN)
    code, out, err = run_cli(["heatmap", str(config), "--out", str(tmp_path / "o")])
    assert code == 0, err
    assert stages(err) == [] and "snapshots" in out


def test_heatmap_reports_its_stages_in_order(tmp_path):
    config = write(tmp_path, RUN)
    code, out, err = run_cli(["--progress", "heatmap", str(config), "--out", str(tmp_path / "o")])
    assert code == 0, err
    texts = stages(err)
    assert head(texts) == ["heatmap", "reading the config", "loading data", texts[3],
                           "reconstructing heatmaps", "writing pictures and features"], err


def test_calibrate_reports_its_stages_in_order(tmp_path):
    config = write(tmp_path, CALIBRATE)
    code, out, err = run_cli(["--progress", "calibrate", str(config), "--out", str(tmp_path / "o")])
    assert code == 0, err
    assert head(stages(err))[4:] == ["reconstructing 1 candidate heatmaps", "shipped predictors", "fitting",
                                     "scoring every predictor on the training and test bars", "writing the report"]


def test_an_error_stays_one_line_after_the_stages(tmp_path):
    config = write(tmp_path, RUN.replace("name: magnet_zone", "name: magnet_zone\n  params: {bogus: 1}"))
    code, _, err = run_cli(["--progress", "run", str(config), "--out", str(tmp_path / "o")])
    lines = [x for x in err.splitlines() if not LINE.match(x)]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("liqbt: error: "), err


def test_library_calls_are_silent_and_bars_pass_items_through(capsys):
    assert not progress.active()
    progress.stage("nobody listens")
    items = [1, 2, 3]
    assert progress.bar(items, "x") is items
    stream = io.StringIO()
    with progress.reporting(stream=stream, start=0.0):
        assert progress.active()
        progress.stage("somebody listens")
        assert list(progress.bar(items, "x")) == items
    assert not progress.active()
    assert capsys.readouterr().err == ""
    assert LINE.match(stream.getvalue().strip()).group(2) == "somebody listens"


def test_cold_cache_is_detected_in_an_empty_cache_dir(tmp_path, monkeypatch):
    from numba import config as numba_config, njit

    monkeypatch.setattr(numba_config, "CACHE_DIR", str(tmp_path))

    @njit(cache=True)
    def twice_nb(x):
        return 2 * x

    assert progress.numba_cache_dir(twice_nb).is_relative_to(tmp_path)
    assert progress.numba_cache_cold([twice_nb])
    assert twice_nb(2) == 4
    assert not progress.numba_cache_cold([twice_nb])


@pytest.mark.parametrize("quiet,forced,tty,stages,shown", [
    (False, False, True, True, True),    # a terminal: shown
    (False, False, False, True, False),  # a pipe or file: the one-line error contract of issue #11
    (False, True, False, True, True),    # --progress
    (True, True, True, True, False),     # --quiet wins
    (False, True, True, False, False),   # a command without stages (validate, sweep, ...)
])
def test_when_stage_lines_are_shown(monkeypatch, quiet, forced, tty, stages, shown):
    import argparse
    import sys

    from liqbt.cli.main import shows_progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty, raising=False)
    args = argparse.Namespace(quiet=quiet, progress=forced, **({"stages": True} if stages else {}))
    assert shows_progress(args) is shown
