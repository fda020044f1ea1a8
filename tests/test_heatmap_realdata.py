"""Smoke test on real hourly BTC data: magnitudes are sane and predictions track realised liquidations."""

import warnings

import numpy as np
import pandas as pd
import pytest

from heatmap_reference import UNCALIBRATED, uncalibrated  # noqa: F401  (pre-calibration defaults)
from conftest import shared_path
from liqbt.data import Market
from liqbt.errors import GapWarning
from liqbt.heatmap import HeatmapModel, reconstruct

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def coinglass():
    path = shared_path("coinglass-btc-1h", "btc_1h_price_oi_funding_liquidations.csv")
    raw = pd.read_csv(path)
    bar_open = pd.to_datetime(raw["timestamp"], unit="ms", utc=True)
    candles = pd.DataFrame({"open": raw["price_open"].to_numpy(), "high": raw["price_high"].to_numpy(),
                            "low": raw["price_low"].to_numpy(), "close": raw["price_close"].to_numpy(),
                            "volume": 0.0}, index=pd.DatetimeIndex(bar_open, name="time"))
    oi = pd.Series(raw["oi_close"].to_numpy(dtype=float), index=bar_open + pd.Timedelta("1h"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GapWarning)
        market = Market.from_parts(candles, bar_size="1h", open_interest=oi, gaps="report", symbol="BTCUSDT",
                                   venue="binance", source=str(path))
    realised = raw[["liquidation_long_usd", "liquidation_short_usd"]].set_axis(candles.index)
    return market, realised


def test_real_data_magnitudes_and_correlation(coinglass):
    market, realised = coinglass
    res = reconstruct(market, uncalibrated(), snapshot_every="4h")
    f = res.features
    assert len(f) == len(market) > 1_800
    for side in ("long", "short"):
        pred = f[f"pred_liq_{side}_usd"]
        assert (pred >= 0).all()
        assert pred.sum() > 0
        # the book never exceeds the open interest it was built from
        assert (f[f"resting_{side}_usd"] <= 1.5 * market.bars["oi_usd"].max()).all()
        corr = np.corrcoef(pred, realised[f"liquidation_{side}_usd"])[0, 1]
        assert corr > 0.1, f"{side}: correlation {corr:.3f}"
    err = res.conservation_error().abs().to_numpy().max()
    assert err <= 1e-9 * res.totals.to_numpy().max()
    assert len(res.snapshots) > 400


def test_amount_close_mode_wipes_the_book_when_oi_falls_on_2026_01_31(coinglass):
    # a week of history, then Binance OI falls on 2026-01-31: close_mode="amount" removes more coins than the
    # book (opened since 2026-01-24) holds and empties both sides; the calibrated default keeps its book
    from liqbt.errors import BookWipeWarning

    market, _ = coinglass
    week = market.slice(start=pd.Timestamp("2026-01-24", tz="UTC"), end=pd.Timestamp("2026-02-02", tz="UTC"))
    with pytest.warns(BookWipeWarning, match=r"closes emptied the whole long book in one bar at "
                                             r"2026-01-31 18:00:00\+00:00"):
        amount = reconstruct(week, HeatmapModel(close_mode="amount"))
    assert amount.book_wipes["long"][0] == pd.Timestamp("2026-01-31 18:00", tz="UTC")
    with warnings.catch_warnings():
        warnings.simplefilter("error", BookWipeWarning)
        calibrated = reconstruct(week, HeatmapModel())
    assert calibrated.book_wipes == {"long": (None, 0), "short": (None, 0)}
    assert calibrated.bracket_versions == {"binance": "Binance BTCUSDT 2025-26"}
