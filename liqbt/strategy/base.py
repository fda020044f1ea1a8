"""The strategy interface: declared parameters in, :class:`~liqbt.backtest.Signals` out.

A strategy reads a :class:`StrategyContext` (the market, one or more *named*
heatmaps, e.g. a 30d ``context`` map and a 24h ``execution`` map, and levels
from the context's level source) and returns signals on the market's bars.
Every value it uses for bar ``t`` must be known by ``t``'s close; the
point-in-time tests run every strategy on truncated inputs and compare.
"""

from __future__ import annotations

import difflib
import itertools
from typing import Any, ClassVar, Mapping

import pandas as pd

from ..backtest import Signals
from ..backtest.signals import SignalArrays
from ..errors import ConfigError
from .context import StrategyContext
from .params import Param

__all__ = ["Strategy", "StrategyContext"]

# former parameters of the shipped strategies: the level source now belongs to the context
_MOVED = {"level_source": "the level source is strategy.level_source (heatmap, placebo or sr), not a parameter",
          "seed": "the placebo's seed is strategy.placebo_seed, not a parameter"}


class Strategy:
    """Base class. Subclasses declare ``params`` and ``heatmaps`` and implement :meth:`signals`.

    Parameters are explicit keyword arguments with defaults (scikit-learn
    style): they are validated against :attr:`params`, stored unchanged as
    attributes, and returned by :meth:`get_params`. An unknown name is an
    error that suggests the closest declared one.

    Class attributes
    ----------------
    name : str
        Set by :func:`~liqbt.strategy.register_strategy`.
    params : dict of str to Param
        Declared parameters with defaults and sweep ranges.
    heatmaps : tuple of str
        Roles of the heatmaps the strategy reads (empty for none).
    """

    name: ClassVar[str] = ""
    params: ClassVar[dict[str, Param]] = {}
    heatmaps: ClassVar[tuple[str, ...]] = ("main",)

    def __init__(self, **params: Any):
        owner = self.name or type(self).__name__
        for key in params:
            if key not in self.params:
                close = difflib.get_close_matches(key, list(self.params), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; parameters are {sorted(self.params)}"
                if key in _MOVED:
                    hint = f"; {_MOVED[key]}"
                raise ConfigError(f"{owner}: unknown parameter {key!r}{hint}")
        for key, spec in self.params.items():
            value = params.get(key, spec.default)
            setattr(self, key, spec.validate(key, value, owner))

    def get_params(self) -> dict[str, Any]:
        """The parameter values, by name."""
        return {key: getattr(self, key) for key in self.params}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # ------------------------------------------------------------------ API
    def signals(self, ctx: StrategyContext) -> Signals:
        """Signals of this parameter set (one column) on ``ctx.market``'s bars."""
        raise NotImplementedError

    @classmethod
    def grid(cls, ranges: Mapping[str, list] | None = None, n_grid: int = 5) -> list[dict[str, Any]]:
        """Parameter sets: the product of ``ranges``; without them, the strategy's default sweep grid.

        Parameters
        ----------
        ranges : mapping of str to list, optional
            Values per declared parameter (an unknown name is a
            :class:`ConfigError` with the closest one). Default: every declared
            parameter over :meth:`Param.grid` (choices, both bools, a range's
            ``step`` points or ``n_grid`` points, the same rule a ``sweep:``
            range uses: :func:`~liqbt.strategy.params.range_values`).
        n_grid : int, default 5
            Points of a declared range without a ``step``.

        Returns
        -------
        list of dict
            In product order (the first parameter varies slowest); pass them to
            :meth:`signals_for`, or as lists to ``SweepConfig(params=...)``.
        """
        ranges = dict(ranges) if ranges is not None else {k: p.grid(n_grid) for k, p in cls.params.items()}
        for key in ranges:
            if key not in cls.params:
                close = difflib.get_close_matches(key, list(cls.params), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ConfigError(f"{cls.name or cls.__name__}: sweep over unknown parameter {key!r}{hint}")
        keys = list(ranges)
        return [dict(zip(keys, values)) for values in itertools.product(*(ranges[k] for k in keys))]

    @classmethod
    def signals_for(cls, ctx: StrategyContext, combos: list[dict[str, Any]]) -> Signals:
        """Signals of many parameter sets as columns of one :class:`Signals` (one simulation).

        Columns are a MultiIndex of the swept parameter names.
        """
        if not combos:
            raise ConfigError(f"{cls.name or cls.__name__}: no parameter combination to run")
        parts = [cls(**combo).signals(ctx) for combo in combos]
        return _stack(parts, cls.columns_for(combos), ctx.market.index)

    @classmethod
    def signal_arrays_for(cls, ctx: StrategyContext, combos: list[dict[str, Any]]) -> SignalArrays:
        """:meth:`signals_for` as the kernels' arrays (``Signals.to_arrays`` on ``ctx.market``'s bars).

        What a sweep simulates; a strategy that can write its columns straight into arrays overrides
        it (with the same values) and skips the frames.
        """
        return cls.signals_for(ctx, combos).to_arrays(ctx.market.index, source="signals")

    @staticmethod
    def columns_for(combos: list[dict[str, Any]]) -> pd.Index:
        """The columns :meth:`signals_for` gives ``combos``: a MultiIndex of the parameter names (the
        first set's keys), a RangeIndex when the sets are empty dicts."""
        keys = list(combos[0])
        return (pd.MultiIndex.from_tuples([tuple(c[k] for k in keys) for c in combos], names=keys)
                if keys else pd.RangeIndex(len(combos)))


def _as_frame(value, index) -> pd.DataFrame | None:
    if value is None:
        return None
    if isinstance(value, pd.DataFrame):
        if value.shape[1] != 1:
            raise ConfigError("signals_for: each parameter set must give one column")
        return value.iloc[:, 0]
    if isinstance(value, pd.Series):
        return value
    return pd.Series(value, index=index)


def _stack(parts: list[Signals], columns, index) -> Signals:
    out = {}
    for name in ("long_entries", "long_exits", "short_entries", "short_exits", "size", "sl_stop", "tp_stop",
                 "target_price"):
        values = [_as_frame(getattr(p, name), index) for p in parts]
        if all(v is None for v in values):
            out[name] = None
            continue
        fill = False if name.endswith(("entries", "exits")) else float("nan")
        cols = [v if v is not None else pd.Series(fill, index=index) for v in values]
        frame = pd.concat(cols, axis=1)
        frame.columns = columns
        out[name] = frame
    return Signals(**out)
