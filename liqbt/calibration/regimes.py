"""Market regimes of the scored bars, from price only and point in time.

Each realised bar ``[T, T + size)`` gets one label (see
:class:`~liqbt.calibration.config.RegimeConfig`): ``cascade`` when its own
range is extreme against the trailing history, else ``trend_up`` /
``trend_down`` / ``range`` from the trailing return known at ``T``, or
``unlabelled`` without enough history. A bar's label uses prices up to its
own close and never a later bar's; realised liquidations are never used (a
regime built from them would select bars by the quantity being predicted).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.market import Market
from .baseline import resample_bars
from .config import RegimeConfig

__all__ = ["regime_labels", "REGIMES"]

REGIMES = ("trend_up", "trend_down", "range", "cascade", "unlabelled")


def _close_known_at(market: Market, times: pd.DatetimeIndex) -> np.ndarray:
    """The last candle close known at each time (a candle's close is known at its open + bar size); NaN before."""
    bars = market.bars
    if "is_filled" in bars.columns:
        bars = bars[~bars["is_filled"].to_numpy(bool)]  # a filled candle's close was never published
    closed_at = bars.index + market.bar_size
    pos = closed_at.searchsorted(times, side="right") - 1
    close = bars["close"].to_numpy(float)
    return np.where(pos >= 0, close[np.maximum(pos, 0)], np.nan)


def regime_labels(market: Market, index: pd.DatetimeIndex, bar_size: pd.Timedelta,
                  config: RegimeConfig | None = None) -> pd.Series:
    """The regime of each bar of ``index`` (bar opens, bars of ``bar_size``).

    Parameters
    ----------
    market : Market
        Candles (only ``open``, ``high``, ``low``, ``close`` are read).
    index : DatetimeIndex
        Opens of the bars to label (e.g. the scored realised bars).
    bar_size : Timedelta
        Their size; the cascade ratio ``(high - low) / open`` is measured on
        the market's candles resampled to it.
    config : RegimeConfig, optional

    Returns
    -------
    Series
        Labels from :data:`REGIMES`, indexed like ``index``.
    """
    config = config or RegimeConfig()
    index = pd.DatetimeIndex(index)
    now = _close_known_at(market, index)
    then = _close_known_at(market, index - config.trend_window.delta)
    change = now / then - 1.0
    labels = np.full(len(index), "range", dtype=object)
    labels[change > config.trend_threshold] = "trend_up"
    labels[change < -config.trend_threshold] = "trend_down"
    labels[np.isnan(change)] = "unlabelled"

    bars = resample_bars(market, bar_size)
    ratio = (bars["high"] - bars["low"]) / bars["open"]
    # bars opening in [T - lookback, T): closed="left" keeps the bar itself (and every later one) out
    min_bars = max(int(config.cascade_min_history.delta / bar_size), 1)
    threshold = ratio.rolling(config.cascade_lookback.delta, closed="left", min_periods=min_bars).quantile(
        config.cascade_quantile)
    cascade = (ratio > threshold).reindex(index, fill_value=False).to_numpy(bool)
    labels[cascade] = "cascade"
    return pd.Series(labels, index=index, name="regime")
