"""Equity and drawdown of a backtest column as a PNG."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .figure import save_png

__all__ = ["write_equity_png"]


def write_equity_png(value: pd.Series, path: str | Path, *, benchmark: pd.Series | None = None,
                     title: str = "equity") -> Path:
    """Equity (USD) on top, drawdown (% of the peak) below; ``benchmark`` drawn dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drawdown = value / value.cummax() - 1.0
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.plot(value.index, value.to_numpy(), color="#1f77b4", linewidth=1.2, label="strategy")
    if benchmark is not None:
        top.plot(benchmark.index, benchmark.to_numpy(), color="#888", linewidth=1.0, linestyle="--",
                 label="buy and hold")
    top.set_ylabel("value (USD)")
    top.set_title(title)
    top.legend(loc="upper left")
    top.grid(alpha=0.3)
    bottom.fill_between(drawdown.index, 100 * drawdown.to_numpy(), 0.0, color="#d62728", alpha=0.5)
    bottom.set_ylabel("drawdown (%)")
    bottom.grid(alpha=0.3)
    fig.tight_layout()
    return save_png(fig, path, dpi=100)
