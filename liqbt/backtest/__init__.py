"""Backtests of perpetual-futures strategies with funding, fees, slippage, leverage and liquidation.

``run_backtest(market, Signals(...), BacktestConfig(...))`` returns a
:class:`BacktestResult` whose ``portfolio`` is a vectorbt Portfolio with funding
inside its cash, value and returns.
"""

from .config import BacktestConfig, LiquidationConfig
from .enums import FILL_REASON_NAMES, FillReason
from .portfolio import PerpPortfolio
from .run import BacktestResult, run_backtest
from .signals import Signals
from .stats import STAT_UNITS, backtest_stats

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
