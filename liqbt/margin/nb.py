"""Numba kernels for Binance USDⓈ-M isolated-margin liquidation prices.

Arrays in, scalars out. Prices in USD (quote currency), quantities in coins,
notionals in USD, rates as fractions (0.004 = 0.4 %). ``side`` is ``+1`` for a
long and ``-1`` for a short.

Brackets are passed as three arrays of equal length: ``caps`` (notional cap of
each bracket, USD, ascending; a notional ``N`` belongs to the first bracket
with ``N < cap``, the last bracket takes everything above), ``mmr`` and ``cum``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "bracket_index_nb",
    "liquidation_price_in_bracket_nb",
    "liquidation_price_nb",
    "liquidation_ratio_nb",
]


@njit(cache=True)
def bracket_index_nb(notional, caps):
    """Index of the bracket holding ``notional`` (USD): first ``n`` with ``notional < caps[n]``."""
    n = caps.shape[0]
    for i in range(n):
        if notional < caps[i]:
            return i
    return n - 1


@njit(cache=True)
def liquidation_price_in_bracket_nb(entry, qty, leverage, side, mmr, cum):
    """``LP = (WB + cum - s*q*EP) / (q*(MMR - s))`` with ``WB = q*EP/L``.

    Parameters
    ----------
    entry : float
        Entry price, USD.
    qty : float
        Position size, coins (> 0).
    leverage : float
        Initial leverage; the isolated wallet balance is ``q*EP/L`` USD.
    side : int
        ``+1`` long, ``-1`` short.
    mmr, cum : float
        Maintenance margin rate (fraction) and maintenance amount (USD).
    """
    wallet = qty * entry / leverage
    return (wallet + cum - side * qty * entry) / (qty * (mmr - side))


@njit(cache=True)
def liquidation_price_nb(entry, qty, leverage, side, caps, mmr, cum):
    """Liquidation price with the bracket chosen at the notional **at the liquidation price**.

    Starts from the bracket of the entry notional, recomputes the price with the
    bracket of ``qty * LP`` until the bracket no longer changes. Should the
    iteration not settle (it always does for tables whose MMR rises with the
    notional), the bracket whose notional range contains ``qty * LP`` is found
    by a scan. A long whose price is not positive is never liquidated; its
    (non-positive) price is returned as computed.
    """
    n = caps.shape[0]
    k = bracket_index_nb(qty * entry, caps)
    for _ in range(2 * n + 2):
        lp = liquidation_price_in_bracket_nb(entry, qty, leverage, side, mmr[k], cum[k])
        k2 = bracket_index_nb(qty * max(lp, 0.0), caps)
        if k2 == k:
            return lp
        k = k2
    for k in range(n):
        lp = liquidation_price_in_bracket_nb(entry, qty, leverage, side, mmr[k], cum[k])
        floor = 0.0 if k == 0 else caps[k - 1]
        notional = qty * lp
        if notional >= floor and (notional < caps[k] or k == n - 1):
            return lp
    return np.nan


@njit(cache=True)
def liquidation_ratio_nb(notional_usd, leverage, side, caps, mmr, cum):
    """``LP / EP`` for a position of ``notional_usd`` at entry.

    With the notional fixed in USD the ratio does not depend on the entry
    price: ``LP/EP = (1/L - s + cum/N) / (MMR - s)`` and the bracket at the
    liquidation price is chosen at ``N * LP/EP``.
    """
    return liquidation_price_nb(1.0, notional_usd, leverage, side, caps, mmr, cum)
