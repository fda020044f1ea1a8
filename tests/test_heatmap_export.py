"""``liqbt heatmap --export`` (the grid as Parquet) and ``--at TIME`` (the profile known at a time)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from liqbt.cli.main import main
from liqbt.data import generate_market
from liqbt.errors import DataError
from liqbt.heatmap import HeatmapModel, reconstruct
from liqbt.heatmap.export import GRID_COLUMNS, PROFILE_COLUMNS, grid_frame, profile_table

MODEL = HeatmapModel(window="2d")


@pytest.fixture(scope="module")
def market():
    return generate_market(400, "1h", seed=5)


@pytest.fixture(scope="module")
def result(market):
    return reconstruct(market, MODEL, snapshot_every="4h")


def test_grid_is_every_snapshot_times_its_occupied_bins_with_their_axes(result):
    grid = grid_frame(result, "main")
    snaps = result.snapshots
    spans = [snaps.occupied(i) for i in range(len(snaps))]
    assert list(grid.columns) == list(GRID_COLUMNS) and len(grid) == sum(b1 - b0 for b0, b1 in spans)
    one = grid[grid["time"] == snaps.times[7]]
    (b0, b1), s0 = spans[7], snaps.span[0]
    assert b1 > b0 and b1 - b0 < len(snaps.bin_centres)      # fewer bins than the span of every snapshot
    assert not snaps.long[7, :b0 - s0].any() and not snaps.long[7, b1 - s0:].any()
    np.testing.assert_array_equal(one["long_usd"], snaps.long[7, b0 - s0:b1 - s0].astype(float))
    np.testing.assert_array_equal(one["short_usd"], snaps.short[7, b0 - s0:b1 - s0].astype(float))
    np.testing.assert_array_equal(one["bin_low_usd"], snaps.bin_edges[b0 - s0:b1 - s0])
    np.testing.assert_array_equal(one["bin_high_usd"], snaps.bin_edges[b0 - s0 + 1:b1 - s0 + 1])
    np.testing.assert_array_equal(one["bin"], snaps.lattice_bins[b0 - s0:b1 - s0])
    assert (one["time"] - one["bar_open"]).unique().tolist() == [pd.Timedelta("1h")]  # known at the bar close


def test_profile_is_the_last_snapshot_at_or_before_time(market, result):
    snaps = result.snapshots
    when, price, table = profile_table(result, market.bars["close"], snaps.times[10] + pd.Timedelta("3h"))
    assert when == snaps.times[10]
    assert price == market.bars["close"].loc[snaps.bar_times[10]]
    assert list(table.columns) == list(PROFILE_COLUMNS)
    assert table["bin_low_usd"].is_monotonic_decreasing  # highest price first
    (b0, b1), s0 = snaps.occupied(10), snaps.span[0]
    np.testing.assert_allclose(table["long_usd"][::-1], snaps.long[10, b0 - s0:b1 - s0].astype(float))


def test_cumulative_usd_counts_from_the_price_outwards(market, result):
    _, price, table = profile_table(result, market.bars["close"], result.snapshots.times[20])
    below = table[table["bin_low_usd"] < price]
    above = table[table["bin_low_usd"] >= price]
    # a fall to a bin's low liquidates the longs of every bin from the price down to it
    np.testing.assert_allclose(below["cum_long_usd"], below["long_usd"].cumsum())
    assert (above["cum_long_usd"] == 0).all()
    up = table[table["bin_high_usd"] > price][::-1]
    np.testing.assert_allclose(up["cum_short_usd"], up["short_usd"].cumsum())
    assert (table[table["bin_high_usd"] <= price]["cum_short_usd"] == 0).all()


@pytest.mark.parametrize("cut", [120, 233])
def test_profile_at_time_uses_nothing_after_time(market, result, cut):
    """Bars cut at TIME leave the profile at TIME unchanged (and so the grid up to TIME)."""
    time = market.bars.index[cut]  # bars opening at or after TIME are cut; the last one kept closes at TIME
    part = reconstruct(market.head(cut), MODEL, snapshot_every="4h")
    full_when, full_price, full_table = profile_table(result, market.bars["close"], time)
    part_when, part_price, part_table = profile_table(part, market.head(cut).bars["close"], time, end=time)
    assert (part_when, part_price) == (full_when, full_price)
    pd.testing.assert_frame_equal(part_table, full_table)
    full_grid = grid_frame(result, "main")
    part_grid = grid_frame(part, "main")
    pd.testing.assert_frame_equal(part_grid, full_grid[full_grid["time"] <= time].reset_index(drop=True))


def test_time_outside_the_map_names_the_span(market, result):
    close = market.bars["close"]
    end = close.index[-1] + pd.Timedelta("1h")
    first = result.snapshots.times[0]
    for when in (first - pd.Timedelta("1min"), end + pd.Timedelta("1h")):
        with pytest.raises(DataError, match=re.escape(f"outside the map, which spans {first} -> {end}")) as info:
            profile_table(result, close, when, end=end, name="main")
        assert "\n" not in str(info.value)
    assert profile_table(result, close, end, end=end)[0] == result.snapshots.times[-1]


CONFIG = """\
name: export_test
data:
  sources:
    - format: synthetic
      bars: 300
      bar_size: 1h
      seed: 3
heatmaps:
  main:
    window: 2d
output:
  dir: out
  snapshot_every: 4h
"""


def test_cli_exports_the_grid_and_saves_the_profile(tmp_path, capsys):
    (tmp_path / "c.yaml").write_text(CONFIG)
    code = main(["heatmap", str(tmp_path / "c.yaml"), "--export", str(tmp_path / "grid.parquet"),
                 "--at", "2025-01-05T13:30"])
    out, err = capsys.readouterr()
    assert code == 0, err
    grid = pd.read_parquet(tmp_path / "grid.parquet")
    assert list(grid.columns) == list(GRID_COLUMNS) and set(grid["heatmap"]) == {"main"}
    assert str(grid["time"].dtype) == "datetime64[ns, UTC]"
    profile = pd.read_csv(tmp_path / "out" / "profile_main_20250105T1330.csv")
    assert list(profile.columns) == list(PROFILE_COLUMNS)
    assert "main: profile at 2025-01-05 13:30:00+00:00 (snapshot known at 2025-01-05 12:00:00+00:00)" in out
    snap = grid[grid["time"] == pd.Timestamp("2025-01-05 12:00", tz="UTC")]
    np.testing.assert_allclose(profile["long_usd"][::-1], snap["long_usd"])


@pytest.mark.parametrize("args, message", [
    (["--at", "2030-01-01"], "heatmap main: --at 2030-01-01 00:00:00+00:00: outside the map, which spans "),
    (["--at", "yesterday-ish"], "argument --at: --at: 'yesterday-ish' is not a time"),
    (["--export", "grid.csv"], "argument --export: 'grid.csv': expected a path ending in .parquet"),
])
def test_cli_errors_are_one_line(tmp_path, capsys, args, message):
    (tmp_path / "c.yaml").write_text(CONFIG)
    code = main(["heatmap", str(tmp_path / "c.yaml"), *args])
    _, err = capsys.readouterr()
    assert code != 0 and message in err and len(err.strip().splitlines()) == 1, err
