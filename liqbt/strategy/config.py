"""The ``strategy:`` section: which strategy, its parameters, the level source, and which heatmap plays each role."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from ..config.base import FrozenModel
from ..errors import ConfigError

__all__ = ["StrategyConfig"]


class StrategyConfig(FrozenModel):
    """Attributes
    ----------
    name : str
        A registered name (``magnet_zone``), a file next to the config
        (``my_strategy.py:MyStrategy``) or an installed module's class
        (``my_package.strategies:MyStrategy``); see
        :func:`liqbt.strategy.resolve_strategy`.
    params : dict
        Parameter values; the rest take the strategy's declared defaults.
    heatmaps : dict of str to str
        Strategy role -> name of a heatmap in the config's ``heatmaps:``. A
        role with no entry uses the heatmap of the same name, or the only one.
    level_source : {"heatmap", "placebo", "sr"}, default "heatmap"
        Where the strategy's levels come from in the main run
        (:attr:`liqbt.strategy.StrategyContext.level_source`); the baselines
        table always shows all three.
    placebo_seed : int, default 0
        Seed of the placebo's draws when ``level_source`` is ``placebo``.
    """

    config_key = "strategy"

    name: str
    params: dict[str, Any] = Field(default_factory=dict)
    heatmaps: dict[str, str] = Field(default_factory=dict)
    level_source: Literal["heatmap", "placebo", "sr"] = "heatmap"
    placebo_seed: int = Field(0, ge=0)

    def strategy_class(self, base_dir: Path | None = None) -> type:
        """The Strategy subclass ``name`` refers to; file references resolve against ``base_dir``."""
        from .registry import resolve_strategy

        return resolve_strategy(self.name, base_dir)

    def build(self, where: str = "strategy", *, base_dir: Path | None = None):
        """The strategy object; errors name ``strategy.params.<key>``."""
        cls = self.strategy_class(base_dir)
        try:
            return cls(**self.params)
        except ConfigError as exc:
            raise ConfigError(f"{where}.params: {exc}") from None

    def role_map(self, available: list[str], where: str = "strategy", *, base_dir: Path | None = None
                 ) -> dict[str, str]:
        """Role -> configured heatmap name, checked against the config's heatmaps."""
        cls = self.strategy_class(base_dir)
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
