"""A config is untrusted input: no script in reports, no reads or writes outside the project, capped sizes."""

import errno
import json
import os
import sqlite3
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from browser import CHROMIUM_FLAGS, chromium_path
from corpus import run_cli
from liqbt.config import load_config
from liqbt.errors import ConfigError, OutputError

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'


def _config(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def _xss_config(tmp_path: Path) -> Path:
    # yaml single quotes keep both strings verbatim
    return _config(tmp_path, f"""
        name: '{SCRIPT}'
        description: '{IMG}'
        data:
          symbol: '{SCRIPT}'
          venue: '{IMG}'
          sources: [{{format: synthetic, bars: 3000, bar_size: 5m, seed: 3}}]
        heatmaps:
          main: {{window: 1d, bracket_symbol: BTCUSDT}}  # the symbol is a script, not a market
        strategy: {{name: magnet_zone}}
        backtest: {{liquidation: {{maintenance_margin_rate: 0.004}}}}
        evaluation: {{baselines: false}}
        """)


def _open(html: Path) -> dict:
    """Load ``html`` in headless Chromium; what a script could have done, and the visible text."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(html.resolve().as_uri())
            page.wait_for_selector("body[data-ready='1']", timeout=20_000)
            for frame in page.frames[1:]:  # report.html's interactive heatmap (iframe srcdoc) is loaded too
                frame.wait_for_selector("body[data-ready='1']", timeout=20_000)
            xss = {f.evaluate("typeof window.__xss") for f in page.frames}
            return {"xss": xss.pop() if len(xss) == 1 else xss, "title": page.title(),
                    "h1": page.inner_text("h1"), "body": page.inner_text("body"),
                    "buttons": page.evaluate("[...document.querySelectorAll('#views button')].map(b => b.textContent)"),
                    "imgs": page.evaluate("document.querySelectorAll('img[src=x]').length"),
                    "errors": errors}
        finally:
            browser.close()


def test_xss_strings_render_as_text_in_the_run_report_and_heatmap_page(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _xss_config(tmp_path)
    code, _, err = run_cli(["-q", "run", str(path), "--out", str(tmp_path / "run")])
    assert code == 0, err
    report = _open(tmp_path / "run" / "report.html")
    assert report["xss"] == "undefined" and report["imgs"] == 0 and report["errors"] == []
    assert report["title"] == report["h1"] == f"liqbt run: {SCRIPT}"
    assert f"{SCRIPT} on {IMG}, 3,000 bars" in report["body"]

    code, _, err = run_cli(["-q", "heatmap", str(path), "--out", str(tmp_path / "hm")])
    assert code == 0, err
    heatmap = _open(tmp_path / "hm" / "heatmap.html")
    assert heatmap["xss"] == "undefined" and heatmap["imgs"] == 0 and heatmap["errors"] == []
    assert heatmap["title"] == heatmap["h1"] == f"liqbt heatmap: {SCRIPT}"


def _view(name: str):
    from liqbt.plots.heatmap_view import HeatmapView

    times = pd.date_range("2025-01-01", periods=24, freq="1h", tz="UTC")
    edges = np.linspace(90.0, 110.0, 41)
    mass = np.random.default_rng(0).random((24, 40))
    return HeatmapView(name=name, times=times, bin_edges=edges, long=mass, short=mass,
                       price_times=times, price=np.full(24, 100.0))


def test_view_names_inside_the_script_json_stay_text(tmp_path):
    """A name holding ``</script>`` or ``<!--`` cannot end the page's script (names come from the config)."""
    from liqbt.plots.heatmap_html import write_heatmap_html

    names = [f"{SCRIPT}<!--", IMG + "&amp;"]
    path = write_heatmap_html([_view(n) for n in names], tmp_path / "map.html", title=IMG)
    page = _open(path)
    assert page["xss"] == "undefined" and page["imgs"] == 0 and page["errors"] == []
    assert page["buttons"] == names and page["title"] == IMG


def test_sweep_report_page_escapes_titles_headings_and_cells(tmp_path):
    from liqbt.report.html import page, table, write_page

    frame = pd.DataFrame({IMG: [SCRIPT]}, index=pd.Index([IMG], name=SCRIPT))
    path = write_page(tmp_path / "r.html", page(f"liqbt sweep: {SCRIPT}", [(IMG, table(frame))]))
    shown = _open(path)
    assert shown["xss"] == "undefined" and shown["imgs"] == 0
    assert shown["h1"] == f"liqbt sweep: {SCRIPT}" and IMG in shown["body"]


def test_script_json_has_no_markup_characters_and_round_trips():
    from liqbt.report.html import script_json

    value = {"name": "</script><!-- a & b \u2028", "n": [1, 2]}
    text = script_json(value)
    assert not set("<>&") & set(text) and "\u2028" not in text
    assert json.loads(text) == value


# ---------------------------------------------------------------- reading: includes, base, caps


def test_include_outside_is_allowed_by_allow_path_or_env(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    _config(shared, "format: synthetic\nbars: 300\n", "source.yaml")
    path = _config(tmp_path, "data:\n  sources:\n    - !include ../shared/source.yaml\n", "proj/c.yaml")
    monkeypatch.delenv("LIQBT_ALLOW_PATHS", raising=False)
    with pytest.raises(ConfigError, match="is outside the config's folder"):
        load_config(path)
    assert load_config(path, allow_paths=(shared,)).config.data.sources[0].bars == 300
    monkeypatch.setenv("LIQBT_ALLOW_PATHS", f"/nonexistent{os.pathsep}{shared}")
    assert load_config(path).config.data.sources[0].bars == 300


def test_include_through_a_symlink_that_leaves_the_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("LIQBT_ALLOW_PATHS", raising=False)
    _config(tmp_path, "format: synthetic\n", "outside.yaml")
    proj = tmp_path / "proj"
    proj.mkdir()
    os.symlink(tmp_path / "outside.yaml", proj / "link.yaml")
    path = _config(proj, "data:\n  sources:\n    - !include link.yaml\n")
    with pytest.raises(ConfigError, match=f"{tmp_path / 'outside.yaml'} is outside"):
        load_config(path)


def test_base_chain_and_nested_includes_inside_the_folder_work(tmp_path):
    _config(tmp_path, "data:\n  sources: [!include parts/src.yaml]\n", "base0.yaml")
    _config(tmp_path, "format: synthetic\nbars: 400\n", "parts/src.yaml")
    _config(tmp_path, "base: base0.yaml\nname: middle\n", "base1.yaml")
    path = _config(tmp_path, "base: base1.yaml\ndescription: top\n")
    config = load_config(path).config
    assert (config.name, config.description, config.data.sources[0].bars) == ("middle", "top", 400)


def test_a_file_of_exactly_one_mib_is_read(tmp_path):
    head = "data:\n  sources: [{format: synthetic}]\nx-pad: '"
    text = head + "a" * ((1 << 20) - len(head) - 2) + "'\n"
    assert len(text.encode()) == 1 << 20
    (tmp_path / "c.yaml").write_text(text)
    assert load_config(tmp_path / "c.yaml").config.data.sources


# ---------------------------------------------------------------- writing: folders, stores, failures


def test_shipped_relative_output_folder_stays_in_the_project_from_any_folder(tmp_path, monkeypatch):
    """configs/*.yaml write to ../out/<name>: outside configs/, inside the project (pyproject.toml)."""
    from conftest import PROJECT_ROOT
    from liqbt.config.gate import output_folder

    monkeypatch.chdir(tmp_path)
    loaded = load_config(PROJECT_ROOT / "configs" / "strategy_synthetic.yaml")
    assert output_folder(loaded) == PROJECT_ROOT / "out" / "strategy_synthetic"
    with pytest.raises(ConfigError, match="--out: the relative path leaves the project"):
        output_folder(loaded, out="../../x", cwd=PROJECT_ROOT / "configs")
    elsewhere = tmp_path / "elsewhere"  # an absolute path is the user's explicit choice
    assert output_folder(loaded, out=str(elsewhere), cwd="/") == elsewhere


def test_relative_output_dir_may_not_leave_a_folder_without_a_project(tmp_path, monkeypatch):
    from liqbt.config.files import project_root

    assert project_root(tmp_path) is None
    (tmp_path / "p").mkdir()
    monkeypatch.chdir(tmp_path / "p")
    path = _config(tmp_path, "data:\n  sources: [{format: synthetic}]\noutput: {dir: ../escape}\n", "p/c.yaml")
    with pytest.raises(ConfigError, match=f"output.dir: the relative path leaves the project \\({tmp_path / 'escape'}"):
        load_config(path)
    (tmp_path / "pyproject.toml").write_text("")
    assert load_config(path).config.output.dir == "../escape"


def test_write_atomic_disk_full_names_the_path_and_leaves_no_partial_file(tmp_path, monkeypatch):
    from liqbt.config import files

    target = tmp_path / "report.html"
    target.write_text("old")
    real_write, calls = os.write, []

    def full(fd, data):  # the first 10 bytes go to disk, then the disk is full
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data[:10])

    monkeypatch.setattr(files.os, "write", full)
    with pytest.raises(OutputError) as info:
        files.write_atomic(target, "x" * 1000)
    assert str(info.value) == f"{target}: cannot write: No space left on device; nothing was written there"
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_cli_disk_full_while_writing_heatmap_outputs_is_one_line_and_leaves_no_partial_file(tmp_path, monkeypatch):
    from liqbt.config import files

    monkeypatch.chdir(tmp_path)
    path = _config(tmp_path, """
        data:
          sources: [{format: synthetic, bars: 600, bar_size: 5m, seed: 3}]
        heatmaps:
          main: {window: 1d}
        """)

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "write", full)
    code, _, err = run_cli(["-q", "heatmap", str(path)])
    out = tmp_path / "out"
    assert code == 2 and err.strip().splitlines() == [
        f"liqbt: error: {out / 'features_main.parquet'}: cannot write: No space left on device; "
        "nothing was written there"]
    assert not [p for p in out.iterdir() if p.name.startswith(".") or p.suffix in (".parquet", ".html")]


def test_unwritable_folder_names_the_path(tmp_path, monkeypatch):
    """Root ignores permission bits, so the OS refusal is simulated at ``os.open``."""
    from liqbt.config import files

    def refuse(path, *args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(files.os, "open", refuse)
    with pytest.raises(OutputError, match=f"^{tmp_path / 'a.json'}: cannot write: Permission denied$"):
        files.write_atomic(tmp_path / "a.json", "{}")


def test_output_folder_that_is_a_file_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _config(tmp_path, "data:\n  sources: [{format: synthetic, bars: 500}]\n")
    (tmp_path / "taken").write_text("x")
    code, _, err = run_cli(["run", str(path), "--out", "taken"])
    assert code == 2 and err.strip() == f"liqbt: error: --out: {tmp_path / 'taken'} is a file; expected a folder"


def test_corrupt_store_or_a_folder_as_store_is_an_error_naming_it(tmp_path, monkeypatch):
    from liqbt.research.store import ResultStore

    store = tmp_path / "results.sqlite"
    store.write_text("not sqlite at all\n" * 50)
    with pytest.raises(OutputError, match=f"^{store}: cannot open the results store: file is not a database"):
        ResultStore(store)
    with pytest.raises(OutputError, match="results store is a folder"):
        ResultStore(tmp_path)


def test_store_write_failure_is_one_line(tmp_path):
    from liqbt.research.store import ResultStore

    with ResultStore(tmp_path / "r.sqlite") as store:
        store._db.close()
        store._db = sqlite3.connect(f"{(tmp_path / 'r.sqlite').as_uri()}?mode=ro", uri=True)
        with pytest.raises(OutputError, match=r"r\.sqlite: cannot write the results store: attempt to write"):
            store.experiment("run", "x", {"a": 1}, "fp")


# ---------------------------------------------------------------- sweeps: counted, never materialised


def test_sweep_count_does_not_build_the_product(tmp_path, monkeypatch):
    import itertools

    from liqbt.research.sweep import count_sets

    path = _config(tmp_path, """
        data: {sources: [{format: synthetic}]}
        heatmaps: {main: {window: 1d}}
        strategy: {name: magnet_zone}
        sweep:
          max_sets: 100000000000
          params:
            min_dist_pct: {low: 0.1, high: 1.0, step: 0.1}
            max_hold_bars: {low: 0, high: 864, step: 1, integer: true}
            dominance: {low: 1.0, high: 4.0, n: 1000}
            stop_ratio: [0.5, 1.0]
        """)
    sweep = load_config(path).config.sweep
    monkeypatch.setattr(itertools, "product", lambda *a, **k: pytest.fail("the product was built"))
    assert count_sets(sweep) == 10 * 865 * 1000 * 2


def test_expand_params_refuses_an_oversized_sweep_built_in_python():
    from liqbt.research.config import SweepConfig
    from liqbt.research.sweep import expand_params

    sweep = SweepConfig(params={"a": list(range(1000)), "b": list(range(1000))}, max_sets=999_999)
    with pytest.raises(ConfigError, match="sweep has 1,000,000 parameter sets; the cap sweep.max_sets is 999,999"):
        expand_params(sweep)


def test_default_cap_is_one_million():
    from liqbt.research.config import SweepConfig

    assert SweepConfig(params={"a": [1]}).max_sets == 1_000_000


@pytest.mark.parametrize("field,value,module", [("method", "optuna", "optuna"), ("executor", "ray", "ray")])
def test_validate_refuses_a_sweep_whose_optional_dependency_is_missing(tmp_path, monkeypatch, field, value, module):
    import sys

    monkeypatch.setitem(sys.modules, module, None)
    path = _config(tmp_path, f"""
        data: {{sources: [{{format: synthetic}}]}}
        heatmaps: {{main: {{window: 1d}}}}
        strategy: {{name: magnet_zone}}
        sweep: {{{field}: {value}, params: {{dominance: [1.5, 2.0]}}}}
        """)
    with pytest.raises(ConfigError, match=rf"sweep.{field}: '{module}' needs .*pip install 'liqbt\[research\]'"):
        load_config(path)


def test_report_store_lists_without_changing_the_file_and_refuses_a_foreign_database(tmp_path):
    from corpus import run_cli
    from liqbt.research.store import ResultStore

    store = tmp_path / "results.sqlite"
    with ResultStore(store) as s:
        s.experiment("run", "x", {"a": 1}, "fp")
    before = store.read_bytes()
    code, out, err = run_cli(["report", "--store", str(store)])
    assert code == 0 and "run" in out and store.read_bytes() == before, err
    foreign = tmp_path / "other.sqlite"
    with sqlite3.connect(foreign) as db:
        db.execute("create table t (x)")
    code, _, err = run_cli(["report", "--store", str(foreign)])
    assert code == 2 and err.strip() == (f"liqbt: error: {foreign}: not a liqbt results store "
                                         "(no 'experiments' and 'results' tables)")
    with sqlite3.connect(foreign) as db:
        assert [r[0] for r in db.execute("select name from sqlite_master")] == ["t"]


def test_a_write_error_without_a_file_name_names_the_output_folder(tmp_path):
    from liqbt.cli.common import writing

    with pytest.raises(OutputError, match=rf"^{tmp_path} \(writing the outputs\): No space left on device$"):
        with writing(tmp_path):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    with pytest.raises(OutputError, match=r"a\.csv: Is a directory$"):
        with writing(tmp_path):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(tmp_path / "a.csv"))
