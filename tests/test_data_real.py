"""Every dataset under ../shared/data loads through the public API; counts and spans match its README."""

import warnings

import pandas as pd
import pytest

import liqbt.data as ld
from conftest import shared_path
from liqbt.errors import GapWarning

pytestmark = pytest.mark.real_data

UTC = "UTC"


def ts(text):
    return pd.Timestamp(text, tz=UTC)


@pytest.mark.parametrize("coin", ["BTC", "ETH"])
def test_binance_um_5m_with_mark_and_funding(coin):
    m = ld.load_freqtrade(shared_path("binance-um", "futures"), f"{coin}/USDT:USDT", "5m")
    assert len(m) == 119_724 and len(m.gaps) == 0
    assert m.start == ts("2024-12-31") and m.index[-1] == ts("2026-02-19 16:55")
    assert m.bar_size == pd.Timedelta("5min")
    assert m.mark_bar_size == pd.Timedelta("1h")
    assert len(m.funding) == 1247
    assert m.funding.index[0] == ts("2024-12-31") and m.funding.index[-1] == ts("2026-02-19 08:00")
    # funding every 8h at 00/08/16 UTC, a fraction
    assert set(m.funding.index.hour) == {0, 8, 16}
    assert m.funding.abs().median() < 1e-3


@pytest.mark.parametrize("coin,timeframe,rows,mark_rows", [
    ("BTC", "1h", 9978, 9981), ("ETH", "1h", 9978, 9978), ("BTC", "1d", 414, None), ("ETH", "1d", 414, None)])
def test_binance_um_other_timeframes(coin, timeframe, rows, mark_rows):
    m = ld.load_freqtrade(shared_path("binance-um", "futures"), f"{coin}/USDT:USDT", timeframe)
    assert len(m) == rows
    if mark_rows:
        assert len(m.mark) == mark_rows and "mark_high" in m.bars


def test_binance_2025_1m_btc():
    m = ld.load_freqtrade(shared_path("binance-um-2025-1m", "futures"), "BTC/USDT:USDT", "1m")
    assert len(m) == 43_199
    assert m.start.date() == pd.Timestamp("2025-05-04").date() and m.index[-1].date() == pd.Timestamp("2025-06-03").date()
    assert m.mark_bar_size == pd.Timedelta("8h")
    assert m.funding.index[0].date() == pd.Timestamp("2025-03-06").date()
    assert m.funding.index[-1].date() == pd.Timestamp("2025-06-03").date()


@pytest.mark.parametrize("timeframe,first,last", [("5m", "2025-03-06", "2025-04-13"), ("15m", "2025-03-06", "2025-04-13"),
                                                  ("1h", "2025-03-06", "2025-04-05")])
@pytest.mark.parametrize("coin", ["BTC", "ETH"])
def test_binance_2025_other_timeframes(coin, timeframe, first, last):
    m = ld.load_freqtrade(shared_path("binance-um-2025-1m", "futures"), f"{coin}/USDT:USDT", timeframe)
    assert m.start.date() == pd.Timestamp(first).date() and m.index[-1].date() == pd.Timestamp(last).date()


def test_xrp_2021():
    m = ld.load_freqtrade(shared_path("binance-um-xrp-2021", "futures"), "XRP/USDT:USDT", "5m")
    assert len(m) == 1_999 and m.symbol == "XRPUSDT"
    assert m.bars["funding_rate"].notna().sum() > 0
    hourly = ld.load_freqtrade(shared_path("binance-um-xrp-2021", "futures"), "XRP/USDT:USDT", "1h")
    assert len(hourly) == 100


def test_vendor_hourly():
    with pytest.warns(GapWarning, match="3 gap"):
        m = ld.load_vendor_hourly(shared_path("coinglass-btc-1h", "btc_1h_price_oi_funding_liquidations.csv"))
    assert len(m) == 1_863
    assert m.start.date() == pd.Timestamp("2025-12-04").date() and m.index[-1].date() == pd.Timestamp("2026-02-19").date()
    assert (m.gaps["missing_bars"] == 1).all()  # "a few 2-hour gaps"
    # OI of hour H is known only at H+1h: the first bar has none, the second has the first row's close
    raw = pd.read_csv(shared_path("coinglass-btc-1h", "btc_1h_price_oi_funding_liquidations.csv"))
    assert pd.isna(m.bars["oi_usd"].iloc[0]) and m.bars["oi_usd"].iloc[1] == raw["oi_close"].iloc[0]
    # funding converted from percent to a fraction
    assert m.funding.abs().median() < 1e-3
    assert m.bars["realised_liq_long_usd"].sum() == pytest.approx(raw["liquidation_long_usd"].sum())


def test_vendor_4h_combines_with_binance_candles():
    four = ld.read_vendor_4h(shared_path("coinglass-btc-4h"))
    assert len(four.liquidations) == 819 and len(four.open_interest) == 819
    assert four.liquidations.index[0] == ts("2025-10-06 12:00")
    assert four.liquidations.index[-1].date() == pd.Timestamp("2026-02-19").date()
    candles = ld.read_freqtrade(shared_path("binance-um", "futures"), "BTC/USDT:USDT", "5m")
    m = candles.merge(four.only("open_interest", "liquidations", "known")).to_market()
    first_oi = m.bars["oi_usd"].first_valid_index()
    assert first_oi == ts("2025-10-06 16:00")  # the 12:00-16:00 interval's close is known at 16:00
    assert m.liquidations_bar_size == pd.Timedelta("4h")


def test_merging_the_same_part_twice_is_an_error():
    from liqbt.errors import DataError

    a = ld.read_freqtrade(shared_path("binance-um", "futures"), "BTC/USDT:USDT", "5m")
    b = ld.read_vendor_4h(shared_path("coinglass-btc-4h"))
    with pytest.raises(DataError, match="part 'funding' is already given"):
        a.merge(b)


def test_multivenue():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GapWarning)
        mv = ld.load_multivenue(shared_path("multivenue-1h"), "BTC")
    assert {"binance", "bybit", "okx", "kraken", "hyperliquid"} <= set(mv.venues)
    for venue in ("binance", "bybit"):
        m = mv[venue]
        assert len(m) == 8413
        assert m.start == ts("2025-03-06 11:00") and m.index[-1] == ts("2026-02-19 23:00")
    assert mv["okx"].start.month == 12 and mv["kraken"].start.month == 12
    assert mv["hyperliquid"].has("oi_usd")
    liq = mv["hyperliquid"].liquidations
    events = pd.read_parquet(shared_path("multivenue-1h", "liquidation_events.parquet"))
    btc = events[(events.coin == "BTC") & (events.venue == "hyperliquid")]
    assert liq["realised_liq_long_usd"].sum() == pytest.approx(btc["size_usd"].sum())  # sells close longs
