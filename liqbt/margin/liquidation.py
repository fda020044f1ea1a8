"""Liquidation prices of isolated-margin positions (Binance USDⓈ-M formula).

``LP = (WB + cum - s*q*EP) / (q*(MMR - s))`` with ``WB = q*EP/L`` the isolated
wallet balance (initial margin, no fees), ``s = +1`` long / ``-1`` short, ``q``
the size in coins, ``EP`` the entry price. The bracket (MMR, cum) is the one of
the notional **at the liquidation price**, found by iteration.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ..errors import ConfigError
from .brackets import BracketTable
from .nb import bracket_index_nb, liquidation_price_nb, liquidation_ratio_nb

__all__ = ["liquidation_price", "liquidation_ratio", "bracket_at", "constant_mmr_table", "SIDES"]

Side = Literal["long", "short"]
SIDES = {"long": 1, "short": -1}


def _side(side) -> int:
    if side in SIDES:
        return SIDES[side]
    if side in (1, -1):
        return int(side)
    raise ConfigError(f"side must be 'long' or 'short' (or +1/-1), found {side!r}")


def constant_mmr_table(mmr: float) -> BracketTable:
    """A one-bracket table with a constant maintenance margin rate and ``cum = 0``."""
    return BracketTable(symbol="CONSTANT", version=f"mmr={mmr}", valid_from="1970-01-01",
                        caps_usd=(1e300,), mmr=(float(mmr),))


def _arrays(brackets: BracketTable | None, mmr: float | None):
    if (brackets is None) == (mmr is None):
        raise ConfigError("pass exactly one of brackets= (a BracketTable) or mmr= (a constant rate)")
    table = brackets if brackets is not None else constant_mmr_table(mmr)
    return table.arrays()


def liquidation_price(entry_price: float, leverage: float, side: Side, *, qty: float | None = None,
                      notional_usd: float | None = None, brackets: BracketTable | None = None,
                      mmr: float | None = None) -> float:
    """Liquidation price of one isolated position, USD.

    Parameters
    ----------
    entry_price : float
        Entry price, USD (> 0).
    leverage : float
        Initial leverage (> 1 for a long to be liquidatable).
    side : {"long", "short"}
    qty : float, optional
        Size in coins. Give ``qty`` or ``notional_usd`` (entry notional, USD);
        with brackets one of them is required, with a constant ``mmr`` the
        price does not depend on the size and 1 coin is used.
    brackets : BracketTable, optional
        Maintenance brackets; the bracket at the liquidation price is used.
    mmr : float, optional
        Constant maintenance margin rate (fraction) with ``cum = 0``, instead of brackets.

    Returns
    -------
    float
        The price at which the position is liquidated. For a long it may be
        zero or negative (never liquidated).
    """
    if not entry_price > 0 or not leverage > 0:
        raise ConfigError(f"entry_price and leverage must be positive, found {entry_price} and {leverage}")
    if qty is not None and notional_usd is not None:
        raise ConfigError("pass qty or notional_usd, not both")
    if notional_usd is not None:
        qty = notional_usd / entry_price
    if qty is None:
        if brackets is not None:
            raise ConfigError("with brackets the position size matters: pass qty or notional_usd")
        qty = 1.0
    if not qty > 0:
        raise ConfigError(f"position size must be positive, found {qty}")
    caps, rates, cum = _arrays(brackets, mmr)
    return float(liquidation_price_nb(float(entry_price), float(qty), float(leverage), _side(side), caps, rates, cum))


def liquidation_ratio(leverage: float, side: Side, *, notional_usd: float = 10_000.0,
                      brackets: BracketTable | None = None, mmr: float | None = None) -> float:
    """``LP / EP`` of a position whose entry notional is ``notional_usd`` (independent of EP)."""
    caps, rates, cum = _arrays(brackets, mmr)
    return float(liquidation_ratio_nb(float(notional_usd), float(leverage), _side(side), caps, rates, cum))


def bracket_at(notional_usd: float, brackets: BracketTable) -> int:
    """Index of the bracket holding ``notional_usd``."""
    return int(bracket_index_nb(float(notional_usd), np.asarray(brackets.caps_usd, dtype=np.float64)))
