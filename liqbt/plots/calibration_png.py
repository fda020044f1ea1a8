"""Predicted against realised liquidations over a stretch of time, as a PNG (e.g. a cascade week)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .figure import new_figure, save_png

__all__ = ["write_calibration_png"]

_COLOURS = ("#ff7f0e", "#2ca02c", "#9467bd", "#8c564b")


def write_calibration_png(close: pd.Series, realised: pd.DataFrame, predicted: Mapping[str, pd.DataFrame],
                          path: str | Path, *, title: str = "predicted vs realised liquidations") -> Path:
    """Price on top; realised long and short liquidations (bars) with each predictor (lines) below.

    Parameters
    ----------
    close : Series
        Close price per candle (drawn as a line).
    realised : DataFrame
        Realised USD per bar, columns ``long`` and ``short``, indexed by bar open.
    predicted : mapping of str to DataFrame
        Each predictor's ``long`` / ``short`` on (a superset of) the realised index. For the
        picture only, each line is scaled so that its total over the drawn bars equals the
        realised total: the eye then compares shapes (what rank statistics score), not levels.
        The legend gives each scale.
    """
    import matplotlib.dates as mdates

    fig = new_figure(12, 8)
    axes = fig.subplots(3, 1, sharex=True, gridspec_kw={"height_ratios": [2, 2, 2]})
    axes[0].plot(close.index, close.to_numpy(), color="#222", linewidth=1.0)
    axes[0].set_ylabel("price (USD)")
    axes[0].set_title(title)
    width = (realised.index[1] - realised.index[0]) if len(realised) > 1 else pd.Timedelta(hours=1)
    centres = realised.index + width / 2
    for ax, side, colour in ((axes[1], "long", "#d62728"), (axes[2], "short", "#1f77b4")):
        real = realised[side]
        ax.bar(centres, real.to_numpy() / 1e6, width=width * 0.9, color=colour, alpha=0.45,
               label=f"realised {side}")
        for (name, frame), line_colour in zip(predicted.items(), _COLOURS):
            pred = frame[side].reindex(realised.index)
            total = float(np.nansum(pred.to_numpy()))
            scale = float(real.sum()) / total if total > 0 else 0.0
            ax.plot(centres, pred.to_numpy() * scale / 1e6, color=line_colour, linewidth=1.3,
                    label=f"{name} (x{scale:.3g})")
        ax.set_ylabel(f"{side} liquidations (M USD)")
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(alpha=0.3)
    axes[0].grid(alpha=0.3)
    axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d\n%H:%M"))
    fig.tight_layout()
    return save_png(fig, path, dpi=100)
