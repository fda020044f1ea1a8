"""The ``strategy:`` section: which strategy, its parameters, and which heatmap plays each role."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ..config.base import FrozenModel
from ..errors import ConfigError

__all__ = ["StrategyConfig"]


class StrategyConfig(FrozenModel):
    """Attributes
    ----------
    name : str
        A registered name (``magnet_zone``) or an import path (``strategies.magnet:MagnetZone``).
    params : dict
        Parameter values; the rest take the strategy's declared defaults.
    heatmaps : dict of str to str
        Strategy role -> name of a heatmap in the config's ``heatmaps:``. A
        role with no entry uses the heatmap of the same name, or the only one.
    """

    name: str
    params: dict[str, Any] = Field(default_factory=dict)
    heatmaps: dict[str, str] = Field(default_factory=dict)

    def strategy_class(self) -> type:
        from .registry import get_strategy

        return get_strategy(self.name)

    def build(self, where: str = "strategy"):
        """The strategy object; errors name ``strategy.params.<key>``."""
        cls = self.strategy_class()
        try:
            return cls(**self.params)
        except ConfigError as exc:
            raise ConfigError(f"{where}.params: {exc}") from None

    def role_map(self, available: list[str], where: str = "strategy") -> dict[str, str]:
        """Role -> configured heatmap name, checked against the config's heatmaps."""
        cls = self.strategy_class()
        mapping = {}
        for role in cls.heatmaps:
            name = self.heatmaps.get(role)
            if name is None:
                name = role if role in available else (available[0] if len(available) == 1 else None)
            if name is None or name not in available:
                raise ConfigError(f"{where}.heatmaps.{role}: the strategy needs a heatmap for role {role!r}; "
                                  f"declare it under heatmaps: (have {available or 'none'}) and map it here")
            mapping[role] = name
        unknown = set(self.heatmaps) - set(cls.heatmaps)
        if unknown:
            raise ConfigError(f"{where}.heatmaps: unknown role(s) {sorted(unknown)}; "
                              f"{cls.name or cls.__name__} reads {list(cls.heatmaps)}")
        return mapping
