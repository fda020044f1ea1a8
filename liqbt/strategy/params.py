"""Declared, sweepable strategy parameters."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ConfigError

__all__ = ["Param"]


@dataclass(frozen=True)
class Param:
    """One parameter: its default, and the range a sweep draws from.

    Parameters
    ----------
    default : int, float, bool or str
    low, high : float, optional
        Inclusive bounds of a numeric parameter (validated on every value).
    step : float, optional
        Grid spacing of a sweep; ``None`` gives ``n_grid`` points.
    choices : tuple, optional
        The allowed values of a categorical parameter.
    log : bool, default False
        Grid points spaced evenly in log space.
    doc : str
        What it means, with its unit.
    """

    default: Any
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple | None = None
    log: bool = False
    doc: str = ""

    @property
    def is_int(self) -> bool:
        return isinstance(self.default, int) and not isinstance(self.default, bool)

    def validate(self, name: str, value: Any, owner: str) -> Any:
        """``value`` converted to the parameter's type, or a :class:`ConfigError`."""
        where = f"{owner}.{name}"
        if self.choices is not None:
            if value not in self.choices:
                raise ConfigError(f"{where}: expected one of {list(self.choices)}, found {value!r}")
            return value
        if isinstance(self.default, bool):
            if not isinstance(value, (bool, np.bool_)):
                raise ConfigError(f"{where}: expected true or false, found {value!r}")
            return bool(value)
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ConfigError(f"{where}: expected a number, found {value!r}")
        if self.is_int:
            if float(value) != int(value):
                raise ConfigError(f"{where}: expected a whole number, found {value!r}")
            value = int(value)
        else:
            value = float(value)
        if not math.isfinite(value):
            raise ConfigError(f"{where}: expected a finite number, found {value!r}")
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise ConfigError(f"{where}: expected a value in [{self.low}, {self.high}], found {value!r}")
        return value

    def grid(self, n_grid: int = 5) -> list:
        """The values a grid sweep tries by default."""
        if self.choices is not None:
            return list(self.choices)
        if isinstance(self.default, bool):
            return [False, True]
        if self.low is None or self.high is None:
            return [self.default]
        if self.step is not None:
            values = self.low + self.step * np.arange(int(math.floor((self.high - self.low) / self.step + 1e-9)) + 1)
        elif self.log:
            values = np.geomspace(self.low, self.high, n_grid)
        else:
            values = np.linspace(self.low, self.high, n_grid)
        if self.is_int:
            return sorted({int(round(v)) for v in values})
        return [float(round(v, 10)) for v in values]
