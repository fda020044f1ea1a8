"""What a synthetic market is compared on: headline statistics and the real reference series.

:func:`market_stats` of a market and :func:`reference_stats` of the real data in
``../shared/data`` (:func:`load_reference`) have the same keys, so
``python -m liqbt.data.synthetic_fit compare`` can print them side by side; the fitter
(:mod:`liqbt.data.synthetic_fit`) reads the same reference.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from .market import Market
from .synthetic import FIVE_MIN, HOUR

__all__ = ["market_stats", "reference_stats", "load_reference", "as_utc_ns"]


def _log_return_std_kurt(close: pd.Series, bar: pd.Timedelta) -> tuple[float, float]:
    """Std and excess kurtosis of log returns between consecutive bars."""
    values = np.log(close.to_numpy(dtype=np.float64))
    consecutive = np.diff(close.index.asi8) == bar.value
    r = np.diff(values)[consecutive]
    d = r - r.mean()
    m2 = float(np.mean(d ** 2))
    return math.sqrt(m2), float(np.mean(d ** 4)) / m2 ** 2 - 3.0


def _hourly_log_change_std(values: pd.Series) -> float:
    consecutive = np.diff(values.index.asi8) == HOUR.value
    d = np.diff(np.log(values.to_numpy(dtype=np.float64)))[consecutive]
    return float(np.std(d))


def market_stats(market: Market) -> dict[str, float]:
    """Headline statistics of a market, comparable with :func:`reference_stats`.

    Returns
    -------
    dict
        ``ret_std`` and ``ret_excess_kurtosis`` (log returns at the market's bar
        size), ``oi_log_change_std_1h``, ``funding_mean`` and ``funding_std``
        (fraction per event), ``liq_long_to_oi_mean`` and
        ``liq_short_to_oi_mean`` (hourly liquidations / OI at the hour's open).
        NaN where the market lacks the data.
    """
    bars = market.bars
    std, kurt = _log_return_std_kurt(bars["close"], market.bar_size)
    out = {"ret_std": std, "ret_excess_kurtosis": kurt}
    nan = float("nan")
    out["oi_log_change_std_1h"] = nan
    out["liq_long_to_oi_mean"] = out["liq_short_to_oi_mean"] = nan
    if market.has("oi_usd") and market.bar_size <= HOUR:
        on_hour = bars.index.asi8 % HOUR.value == 0
        oi_at_open = bars.loc[on_hour, "oi_usd"].dropna()  # OI at the previous hour's close
        out["oi_log_change_std_1h"] = _hourly_log_change_std(oi_at_open)
        if market.liquidations is not None:
            liq = market.liquidations.join(oi_at_open.rename("oi_open_usd"), how="inner")
            out["liq_long_to_oi_mean"] = float((liq["realised_liq_long_usd"] / liq["oi_open_usd"]).mean())
            out["liq_short_to_oi_mean"] = float((liq["realised_liq_short_usd"] / liq["oi_open_usd"]).mean())
    funding = market.funding
    out["funding_mean"] = float(funding.mean()) if funding is not None and len(funding) else nan
    out["funding_std"] = float(funding.std()) if funding is not None and len(funding) > 1 else nan
    return out


def reference_stats(candles_5m: pd.DataFrame, funding: pd.Series, hourly: pd.DataFrame) -> dict[str, float]:
    """The statistics of :func:`market_stats` computed on real frames.

    Parameters
    ----------
    candles_5m : DataFrame
        5-minute ``close`` indexed by UTC bar open.
    funding : Series
        Funding events, fraction per interval.
    hourly : DataFrame
        ``oi_open_usd, oi_close_usd, realised_liq_long_usd,
        realised_liq_short_usd`` indexed by UTC hour open (see :func:`load_reference`).
    """
    candles_5m, funding, hourly = as_utc_ns(candles_5m), as_utc_ns(funding), as_utc_ns(hourly)
    std, kurt = _log_return_std_kurt(candles_5m["close"], FIVE_MIN)
    return {
        "ret_std": std,
        "ret_excess_kurtosis": kurt,
        "oi_log_change_std_1h": _hourly_log_change_std(hourly["oi_close_usd"]),
        "funding_mean": float(funding.mean()),
        "funding_std": float(funding.std()),
        "liq_long_to_oi_mean": float((hourly["realised_liq_long_usd"] / hourly["oi_open_usd"]).mean()),
        "liq_short_to_oi_mean": float((hourly["realised_liq_short_usd"] / hourly["oi_open_usd"]).mean()),
    }


# ------------------------------------------------------------------------- fitting
def load_reference(data_dir: str | Path) -> dict[str, Any]:
    """Read the real BTCUSDT series that the defaults are fitted to.

    Parameters
    ----------
    data_dir : str or Path
        The shared data folder (``../shared/data``).

    Returns
    -------
    dict
        ``candles_5m`` (Binance perp 5m OHLCV), ``funding`` (Series, fraction,
        event times), ``hourly`` (vendor hourly spot OHLC ``open..close``, Binance
        OI ``oi_open_usd, oi_close_usd`` and realised liquidations
        ``realised_liq_long_usd, realised_liq_short_usd``, USD), ``mark``
        (Binance 1h mark OHLC) and ``taker`` (4-hourly ``taker_buy_usd,
        taker_sell_usd``), all indexed by UTC bar open.
    """
    root = Path(data_dir)
    paths = {
        "candles_5m": root / "binance-um" / "futures" / "BTC_USDT_USDT-5m-futures.feather",
        "funding": root / "binance-um" / "futures" / "BTC_USDT_USDT-1h-funding_rate.feather",
        "mark": root / "binance-um" / "futures" / "BTC_USDT_USDT-1h-mark.feather",
        "hourly": root / "coinglass-btc-1h" / "btc_1h_price_oi_funding_liquidations.csv",
        "taker": root / "coinglass-btc-4h" / "coinglass_taker_volume_4h.csv",
    }
    for name, path in paths.items():
        if not path.exists():
            raise DataError(str(path), f"reference file for '{name}' not found; expected the shared data folder "
                                       "(../shared/data) with the files listed in its README")

    def feather(path):
        frame = pd.read_feather(path)
        frame.index = pd.DatetimeIndex(frame.pop("date")).tz_convert("UTC").as_unit("ns").rename("time")
        return frame

    candles = feather(paths["candles_5m"])[["open", "high", "low", "close", "volume"]]
    funding = feather(paths["funding"])["open"].rename("funding_rate")
    mark = feather(paths["mark"])[["open", "high", "low", "close"]]
    raw = pd.read_csv(paths["hourly"])
    hourly = pd.DataFrame(
        {
            "open": raw["price_open"], "high": raw["price_high"], "low": raw["price_low"],
            "close": raw["price_close"], "oi_open_usd": raw["oi_open"], "oi_close_usd": raw["oi_close"],
            "realised_liq_long_usd": raw["liquidation_long_usd"],
            "realised_liq_short_usd": raw["liquidation_short_usd"],
        }
    )
    hourly.index = pd.DatetimeIndex(pd.to_datetime(raw["timestamp"], unit="ms", utc=True)).as_unit("ns").rename("time")
    raw = pd.read_csv(paths["taker"])
    taker_index = pd.DatetimeIndex(pd.to_datetime(raw["timestamp"], utc=True)).as_unit("ns").rename("time")
    taker = pd.DataFrame({"taker_buy_usd": raw["buy_usd"].to_numpy(), "taker_sell_usd": raw["sell_usd"].to_numpy()},
                         index=taker_index)
    return {"candles_5m": candles, "funding": funding, "hourly": hourly, "mark": mark, "taker": taker}


def as_utc_ns(obj):
    """A copy whose DatetimeIndex is in nanoseconds (``asi8`` is read as ns here)."""
    if not isinstance(obj.index, pd.DatetimeIndex):
        raise DataError("reference data",
                        f"expected a DatetimeIndex of UTC bar opens, found {type(obj.index).__name__}")
    if obj.index.tz is None:
        raise DataError("reference data", "timestamps are naive; expected UTC")
    obj = obj.copy()
    obj.index = obj.index.tz_convert("UTC").as_unit("ns")
    return obj
