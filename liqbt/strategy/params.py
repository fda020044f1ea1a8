"""Declared, sweepable strategy parameters."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ConfigError

__all__ = ["Param", "range_values", "range_value"]


def range_values(low: float, high: float, *, step: float | None = None, n: int = 5, log: bool = False,
                 integer: bool = False) -> list:
    """The grid points of a numeric range: the one expansion rule of declared and swept ranges.

    Parameters
    ----------
    low, high : float
        Inclusive bounds.
    step : float, optional
        Spacing from ``low``; the last point is the largest ``low + k * step``
        not above ``high`` (to 1e-9 steps). None gives ``n`` points.
    n : int, default 5
        Points without a step, from ``low`` to ``high`` inclusive.
    log : bool, default False
        Without a step: the ``n`` points evenly spaced in log space.
    integer : bool, default False
        Round each point to an int and drop repeats (sorted).

    Returns
    -------
    list
        Floats rounded to 12 decimals (so ``0.1 + 2 * 0.1`` is ``0.3``, as the
        results store keys them), or sorted distinct ints.
    """
    if step is not None:
        values = low + step * np.arange(int(math.floor((high - low) / step + 1e-9)) + 1)
    elif log:
        values = np.geomspace(low, high, n)
    else:
        values = np.linspace(low, high, n)
    if integer:
        return sorted({int(round(v)) for v in values})
    return [float(round(v, 12)) for v in values]


def range_value(value: float, low: float, *, step: float | None = None, integer: bool = False):
    """A value drawn from a range, as :func:`range_values` would list it: snapped to ``low + k * step``
    (when a step is given), then rounded to an int or to 12 decimals."""
    if step is not None:
        value = low + round((value - low) / step) * step
    return int(round(value)) if integer else float(round(value, 12))


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
        """The values of this parameter in the strategy's default sweep grid (:meth:`Strategy.grid`).

        Choices as declared; a bool both ways; a numeric range through
        :func:`range_values` (``step``, else ``n_grid`` points, log-spaced if
        ``log``; ints for an int default); a parameter without both bounds
        only its default.
        """
        if self.choices is not None:
            return list(self.choices)
        if isinstance(self.default, bool):
            return [False, True]
        if self.low is None or self.high is None:
            return [self.default]
        return range_values(self.low, self.high, step=self.step, n=n_grid, log=self.log, integer=self.is_int)
