"""Isolated-margin liquidation prices (Binance, Bybit, OKX formulas) and maintenance-margin bracket tables."""

from .brackets import (BTCUSDT_DEFAULT, BYBIT_BTCUSDT, BracketTable, bracket_table, bracket_tables, derive_cum,
                       known_bracket_tables, register_bracket_table)
from .enums import FORMULAS, OKX_LIQUIDATION_FEE_RATE
from .liquidation import bracket_at, constant_mmr_table, formula_code, liquidation_price, liquidation_ratio

__all__ = [
    "BracketTable",
    "BTCUSDT_DEFAULT",
    "BYBIT_BTCUSDT",
    "bracket_table",
    "bracket_tables",
    "known_bracket_tables",
    "register_bracket_table",
    "derive_cum",
    "liquidation_price",
    "liquidation_ratio",
    "bracket_at",
    "constant_mmr_table",
    "formula_code",
    "FORMULAS",
    "OKX_LIQUIDATION_FEE_RATE",
]
