"""The ``sweep:`` and ``evaluation:`` sections."""

from __future__ import annotations

import difflib
import math
from typing import Any, Literal, Union

from pydantic import Field, field_validator, model_validator

from ..config.base import FrozenModel
from ..errors import ConfigError
from ..strategy.params import range_values

__all__ = ["SweepConfig", "RangeSpec", "EvaluationConfig", "WalkForwardConfig", "spec_values", "spec_count",
           "count_sets", "check_sweep_size", "override_target"]


class RangeSpec(FrozenModel):
    """A numeric range: ``{low, high, step}`` (grid) or ``{low, high}`` (random; grid uses ``n``)."""

    low: float
    high: float
    step: float | None = Field(None, gt=0)
    n: int = Field(5, ge=2, le=1000)
    log: bool = False
    integer: bool = False

    @model_validator(mode="after")
    def _order(self):
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be >= low ({self.low})")
        if self.log and self.low <= 0:
            raise ValueError(f"a log range needs low > 0, found {self.low}")
        return self


ParamSpec = Union[list, RangeSpec]


class SweepConfig(FrozenModel):
    """What to sweep and how.

    Attributes
    ----------
    params : dict
        Name -> list of values or a range. Strategy parameters by name;
        heatmap fields as ``heatmaps.<name>.<field>``; backtest fields as
        ``backtest.<field>``.
    method : {"grid", "random", "optuna"}
        ``grid``: the product; ``random``: ``n_trials`` seeded draws;
        ``optuna``: Bayesian (TPE) search for ``n_trials`` trials.
    metric : str
        Chosen on training windows (maximised; ``max_drawdown`` is minimised).
    chunk_size : int
        Parameter sets simulated together as columns of one backtest; each
        finished chunk is stored at once, so an interrupted sweep loses at
        most one chunk.
    executor : {"local", "ray"}
    address : str, optional
        Ray cluster address (``ray://host:port`` or ``auto``); None starts a local Ray.
    max_sets : int, default 1_000_000
        Largest number of parameter sets (grid: the product of the value
        counts; random and optuna: ``n_trials``). ``liqbt validate`` counts
        them without building them and refuses a larger sweep with the count.
    """

    config_key = "sweep"

    params: dict[str, ParamSpec] = Field(min_length=1)
    method: Literal["grid", "random", "optuna"] = "grid"
    n_trials: int = Field(100, ge=1, le=1_000_000)
    seed: int = 0
    metric: Literal["sharpe_ratio", "sortino_ratio", "total_return", "max_drawdown"] = "sharpe_ratio"
    chunk_size: int = Field(100, ge=1, le=10_000)
    executor: Literal["local", "ray"] = "local"
    address: str | None = None
    max_sets: int = Field(1_000_000, ge=1)

    @field_validator("params")
    @classmethod
    def _non_empty(cls, value: dict[str, Any]):
        for key, spec in value.items():
            if isinstance(spec, list) and not spec:
                raise ValueError(f"{key}: empty list of values")
        return value


class WalkForwardConfig(FrozenModel):
    """Train/test windows in time order.

    ``rolling``: ``n_splits`` windows of equal length sliding forward, each
    split into train (``train_fraction``) then test. ``anchored``: every train
    window starts at the beginning; tests are consecutive equal blocks after
    the first train period.
    """

    config_key = "evaluation.walk_forward"

    kind: Literal["rolling", "anchored"] = "rolling"
    n_splits: int = Field(4, ge=1, le=100)
    train_fraction: float = Field(0.7, gt=0.1, lt=0.95)


class EvaluationConfig(FrozenModel):
    """Out-of-sample discipline: walk-forward splits and the baselines.

    Attributes
    ----------
    walk_forward : WalkForwardConfig
        Windows of a sweep.
    baselines : bool, default True
        ``liqbt run`` also backtests, with the same costs, the strategy on
        placebo levels (a context with ``level_source="placebo"``: the same
        logic on clusters at random distances drawn from the real ones seen so
        far), on plain S/R levels (``level_source="sr"``) and buy-and-hold
        (:func:`liqbt.evaluation.compare_to_baselines`).
    placebo_seeds : int, default 5
        Placebo runs (seeds 0 .. n-1): the distribution a real edge must stand out of.
    """

    config_key = "evaluation"

    walk_forward: WalkForwardConfig = WalkForwardConfig()
    baselines: bool = True
    placebo_seeds: int = Field(5, ge=0, le=1000)


# ------------------------------------------------------------------ what a sweep section expands to
def spec_values(spec) -> list:
    """The grid values of one sweep entry: a list as given, or the points of a range (:func:`range_values`)."""
    if isinstance(spec, list):
        return list(spec)
    return range_values(spec.low, spec.high, step=spec.step, n=spec.n, log=spec.log, integer=spec.integer)


def check_sweep_size(sweep: SweepConfig, where: str = "") -> None:
    """A :class:`ConfigError` with the count if the sweep has more than ``sweep.max_sets`` parameter sets."""
    n = count_sets(sweep)
    if n > sweep.max_sets:
        shown = f"{n:,}" if math.isfinite(n) else "an unbounded number of"
        raise ConfigError(f"{where}sweep has {shown} parameter sets; the cap sweep.max_sets is {sweep.max_sets:,}")


def count_sets(sweep) -> int | float:
    """Parameter sets of a sweep, counted without building them (``inf`` for an unbounded range)."""
    if sweep.method in ("random", "optuna"):
        return sweep.n_trials
    total = 1
    for spec in sweep.params.values():
        total *= spec_count(spec, sweep.max_sets)
    return total


def spec_count(spec, cap: int) -> int | float:
    """Values of one sweep entry: exact up to ``cap``, above it an upper bound (``inf`` if unbounded)."""
    if isinstance(spec, list):
        return len(spec)
    if spec.step is None:
        bound = spec.n
    else:
        steps = (spec.high - spec.low) / spec.step
        if not math.isfinite(steps):
            return math.inf
        bound = int(math.floor(steps + 1e-9)) + 1
    if spec.integer:
        bound = min(bound, int(math.floor(spec.high)) - int(math.ceil(spec.low)) + 3)  # round() reaches past both ends
    # exact when small (integer ranges drop repeated values); a bound above the cap is refused anyway
    return len(spec_values(spec)) if bound <= cap else bound


def override_target(key: str, heatmap_names: list[str], where: str) -> tuple[str, str | None, str] | None:
    """``("heatmaps", name, field)`` or ``("backtest", None, field)`` for an override key, None for a
    strategy parameter; a malformed key or an unknown heatmap name is a :class:`ConfigError` at ``where``."""
    parts = key.split(".")
    if parts[0] == "heatmaps":
        if len(parts) != 3:
            raise ConfigError(f"{where}: expected heatmaps.<name>.<field> with a name from {heatmap_names}")
        if parts[1] not in heatmap_names:
            close = difflib.get_close_matches(parts[1], heatmap_names, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f"; declared: {heatmap_names}"
            raise ConfigError(f"{where}: no heatmap named {parts[1]!r} (keys are heatmaps.<name>.<field>){hint}")
        return "heatmaps", parts[1], parts[2]
    if parts[0] == "backtest":
        if len(parts) != 2:
            raise ConfigError(f"{where}: expected backtest.<field>")
        return "backtest", None, parts[1]
    return None
