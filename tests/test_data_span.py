"""data.start / data.end against the span of the data: a warning naming the real span, or an error."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from corpus import run_cli
from liqbt.data.config import DataConfig, check_span, load_data
from liqbt.errors import ConfigError, SpanWarning

FIRST, LAST = pd.Timestamp("2025-01-01", tz="UTC"), pd.Timestamp("2025-02-01", tz="UTC")


def _synthetic(start=None, end=None) -> DataConfig:
    return DataConfig.model_validate({"start": start, "end": end, "sources": [
        {"format": "synthetic", "bars": 288, "bar_size": "5m", "start": "2025-01-01T00:00:00Z"}]})


def test_inside_the_span_is_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_span("2025-01-01", "2025-02-01", FIRST, LAST)
        check_span(None, None, FIRST, LAST)


def test_start_before_the_data_warns_with_the_span():
    with pytest.warns(SpanWarning, match=r"^data.start 2024-02-01 00:00:00\+00:00 is before the data: the data spans "
                                         r"2025-01-01 00:00:00\+00:00 .. 2025-02-01 00:00:00\+00:00; the run starts at "
                                         r"2025-01-01 00:00:00\+00:00$"):
        check_span("2024-02-01", None, FIRST, LAST)


def test_end_after_the_data_warns_with_the_span():
    with pytest.warns(SpanWarning, match=r"^data.end 2025-03-01 00:00:00\+00:00 is after the data: .*; the run ends "
                                         r"at 2025-02-01 00:00:00\+00:00$"):
        check_span(None, "2025-03-01", FIRST, LAST)


@pytest.mark.parametrize("start, end", [("2025-02-01", None), (None, "2025-01-01"), ("2023-01-01", "2024-01-01")])
def test_entirely_outside_is_an_error(start, end):
    with pytest.raises(ConfigError, match="lie outside the data: the data spans 2025-01-01"):
        check_span(start, end, FIRST, LAST, prefix="c.yaml: ")


def test_load_data_warns_and_runs_the_real_span(tmp_path):
    with pytest.warns(SpanWarning, match="the data spans 2025-01-01 00:00:00\\+00:00 .. 2025-01-02 00:00:00\\+00:00"):
        market = load_data(_synthetic(start="2024-02-01"), tmp_path)
    assert market.start == FIRST and len(market) == 288


def test_eleven_months_before_the_real_data_warns_at_validate(tmp_path, shared_data):
    """The issue's example: a period from 2024-01-31 on data that starts at 2024-12-31."""
    (tmp_path / "c.yaml").write_text(
        "data:\n  start: 2024-01-31\n  end: 2025-01-10\n  sources:\n    - format: freqtrade\n"
        f"      path: {shared_data / 'binance-um' / 'futures'}\n      pair: BTC/USDT:USDT\n      timeframe: 1h\n")
    code, out, err = run_cli(["validate", str(tmp_path / "c.yaml")])
    assert code == 0, err
    assert err.splitlines() == [
        "liqbt: warning: data.start 2024-01-31 00:00:00+00:00 is before the data: the data spans "
        "2024-12-31 00:00:00+00:00 .. 2026-02-19 18:00:00+00:00; the run starts at 2024-12-31 00:00:00+00:00"]


def test_a_part_covering_much_less_than_the_bars_warns(tmp_path):
    """Five days of hourly candles, open interest from a 4-hourly file for the last two only."""
    candles = pd.DataFrame({"date": pd.date_range("2025-12-01", periods=120, freq="1h", tz="UTC"), "open": 1.0,
                            "high": 1.0, "low": 1.0, "close": 1.0, "volume": 0.0})
    (tmp_path / "ft").mkdir()
    candles.to_feather(tmp_path / "ft" / "BTC_USDT_USDT-1h-futures.feather")
    (tmp_path / "v4h").mkdir()
    pd.DataFrame({"timestamp": pd.date_range("2025-12-04", periods=12, freq="4h").strftime("%Y-%m-%dT%H:%M:%S"),
                  "close": 8e10}).to_csv(tmp_path / "v4h" / "coinglass_oi_4h.csv", index=False)
    (tmp_path / "c.yaml").write_text(
        "data:\n  sources:\n    - format: freqtrade\n      path: ft\n      pair: BTC/USDT:USDT\n      timeframe: 1h\n"
        "    - format: vendor_4h\n      path: v4h\n      parts: [open_interest]\n")
    code, out, err = run_cli(["data", "inspect", str(tmp_path / "c.yaml")])
    assert code == 0, err
    assert err.splitlines() == [
        f"liqbt: warning: {tmp_path / 'v4h' / 'coinglass_oi_4h.csv'}: open interest covers only "
        "2025-12-04 04:00:00+00:00 .. 2025-12-06 00:00:00+00:00 of the bars 2025-12-01 00:00:00+00:00 .. "
        "2025-12-06 00:00:00+00:00; bars outside it have no open interest"]
