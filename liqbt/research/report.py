"""Sweep outputs: the result table (Parquet), walk-forward table, deflated Sharpe and an HTML report."""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..backtest import run_backtest
from ..backtest.stats import json_safe
from ..config.files import write_atomic
from ..evaluation import NO_LEVELS_NOTE, reads_levels
from ..plots.figure import save_png
from ..report.html import image_tag, page, table, write_page
from .contexts import override_context
from .runner import SweepOutcome
from .sweep import evaluate_combos, split_overrides, windows
from .walkforward import deflated_sharpe_ratio

__all__ = ["write_sweep_outputs", "selected_returns", "param_map_figure", "tick_label", "integer_counts",
           "MAX_GRID_VALUES", "COUNT_COLUMNS"]


def selected_returns(loaded, market, params: dict) -> pd.Series:
    """Per-bar returns (funding and fees included) of one parameter set over the whole period."""
    config = loaded.config
    overrides, strategy_params = split_overrides(params)
    ctx, backtest = override_context(config, market, overrides, loaded.base_dir)
    strategy = config.strategy.strategy_class(loaded.base_dir)(**{**config.strategy.params, **strategy_params})
    returns = run_backtest(market, strategy.signals(ctx), backtest).returns()
    return returns.iloc[:, 0] if isinstance(returns, pd.DataFrame) else returns


def placebo_distribution(loaded, market, outcome: SweepOutcome) -> tuple[pd.DataFrame, str | None]:
    """The test-window metric of each split's chosen parameter set, beside its placebo runs.

    The placebo is the same strategy and parameters on a context with placebo levels (clusters
    at random distances drawn from the real ones seen so far;
    :meth:`~liqbt.strategy.StrategyContext.with_levels`), one run per seed
    (``evaluation.placebo_seeds``): any strategy that reads levels through the context has one.

    Returns
    -------
    table : DataFrame
        One row per split; empty without splits, seeds, or levels read.
    note : str or None
        Why there is no table when the strategy reads no levels through the context.
    """
    config = loaded.config
    cls = config.strategy.strategy_class(loaded.base_dir)
    seeds = config.evaluation.placebo_seeds
    wf = outcome.walk_forward
    if seeds == 0 or wf.empty:
        return pd.DataFrame(), None
    metric = config.sweep.metric
    test_windows = {w.name: w for w in windows(len(market), config.evaluation.walk_forward)}
    rows = []
    for _, split in wf.iterrows():
        params = {n: split[n] for n in outcome.param_names}
        params = {k: (v.item() if hasattr(v, "item") else v) for k, v in params.items()}
        overrides, strategy_params = split_overrides(params)
        ctx, backtest = override_context(config, market, overrides, loaded.base_dir)
        base = {**config.strategy.params, **strategy_params}
        if not reads_levels(cls(**base), ctx):
            return pd.DataFrame(), NO_LEVELS_NOTE
        window = test_windows[f"test_{int(split['split'])}"]
        metrics = [m[metric] for s in range(seeds)
                   for _, _, m in evaluate_combos(market, ctx.with_levels("placebo", s), cls, [params], [base],
                                                  backtest, [window])]
        values = np.asarray(metrics, dtype=float)
        rows.append({"split": int(split["split"]), "chosen_test": float(split["test"]),
                     "placebo_mean": float(np.nanmean(values)), "placebo_min": float(np.nanmin(values)),
                     "placebo_max": float(np.nanmax(values)),
                     "share_of_placebos_beaten": float(np.mean(values < split["test"]))})
    return pd.DataFrame(rows), None


#: Metric columns that count things (the results store keeps every metric as a JSON float).
COUNT_COLUMNS = ("trades",)


def integer_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its :data:`COUNT_COLUMNS` as integers (``Int64``, missing stays missing): 66, not 66.0."""
    out = frame.copy()
    for name in COUNT_COLUMNS:
        if name in out and pd.api.types.is_float_dtype(out[name]):
            values = out[name]
            if (values.dropna() == values.dropna().round()).all():
                out[name] = values.astype("Int64")
    return out


def _best(frame: pd.DataFrame, metric: str) -> pd.Series:
    scores = frame[metric].astype(float)
    return frame.loc[scores.idxmin() if metric == "max_drawdown" else scores.idxmax()]


#: At most this many distinct values of a parameter are drawn as a grid of cells (one tick each); a
#: parameter with more (random or Optuna draws) is drawn on a numeric axis with round ticks.
MAX_GRID_VALUES = 12


def tick_label(value) -> str:
    """A short tick label: ``3`` for 3.0, ``0.3`` for 0.30000000000000004, 4 significant digits at most."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.4g}"


def _numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _axis(ax, which: str, values: pd.Series, name: str, log: bool) -> np.ndarray:
    """Positions of ``values`` on one axis of a parameter map, with its label, scale and ticks.

    A numeric parameter keeps its numeric axis (matplotlib's round ticks; log scale when its sweep range is
    ``log``); any other one is categorical, one labelled tick per value.
    """
    set_label = ax.set_xlabel if which == "x" else ax.set_ylabel
    set_label(name + (" (log scale)" if log else ""))
    if _numeric(values):
        if log and (values > 0).all():
            from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

            (ax.set_xscale if which == "x" else ax.set_yscale)("log")
            axis = ax.xaxis if which == "x" else ax.yaxis
            # 1, 2, 5, 10, 20 ... written out (matplotlib's default is 10^0, 10^1 only)
            axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            axis.set_major_formatter(FuncFormatter(lambda v, _: tick_label(v)))
            axis.set_minor_formatter(NullFormatter())
        return values.to_numpy(dtype=float)
    categories = sorted(values.astype(str).unique())
    codes = values.astype(str).map({c: i for i, c in enumerate(categories)}).to_numpy(dtype=float)
    (ax.set_xticks if which == "x" else ax.set_yticks)(range(len(categories)), categories)
    return codes


def param_map_figure(results: pd.DataFrame, names: list[str], metric: str, log: frozenset = frozenset()):
    """The figure of ``sweep_params.png``: ``metric`` over the whole period against the swept parameters.

    One varying parameter: a line (numeric axis) or points per value. Two or more (the first two are
    drawn, the metric averaged over the others): a grid of cells when each has at most
    :data:`MAX_GRID_VALUES` values (ticks :func:`tick_label`), else a scatter on numeric axes coloured by
    the metric (random and Optuna sweeps draw hundreds of distinct floats). ``log`` names the parameters
    whose sweep range is ``log: true``. None when no parameter varies.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    full = results[results["window"] == "all"]
    varying = [n for n in names if full[n].nunique() > 1]
    if not varying:
        return None
    fig, ax = plt.subplots(figsize=(8, 5))
    label = f"{metric} (mean over other parameters)"
    if len(varying) == 1:
        name = varying[0]
        series = full.groupby(name)[metric].mean()
        x = _axis(ax, "x", series.index.to_series(), name, name in log)
        ax.plot(x, series.to_numpy(dtype=float), marker="o" if len(series) <= 50 else None,
                markersize=4)
        ax.set_ylabel(metric)
    else:
        x, y = varying[:2]
        small = full[x].nunique() <= MAX_GRID_VALUES and full[y].nunique() <= MAX_GRID_VALUES
        if small:
            grid = full.pivot_table(index=y, columns=x, values=metric, aggfunc="mean")
            image = ax.imshow(grid.to_numpy(dtype=float), aspect="auto", origin="lower", cmap="viridis")
            ax.set_xticks(range(grid.shape[1]), [tick_label(v) for v in grid.columns],
                          rotation=45 if grid.shape[1] > 6 else 0)
            ax.set_yticks(range(grid.shape[0]), [tick_label(v) for v in grid.index])
            ax.set_xlabel(x)
            ax.set_ylabel(y)
        else:
            points = full.groupby([x, y], sort=False)[metric].mean().reset_index()
            px = _axis(ax, "x", points[x], x, x in log)
            py = _axis(ax, "y", points[y], y, y in log)
            image = ax.scatter(px, py, c=points[metric].to_numpy(dtype=float), cmap="viridis", s=18)
        fig.colorbar(image, ax=ax, label=label)
    ax.set_title(f"{metric} over the whole period")
    fig.tight_layout()
    return fig


def _param_heatmap(results: pd.DataFrame, names: list[str], metric: str, path: Path,
                   log: frozenset = frozenset()) -> Path | None:
    fig = param_map_figure(results, names, metric, log)
    return None if fig is None else save_png(fig, path, dpi=100)


def _is_oos_scatter(results: pd.DataFrame, names: list[str], metric: str, path: Path) -> Path | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = []
    for window in results["window"].unique():
        if not window.startswith("train_"):
            continue
        i = window.split("_")[1]
        train = results[results["window"] == window].set_index(names)[metric]
        test = results[results["window"] == f"test_{i}"].set_index(names)[metric]
        joined = pd.concat([train.rename("train"), test.rename("test")], axis=1, join="inner")
        points.append(joined.assign(split=int(i)))
    if not points:
        return None
    data = pd.concat(points)
    fig, ax = plt.subplots(figsize=(6, 6))
    for split, part in data.groupby("split"):
        ax.scatter(part["train"], part["test"], s=10, alpha=0.6, label=f"split {split}")
    lim = np.nanpercentile(np.abs(data[["train", "test"]].to_numpy(dtype=float)), 99) or 1.0
    ax.plot([-lim, lim], [-lim, lim], color="#999", linewidth=0.8)
    ax.axhline(0, color="#ccc", linewidth=0.8)
    ax.axvline(0, color="#ccc", linewidth=0.8)
    ax.set_xlabel(f"in-sample {metric} (train)")
    ax.set_ylabel(f"out-of-sample {metric} (test)")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return save_png(fig, path, dpi=100)


def write_sweep_outputs(loaded, market, outcome: SweepOutcome, out: Path) -> dict[str, Path]:
    """``sweep_results.parquet``, ``walk_forward.csv``, ``sweep_summary.json`` and ``sweep_report.html``."""
    metric = loaded.config.sweep.metric
    names = outcome.param_names
    paths = {"results": out / "sweep_results.parquet", "walk_forward": out / "walk_forward.csv",
             "summary": out / "sweep_summary.json", "report": out / "sweep_report.html"}
    results = integer_counts(outcome.results.sort_values(names + ["window"]).reset_index(drop=True))
    write_atomic(paths["results"], results.to_parquet(index=False))
    write_atomic(paths["walk_forward"], outcome.walk_forward.to_csv(index=False))

    full = results[results["window"] == "all"]
    best = _best(full, metric)
    best_params = {n: (best[n].item() if hasattr(best[n], "item") else best[n]) for n in names}
    periods = pd.Timedelta("365D") / market.bar_size
    dsr = deflated_sharpe_ratio(selected_returns(loaded, market, best_params).to_numpy(),
                                full["sharpe_ratio"].to_numpy(dtype=float) / np.sqrt(periods))
    wf = outcome.walk_forward
    placebo, placebo_note = placebo_distribution(loaded, market, outcome)
    if len(placebo):
        paths["placebo"] = out / "placebo.csv"
        write_atomic(paths["placebo"], placebo.to_csv(index=False))
    summary = {
        "parameter_sets": int(len(full)), "metric": metric, "best_whole_period": best_params,
        "best_whole_period_metric": float(best[metric]), "deflated_sharpe": dsr,
        "walk_forward": {"splits": int(len(wf)),
                         "mean_train": float(wf["train"].mean()) if len(wf) else None,
                         "mean_test": float(wf["test"].mean()) if len(wf) else None,
                         "mean_test_median_all": float(wf["test_median_all"].mean()) if len(wf) else None},
        "placebo": placebo.to_dict("records"), "placebo_note": placebo_note,
        "store": str(outcome.store), "experiment_id": outcome.experiment_id,
    }
    summary, _ = json_safe(summary)  # NaN / infinity as null: strict JSON
    write_atomic(paths["summary"], json.dumps(summary, indent=2, default=str, allow_nan=False))

    images = {}
    log = frozenset(n for n, spec in loaded.config.sweep.params.items() if getattr(spec, "log", False))
    heat = _param_heatmap(results, names, metric, out / "sweep_params.png", log)
    if heat:
        images["Parameter map"] = heat
    scatter = _is_oos_scatter(results, names, metric, out / "sweep_is_oos.png")
    if scatter:
        images["In-sample against out-of-sample"] = scatter
    dsr_text = (f"<p>Best of {dsr['n_trials']} parameter sets over the whole period: Sharpe per bar "
                f"{dsr['sharpe']:.4f} against {dsr['benchmark_sharpe']:.4f} expected from the best of as many "
                f"skill-less trials; deflated Sharpe ratio (probability of a real edge) <b>{dsr['dsr']:.3f}</b>.</p>")
    sections = [("Deflated Sharpe ratio", dsr_text),
                ("Walk-forward: chosen on train, scored on test",
                 table(wf, index=False) if len(wf) else "<p>No walk-forward splits.</p>")]
    if len(placebo):
        sections.append((f"Chosen sets against {loaded.config.evaluation.placebo_seeds} placebo runs on each test "
                         "window", table(placebo, index=False) + '<p class="note">Placebo: the same strategy and '
                         "parameters on clusters at random distances drawn from the real ones seen so far.</p>"))
    elif placebo_note:
        sections.append(("Placebo runs", f'<p class="note">{html.escape(placebo_note)}</p>'))
    sections += [(title, image_tag(p, title)) for title, p in images.items()]
    top = full.sort_values(metric, ascending=(metric == "max_drawdown")).head(50)
    sections.append((f"Top parameter sets by {metric} (whole period)", table(top.drop(columns="window"), index=False)))
    write_page(paths["report"], page(f"liqbt sweep: {loaded.config.name or loaded.path.stem}", sections))
    return paths
