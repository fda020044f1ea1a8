"""Interactive, self-contained HTML heatmap: one file, no network, no script from outside.

What the page shows (``liqbt heatmap`` writes it; ``report.html`` embeds it with the run's trades):
OHLC candles over the map, a colour bar in USD per band (absolute) or share of the column's USD
(relative), a threshold slider that hides weak bands, zoom and pan in time and price (wheel, drag,
buttons; the price axis follows the candles in view until the user zooms or drags it, reset gives it
back) with an overview strip below, a crosshair tooltip (time, price band, long / short USD,
cumulative USD between the band and the price), window and side switches, trades as markers with
their PnL in the tooltip.

Level of detail: each map is embedded at a few resolutions (a coarse level of at most 600 snapshots
x 300 bins, then finer ones up to the full grid, within a size budget); the page draws the finest
level whose visible part still fits the canvas, so zooming in shows every snapshot and every bin.
Only the bins that the price range can show are embedded (the price path with a margin, as the
PNG); each side of each column keeps only its span of non-zero bins, as 16-bit log codes (0.04 %).

Why hand-written canvas and not a charting library (Apache ECharts, Plotly, uPlot were weighed): the
map is a raster of up to millions of cells on non-uniform (log) price bands, with candles on the same
price axis. ECharts documents that a heatmap on a cartesian grid needs two category axes (so no value
axis shared with the candles, and one shape per cell); Plotly draws a heatmap trace at the one
resolution it is given. Both add 1-3.5 MB of minified script to every page, and the level-of-detail
switch and the cumulative-USD tooltip would still be custom code. Here one ``ImageData`` per frame samples
the level in view once per pixel, so any zoom draws in milliseconds; the script (about 340 lines,
``assets/heatmap.js``, shipped as package data) is inlined, so the page needs no network.

Size: a 77-day BTCUSDT 5m run with hourly snapshots (1,858 snapshots x 2,000 bins, of which 673 in the
price range) makes a page of 8.9 MB for its two maps (30d and 3d): per map 3.6 MB of levels and
0.8 MB of candles (configs/btc_5m_vendor_oi.yaml with ``snapshot_every: 1h`` and those two maps under
``heatmaps:``, through ``liqbt heatmap``). A year of hourly snapshots keeps every bin in range but
every other snapshot in its finest level (``MAX_CELLS``): 14 MB for one map with its candles.
"""

from __future__ import annotations

import base64
from importlib import resources
from pathlib import Path
from string import Template

import numpy as np
import pandas as pd

from ..report.html import script_json, text, write_page
from .heatmap_view import PRICE_MARGIN, HeatmapView, merge_candles

__all__ = ["write_heatmap_html", "heatmap_html", "levels_of_detail", "LEVELS", "MAX_CELLS"]

#: (max snapshots, max bins) of the embedded levels, coarse to fine; ``None`` is the full grid.
LEVELS = ((600, 300), (2400, 1000), (None, None))
#: Cells (snapshot x bin) a view embeds over all its levels, so a long run stays a sane file: beyond it
#: the finest level keeps fewer snapshots. A cell costs about 2.7 bytes of page (a 16-bit code per side
#: with a non-zero span there, base64), so at most about 11 MB per map.
MAX_CELLS = 4_000_000
#: Candles embedded per view (merged, never losing a wick, beyond this).
MAX_CANDLES = 120_000


def _ms(index) -> list[int]:
    """Epoch milliseconds (whatever the index's unit: pandas 3 infers microseconds)."""
    return pd.DatetimeIndex(index).as_unit("ms").asi8.tolist()


def _b64(values, dtype) -> str:
    return base64.b64encode(np.ascontiguousarray(values, dtype=dtype).tobytes()).decode("ascii")


def _crop(view: HeatmapView) -> HeatmapView:
    """Only the bins the display range can show (plus one either side)."""
    lo, hi = view.price_range()
    edges = np.asarray(view.bin_edges, dtype=np.float64)
    first = max(0, int(np.searchsorted(edges, lo, side="right")) - 2)
    last = min(len(edges) - 1, int(np.searchsorted(edges, hi, side="left")) + 1)
    if last - first < 1:
        return view
    cut = slice(first, last)
    return HeatmapView(**{**view.__dict__, "bin_edges": edges[first:last + 1],
                          "long": np.asarray(view.long)[:, cut], "short": np.asarray(view.short)[:, cut]})


def _side(matrix: np.ndarray) -> dict:
    """One side of a level: per column the first non-zero bin and the count, then those cells' USD as
    16-bit codes on a log scale (``USD = exp(lmin + (code - 1) * step)``, 0 for none): at most 0.07 % apart
    (20 decades of USD over 65,534 codes), a quarter of float64's size; a long's zero half above the price
    costs nothing."""
    matrix = np.clip(np.nan_to_num(np.asarray(matrix, dtype=np.float64)), 0.0, None)
    nonzero = matrix > 0
    any_ = nonzero.any(axis=1)
    first = np.where(any_, nonzero.argmax(axis=1), 0)
    count = np.where(any_, matrix.shape[1] - nonzero[:, ::-1].argmax(axis=1) - first, 0)
    cols = np.arange(matrix.shape[1])
    values = matrix[(cols >= first[:, None]) & (cols < (first + count)[:, None])]  # row by row, in order
    positive = values[values > 0]
    lmax = float(np.log(positive.max())) if len(positive) else 0.0
    lmin = max(float(np.log(positive.min())), lmax - 46.0) if len(positive) else 0.0  # 20 decades below the top
    step = (lmax - lmin) / 65534 or 1.0
    with np.errstate(divide="ignore"):
        codes = np.where(values > 0, np.rint((np.log(values) - lmin) / step) + 1, 0)
    return {"span": _b64(np.column_stack([first, count]).ravel(), "<i4"),
            "q": _b64(np.clip(codes, 0, 65535), "<u2"), "lmin": lmin, "step": step}


def _level(view: HeatmapView) -> dict:
    return {"t": _ms(view.times), "edges": [float(e) for e in view.bin_edges],
            "long": _side(view.long), "short": _side(view.short)}


def levels_of_detail(view: HeatmapView, max_cells: int = MAX_CELLS) -> list[dict]:
    """The levels a page embeds for ``view``, coarse to fine (as the page's JSON holds them).

    The coarsest always; then the finest, all of the grid's bins in the price range and as many
    snapshots as ``max_cells`` leaves room for (every one unless the run is long); then the ones
    between, only where they still fit: the budget goes to detail first.
    """
    view = _crop(view)
    full = (len(view.times), len(view.bin_edges) - 1)
    shapes = [(min(full[0], t or full[0]), min(full[1], b or full[1])) for t, b in LEVELS]
    chosen = [view.downsample(max_times=shapes[0][0], max_bins=shapes[0][1])]
    used = len(chosen[0].times) * (len(chosen[0].bin_edges) - 1)
    for n_times, n_bins in [shapes[-1], *shapes[-2:0:-1]]:  # the finest first, then finer to coarser
        n_times = min(n_times, (max_cells - used) // n_bins)
        if n_times <= len(chosen[0].times):
            continue
        level = view.downsample(max_times=n_times, max_bins=n_bins)
        shape = (len(level.times), len(level.bin_edges) - 1)
        if all(shape != (len(c.times), len(c.bin_edges) - 1) for c in chosen):
            chosen.append(level)
            used += shape[0] * shape[1]
    chosen.sort(key=lambda c: len(c.times) * (len(c.bin_edges) - 1))
    return [_level(c) for c in chosen]


def _candles(view: HeatmapView) -> dict | None:
    if view.candles is None or not len(view.candles):
        return None
    candles, size = merge_candles(view.candles, view.candle_span(), MAX_CANDLES)
    ohlc = candles[["open", "high", "low", "close"]].to_numpy(dtype=np.float64)  # float32: 7 digits, enough to draw
    return {"t": _ms(candles.index),
            "ms": max(1, int(pd.Timedelta(size) // pd.Timedelta(milliseconds=1))),
            "ohlc": _b64(ohlc.ravel(), "<f4")}


def _trades(trades: pd.DataFrame | None) -> list[dict]:
    if trades is None or not len(trades):
        return []

    def ms(value):
        return int(pd.Timestamp(value).value // 1_000_000)  # .value is nanoseconds whatever the unit

    def num(row, key):
        value = row.get(key)
        return None if value is None or pd.isna(value) else float(value)

    out = []
    for row in trades.to_dict("records"):
        out.append({"n": int(row.get("trade", len(out) + 1)), "side": str(row.get("side", "")),
                    "t0": ms(row["entry_time"]), "p0": num(row, "entry_price"),
                    "t1": ms(row["exit_time"]), "p1": num(row, "exit_price"),
                    "size": num(row, "notional_usd"), "net": num(row, "net_pnl_usd"),
                    "price": num(row, "pnl_price_usd"), "funding": num(row, "pnl_funding_usd"),
                    "fees": num(row, "pnl_fees_usd"), "reason": str(row.get("exit_reason", ""))})
    return out


def _encode(view: HeatmapView, max_cells: int) -> dict:
    lo, hi = view.price_range()
    candles = _candles(view)
    # with candles the price line only draws the overview strip: a few thousand points are enough
    stride = max(1, len(view.price) // 4000) if candles else 1
    return {"name": view.name, "subtitle": view.subtitle, "levels": levels_of_detail(view, max_cells),
            "pt": _ms(view.price_times[::stride]), "p": [round(float(p), 8) for p in view.price[::stride]],
            "candles": candles, "lo": lo, "hi": hi, "margin": list(PRICE_MARGIN)}


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>$title</title>
<style>$css</style>
</head>
<body>
<h1>$title</h1>
$widget
<script type="application/json" id="liqbt-heatmap-data">$data</script>
<script>$js</script>
</body>
</html>
""")

_WIDGET = """<div class="lq">
<div class="bar">
  <div class="group" id="views"></div>
  <div class="group" id="sides"><button data-side="both" class="on">both</button><button data-side="long">long</button><button data-side="short">short</button></div>
  <div class="group" id="scales"><button data-scale="absolute" class="on">USD</button><button data-scale="relative">share of column</button></div>
  <label class="thr">threshold <input type="range" id="threshold" min="0" max="100" value="0" step="1"> <span id="thrlabel">off</span></label>
  <div class="group" id="zoom"><button data-zoom="in" title="zoom in">+</button><button data-zoom="out" title="zoom out">&minus;</button><button data-zoom="reset" title="whole map">reset</button></div>
</div>
<div id="subtitle" class="note"></div>
<div id="wrap" class="row"><canvas id="map" width="1180" height="560"></canvas><canvas id="cbar" width="90" height="560"></canvas><div id="tip"></div></div>
<div class="row"><canvas id="overview" width="1180" height="70"></canvas><div class="side"></div></div>
<div class="note">Predicted resting liquidations by price band, as known at each time (point in time): longs rest
below price, shorts above. Wheel: zoom time (the price axis follows the candles in view; shift or over the axis: zoom price, which then
stays until reset); drag: pan; drag in the strip below: choose the time range.
The threshold hides bands weaker than its share of the colour scale. <span id="lod"></span></div>
</div>"""


def heatmap_html(views: list[HeatmapView], title: str = "liqbt liquidation heatmap", *,
                 trades: pd.DataFrame | None = None, max_cells: int = MAX_CELLS) -> str:
    """The page as a string.

    Parameters
    ----------
    views : list of HeatmapView
        One per named heatmap (the window switch), in order.
    title : str
        Escaped (it comes from the config), as are the view names and subtitles.
    trades : DataFrame, optional
        One row per trade (:data:`liqbt.backtest.trades.TRADE_COLUMNS`), drawn as markers with
        their PnL in the tooltip.
    max_cells : int, default MAX_CELLS
        Cells each view embeds over all its levels of detail.
    """
    if not views:
        raise ValueError("no heatmap to draw")
    payload = {"views": [_encode(v, max_cells) for v in views], "trades": _trades(trades)}
    return _PAGE.substitute(title=text(title), css=_asset("heatmap.css"), widget=_WIDGET,
                            data=script_json(payload, separators=(",", ":")), js=_asset("heatmap.js"))


def write_heatmap_html(views: list[HeatmapView], path: str | Path, title: str = "liqbt liquidation heatmap", *,
                       trades: pd.DataFrame | None = None, max_cells: int = MAX_CELLS) -> Path:
    """Write :func:`heatmap_html` to ``path``."""
    return write_page(Path(path), heatmap_html(views, title, trades=trades, max_cells=max_cells))
