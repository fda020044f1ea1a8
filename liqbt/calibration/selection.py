"""Choosing among precomputed candidates on a training period (shared by the split and walk-forward fits).

A candidate is one heatmap variant's engine predictions (already summed into
the realised bars) combined with one background density. Choosing reads only
the rows of the training bars it is given, so a caller that passes the bars
before a time ``t`` gets a choice that no later bar can change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..progress import bar
from .predictor import combine

__all__ = ["spearman", "objective", "rank_candidates", "fit_scales", "short_model"]


def spearman(pred: np.ndarray, real: np.ndarray) -> float:
    """Spearman correlation over the bars with a prediction; NaN with fewer than 3 or a constant side."""
    ok = ~np.isnan(pred)
    a = pd.Series(pred[ok]).rank().to_numpy()
    b = pd.Series(real[ok]).rank().to_numpy()
    if len(a) < 3 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def objective(pred: pd.DataFrame, real: pd.DataFrame) -> float:
    """Mean of the long and short Spearman correlation (rows aligned)."""
    return 0.5 * (spearman(pred["long"].to_numpy(), real["long"].to_numpy())
                  + spearman(pred["short"].to_numpy(), real["short"].to_numpy()))


def rank_candidates(engines: list[pd.DataFrame], excursion: pd.DataFrame, densities, train_real: pd.DataFrame
                    ) -> list[tuple[float, int, float]]:
    """``(objective, variant, density)`` of every candidate on ``train_real``'s bars, best first.

    Parameters
    ----------
    engines : list of DataFrame
        Per heatmap variant, its engine predictions (``long``, ``short``, USD)
        on the realised bars.
    excursion : DataFrame
        The naive baseline (adverse excursion times OI) per realised bar.
    densities : sequence of float
        Background densities to try with every variant.
    train_real : DataFrame
        Realised ``long``/``short`` of the training bars; only these rows are read.

    A NaN objective ranks last; ties keep the grid's order (variant, then density).
    """
    candidates = []
    for i, engine in bar(enumerate(engines), "candidates", total=len(engines), unit="heatmap"):
        engine = engine.reindex(train_real.index)
        for density in densities:
            candidates.append((objective(combine(engine, excursion, density), train_real), i, density))
    candidates.sort(key=lambda c: -np.nan_to_num(c[0], nan=-2.0))
    return candidates


def fit_scales(pred: pd.DataFrame, real: pd.DataFrame) -> tuple[float, float]:
    """Per-side scales that make the predicted totals equal the realised ones (1.0 for a side predicting 0)."""
    both = pd.concat([pred, real.add_suffix("_real")], axis=1, join="inner").dropna()
    scales = []
    for side in ("long", "short"):
        total = both[side].sum()
        scales.append(float(both[f"{side}_real"].sum() / total) if total > 0 else 1.0)
    return scales[0], scales[1]


def short_model(model) -> dict:
    """The searched fields of a heatmap variant (for leaderboards and walk-forward steps)."""
    dist = model.leverage_distribution
    return {"leverage_median": dist.median if dist else None, "leverage_sigma": dist.sigma if dist else None,
            "entry_price": model.entry_price, "long_share": model.long_share, "window": model.window,
            "close_mode": model.close_mode}
