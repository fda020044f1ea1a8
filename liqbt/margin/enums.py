"""Integer codes shared by the margin kernels and their wrappers."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["FORMULAS", "OKX_LIQUIDATION_FEE_RATE", "Formula"]


class FormulaT(NamedTuple):
    """Isolated-margin liquidation formula codes."""
    BINANCE: int = 0
    BYBIT: int = 1
    OKX: int = 2


#: Isolated-margin liquidation formula codes (the ``formula`` argument of the kernels).
Formula = FormulaT()

#: Formula names accepted by the pandas-facing functions and ``HeatmapModel.venue_formulas``.
FORMULAS = {"binance": Formula.BINANCE, "bybit": Formula.BYBIT, "okx": Formula.OKX}

#: Default OKX liquidation fee rate, fraction of the position value at the liquidation
#: price (0.0005 = 0.05 %). An assumption, not a published OKX constant: OKX's isolated
#: margin help page (okx.com/help-center/6997123251341) builds its estimated liquidation
#: price with the *taker fee rate*, and 0.05 % is OKX's regular-tier taker fee for USDT
#: swaps. Pass the rate that applies to the account when it is known.
OKX_LIQUIDATION_FEE_RATE = 0.0005
