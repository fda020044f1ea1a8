"""Config files: safe reading, includes, and a one-line error for every malformed file."""

import subprocess
import sys
import textwrap
import typing
from pathlib import Path

import pytest

from liqbt.config import load_config
from liqbt.errors import ConfigError

GOOD_SOURCE = "[{format: synthetic, bars: 500, bar_size: 5m, seed: 1}]"


def write(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


# (name, yaml text, fragment the one-line message must contain)
MALFORMED = [
    ("wrong type", "data:\n  sources:\n    - format: synthetic\n      bars: many\n", "data.sources[0].bars"),
    ("unknown key", "data:\n  sources:\n    - format: synthetic\n  colour: red\n", "unknown key 'colour'"),
    ("typo", "data:\n  sources:\n    - format: synthetic\n      sed: 3\n", "did you mean 'seed'?"),
    ("top-level typo", "dataa:\n  sources: []\n", "did you mean 'data'?"),
    ("bad range", "data:\n  sources:\n    - format: synthetic\n      bars: -5\n", "greater than 10"),
    ("bad choice", "data:\n  gaps: sometimes\n  sources:\n    - format: synthetic\n", "data.gaps"),
    ("unknown format", "data:\n  sources:\n    - format: csvv\n", "data.sources[0]"),
    ("missing file", "data:\n  sources:\n    - format: vendor_hourly\n      path: nowhere.csv\n", "not found"),
    ("missing section", "output:\n  dir: x\n", "data: required key is missing"),
    ("empty file", "", "empty file"),
    ("tabs", "data:\n\tsources: []\n", "tab in indentation"),
    ("duplicate keys", "data:\n  gaps: report\n  gaps: fill\n  sources:\n    - format: synthetic\n",
     "duplicate key 'gaps'"),
    ("not a mapping", "- a\n- b\n", "expected a YAML mapping"),
    ("bad yaml", "data: [unclosed\n", "invalid YAML"),
    ("start after end", "data:\n  start: 2025-02-01\n  end: 2025-01-01\n  sources:\n    - format: synthetic\n",
     "must be before"),
    ("python tag", "data: !!python/object/apply:os.system ['echo hi']\n", "invalid YAML"),
]


@pytest.mark.parametrize("name,text,fragment", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_config_gives_one_clear_line(tmp_path, name, text, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    assert "bad.yaml" in message


def test_cli_prints_one_line_and_no_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(MALFORMED[2][1])
    proc = subprocess.run([sys.executable, "-m", "liqbt.cli.main", "validate", str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("liqbt: error:") and "did you mean 'seed'" in lines[0]
    assert "Traceback" not in proc.stderr


def test_anchors_include_and_base_file(tmp_path):
    write(tmp_path, f"""
        data:
          gaps: report
          sources: {GOOD_SOURCE}
        output:
          dir: base-out
        """, "base.yaml")
    write(tmp_path, """
        format: synthetic
        bars: 300
        seed: 2
        """, "source.yaml")
    path = write(tmp_path, """
        base: base.yaml
        defaults: &gaps fill
        data:
          gaps: *gaps
          sources: [{format: synthetic}]
        """)
    # an unknown top-level key is still an error; x- keys are the home for anchors
    with pytest.raises(ConfigError, match="unknown key 'defaults'"):
        load_config(path)
    path = write(tmp_path, """
        base: base.yaml
        x-shared:
          gaps: &gaps fill
        name: child
        data:
          gaps: *gaps
          sources:
            - !include source.yaml
        """)
    config = load_config(path).config
    assert config.name == "child" and config.output.dir == "base-out"  # from the base file
    assert config.data.gaps == "fill" and config.data.sources[0].bars == 300  # included


def test_include_cycle_is_an_error(tmp_path):
    write(tmp_path, "data: !include b.yaml\n", "a.yaml")
    write(tmp_path, "x: !include a.yaml\n", "b.yaml")
    with pytest.raises(ConfigError, match="include cycle"):
        load_config(tmp_path / "a.yaml")


def test_config_objects_are_frozen(tmp_path):
    path = write(tmp_path, f"data:\n  sources: {GOOD_SOURCE}")
    config = load_config(path).config
    with pytest.raises(Exception):
        config.data.gaps = "fill"


SHIPPED_CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.yaml"))
# the year-long judgements (configs/year/strategy_*.yaml; their base file is not a whole config)
YEAR_CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs" / "year").glob("strategy_*.yaml"))


@pytest.mark.real_data
@pytest.mark.parametrize("path", SHIPPED_CONFIGS + YEAR_CONFIGS, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_every_shipped_config_validates(path):
    """Each example loads and the data files it names exist (load_config checks the paths)."""
    from liqbt.data.sources import SourceConfig

    formats = {typing.get_args(m.model_fields["format"].annotation)[0]
               for m in typing.get_args(typing.get_args(SourceConfig)[0])}
    if "format: coinglass_v4" in path.read_text() and "coinglass_v4" not in formats:
        pytest.skip("needs the coinglass_v4 source (issue #12 package 'data')")
    config = load_config(path).config
    for data in [config.data] if config.symbols is None else config.symbols.values():  # symbols: a block each
        assert data.sources or data.venues
