"""The naive baseline every heatmap model must beat.

A bar's adverse excursion times the open interest known at its open:
``(open - low) / open * OI`` for longs and ``(high - open) / open * OI`` for
shorts. It knows nothing of leverage or where positions were opened; a model
that cannot beat it adds nothing.
"""

from __future__ import annotations

import pandas as pd

from ..data.market import Market

__all__ = ["naive_baseline", "resample_bars"]


def resample_bars(market: Market, bar_size: pd.Timedelta) -> pd.DataFrame:
    """OHLC and opening OI of ``market`` in coarser bars ``[T, T + bar_size)``.

    ``oi_usd`` is the open interest known at ``T``: the value on the market's
    bar opening exactly at ``T`` (itself the last value known then, see
    :class:`~liqbt.data.Market`). It is NaN when that bar has none or is
    missing, never a value that became known later inside the coarse bar.
    """
    bars = market.bars
    if bar_size == market.bar_size:
        return bars[["open", "high", "low", "close", "oi_usd"]]
    grouped = bars.groupby(bars.index.floor(bar_size))
    out = pd.DataFrame({
        "open": grouped["open"].first(),
        "high": grouped["high"].max(),
        "low": grouped["low"].min(),
        "close": grouped["close"].last(),
    })
    # not grouped.first(): it skips NaN and would take an OI first known later in the bar
    out["oi_usd"] = bars["oi_usd"].reindex(out.index).to_numpy()
    return out


def naive_baseline(market: Market, bar_size: pd.Timedelta | None = None) -> pd.DataFrame:
    """Baseline predictions (columns ``long``, ``short``, USD) at ``bar_size``."""
    bars = resample_bars(market, bar_size or market.bar_size)
    oi = bars["oi_usd"]
    return pd.DataFrame({
        "long": (bars["open"] - bars["low"]) / bars["open"] * oi,
        "short": (bars["high"] - bars["open"]) / bars["open"] * oi,
    })
