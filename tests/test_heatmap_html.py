"""The interactive heatmap page (#15 item 1) in real headless Chromium, opened from disk with the network blocked.

One browser for the module; each test opens the page in a fresh context and ends by checking that no
console error occurred and no request left the machine. Screenshots go to ``$LIQBT_ARTEFACTS`` (or tmp_path).
"""

import base64
import re

import numpy as np
import pandas as pd
import pytest

from browser import artefact_dir, chromium, offline_page
from liqbt.plots import HeatmapView
from liqbt.plots.heatmap_html import LEVELS, heatmap_html, levels_of_detail, write_heatmap_html

N_TIMES, N_BINS, CELL = 3000, 800, (2000, None)  # CELL: (snapshot, bin) whose tooltip is read


def _view(name="30d", seed=0, n_times=N_TIMES, n_bins=N_BINS):
    """Hourly snapshots over 5m candles; longs below the close, shorts above."""
    rng = np.random.default_rng(seed)
    bars = pd.date_range("2025-01-01", periods=n_times * 12, freq="5min", tz="UTC")
    close = 100_000 * np.exp(np.cumsum(rng.normal(0, 0.0004, len(bars))))
    open_ = np.r_[close[0], close[:-1]]
    candles = pd.DataFrame({"open": open_, "high": np.maximum(open_, close) * 1.0005,
                            "low": np.minimum(open_, close) * 0.9995, "close": close}, index=bars)
    times, price = bars[11::12] + pd.Timedelta("5min"), close[11::12]
    edges = np.geomspace(60_000, 160_000, n_bins + 1)
    below = np.sqrt(edges[1:] * edges[:-1])[None, :] < price[:, None]
    mass = rng.gamma(0.3, 1e6, size=(n_times, n_bins))
    return HeatmapView(name=name, times=times, bin_edges=edges, long=np.where(below, mass, 0),
                       short=np.where(~below, mass, 0), price_times=bars + pd.Timedelta("5min"), price=close,
                       subtitle=f"BTCUSDT · test · window {name}", candles=candles, candle_size=pd.Timedelta("5min"))


def _trades(view):
    t, p = view.times, view.price
    return pd.DataFrame({
        "trade": [1, 2], "side": ["long", "short"], "entry_time": [t[1000], t[2100]], "entry_price": [100_000.0, 101_000.0],
        "exit_time": [t[1100], t[2300]], "exit_price": [100_500.0, 101_500.0], "notional_usd": [10_000.0, 5_000.0],
        "pnl_price_usd": [150.0, -80.0], "pnl_funding_usd": [-3.0, 1.0], "pnl_fees_usd": [-23.55, -10.0],
        "net_pnl_usd": [123.45, -89.0], "exit_reason": ["signal", "<img src=x onerror=alert(1)>"]})


def usd(x):  # the page's formatting
    a = abs(x)
    return ("-" if x < 0 else "") + (f"{a / 1e9:.2f}B" if a >= 1e9 else f"{a / 1e6:.2f}M" if a >= 1e6
                                     else f"{a / 1e3:.1f}k" if a >= 1e3 else f"{a:.2f}" if a < 10 else f"{a:.0f}")


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def views():
    return [_view("30d"), _view("24h", seed=1, n_times=400)]


@pytest.fixture(scope="module")
def html_path(tmp_path_factory, views):
    return write_heatmap_html(views, tmp_path_factory.mktemp("page") / "heatmap.html", trades=_trades(views[0]))


@pytest.fixture
def page(browser, html_path, tmp_path, request):
    with offline_page(browser, html_path) as (pg, check):
        yield pg
        pg.screenshot(path=str(artefact_dir(tmp_path) / f"{request.node.name}.png"))
        assert check.console_errors == [] and check.page_errors == []
        assert check.blocked_requests == [], "the page tried to reach the network"


def lit(page):
    """Share of the map's plot area that is coloured (neither black nor the background)."""
    return page.evaluate("""() => { const c = document.getElementById('map'), d = c.getContext('2d')
        .getImageData(84, 8, c.width - 92, c.height - 34).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 40) n++; return n / (d.length / 4); }""")


def settle(page):
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


def hover(page, x, y):
    point = page.evaluate(f"liqbt.client({x}, {y})")
    page.mouse.move(point["x"], point["y"])
    return page.inner_text("#tip")


# ---------------------------------------------------------------- the file


def test_page_is_one_file_with_no_remote_url_and_escaped_strings(views):
    bad = "</script><script>alert(1)</script>"
    view = HeatmapView(**{**views[1].__dict__, "name": bad, "subtitle": bad})
    page = heatmap_html([view], title=bad, trades=_trades(views[0]))
    assert "http://" not in page and "https://" not in page and "//cdn" not in page
    assert not re.search(r"<[a-z]+[^>]*\s(src|href)=", page) and "@import" not in page and "url(" not in page
    assert page.count("</script>") == 2 and "alert(1)</script>" not in page  # the data and the code, nothing more
    assert '<script type="application/json" id="liqbt-heatmap-data">' in page


def test_levels_of_detail_reach_the_full_grid_within_the_budget(views):
    levels = levels_of_detail(views[0])
    shapes = [(len(lv["t"]), len(lv["edges"]) - 1) for lv in levels]
    assert shapes[0][0] <= LEVELS[0][0] and shapes[0][1] <= LEVELS[0][1]
    assert shapes[-1][0] == N_TIMES, "the finest level keeps every snapshot"
    full = levels[-1]
    # the finest level holds the grid's own bands and USD (cropped to the price range, zeros trimmed)
    first = int(np.searchsorted(views[0].bin_edges, full["edges"][0]))
    side = full["long"]
    span = np.frombuffer(base64.b64decode(side["span"]), "<i4").reshape(-1, 2)
    codes = np.frombuffer(base64.b64decode(side["q"]), "<u2").astype(np.float64)
    values = np.where(codes > 0, np.exp(side["lmin"] + (codes - 1) * side["step"]), 0.0)
    ti = CELL[0]
    start, count = span[ti]
    offset = span[:ti, 1].sum()
    expect = views[0].long[ti, first + start: first + start + count]
    assert count < len(full["edges"]) - 1, "the column's zero shorts above the price are not embedded"
    assert np.allclose(values[offset: offset + count], expect, rtol=5e-4, atol=0)  # 16-bit log codes
    small = levels_of_detail(views[0], max_cells=400_000)
    cells = [len(lv["t"]) * (len(lv["edges"]) - 1) for lv in small]
    assert sum(cells) <= 400_000 and 600 < len(small[-1]["t"]) < N_TIMES, "over budget: fewer snapshots, not none"


# ---------------------------------------------------------------- in Chromium


def test_threshold_slider_click_and_drag_hides_weak_bands(page):
    before = lit(page)
    box = page.locator("#threshold").bounding_box()
    page.mouse.click(box["x"] + 0.6 * box["width"], box["y"] + box["height"] / 2)
    settle(page)
    assert 0.5 < page.evaluate("liqbt.state.thr") < 0.7
    assert page.inner_text("#thrlabel").startswith("hides < ") and page.inner_text("#thrlabel").endswith(" USD")
    high = lit(page)
    page.mouse.down()
    page.mouse.move(box["x"] + 0.2 * box["width"], box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    settle(page)
    assert 0.1 < page.evaluate("liqbt.state.thr") < 0.3
    assert high < lit(page) < before, (before, lit(page), high)


def test_zoom_by_wheel_buttons_and_overview_picks_finer_levels(page):
    full = page.evaluate("liqbt.state.t1 - liqbt.state.t0")
    finest = page.evaluate("JSON.parse(document.getElementById('liqbt-heatmap-data').textContent)"
                           ".views[0].levels.length") - 1
    assert page.evaluate("liqbt.state.level") < finest, "3,000 snapshots do not fit 1,088 pixels"
    hover(page, 600, 250)
    for _ in range(4):
        page.mouse.wheel(0, -400)
    settle(page)
    span = page.evaluate("liqbt.state.t1 - liqbt.state.t0")
    assert span < full / 2 and page.evaluate("liqbt.state.level") == finest, "zoomed in: every snapshot is drawn"
    page.click("#zoom button[data-zoom=in]")
    settle(page)
    assert page.evaluate("liqbt.state.t1 - liqbt.state.t0") == pytest.approx(span / 2, rel=1e-6)
    t0 = page.evaluate("liqbt.state.t0")  # drag the map to the right: earlier times come into view
    page.mouse.move(*page.evaluate("Object.values(liqbt.client(500, 250))"))
    page.mouse.down()
    page.mouse.move(*page.evaluate("Object.values(liqbt.client(700, 300))"), steps=4)
    page.mouse.up()
    assert page.evaluate("liqbt.state.t0") < t0
    page.click("#zoom button[data-zoom=reset]")
    settle(page)
    assert page.evaluate("liqbt.state.t1 - liqbt.state.t0") == pytest.approx(full)
    box = page.locator("#overview").bounding_box()  # drag out a range in the overview strip
    y = box["y"] + box["height"] / 2
    page.mouse.click(box["x"] + 0.5 * box["width"], y)  # inside the window: nothing moves
    page.mouse.move(box["x"] + 0.1 * box["width"], y)
    page.mouse.down()
    page.mouse.move(box["x"] + 0.3 * box["width"], y, steps=4)
    page.mouse.up()
    state = page.evaluate("liqbt.state")
    assert (state["t1"] - state["t0"]) / full == pytest.approx(0.2, abs=0.02)


def _fitted_price_range(page):
    """The page's rule for the price axis: the candles drawn in the time range, margin as HeatmapView.price_range."""
    data = page.evaluate("JSON.parse(document.getElementById('liqbt-heatmap-data').textContent).views[0].candles")
    t = np.asarray(data["t"], dtype=np.float64)
    ohlc = np.frombuffer(base64.b64decode(data["ohlc"]), "<f4").astype(np.float64).reshape(-1, 4)
    t0, t1 = page.evaluate("[liqbt.state.t0, liqbt.state.t1]")
    first = max(0, int(np.searchsorted(t, t0 - data["ms"], "right")) - 1)
    last = int(np.searchsorted(t, t1, "right")) - 1
    lo, hi = ohlc[first:last + 1, 2].min(), ohlc[first:last + 1, 1].max()
    pad = 0.15 * (hi - lo) + 0.01 * hi
    return lo - pad, hi + pad


def test_price_axis_follows_the_candles_in_view_until_the_user_takes_it(page):
    full = page.evaluate("liqbt.state.p1 - liqbt.state.p0")
    hover(page, 600, 250)
    for _ in range(5):
        page.mouse.wheel(0, -400)  # zoom in time
    settle(page)
    p0, p1 = page.evaluate("[liqbt.state.p0, liqbt.state.p1]")
    assert (p0, p1) == pytest.approx(_fitted_price_range(page), rel=1e-6) and p1 - p0 < full / 2
    page.keyboard.down("Shift")
    page.mouse.wheel(0, 400)  # zoom out in price: the user takes the axis
    page.keyboard.up("Shift")
    settle(page)
    taken = page.evaluate("[liqbt.state.p0, liqbt.state.p1]")
    assert taken[1] - taken[0] > p1 - p0 and page.evaluate("liqbt.state.autoPrice") is False
    page.mouse.wheel(0, -400)  # time zoom again: the price axis stays where the user put it
    settle(page)
    assert page.evaluate("[liqbt.state.p0, liqbt.state.p1]") == taken
    page.click("#zoom button[data-zoom=reset]")
    page.click("#zoom button[data-zoom=in]")  # after a reset the axis follows again
    settle(page)
    assert page.evaluate("[liqbt.state.p0, liqbt.state.p1]") == pytest.approx(_fitted_price_range(page), rel=1e-6)


def test_window_and_side_switches(page):
    both = lit(page)
    page.click("#sides button[data-side=long]")
    settle(page)
    long = lit(page)
    page.click("#sides button[data-side=short]")
    settle(page)
    short = lit(page)
    assert long < both and short < both and long + short == pytest.approx(both, rel=0.1)
    page.click("#scales button[data-scale=relative]")
    page.fill("#threshold", "30")
    settle(page)
    assert page.inner_text("#thrlabel").endswith("% of column")
    page.click("#views button[data-view='1']")
    settle(page)
    assert page.inner_text("#subtitle") == "BTCUSDT · test · window 24h"
    assert page.inner_text("#views button.on") == "24h" and page.evaluate("liqbt.state.side") == "short"
    assert lit(page) > 0.02


def test_hovering_a_cell_shows_time_band_usd_and_cumulative(page, views):
    view = views[0]
    ti = CELL[0]
    b = int(np.searchsorted(view.bin_edges, view.price[12 * ti + 11]) - 10)  # ten bands below the price
    t = int(view.times[ti].value // 1_000_000)
    lo, hi = view.bin_edges[b], view.bin_edges[b + 1]
    page.evaluate(f"liqbt.setRange({t - 10 * 3600e3}, {t + 10 * 3600e3}, {lo * 0.995}, {hi * 1.005})")
    settle(page)
    assert page.inner_text("#lod").endswith("the finest embedded.")
    at = page.evaluate(f"liqbt.at({t + 1800e3}, {np.sqrt(lo * hi)})")
    tip = hover(page, at["x"], at["y"]).splitlines()
    assert tip[0] == f"time   {view.times[ti]:%Y-%m-%d %H:%M}Z (snapshot)"
    assert tip[1] == f"band   {lo:,.2f} - {hi:,.2f} USD"
    assert tip[2] == f"long   {usd(view.long[ti, b])} USD" and tip[3] == "short  0.00 USD"
    price = view.price[12 * ti + 11]
    assert tip[4] == f"price  {price:,.2f} USD"
    pb = int(np.searchsorted(view.bin_edges, price, side="right") - 1)
    assert tip[5].startswith(f"cum.   {usd(view.long[ti, b:pb + 1].sum())} USD of longs")


def test_hovering_a_trade_marker_shows_its_pnl(page):
    marker = page.evaluate("liqbt.markers()")[0]
    tip = hover(page, marker["x"], marker["y"]).splitlines()
    assert tip[0] == "trade 1 long (exit: signal)"
    assert tip[4] == "PnL    +123.45 USD" and tip[5] == "  price +150.00, funding -3.00, fees -23.55"
    exit_ = page.evaluate("liqbt.markers()")[3]  # trade 2's exit: the reason is shown as text, not markup
    assert "(exit: <img src=x onerror=alert(1)>)" in hover(page, exit_["x"], exit_["y"])
    assert page.evaluate("document.querySelectorAll('img').length") == 0


def test_report_html_inlines_the_heatmap_with_the_trades(browser, tmp_path):
    from liqbt.config import load_config
    from liqbt.pipeline import run_experiment, write_run
    from test_pipeline import write

    run = run_experiment(load_config(write(tmp_path)))
    paths = write_run(run, tmp_path / "out")
    assert paths["heatmap_html"].exists()
    with offline_page(browser, paths["report"]) as (pg, check):
        frame = pg.frame_locator("iframe").first
        frame.locator("body[data-ready='1']").wait_for(timeout=20_000)
        handle = next(f for f in pg.frames if f != pg.main_frame)
        assert len(handle.evaluate("liqbt.markers()")) > 0, "the run's trades are drawn"
        pg.locator("iframe").screenshot(path=str(artefact_dir(tmp_path) / "report_heatmap.png"))
        assert check.console_errors == [] and check.page_errors == [] and check.blocked_requests == []
