"""The liqbt command as a user runs it."""

import json
import subprocess
import sys

import pytest

from conftest import shared_path
from liqbt import __version__


def liqbt(*args, check=True):
    proc = subprocess.run([sys.executable, "-m", "liqbt", *map(str, args)], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"liqbt {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def test_help_lists_subcommands():
    out = liqbt("--help").stdout
    for command in ("run", "validate", "data"):
        assert command in out


def test_version():
    assert liqbt("--version").stdout.strip() == f"liqbt {__version__}"


@pytest.mark.real_data
def test_data_inspect_vendor_csv():
    out = liqbt("data", "inspect", shared_path("coinglass-btc-1h", "btc_1h_price_oi_funding_liquidations.csv")).stdout
    assert "1,863 x 1h" in out and "3 (3 missing bars)" in out and "oi_usd" in out and "USD notional" in out


@pytest.mark.real_data
def test_data_inspect_json_on_feather_folder():
    out = liqbt("data", "inspect", shared_path("binance-um", "futures"), "--pair", "ETH/USDT:USDT",
                "--timeframe", "1h", "--json").stdout
    info = json.loads(out)
    assert info["bars"] == 9978 and info["bar_size"] == "1h" and info["symbol"] == "ETHUSDT"


def test_data_inspect_missing_path_is_a_one_line_error(tmp_path):
    proc = liqbt("data", "inspect", tmp_path / "nothing.csv", check=False)
    assert proc.returncode == 2 and "not found" in proc.stderr and "Traceback" not in proc.stderr


def test_debug_shows_the_traceback(tmp_path):
    proc = liqbt("--debug", "data", "inspect", tmp_path / "nothing.csv", check=False)
    assert proc.returncode != 0 and "Traceback" in proc.stderr


@pytest.mark.parametrize("args,line", [
    (("frobnicate",), "liqbt: error: argument COMMAND: invalid choice: 'frobnicate'"),
    (("run",), "liqbt: error: run: the following arguments are required: config (see 'liqbt run --help')"),
    (("validate", "x.yaml", "--bogus"), "liqbt: error: unrecognized arguments: --bogus (see 'liqbt --help')"),
])
def test_argparse_errors_are_one_line_with_exit_2(args, line):
    proc = liqbt(*args, check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [proc.stderr.strip()] and proc.stderr.startswith(line), proc.stderr


def test_help_still_prints_usage_and_exits_0():
    proc = liqbt("validate", "--help")
    assert "--allow-path DIR" in proc.stdout and "--for COMMAND" in proc.stdout


def test_allow_path_option_and_env_let_an_include_leave_the_folder(tmp_path):
    import os

    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "source.yaml").write_text("format: synthetic\nbars: 300\n")
    (tmp_path / "proj").mkdir()
    config = tmp_path / "proj" / "c.yaml"
    config.write_text("data:\n  sources:\n    - !include ../shared/source.yaml\n")
    refused = liqbt("validate", config, check=False)
    assert refused.returncode == 2 and "is outside the config's folder" in refused.stderr
    assert liqbt("validate", config, "--allow-path", tmp_path / "shared").stdout.strip() == f"{config}: ok"
    env = {**os.environ, "LIQBT_ALLOW_PATHS": str(tmp_path / "shared")}
    proc = subprocess.run([sys.executable, "-m", "liqbt", "validate", str(config)], capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 0, proc.stderr


def test_validate_for_and_out_check_what_the_command_would(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("data:\n  sources: [{format: synthetic, bars: 500}]\n")
    assert liqbt("validate", config).returncode == 0
    proc = liqbt("validate", config, "--for", "heatmap", check=False)
    assert proc.returncode == 2 and "heatmaps: no heatmap model declared" in proc.stderr
    proc = liqbt("validate", config, "--out", "/", check=False)
    assert proc.returncode == 2 and proc.stderr.strip() == "liqbt: error: --out: / is a file-system root; " \
                                                           "choose a folder for liqbt's outputs"


def test_global_options_work_before_or_after_the_command():
    from liqbt.cli.main import build_parser

    parser = build_parser()
    for argv in (["--quiet", "validate", "c.yaml"], ["validate", "c.yaml", "--quiet"],
                 ["data", "inspect", "f.csv", "-q"]):
        assert parser.parse_args(argv).quiet, argv
    args = parser.parse_args(["--debug", "run", "c.yaml", "--progress"])
    assert (args.debug, args.progress, args.quiet) == (True, True, False)
    assert parser.parse_args(["run", "c.yaml"]).quiet is False
