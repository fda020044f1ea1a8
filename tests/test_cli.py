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
