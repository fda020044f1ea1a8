"""Backtests of perpetual-futures strategies with funding, fees, slippage, leverage and liquidation.

``run_backtest(market, Signals(...), BacktestConfig(...))`` returns a
:class:`BacktestResult`: its statistics, trades and equity are computed without vectorbt, and its
``portfolio`` (built on first access) is a vectorbt Portfolio with funding inside its cash, value and
returns.
"""

from ..lazy import lazy_exports

# each name loads its module on first use (liqbt.lazy): reading one config model loads no engine
__getattr__, __dir__ = lazy_exports(__name__, {
    "config": ("BacktestConfig", "LiquidationConfig"),
    "enums": ("FILL_REASON_NAMES", "FillReason"),
    "portfolio": ("PerpPortfolio",),
    "run": ("BacktestResult", "run_backtest"),
    "signals": ("Signals",),
    "stats": ("STAT_UNITS", "backtest_stats"),
})

__all__ = [
    "BacktestConfig",
    "LiquidationConfig",
    "Signals",
    "run_backtest",
    "BacktestResult",
    "PerpPortfolio",
    "backtest_stats",
    "STAT_UNITS",
    "FillReason",
    "FILL_REASON_NAMES",
]
