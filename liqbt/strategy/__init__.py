"""Strategy interface, declared parameters, the context a strategy reads, and the one resolver.

The library owns only :class:`BuyAndHold`; the shipped example strategies
(``strategies/``, installed as ``liqbt_strategies``) register through the
``liqbt.strategies`` entry-point group, as any installed package's do.
"""

from .base import Strategy
from .context import LEVEL_SOURCES, StrategyContext
from .params import Param
from .registry import available_strategies, get_strategy, register_strategy, resolve_strategy

__all__ = ["Strategy", "StrategyContext", "LEVEL_SOURCES", "Param", "register_strategy", "resolve_strategy",
           "get_strategy", "available_strategies"]
