"""The ``sweep:`` and ``evaluation:`` sections."""

from __future__ import annotations

from typing import Any, Literal, Union

from pydantic import Field, field_validator, model_validator

from ..config.base import FrozenModel

__all__ = ["SweepConfig", "RangeSpec", "EvaluationConfig", "WalkForwardConfig"]


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
