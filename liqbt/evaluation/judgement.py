"""Judge a strategy out of its placebo distribution, per regime and per period.

:func:`compare_to_baselines` gives one number per variant over the whole run. A
quant judging a strategy over a year also asks: does it stand out of the
*distribution* of its placebos (not just their mean), and does what it earns
come from one regime or one quarter? :func:`judge` answers both from the same
backtests (:func:`~liqbt.evaluation.baselines.baseline_runs`), with the costs of
the config.

Per-label and per-period figures compound the variant's own bar returns inside
the bars of that label or period; a position open across a boundary counts in
both, each with its own bars, so nothing is re-simulated or cut.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..backtest import BacktestConfig, BacktestResult
from ..calibration.regimes import regime_labels
from ..data.market import Market
from ..errors import ConfigError
from ..strategy import Strategy, StrategyContext
from .baselines import baseline_runs, compare_to_baselines_from_runs

__all__ = ["Judgement", "judge", "placebo_test", "compound_by", "daily_regimes"]


@dataclass(frozen=True)
class Judgement:
    """What :func:`judge` found.

    Attributes
    ----------
    summary : DataFrame
        The :func:`compare_to_baselines` table of the same runs.
    returns : DataFrame
        Bar returns (fraction) of every variant, one column per row label of ``summary``.
    placebo : dict
        :func:`placebo_test` of the heatmap variant against the placebo seeds.
    by_label : DataFrame
        Compounded return per label (rows) and variant (columns), with ``bars``; empty without labels.
    by_period : DataFrame
        The same per calendar period (``period``), with ``bars``.
    benchmark : BacktestResult
        The buy-and-hold run of the ``buy_and_hold`` row (same costs and leverage).
    """

    summary: pd.DataFrame
    returns: pd.DataFrame
    placebo: dict
    by_label: pd.DataFrame
    by_period: pd.DataFrame
    benchmark: BacktestResult


def placebo_test(value: float, placebo: Iterable[float]) -> dict:
    """Where ``value`` stands in the placebo distribution.

    ``p_value`` is the permutation p-value ``(1 + #{placebo >= value}) / (n + 1)``: with 19
    placebos, a strategy above all of them gets 0.05, one in the middle about 0.5. NaN placebos
    (a seed that never traded has a NaN Sharpe) are left out and counted.
    """
    values = np.asarray(list(placebo), dtype=np.float64)
    finite = values[np.isfinite(values)]
    n = len(finite)
    if not np.isfinite(value) or n == 0:
        return {"value": float(value), "n": n, "n_nan": int(len(values) - n), "p_value": float("nan"),
                "rank_pct": float("nan"), "median": float("nan"), "q05": float("nan"), "q95": float("nan")}
    return {"value": float(value), "n": n, "n_nan": int(len(values) - n),
            "p_value": float((1 + (finite >= value).sum()) / (n + 1)),
            "rank_pct": float((finite < value).mean()),
            "median": float(np.median(finite)), "q05": float(np.quantile(finite, 0.05)),
            "q95": float(np.quantile(finite, 0.95))}


def compound_by(returns: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
    """Compounded return of every column inside each value of ``keys`` (aligned to ``returns``), and ``bars``."""
    if not keys.index.equals(returns.index):
        raise ConfigError("labels must be indexed like the market's bars; "
                          f"found {len(keys)} labels for {len(returns)} bars")
    growth = np.log1p(returns.fillna(0.0)).groupby(keys.to_numpy()).sum()
    table = np.expm1(growth)
    table.insert(0, "bars", keys.groupby(keys.to_numpy()).size().reindex(table.index).astype(np.int64))
    return table


def judge(strategy: Strategy, ctx: StrategyContext, config: BacktestConfig | None = None, *,
          seeds: Iterable[int] = range(20), labels: pd.Series | None = None, period: str | None = "Q") -> Judgement:
    """Backtest ``strategy`` beside its placebos, plain-S/R twin and buy-and-hold, and judge it.

    Parameters
    ----------
    strategy, ctx, config, seeds
        As :func:`~liqbt.evaluation.compare_to_baselines` (default 20 placebo seeds: a p-value
        of 0.05 needs at least 19).
    labels : Series, optional
        A label per bar of ``ctx.market`` (e.g. the market regime, known at the bar); the
        returns are compounded per label.
    period : str or None, default "Q"
        A pandas period frequency (``"Q"`` quarters, ``"M"`` months) for ``by_period``.
    """
    runs = baseline_runs(strategy, ctx, config, seeds)
    summary = compare_to_baselines_from_runs(runs, [int(s) for s in seeds])
    index = ctx.market.index
    returns = pd.DataFrame({label: np.asarray(run.returns(), dtype=np.float64)
                            for label, run in runs.items()}, index=index)
    placebo_cols = [c for c in returns.columns if c.startswith("placebo_")]
    placebo = {metric: placebo_test(summary.loc["heatmap", metric] if "heatmap" in summary.index else np.nan,
                                    summary.loc[placebo_cols, metric] if placebo_cols else [])
               for metric in ("total_return", "sharpe_ratio")}
    by_label = compound_by(returns, labels) if labels is not None else pd.DataFrame()
    if period is not None:
        periods = pd.Series(index.tz_convert("UTC").tz_localize(None).to_period(period).astype(str), index=index)
        by_period = compound_by(returns, periods)
    else:
        by_period = pd.DataFrame()
    return Judgement(summary=summary, returns=returns, placebo=placebo, by_label=by_label, by_period=by_period,
                     benchmark=runs["buy_and_hold"])


def daily_regimes(market: Market) -> pd.Series:
    """Each bar labelled with the regime of its UTC day (:func:`~liqbt.calibration.regime_labels`, defaults).

    A day is ``cascade`` when its range beats the 99th percentile of the trailing 90 days, else
    ``trend_up`` / ``trend_down`` / ``range`` by the 7-day return to its open (5 %), ``unlabelled``
    in the first week. The label uses the day's own range, known only at its end: it groups
    results after the fact and must never drive a trade.
    """
    day = pd.Timedelta(days=1)
    opens = market.index.floor(day)
    labels = regime_labels(market, pd.DatetimeIndex(opens.unique()), day)
    return pd.Series(labels.reindex(opens).to_numpy(), index=market.index, name="regime")
