"""Heatmap pictures: the PNG is drawn, the HTML renders in real headless Chromium without errors."""

import numpy as np
import pandas as pd

from browser import open_page
from liqbt.plots import HeatmapView
from liqbt.plots.heatmap_html import write_heatmap_html
from liqbt.plots.heatmap_png import write_heatmap_png


def _view(name="30d", seed=0, n_times=200, n_bins=400):
    rng = np.random.default_rng(seed)
    times = pd.date_range("2025-01-01 01:00", periods=n_times, freq="1h", tz="UTC")
    edges = np.geomspace(80_000, 120_000, n_bins + 1)
    price = 100_000 * np.exp(np.cumsum(rng.normal(0, 0.003, n_times)))
    centres = np.sqrt(edges[1:] * edges[:-1])
    below = centres[None, :] < price[:, None]
    mass = rng.gamma(0.3, 1e6, size=(n_times, n_bins)).astype(np.float32)
    return HeatmapView(name=name, times=times, bin_edges=edges, long=np.where(below, mass, 0),
                       short=np.where(~below, mass, 0), price_times=times, price=price)


def test_downsample_keeps_usd_and_the_latest_snapshot():
    view = _view(n_times=1000, n_bins=1000)
    small = view.downsample(max_times=100, max_bins=100)
    assert small.long.shape == (100, 100) and small.times[-1] == view.times[-1]
    last_full, last_small = view.long[-1].sum() + view.short[-1].sum(), small.long[-1].sum() + small.short[-1].sum()
    assert np.isclose(last_full, last_small, rtol=1e-5)


def test_png_is_written(tmp_path):
    path = write_heatmap_png(_view(), tmp_path / "map.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_html_renders_in_chromium_without_errors_and_is_not_blank(tmp_path):
    path = write_heatmap_html([_view("30d"), _view("24h", seed=1)], tmp_path / "map.html")
    clicks = ("#sides button[data-side=long]", "#sides button[data-side=short]", "#scales button[data-scale=absolute]",
              "#views button[data-view='1']", "#sides button[data-side=both]")
    check = open_page(path, clicks=clicks, screenshot=tmp_path / "shot.png")
    assert check.console_errors == [] and check.page_errors == []
    assert check.lit_fraction > 0.05, "the heatmap canvas is (nearly) blank"
    assert check.title == "liqbt liquidation heatmap"


def test_liqbt_heatmap_writes_one_png_per_window_and_a_switchable_html(tmp_path):
    import subprocess
    import sys

    from conftest import PROJECT_ROOT, shared_path

    shared_path("coinglass-btc-1h")
    proc = subprocess.run([sys.executable, "-m", "liqbt", "heatmap", "configs/heatmap_btc_1h_vendor.yaml", "--out",
                           str(tmp_path)], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert proc.returncode == 0, proc.stderr
    for name in ("context", "execution"):
        assert (tmp_path / f"heatmap_{name}.png").stat().st_size > 20_000
        assert len(pd.read_parquet(tmp_path / f"features_{name}.parquet")) == 1863
    check = open_page(tmp_path / "heatmap.html", clicks=("#views button[data-view='1']",))
    assert check.console_errors == [] and check.page_errors == [] and check.lit_fraction > 0.05


def test_png_relative_and_absolute_scales_date_axis_and_usd_colour_bar(tmp_path, monkeypatch):
    import pytest

    from liqbt.errors import ConfigError
    from liqbt.plots import heatmap_png
    from liqbt.plots.heatmap_png import usd_label

    assert [usd_label(v) for v in (633e6, 1.2e9, 45_000, 12.5)] == ["633M", "1.2B", "45k", "12.5"]
    drawn = {}
    save = heatmap_png.save_png

    def keep(fig, path, **kw):  # read the figure's labels once save_png has drawn it
        written = save(fig, path, **kw)
        ax, bar = fig.axes[0], fig.axes[1]
        drawn[len(drawn)] = (ax.get_title(), [t.get_text() for t in ax.get_xticklabels()],
                             bar.get_ylabel(), [t.get_text() for t in bar.get_yticklabels()])
        return written

    monkeypatch.setattr(heatmap_png, "save_png", keep)
    view = _view()
    view = HeatmapView(**{**view.__dict__, "subtitle": "BTCUSDT · binance · window 7d"})
    write_heatmap_png(view, tmp_path / "abs.png")
    write_heatmap_png(view, tmp_path / "rel.png", scale="relative", side="long")
    (title, xticks, label, ticks), (rtitle, _, rlabel, rticks) = drawn[0], drawn[1]
    assert "absolute scale" in title and "BTCUSDT · binance · window 7d" in title
    assert "relative scale" in rtitle and "longs" in rtitle
    assert any("Jan" in t or "2025" in t for t in xticks), xticks  # dates, not day counts
    assert label.startswith("USD") and any(t.endswith(("k", "M")) for t in ticks), ticks
    assert rlabel.startswith("share") and any(t.endswith("%") for t in rticks), rticks
    with pytest.raises(ConfigError, match="absolute' or 'relative"):
        write_heatmap_png(view, tmp_path / "bad.png", scale="log")


def _pixels(data: bytes) -> np.ndarray:
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


def test_save_png_draws_the_pixels_savefig_draws(tmp_path, monkeypatch):
    # the PNG is encoded differently (RGB, zlib level 3, no Software text), the picture is the same
    import io

    from liqbt.plots import heatmap_png
    from liqbt.plots.figure import save_png

    drawn = []
    monkeypatch.setattr(heatmap_png, "save_png", lambda fig, path, **kw: drawn.append((fig, kw)))
    write_heatmap_png(_view(), tmp_path / "unused.png", width_px=800, height_px=450)
    (fig, kw), = drawn
    reference = io.BytesIO()
    fig.savefig(reference, format="png", **kw)
    ours = save_png(fig, tmp_path / "map.png", **kw).read_bytes()
    assert ours[25] == 2  # colour type 2: RGB, the picture being opaque
    assert np.array_equal(_pixels(ours), _pixels(reference.getvalue()))


def test_equity_and_heatmap_pictures_leave_pyplot_alone(tmp_path):
    # pyplot (0.1 s to import) and a backend switch in the user's session: neither is needed to draw a PNG
    import subprocess
    import sys
    from pathlib import Path

    probe = (
        "import sys\nimport numpy as np, pandas as pd\nfrom liqbt.plots.equity_png import write_equity_png\n"
        "value = pd.Series(np.linspace(100, 120, 500), index=pd.date_range('2025-01-01', periods=500, freq='5min',"
        " tz='UTC'))\nwrite_equity_png(value, sys.argv[1])\nprint('matplotlib.pyplot' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "equity.png")], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False" and (tmp_path / "equity.png").stat().st_size > 10_000
