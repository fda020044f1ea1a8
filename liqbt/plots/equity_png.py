"""Equity and drawdown of a backtest column as a PNG."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .figure import new_figure, save_png

__all__ = ["write_equity_png", "equity_figure", "plot_times"]


def plot_times(index: pd.Index):
    """``index`` as matplotlib draws it fastest: a UTC index as naive ``datetime64`` values.

    Matplotlib converts a tz-aware index one ``Timestamp`` at a time (~1 s for 26k bars); the naive values
    are the same instants in matplotlib's default UTC, so the picture is the same, byte for byte. Another
    time zone (or a matplotlib ``timezone`` setting other than UTC) leaves it as it is: matplotlib labels
    the axis in the data's zone.
    """
    import matplotlib

    if (isinstance(index, pd.DatetimeIndex) and index.tz is not None and str(index.tz) == "UTC"
            and matplotlib.rcParams["timezone"] == "UTC"):
        return index.tz_localize(None).to_numpy()
    return index


def equity_figure(value: pd.Series, *, benchmark: pd.Series | None = None, title: str = "equity",
                  benchmark_label: str = "buy and hold"):
    """The matplotlib figure of :func:`write_equity_png` (its first axes' lines: strategy, then benchmark)."""
    drawdown = value / value.cummax() - 1.0
    fig = new_figure(12, 6)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.plot(plot_times(value.index), value.to_numpy(), color="#1f77b4", linewidth=1.2, label="strategy")
    if benchmark is not None:
        # the benchmark is drawn as given (no rescaling): the caller passes the run its table reports
        top.plot(plot_times(benchmark.index), benchmark.to_numpy(), color="#888", linewidth=1.0, linestyle="--",
                 label=benchmark_label)
    top.set_ylabel("value (USD)")
    top.set_title(title)
    top.legend(loc="upper left")
    top.grid(alpha=0.3)
    bottom.fill_between(plot_times(drawdown.index), 100 * drawdown.to_numpy(), 0.0, color="#d62728", alpha=0.5)
    bottom.set_ylabel("drawdown (%)")
    bottom.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def write_equity_png(value: pd.Series, path: str | Path, *, benchmark: pd.Series | None = None,
                     title: str = "equity", benchmark_label: str = "buy and hold") -> Path:
    """Equity (USD) on top, drawdown (% of the peak) below; ``benchmark`` (USD, e.g. the buy-and-hold run of
    the baselines table) drawn dashed as it is, labelled ``benchmark_label``."""
    return save_png(equity_figure(value, benchmark=benchmark, title=title, benchmark_label=benchmark_label),
                    path, dpi=100)
