"""The ``coinglass_v4`` source (../shared/data/coinglass-btc-2024-2025) and source periods (``use_from``,
``use_until``).

Counts and spans are those of the folder README's table; OI in BTC reaches the bars in USD,
converted with the last candle close known at the OI's own time.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import shared_path
from liqbt.config.base import validate_section
from liqbt.data.align import coins_to_usd
from liqbt.data.config import DataConfig, check_data_config, load_data
from liqbt.data.freqtrade import parse_timeframe
from liqbt.data.market import Market
from liqbt.errors import ConfigError, DataError, SpanWarning

pytestmark = pytest.mark.real_data

FOLDER = ("coinglass-btc-2024-2025",)


def ts(text):
    return pd.Timestamp(text, tz="UTC")


def data_config(*sources, **extra) -> DataConfig:
    return validate_section(DataConfig, {"sources": list(sources), **extra}, "test", "data")


def candles(timeframe="1h", parts=("candles",)):
    return {"format": "freqtrade", "path": str(shared_path("binance-um", "futures")), "pair": "BTC/USDT:USDT",
            "timeframe": timeframe, "parts": list(parts)}


def coinglass(**fields):
    return {"format": "coinglass_v4", "path": str(shared_path(*FOLDER)), **fields}


def load(*sources, **extra):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpanWarning)  # the folder starts before / ends before the candles
        return load_data(data_config(*sources, **extra))


# --------------------------------------------------------------------------- every file, README counts and spans
# (source fields, what to look at, rows, first stamp as in the file, last stamp as in the file)
FILES = [
    ({"parts": ["liquidations"]}, "liquidations", 2195, "2024-11-13 20:00", "2025-11-14 12:00"),
    ({"coin": "ETH", "parts": ["liquidations"]}, "liquidations", 2195, "2024-11-13 20:00", "2025-11-14 12:00"),
    ({"bar_size": "1d", "parts": ["liquidations"]}, "liquidations", 1601, "2020-12-23", "2025-05-11"),
    ({"parts": ["open_interest"]}, "open_interest_coins", 2195, "2024-11-13 20:00", "2025-11-14 12:00"),
    ({"bar_size": "1d", "parts": ["open_interest"]}, "open_interest_coins", 999, "2022-08-17", "2025-05-11"),
    ({"open_interest": "coinm", "parts": ["open_interest"]}, "open_interest", 2195, "2024-11-13 20:00",
     "2025-11-14 12:00"),
    ({"open_interest": "coinm", "bar_size": "1d", "parts": ["open_interest"]}, "open_interest", 999, "2022-08-17",
     "2025-05-11"),
    ({"open_interest": "all_exchanges", "parts": ["open_interest"]}, "open_interest", 2147, "2024-11-21 20:00",
     "2025-11-14 12:00"),
    ({"open_interest": "exchange", "exchange": "BINANCE", "parts": ["open_interest"]}, "open_interest", 1055,
     "2025-05-15 20:00", "2025-11-14 08:00"),
    ({"parts": ["known"]}, "known", 2401, "2024-04-25", "2025-11-14 12:00"),
]


@pytest.mark.parametrize("fields,what,rows,first,last", FILES, ids=[f"{f}" for f, *_ in FILES])
def test_every_file_reads_with_the_readme_counts_and_spans(fields, what, rows, first, last):
    source = data_config(coinglass(**fields)).sources[0]
    check_data_config(data_config(coinglass(**fields)), shared_path())
    bundle = source.read(shared_path())
    if what == "known":
        series = bundle.known["bid_depth_1pct_usd"]
        assert list(bundle.known) == ["bid_depth_1pct_usd", "ask_depth_1pct_usd"]
        shift = pd.Timedelta(0)  # a snapshot, known at its stamp
    else:
        series = getattr(bundle, what)
        # OI (not per-exchange) is stamped with the time it became known: bar open + bar size
        shift = (parse_timeframe(fields.get("bar_size", "4h"))
                 if what.startswith("open_interest") and fields.get("open_interest") != "exchange" else pd.Timedelta(0))
    assert len(series) == rows
    assert series.index[0] - shift == ts(first) and series.index[-1] - shift == ts(last)


@pytest.mark.parametrize("fields", [f for f, *_ in FILES if "bar_size" not in f], ids=str)
def test_every_4h_file_loads_through_a_config_with_candles(fields):
    market = load(candles(), coinglass(**fields))
    part = fields["parts"][0]
    if part == "open_interest":
        assert market.bars["oi_usd"].notna().sum() > 0.8 * len(market.bars.loc[:"2025-11-14"])
    elif part == "liquidations":
        assert market.liquidations_bar_size == pd.Timedelta("4h") and len(market.liquidations) == 2195
    else:
        assert market.bars["bid_depth_1pct_usd"].notna().all()


def test_daily_files_load_with_daily_candles():
    market = load(candles("1d"), coinglass(bar_size="1d", parts=["liquidations", "open_interest"]))
    assert market.liquidations_bar_size == pd.Timedelta(days=1)
    # the daily files end 2025-05-11; the candles start 2024-12-31: every bar up to the end has OI
    assert market.bars.loc[:"2025-05-12", "oi_usd"].iloc[1:].notna().all()
    assert market.bars.loc[:"2025-05-11", "realised_liq_long_usd"].notna().all()


def test_eth_has_liquidations_only():
    with pytest.raises(ConfigError, match="coin ETH has liquidations only"):
        data_config(coinglass(coin="ETH", parts=["liquidations", "open_interest"]))


def test_october_10_cascade_long_liquidations():
    liq = data_config(coinglass(parts=["liquidations"])).sources[0].read(shared_path()).liquidations
    assert round(liq.loc[ts("2025-10-10 20:00"), "realised_liq_long_usd"] / 1e6, 1) == 235.6


def test_depth_stale_repeats_are_kept():
    """The README counts 19 stale rows; 18 rows equal the previous one (its count includes row 0, whose
    difference is NaN). They are what was published and stay."""
    known = data_config(coinglass(parts=["known"])).sources[0].read(shared_path()).known
    frame = pd.DataFrame(known)
    assert len(frame) == 2401
    assert int((frame == frame.shift()).all(axis=1).sum()) == 18
    # the first repeat, as published
    assert frame.loc[ts("2024-04-26")].equals(frame.loc[ts("2024-04-25")])


def test_per_exchange_column_case_and_missing_column():
    bybit = data_config(coinglass(open_interest="exchange", exchange="bybit", parts=["open_interest"]))
    oi = bybit.sources[0].read(shared_path()).open_interest
    assert len(oi) == 1055 and oi.iloc[0] == 6656356726.0  # BYBIT on the first row, known at its stamp
    assert oi.index[0] == ts("2025-05-15 20:00")
    missing = data_config(coinglass(open_interest="exchange", exchange="NOPE", parts=["open_interest"]))
    with pytest.raises(ConfigError, match=r"exchange: .*no column for exchange 'NOPE'; expected one of "
                                          r"\['BINANCE', 'BITMEX', 'BYBIT'"):
        check_data_config(missing, shared_path())


# --------------------------------------------------------------------------- units: BTC OI -> USD
def test_usdm_oi_in_usd_within_one_percent_of_4h_price_times_btc_oi():
    """At each 4h stamp the OI in USD is the BTC OI times the 4h close (from the 5m candles) within 1 %."""
    market = load(candles("5m"), coinglass(parts=["open_interest"]))
    btc = data_config(coinglass(parts=["open_interest"])).sources[0].read(shared_path()).open_interest_coins
    close_5m = market.bars["close"]
    close_4h = close_5m.resample("4h", label="left", closed="left").last()  # close of the 4h bar opening then
    known = btc.index[(btc.index > market.start) & (btc.index <= market.index[-1])]
    expected = btc.loc[known].to_numpy() * close_4h.reindex(known - pd.Timedelta("4h")).to_numpy()
    got = market.bars["oi_usd"].reindex(known).to_numpy()
    assert len(known) > 1900
    np.testing.assert_allclose(got, expected, rtol=0.01)
    # the README's check: ≈ 94k BTC on 2025-01-01 (Binance's own metrics ≈ 91k)
    assert 90e3 < btc.loc[ts("2025-01-01 04:00")] < 98e3
    assert 8e9 < market.bars.loc[ts("2025-01-01 04:00"), "oi_usd"] < 10e9


def test_coins_to_usd_uses_the_last_close_known_at_the_oi_time():
    """Hand-built: hourly closes 100, 110, 120 (known at 01:00, 02:00, 03:00); OI known at 00:30, 02:00, 02:59."""
    close = pd.Series([100.0, 110.0, 120.0], index=pd.date_range("2025-01-01", periods=3, freq="1h", tz="UTC"))
    coins = pd.Series([1.0, 2.0, 3.0], index=pd.DatetimeIndex(["2025-01-01 00:30", "2025-01-01 02:00",
                                                              "2025-01-01 02:59"], tz="UTC"))
    usd = coins_to_usd(coins, close, pd.Timedelta("1h"))
    # 00:30: no candle has closed yet -> no USD value; 02:00: close of 01:00-02:00 (110) is known; 02:59: still 110
    assert usd.index.tolist() == [ts("2025-01-01 02:00"), ts("2025-01-01 02:59")]
    assert usd.tolist() == [220.0, 330.0]


@pytest.mark.parametrize("cut", ["2025-01-01 04:00", "2025-03-07 13:35", "2025-10-10 20:05", "2025-11-14 16:00"])
def test_oi_conversion_is_point_in_time(cut):
    """Cut the candles and the OI at ``t``: every oi_usd value up to ``t`` is unchanged."""
    source = data_config(coinglass(parts=["open_interest"])).sources[0]
    coins = source.read(shared_path()).open_interest_coins
    bars = load(candles("5m")).bars[["open", "high", "low", "close", "volume"]].loc[:"2025-11-20"]
    full = Market.from_parts(bars, bar_size="5min", open_interest_coins=coins).bars["oi_usd"]
    t = ts(cut)
    short = Market.from_parts(bars[bars.index < t], bar_size="5min",
                              open_interest_coins=coins[coins.index < t]).bars["oi_usd"]
    pd.testing.assert_series_equal(short, full[full.index < t])


# --------------------------------------------------------------------------- source periods (I2)
def i2_example(**coinglass_period):
    return (candles("5m", ("candles", "funding", "mark")),
            coinglass(open_interest="usdm", parts=["open_interest"], **coinglass_period),
            {"format": "vendor_hourly", "parts": ["open_interest"], "use_from": "2025-12-04T07:00:00",
             "path": str(shared_path("coinglass-btc-1h", "btc_1h_price_oi_funding_liquidations.csv"))})


def test_i2_example_loads_and_oi_is_continuous_across_the_switch():
    market = load(*i2_example(use_until="2025-12-04T07:00:00"))
    oi = market.bars["oi_usd"]
    first = oi.first_valid_index()
    assert first == ts("2024-12-31 04:00")  # the 00:00 value is known before any candle closed: no USD price
    assert oi.loc[first:].notna().all()  # no hole at the switch
    vendor = pd.read_csv(shared_path("coinglass-btc-1h", "btc_1h_price_oi_funding_liquidations.csv"))
    first_vendor = vendor["oi_close"].iloc[0]  # hour 06:00, known at 07:00
    assert oi.loc[ts("2025-12-04 07:00")] == first_vendor
    assert oi.loc[ts("2025-12-04 06:55")] != first_vendor  # still the 4h Binance OI before the switch
    # the two series measure the same thing: the level does not jump at the switch (within 20 %)
    assert abs(oi.loc[ts("2025-12-04 07:00")] / oi.loc[ts("2025-12-04 06:55")] - 1) < 0.2


def test_period_keeps_values_in_use_from_use_until():
    config = data_config(coinglass(parts=["open_interest", "liquidations"], use_from="2025-03-01",
                                   use_until="2025-04-01"))
    source = config.sources[0]
    bundle = source.read(shared_path()).between(*source.period)
    assert bundle.open_interest_coins.index[0] == ts("2025-03-01")
    assert bundle.open_interest_coins.index[-1] == ts("2025-03-31 20:00")
    assert bundle.liquidations.index[0] == ts("2025-03-01") and len(bundle.liquidations) == 31 * 6


@pytest.mark.parametrize("until", ["2025-12-04T08:00:00", None])
def test_overlapping_periods_are_a_config_error_naming_both_sources(until):
    fields = {"use_until": until} if until else {}
    config = data_config(*i2_example(**fields))
    pattern = (r"data.sources\[2\] \(vendor_hourly .*btc_1h_price_oi_funding_liquidations.csv\) and "
               r"data.sources\[1\] \(coinglass_v4 .*coinglass-btc-2024-2025\) both give 'open_interest' with "
               r"overlapping periods")
    with pytest.raises(ConfigError, match=pattern):
        check_data_config(config, shared_path())
    with pytest.raises(ConfigError, match=pattern):
        load_data(config)


def test_period_must_be_ordered():
    with pytest.raises(ConfigError, match="use_from .* must be before use_until"):
        data_config(coinglass(use_from="2025-05-01", use_until="2025-04-01"))


def test_same_part_without_periods_keeps_the_old_error():
    with pytest.raises(DataError, match="part 'open_interest' is already given by"):
        load(candles(), coinglass(parts=["open_interest"]), coinglass(open_interest="coinm", parts=["open_interest"]))


def test_i2_yaml_parses_as_written():
    text = """
    sources:
      - {format: freqtrade, path: ../../shared/data/binance-um/futures, pair: BTC/USDT:USDT, timeframe: 5m,
         parts: [candles, funding, mark]}
      - {format: coinglass_v4, path: ../../shared/data/coinglass-btc-2024-2025, open_interest: usdm,
         parts: [open_interest], use_until: 2025-12-04T07:00:00}
      - {format: vendor_hourly, path: ../../shared/data/coinglass-btc-1h/btc_1h_price_oi_funding_liquidations.csv,
         parts: [open_interest], use_from: 2025-12-04T07:00:00}
    """
    import textwrap

    config = validate_section(DataConfig, yaml.safe_load(textwrap.dedent(text)), "i2.yaml", "data")
    assert config.sources[1].period == (None, ts("2025-12-04 07:00"))
    assert config.sources[2].period == (ts("2025-12-04 07:00"), None)


def test_period_dumps_only_when_set():
    """A source without a period dumps as before (stored results keep their config hash); one with it round-trips."""
    config = data_config(candles(), coinglass(parts=["open_interest"], use_until="2025-12-04T07:00:00"))
    dumped = config.model_dump(mode="json")
    assert "use_from" not in dumped["sources"][0] and "use_until" not in dumped["sources"][0]
    assert dumped["sources"][1]["use_until"].startswith("2025-12-04T07:00:00")
    assert DataConfig.model_validate(dumped) == config


@pytest.mark.parametrize("name", [None, "binance_btc_liquidations_4h.csv", "binance_eth_liquidations_4h.csv",
                                  "binance_btc_liquidations_1d.csv", "binance_btc_usdm_oi_btc_4h.csv",
                                  "binance_btc_usdm_oi_btc_1d.csv", "binance_btc_coinm_oi_usd_4h.csv",
                                  "binance_btc_coinm_oi_usd_1d.csv", "allexchanges_btc_oi_usd_4h.csv",
                                  "per_exchange_btc_oi_usd_4h.csv", "binance_btcusdt_orderbook_1pct.csv"])
def test_data_inspect_describes_each_file_and_the_folder(name):
    import json

    from corpus import run_cli

    path = shared_path(*FOLDER) if name is None else shared_path(*FOLDER, name)
    code, out, err = run_cli(["data", "inspect", "--json", str(path)])
    assert code == 0, err
    series = json.loads(out)["series"]
    rows = {(s["file"], s["series"]): s for s in series}
    if name is None:
        assert {s["file"] for s in series} == {n for n in (p.name for p in path.glob("*.csv"))}
    if name in (None, "binance_btc_usdm_oi_btc_4h.csv"):
        oi = rows[("binance_btc_usdm_oi_btc_4h.csv", "open_interest usdm (close)")]
        assert (oi["rows"], oi["first"], oi["last"], oi["step"], oi["gaps"]) == (
            2195, "2024-11-13 20:00:00+00:00", "2025-11-14 12:00:00+00:00", "4h", 0)
        assert oi["unit"].startswith("BTC")
    if name in (None, "binance_btcusdt_orderbook_1pct.csv"):
        depth = rows[("binance_btcusdt_orderbook_1pct.csv", "bid_depth_1pct_usd")]
        assert depth["rows"] == 2401 and depth["stale_repeats"] == 18 and depth["known_at"] == "its stamp"
    code, text, err = run_cli(["data", "inspect", str(path)])
    assert code == 0 and "coinglass_v4 series, no candles" in text, err
