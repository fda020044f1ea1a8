"""Point-in-time alignment: values appear only from the first bar opening after they became known."""

import numpy as np
import pandas as pd
import pytest

from liqbt.data import Market, align_known, events_on_bars


def _candles(n, freq="5min", start="2025-01-01"):
    index = pd.date_range(start, periods=n, freq=freq, tz="UTC", name="time")
    close = 100 + np.arange(n, dtype=float)
    return pd.DataFrame({"open": close, "high": close + 1, "low": close - 1, "close": close,
                         "volume": np.ones(n)}, index=index)


def test_hourly_oi_appears_on_5m_bars_only_from_the_end_of_its_hour():
    candles = _candles(36)  # 3 hours of 5m bars from 00:00
    hour_open = pd.date_range("2025-01-01", periods=3, freq="1h", tz="UTC")
    oi_close = pd.Series([10.0, 20.0, 30.0], index=hour_open + pd.Timedelta("1h"))  # known at hour end
    market = Market.from_parts(candles, open_interest=oi_close)
    oi = market.bars["oi_usd"]
    assert oi.loc[:"2025-01-01 00:55"].isna().all()  # hour 00 is not over yet
    assert (oi.loc["2025-01-01 01:00":"2025-01-01 01:55"] == 10.0).all()
    assert (oi.loc["2025-01-01 02:00":"2025-01-01 02:55"] == 20.0).all()
    assert not (oi == 30.0).any()  # known at 03:00, after the last bar opens


def test_alignment_never_uses_a_later_value_property():
    rng = np.random.default_rng(3)
    known = pd.DatetimeIndex(np.sort(rng.choice(np.arange(0, 10_000), 300, replace=False)) * 60_000_000_000,
                             tz="UTC")
    values = pd.Series(rng.normal(size=300), index=known)
    bars = pd.date_range(known[0] - pd.Timedelta("1h"), periods=2000, freq="5min", tz="UTC")
    got = align_known(values, bars)
    # reference: a plain loop
    for i, t in enumerate(bars):
        earlier = values[values.index <= t]
        expected = earlier.iloc[-1] if len(earlier) else np.nan
        assert got[i] == expected or (np.isnan(got[i]) and np.isnan(expected))


def test_truncating_inputs_leaves_aligned_prefix_unchanged():
    candles = _candles(300)
    oi = pd.Series(np.arange(30, dtype=float), index=pd.date_range("2025-01-01 01:00", periods=30, freq="1h",
                                                                     tz="UTC"))
    full = Market.from_parts(candles, open_interest=oi).bars
    for cut in (13, 100, 299):
        t = candles.index[cut]
        part = Market.from_parts(candles[candles.index <= t], open_interest=oi[oi.index <= t]).bars
        pd.testing.assert_frame_equal(part, full.loc[:t])


def test_max_age_turns_stale_values_into_nan():
    candles = _candles(48)
    oi = pd.Series([5.0], index=pd.DatetimeIndex(["2025-01-01 00:30"], tz="UTC"))
    bars = Market.from_parts(candles, open_interest=oi, oi_max_age="1h").bars
    assert bars["oi_usd"].loc["2025-01-01 00:30"] == 5.0
    assert bars["oi_usd"].loc["2025-01-01 01:30"] == 5.0
    assert np.isnan(bars["oi_usd"].loc["2025-01-01 01:35"])


def test_funding_event_lands_in_the_bar_holding_its_exact_time():
    candles = _candles(24, freq="1h")
    events = pd.Series([1e-4, -2e-4], index=pd.DatetimeIndex(["2025-01-01 08:00:00.005", "2025-01-01 16:00"],
                                                              tz="UTC"))
    bars = Market.from_parts(candles, funding=events).bars
    assert bars["funding_rate"].loc["2025-01-01 08:00"] == 1e-4
    assert bars["funding_rate"].loc["2025-01-01 16:00"] == -2e-4
    assert bars["funding_rate"].notna().sum() == 2


def test_several_events_in_one_bar_are_summed():
    index = pd.date_range("2025-01-01", periods=2, freq="1D", tz="UTC")
    events = pd.Series([1e-4, 2e-4, 3e-4], index=pd.date_range("2025-01-01", periods=3, freq="8h", tz="UTC"))
    out = events_on_bars(events, index, pd.Timedelta("1D"))
    assert out[0] == pytest.approx(6e-4)
    assert np.isnan(out[1])


def test_mark_price_is_the_last_mark_open_known_at_bar_open():
    candles = _candles(24)
    mark = _candles(2, freq="1h")
    mark[["open", "high", "low", "close"]] += 0.5
    bars = Market.from_parts(candles, mark=mark).bars
    assert (bars["mark_price"].loc["2025-01-01 00:00":"2025-01-01 00:55"] == 100.5).all()
    assert (bars["mark_price"].loc["2025-01-01 01:00":] == 101.5).all()
    assert "mark_high" not in bars  # hourly mark has no 5m high/low


def test_slice_keeps_only_the_open_of_a_mark_bar_still_open_at_the_cut():
    candles = _candles(24)   # 5m bars 00:00 .. 01:55
    mark_index = pd.date_range("2025-01-01", periods=2, freq="1h", tz="UTC")
    mark = pd.DataFrame({"open": [100.0, 101.0], "high": [102.0, 103.0], "low": [99.0, 100.0],
                         "close": [101.0, 102.0]}, index=mark_index)
    market = Market.from_parts(candles, bar_size="5m", mark=mark, mark_bar_size="1h")
    cut = market.head(13)    # bars up to 01:00 (its close 01:05): the 01:00 mark bar has opened, not closed
    assert cut.mark["open"].tolist() == [100.0, 101.0]
    assert cut.mark.loc["2025-01-01 00:00", ["high", "low", "close"]].tolist() == [102.0, 99.0, 101.0]
    assert cut.mark.iloc[1][["high", "low", "close"]].isna().all()
    assert len(market.head(12).mark) == 1  # cut at 01:00: the 01:00 mark bar has not opened yet
