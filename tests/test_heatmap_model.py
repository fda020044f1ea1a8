"""HeatmapModel validation, grid placement and the arrays handed to the kernel."""

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from heatmap_reference import UNCALIBRATED, uncalibrated  # noqa: F401  (pre-calibration defaults)
from liqbt.errors import ConfigError
from liqbt.heatmap import HeatmapModel
from liqbt.heatmap.enums import FP, IP
from liqbt.heatmap.grid import make_grid
from liqbt.heatmap.inputs import model_arrays, snapshot_flags
from liqbt.margin import BTCUSDT_DEFAULT, liquidation_ratio


def test_defaults_are_valid_and_frozen():
    m = uncalibrated()
    assert [t.leverage for t in m.leverage_tiers] == [5, 10, 25, 50, 100]
    with pytest.raises(ValidationError):
        m.window = "7d"


def test_typo_suggests_the_closest_key():
    with pytest.raises(ConfigError, match="did you mean 'window'"):
        uncalibrated(windw="3d")
    with pytest.raises(ConfigError, match=r"leverage_tiers\[0\][\s\S]*did you mean 'weight'"):
        uncalibrated(leverage_tiers=[{"leverage": 5, "wieght": 1}])


@pytest.mark.parametrize("field,value", [("window", "3x"), ("bin_size_bps", -1), ("n_bins", 1),
                                         ("candle_long_share", 1.5), ("entry_price", "vwap"),
                                         ("leverage_tiers", []), ("decay_half_life", "0h")])
def test_invalid_values_are_rejected(field, value):
    with pytest.raises(ConfigError, match=field):
        uncalibrated(**{field: value})


def test_window_presets_parse():
    for w, days in (("12h", 0.5), ("3d", 3), ("1y", 365)):
        assert uncalibrated(window=w).window_delta() == pd.Timedelta(days=days)
    assert uncalibrated(window="all").window_delta() is None


def test_log_grid_is_centred_on_first_open_with_geometric_centres():
    g = make_grid(uncalibrated(n_bins=4, bin_size_bps=100), 100.0)
    np.testing.assert_allclose(g.edges, 100 * 1.01 ** np.arange(-2, 3), rtol=1e-14)
    np.testing.assert_allclose(g.centres[1:-1], np.sqrt(g.edges[:-1] * g.edges[1:]), rtol=0)
    assert g.centres[0] == g.edges[0] and g.centres[-1] == g.edges[-1]


def test_linear_grid_must_stay_positive():
    with pytest.raises(ConfigError, match="bin_size_usd"):
        make_grid(uncalibrated(grid="linear", bin_size_usd=100, n_bins=1000), 30_000.0)


def test_model_arrays_use_bracket_at_liquidation_price():
    model = uncalibrated(position_notional_usd=52_000)
    grid = make_grid(model, 67_000.0)
    arr = model_arrays(model, grid, pd.Timedelta("1h"), at="2024-06-01")   # the 2021 table in force
    # 10x long: 52,000 USD is bracket 2 at entry but bracket 1 at the liquidation price
    assert arr.ratio_long[1] == pytest.approx(0.9 / 0.996, rel=1e-12)
    assert arr.ratio_short[1] == pytest.approx(liquidation_ratio(10, "short", notional_usd=52_000,
                                                                 brackets=BTCUSDT_DEFAULT), rel=1e-12)
    assert arr.weight.sum() == pytest.approx(1.0)
    assert arr.iparams[IP.WINDOW_BARS] == 30 * 24


def test_constant_mmr_ratios():
    model = uncalibrated(maintenance="constant", constant_mmr=0.004)
    arr = model_arrays(model, make_grid(model, 67_000.0), pd.Timedelta("1h"))
    assert arr.ratio_long[1] * 67_000 == pytest.approx(60_542.1686746988, rel=1e-12)


def test_decay_factor_per_bar():
    model = uncalibrated(decay_half_life="2h")
    arr = model_arrays(model, make_grid(model, 100.0), pd.Timedelta("1h"))
    assert arr.fparams[FP.DECAY] == pytest.approx(0.5 ** 0.5)


def test_leverage_liquidated_at_entry_is_an_error():
    model = uncalibrated(leverage_tiers=[{"leverage": 300, "weight": 1}])
    with pytest.raises(ConfigError, match=r"leverage_tiers\[0\]"):
        model_arrays(model, make_grid(model, 100.0), pd.Timedelta("1h"), at="2024-06-01")   # 2021: no max leverage


def test_snapshot_flags():
    idx = pd.date_range("2024-01-01 00:00", periods=24, freq="15min", tz="UTC")
    flags = snapshot_flags(idx, pd.Timedelta("15min"), "1h")
    assert list(np.flatnonzero(flags)) == [3, 7, 11, 15, 19, 23]   # bars closing at full hours
    assert list(np.flatnonzero(snapshot_flags(idx, pd.Timedelta("15min"), 10))) == [9, 19]
    with pytest.raises(ConfigError, match="multiple"):
        snapshot_flags(idx, pd.Timedelta("15min"), "20min")
