"""Isolated-margin liquidation prices and maintenance-margin bracket tables."""

from .brackets import BTCUSDT_DEFAULT, BracketTable, bracket_table, bracket_tables, derive_cum, register_bracket_table
from .liquidation import bracket_at, constant_mmr_table, liquidation_price, liquidation_ratio

__all__ = [
    "BracketTable",
    "BTCUSDT_DEFAULT",
    "bracket_table",
    "bracket_tables",
    "register_bracket_table",
    "derive_cum",
    "liquidation_price",
    "liquidation_ratio",
    "bracket_at",
    "constant_mmr_table",
]
