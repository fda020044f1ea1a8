"""Strategy interface, declared parameters, the context a strategy reads, and the one resolver.

The library owns only :class:`BuyAndHold`; the shipped example strategies
(``strategies/``, installed as ``liqbt_strategies``) register through the
``liqbt.strategies`` entry-point group, as any installed package's do.
"""

from ..lazy import lazy_exports

# each name loads its module on first use (liqbt.lazy): reading one config model loads no engine
__getattr__, __dir__ = lazy_exports(__name__, {
    "base": ("Strategy",),
    "context": ("LEVEL_SOURCES", "StrategyContext"),
    "params": ("Param",),
    "registry": ("available_strategies", "get_strategy", "register_strategy", "resolve_strategy"),
})

__all__ = ["Strategy", "StrategyContext", "LEVEL_SOURCES", "Param", "register_strategy", "resolve_strategy",
           "get_strategy", "available_strategies"]
