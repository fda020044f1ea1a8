"""Liquidation prices of isolated-margin positions (Binance USDⓈ-M, Bybit, OKX formulas).

``s = +1`` long / ``-1`` short, ``q`` the size in coins, ``EP`` the entry price,
``L`` the initial leverage (isolated margin ``q*EP/L``, no fees charged from it).

* ``"binance"`` (default): ``LP = (WB + cum - s*q*EP) / (q*(MMR - s))`` with
  ``WB = q*EP/L``. The bracket (MMR, cum) is the one of the notional **at the
  liquidation price**, found by iteration.
* ``"bybit"``: ``LP = EP - s*(IM - MM)/q``, ``IM = q*EP/L``,
  ``MM = q*EP*MMR - deduction``, both on the position value **at entry**; the
  risk-limit tier is the one of the entry value and ``cum`` is the deduction.
  Long ``EP*(1 - 1/L + MMR) - deduction/q`` (the shortcut that is not exact on
  Binance is exact here).
* ``"okx"``: the price where ``(margin + UPL) / (MM + liquidation fee) = 100 %``
  with ``MM = q*P*MMR - cum`` and fee ``q*P*fee_rate`` at that price ``P``:
  ``LP = (q*EP/L + cum - s*q*EP) / (q*(MMR + fee_rate - s))``. The tier is the
  one of the entry notional (OKX tiers go by contracts, fixed as the price moves).
"""

from __future__ import annotations

import difflib
from typing import Literal

import numpy as np

from ..errors import ConfigError
from .brackets import BracketTable
from .enums import FORMULAS, OKX_LIQUIDATION_FEE_RATE, Formula

__all__ = ["liquidation_price", "liquidation_ratio", "bracket_at", "constant_mmr_table", "formula_code", "SIDES"]

Side = Literal["long", "short"]
FormulaName = Literal["binance", "bybit", "okx"]
SIDES = {"long": 1, "short": -1}


def _side(side) -> int:
    if side in SIDES:
        return SIDES[side]
    if side in (1, -1):
        return int(side)
    raise ConfigError(f"side must be 'long' or 'short' (or +1/-1), found {side!r}")


def formula_code(formula: str, fee_rate: float | None = None) -> tuple[int, float]:
    """Kernel code of ``formula`` and the liquidation fee rate it uses (OKX only; 0 otherwise).

    ``fee_rate`` None gives OKX :data:`~liqbt.margin.enums.OKX_LIQUIDATION_FEE_RATE`;
    a fee rate with another formula is an error (only OKX charges it in the formula).
    """
    if formula not in FORMULAS:
        close = difflib.get_close_matches(str(formula), sorted(FORMULAS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"formula must be one of {sorted(FORMULAS)}, found {formula!r}{hint}")
    code = FORMULAS[formula]
    if code != Formula.OKX:
        if fee_rate is not None:
            raise ConfigError(f"liquidation_fee_rate is part of the 'okx' formula only, found {fee_rate} "
                              f"with formula={formula!r}")
        return code, 0.0
    rate = OKX_LIQUIDATION_FEE_RATE if fee_rate is None else float(fee_rate)
    if not 0.0 <= rate < 1.0:
        raise ConfigError(f"liquidation_fee_rate must be a fraction in [0, 1), found {fee_rate}")
    return code, rate


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
                      mmr: float | None = None, formula: FormulaName = "binance",
                      liquidation_fee_rate: float | None = None) -> float:
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
    formula : {"binance", "bybit", "okx"}, default "binance"
        The exchange's isolated-margin formula (see the module docstring). With
        ``"bybit"`` and ``"okx"`` the tier is picked at the entry notional and the
        table's ``cum`` is the maintenance deduction (USD).
    liquidation_fee_rate : float, optional
        OKX only: liquidation fee, fraction of the position value at the
        liquidation price. Default
        :data:`~liqbt.margin.enums.OKX_LIQUIDATION_FEE_RATE` (0.05 %, an assumed
        taker-fee rate, not a published constant).

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
    code, fee = formula_code(formula, liquidation_fee_rate)
    caps, rates, cum = _arrays(brackets, mmr)
    from .nb import venue_liquidation_price_nb  # here: reading a config (constant_mmr_table) loads no numba

    return float(venue_liquidation_price_nb(float(entry_price), float(qty), float(leverage), _side(side), caps,
                                            rates, cum, code, fee))


def liquidation_ratio(leverage: float, side: Side, *, notional_usd: float = 10_000.0,
                      brackets: BracketTable | None = None, mmr: float | None = None,
                      formula: FormulaName = "binance", liquidation_fee_rate: float | None = None) -> float:
    """``LP / EP`` of a position whose entry notional is ``notional_usd`` (independent of EP).

    ``formula`` and ``liquidation_fee_rate`` as in :func:`liquidation_price`.
    """
    code, fee = formula_code(formula, liquidation_fee_rate)
    caps, rates, cum = _arrays(brackets, mmr)
    from .nb import venue_liquidation_ratio_nb  # here: reading a config (constant_mmr_table) loads no numba

    return float(venue_liquidation_ratio_nb(float(notional_usd), float(leverage), _side(side), caps, rates, cum,
                                            code, fee))


def bracket_at(notional_usd: float, brackets: BracketTable) -> int:
    """Index of the bracket holding ``notional_usd``."""
    from .nb import bracket_index_nb  # here: reading a config (constant_mmr_table) loads no numba

    return int(bracket_index_nb(float(notional_usd), np.asarray(brackets.caps_usd, dtype=np.float64)))
