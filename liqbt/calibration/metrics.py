"""Scores of predicted against realised liquidations, per side.

Predicted liquidations live on the engine's bars (e.g. 5m); realised ones on
the vendor's bars (e.g. 1h). Predictions are summed into the realised bars
first (bars with ``open`` in ``[T, T + size)``), then compared only where both
are present.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["aggregate_to", "side_scores", "score", "dominant_side", "reliability_table", "by_month", "by_label",
           "headline", "scored_together", "SIDES"]

SIDES = ("long", "short")


def aggregate_to(values: pd.DataFrame, index: pd.DatetimeIndex, bar_size: pd.Timedelta) -> pd.DataFrame:
    """Sum rows of ``values`` into the bars ``[T, T + bar_size)`` of ``index``.

    Bars of ``index`` with no row of ``values`` in them get NaN (not zero):
    there was no prediction there, which is different from predicting none.
    """
    opens = values.index.floor(bar_size)
    summed = values.groupby(opens).sum(min_count=1)
    return summed.reindex(index)


def _rank(values: np.ndarray) -> np.ndarray:
    return pd.Series(values).rank(method="average").to_numpy()


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def reliability_table(predicted: np.ndarray, realised: np.ndarray, n_bins: int = 10) -> list[dict]:
    """Realised liquidations by decile of the prediction (ties share a decile)."""
    ranks = _rank(predicted)
    decile = np.minimum((ranks - 1) * n_bins // len(predicted), n_bins - 1).astype(int)
    rows = []
    for d in range(n_bins):
        sel = decile == d
        if not sel.any():
            continue
        rows.append({
            "decile": d + 1,
            "bars": int(sel.sum()),
            "predicted_mean_usd": float(predicted[sel].mean()),
            "realised_mean_usd": float(realised[sel].mean()),
            "realised_median_usd": float(np.median(realised[sel])),
        })
    return rows


def side_scores(predicted: np.ndarray, realised: np.ndarray) -> dict:
    """Spearman and Pearson-on-log1p correlation and a reliability table for one side."""
    return {
        "bars": int(len(predicted)),
        "spearman": _corr(_rank(predicted), _rank(realised)),
        "pearson_log1p": _corr(np.log1p(predicted), np.log1p(realised)),
        "reliability": reliability_table(predicted, realised),
    }


def score(predicted: pd.DataFrame, realised: pd.DataFrame) -> dict:
    """Compare per-bar predictions with realised liquidations on the same index.

    Parameters
    ----------
    predicted : DataFrame
        Columns ``long`` and ``short`` (USD per bar).
    realised : DataFrame
        Columns ``long`` and ``short`` (USD per bar), same index.

    Returns
    -------
    dict
        Per side ``spearman``, ``pearson_log1p``, ``reliability``; and
        ``dominant_side_match``: the share of bars with any realised
        liquidation where the predicted dominant side equals the realised one.
        The dominant side has three classes: ``long`` (more long than short
        notional), ``short``, and ``tie`` (exactly equal, e.g. an engine that
        predicts 0 / 0); a tie matches only a tie, so a predictor that cannot
        tell the sides apart gets no credit for it. ``dominant_side`` gives
        the counts: ``bars`` (with any realised liquidation),
        ``predicted_ties``, ``realised_ties``, and ``decided_bars`` /
        ``match_decided``: the bars where neither side is a tie and the share
        of them that match (ties excluded).
    """
    both = pd.concat([predicted[["long", "short"]].add_suffix("_pred"),
                      realised[["long", "short"]].add_suffix("_real")], axis=1, join="inner").dropna()
    out = {"bars": int(len(both))}
    for side in SIDES:
        out[side] = side_scores(both[f"{side}_pred"].to_numpy(float), both[f"{side}_real"].to_numpy(float))
    active = both[(both["long_real"] + both["short_real"]) > 0]
    out["dominant_side_match"], out["dominant_side"] = dominant_side(
        active["long_pred"].to_numpy(float), active["short_pred"].to_numpy(float),
        active["long_real"].to_numpy(float), active["short_real"].to_numpy(float))
    return out


def dominant_side(pred_long: np.ndarray, pred_short: np.ndarray, real_long: np.ndarray,
                  real_short: np.ndarray) -> tuple[float, dict]:
    """Share of bars whose predicted dominant side (long / short / tie) is the realised one, and the counts.

    See :func:`score`. A tie is exact equality of the two sides' USD; in
    practice a bar where both are 0.
    """
    pred = np.sign(pred_long - pred_short)  # 1 long, -1 short, 0 tie
    real = np.sign(real_long - real_short)
    decided = (pred != 0) & (real != 0)
    nan = float("nan")
    counts = {
        "bars": int(len(pred)),
        "predicted_ties": int((pred == 0).sum()),
        "realised_ties": int((real == 0).sum()),
        "decided_bars": int(decided.sum()),
        "match_decided": float((pred[decided] == real[decided]).mean()) if decided.any() else nan,
    }
    return (float((pred == real).mean()) if len(pred) else nan), counts


def by_month(predicted: Mapping[str, pd.DataFrame], realised: pd.DataFrame,
             split: pd.Timestamp | None = None) -> dict:
    """Headline scores of several predictors per calendar month (UTC) of the realised bars.

    A bar belongs to the month of its open. Per month (``"2025-10"``, ...)
    and predictor the layout of :func:`score` without reliability tables:
    ``bars``, ``long``/``short`` -> ``spearman``, ``pearson_log1p``, and
    ``dominant_side_match``. Shows whether a predictor's lead is stable or one month's luck.

    Parameters
    ----------
    split : Timestamp, optional
        First bar of the held-out period. When given, no row mixes training
        and held-out bars: rows are keyed ``"2025-12 train"`` / ``"2025-12 test"``,
        and the month that holds the split appears twice, once per part.
    """
    months = realised.index.strftime("%Y-%m")
    if split is not None:
        period = np.where(realised.index < pd.Timestamp(split), " train", " test")
        months = months + period
    months = pd.Index(months)
    order = sorted(months.unique(), key=lambda key: (key[:7], key.endswith("test")))
    return by_label(predicted, realised, months, order)


def by_label(predicted: Mapping[str, pd.DataFrame], realised: pd.DataFrame, labels, order=None) -> dict:
    """Headline scores of several predictors per label of the realised bars (see :func:`by_month`).

    Parameters
    ----------
    labels : array-like
        One label per row of ``realised`` (a month, a regime ...).
    order : sequence, optional
        Labels to report, in this order (those without a bar are skipped);
        default: the sorted labels present.
    """
    labels = pd.Index(labels)
    out = {}
    for label in (sorted(labels.unique()) if order is None else order):
        real = realised[labels == label]
        if not len(real):
            continue
        out[label] = {name: headline(pred.reindex(real.index), real) for name, pred in predicted.items()}
    return out


def headline(predicted: pd.DataFrame, realised: pd.DataFrame) -> dict:
    """:func:`score` without the reliability tables: ``bars``, per side Spearman and log-Pearson, dominant side."""
    s = score(predicted, realised)
    return {"bars": s["bars"], **{side: {m: s[side][m] for m in ("spearman", "pearson_log1p")} for side in SIDES},
            "dominant_side_match": s["dominant_side_match"]}


def scored_together(predicted: Mapping[str, pd.DataFrame], realised: pd.DataFrame
                    ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, int]:
    """Keep the bars of ``realised`` where every predictor has both sides, so all are scored on the same bars.

    The baseline has no value where the OI at the bar's open is unknown (e.g.
    the first hour of hourly OI known at each hour's end); scoring the others
    there would compare predictors on different bars.

    Returns
    -------
    tuple
        The predictors and the realised bars cut to those bars, and the
        number of bars left out (``no_prediction``).
    """
    compared = np.logical_and.reduce([pred.reindex(realised.index).notna().all(axis=1).to_numpy()
                                      for pred in predicted.values()])
    kept = {name: pred.reindex(realised.index)[compared] for name, pred in predicted.items()}
    return kept, realised[compared], int((~compared).sum())
