"""The naive baseline every heatmap model must beat.

A bar's adverse excursion times the open interest known at its open:
``(open - low) / open * OI`` for longs and ``(high - open) / open * OI`` for
shorts. It knows nothing of leverage or where positions were opened; a model
that cannot beat it adds nothing.
"""

from __future__ import annotations

import pandas as pd

from ..data.market import Market, MultiVenueMarket

__all__ = ["sum_over_venues", "naive_baseline", "resample_bars"]


def resample_bars(market: Market, bar_size: pd.Timedelta) -> pd.DataFrame:
    """OHLC and opening OI of ``market`` in coarser bars ``[T, T + bar_size)``.

    ``oi_usd`` is the open interest known at ``T``: the value on the market's
    bar opening exactly at ``T`` (itself the last value known then, see
    :class:`~liqbt.data.Market`). It is NaN when that bar has none or is
    missing, never a value that became known later inside the coarse bar. A market without open
    interest gives the OHLC alone (what the price-only regimes read).
    """
    bars = market.bars
    columns = ["open", "high", "low", "close"] + (["oi_usd"] if "oi_usd" in bars else [])
    if bar_size == market.bar_size:
        return bars[columns]
    grouped = bars.groupby(bars.index.floor(bar_size))
    out = pd.DataFrame({
        "open": grouped["open"].first(),
        "high": grouped["high"].max(),
        "low": grouped["low"].min(),
        "close": grouped["close"].last(),
    })
    # not grouped.first(): it skips NaN and would take an OI first known later in the bar
    if "oi_usd" in bars:
        out["oi_usd"] = bars["oi_usd"].reindex(out.index).to_numpy()
    return out


def sum_over_venues(parts: list[pd.DataFrame], columns=None) -> pd.DataFrame:
    """Per-venue frames summed on the union of their bars; ``columns`` (default all) are summed, the
    others are the first venue's. NaN stays NaN: a venue without a bar or a value makes the sum unknown."""
    index = parts[0].index
    for part in parts[1:]:
        index = index.union(part.index)
    total = parts[0].reindex(index)
    columns = list(total.columns) if columns is None else list(columns)
    for part in parts[1:]:
        total[columns] = total[columns] + part.reindex(index)[columns]
    return total


def naive_baseline(market: Market | MultiVenueMarket, bar_size: pd.Timedelta | None = None,
                   venues=None) -> pd.DataFrame:
    """Baseline predictions (columns ``long``, ``short``, USD) at ``bar_size``.

    On a multi-venue market: the sum over ``venues`` (default all) of each
    venue's excursion times its own open interest, on the union of their bars;
    NaN where one of them has no bar or no open interest known at its open.
    """
    if isinstance(market, MultiVenueMarket):
        return sum_over_venues([naive_baseline(market[v], bar_size or market.bar_size)
                                for v in (venues if venues is not None else market.venues)])
    bars = resample_bars(market, bar_size or market.bar_size)
    oi = bars["oi_usd"]
    return pd.DataFrame({
        "long": (bars["open"] - bars["low"]) / bars["open"] * oi,
        "short": (bars["high"] - bars["open"]) / bars["open"] * oi,
    })
