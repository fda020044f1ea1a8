"""Bad input gets a DataError that names the source, the column and the first rows."""

import numpy as np
import pandas as pd
import pytest

from liqbt.data import Market
from liqbt.data.validate import check_funding_unit
from liqbt.errors import DataError, GapWarning


def _candles(n=10, freq="5min"):
    index = pd.date_range("2025-01-01", periods=n, freq=freq, tz="UTC", name="time")
    close = 100 + np.arange(n, dtype=float)
    return pd.DataFrame({"open": close, "high": close + 1, "low": close - 1, "close": close,
                         "volume": np.ones(n)}, index=index)


def _error(candles, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        Market.from_parts(candles, source="file.csv", **kwargs)
    return str(info.value)


def test_unsorted_timestamps_are_an_error_not_reordered():
    c = _candles()
    c = c.iloc[[0, 1, 3, 2, 4, 5, 6, 7, 8, 9]]
    msg = _error(c)
    assert "file.csv" in msg and "not sorted" in msg and "row 3" in msg


def test_duplicate_timestamps():
    c = _candles()
    c = pd.concat([c.iloc[:5], c.iloc[4:]])
    assert "duplicate timestamps" in _error(c)


def test_naive_timestamps():
    c = _candles()
    c.index = c.index.tz_localize(None)
    assert "naive" in _error(c)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nan_and_inf(value):
    c = _candles()
    c.iloc[4, c.columns.get_loc("close")] = value
    msg = _error(c)
    assert "column 'close'" in msg and "row 4" in msg


def test_non_positive_price():
    c = _candles()
    c.iloc[2, :4] = [0.0, 1.0, 0.0, 0.5]
    assert "non-positive" in _error(c)


def test_high_below_low():
    c = _candles()
    c.iloc[6, c.columns.get_loc("high")] = 50.0
    msg = _error(c)
    assert "high < low" in msg and "row 6" in msg and "high=50.0" in msg


def test_close_outside_range():
    c = _candles()
    c.iloc[3, c.columns.get_loc("close")] = 500.0
    assert "close outside [low, high]" in _error(c)


def test_negative_volume():
    c = _candles()
    c.iloc[1, c.columns.get_loc("volume")] = -1.0
    assert "column 'volume'" in _error(c)


def test_negative_open_interest():
    c = _candles()
    oi = pd.Series([-1.0], index=c.index[:1])
    assert "negative" in _error(c, open_interest=oi)


def test_off_grid_timestamp():
    c = _candles()
    c.index = c.index.insert(10, c.index[-1] + pd.Timedelta("7min"))[:10].append(
        pd.DatetimeIndex([c.index[-1] + pd.Timedelta("7min")]))[1:]
    c.index.name = "time"
    assert "off the" in _error(c, bar_size="5min")


def test_gaps_are_reported_kept_or_filled_only_when_asked():
    c = _candles(12).drop(index=_candles(12).index[[4, 5]])
    with pytest.warns(GapWarning, match="1 gap"):
        m = Market.from_parts(c, source="file.csv")
    assert len(m) == 10 and m.gaps["missing_bars"].tolist() == [2]
    assert "gap" in _error(c, gaps="error")
    filled = Market.from_parts(c, gaps="fill")
    assert len(filled) == 12
    assert filled.bars["is_filled"].sum() == 2
    gap_bars = filled.bars[filled.bars["is_filled"]]
    assert (gap_bars["close"] == c["close"].iloc[3]).all() and (gap_bars["volume"] == 0).all()


def test_funding_unit_mismatch_is_caught():
    percent = pd.Series([0.01, 0.012, 0.008])
    with pytest.raises(DataError, match="Is it in percent"):
        check_funding_unit(percent, "fraction", "f.csv")
    fraction = pd.Series([0.0001, 0.00012, 0.00008])
    with pytest.raises(DataError, match="Is it a fraction"):
        check_funding_unit(fraction, "percent", "f.csv")
    check_funding_unit(fraction, "fraction", "f.csv")
    check_funding_unit(percent, "percent", "f.csv")


def test_missing_columns_name_what_was_found(tmp_path):
    from liqbt.data.vendor import read_vendor_hourly

    path = tmp_path / "v.csv"
    path.write_text("timestamp,price_open\n1764828000000,1\n")
    with pytest.raises(DataError, match=r"v.csv: missing column\(s\).*found \['timestamp', 'price_open'\]"):
        read_vendor_hourly(path)


def test_empty_and_unreadable_files(tmp_path):
    from liqbt.data.freqtrade import read_feather_frame
    from liqbt.data.vendor import read_vendor_hourly

    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="e.csv"):
        read_vendor_hourly(empty)
    bad = tmp_path / "x-5m-futures.feather"
    bad.write_bytes(b"not arrow")
    with pytest.raises(DataError, match="not a readable feather"):
        read_feather_frame(bad)
    with pytest.raises(DataError, match="file not found"):
        read_vendor_hourly(tmp_path / "missing.csv")


def test_unreadable_file_is_named(tmp_path, monkeypatch):
    """The chmod-000 case of the corpus, reachable as root: ``open`` refuses the file."""
    from liqbt.data import validate
    from liqbt.data.vendor import read_vendor_hourly

    path = tmp_path / "v.csv"
    path.write_text("timestamp\n1\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(args[0]))

    monkeypatch.setattr(validate, "open", refuse, raising=False)
    with pytest.raises(DataError, match=r"v.csv: cannot read: Permission denied$"):
        read_vendor_hourly(path)


@pytest.mark.parametrize("column", ["open", "high", "low", "close"])
def test_absurd_price_is_an_error(column):
    c = _candles()
    c.iloc[2, :4] = [50.0, 2e9, 50.0, 50.0]
    c.iloc[2, c.columns.get_loc(column)] = 2e9
    msg = _error(c)
    assert "absurd prices; expected at most 1e+09" in msg and "row 2" in msg


def test_price_cap_is_inclusive():
    c = _candles()
    c.iloc[2, :4] = [1e9, 1e9, 1e9, 1e9]
    assert len(Market.from_parts(c)) == 10


def test_absurd_volume_is_an_error():
    c = _candles()
    c.iloc[3, c.columns.get_loc("volume")] = 1e300
    assert "column 'volume': absurd values; expected at most 1e+18" in _error(c)


@pytest.mark.parametrize("rate", [0.1, -0.06, np.inf])
def test_funding_above_the_cap_is_an_error(rate):
    c = _candles(200)
    funding = pd.Series([1e-4, rate], index=c.index[[10, 100]], name="funding_rate")
    msg = _error(c, funding=funding, part_sources={"funding": "funding.feather"})
    assert msg.startswith("funding.feather: column 'funding_rate': ") and "row 1" in msg


def test_funding_cap_in_percent():
    check_funding_unit(pd.Series([0.01, 4.9]), "percent", "f.csv")
    with pytest.raises(DataError, match=r"f.csv: column 'funding_rate': \|funding rate\| above 5 \(percent"):
        check_funding_unit(pd.Series([0.01, 10.0]), "percent", "f.csv")


def test_real_funding_is_far_below_the_cap(shared_data):
    from liqbt.data.validate import FUNDING_MAX_ABS

    largest = 0.0
    for path in shared_data.glob("*/futures/*funding_rate.feather"):
        largest = max(largest, pd.read_feather(path)["open"].abs().max())
    rates = pd.read_parquet(shared_data / "multivenue-1h" / "funding_rates.parquet")["funding_rate"]
    largest = max(largest, rates.abs().max())
    assert 0.005 < largest < FUNDING_MAX_ABS / 5  # the documented margin: 8x the largest real rate


def test_errors_of_a_part_name_its_file():
    c = _candles()
    oi = pd.Series([1.0, -1.0], index=c.index[:2])
    msg = _error(c, open_interest=oi, part_sources={"open_interest": "oi.csv"})
    assert msg.startswith("oi.csv: column 'oi_usd': negative values") and "file.csv" not in msg
    mark = c[["open", "high", "low", "close"]].copy()
    mark.iloc[1, 1] = 0.5
    msg = _error(c, mark=mark, part_sources={"mark": "mark.feather"})
    assert msg.startswith("mark.feather: ")


@pytest.mark.parametrize("scale, unit", [(1, "ms"), (1000, "us"), (1_000_000, "ns")])
def test_epoch_units_are_detected_and_converted_exactly(scale, unit):
    from liqbt.data.validate import to_utc_index

    ms = np.array([1764828000000, 1764828000001], dtype=np.int64)
    index = to_utc_index(ms * scale, "f.csv", "timestamp", unit="ms")
    assert index.asi8.tolist() == [1764828000000000000, 1764828000001000000]


def test_whole_float_epoch_ms_are_accepted_and_fractions_refused():
    from liqbt.data.validate import to_utc_index

    index = to_utc_index(pd.Series([1764828000000.0, 1764831600000.0]), "f.csv", "timestamp", unit="ms")
    assert index[1] == pd.Timestamp("2025-12-04 07:00", tz="UTC")
    with pytest.raises(DataError, match="fractional epoch milliseconds"):
        to_utc_index(pd.Series([1764828000000.0, 1764831600000.25]), "f.csv", "timestamp", unit="ms")


def test_epoch_beyond_2262_is_an_error_not_an_overflow():
    from liqbt.data.validate import to_utc_index

    with pytest.raises(DataError, match="after the year 2262"):
        to_utc_index([99_999_999_999_999], "f.csv", "timestamp", unit="ms")


def test_integer_dates_in_a_feather_file_are_epoch_ms(tmp_path):
    from liqbt.data.freqtrade import read_feather_frame

    dates = pd.date_range("2025-01-01", periods=3, freq="1h", tz="UTC")
    frame = pd.DataFrame({"date": dates.as_unit("ms").asi8, "open": 1.0, "high": 1.0, "low": 1.0,
                          "close": 1.0, "volume": 0.0})
    frame.to_feather(tmp_path / "X_USDT_USDT-1h-futures.feather")
    assert read_feather_frame(tmp_path / "X_USDT_USDT-1h-futures.feather").index.equals(
        dates.as_unit("ns").rename("time"))


def test_sources_naming_the_market_differently_need_data_symbol(tmp_path):
    from liqbt.data.bundle import DataBundle

    a = DataBundle(candles=_candles(), sources={"candles": "a.feather"}, symbol="BTCUSDT")
    b = DataBundle(open_interest=pd.Series([1.0], index=_candles().index[:1]), sources={"open_interest": "b.parquet"},
                   symbol="BTCUSD")
    with pytest.raises(DataError, match=r"^b.parquet: symbol 'BTCUSD' does not match 'BTCUSDT' of a.feather; "
                                        r"set data.symbol"):
        a.merge(b)


def test_vendor_4h_epoch_ms_timestamps_are_not_read_as_1970(tmp_path):
    """pandas reads integers as nanoseconds: 1764828000000 would be 1970-01-01 00:29."""
    from liqbt.data.vendor import read_vendor_4h

    stamps = pd.date_range("2025-12-04", periods=3, freq="4h", tz="UTC")
    pd.DataFrame({"timestamp": stamps.as_unit("ms").asi8, "close": 8e10}).to_csv(
        tmp_path / "coinglass_oi_4h.csv", index=False)
    bundle = read_vendor_4h(tmp_path, parts=["open_interest"])
    assert bundle.open_interest.index[0] == pd.Timestamp("2025-12-04 04:00", tz="UTC")  # known at the close


def test_text_columns_of_pandas_string_dtype_with_empty_cells():
    from liqbt.data.validate import numeric_columns

    frame = pd.DataFrame({"close": pd.Series(["1", None, "2.5"], dtype="string")})
    assert numeric_columns(frame, ["close"], "f.csv")["close"].tolist()[::2] == [1.0, 2.5]
    frame = pd.DataFrame({"close": pd.Series(["1", "1,5", "2.5"], dtype="string")})
    with pytest.raises(DataError, match=r"f.csv: column 'close': expected numbers, found text .*row 1 \('1,5'\)"):
        numeric_columns(frame, ["close"], "f.csv")
