"""Support and resistance from price alone: swing pivots, volume-profile nodes, moving averages.

Every row is what is known at the bar's close: a swing pivot appears only on
the row that confirms it (``right`` bars after the pivot bar), never earlier.
"""

from __future__ import annotations

import pandas as pd

from ..data.market import Market
from ._validate import check_fraction, check_int, ohlc

__all__ = ["level_table", "moving_averages", "swing_levels", "swing_pivots", "volume_nodes"]


def swing_pivots(market: Market, left: int = 12, right: int = 12) -> pd.DataFrame:
    """Swing highs and lows on the row of the bar that confirms them.

    Parameters
    ----------
    market : Market
    left, right : int, default 12
        Bars before the pivot that must be strictly lower (higher for a low)
        and bars after it that must not exceed it. The pivot is known at the
        close of the ``right``-th bar after it.

    Returns
    -------
    DataFrame
        On the market's index: ``swing_high``, ``swing_low`` (USD, NaN except
        on confirmation rows), ``swing_high_prominence``,
        ``swing_low_prominence`` (fractions of the pivot price).
    """
    left, right = check_int("left", left), check_int("right", right, low=0)
    high, low = ohlc(market, "high", "low")
    from .nb import swing_pivots_nb  # numba on first use: resolving a strategy (liqbt validate) loads none

    ph, pl, php, plp = swing_pivots_nb(high, low, left, right)
    return pd.DataFrame({"swing_high": ph, "swing_low": pl, "swing_high_prominence": php,
                         "swing_low_prominence": plp}, index=market.index)


def swing_levels(market: Market, left: int = 12, right: int = 12, max_levels: int = 10) -> pd.DataFrame:
    """Nearest confirmed swing level above (``resistance``) and below (``support``) each close, USD.

    Candidates are the last ``max_levels`` confirmed pivots of either kind.
    """
    max_levels = check_int("max_levels", max_levels)
    piv = swing_pivots(market, left, right)
    (close,) = ohlc(market, "close")
    from .nb import nearest_levels_nb  # numba on first use: resolving a strategy (liqbt validate) loads none

    res, sup = nearest_levels_nb(piv["swing_high"].to_numpy(), piv["swing_low"].to_numpy(), close, max_levels)
    return pd.DataFrame({"resistance": res, "support": sup}, index=market.index)


def volume_nodes(market: Market, window: int = 288, n_bins: int = 48, node_ratio: float = 1.5) -> pd.DataFrame:
    """Rolling volume-profile point of control and nearest high-volume nodes, USD.

    Parameters
    ----------
    window : int, default 288
        Bars in the profile, ending at (and including) the current bar.
    n_bins : int, default 48
        Equal price bins over the window's low..high.
    node_ratio : float, default 1.5
        A node holds at least this multiple of the mean bin volume and is a
        local maximum.

    Returns
    -------
    DataFrame
        ``poc``, ``node_above``, ``node_below``.
    """
    window, n_bins = check_int("window", window), check_int("n_bins", n_bins)
    node_ratio = check_fraction("node_ratio", node_ratio)
    high, low, close, volume = ohlc(market, "high", "low", "close", "volume")
    from .nb import volume_nodes_nb  # numba on first use: resolving a strategy (liqbt validate) loads none

    poc, above, below = volume_nodes_nb(high, low, close, volume, window, n_bins, node_ratio)
    return pd.DataFrame({"poc": poc, "node_above": above, "node_below": below}, index=market.index)


def moving_averages(market: Market, windows=(50, 200)) -> pd.DataFrame:
    """Simple moving averages of the close: columns ``ma_<window>`` (USD)."""
    (close,) = ohlc(market, "close")
    from .nb import sma_nb  # numba on first use: resolving a strategy (liqbt validate) loads none

    return pd.DataFrame({f"ma_{w}": sma_nb(close, check_int("window", w)) for w in windows}, index=market.index)


def level_table(market: Market, *, left: int = 12, right: int = 12, max_levels: int = 10, vp_window: int = 288,
                vp_bins: int = 48, ma_windows=(50, 200)) -> pd.DataFrame:
    """All price levels of a bar in one frame: swing S/R, volume nodes and moving averages (USD)."""
    return pd.concat([swing_levels(market, left, right, max_levels), volume_nodes(market, vp_window, vp_bins),
                      moving_averages(market, ma_windows)], axis=1)
