"""Support for the heatmap tests (no tests here): synthetic random-walk markets and kernel/reference comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd

from heatmap_reference import reference
from liqbt.data import Market
from liqbt.heatmap.single import run_arrays
from liqbt.heatmap.enums import FEATURES, TOTALS
from liqbt.heatmap.grid import bar_range, fit_lattice, make_grid, with_grid
from liqbt.heatmap.nb import densify_nb
from liqbt.heatmap.inputs import bar_arrays, model_arrays


def random_market(seed: int = 0, n_bars: int = 200, *, bar_size: str = "1h", oi_every: int = 1,
                  vol: float = 0.004, oi_vol: float = 0.01, start_price: float = 60_000.0,
                  with_mark: bool = True, with_taker: bool = True, with_funding: bool = True,
                  oi_start_bar: int = 3, drift: float = 0.0) -> Market:
    """A random-walk market with OI known at bar opens (changing every ``oi_every`` bars; ``drift`` log-return per bar)."""
    rng = np.random.default_rng(seed)
    step = pd.Timedelta(bar_size)
    index = pd.date_range("2024-01-01", periods=n_bars, freq=step, tz="UTC", name="time")
    close = start_price * np.exp(np.cumsum(rng.normal(drift, vol, n_bars)))
    open_ = np.concatenate(([start_price], close[:-1]))
    wick = np.abs(rng.normal(0.0, vol, (2, n_bars)))
    high = np.maximum(open_, close) * (1 + wick[0])
    low = np.minimum(open_, close) * (1 - wick[1])
    volume = rng.uniform(50, 500, n_bars)
    candles = pd.DataFrame({"open": open_, "high": high, "low": low, "close": close, "volume": volume},
                           index=index)
    if with_taker:
        candles["taker_buy_volume"] = volume * rng.uniform(0.2, 0.8, n_bars)
    # OI snapshots at bar opens every oi_every bars, from oi_start_bar on
    k = np.arange(oi_start_bar, n_bars, oi_every)
    oi = 2e9 * np.exp(np.cumsum(rng.normal(0.0, oi_vol, len(k))))
    open_interest = pd.Series(oi, index=index[k])
    funding = None
    if with_funding:
        ft = index[::8]
        funding = pd.Series(rng.normal(1e-4, 2e-4, len(ft)), index=ft)
    mark = None
    if with_mark:
        noise = 1 + rng.normal(0, vol / 10, (4, n_bars))
        mo, mc = open_ * noise[0], close * noise[1]
        mark = pd.DataFrame({"open": mo, "close": mc,
                             "high": np.maximum(np.maximum(mo, mc), high * noise[2]),
                             "low": np.minimum(np.minimum(mo, mc), low * noise[3])}, index=index)
    return Market.from_parts(candles, bar_size=bar_size, symbol="BTCUSDT", venue="binance", source="synthetic",
                             open_interest=open_interest, funding=funding, mark=mark,
                             mark_bar_size=bar_size if with_mark else None)

RTOL = 1e-9


def prepared(market, model, snapshot_every=None):
    bars = bar_arrays(market, model, snapshot_every)
    grid = make_grid(model, float(bars.open[0]))
    arrays = model_arrays(model, grid, market.bar_size, venue=market.venue, at=market.index[0])
    if model.n_bins is None:    # the lattice window holding every liquidation price, as run_kernel fits it
        grid = fit_lattice(model, float(bars.open[0]), *bar_range(bars), [arrays])
        arrays = with_grid(arrays, grid)
    return bars, grid, arrays


def dense_snapshots(got, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """The sparse snapshots of a kernel result as dense (n_snapshots, n_bins) float32 profiles over the grid."""
    n = len(got.snap_rows)
    long, short = np.empty((n, n_bins), dtype=np.float32), np.empty((n, n_bins), dtype=np.float32)
    densify_nb(got.snap_start, got.snap_off, got.snap_vals, np.arange(n, dtype=np.int64), 0, long, short)
    return long, short


def assert_close_columns(got: np.ndarray, want: np.ndarray, names, rtol: float = RTOL) -> None:
    """Equal NaN patterns; values within ``rtol`` of ``max(|want|, column scale)``.

    The column scale (largest magnitude in the column) is the "relative" yardstick for
    values that come out of long running sums and can approach zero after cancellation.
    """
    assert got.shape == want.shape
    nan_g, nan_w = np.isnan(got), np.isnan(want)
    bad = np.argwhere(nan_g != nan_w)
    assert len(bad) == 0, f"NaN mismatch at (bar, column) {bad[:5].tolist()} " \
                          f"{[names[j] for j in np.unique(bad[:, 1])]}"
    with np.errstate(invalid="ignore"):
        scale = np.nanmax(np.where(nan_w, 0.0, np.abs(want)), axis=0) if len(want) else 0
        tol = rtol * np.maximum(np.abs(np.nan_to_num(want)), scale)
        diff = np.abs(np.nan_to_num(got) - np.nan_to_num(want))
    bad = np.argwhere(diff > tol)
    assert len(bad) == 0, (f"{len(bad)} mismatches, first (bar, column) {bad[:5].tolist()} "
                           f"{[names[j] for j in np.unique(bad[:, 1])]}: got {got[tuple(bad[0])]}, "
                           f"want {want[tuple(bad[0])]}")


def compare_with_reference(market, model, snapshot_every=3):
    bars, grid, arrays = prepared(market, model, snapshot_every)
    got = run_arrays(bars, grid, arrays, totals=True)
    feats, totals, rows, sl, ss = reference(bars, grid, arrays)
    assert_close_columns(got.features, feats, FEATURES)
    assert_close_columns(got.totals, totals, TOTALS)
    np.testing.assert_array_equal(got.snap_rows, rows)
    for a, b in zip(dense_snapshots(got, len(grid.edges) - 1), (sl, ss)):
        scale = max(float(np.abs(b).max()) if b.size else 0.0, 1.0)
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6 * scale)
    return got
