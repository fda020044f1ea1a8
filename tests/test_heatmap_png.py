"""The static heatmap picture (#15 item 2): candles or a price line, absolute or relative scale, the CLI
switches, and the option pictures of docs/heatmap.md (scripts/figures_heatmap.py)."""

import importlib.util
import re

import numpy as np
import pandas as pd
import pytest

from conftest import PROJECT_ROOT, SHARED_DATA, shared_path
from liqbt.plots import HeatmapView
from liqbt.plots.heatmap_png import CANDLE_DOWN, CANDLE_UP, write_heatmap_panels, write_heatmap_png


def _view(n_candles=48, seed=0, n_bins=300):
    """Hourly candles and a snapshot at each close, bins around the price."""
    rng = np.random.default_rng(seed)
    opens_at = pd.date_range("2025-03-01", periods=n_candles, freq="1h", tz="UTC")
    close = 100_000 * np.exp(np.cumsum(rng.normal(0, 0.004, n_candles)))
    open_ = np.concatenate([[100_000.0], close[:-1]])
    high = np.maximum(open_, close) * (1 + rng.uniform(0.001, 0.004, n_candles))
    low = np.minimum(open_, close) * (1 - rng.uniform(0.001, 0.004, n_candles))
    candles = pd.DataFrame({"open": open_, "high": high, "low": low, "close": close}, index=opens_at)
    edges = np.geomspace(70_000, 140_000, n_bins + 1)
    centres = np.sqrt(edges[1:] * edges[:-1])
    below = centres[None, :] < close[:, None]
    mass = rng.gamma(0.3, 1e6, size=(n_candles, n_bins))
    times = opens_at + pd.Timedelta(hours=1)
    return HeatmapView(name="7d", times=times, bin_edges=edges, long=np.where(below, mass, 0.0),
                       short=np.where(~below, mass, 0.0), price_times=times, price=close, subtitle="BTCUSDT · binance",
                       candles=candles, candle_size=pd.Timedelta(hours=1))


@pytest.fixture
def drawn(monkeypatch):
    """The figures ``save_png`` renders, kept for the test to read their artists."""
    from liqbt.plots import heatmap_png

    figures, save = [], heatmap_png.save_png

    def keep(fig, path, **kw):
        figures.append(fig)
        return save(fig, path, **kw)

    monkeypatch.setattr(heatmap_png, "save_png", keep)
    return figures


def _by_gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def test_candles_are_drawn_with_each_bar_s_open_high_low_close(tmp_path, drawn):
    import matplotlib.dates as mdates
    from matplotlib.colors import to_hex

    view = _view()
    write_heatmap_png(view, tmp_path / "map.png")
    ax = drawn[0].axes[0]
    assert "absolute scale), 2025-03-01 01:00 → 2025-03-03 00:00 UTC\nBTCUSDT · binance" in ax.get_title()
    (wicks,), (bodies,) = _by_gid(ax, "candle_wicks"), _by_gid(ax, "candle_bodies")
    assert _by_gid(ax, "price_line") == []
    segments, boxes = wicks.get_segments(), [p.vertices for p in bodies.get_paths()]
    assert len(segments) == len(boxes) == 48  # 48 candles: none merged
    colours = [to_hex(c) for c in bodies.get_facecolors()]
    for i in (0, 17, 47):
        bar = view.candles.iloc[i]
        middle = mdates.date2num((view.candles.index[i] + pd.Timedelta(minutes=30)).tz_convert(None))
        assert np.allclose(segments[i][:, 0], middle)
        assert np.allclose(sorted(segments[i][:, 1]), [bar.low, bar.high])
        assert np.isclose(boxes[i][:, 1].min(), min(bar.open, bar.close))
        assert np.isclose(boxes[i][:, 1].max(), max(bar.open, bar.close))
        assert colours[i] == (CANDLE_UP if bar.close >= bar.open else CANDLE_DOWN)


def test_too_many_candles_are_merged_without_losing_a_wick(tmp_path, drawn):
    view = _view(n_candles=3000)
    write_heatmap_png(view, tmp_path / "map.png", width_px=800)
    (wicks,) = _by_gid(drawn[0].axes[0], "candle_wicks")
    segments = np.array(wicks.get_segments())
    assert 100 <= len(segments) <= 200  # 25 per 100 px
    assert np.isclose(segments[:, :, 1].max(), view.candles["high"].max())
    assert np.isclose(segments[:, :, 1].min(), view.candles["low"].min())


def test_png_and_page_take_one_candle_size_when_none_is_given():
    from dataclasses import replace

    from liqbt.plots.heatmap_html import heatmap_html

    view = _view()
    quarter = view.candles.set_axis(pd.date_range("2025-03-01", periods=len(view.candles), freq="15min", tz="UTC"))
    assert replace(view, candles=quarter, candle_size=None).candle_span() == pd.Timedelta(minutes=15)  # usual spacing
    unknown = replace(view, candle_size=None)
    one = replace(unknown, candles=unknown.candles.iloc[:1])
    assert one.candle_span() == pd.Timedelta(hours=1)  # one candle alone: an hour, in both outputs
    page = heatmap_html([one], title="t")
    assert '"ms": 3600000' in page or '"ms":3600000' in page


def test_price_line_instead_of_candles(tmp_path, drawn):
    view = _view()
    write_heatmap_png(view, tmp_path / "map.png", price="line")
    ax = drawn[0].axes[0]
    (line,) = _by_gid(ax, "price_line")
    assert np.allclose(line.get_ydata(), view.price)
    assert _by_gid(ax, "candle_bodies") == _by_gid(ax, "candle_wicks") == []


def test_absolute_scale_is_usd_and_relative_scale_is_a_share_in_0_1(tmp_path, drawn):
    from matplotlib.collections import QuadMesh

    view = _view()
    write_heatmap_png(view, tmp_path / "abs.png")
    write_heatmap_png(view, tmp_path / "rel.png", scale="relative")
    (absolute,), (relative,) = ([a for a in fig.axes[0].get_children() if isinstance(a, QuadMesh)] for fig in drawn)
    assert drawn[0].axes[1].get_ylabel().startswith("USD resting per band (capped at ")
    assert drawn[1].axes[1].get_ylabel() == "share of the column's resting USD"
    usd, share = np.asarray(absolute.get_array()), np.asarray(relative.get_array())
    assert usd.max() > 1e5
    assert share.min() >= 0.0 and share.max() <= 1.0 and share.max() > 0.0
    # shares of the whole column: the drawn bins (the price range) hold at most all of it
    columns = share.reshape(-1, len(view.times)) if share.ndim == 1 else share
    assert np.all(columns.sum(axis=0) <= 1.0 + 1e-9)
    assert "relative scale" in drawn[1].axes[0].get_title()


def test_title_names_the_decay_with_the_rest_of_the_model():
    from types import SimpleNamespace

    from liqbt.heatmap import HeatmapModel
    from liqbt.plots.heatmap_view import describe_map

    model = HeatmapModel(window="30d", decay_half_life="3d", tier_filter={"min": 50})
    text = describe_map(SimpleNamespace(model=model, venues=("binance",)), SimpleNamespace(symbol="BTCUSDT"))
    assert "only ≤10x" in describe_map(SimpleNamespace(model=HeatmapModel(tier_filter={"max": 10}), venues=()),
                                       SimpleNamespace(symbol=""))
    assert text == ("BTCUSDT · binance · window 30d · only ≥50x · range entries, lognormal 2-125x (median 25x, "
                    "sigma 1.3), fraction_of_oi closes · decay half-life 3d")


def test_bins_are_cropped_to_the_drawn_price_range_before_downsampling():
    view = _view(n_bins=4000)
    lo, hi = view.price_range()
    cropped = view.bins_between(lo, hi)
    assert cropped.bin_edges[0] <= lo < cropped.bin_edges[1] and cropped.bin_edges[-2] < hi <= cropped.bin_edges[-1]
    assert cropped.long.shape == (len(view.times), len(cropped.bin_edges) - 1) < view.long.shape


def test_between_cuts_columns_prices_and_candles_by_their_close():
    view = _view()
    part = view.between("2025-03-01 10:00", "2025-03-01 20:00")
    assert part.times[0] == pd.Timestamp("2025-03-01 11:00", tz="UTC") and part.times[-1] == pd.Timestamp(
        "2025-03-01 20:00", tz="UTC")
    assert len(part.candles) == len(part.times) == len(part.price) == 10
    assert part.candles.index[0] == pd.Timestamp("2025-03-01 10:00", tz="UTC")


def test_panels_take_one_scale_and_price_style_each(tmp_path, drawn):
    view = _view()
    write_heatmap_panels([view, view], tmp_path / "two.png", title="two ways", scale=("absolute", "relative"),
                         price=("candles", "line"))
    top, bottom = drawn[0].axes[0], drawn[0].axes[1]
    assert _by_gid(top, "candle_bodies") and _by_gid(bottom, "price_line")
    assert drawn[0].axes[2].get_ylabel().startswith("USD") and drawn[0].axes[3].get_ylabel() == "share of column"
    with pytest.raises(ValueError, match="2 views but 1 scales"):
        write_heatmap_panels([view, view], tmp_path / "bad.png", scale=("absolute",))


@pytest.mark.parametrize("flag, value", [("--scale", "log"), ("--price", "bars")])
def test_cli_refuses_an_unknown_scale_or_price_style(flag, value, capsys):
    from liqbt.cli.main import main

    assert main(["heatmap", "configs/heatmap_btc_1h_vendor.yaml", flag, value]) == 2
    assert f"argument {flag}: invalid choice: '{value}'" in capsys.readouterr().err


def test_cli_help_documents_the_switches(capsys):
    from liqbt.cli.main import main

    with pytest.raises(SystemExit):
        main(["heatmap", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--scale {absolute,relative}" in text and "--price {candles,line}" in text
    assert "relative" in text and "candles (the default" in text


# ------------------------------------------------------------------ the pictures of docs/heatmap.md
def _script():
    spec = importlib.util.spec_from_file_location("figures_heatmap", PROJECT_ROOT / "scripts" / "figures_heatmap.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_explain_every_model_option_and_show_every_family_s_picture():
    from liqbt.heatmap import HeatmapModel, LeverageDistribution

    text = (PROJECT_ROOT / "docs" / "heatmap.md").read_text()
    missing = [f for f in (*HeatmapModel.model_fields, *LeverageDistribution.model_fields) if f"`{f}`" not in text]
    assert missing == [], f"docs/heatmap.md does not explain {missing}"
    for flag in ("--export", "--at", "--scale", "--price", "profile_at", "snapshot_every"):
        assert flag in text
    script = _script()
    shown = set(re.findall(r"img/heatmap_(\w+)\.png", text))
    assert shown == set(script.FAMILIES)
    for family in script.FAMILIES:
        assert (PROJECT_ROOT / "docs" / "img" / f"heatmap_{family}.png").stat().st_size > 50_000


def test_figure_functions_draw_real_data_on_a_small_slice(tmp_path):
    shared_path("binance-um", "futures")
    shared_path("multivenue-1h")
    script = _script()
    start, end = pd.Timestamp("2025-10-08", tz="UTC"), pd.Timestamp("2025-10-12", tz="UTC")
    markets = script.load_markets(start, end, data=SHARED_DATA)
    show = (pd.Timestamp("2025-10-09", tz="UTC"), end)
    views = script.family_views("window", markets["5m"], show)
    assert [v.name for v in views] == ["window 12h", "window 7d (default)", "window 30d"]
    for view in views:
        # the 5m candles that close in the 3 days shown
        assert view.times[0] > show[0] and view.times[-1] <= show[1] and len(view.candles) == 3 * 288
    for family in ("window", "venues", "display"):
        path = script.family_figure(family, markets[script.FAMILIES[family][1]], tmp_path, show)
        assert path == tmp_path / f"heatmap_{family}.png" and path.read_bytes()[:4] == b"\x89PNG"
