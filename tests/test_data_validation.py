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
