"""Isolated-margin liquidation prices (Binance, Bybit, OKX formulas) and maintenance-margin bracket tables."""

from ..lazy import lazy_exports

# each name loads its module on first use (liqbt.lazy): reading one config model loads no engine
__getattr__, __dir__ = lazy_exports(__name__, {
    "brackets": (
        "BINANCE_2025_VALID_FROM", "BTCUSDT_2021", "BTCUSDT_2025", "BTCUSDT_DEFAULT", "BYBIT_BTCUSDT",
        "ETHUSDT_2025", "BracketTable", "bracket_table", "bracket_tables", "check_leverage",
        "check_position_leverage", "derive_cum", "known_bracket_tables", "market_bracket_table",
        "register_bracket_table", "table_symbol",
    ),
    "enums": ("FORMULAS", "OKX_LIQUIDATION_FEE_RATE"),
    "liquidation": ("bracket_at", "constant_mmr_table", "formula_code", "liquidation_price", "liquidation_ratio"),
})

__all__ = [
    "BracketTable",
    "BTCUSDT_DEFAULT",
    "BTCUSDT_2021",
    "BTCUSDT_2025",
    "ETHUSDT_2025",
    "BINANCE_2025_VALID_FROM",
    "check_leverage",
    "check_position_leverage",
    "table_symbol",
    "market_bracket_table",
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
