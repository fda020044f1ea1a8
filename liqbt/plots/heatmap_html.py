"""Interactive, self-contained HTML heatmap (one file, no network, no libraries).

Hover shows the time, the price band, long and short USD and the relative
intensity; buttons switch long / short / both, relative / absolute scale, and
between named heatmaps (e.g. a 30d context map and a 24h execution map).
"""

from __future__ import annotations

import base64
from pathlib import Path
from string import Template

import numpy as np

from ..report.html import script_json, text, write_page
from .heatmap_view import HeatmapView

__all__ = ["write_heatmap_html", "heatmap_html"]


def _encode(view: HeatmapView) -> dict:
    def b64(matrix) -> str:
        return base64.b64encode(np.ascontiguousarray(matrix, dtype="<f4").tobytes()).decode("ascii")

    lo, hi = view.price_range()
    return {
        "name": view.name,
        "t": (view.times.asi8 // 1_000_000).tolist(),
        "edges": [float(e) for e in view.bin_edges],
        "nT": len(view.times),
        "nB": len(view.bin_edges) - 1,
        "long": b64(view.long),
        "short": b64(view.short),
        "pt": (view.price_times.asi8 // 1_000_000).tolist(),
        "p": [round(float(p), 6) for p in view.price],
        "lo": lo,
        "hi": hi,
    }


_PAGE = Template(r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>$title</title>
<style>
  body { background:#111; color:#ddd; font:13px system-ui, sans-serif; margin:0; padding:12px; }
  h1 { font-size:16px; margin:0 0 8px; font-weight:600; }
  .bar { display:flex; gap:16px; align-items:center; margin-bottom:8px; flex-wrap:wrap; }
  .group button { background:#222; color:#ccc; border:1px solid #444; padding:3px 10px; cursor:pointer; }
  .group button.on { background:#c9a227; color:#000; border-color:#c9a227; }
  #wrap { position:relative; }
  canvas { display:block; background:#000; }
  #tip { position:absolute; pointer-events:none; background:rgba(20,20,20,.92); border:1px solid #555;
         padding:6px 8px; white-space:pre; font:12px ui-monospace, monospace; display:none; }
  .note { color:#888; margin-top:6px; }
</style>
</head>
<body>
<h1>$title</h1>
<div class="bar">
  <div class="group" id="views"></div>
  <div class="group" id="sides">
    <button data-side="both" class="on">both</button><button data-side="long">long</button><button data-side="short">short</button>
  </div>
  <div class="group" id="scales">
    <button data-scale="relative" class="on">relative</button><button data-scale="absolute">absolute</button>
  </div>
</div>
<div id="wrap"><canvas id="map" width="1200" height="620"></canvas><div id="tip"></div></div>
<div class="note">Predicted resting liquidations by price band, as known at each time (point in time).
Longs rest below price, shorts above. Relative: each time column scaled to its own maximum;
absolute: one scale for the whole map (square root of USD).</div>
<script>
"use strict";
const VIEWS = $views;
const LEFT = 78, RIGHT = 10, TOP = 8, BOTTOM = 28;
const canvas = document.getElementById("map"), ctx = canvas.getContext("2d"), tip = document.getElementById("tip");
const state = { view: 0, side: "both", scale: "relative" };

function decode(b64, n) {
  const bin = atob(b64), bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer, 0, n);
}
for (const v of VIEWS) { v.L = decode(v.long, v.nT * v.nB); v.S = decode(v.short, v.nT * v.nB); }

const STOPS = [[0, [0, 0, 4]], [0.25, [66, 10, 104]], [0.5, [147, 38, 103]], [0.75, [221, 81, 58]],
               [0.9, [252, 165, 10]], [1, [252, 255, 164]]];
const LUT = new Uint8Array(256 * 3);
for (let i = 0; i < 256; i++) {
  const x = i / 255; let k = 0;
  while (k < STOPS.length - 2 && x > STOPS[k + 1][0]) k++;
  const [x0, c0] = STOPS[k], [x1, c1] = STOPS[k + 1], f = (x - x0) / (x1 - x0);
  for (let j = 0; j < 3; j++) LUT[i * 3 + j] = Math.round(c0[j] + f * (c1[j] - c0[j]));
}

function value(v, ti, bi) {
  const i = ti * v.nB + bi;
  return state.side === "long" ? v.L[i] : state.side === "short" ? v.S[i] : v.L[i] + v.S[i];
}
function columnMax(v, ti) {
  let m = 0; for (let b = 0; b < v.nB; b++) m = Math.max(m, value(v, ti, b)); return m;
}
function globalTop(v) {
  const vals = [];
  for (let t = 0; t < v.nT; t++) for (let b = 0; b < v.nB; b++) { const x = value(v, t, b); if (x > 0) vals.push(Math.sqrt(x)); }
  if (!vals.length) return 1;
  vals.sort((a, b) => a - b); return vals[Math.floor(0.995 * (vals.length - 1))];
}
function bisect(arr, x) { let lo = 0, hi = arr.length - 1; while (lo < hi) { const m = (lo + hi + 1) >> 1; if (arr[m] <= x) lo = m; else hi = m - 1; } return lo; }

function geometry(v) {
  const w = canvas.width - LEFT - RIGHT, h = canvas.height - TOP - BOTTOM;
  // snapshot i is what was known from v.t[i] until the next one
  const t0 = v.t[0], t1 = v.t[v.nT - 1] + (v.nT > 1 ? v.t[1] - v.t[0] : 3600e3);
  return { w, h, t0, t1,
    x: (t) => LEFT + (t - t0) / (t1 - t0) * w,
    y: (p) => TOP + (v.hi - p) / (v.hi - v.lo) * h,
    time: (x) => t0 + (x - LEFT) / w * (t1 - t0),
    price: (y) => v.hi - (y - TOP) / h * (v.hi - v.lo) };
}

function column(v, time) {  // the latest snapshot known at `time`
  return time < v.t[0] ? -1 : bisect(v.t, time);
}

function draw() {
  const v = VIEWS[state.view], g = geometry(v);
  ctx.fillStyle = "#000"; ctx.fillRect(0, 0, canvas.width, canvas.height);
  const img = ctx.createImageData(g.w, g.h), top = globalTop(v);
  const maxes = new Float32Array(v.nT); for (let t = 0; t < v.nT; t++) maxes[t] = columnMax(v, t);
  const rowBin = new Int32Array(g.h);
  for (let y = 0; y < g.h; y++) {
    const p = g.price(y + TOP + 0.5);
    rowBin[y] = (p < v.edges[0] || p >= v.edges[v.nB]) ? -1 : Math.min(v.nB - 1, bisect(v.edges, p));
  }
  for (let x = 0; x < g.w; x++) {
    const ti = column(v, g.time(x + LEFT + 0.5));
    if (ti < 0) continue;
    for (let y = 0; y < g.h; y++) {
      const b = rowBin[y]; if (b < 0) continue;
      const val = value(v, ti, b);
      let f = state.scale === "relative" ? (maxes[ti] > 0 ? Math.sqrt(val / maxes[ti]) : 0) : Math.sqrt(val) / top;
      const c = Math.max(0, Math.min(255, Math.round(f * 255))), o = (y * g.w + x) * 4;
      img.data[o] = LUT[c * 3]; img.data[o + 1] = LUT[c * 3 + 1]; img.data[o + 2] = LUT[c * 3 + 2]; img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, LEFT, TOP);
  ctx.strokeStyle = "#fff"; ctx.lineWidth = 1.2; ctx.beginPath();
  let started = false;
  for (let i = 0; i < v.pt.length; i++) {
    if (v.pt[i] < g.t0 || v.pt[i] > g.t1) continue;
    const X = g.x(v.pt[i]), Y = g.y(v.p[i]);
    if (!started) { ctx.moveTo(X, Y); started = true; } else ctx.lineTo(X, Y);
  }
  ctx.stroke();
  ctx.fillStyle = "#bbb"; ctx.font = "11px sans-serif"; ctx.textAlign = "right";
  for (let k = 0; k <= 6; k++) {
    const p = v.lo + (v.hi - v.lo) * k / 6, Y = g.y(p);
    ctx.fillText(p.toLocaleString(undefined, { maximumFractionDigits: p < 10 ? 4 : 0 }), LEFT - 6, Y + 4);
  }
  ctx.textAlign = "center";
  for (let k = 0; k <= 5; k++) {
    const t = g.t0 + (g.t1 - g.t0) * k / 5, X = g.x(t);
    ctx.fillText(new Date(t).toISOString().slice(0, 16).replace("T", " "), Math.min(Math.max(X, LEFT + 50), canvas.width - 50), canvas.height - 8);
  }
}

function usd(x) { return x >= 1e9 ? (x / 1e9).toFixed(2) + "B" : x >= 1e6 ? (x / 1e6).toFixed(2) + "M" : x >= 1e3 ? (x / 1e3).toFixed(1) + "k" : x.toFixed(0); }

canvas.addEventListener("mousemove", (e) => {
  const v = VIEWS[state.view], g = geometry(v), r = canvas.getBoundingClientRect();
  const x = (e.clientX - r.left) * canvas.width / r.width, y = (e.clientY - r.top) * canvas.height / r.height;
  const ti = column(v, g.time(x)), p = g.price(y);
  if (x < LEFT || y < TOP || y > canvas.height - BOTTOM || ti < 0 || p < v.edges[0] || p >= v.edges[v.nB]) { tip.style.display = "none"; return; }
  const b = Math.min(v.nB - 1, bisect(v.edges, p)), i = ti * v.nB + b, m = columnMax(v, ti);
  tip.textContent = "time   " + new Date(v.t[ti]).toISOString().replace(".000Z", "Z") +
    "\nband   " + v.edges[b].toFixed(2) + " - " + v.edges[b + 1].toFixed(2) +
    "\nlong   " + usd(v.L[i]) + " USD\nshort  " + usd(v.S[i]) + " USD" +
    "\nrel.   " + (m > 0 ? (value(v, ti, b) / m * 100).toFixed(1) : "0.0") + " % of the column max";
  tip.style.display = "block"; tip.style.left = (e.clientX - r.left + 14) + "px"; tip.style.top = (e.clientY - r.top + 14) + "px";
});
canvas.addEventListener("mouseleave", () => { tip.style.display = "none"; });

function buttons(id, key, onclick) {
  for (const b of document.querySelectorAll("#" + id + " button")) b.addEventListener("click", () => {
    for (const o of document.querySelectorAll("#" + id + " button")) o.classList.remove("on");
    b.classList.add("on"); onclick(b); draw();
  });
}
const viewBox = document.getElementById("views");
VIEWS.forEach((v, i) => { const b = document.createElement("button"); b.textContent = v.name; b.dataset.view = i; if (i === 0) b.className = "on"; viewBox.appendChild(b); });
if (VIEWS.length < 2) viewBox.style.display = "none";
buttons("views", "view", (b) => { state.view = +b.dataset.view; });
buttons("sides", "side", (b) => { state.side = b.dataset.side; });
buttons("scales", "scale", (b) => { state.scale = b.dataset.scale; });
draw();
document.body.dataset.ready = "1";
</script>
</body>
</html>
""")


def heatmap_html(views: list[HeatmapView], title: str = "liqbt liquidation heatmap") -> str:
    """The page as a string; ``views`` are downsampled for display.

    ``title`` and the view names are escaped (they come from the config).
    """
    if not views:
        raise ValueError("no heatmap to draw")
    payload = [_encode(v.downsample()) for v in views]
    return _PAGE.substitute(title=text(title), views=script_json(payload, separators=(",", ":")))


def write_heatmap_html(views: list[HeatmapView], path: str | Path, title: str = "liqbt liquidation heatmap") -> Path:
    """Write :func:`heatmap_html` to ``path``."""
    return write_page(Path(path), heatmap_html(views, title))
