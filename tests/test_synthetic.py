"""The SYNTHETIC market generator: determinism, validity, causality, realism.

Real-data comparisons read ../shared/data (Binance BTCUSDT 5m candles and 8h
funding, vendor hourly open interest and liquidations) and compute the real and
synthetic statistics with the same small functions below.
"""

from __future__ import annotations

import time
from dataclasses import fields, replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import shared_path
from liqbt.data import DataBundle, Market
from liqbt.data.synthetic import SyntheticParams, generate_bundle, generate_market
from liqbt.data.synthetic_fit import fit_params, load_reference
from liqbt.data.synthetic_nb import aggregate_ohlc_nb, funding_rates_nb
from liqbt.errors import ConfigError

REAL_DAYS_5M = 119_724  # bars in the real 5m file (about 416 days)


# ----------------------------------------------------------------- helpers
def log_return_std_kurt(close: pd.Series) -> tuple[float, float]:
    """Std and excess kurtosis (moment estimator) of close-to-close log returns."""
    r = np.diff(np.log(close.to_numpy(dtype=float)))
    d = r - r.mean()
    m2 = np.mean(d ** 2)
    return float(np.sqrt(m2)), float(np.mean(d ** 4) / m2 ** 2 - 3.0)


def hourly_log_change_std(values: pd.Series) -> float:
    """Std of log changes between values exactly one hour apart."""
    one_hour = np.diff(values.index.as_unit("ns").asi8) == pd.Timedelta("1h").value
    return float(np.std(np.diff(np.log(values.to_numpy(dtype=float)))[one_hour]))


def assert_same_market(a: Market, b: Market) -> None:
    pd.testing.assert_frame_equal(a.bars, b.bars, check_exact=True)
    for name in ("funding", "mark", "liquidations"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            (pd.testing.assert_series_equal if isinstance(x, pd.Series) else pd.testing.assert_frame_equal)(
                x, y, check_exact=True)


def known_by(frame, end: pd.Timestamp, interval: pd.Timedelta):
    """Rows of an interval series (bar-open stamps) whose interval closed by ``end``."""
    return frame[frame.index + interval <= end]


# ----------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def real():
    """Real BTCUSDT series: 5m candles, 8h funding, vendor hourly OI and liquidations."""
    candles = pd.read_feather(shared_path("binance-um", "futures", "BTC_USDT_USDT-5m-futures.feather"))
    candles = candles.set_index("date")
    funding = pd.read_feather(shared_path("binance-um", "futures", "BTC_USDT_USDT-1h-funding_rate.feather"))
    funding = funding.set_index("date")["open"]  # fraction per 8h event
    hourly = pd.read_csv(shared_path("coinglass-btc-1h", "btc_1h_price_oi_funding_liquidations.csv"))
    hourly.index = pd.to_datetime(hourly["timestamp"], unit="ms", utc=True)
    return {"candles": candles, "funding": funding, "hourly": hourly}


@pytest.fixture(scope="module")
def synth() -> Market:
    """As many synthetic 5m bars as the real file holds, default parameters, seed 0."""
    return generate_market(n_bars=REAL_DAYS_5M, bar_size="5m", seed=0)


# ------------------------------------------------------------ determinism
def test_same_seed_gives_identical_market():
    assert_same_market(generate_market(3000, "5m", seed=7), generate_market(3000, "5m", seed=7))


def test_different_seed_gives_different_market():
    a, b = generate_market(3000, "5m", seed=1), generate_market(3000, "5m", seed=2)
    assert not np.allclose(a.bars["close"], b.bars["close"])
    assert not np.allclose(a.liquidations, b.liquidations)
    assert not np.allclose(a.funding, b.funding)


def test_generate_market_is_the_bundle_aligned():
    bundle = generate_bundle(1000, "15m", seed=3)
    assert isinstance(bundle, DataBundle)
    assert set(bundle.parts()) == {"candles", "open_interest", "funding", "mark", "liquidations"}
    assert_same_market(bundle.to_market(gaps="error"), generate_market(1000, "15m", seed=3))


# ------------------------------------------------------- validity and labels
@pytest.mark.parametrize("bar_size", ["1m", "5m", "1h", "4h"])
def test_market_passes_validation_and_is_labelled_synthetic(bar_size):
    bundle = generate_bundle(500, bar_size, seed=0)
    # from_parts runs every check (prices, non-negative volumes / OI / liquidations, grid, gaps)
    market = Market.from_parts(
        bundle.candles, bar_size=bar_size, source="test", open_interest=bundle.open_interest,
        funding=bundle.funding, mark=bundle.mark, mark_bar_size="1h", liquidations=bundle.liquidations,
        liquidations_bar_size="1h", gaps="error",
    )
    assert len(market) == 500 and market.bar_size == pd.Timedelta(bar_size) and len(market.gaps) == 0
    assert (market.symbol, market.venue) == ("", "")
    labelled = generate_market(500, bar_size, seed=0)
    assert (labelled.symbol, labelled.venue) == ("SYNTHUSDT", "synthetic")
    assert labelled.source.startswith("synthetic")
    for col in ("volume", "quote_volume", "taker_buy_volume", "taker_buy_quote_volume", "oi_usd",
                "funding_rate", "mark_price"):
        assert labelled.has(col), col


def test_candles_are_continuous_and_consistent():
    bars = generate_market(2000, "5m", seed=4).bars
    assert (bars["open"].to_numpy()[1:] == bars["close"].to_numpy()[:-1]).all()
    assert (bars["high"] >= bars[["open", "close"]].max(axis=1)).all()
    assert (bars["low"] <= bars[["open", "close"]].min(axis=1)).all()
    assert (bars["taker_buy_volume"] <= bars["volume"]).all() and (bars["volume"] > 0).all()
    typical = (bars["high"] + bars["low"] + bars["close"]) / 3
    np.testing.assert_allclose(bars["quote_volume"], bars["volume"] * typical, rtol=1e-12)


def test_hourly_series_timing():
    bundle = generate_bundle(12 * 30 + 7, "5m", seed=0, start="2025-01-01")  # 30 h and 35 min
    hours = pd.date_range("2025-01-01", periods=30, freq="1h", tz="UTC")
    # OI of the hour opening at H is known at H + 1h; liquidations and mark stamped at H
    assert (bundle.open_interest.index == hours + pd.Timedelta("1h")).all()
    assert (bundle.liquidations.index == hours).all()
    # the mark also has the forming 31st hour: its open is known at 06:00 on day 2
    assert (bundle.mark.index == pd.date_range("2025-01-01", periods=31, freq="1h", tz="UTC")).all()
    assert bundle.mark["close"].iloc[-1] != bundle.mark["open"].iloc[-1]
    # funding strictly inside the span, at 00/08/16 UTC
    assert list(bundle.funding.index) == [pd.Timestamp("2025-01-01 08:00", tz="UTC"),
                                          pd.Timestamp("2025-01-01 16:00", tz="UTC"),
                                          pd.Timestamp("2025-01-02 00:00", tz="UTC")]
    market = bundle.to_market()
    assert np.isnan(market.bars["oi_usd"].iloc[0])
    assert market.bars.loc["2025-01-01 01:00", "oi_usd"] == bundle.open_interest.iloc[0]


def test_tiny_market_without_complete_hour():
    market = generate_market(5, "5m", seed=0)
    assert len(market) == 5 and market.funding is None and market.liquidations is None
    assert not market.has("oi_usd") and len(market.mark) == 1 and market.bars["mark_price"].notna().all()


def test_mark_price_stays_close_to_last_price():
    market = generate_market(288 * 20, "5m", seed=5)
    hourly_close = market.bars["close"].groupby(market.index.floor("1h")).last()
    gap = np.log(market.mark["close"] / hourly_close.reindex(market.mark.index))
    assert gap.abs().max() < 0.002
    assert (market.mark["high"] >= market.mark[["open", "close"]].max(axis=1)).all()


# ------------------------------------------------------- model behaviour
def test_taker_buy_share_leans_with_returns():
    bars = generate_market(288 * 30, "5m", seed=6).bars
    share = bars["taker_buy_volume"] / bars["volume"]
    assert np.corrcoef(share, np.log(bars["close"] / bars["open"]))[0, 1] > 0.2


@pytest.mark.parametrize("down_prob,longs_win", [(1.0, True), (0.0, False)])
def test_jumps_liquidate_the_side_they_run_over(down_prob, longs_win):
    params = replace(SyntheticParams(), jump_rate_per_day=4.0, jump_log_size_mean=-3.5,
                     jump_log_size_std=0.2, jump_down_prob=down_prob, ret_std_5m=0.004)
    market = generate_market(288 * 30, "5m", seed=8, params=params)
    liq = market.liquidations
    longs, shorts = liq["realised_liq_long_usd"].sum(), liq["realised_liq_short_usd"].sum()
    assert (longs > 2 * shorts) if longs_win else (shorts > 2 * longs)


def test_cascade_hours_collapse_open_interest():
    # 5 % down-jumps about once a day
    params = replace(SyntheticParams(), jump_rate_per_day=1.0, jump_log_size_mean=-3.0, jump_log_size_std=0.1,
                     jump_down_prob=1.0, ret_std_5m=0.004)
    bundle = generate_bundle(288 * 60, "5m", seed=9, params=params)
    hourly = bundle.candles.groupby(bundle.candles.index.floor("1h")).agg(
        {"open": "first", "low": "min", "close": "last"})
    coins = bundle.open_interest.to_numpy() / hourly["close"].to_numpy()  # OI in BTC at each hour's close
    change = np.diff(np.log(coins))
    drawdown = np.log(hourly["open"] / hourly["low"]).to_numpy()[1:]
    cascade = drawdown > 0.04
    assert cascade.sum() >= 20
    assert change[cascade].mean() < -0.02 and change[~cascade].mean() > -0.005
    long_ratio = bundle.liquidations["realised_liq_long_usd"].to_numpy()[1:] / (coins[:-1] * hourly["open"][1:])
    assert np.median(long_ratio[cascade]) > 20 * np.median(long_ratio[~cascade])


def test_funding_follows_binance_clamp_formula():
    # rate = P + clamp(0.0001 - P, -0.0005, 0.0005), P = mean premium of the 8 hours before the event
    premium = np.array([-0.00046] * 8 + [0.0] * 8 + [0.001] * 8 + [-0.002] * 8)
    rates = funding_rates_nb(premium, np.array([8, 16, 24, 32]), 8, 1e-4, 5e-4)
    np.testing.assert_allclose(rates, [0.00004, 0.0001, 0.0005, -0.0015], rtol=0, atol=1e-15)
    # the window is clipped at the start of the data
    np.testing.assert_allclose(funding_rates_nb(np.array([-0.0006, -0.0008]), np.array([2]), 8, 1e-4, 5e-4),
                               [-0.0002], atol=1e-15)


def test_aggregate_ohlc_kernel():
    o = np.array([10.0, 11.0, 9.0, 12.0, 13.0])
    h = np.array([11.5, 12.0, 12.5, 13.0, 14.0])
    lo = np.array([9.5, 8.0, 8.5, 11.0, 12.0])
    c = np.array([11.0, 9.0, 12.0, 13.0, 13.5])
    out = aggregate_ohlc_nb(o, h, lo, c, 2, False)  # the trailing partial group is dropped
    np.testing.assert_array_equal(np.vstack(out), [[10.0, 9.0], [12.0, 13.0], [8.0, 8.5], [9.0, 13.0]])
    out = aggregate_ohlc_nb(o, h, lo, c, 2, True)  # ... or kept as a forming row
    np.testing.assert_array_equal(np.vstack(out), [[10.0, 9.0, 13.0], [12.0, 13.0, 14.0], [8.0, 8.5, 12.0],
                                                   [9.0, 13.0, 13.5]])


# ---------------------------------------------------------- point in time
@pytest.mark.parametrize("bar_size,n,k", [("1m", 1000, 77), ("5m", 601, 300), ("5m", 600, 1), ("1h", 50, 30),
                                          ("4h", 20, 7)])
def test_shorter_run_is_a_prefix_of_a_longer_run(bar_size, n, k):
    short = generate_market(n, bar_size, seed=11)
    long = generate_market(n + k, bar_size, seed=11)
    pd.testing.assert_frame_equal(short.bars, long.bars.iloc[:n], check_exact=True)
    end, hour = short.end, pd.Timedelta("1h")
    pd.testing.assert_series_equal(short.funding, long.funding[long.funding.index < end], check_exact=True)
    pd.testing.assert_frame_equal(known_by(short.mark, end, hour), known_by(long.mark, end, hour), check_exact=True)
    pd.testing.assert_frame_equal(short.liquidations, known_by(long.liquidations, end, hour), check_exact=True)
    # a forming last mark hour shares its open (known at the hour's open) with the complete one
    np.testing.assert_array_equal(short.mark["open"], long.mark["open"].iloc[:len(short.mark)])


def test_market_head_of_longer_run_equals_shorter_run():
    # n ends on a whole hour, so Market.head cuts the hourly series at the same place
    assert_same_market(generate_market(12 * 40, "5m", seed=12),
                       generate_market(12 * 40 + 500, "5m", seed=12).head(12 * 40))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 400), k=st.integers(1, 400), seed=st.integers(0, 2**32 - 1),
       bar_size=st.sampled_from(["1m", "5m", "15m"]))
def test_prefix_property(n, k, seed, bar_size):
    short = generate_bundle(n, bar_size, seed=seed)
    long = generate_bundle(n + k, bar_size, seed=seed)
    pd.testing.assert_frame_equal(short.candles, long.candles.iloc[:n], check_exact=True)
    if short.open_interest is not None:
        m = len(short.open_interest)
        pd.testing.assert_series_equal(short.open_interest, long.open_interest.iloc[:m], check_exact=True)
        pd.testing.assert_frame_equal(short.liquidations, long.liquidations.iloc[:m], check_exact=True)
    if short.funding is not None:
        pd.testing.assert_series_equal(short.funding, long.funding.iloc[:len(short.funding)], check_exact=True)
    np.testing.assert_array_equal(short.mark["open"], long.mark["open"].iloc[:len(short.mark)])


# ------------------------------------------------ statistics vs real BTCUSDT
@pytest.mark.real_data
def test_5m_return_std_within_30_percent_of_real(real, synth):
    real_std, _ = log_return_std_kurt(real["candles"]["close"])
    synth_std, _ = log_return_std_kurt(synth.bars["close"])
    assert abs(synth_std / real_std - 1) < 0.30, (synth_std, real_std)


@pytest.mark.real_data
def test_5m_returns_fat_tailed_like_real(real, synth):
    _, real_kurt = log_return_std_kurt(real["candles"]["close"])
    _, synth_kurt = log_return_std_kurt(synth.bars["close"])
    assert real_kurt > 3 and synth_kurt > 3, (real_kurt, synth_kurt)


@pytest.mark.real_data
def test_hourly_oi_log_change_std_within_50_percent_of_real(real, synth):
    real_oi = real["hourly"]["oi_close"]
    on_hour = synth.index.as_unit("ns").asi8 % pd.Timedelta("1h").value == 0
    synth_oi = synth.bars.loc[on_hour, "oi_usd"].dropna()  # OI known at each hour's open
    ratio = hourly_log_change_std(synth_oi) / hourly_log_change_std(real_oi)
    assert abs(ratio - 1) < 0.50, ratio


@pytest.mark.real_data
def test_funding_mean_and_std_within_50_percent_of_real(real, synth):
    real_f, synth_f = real["funding"], synth.funding
    assert abs(synth_f.mean() / real_f.mean() - 1) < 0.50, (synth_f.mean(), real_f.mean())
    assert abs(synth_f.std() / real_f.std() - 1) < 0.50, (synth_f.std(), real_f.std())
    assert set(synth_f.index.hour) == {0, 8, 16}


@pytest.mark.real_data
def test_liquidations_positive_and_scaled_like_real(real, synth):
    liq = synth.liquidations
    assert liq["realised_liq_long_usd"].sum() > 0 and liq["realised_liq_short_usd"].sum() > 0
    # hourly liquidations / OI at the hour's open: within a factor of 2 of the real mean
    on_hour = synth.index.as_unit("ns").asi8 % pd.Timedelta("1h").value == 0
    oi_open = synth.bars.loc[on_hour, "oi_usd"].reindex(liq.index)
    for side in ("long", "short"):
        real_ratio = (real["hourly"][f"liquidation_{side}_usd"] / real["hourly"]["oi_open"]).mean()
        synth_ratio = (liq[f"realised_liq_{side}_usd"] / oi_open).mean()
        assert 0.5 < synth_ratio / real_ratio < 2.0, (side, synth_ratio, real_ratio)


# -------------------------------------------------------------- parameters
@pytest.mark.real_data
def test_defaults_are_the_fitted_numbers():
    ref = load_reference(shared_path())
    fitted = fit_params(ref["candles_5m"], funding=ref["funding"], hourly=ref["hourly"], mark=ref["mark"],
                        taker=ref["taker"])
    defaults = SyntheticParams()
    for f in fields(SyntheticParams):
        # defaults are recorded with 4 significant digits (profiles with 3 decimals)
        np.testing.assert_allclose(getattr(fitted, f.name), getattr(defaults, f.name), rtol=1e-3, atol=1e-3
                                   if f.name.endswith("profile") else 0, err_msg=f.name)


def test_params_validation_names_the_field():
    with pytest.raises(ConfigError, match=r"synthetic\.t_df: expected a number in \(2, 1000\], found 1.5"):
        SyntheticParams(t_df=1.5)
    with pytest.raises(ConfigError, match="vol_hour_profile: expected 24 positive"):
        SyntheticParams(vol_hour_profile=(1.0,) * 23)
    with pytest.raises(ConfigError, match="did you mean 't_df'"):
        SyntheticParams.from_dict({"t_dof": 4.0})
    with pytest.raises(ConfigError, match=r"cfg\.ret_std_5m"):
        SyntheticParams.from_dict({"ret_std_5m": -1.0}, path="cfg")
    assert SyntheticParams.from_dict({"t_df": 4.0}).t_df == 4.0
    assert SyntheticParams.from_dict(SyntheticParams().to_dict()) == SyntheticParams()


@pytest.mark.parametrize("kwargs,match", [
    ({"n_bars": 0}, "n_bars"), ({"bar_size": "7m"}, "bar_size"), ({"bar_size": "90m"}, "bar_size"),
    ({"start": "2025-01-01 00:30"}, "whole UTC hour"), ({"seed": -1}, "seed"),
])
def test_bad_arguments_raise_config_error(kwargs, match):
    args = {"n_bars": 10, "bar_size": "5m", **kwargs}
    with pytest.raises(ConfigError, match=match):
        generate_market(**args)


def test_one_year_of_1m_bars_is_fast():
    generate_market(1000, "1m", seed=0)  # load the compiled kernels
    elapsed = []
    for _ in range(2):  # best of two: tolerate a busy machine
        t0 = time.perf_counter()
        market = generate_market(525_600, "1m", seed=0)
        elapsed.append(time.perf_counter() - t0)
    assert len(market) == 525_600
    assert min(elapsed) < 2.0, f"{min(elapsed):.2f} s"
