"""Static PNG of a heatmap: time across, price up, black-to-yellow intensity, price line over it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .figure import save_png
from .heatmap_view import HeatmapView

__all__ = ["write_heatmap_png", "usd_label"]


def usd_label(value: float, _pos=None) -> str:
    """``633M``, ``1.2B``, ``45k``: a colour-bar tick in USD."""
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{unit}"
    return f"{value:.3g}"


def write_heatmap_png(view: HeatmapView, path: str | Path, *, side: str = "both", scale: str = "absolute",
                      width_px: int = 1600, height_px: int = 900, fills=None) -> Path:
    """Render ``view`` to ``path``.

    Parameters
    ----------
    side : {"both", "long", "short"}
        Which positions to show (longs rest below price, shorts above).
    scale : {"absolute", "relative"}
        ``absolute``: USD resting per band, one colour scale for the whole picture;
        ``relative``: each band's share of its column's total, so a quiet day's bands
        show as clearly as a busy day's.
    fills : DataFrame, optional
        Trades to mark over the map: ``time`` (UTC), ``price``, ``side``
        ("buy"/"sell") and ``reason`` (liquidations are drawn as crosses).

    Colours follow the square root of the value (a power norm), capped at its
    99.5th percentile so that a few huge bands do not hide the rest; the colour
    bar is labelled in USD (or in share of the column).
    """
    if scale not in ("absolute", "relative"):
        from ..errors import ConfigError

        raise ConfigError(f"heatmap picture scale: expected 'absolute' or 'relative', found {scale!r}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.colors import PowerNorm
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    view = view.downsample(max_times=min(1200, width_px), max_bins=min(500, height_px))
    usd = np.maximum({"both": view.long + view.short, "long": view.long, "short": view.short}[side], 0.0)
    if scale == "relative":
        totals = usd.sum(axis=1, keepdims=True)
        usd = np.divide(usd, totals, out=np.zeros_like(usd), where=totals > 0)
    top = float(np.percentile(usd[usd > 0], 99.5)) if (usd > 0).any() else 1.0
    lo, hi = view.price_range()

    fig, ax = plt.subplots(figsize=(width_px / 100, height_px / 100), dpi=100, facecolor="black")
    ax.set_facecolor("black")
    x = mdates.date2num(view.times.tz_convert(None).to_pydatetime())
    if len(x) > 1:
        x_edges = np.concatenate([[x[0] - (x[1] - x[0])], x])
    else:
        x_edges = np.array([x[0] - 1 / 24, x[0]])
    mesh = ax.pcolormesh(x_edges, view.bin_edges, usd.T, cmap="inferno", norm=PowerNorm(0.5, vmin=0.0, vmax=top),
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
    # the x values are matplotlib date numbers: without a date locator the axis would print day counts
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=True))
    for spine in ax.spines.values():
        spine.set_color("#666")
    ax.tick_params(colors="#ccc")
    ax.set_ylabel("price (USD)", color="#ccc")
    what = {"both": "long + short", "long": "longs", "short": "shorts"}[side]
    title = f"{view.name}: predicted liquidation levels ({what}, {scale} scale)"
    ax.set_title(title + (f"\n{view.subtitle}" if view.subtitle else ""), color="#eee", fontsize=11)
    bar = fig.colorbar(mesh, ax=ax, pad=0.01)
    if scale == "relative":
        bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
        bar.set_label("share of the column's resting USD", color="#ccc")
    else:
        bar.ax.yaxis.set_major_formatter(FuncFormatter(usd_label))
        bar.set_label(f"USD resting per band (capped at {usd_label(top)})", color="#ccc")
    bar.ax.tick_params(colors="#ccc")
    fig.tight_layout()
    return save_png(fig, path, facecolor="black")
