"""Static PNG of a heatmap: time across, price up, black-to-yellow intensity, price line over it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .figure import save_png
from .heatmap_view import HeatmapView

__all__ = ["write_heatmap_png"]


def write_heatmap_png(view: HeatmapView, path: str | Path, *, side: str = "both", width_px: int = 1600,
                      height_px: int = 900, fills=None) -> Path:
    """Render ``view`` to ``path``.

    Parameters
    ----------
    side : {"both", "long", "short"}
        Which positions to show (longs rest below price, shorts above).
    fills : DataFrame, optional
        Trades to mark over the map: ``time`` (UTC), ``price``, ``side``
        ("buy"/"sell") and ``reason`` (liquidations are drawn as crosses).

    Intensity is the square root of USD per band, scaled to the 99.5th
    percentile, so that a few huge bands do not hide the rest.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    view = view.downsample(max_times=min(1200, width_px), max_bins=min(500, height_px))
    usd = {"both": view.long + view.short, "long": view.long, "short": view.short}[side]
    intensity = np.sqrt(np.maximum(usd, 0.0))
    top = np.percentile(intensity[intensity > 0], 99.5) if (intensity > 0).any() else 1.0
    lo, hi = view.price_range()

    fig, ax = plt.subplots(figsize=(width_px / 100, height_px / 100), dpi=100, facecolor="black")
    ax.set_facecolor("black")
    x = mdates.date2num(view.times.tz_convert(None).to_pydatetime())
    if len(x) > 1:
        x_edges = np.concatenate([[x[0] - (x[1] - x[0])], x])
    else:
        x_edges = np.array([x[0] - 1 / 24, x[0]])
    mesh = ax.pcolormesh(x_edges, view.bin_edges, intensity.T, cmap="inferno", vmin=0.0, vmax=top,
                         shading="flat", rasterized=True)
    px = mdates.date2num(view.price_times.tz_convert(None).to_pydatetime())
    ax.plot(px, view.price, color="white", linewidth=0.9)
    if fills is not None and len(fills):
        fx = mdates.date2num(pd.DatetimeIndex(fills["time"]).tz_convert(None).to_pydatetime())
        buy = (fills["side"] == "buy").to_numpy()
        liq = (fills["reason"] == "liquidation").to_numpy()
        ax.scatter(fx[buy & ~liq], fills["price"][buy & ~liq], marker="^", s=28, color="#2ecc71", zorder=5,
                   label="buy")
        ax.scatter(fx[~buy & ~liq], fills["price"][~buy & ~liq], marker="v", s=28, color="#ff4d4d", zorder=5,
                   label="sell")
        if liq.any():
            ax.scatter(fx[liq], fills["price"][liq], marker="x", s=60, color="#00e5ff", zorder=6, label="liquidated")
        ax.legend(loc="upper left", facecolor="#222", labelcolor="#ddd", framealpha=0.8)
    ax.set_ylim(lo, hi)
    ax.set_xlim(x_edges[0], x_edges[-1])
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    for spine in ax.spines.values():
        spine.set_color("#666")
    ax.tick_params(colors="#ccc")
    ax.set_ylabel("price (USD)", color="#ccc")
    ax.set_title(f"{view.name}: predicted liquidation levels ({side}), sqrt(USD) intensity", color="#eee")
    bar = fig.colorbar(mesh, ax=ax, pad=0.01)
    bar.set_label("sqrt(USD resting)", color="#ccc")
    bar.ax.tick_params(colors="#ccc")
    fig.tight_layout()
    return save_png(fig, path, facecolor="black")
