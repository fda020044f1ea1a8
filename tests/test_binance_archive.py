"""Readers of the Binance public data archive, on small zips built here.

Formats follow data.binance.vision (USDⓈ-M futures): klines with 12 columns
(with or without header, ms or µs open times), fundingRate, metrics and
liquidationSnapshot with their header rows, and ``.zip.CHECKSUM`` files.
"""

from __future__ import annotations

import hashlib
import tempfile
import warnings
import zipfile
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqbt.data import DataBundle
from liqbt.data.binance_archive import (
    ArchiveWarning,
    archive_path,
    find_archive_files,
    interval_bar_size,
    read_binance_archive,
    read_funding_rate,
    read_klines,
    read_liquidation_snapshot,
    read_mark_price_klines,
    read_metrics,
    verify_checksum,
)
from liqbt.errors import ConfigError, DataError

KLINE_HEADER = ("open_time,open,high,low,close,volume,close_time,quote_volume,count,"
                "taker_buy_volume,taker_buy_quote_volume,ignore")
METRICS_HEADER = ("create_time,symbol,sum_open_interest,sum_open_interest_value,"
                  "count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,"
                  "count_long_short_ratio,sum_taker_long_short_vol_ratio")
LIQ_HEADER = ("time,side,order_type,time_in_force,original_quantity,price,average_price,"
              "order_status,last_fill_quantity,accumulated_fill_quantity")
FUNDING_HEADER = "calc_time,funding_interval_hours,last_funding_rate"
DAY_MS = 86_400_000
FIVE_MIN_MS = 300_000
JAN1_MS = 1_704_067_200_000  # 2024-01-01 00:00 UTC


# ----------------------------------------------------------------- builders
def ms(text: str) -> int:
    return int(pd.Timestamp(text, tz="UTC").value // 1_000_000)


def kline_rows(start_ms: int, n: int, *, step_ms: int = FIVE_MIN_MS, price: float = 100.0,
               micro: bool = False) -> list[str]:
    """``n`` klines: open = price + i, high +2, low -1, close +1, volume 10 + i."""
    rows = []
    for i in range(n):
        t = start_ms + i * step_ms
        open_, close_ = price + i, price + i + 1
        t_out, close_time = (t * 1000, (t + step_ms) * 1000 - 1) if micro else (t, t + step_ms - 1)
        rows.append(f"{t_out},{open_},{open_ + 2},{open_ - 1},{close_},{10 + i},{close_time},"
                    f"{(10 + i) * open_},{5 + i},{4 + i},{(4 + i) * open_},0")
    return rows


def day_klines(day: str, *, n: int = 288, header: bool = False, **kw) -> str:
    rows = kline_rows(ms(day), n, **kw)
    return "\n".join(([KLINE_HEADER] if header else []) + rows) + "\n"


def write_zip(root: Path, relpath, text: str, *, checksum: bool = True, member: str | None = None) -> Path:
    """A zip at ``root/relpath`` holding one CSV, plus its ``.CHECKSUM`` file."""
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member or path.name.replace(".zip", ".csv"), text)
    if checksum:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        path.with_name(path.name + ".CHECKSUM").write_text(f"{digest}  {path.name}\n")
    return path


def kline_path(frequency: str, period: str, *, kind: str = "klines", interval: str = "5m", symbol: str = "BTCUSDT"):
    return archive_path(kind, symbol, frequency, date.fromisoformat(period if len(period) == 10 else period + "-01"),
                        interval=interval)


def other_path(kind: str, frequency: str, period: str, symbol: str = "BTCUSDT"):
    return archive_path(kind, symbol, frequency, date.fromisoformat(period if len(period) == 10 else period + "-01"))


# ------------------------------------------------------------------- klines
def test_klines_without_header_give_named_columns_on_utc_bar_opens(tmp_path):
    path = write_zip(tmp_path, "BTCUSDT-5m-2024-01-01.zip", day_klines("2024-01-01", n=3))
    frame = read_klines(path)
    assert list(frame.columns) == ["open", "high", "low", "close", "volume", "quote_volume",
                                   "taker_buy_volume", "taker_buy_quote_volume", "trades"]
    assert str(frame.index.dtype) == "datetime64[ns, UTC]" and frame.index.name == "time"
    assert list(frame.index) == list(pd.date_range("2024-01-01", periods=3, freq="5min", tz="UTC"))
    first = frame.iloc[0]
    assert (first["open"], first["high"], first["low"], first["close"]) == (100.0, 102.0, 99.0, 101.0)
    assert (first["volume"], first["quote_volume"], first["taker_buy_volume"]) == (10.0, 1000.0, 4.0)
    assert (first["taker_buy_quote_volume"], first["trades"]) == (400.0, 5)


def test_klines_with_header_read_like_without(tmp_path):
    plain = read_klines(write_zip(tmp_path / "a", "BTCUSDT-5m-2024-01-01.zip", day_klines("2024-01-01", n=4)))
    headed = read_klines(write_zip(tmp_path / "b", "BTCUSDT-5m-2024-01-01.zip",
                                   day_klines("2024-01-01", n=4, header=True)))
    pd.testing.assert_frame_equal(plain, headed)


def test_klines_microsecond_timestamps_are_detected(tmp_path):
    milli = read_klines(write_zip(tmp_path / "a", "BTCUSDT-5m-2024-01-01.zip", day_klines("2024-01-01", n=4)))
    micro = read_klines(write_zip(tmp_path / "b", "BTCUSDT-5m-2024-01-01.zip",
                                  day_klines("2024-01-01", n=4, micro=True, header=True)))
    pd.testing.assert_frame_equal(milli, micro)


def test_klines_mixing_ms_and_us_is_an_error(tmp_path):
    rows = kline_rows(JAN1_MS, 1) + kline_rows(JAN1_MS + FIVE_MIN_MS, 1, micro=True)
    path = write_zip(tmp_path, "BTCUSDT-5m-2024-01-01.zip", "\n".join(rows))
    with pytest.raises(DataError, match=r"mixed millisecond and microsecond.*row 1"):
        read_klines(path)


def test_klines_with_wrong_column_count_name_file_and_count(tmp_path):
    text = "\n".join(",".join(r.split(",")[:6]) for r in kline_rows(JAN1_MS, 2))
    path = write_zip(tmp_path, "BTCUSDT-5m-2024-01-01.zip", text)
    with pytest.raises(DataError, match=r"BTCUSDT-5m-2024-01-01.zip: expected 12 columns .* found 6"):
        read_klines(path)


def test_klines_text_in_a_price_column_names_column_and_row(tmp_path):
    rows = kline_rows(JAN1_MS, 3)
    rows[1] = rows[1].replace(",101.0,", ",abc,", 1)
    path = write_zip(tmp_path, "BTCUSDT-5m-2024-01-01.zip", "\n".join(rows))
    with pytest.raises(DataError, match=r"column 'open': expected numbers, found text.*row 1 \('abc'\)"):
        read_klines(path)


def test_klines_outside_the_day_named_by_the_file_are_an_error(tmp_path):
    path = write_zip(tmp_path, "BTCUSDT-5m-2024-01-02.zip", day_klines("2024-01-01", n=2))
    with pytest.raises(DataError, match=r"rows outside the daily period"):
        read_klines(path)


def test_klines_off_the_interval_grid_are_an_error(tmp_path):
    path = write_zip(tmp_path, "BTCUSDT-5m-2024-01-01.zip", day_klines("2024-01-01", n=3, step_ms=60_000))
    with pytest.raises(DataError, match=r"off the 5m grid"):
        read_klines(path, interval="5m")


# ---------------------------------------------------------------- checksums
def test_matching_checksum_is_verified(tmp_path):
    path = write_zip(tmp_path, "BTCUSDT-5m-2024-01-01.zip", day_klines("2024-01-01", n=2))
    assert verify_checksum(path) is True


def test_missing_checksum_file_is_not_an_error(tmp_path):
    path = write_zip(tmp_path, "BTCUSDT-5m-2024-01-01.zip", day_klines("2024-01-01", n=2), checksum=False)
    assert verify_checksum(path) is False
    assert len(read_klines(path)) == 2


def test_corrupt_checksum_names_file_expected_and_found_digest(tmp_path):
    path = write_zip(tmp_path, "BTCUSDT-5m-2024-01-01.zip", day_klines("2024-01-01", n=2))
    wrong = "0" * 64
    path.with_name(path.name + ".CHECKSUM").write_text(f"{wrong}  {path.name}\n")
    found = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(DataError) as info:
        read_klines(path)
    message = str(info.value)
    assert str(path) in message and f"expected {wrong}" in message and f"found {found}" in message


def test_checksum_file_naming_another_file_is_an_error(tmp_path):
    path = write_zip(tmp_path, "BTCUSDT-5m-2024-01-01.zip", day_klines("2024-01-01", n=2))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    path.with_name(path.name + ".CHECKSUM").write_text(f"{digest}  BTCUSDT-5m-2024-01-02.zip\n")
    with pytest.raises(DataError, match=r"checksum file names 'BTCUSDT-5m-2024-01-02.zip'"):
        read_klines(path)


def test_malformed_checksum_file_is_an_error(tmp_path):
    path = write_zip(tmp_path, "BTCUSDT-5m-2024-01-01.zip", day_klines("2024-01-01", n=2))
    path.with_name(path.name + ".CHECKSUM").write_text("not a digest\n")
    with pytest.raises(DataError, match=r"malformed checksum file"):
        read_klines(path)


# ------------------------------------------------------------- unsafe zips
@pytest.mark.parametrize("member", ["../evil.csv", "/etc/evil.csv", "a/../../evil.csv"])
def test_zip_entries_escaping_the_folder_are_refused(tmp_path, member):
    path = write_zip(tmp_path, "BTCUSDT-5m-2024-01-01.zip", day_klines("2024-01-01", n=2), member=member)
    with pytest.raises(DataError, match=r"refusing to read zip entry"):
        read_klines(path)


def test_zip_with_two_files_is_an_error(tmp_path):
    path = tmp_path / "BTCUSDT-5m-2024-01-01.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", day_klines("2024-01-01", n=1))
        archive.writestr("b.csv", day_klines("2024-01-01", n=1))
    with pytest.raises(DataError, match=r"exactly one CSV.*found 2"):
        read_klines(path)


def test_file_that_is_not_a_zip_is_an_error(tmp_path):
    path = tmp_path / "BTCUSDT-5m-2024-01-01.zip"
    path.write_bytes(b"<html>not found</html>")
    with pytest.raises(DataError, match=r"not a readable zip file"):
        read_klines(path)


# ----------------------------------------------------------- other kinds
def test_mark_price_klines_give_mark_ohlc(tmp_path):
    path = write_zip(tmp_path, "BTCUSDT-5m-2024-01-01.zip", day_klines("2024-01-01", n=2, price=50.0, header=True))
    mark = read_mark_price_klines(path)
    assert list(mark.columns) == ["open", "high", "low", "close"]
    assert mark.iloc[1].tolist() == [51.0, 53.0, 50.0, 52.0]
    assert mark.index[1] == pd.Timestamp("2024-01-01 00:05", tz="UTC")


def test_funding_rate_gives_events_at_exact_times_as_fraction(tmp_path):
    text = f"{FUNDING_HEADER}\n{JAN1_MS + 3},8,0.00010000\n{JAN1_MS + 8 * 3_600_000},8,-0.00002500\n"
    path = write_zip(tmp_path, "BTCUSDT-fundingRate-2024-01.zip", text)
    funding = read_funding_rate(path)
    assert funding.name == "funding_rate" and funding.index.name == "time"
    assert list(funding.index) == [pd.Timestamp("2024-01-01 00:00:00.003", tz="UTC"),
                                   pd.Timestamp("2024-01-01 08:00", tz="UTC")]
    assert funding.tolist() == [0.0001, -0.000025]


def test_funding_rate_in_percent_is_refused(tmp_path):
    text = f"{FUNDING_HEADER}\n{JAN1_MS},8,0.01\n{JAN1_MS + 8 * 3_600_000},8,0.012\n"
    path = write_zip(tmp_path, "BTCUSDT-fundingRate-2024-01.zip", text)
    with pytest.raises(DataError, match=r"Is it in percent"):
        read_funding_rate(path)


def metrics_text(rows: list[tuple[str, float, float]], *, symbol: str = "BTCUSDT", repeat: int = 1) -> str:
    lines = [METRICS_HEADER]
    for when, oi_coins, oi_usd in rows:
        lines += [f"{when},{symbol},{oi_coins},{oi_usd},1.5,1.25,2.0,0.9"] * repeat
    return "\n".join(lines) + "\n"


def test_metrics_give_oi_usd_and_ratios_known_at_create_time(tmp_path):
    text = metrics_text([("2024-01-01 00:05:00", 10.0, 420000.0), ("2024-01-01 00:10:00", 11.0, 462000.0)])
    metrics = read_metrics(write_zip(tmp_path, "BTCUSDT-metrics-2024-01-01.zip", text))
    assert list(metrics.index) == [pd.Timestamp("2024-01-01 00:05", tz="UTC"),
                                   pd.Timestamp("2024-01-01 00:10", tz="UTC")]
    assert metrics["oi_usd"].tolist() == [420000.0, 462000.0]
    assert metrics["oi_coins"].tolist() == [10.0, 11.0]
    assert metrics.iloc[0][["top_trader_account_ls_ratio", "top_trader_position_ls_ratio",
                            "account_ls_ratio", "taker_buy_sell_volume_ratio"]].tolist() == [1.5, 1.25, 2.0, 0.9]


def test_metrics_rows_repeated_verbatim_are_kept_once(tmp_path):
    text = metrics_text([("2024-01-01 00:05:00", 10.0, 420000.0), ("2024-01-01 00:10:00", 11.0, 462000.0)], repeat=2)
    assert len(read_metrics(write_zip(tmp_path, "BTCUSDT-metrics-2024-01-01.zip", text))) == 2


def test_metrics_conflicting_rows_at_one_time_are_an_error(tmp_path):
    text = metrics_text([("2024-01-01 00:05:00", 10.0, 420000.0), ("2024-01-01 00:05:00", 11.0, 462000.0)])
    with pytest.raises(DataError, match=r"duplicate timestamps"):
        read_metrics(write_zip(tmp_path, "BTCUSDT-metrics-2024-01-01.zip", text))


def test_metrics_for_another_symbol_are_an_error(tmp_path):
    text = metrics_text([("2024-01-01 00:05:00", 10.0, 420000.0)], symbol="ETHUSDT")
    with pytest.raises(DataError, match=r"column 'symbol': rows for another symbol; expected 'BTCUSDT'"):
        read_metrics(write_zip(tmp_path, "BTCUSDT-metrics-2024-01-01.zip", text), symbol="BTCUSDT")


def test_metrics_bad_create_time_names_the_row(tmp_path):
    text = metrics_text([("2024-01-01 00:05:00", 10.0, 1.0), ("01/01/2024 00:10", 10.0, 1.0)])
    with pytest.raises(DataError, match=r"column 'create_time'.*row 1 \('01/01/2024 00:10'\)"):
        read_metrics(write_zip(tmp_path, "BTCUSDT-metrics-2024-01-01.zip", text))


def liq_text(rows: list[tuple[int, str, float, float]]) -> str:
    """rows of (time ms, side, average_price, accumulated_fill_quantity)."""
    lines = [LIQ_HEADER] + [f"{t},{side},LIMIT,IOC,{q},{p * 0.99},{p},FILLED,{q},{q}" for t, side, p, q in rows]
    return "\n".join(lines) + "\n"


def test_liquidations_sell_is_long_buy_is_short_summed_in_usd_per_bar(tmp_path):
    text = liq_text([
        (JAN1_MS + 1_000, "SELL", 40000.0, 0.5),          # 20,000 long in bar 00:00
        (JAN1_MS + 299_999, "SELL", 40000.0, 0.25),       # 10,000 long in bar 00:00
        (JAN1_MS + 300_000, "BUY", 41000.0, 1.0),         # 41,000 short in bar 00:05
    ])
    liq = read_liquidation_snapshot(write_zip(tmp_path, "BTCUSDT-liquidationSnapshot-2024-01-01.zip", text),
                                    bar_size="5m")
    assert list(liq.columns) == ["realised_liq_long_usd", "realised_liq_short_usd"]
    assert len(liq) == 288 and liq.index[0] == pd.Timestamp("2024-01-01", tz="UTC")
    assert liq.iloc[0].tolist() == [30000.0, 0.0]
    assert liq.iloc[1].tolist() == [0.0, 41000.0]
    assert liq.iloc[2:].to_numpy().sum() == 0.0


def test_liquidation_file_without_rows_gives_zero_bars(tmp_path):
    liq = read_liquidation_snapshot(write_zip(tmp_path, "BTCUSDT-liquidationSnapshot-2024-01-01.zip",
                                              LIQ_HEADER + "\n"), bar_size="1h")
    assert len(liq) == 24 and liq.to_numpy().sum() == 0.0


def test_liquidation_with_unknown_side_is_an_error(tmp_path):
    text = liq_text([(JAN1_MS, "LONG", 40000.0, 1.0)])
    with pytest.raises(DataError, match=r"column 'side': expected side BUY or SELL.*'LONG'"):
        read_liquidation_snapshot(write_zip(tmp_path, "BTCUSDT-liquidationSnapshot-2024-01-01.zip", text))


def test_liquidation_bar_size_must_divide_a_day(tmp_path):
    path = write_zip(tmp_path, "BTCUSDT-liquidationSnapshot-2024-01-01.zip", liq_text([]))
    with pytest.raises(ConfigError, match=r"must divide one day"):
        read_liquidation_snapshot(path, bar_size="7h")


@settings(max_examples=25, deadline=None)
@given(
    events=st.lists(st.tuples(st.integers(0, DAY_MS - 1), st.sampled_from(["BUY", "SELL"]),
                              st.floats(1.0, 1e5), st.floats(0.0, 100.0)), max_size=30),
    bar_size=st.sampled_from(["1m", "5m", "1h", "1d"]),
)
def test_liquidation_bars_conserve_notional_per_side(events, bar_size):
    rows = [(JAN1_MS + t, side, p, q) for t, side, p, q in events]
    with tempfile.TemporaryDirectory() as folder:
        path = write_zip(Path(folder), "BTCUSDT-liquidationSnapshot-2024-01-01.zip", liq_text(rows), checksum=False)
        liq = read_liquidation_snapshot(path, bar_size=bar_size)
    # the CSV carries the float repr, so expected sums use the same numbers
    long_usd = sum(p * q for _, side, p, q in events if side == "SELL")
    short_usd = sum(p * q for _, side, p, q in events if side == "BUY")
    assert liq["realised_liq_long_usd"].sum() == pytest.approx(long_usd, rel=1e-9, abs=1e-6)
    assert liq["realised_liq_short_usd"].sum() == pytest.approx(short_usd, rel=1e-9, abs=1e-6)
    assert len(liq) == pd.Timedelta("1D") // interval_bar_size(bar_size)


# ------------------------------------------------------------ archive walk
@pytest.fixture
def archive(tmp_path) -> Path:
    """January 2024 as a monthly file (2 days of bars), a stray daily file in
    January, and daily files for 1-2 February; plus mark, funding, metrics
    and liquidations."""
    jan = kline_rows(ms("2024-01-01"), 288) + kline_rows(ms("2024-01-31"), 288, price=500.0)
    write_zip(tmp_path, kline_path("monthly", "2024-01"), "\n".join(jan) + "\n")
    write_zip(tmp_path, kline_path("daily", "2024-01-31"), day_klines("2024-01-31", price=9000.0))
    write_zip(tmp_path, kline_path("daily", "2024-02-01"), day_klines("2024-02-01", header=True, price=600.0))
    write_zip(tmp_path, kline_path("daily", "2024-02-02"), day_klines("2024-02-02", header=True, micro=True,
                                                                       price=700.0))
    for day in ("2024-02-01", "2024-02-02"):
        write_zip(tmp_path, kline_path("daily", day, kind="markPriceKlines"), day_klines(day, price=600.0))
    funding = f"{FUNDING_HEADER}\n" + "".join(f"{ms('2024-02-01') + h * 3_600_000},8,0.0001\n" for h in (0, 8, 16))
    write_zip(tmp_path, other_path("fundingRate", "monthly", "2024-02"), funding)
    write_zip(tmp_path, other_path("metrics", "daily", "2024-02-01"),
              metrics_text([("2024-02-01 00:05:00", 10.0, 420000.0), ("2024-02-01 01:00:00", 12.0, 500000.0)]))
    write_zip(tmp_path, other_path("liquidationSnapshot", "daily", "2024-02-01"),
              liq_text([(ms("2024-02-01 00:07"), "SELL", 100.0, 3.0)]))
    return tmp_path


def test_find_archive_files_prefers_monthly_and_fills_with_daily(archive):
    files = find_archive_files(archive, "BTCUSDT", "klines", interval="5m")
    assert [(f.frequency, f.name) for f in files] == [
        ("monthly", "BTCUSDT-5m-2024-01.zip"),
        ("daily", "BTCUSDT-5m-2024-02-01.zip"),
        ("daily", "BTCUSDT-5m-2024-02-02.zip"),
    ]


def test_read_archive_never_counts_a_day_twice(archive):
    bundle = read_binance_archive(archive, "BTCUSDT", kinds=("klines",))
    candles = bundle.candles
    assert len(candles) == 4 * 288
    assert candles.index.is_monotonic_increasing and candles.index.is_unique
    # 2024-01-31 comes from the monthly file (price 500), not the daily one (9000)
    assert candles.loc[pd.Timestamp("2024-01-31", tz="UTC"), "open"] == 500.0
    assert candles.loc[pd.Timestamp("2024-02-02", tz="UTC"), "open"] == 700.0


def test_read_archive_fills_every_part_of_the_bundle(archive):
    bundle = read_binance_archive(archive, "BTCUSDT", interval="5m", start="2024-02-01", end="2024-02-03")
    assert isinstance(bundle, DataBundle)
    assert (bundle.symbol, bundle.venue) == ("BTCUSDT", "binance")
    assert bundle.candles_bar_size == pd.Timedelta("5min") == bundle.mark_bar_size == bundle.liquidations_bar_size
    assert len(bundle.candles) == 2 * 288 and len(bundle.mark) == 2 * 288
    assert bundle.funding.tolist() == [0.0001] * 3
    assert bundle.open_interest.tolist() == [420000.0, 500000.0]
    assert sorted(bundle.known) == ["account_ls_ratio", "taker_buy_sell_volume_ratio",
                                    "top_trader_account_ls_ratio", "top_trader_position_ls_ratio"]
    assert bundle.liquidations.loc[pd.Timestamp("2024-02-01 00:05", tz="UTC")].tolist() == [300.0, 0.0]
    assert "BTCUSDT-5m-2024-02-01.zip" in bundle.sources["candles"] and "(2 files)" in bundle.sources["candles"]
    assert bundle.sources["funding"].endswith("BTCUSDT-fundingRate-2024-02.zip")


def test_read_archive_bundle_aligns_into_a_market(archive):
    market = read_binance_archive(archive, "BTCUSDT", start="2024-02-01", end="2024-02-02").to_market(gaps="error")
    bars = market.bars
    assert len(bars) == 288
    # open interest known at 00:05 is usable from the bar opening at 00:05, not before
    assert np.isnan(bars["oi_usd"].iloc[0]) and bars["oi_usd"].iloc[1] == 420000.0
    assert bars["funding_rate"].iloc[0] == 0.0001 and np.isnan(bars["funding_rate"].iloc[1])
    assert bars["mark_price"].iloc[1] == 601.0
    assert bars["realised_liq_long_usd"].iloc[1] == 300.0
    assert bars["account_ls_ratio"].iloc[1] == 2.0


def test_read_archive_start_end_cut_rows(archive):
    bundle = read_binance_archive(archive, "BTCUSDT", kinds=("klines",), start="2024-01-31 12:00",
                                  end="2024-02-01 01:00")
    assert bundle.candles.index[0] == pd.Timestamp("2024-01-31 12:00", tz="UTC")
    assert bundle.candles.index[-1] == pd.Timestamp("2024-02-01 00:55", tz="UTC")
    assert len(bundle.candles) == 144 + 12


def test_read_archive_kind_without_files_warns_and_leaves_part_empty(archive):
    with pytest.warns(ArchiveWarning, match=r"no liquidationSnapshot data for BTCUSDT"):
        bundle = read_binance_archive(archive, "BTCUSDT", start="2024-02-02", end="2024-02-03",
                                      kinds=("klines", "liquidationSnapshot"))
    assert bundle.liquidations is None and len(bundle.candles) == 288


def test_read_archive_duplicate_timestamp_across_files_names_both_files(tmp_path):
    write_zip(tmp_path, kline_path("daily", "2024-01-01"), day_klines("2024-01-01"))
    # a mislabelled file for 2 January that also holds the last two bars of 1 January
    rows = kline_rows(ms("2024-01-01 23:50"), 2) + kline_rows(ms("2024-01-02"), 288)
    write_zip(tmp_path, kline_path("daily", "2024-01-02"), "\n".join(rows))
    with pytest.raises(DataError) as info:
        read_binance_archive(tmp_path, "BTCUSDT", kinds=("klines",))
    message = str(info.value)
    assert "BTCUSDT-5m-2024-01-02.zip" in message and "BTCUSDT-5m-2024-01-01.zip" in message
    assert "2 timestamp(s) also in" in message and "2024-01-01 23:50:00+00:00" in message


def test_read_archive_overlapping_files_without_shared_times_are_an_error(tmp_path):
    jan = f"{FUNDING_HEADER}\n{ms('2024-01-01')},8,0.0001\n{ms('2024-02-01 04:00')},8,0.0001\n"
    feb = f"{FUNDING_HEADER}\n{ms('2024-02-01')},8,0.0001\n{ms('2024-02-01 08:00')},8,0.0001\n"
    write_zip(tmp_path, other_path("fundingRate", "monthly", "2024-01"), jan)
    write_zip(tmp_path, other_path("fundingRate", "monthly", "2024-02"), feb)
    with pytest.raises(DataError, match=r"BTCUSDT-fundingRate-2024-02.zip: column 'calc_time': starts at "
                                        r"2024-02-01 00:00:00\+00:00, before .*BTCUSDT-fundingRate-2024-01.zip ends"):
        read_binance_archive(tmp_path, "BTCUSDT", kinds=("fundingRate",))


def test_read_archive_metrics_midnight_row_in_two_files_is_kept_once(tmp_path):
    write_zip(tmp_path, other_path("metrics", "daily", "2024-01-01"),
              metrics_text([("2024-01-01 23:55:00", 1.0, 10.0), ("2024-01-02 00:00:00", 2.0, 20.0)]))
    write_zip(tmp_path, other_path("metrics", "daily", "2024-01-02"),
              metrics_text([("2024-01-02 00:00:00", 2.0, 20.0), ("2024-01-02 00:05:00", 3.0, 30.0)]))
    bundle = read_binance_archive(tmp_path, "BTCUSDT", kinds=("metrics",))
    assert bundle.open_interest.tolist() == [10.0, 20.0, 30.0]


def test_read_archive_metrics_conflicting_midnight_rows_name_both_files(tmp_path):
    write_zip(tmp_path, other_path("metrics", "daily", "2024-01-01"),
              metrics_text([("2024-01-02 00:00:00", 2.0, 20.0)]))
    write_zip(tmp_path, other_path("metrics", "daily", "2024-01-02"),
              metrics_text([("2024-01-02 00:00:00", 2.0, 21.0)]))
    with pytest.raises(DataError, match=r"metrics-2024-01-02.zip: .*also in .*metrics-2024-01-01.zip"):
        read_binance_archive(tmp_path, "BTCUSDT", kinds=("metrics",))


def test_read_archive_without_archive_folder_is_an_error(tmp_path):
    with pytest.raises(DataError, match=r"no Binance archive here; expected a folder data/futures/um"):
        read_binance_archive(tmp_path, "BTCUSDT")


def test_read_archive_with_no_files_for_symbol_is_an_error(archive):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ArchiveWarning)
        with pytest.raises(DataError, match=r"no archive data for ETHUSDT"):
            read_binance_archive(archive, "ETHUSDT")


def test_read_archive_unknown_kind_suggests_the_closest(archive):
    with pytest.raises(ConfigError, match=r"unknown archive kind 'kline'.*did you mean 'klines'"):
        read_binance_archive(archive, "BTCUSDT", kinds=("kline",))


def test_read_archive_accepts_the_um_folder_as_root(archive):
    bundle = read_binance_archive(archive / "data" / "futures" / "um", "BTCUSDT", kinds=("klines",))
    assert len(bundle.candles) == 4 * 288


def test_cli_inspects_an_archive_cache_folder(tmp_path):
    import subprocess
    import sys

    for day in ("2024-01-01", "2024-01-02"):
        write_zip(tmp_path, kline_path("daily", day), day_klines(day, header=True))
    proc = subprocess.run([sys.executable, "-m", "liqbt", "data", "inspect", str(tmp_path), "--pair", "BTCUSDT",
                           "--timeframe", "5m"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "576 x 5m" in proc.stdout and "taker_buy_volume" in proc.stdout


def test_archive_source_parts_read_only_their_kinds(archive):
    """``parts: [candles]`` reads the klines only: a broken funding zip is never opened."""
    from liqbt.data.sources import BinanceArchiveSource

    (archive / other_path("fundingRate", "monthly", "2024-02")).write_bytes(b"broken")
    source = BinanceArchiveSource(format="binance_archive", path=str(archive), parts=("candles",),
                                  start=date(2024, 2, 1), end=date(2024, 2, 1))
    assert source.read(archive).parts() == ["candles"]
    with pytest.raises(DataError, match="fundingRate-2024-02.zip"):
        BinanceArchiveSource(format="binance_archive", path=str(archive), start=date(2024, 2, 1),
                             end=date(2024, 2, 1)).read(archive)


def test_archive_candle_span_comes_from_file_names_within_start_end(archive):
    from liqbt.data.sources import BinanceArchiveSource

    source = BinanceArchiveSource(format="binance_archive", path=str(archive))
    assert source.candle_span(archive) == (pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-02-03", tz="UTC"))
    source = BinanceArchiveSource(format="binance_archive", path=str(archive), start=date(2024, 2, 1),
                                  end=date(2024, 2, 1))
    assert source.candle_span(archive) == (pd.Timestamp("2024-02-01", tz="UTC"), pd.Timestamp("2024-02-02", tz="UTC"))


def test_klines_fractional_timestamps_are_an_error_not_truncated(tmp_path):
    rows = kline_rows(JAN1_MS, 2)
    rows[1] = rows[1].replace(str(JAN1_MS + FIVE_MIN_MS), f"{JAN1_MS + FIVE_MIN_MS}.5", 1)
    path = write_zip(tmp_path, "BTCUSDT-5m-2024-01-01.zip", "\n".join(rows))
    with pytest.raises(DataError, match=r"column 'open_time': fractional epoch timestamps.*row 1"):
        read_klines(path)
