"""Choose on train, report on test; and the deflated Sharpe ratio of the best of many trials."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

__all__ = ["walk_forward_table", "deflated_sharpe_ratio", "expected_max_sharpe"]

_EULER_GAMMA = 0.5772156649015329
_NORMAL = NormalDist()


def _better(metric: str) -> bool:
    """True when larger is better."""
    return metric != "max_drawdown"


def walk_forward_table(results: pd.DataFrame, param_names: list[str], metric: str) -> pd.DataFrame:
    """Per split: the parameter set best on ``train_<i>`` and its metric on train and on ``test_<i>``.

    The median over all parameter sets on the same test window is shown next
    to it: a choice that does no better than the median chose nothing.
    """
    rows = []
    splits = sorted({int(w.split("_")[1]) for w in results["window"] if w.startswith("train_")})
    for i in splits:
        train = results[results["window"] == f"train_{i}"].set_index(param_names)
        test = results[results["window"] == f"test_{i}"].set_index(param_names)
        scores = train[metric].astype(float)
        if scores.notna().sum() == 0:
            continue
        best = scores.idxmax() if _better(metric) else scores.idxmin()
        row = dict(zip(param_names, best if isinstance(best, tuple) else (best,)))
        row.update(split=i, train=float(train.loc[[best], metric].iloc[0]),
                   test=float(test.loc[[best], metric].iloc[0]) if best in test.index else float("nan"),
                   test_median_all=float(test[metric].median()),
                   test_trades=int(test.loc[[best], "trades"].iloc[0]) if best in test.index else 0)
        rows.append(row)
    return pd.DataFrame(rows)


def expected_max_sharpe(variance: float, n_trials: int) -> float:
    """Expected maximum of ``n_trials`` Sharpe ratios with true mean 0 (per-period units)."""
    if n_trials < 2 or variance <= 0:
        return 0.0
    a = _NORMAL.inv_cdf(1.0 - 1.0 / n_trials)
    b = _NORMAL.inv_cdf(1.0 - 1.0 / (n_trials * math.e))
    return math.sqrt(variance) * ((1 - _EULER_GAMMA) * a + _EULER_GAMMA * b)


def deflated_sharpe_ratio(returns: np.ndarray, sharpe_trials: np.ndarray) -> dict:
    """Bailey & López de Prado's deflated Sharpe ratio of the selected strategy.

    Parameters
    ----------
    returns : ndarray
        Per-bar returns of the selected parameter set.
    sharpe_trials : ndarray
        Per-bar (not annualised) Sharpe ratios of every parameter set tried.

    Returns
    -------
    dict
        ``sharpe`` (per bar), ``benchmark_sharpe`` (the expected best of the
        trials under no skill), ``n_trials``, ``skew``, ``kurtosis`` and ``dsr``:
        the probability that the true Sharpe ratio exceeds that benchmark.
    """
    r = np.asarray(returns, dtype=np.float64)
    r = r[np.isfinite(r)]
    trials = np.asarray(sharpe_trials, dtype=np.float64)
    trials = trials[np.isfinite(trials)]
    t = len(r)
    std = r.std(ddof=1) if t > 1 else 0.0
    if t < 3 or std == 0:
        return {"sharpe": float("nan"), "benchmark_sharpe": float("nan"), "n_trials": int(len(trials)),
                "skew": float("nan"), "kurtosis": float("nan"), "dsr": float("nan")}
    sr = r.mean() / std
    z = (r - r.mean()) / r.std(ddof=0)
    skew, kurt = float((z ** 3).mean()), float((z ** 4).mean())
    sr0 = expected_max_sharpe(float(trials.var(ddof=1)) if len(trials) > 1 else 0.0, len(trials))
    denom = 1 - skew * sr + (kurt - 1) / 4 * sr * sr
    dsr = _NORMAL.cdf((sr - sr0) * math.sqrt(t - 1) / math.sqrt(denom)) if denom > 0 else float("nan")
    return {"sharpe": float(sr), "benchmark_sharpe": float(sr0), "n_trials": int(len(trials)), "skew": skew,
            "kurtosis": kurt, "dsr": float(dsr)}
