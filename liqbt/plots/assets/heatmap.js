// liqbt interactive heatmap: levels of detail, candles, colour bar, threshold, zoom/pan, overview, tooltips.
"use strict";
(() => {
const DATA = JSON.parse(document.getElementById("liqbt-heatmap-data").textContent);
const VIEWS = DATA.views, TRADES = DATA.trades || [];
const $ = (id) => document.getElementById(id);
const map = $("map"), ctx = map.getContext("2d"), cbar = $("cbar"), bctx = cbar.getContext("2d");
const ov = $("overview"), octx = ov.getContext("2d"), tip = $("tip");
const LEFT = 84, RIGHT = 8, TOP = 8, BOTTOM = 26, H = map.height - TOP - BOTTOM;
let W = map.width - LEFT - RIGHT;
function fit() {  // the canvases take the width they are shown at (the report's frame is narrower)
  const w = Math.max(320, Math.round(map.getBoundingClientRect().width));
  if (w !== map.width) { map.width = w; ov.width = w; ovKey = ""; }
  W = map.width - LEFT - RIGHT;
}
// autoPrice: the price axis follows the candles in view (as a trading chart does) until the user zooms or drags it
const state = { view: 0, side: "both", scale: "absolute", thr: 0, t0: 0, t1: 1, p0: 0, p1: 1, level: 0, autoPrice: true };
let markers = [], drawn = 0;

function bytes(b64) { const s = atob(b64), b = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); return b; }
const f32 = (b64) => { const b = bytes(b64); return new Float32Array(b.buffer, 0, b.length >> 2); };
const i32 = (b64) => { const b = bytes(b64); return new Int32Array(b.buffer, 0, b.length >> 2); };
// the last index i with arr[i] <= x (-1 when x < arr[0])
function bisect(arr, x) { let lo = -1, hi = arr.length - 1; while (lo < hi) { const m = (lo + hi + 1) >> 1; if (arr[m] <= x) lo = m; else hi = m - 1; } return lo; }

const u16 = (b64) => { const b = bytes(b64); return new Uint16Array(b.buffer, 0, b.length >> 1); };
function decodeSide(s) {  // per column: first non-zero bin and count; values as 16-bit log codes
  const sp = i32(s.span), q = u16(s.q), val = new Float32Array(q.length), n = sp.length >> 1, off = new Int32Array(n + 1);
  for (let i = 0; i < q.length; i++) val[i] = q[i] ? Math.exp(s.lmin + (q[i] - 1) * s.step) : 0;
  for (let i = 0; i < n; i++) off[i + 1] = off[i] + sp[2 * i + 1];
  return { sp, val, off };
}
function level(v, k) {  // decoded on first use
  const L = v.levels[k];
  if (!L.Ld) { L.Ld = decodeSide(L.long); L.Sd = decodeSide(L.short); L.nT = L.t.length; L.nB = L.edges.length - 1; L.cache = {}; }
  return L;
}
function get(S, ti, bi) { const f = S.sp[2 * ti]; return bi < f || bi >= f + S.sp[2 * ti + 1] ? 0 : S.val[S.off[ti] + bi - f]; }
function cell(L, ti, bi, which) {
  return which === "long" ? get(L.Ld, ti, bi) : which === "short" ? get(L.Sd, ti, bi) : get(L.Ld, ti, bi) + get(L.Sd, ti, bi);
}
function span(L, ti) {  // the bins of column ti that hold anything on the chosen side
  const a = L.Ld.sp, b = L.Sd.sp, i = 2 * ti;
  if (state.side === "long") return [a[i], a[i] + a[i + 1]];
  if (state.side === "short") return [b[i], b[i] + b[i + 1]];
  if (!a[i + 1]) return [b[i], b[i] + b[i + 1]];
  if (!b[i + 1]) return [a[i], a[i] + a[i + 1]];
  return [Math.min(a[i], b[i]), Math.max(a[i] + a[i + 1], b[i] + b[i + 1])];
}
function totals(L) {  // the column's USD on the chosen side (relative scale)
  const key = "tot" + state.side;
  if (!L.cache[key]) {
    const t = new Float64Array(L.nT);
    for (let ti = 0; ti < L.nT; ti++) { const [f, e] = span(L, ti); for (let b = f; b < e; b++) t[ti] += cell(L, ti, b, state.side); }
    L.cache[key] = t;
  }
  return L.cache[key];
}
function top(L) {  // colour scale maximum: the 99.5th percentile of the non-zero cells (a sample of them)
  const key = "top" + state.side + state.scale;
  if (L.cache[key] === undefined) {
    const tot = state.scale === "relative" ? totals(L) : null, vals = [];
    const step = Math.max(1, Math.floor((L.Ld.off[L.nT] + L.Sd.off[L.nT]) / 200000));
    for (let ti = 0; ti < L.nT; ti++) {
      const [f, e] = span(L, ti);
      for (let b = f; b < e; b += step) {
        let x = cell(L, ti, b, state.side); if (tot) x = tot[ti] > 0 ? x / tot[ti] : 0;
        if (x > 0) vals.push(x);
      }
    }
    vals.sort((a, b) => a - b);
    L.cache[key] = vals.length ? vals[Math.floor(0.995 * (vals.length - 1))] : 1;
  }
  return L.cache[key];
}
function extent(v) {
  const F = v.levels[v.levels.length - 1], n = F.t.length, step = n > 1 ? F.t[n - 1] - F.t[n - 2] : 3600e3;
  return { t0: Math.min(...v.levels.map((L) => L.t[0])), t1: F.t[n - 1] + step, p0: v.levels[0].edges[0],
           p1: v.levels[0].edges[v.levels[0].edges.length - 1], step };
}
function pickLevel(v) {  // the finest level whose visible part fits the canvas: full detail when zoomed in
  for (let k = v.levels.length - 1; k > 0; k--) {
    const L = v.levels[k];
    const cols = bisect(L.t, state.t1) - bisect(L.t, state.t0), bins = bisect(L.edges, state.p1) - bisect(L.edges, state.p0);
    if (cols <= 2 * W && bins <= 2 * H) return k;
  }
  return 0;
}
const X = (t) => LEFT + (t - state.t0) / (state.t1 - state.t0) * W;
const Y = (p) => TOP + (state.p1 - p) / (state.p1 - state.p0) * H;
const T = (x) => state.t0 + (x - LEFT) / W * (state.t1 - state.t0);
const P = (y) => state.p1 - (y - TOP) / H * (state.p1 - state.p0);

const STOPS = [[0, [0, 0, 4]], [0.25, [66, 10, 104]], [0.5, [147, 38, 103]], [0.75, [221, 81, 58]], [0.9, [252, 165, 10]], [1, [252, 255, 164]]];
const LUT = new Uint8Array(256 * 3);
for (let i = 0; i < 256; i++) {
  const x = i / 255; let k = 0; while (k < STOPS.length - 2 && x > STOPS[k + 1][0]) k++;
  const [x0, c0] = STOPS[k], [x1, c1] = STOPS[k + 1], f = (x - x0) / (x1 - x0);
  for (let j = 0; j < 3; j++) LUT[i * 3 + j] = Math.round(c0[j] + f * (c1[j] - c0[j]));
}

function raster(L, w, h, time, price, end) {  // one ImageData: each pixel samples the cell under it
  const img = new ImageData(w, h), d = img.data, scale = top(L), tot = state.scale === "relative" ? totals(L) : null;
  const rowBin = new Int32Array(h);
  for (let y = 0; y < h; y++) { const p = price(y + 0.5); rowBin[y] = p < L.edges[0] || p >= L.edges[L.nB] ? -1 : Math.min(L.nB - 1, bisect(L.edges, p)); }
  for (let x = 0; x < w; x++) {
    const t = time(x + 0.5), ti = t >= end ? -1 : bisect(L.t, t);
    if (ti < 0) continue;
    const norm = tot ? (tot[ti] > 0 ? 1 / (tot[ti] * scale) : 0) : 1 / scale;
    for (let y = 0; y < h; y++) {
      const b = rowBin[y]; if (b < 0) continue;
      const g = Math.sqrt(Math.min(1, cell(L, ti, b, state.side) * norm));  // power 0.5, as the PNG
      if (g <= 0 || g < state.thr) continue;
      const c = Math.round(g * 255) * 3, o = (y * w + x) * 4;
      d[o] = LUT[c]; d[o + 1] = LUT[c + 1]; d[o + 2] = LUT[c + 2]; d[o + 3] = 255;
    }
  }
  return img;
}

function usd(x) { const a = Math.abs(x); return (x < 0 ? "-" : "") + (a >= 1e9 ? (a / 1e9).toFixed(2) + "B" : a >= 1e6 ? (a / 1e6).toFixed(2) + "M" : a >= 1e3 ? (a / 1e3).toFixed(1) + "k" : a.toFixed(a < 10 ? 2 : 0)); }
function money(x) { return x === null ? "-" : (x > 0 ? "+" : "") + x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }); }
function px(p) { return p.toLocaleString("en-US", { maximumFractionDigits: p < 10 ? 5 : 2, minimumFractionDigits: 2 }); }
function iso(t) { return new Date(t).toISOString().slice(0, 16).replace("T", " ") + "Z"; }
function ticks(lo, hi, n) { const raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw))), s = [1, 2, 5, 10].map((k) => k * mag).find((k) => k >= raw);
  const out = []; for (let x = Math.ceil(lo / s) * s; x <= hi; x += s) out.push(x); return out; }
const TSTEPS = [60e3, 300e3, 900e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 86400e3, 2 * 86400e3, 7 * 86400e3, 14 * 86400e3, 30 * 86400e3, 91 * 86400e3];

function inView(c) {  // first and last candle drawn in the time range (a candle shows from its open)
  if (!c.v) c.v = f32(c.ohlc);
  return [Math.max(0, bisect(c.t, state.t0 - c.ms)), bisect(c.t, state.t1)];
}
function candles(v) {
  const c = v.candles; if (!c) return false;
  const per = c.ms / (state.t1 - state.t0) * W, k = Math.max(1, Math.ceil(3 / Math.max(per, 1e-9)));
  const [i0, i1] = inView(c);
  const body = Math.max(1, per * k * 0.7);
  for (let g = i0 - (i0 % k); g <= i1; g += k) {  // groups aligned to multiples of k: stable while panning
    let o = NaN, h = -Infinity, l = Infinity, cl = NaN;
    for (let i = Math.max(g, 0); i < Math.min(g + k, c.t.length); i++) {
      const [a, b, e, f] = [c.v[4 * i], c.v[4 * i + 1], c.v[4 * i + 2], c.v[4 * i + 3]];
      if (Number.isNaN(o)) o = a; h = Math.max(h, b); l = Math.min(l, e); cl = f;
    }
    if (Number.isNaN(o)) continue;
    const x = X(c.t[g] + c.ms * k / 2), up = cl >= o;
    ctx.strokeStyle = ctx.fillStyle = up ? "#26a69a" : "#ef5350";
    ctx.beginPath(); ctx.moveTo(x, Y(h)); ctx.lineTo(x, Y(l)); ctx.stroke();
    const y0 = Y(Math.max(o, cl)), y1 = Y(Math.min(o, cl));
    ctx.fillRect(x - body / 2, y0, body, Math.max(1, y1 - y0));
  }
  return true;
}
function priceAt(v, t) {  // the last close known at t (a candle is known at its open + its size)
  const c = v.candles;
  if (c) { if (!c.v) c.v = f32(c.ohlc); const i = bisect(c.t, t - c.ms); return c.v[4 * Math.max(i, 0) + 3]; }
  const i = bisect(v.pt, t); return v.p[Math.max(i, 0)];
}
function priceLine(v) {
  ctx.strokeStyle = "#fff"; ctx.lineWidth = 1.2; ctx.beginPath(); let on = false;
  for (let i = Math.max(0, bisect(v.pt, state.t0)); i < v.pt.length && v.pt[i] <= state.t1; i++) {
    if (!on) { ctx.moveTo(X(v.pt[i]), Y(v.p[i])); on = true; } else ctx.lineTo(X(v.pt[i]), Y(v.p[i]));
  }
  ctx.stroke(); ctx.lineWidth = 1;
}
function trades() {
  markers = [];
  TRADES.forEach((tr, i) => {
    if (tr.t1 < state.t0 || tr.t0 > state.t1 || tr.p0 === null) return;
    const x0 = X(tr.t0), y0 = Y(tr.p0), x1 = X(tr.t1), y1 = Y(tr.p1 === null ? tr.p0 : tr.p1), win = (tr.net || 0) >= 0;
    ctx.setLineDash([4, 3]); ctx.strokeStyle = win ? "#7CFC00" : "#ff4d4d"; ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke(); ctx.setLineDash([]);
    const dir = tr.side === "short" ? 1 : -1;
    ctx.fillStyle = tr.side === "short" ? "#ff6b6b" : "#2ecc71"; ctx.strokeStyle = "#000";
    ctx.beginPath(); ctx.moveTo(x0, y0 + dir * 7); ctx.lineTo(x0 - 6, y0 - dir * 5); ctx.lineTo(x0 + 6, y0 - dir * 5); ctx.closePath(); ctx.fill(); ctx.stroke();
    ctx.fillStyle = win ? "#7CFC00" : "#ff4d4d"; ctx.beginPath(); ctx.arc(x1, y1, 4.5, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    markers.push({ i, x: x0, y: y0 }, { i, x: x1, y: y1 });
  });
}
function axes() {
  ctx.fillStyle = "#111"; ctx.fillRect(0, 0, LEFT, map.height); ctx.fillRect(0, TOP + H, map.width, BOTTOM + 2);
  ctx.fillStyle = "#bbb"; ctx.font = "11px sans-serif"; ctx.textAlign = "right";
  const pt = ticks(state.p0, state.p1, 8), digits = pt.length > 1 ? Math.max(0, Math.ceil(-Math.log10(pt[1] - pt[0]) + 1e-9)) : 2;
  for (const p of pt) { const y = Y(p); ctx.fillText(p.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }), LEFT - 6, y + 4); ctx.fillRect(LEFT - 3, y, 3, 1); }
  const span = state.t1 - state.t0, step = TSTEPS.find((s) => s >= span / 9) || TSTEPS[TSTEPS.length - 1];
  ctx.textAlign = "center";
  for (let t = Math.ceil(state.t0 / step) * step; t <= state.t1; t += step) {
    const label = step >= 86400e3 ? new Date(t).toISOString().slice(0, 10) : iso(t).slice(5);
    ctx.fillText(label, Math.min(Math.max(X(t), LEFT + 40), map.width - 40), map.height - 8); ctx.fillRect(X(t), TOP + H, 1, 3);
  }
}
function colourBar(L) {
  const w = cbar.width, h = cbar.height, s = top(L), rel = state.scale === "relative";
  bctx.fillStyle = "#111"; bctx.fillRect(0, 0, w, h);
  for (let y = 0; y < H; y++) { const g = 1 - y / (H - 1), c = Math.round(g * 255) * 3;
    bctx.fillStyle = g < state.thr ? "#222" : `rgb(${LUT[c]},${LUT[c + 1]},${LUT[c + 2]})`; bctx.fillRect(6, TOP + y, 14, 1); }
  bctx.fillStyle = "#bbb"; bctx.font = "10px sans-serif"; bctx.textAlign = "left";
  for (let k = 0; k <= 5; k++) { const g = k / 5, y = TOP + (1 - g) * (H - 1), val = s * g * g;
    bctx.fillText(rel ? (val * 100).toFixed(val < 0.01 ? 2 : 1) + "%" : usd(val), 24, y + 4); }
  bctx.save(); bctx.translate(w - 6, TOP + H / 2); bctx.rotate(-Math.PI / 2); bctx.textAlign = "center";
  bctx.fillText(rel ? "share of the column's USD" : "USD resting per band", 0, 0); bctx.restore();
  if (state.thr > 0) { const y = TOP + (1 - state.thr) * (H - 1); bctx.fillStyle = "#fff"; bctx.fillRect(2, y - 1, 22, 2); }
  const val = s * state.thr * state.thr;
  $("thrlabel").textContent = state.thr > 0 ? "hides < " + (rel ? (val * 100).toFixed(2) + "% of column" : usd(val) + " USD") : "off";
}

let ovImage = null, ovKey = "";
function overview() {
  const v = VIEWS[state.view], e = extent(v), L = level(v, 0), key = [state.view, state.side, state.scale, state.thr].join();
  if (key !== ovKey) {
    ovImage = raster(L, ov.width, ov.height, (x) => e.t0 + x / ov.width * (e.t1 - e.t0), (y) => v.hi - y / ov.height * (v.hi - v.lo), e.t1);
    ovKey = key;
  }
  octx.putImageData(ovImage, 0, 0);
  octx.strokeStyle = "#fff"; octx.beginPath();
  v.pt.forEach((t, i) => { const x = (t - e.t0) / (e.t1 - e.t0) * ov.width, y = (v.hi - v.p[i]) / (v.hi - v.lo) * ov.height; if (i) octx.lineTo(x, y); else octx.moveTo(x, y); });
  octx.stroke();
  const a = (state.t0 - e.t0) / (e.t1 - e.t0) * ov.width, b = (state.t1 - e.t0) / (e.t1 - e.t0) * ov.width;
  octx.fillStyle = "rgba(0,0,0,0.55)"; octx.fillRect(0, 0, a, ov.height); octx.fillRect(b, 0, ov.width - b, ov.height);
  octx.strokeStyle = "#c9a227"; octx.lineWidth = 2; octx.strokeRect(a, 1, Math.max(2, b - a), ov.height - 2); octx.lineWidth = 1;
}

function draw() {
  const v = VIEWS[state.view], e = extent(v);
  state.level = pickLevel(v);
  const L = level(v, state.level);
  ctx.fillStyle = "#000"; ctx.fillRect(0, 0, map.width, map.height);
  ctx.putImageData(raster(L, W, H, (x) => T(x + LEFT), (y) => P(y + TOP), e.t1), LEFT, TOP);
  ctx.save(); ctx.beginPath(); ctx.rect(LEFT, TOP, W, H); ctx.clip();
  if (!candles(v)) priceLine(v);
  trades();
  ctx.restore();
  axes(); colourBar(L); overview();
  $("lod").textContent = `Showing level ${state.level + 1} of ${v.levels.length} (${L.nT.toLocaleString("en-US")} snapshots x ${L.nB.toLocaleString("en-US")} bins)` +
    (state.level === v.levels.length - 1 ? ", the finest embedded." : "; zoom in for finer detail.");
  map.dataset.level = String(state.level); drawn++;
}
let pending = false;
function redraw() { if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; draw(); }); } }

function clampRange() {
  const e = extent(VIEWS[state.view]);
  let span = Math.min(Math.max(state.t1 - state.t0, 4 * e.step), e.t1 - e.t0);
  state.t0 = Math.min(Math.max(state.t0, e.t0), e.t1 - span); state.t1 = state.t0 + span;
  const lv = VIEWS[state.view].levels, F = lv[lv.length - 1], minP = 8 * (F.edges[1] - F.edges[0]);
  span = Math.min(Math.max(state.p1 - state.p0, minP), e.p1 - e.p0);
  state.p0 = Math.min(Math.max(state.p0, e.p0), e.p1 - span); state.p1 = state.p0 + span;
}
function fitPrice() {  // the prices drawn in the time range, with the margin of HeatmapView.price_range
  const v = VIEWS[state.view], c = v.candles; let lo = Infinity, hi = -Infinity;
  if (c) {
    const [i0, i1] = inView(c);
    for (let i = i0; i <= i1; i++) { hi = Math.max(hi, c.v[4 * i + 1]); lo = Math.min(lo, c.v[4 * i + 2]); }
  } else {
    for (let i = Math.max(0, bisect(v.pt, state.t0)); i < v.pt.length && v.pt[i] <= state.t1; i++) { hi = Math.max(hi, v.p[i]); lo = Math.min(lo, v.p[i]); }
  }
  if (!(hi >= lo)) return;
  const pad = v.margin[0] * (hi - lo) + v.margin[1] * hi; state.p0 = lo - pad; state.p1 = hi + pad; clampRange();
}
function setRange(t0, t1, p0, p1) {
  state.t0 = t0; state.t1 = t1; if (p0 !== undefined) { state.p0 = p0; state.p1 = p1; }
  clampRange(); if (state.autoPrice && p0 === undefined) fitPrice(); redraw();
}
function reset() { const v = VIEWS[state.view], e = extent(v); state.autoPrice = true; setRange(e.t0, e.t1, v.lo, v.hi); }
function zoom(factor, tc, pc, axis) {
  if (axis === "price") state.autoPrice = false;
  if (axis !== "price") { const a = state.t0, b = state.t1; state.t0 = tc - (tc - a) * factor; state.t1 = tc + (b - tc) * factor; }
  if (axis !== "time" && !state.autoPrice) { const a = state.p0, b = state.p1; state.p0 = pc - (pc - a) * factor; state.p1 = pc + (b - pc) * factor; }
  clampRange(); if (state.autoPrice) fitPrice(); redraw();
}

function pos(e, c) { const r = c.getBoundingClientRect(); return [(e.clientX - r.left) * c.width / r.width, (e.clientY - r.top) * c.height / r.height]; }
map.addEventListener("wheel", (e) => {
  e.preventDefault(); tip.style.display = "none";
  const [x, y] = pos(e, map), f = Math.exp(e.deltaY * 0.0015);
  zoom(f, T(x), P(y), e.shiftKey || x < LEFT ? "price" : "time");
}, { passive: false });
let drag = null;
map.addEventListener("mousedown", (e) => { const [x, y] = pos(e, map); drag = { x, y, t0: state.t0, t1: state.t1, p0: state.p0, p1: state.p1 }; });
window.addEventListener("mouseup", () => { drag = null; ovDrag = null; });
map.addEventListener("mousemove", (e) => {
  const [x, y] = pos(e, map);
  if (drag && e.buttons) {
    const dt = (x - drag.x) / W * (drag.t1 - drag.t0), dp = (y - drag.y) / H * (drag.p1 - drag.p0);
    if (Math.abs(y - drag.y) > 4) state.autoPrice = false;  // a vertical drag takes the price axis over
    if (state.autoPrice) setRange(drag.t0 - dt, drag.t1 - dt); else setRange(drag.t0 - dt, drag.t1 - dt, drag.p0 + dp, drag.p1 + dp);
    tip.style.display = "none"; return;
  }
  hover(x, y, e);
});
map.addEventListener("mouseleave", () => { tip.style.display = "none"; redraw(); });

function hover(x, y, e) {
  const v = VIEWS[state.view], L = level(v, state.level), r = map.getBoundingClientRect(), wr = $("wrap").getBoundingClientRect();
  let lines = null;
  const near = markers.map((m) => [Math.hypot(m.x - x, m.y - y), m]).filter((a) => a[0] <= 8).sort((a, b) => a[0] - b[0])[0];
  if (near) {
    const tr = TRADES[near[1].i];
    lines = [`trade ${tr.n} ${tr.side} (exit: ${tr.reason})`, `entry  ${iso(tr.t0)} @ ${tr.p0 === null ? "-" : px(tr.p0)}`,
             `exit   ${iso(tr.t1)} @ ${tr.p1 === null ? "-" : px(tr.p1)}`, `size   ${tr.size === null ? "-" : usd(tr.size)} USD`,
             `PnL    ${money(tr.net)} USD`, `  price ${money(tr.price)}, funding ${money(tr.funding)}, fees ${money(tr.fees)}`];
  } else if (x >= LEFT && x < LEFT + W && y >= TOP && y < TOP + H) {
    const t = T(x), p = P(y), ti = t >= extent(v).t1 ? -1 : bisect(L.t, t);
    if (ti >= 0 && p >= L.edges[0] && p < L.edges[L.nB]) {
      const b = Math.min(L.nB - 1, bisect(L.edges, p)), lo = cell(L, ti, b, "long"), sh = cell(L, ti, b, "short");
      const price = priceAt(v, L.t[ti]), pb = Math.min(L.nB - 1, Math.max(0, bisect(L.edges, price)));
      let cum = 0; const below = b <= pb;
      for (let k = Math.min(b, pb); k <= Math.max(b, pb); k++) cum += cell(L, ti, k, below ? "long" : "short");
      lines = [`time   ${iso(L.t[ti])} (snapshot)`, `band   ${px(L.edges[b])} - ${px(L.edges[b + 1])} USD`,
               `long   ${usd(lo)} USD`, `short  ${usd(sh)} USD`, `price  ${px(price)} USD`,
               `cum.   ${usd(cum)} USD of ${below ? "longs between price and this band (falling)" : "shorts between price and this band (rising)"}`];
    }
  }
  draw();
  if (x >= LEFT && x < LEFT + W && y >= TOP && y < TOP + H) {  // crosshair
    ctx.strokeStyle = "rgba(255,255,255,0.45)"; ctx.beginPath(); ctx.moveTo(LEFT, y); ctx.lineTo(LEFT + W, y); ctx.moveTo(x, TOP); ctx.lineTo(x, TOP + H); ctx.stroke();
  }
  if (!lines) { tip.style.display = "none"; return; }
  tip.textContent = lines.join("\n"); tip.style.display = "block";
  const left = e.clientX - wr.left + 14, tw = tip.offsetWidth;
  tip.style.left = (left + tw > r.width ? left - tw - 28 : left) + "px"; tip.style.top = (e.clientY - wr.top + 14) + "px";
}

let ovDrag = null;
function ovTime(e) { const e2 = extent(VIEWS[state.view]), [x] = pos(e, ov); return e2.t0 + x / ov.width * (e2.t1 - e2.t0); }
ov.addEventListener("mousedown", (e) => {
  const t = ovTime(e), e2 = extent(VIEWS[state.view]);
  // inside the window: move it; elsewhere (or when it shows nearly everything): drag out a new range
  const inside = t >= state.t0 && t <= state.t1 && state.t1 - state.t0 < 0.95 * (e2.t1 - e2.t0);
  ovDrag = inside ? { move: true, t, t0: state.t0, t1: state.t1 } : { move: false, t };
  if (!ovDrag.move && state.t1 - state.t0 < 0.95 * (e2.t1 - e2.t0)) { const half = (state.t1 - state.t0) / 2; setRange(t - half, t + half); }
});
ov.addEventListener("mousemove", (e) => {
  if (!ovDrag || !e.buttons) return;
  const t = ovTime(e);
  if (ovDrag.move) setRange(ovDrag.t0 + t - ovDrag.t, ovDrag.t1 + t - ovDrag.t);
  else if (Math.abs(t - ovDrag.t) > 0) setRange(Math.min(t, ovDrag.t), Math.max(t, ovDrag.t));
});

function buttons(id, onclick) {
  for (const b of document.querySelectorAll("#" + id + " button")) b.addEventListener("click", () => {
    if (id !== "zoom") { for (const o of document.querySelectorAll("#" + id + " button")) o.classList.remove("on"); b.classList.add("on"); }
    onclick(b); redraw();
  });
}
const viewBox = $("views");
VIEWS.forEach((v, i) => { const b = document.createElement("button"); b.textContent = v.name; b.dataset.view = i; if (i === 0) b.className = "on"; viewBox.appendChild(b); });
if (VIEWS.length < 2) viewBox.style.display = "none";
buttons("views", (b) => { state.view = +b.dataset.view; ovKey = ""; reset(); $("subtitle").textContent = VIEWS[state.view].subtitle; });
buttons("sides", (b) => { state.side = b.dataset.side; });
buttons("scales", (b) => { state.scale = b.dataset.scale; });
buttons("zoom", (b) => {
  const tc = (state.t0 + state.t1) / 2, pc = (state.p0 + state.p1) / 2;
  if (b.dataset.zoom === "reset") reset(); else zoom(b.dataset.zoom === "in" ? 0.5 : 2, tc, pc, "both");
});
$("threshold").addEventListener("input", (e) => { state.thr = +e.target.value / 100; redraw(); });
$("subtitle").textContent = VIEWS[0].subtitle;
// for tests and scripts: where a time / price is on screen, and the state drawn
window.liqbt = { state, setRange, reset, drawn: () => drawn, markers: () => markers.map((m) => ({ ...m })),
  client: (x, y) => { const r = map.getBoundingClientRect(); return { x: r.left + x * r.width / map.width, y: r.top + y * r.height / map.height }; },
  at: (t, p) => ({ x: X(t), y: Y(p) }) };
window.addEventListener("resize", () => { fit(); redraw(); });
fit(); reset(); draw();
document.body.dataset.ready = "1";
})();
