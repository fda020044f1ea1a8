"""Strategy interface, declared parameters and the registry (shipped strategies live in ``strategies/``)."""

from .base import Strategy, StrategyContext
from .params import Param
from .registry import available_strategies, get_strategy, register_strategy

__all__ = ["Strategy", "StrategyContext", "Param", "register_strategy", "get_strategy", "available_strategies"]
