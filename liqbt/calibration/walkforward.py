"""Walk-forward calibration: refit on the realised bars before each step, score the step.

The heatmap engine runs once over the whole data (its bar ``t`` uses only data
known by ``t``); a refit only chooses among the precomputed variants and
background densities (:func:`~liqbt.calibration.selection.rank_candidates`)
and fits the per-side scales, on the realised bars that *closed* by the
step's start (open + realised bar size <= start). The step's bars are then
scored with that choice, beside the naive baseline and the shipped default.
The out-of-sample predictions of all steps, put together, are scored once
more as a whole (``scores.out_of_sample``), per month and per regime.
"""

from __future__ import annotations

import pandas as pd

from ..errors import ConfigError
from ..progress import bar
from .config import CalibrationConfig, WalkForwardCalibration, in_months
from .metrics import by_label, by_month, headline, score, scored_together
from .predictor import combine
from .regimes import REGIMES
from .selection import fit_scales, rank_candidates, short_model

__all__ = ["walk_forward_steps", "walk_forward"]


def walk_forward_steps(index: pd.DatetimeIndex, bar_size: pd.Timedelta,
                       config: WalkForwardCalibration) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """``(start, end)`` of every step holding at least one bar of ``index`` (bar opens, bars of ``bar_size``).

    The first step starts at ``index[0] + min_train`` rounded up to the bar
    grid, or to the next calendar month (UTC) when ``refit_every`` is written
    in months; the last ends with the last bar.
    """
    months = in_months(config.refit_every)
    earliest = (index[0] + config.min_train.delta).ceil(bar_size)
    last_end = index[-1] + bar_size
    if months:
        first = earliest.floor("D").replace(day=1)
        start = first if first >= earliest else first + pd.DateOffset(months=1)
        step = pd.DateOffset(months=months)
    else:
        start, step = earliest, config.refit_every.delta
    starts = []
    while start < last_end:
        starts.append(start)
        start = start + step
    if not starts:
        raise ConfigError(f"calibration.walk_forward.min_train ({config.min_train}) leaves no step to score: the "
                          f"scored realised bars span {index[0]} .. {last_end}; use a shorter min_train or more data")
    ends = starts[1:] + [last_end]
    return [(s, e) for s, e in zip(starts, ends) if ((index >= s) & (index < e)).any()]


def _training_bars(real: pd.DataFrame, bar_size: pd.Timedelta, start: pd.Timestamp,
                   config: WalkForwardCalibration) -> pd.DataFrame:
    """The realised bars known at ``start`` (closed by then), within the trailing ``train_window``."""
    keep = real.index + bar_size <= start
    if config.train_window is not None:
        keep &= real.index >= start - config.train_window.delta
    return real[keep]


def walk_forward(real: pd.DataFrame, bar_size: pd.Timedelta, engines: list[pd.DataFrame], models: list,
                 excursion: pd.DataFrame, shipped: dict[str, pd.DataFrame], regimes: pd.Series,
                 config: CalibrationConfig) -> dict:
    """The walk-forward part of the calibration report (see :func:`~liqbt.calibration.calibrate`).

    Parameters
    ----------
    real : DataFrame
        Scored realised ``long``/``short`` USD per bar.
    bar_size : Timedelta
        The realised bar size.
    engines : list of DataFrame
        Engine predictions of each heatmap variant of ``models`` on ``real``'s bars.
    excursion : DataFrame
        The naive baseline on the realised bars.
    shipped : dict of str to DataFrame
        Predictors that are never refitted (``shipped_v1``, ``engine_only``).
    regimes : Series
        Regime label of each bar of ``real``.

    Returns
    -------
    dict
        ``steps`` (per step: ``period``, the training bars' span and count,
        the chosen parameters and per predictor the headline scores),
        ``scores.out_of_sample`` (all steps' bars together), ``by_month``,
        ``by_regime.out_of_sample``, ``regime_bars`` and ``no_prediction``.
    """
    wf = config.walk_forward
    steps, fitted, fitted_engine = [], [], []
    for start, end in bar(walk_forward_steps(real.index, bar_size, wf), "walk-forward steps", unit="step"):
        train = _training_bars(real, bar_size, start, wf)
        if not len(train):
            raise ConfigError(f"calibration.walk_forward: the step from {start} has no realised bar to fit on "
                              f"(train_window {wf.train_window}); use a longer train_window")
        candidates = rank_candidates(engines, excursion, config.search.background_density, train)
        objective, best, density = candidates[0]
        engine = engines[best]
        scale_long, scale_short = fit_scales(combine(engine.reindex(train.index), excursion, density), train)
        bars = real.index[(real.index >= start) & (real.index < end)]
        fitted.append(combine(engine.reindex(bars), excursion, density, scale_long, scale_short))
        fitted_engine.append(combine(engine.reindex(bars), excursion, 0.0, scale_long, scale_short))
        steps.append({"period": [str(start), str(end)], "train": [str(train.index[0]), str(train.index[-1] + bar_size)],
                      "train_bars": len(train), "train_objective": objective,
                      "fitted": {"heatmap": short_model(models[best]), "background_density": density,
                                 "scale_long": scale_long, "scale_short": scale_short}})
    fitted = pd.concat(fitted)
    contenders = {"fitted": fitted, "baseline": excursion.reindex(fitted.index),
                  **{name: pred.reindex(fitted.index) for name, pred in shipped.items()},
                  "fitted_engine_only": pd.concat(fitted_engine)}
    contenders, scored, no_prediction = scored_together(contenders, real.reindex(fitted.index))
    for step in steps:
        start, end = (pd.Timestamp(t) for t in step["period"])
        part = scored[(scored.index >= start) & (scored.index < end)]
        step["bars"] = len(part)
        step["scores"] = {name: headline(pred.reindex(part.index), part) for name, pred in contenders.items()}
    labels = regimes.reindex(scored.index)
    return {
        "steps": steps,
        "scores": {"out_of_sample": {name: score(pred, scored) for name, pred in contenders.items()}},
        "by_month": by_month(contenders, scored),
        "by_regime": {"out_of_sample": by_label(contenders, scored, labels, REGIMES)},
        "regime_bars": {"out_of_sample": {r: int((labels == r).sum()) for r in REGIMES}},
        "no_prediction": no_prediction,
        "out_of_sample": [str(scored.index[0]), str(scored.index[-1] + bar_size)],
        "out_of_sample_bars": len(scored),
    }
