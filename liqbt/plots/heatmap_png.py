"""Static PNG of a heatmap: time across, price up, black-to-yellow intensity, candles (or a price line) over it.

:func:`write_heatmap_png` draws one map; :func:`write_heatmap_panels` stacks several
(the pictures of docs/heatmap.md compare model options that way). Both draw through
:func:`draw_heatmap`, which fills one matplotlib axes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .figure import new_figure, save_png
from .heatmap_view import HeatmapView

__all__ = ["write_heatmap_png", "write_heatmap_panels", "draw_heatmap", "usd_label", "SCALES", "PRICE_STYLES",
           "CANDLE_UP", "CANDLE_DOWN"]

#: ``scale`` values: USD per band, or each band's share of its column.
SCALES = ("absolute", "relative")
#: ``price`` values: OHLC candles (merged when too many to draw), or a line through the closes.
PRICE_STYLES = ("candles", "line")
#: Candle colours (a rising and a falling bar), chosen to stay visible on the inferno map.
CANDLE_UP, CANDLE_DOWN = "#26d07c", "#ff4d6d"

#: At most this many candles per 100 px of axes width: thinner ones are a smear.
_CANDLES_PER_100PX = 25


def usd_label(value: float, _pos=None) -> str:
    """``633M``, ``1.2B``, ``45k``: a colour-bar tick in USD."""
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{unit}"
    return f"{value:.3g}"


def check_choices(scale: str, price: str, side: str = "both") -> None:
    """Refuse an unknown ``scale``, ``price`` or ``side`` with a :class:`~liqbt.errors.ConfigError` naming it."""
    from ..errors import ConfigError

    for what, value, allowed in (("scale", scale, SCALES), ("price", price, PRICE_STYLES),
                                 ("side", side, ("both", "long", "short"))):
        if value not in allowed:
            raise ConfigError(f"heatmap picture {what}: expected " + " or ".join(repr(a) for a in allowed)
                              + f", found {value!r}")


def write_heatmap_png(view: HeatmapView, path: str | Path, *, side: str = "both", scale: str = "absolute",
                      price: str = "candles", width_px: int = 1600, height_px: int = 900, fills=None) -> Path:
    """Render ``view`` to ``path``.

    Parameters
    ----------
    side : {"both", "long", "short"}
        Which positions to show (longs rest below price, shorts above).
    scale : {"absolute", "relative"}
        ``absolute``: USD resting per band, one colour scale for the whole picture;
        ``relative``: each band's share of its column's total, so a quiet day's bands
        show as clearly as a busy day's.
    price : {"candles", "line"}
        OHLC candles from ``view.candles`` (consecutive candles merged, first open,
        highest high, lowest low, last close, when there are more than about one per
        4 px), or a line through the closes. Without candles a line is drawn.
    fills : DataFrame, optional
        Trades to mark over the map: ``time`` (UTC), ``price``, ``side``
        ("buy"/"sell") and ``reason`` (liquidations are drawn as crosses).

    Colours follow the square root of the value (a power norm), capped at its
    99.5th percentile so that a few huge bands do not hide the rest; the colour
    bar is labelled in USD (or in share of the column).
    """
    check_choices(scale, price, side)
    fig = new_figure(width_px / 100, height_px / 100, facecolor="black")
    ax = fig.subplots()
    mesh, top = draw_heatmap(ax, view, side=side, scale=scale, price=price, width_px=width_px, height_px=height_px)
    if fills is not None and len(fills):
        _draw_fills(ax, fills)
    what = {"both": "long + short", "long": "longs", "short": "shorts"}[side]
    title = f"{view.name}: predicted liquidation levels ({what}, {scale} scale){_span(view)}"
    ax.set_title(title + (f"\n{view.subtitle}" if view.subtitle else ""), color="#eee", fontsize=11)
    _colour_bar(fig, mesh, ax, scale, top)
    fig.tight_layout()
    return save_png(fig, path, facecolor="black")


def write_heatmap_panels(views, path: str | Path, *, title: str = "", side: str = "both", scale="absolute",
                         price="candles", width_px: int = 1400, panel_height_px: int = 330) -> Path:
    """Several maps stacked on one time axis, each with its own title and USD colour bar.

    Parameters
    ----------
    views : sequence of HeatmapView
        One panel each, top to bottom; ``view.name`` is the panel's title (the
        option it shows), ``view.subtitle`` follows it in smaller type.
    title : str
        Above the whole figure.
    scale, price : str or sequence of str
        As in :func:`write_heatmap_png`; a sequence gives one per panel.

    Each panel has its own colour scale (capped at its own 99.5th percentile), so
    that a thin map (a short window) shows its structure; read the magnitudes on
    the colour bars.
    """
    views = list(views)
    scales = [scale] * len(views) if isinstance(scale, str) else list(scale)
    prices = [price] * len(views) if isinstance(price, str) else list(price)
    if not len(scales) == len(prices) == len(views):
        raise ValueError(f"{len(views)} views but {len(scales)} scales and {len(prices)} price styles")
    for one_scale, one_price in zip(scales, prices):
        check_choices(one_scale, one_price, side)
    height_px = panel_height_px * len(views) + (60 if title else 0)
    fig = new_figure(width_px / 100, height_px / 100, facecolor="black")
    axes = fig.subplots(len(views), 1, sharex=True, squeeze=False)
    for ax, view, one_scale, one_price in zip(axes[:, 0], views, scales, prices):
        mesh, top = draw_heatmap(ax, view, side=side, scale=one_scale, price=one_price, width_px=width_px,
                                 height_px=panel_height_px)
        ax.set_title(view.name + (f"  ·  {view.subtitle}" if view.subtitle else ""), color="#eee", fontsize=9.5,
                     loc="left")
        _colour_bar(fig, mesh, ax, one_scale, top, short=True)
    if title:
        fig.suptitle(title, color="#fff", fontsize=12)
    fig.tight_layout()
    return save_png(fig, path, facecolor="black")


def draw_heatmap(ax, view: HeatmapView, *, side: str = "both", scale: str = "absolute", price: str = "candles",
                 width_px: int = 1600, height_px: int = 900):
    """Fill ``ax`` with ``view``: the map, candles or the price line, a date axis and a price label.

    Returns
    -------
    mesh : QuadMesh
        The map (its array is what the colours show: USD, or shares in [0, 1]).
    top : float
        The colour scale's cap (the 99.5th percentile of the drawn values).
    """
    import matplotlib.dates as mdates
    from matplotlib.colors import PowerNorm

    check_choices(scale, price, side)
    max_candles = max(10, width_px * _CANDLES_PER_100PX // 100)
    lo, hi = view.price_range()
    # columns first (every bin kept) so a relative scale divides by the whole column, drawn or not
    view = view.downsample(max_times=min(1200, width_px), max_bins=len(view.bin_edges), max_candles=max_candles)
    totals = _side(view, side).sum(axis=1, keepdims=True)
    view = view.bins_between(lo, hi).downsample(max_times=len(view.times), max_bins=min(500, height_px),
                                                max_candles=max_candles)
    usd = _side(view, side)
    if scale == "relative":
        usd = np.divide(usd, totals, out=np.zeros_like(usd), where=totals > 0)
    top = float(np.percentile(usd[usd > 0], 99.5)) if (usd > 0).any() else 1.0

    ax.set_facecolor("black")
    x = _date_numbers(view.times)
    if len(x) > 1:
        x_edges = np.concatenate([[x[0] - (x[1] - x[0])], x])
    else:
        x_edges = np.array([x[0] - 1 / 24, x[0]])
    mesh = ax.pcolormesh(x_edges, view.bin_edges, usd.T, cmap="inferno", norm=PowerNorm(0.5, vmin=0.0, vmax=top),
                         shading="flat", rasterized=True)
    if price == "candles" and view.candles is not None and len(view.candles):
        draw_candles(ax, view.candles, view.candle_span())
    else:
        ax.plot(_date_numbers(view.price_times), view.price, color="white", linewidth=0.9, gid="price_line")
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
    return mesh, top


def draw_candles(ax, candles: pd.DataFrame, candle_size: pd.Timedelta) -> None:
    """OHLC candles: wicks (``gid="candle_wicks"``, low to high at the candle's middle) and bodies
    (``gid="candle_bodies"``, open to close, 70 % of the candle's width); rising green, falling red.

    ``candles`` is indexed by bar **open**; a candle spans ``[open, open + candle_size)``.
    """
    from matplotlib.collections import LineCollection, PolyCollection

    days = candle_size / pd.Timedelta(days=1)
    left = _date_numbers(candles.index)
    mid, half = left + days / 2, 0.35 * days
    o, h, l, c = (candles[k].to_numpy(dtype=np.float64) for k in ("open", "high", "low", "close"))
    colours = np.where(c >= o, CANDLE_UP, CANDLE_DOWN)
    wicks = np.stack([np.column_stack([mid, l]), np.column_stack([mid, h])], axis=1)
    ax.add_collection(LineCollection(wicks, colors=colours, linewidths=0.8, gid="candle_wicks", zorder=3))
    bottom, top = np.minimum(o, c), np.maximum(o, c)
    boxes = np.stack([np.column_stack([mid - half, bottom]), np.column_stack([mid + half, bottom]),
                      np.column_stack([mid + half, top]), np.column_stack([mid - half, top])], axis=1)
    ax.add_collection(PolyCollection(boxes, facecolors=colours, edgecolors=colours, linewidths=0.4,
                                     gid="candle_bodies", zorder=4))


def _span(view: HeatmapView) -> str:
    """``, 2025-12-05 01:00 → 2026-02-19 UTC``: when the first and last columns became known."""
    if not len(view.times):
        return ""
    first, last = (t.tz_convert("UTC") for t in (view.times[0], view.times[-1]))
    fmt = "%Y-%m-%d" if first.hour == first.minute == last.hour == last.minute == 0 else "%Y-%m-%d %H:%M"
    return f", {first:{fmt}} → {last:{fmt}} UTC"


def _side(view: HeatmapView, side: str) -> np.ndarray:
    return np.maximum({"both": view.long + view.short, "long": view.long, "short": view.short}[side], 0.0)


def _date_numbers(times) -> np.ndarray:
    import matplotlib.dates as mdates

    # datetime64[us], the values matplotlib makes of Python datetimes: the same numbers without a Python object
    # per time
    return mdates.date2num(pd.DatetimeIndex(times).tz_convert(None).to_numpy().astype("datetime64[us]"))


def _colour_bar(fig, mesh, ax, scale: str, top: float, short: bool = False) -> None:
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    bar = fig.colorbar(mesh, ax=ax, pad=0.01)
    if scale == "relative":
        bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
        bar.set_label("share of column" if short else "share of the column's resting USD", color="#ccc")
    else:
        bar.ax.yaxis.set_major_formatter(FuncFormatter(usd_label))
        bar.set_label(f"USD per band (cap {usd_label(top)})" if short
                      else f"USD resting per band (capped at {usd_label(top)})", color="#ccc")
    bar.ax.tick_params(colors="#ccc")


def _draw_fills(ax, fills) -> None:
    fx = _date_numbers(fills["time"])
    buy = (fills["side"] == "buy").to_numpy()
    liq = (fills["reason"] == "liquidation").to_numpy()
    ax.scatter(fx[buy & ~liq], fills["price"][buy & ~liq], marker="^", s=28, color="#2ecc71", zorder=5, label="buy")
    ax.scatter(fx[~buy & ~liq], fills["price"][~buy & ~liq], marker="v", s=28, color="#ff4d4d", zorder=5,
               label="sell")
    if liq.any():
        ax.scatter(fx[liq], fills["price"][liq], marker="x", s=60, color="#00e5ff", zorder=6, label="liquidated")
    ax.legend(loc="upper left", facecolor="#222", labelcolor="#ddd", framealpha=0.8)
