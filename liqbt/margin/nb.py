"""Numba kernels for isolated-margin liquidation prices (Binance USDⓈ-M, Bybit, OKX).

Arrays in, scalars out. Prices in USD (quote currency), quantities in coins,
notionals in USD, rates as fractions (0.004 = 0.4 %). ``side`` is ``+1`` for a
long and ``-1`` for a short.

The one-line helpers are ``inline="always"``: numba then types them inside their callers instead of
compiling each as a function of its own, which cut the cold compile of ``venue_liquidation_ratio_nb``
(the heatmap's per-tier call, which reaches every venue's formula) from ~1.9 to ~1.5 s CPU; the
backtest's helpers were measured the same way and not inlined (their kernel compiled 2.4x slower:
``_funding_nb`` and ``_exit_nb`` are called from several places and were copied into each).

Brackets are passed as three arrays of equal length: ``caps`` (notional cap of
each bracket, USD, ascending; a notional ``N`` belongs to the first bracket
with ``N < cap``, the last bracket takes everything above), ``mmr`` and ``cum``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .enums import Formula

__all__ = [
    "bracket_index_nb",
    "bybit_liquidation_price_in_tier_nb",
    "bybit_liquidation_price_nb",
    "liquidation_price_in_bracket_nb",
    "liquidation_price_nb",
    "liquidation_ratio_nb",
    "okx_liquidation_price_in_tier_nb",
    "okx_liquidation_price_nb",
    "venue_liquidation_price_nb",
    "venue_liquidation_ratio_nb",
]


@njit(cache=True, inline="always")
def bracket_index_nb(notional, caps):
    """Index of the bracket holding ``notional`` (USD): first ``n`` with ``notional < caps[n]``."""
    n = caps.shape[0]
    for i in range(n):
        if notional < caps[i]:
            return i
    return n - 1


@njit(cache=True, inline="always")
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


# ----------------------------------------------------------------- Bybit and OKX
#: Formula codes (see :mod:`liqbt.margin.enums`); module constants are frozen into the kernels.
_BINANCE = 0
_BYBIT = 1
_OKX = 2
assert (_BINANCE, _BYBIT, _OKX) == tuple(Formula)  # the codes liquidation.formula_code passes


@njit(cache=True, inline="always")
def bybit_liquidation_price_in_tier_nb(entry, qty, leverage, side, mmr, deduction):
    """Bybit USDT perpetual, isolated: ``LP = EP - s*(IM - MM)/q``.

    ``IM = q*EP/L`` and ``MM = q*EP*MMR - deduction`` are both computed on the
    position value **at entry** (``q*EP``, as Bybit documents it), so the price is
    linear in the rates: long ``EP*(1 - 1/L + MMR) - deduction/q``, short
    ``EP*(1 + 1/L - MMR) + deduction/q``.

    Parameters
    ----------
    entry : float
        Entry price, USD.
    qty : float
        Position size, coins (> 0).
    leverage : float
        Initial leverage.
    side : int
        ``+1`` long, ``-1`` short.
    mmr, deduction : float
        Maintenance margin rate (fraction) and maintenance-margin deduction (USD)
        of the risk-limit tier.
    """
    value = qty * entry
    im = value / leverage
    mm = value * mmr - deduction
    return entry - side * (im - mm) / qty


@njit(cache=True, inline="always")
def bybit_liquidation_price_nb(entry, qty, leverage, side, caps, mmr, cum):
    """Bybit liquidation price with the risk-limit tier of the position value at entry.

    Bybit's maintenance margin is computed on the value at entry, so the tier is
    the one holding ``qty * entry`` (same ``caps`` convention as the Binance
    kernels: first tier with ``value < cap``); ``cum`` holds the deductions.
    """
    k = bracket_index_nb(qty * entry, caps)
    return bybit_liquidation_price_in_tier_nb(entry, qty, leverage, side, mmr[k], cum[k])


@njit(cache=True, inline="always")
def okx_liquidation_price_in_tier_nb(entry, qty, leverage, side, mmr, cum, fee_rate):
    """OKX USDT swap, isolated: the price where the margin ratio is 100 %.

    Margin ratio ``= (margin + UPL) / (MM + liquidation fee)`` with margin
    ``q*EP/L``, ``UPL = s*q*(P - EP)``, ``MM = q*P*MMR - cum`` and fee
    ``q*P*fee_rate`` (both on the value at the price ``P``). Setting it to 1:

        long:  P = (EP*(1 - 1/L) - cum/q) / (1 - MMR - fee_rate)
        short: P = (EP*(1 + 1/L) + cum/q) / (1 + MMR + fee_rate)

    i.e. ``P = (q*EP/L + cum - s*q*EP) / (q*(MMR + fee_rate - s))``: the Binance
    form with ``MMR + fee_rate`` in place of ``MMR``. OKX tiers have no
    deduction (pass ``cum = 0``); it is honoured for tables that give one.
    """
    wallet = qty * entry / leverage
    return (wallet + cum - side * qty * entry) / (qty * (mmr + fee_rate - side))


@njit(cache=True, inline="always")
def okx_liquidation_price_nb(entry, qty, leverage, side, caps, mmr, cum, fee_rate):
    """OKX liquidation price with the position tier of the notional at entry.

    OKX tiers are set by the position size in contracts, which does not change
    with the price; in a table of USD caps that is the tier of ``qty * entry``.
    """
    k = bracket_index_nb(qty * entry, caps)
    return okx_liquidation_price_in_tier_nb(entry, qty, leverage, side, mmr[k], cum[k], fee_rate)


@njit(cache=True)
def venue_liquidation_price_nb(entry, qty, leverage, side, caps, mmr, cum, formula, fee_rate):
    """Liquidation price by ``formula`` (0 Binance, 1 Bybit, 2 OKX); ``fee_rate`` is used by OKX only."""
    if formula == _BYBIT:
        return bybit_liquidation_price_nb(entry, qty, leverage, side, caps, mmr, cum)
    if formula == _OKX:
        return okx_liquidation_price_nb(entry, qty, leverage, side, caps, mmr, cum, fee_rate)
    return liquidation_price_nb(entry, qty, leverage, side, caps, mmr, cum)


@njit(cache=True)
def venue_liquidation_ratio_nb(notional_usd, leverage, side, caps, mmr, cum, formula, fee_rate):
    """``LP / EP`` by ``formula`` for a position of ``notional_usd`` at entry (independent of EP)."""
    return venue_liquidation_price_nb(1.0, notional_usd, leverage, side, caps, mmr, cum, formula, fee_rate)
