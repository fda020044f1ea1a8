"""Parameter sweeps with walk-forward windows, stored chunk by chunk so they resume.

Strategy parameters that share heatmaps and backtest settings run as columns
of one backtest (one simulation per chunk and window). Heatmap parameters
(``heatmaps.<name>.<field>``) and backtest parameters (``backtest.<field>``)
split the sweep into groups, each with its own reconstruction.

Signals are computed once over the whole period and cut per window: every
strategy is point in time (tested), so a signal at ``t`` is the same whether
or not later data exists. Each window starts flat with fresh capital.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import pandas as pd

from ..backtest import BacktestConfig, Signals, run_backtest
from ..config.base import override
from ..data.market import Market
from ..errors import ConfigError
from ..heatmap import HeatmapModel
from ..strategy.params import range_value, range_values
from .config import (SweepConfig, WalkForwardConfig, check_sweep_size, count_sets, override_target, spec_count,
                     spec_values)
from .metrics import METRIC_NAMES, fast_metrics, window_metrics

if TYPE_CHECKING:
    from ..config.experiment import ExperimentConfig

__all__ = ["expand_params", "spec_values", "spec_count", "count_sets", "check_sweep_size", "override_target",
           "windows", "Window", "split_overrides", "evaluate_combos", "slice_signals"]


@dataclass(frozen=True)
class Window:
    """Bars ``[start, end)`` by position; ``name`` is ``all``, ``train_<i>`` or ``test_<i>``."""

    name: str
    start: int
    end: int


def _draw(spec, rng: np.random.Generator):
    if isinstance(spec, list):
        return spec[int(rng.integers(len(spec)))]
    if spec.log:
        value = math.exp(rng.uniform(math.log(spec.low), math.log(spec.high)))
    else:
        value = rng.uniform(spec.low, spec.high)
    return range_value(value, spec.low, step=spec.step, integer=spec.integer)


def expand_params(sweep: SweepConfig) -> list[dict[str, Any]]:
    """The parameter sets of a grid or random sweep, in a fixed order (seeded)."""
    keys = list(sweep.params)
    check_sweep_size(sweep)  # load_config refuses it already; an API caller gets the same error
    if sweep.method == "grid":
        value_lists = [spec_values(sweep.params[k]) for k in keys]
        return [dict(zip(keys, combo)) for combo in itertools.product(*value_lists)]
    if sweep.method == "random":
        rng = np.random.default_rng(sweep.seed)
        seen, out = set(), []
        for _ in range(sweep.n_trials * 20):
            combo = {k: _draw(sweep.params[k], rng) for k in keys}
            key = tuple(sorted(combo.items()))
            if key not in seen:
                seen.add(key)
                out.append(combo)
            if len(out) == sweep.n_trials:
                break
        return out
    raise ConfigError(f"sweep.method {sweep.method!r} draws its parameter sets one at a time (see optuna_search)")


def windows(n_bars: int, walk_forward: WalkForwardConfig | None) -> list[Window]:
    """``all`` plus the walk-forward train/test windows (tests are consecutive, never overlapping)."""
    out = [Window("all", 0, n_bars)]
    if walk_forward is None:
        return out
    k, f = walk_forward.n_splits, walk_forward.train_fraction
    length = n_bars / (f + k * (1 - f))
    train, test = int(f * length), int((1 - f) * length)
    if train < 10 or test < 10:
        raise ConfigError(f"evaluation.walk_forward: {k} splits leave {train} train and {test} test bars; "
                          "use fewer splits or more data")
    for i in range(k):
        start = 0 if walk_forward.kind == "anchored" else i * test
        split = train + i * test
        out.append(Window(f"train_{i}", start, split))
        out.append(Window(f"test_{i}", split, min(split + test, n_bars)))
    return out


def split_overrides(params: dict[str, Any]) -> tuple[tuple, dict[str, Any]]:
    """(hashable heatmap/backtest overrides, strategy parameters) of one parameter set."""
    overrides = tuple(sorted((k, v) for k, v in params.items() if k.startswith(("heatmaps.", "backtest."))))
    strategy = {k: v for k, v in params.items() if not k.startswith(("heatmaps.", "backtest."))}
    return overrides, strategy


def apply_overrides(config: "ExperimentConfig", overrides: tuple) -> tuple[dict[str, HeatmapModel], BacktestConfig]:
    """The config's heatmaps and backtest settings with ``overrides`` applied (validated).

    A malformed key, an unknown field or a rejected value is a :class:`ConfigError` naming
    ``sweep.params.<key>`` and the field's path.
    """
    for key, _ in overrides:
        override_target(key, list(config.heatmaps), f"sweep.params.{key}")  # the key's form, with its hint

    def under(prefix: str) -> dict[str, Any]:
        return {key[len(prefix):]: value for key, value in overrides if key.startswith(prefix)}

    try:
        heatmaps = {name: override(model, under(f"heatmaps.{name}."), f"heatmaps.{name}")
                    for name, model in config.heatmaps.items()}
        return heatmaps, override(config.backtest, under("backtest."), "backtest")
    except ConfigError as exc:
        raise ConfigError(f"sweep.params: {exc}") from None


def slice_signals(signals: Signals, index: pd.DatetimeIndex) -> Signals:
    """The signals on the bars of ``index`` only."""
    def cut(value):
        if isinstance(value, (pd.Series, pd.DataFrame)):
            return value.loc[index]
        return value

    return Signals(**{name: cut(getattr(signals, name)) for name in (
        "long_entries", "long_exits", "short_entries", "short_exits", "size", "sl_stop", "tp_stop", "target_price")})


def evaluate_combos(market: Market, ctx, strategy_cls, combos: list[dict], strategy_params: list[dict],
                    backtest: BacktestConfig, wins: list[Window], cache: dict | None = None
                    ) -> list[tuple[dict, str, dict]]:
    """Metrics of each parameter set on each window: ``(params, window, metrics)`` rows.

    With engine ``liqbt`` the columns of each window are simulated and measured in one parallel kernel
    (:func:`window_metrics`); the signals are converted to arrays once and cut per window. ``cache``
    (a dict the caller keeps across chunks of the same market and backtest settings) holds each
    window's market arrays.
    """
    if backtest.engine == "liqbt":
        sig = strategy_cls.signal_arrays_for(ctx, strategy_params)
        cache = cache if cache is not None else {}
        results = [(window, window_metrics(market, sig, backtest, window, cache)) for window in wins]
    else:
        signals, results = strategy_cls.signals_for(ctx, strategy_params), []
        for window in wins:
            end = market.index[window.end] if window.end < len(market) else None
            sub = market.slice(market.index[window.start], end)
            results.append((window, fast_metrics(run_backtest(sub, slice_signals(signals, sub.index), backtest))
                            .to_numpy(dtype=np.float64)))
    rows = []
    for window, values in results:
        for combo, row in zip(combos, values.tolist()):
            rows.append((combo, window.name, dict(zip(METRIC_NAMES, row))))
    return rows


def chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


ProgressFn = Callable[[int], None]
