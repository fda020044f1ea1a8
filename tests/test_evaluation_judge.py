"""judge(): the placebo distribution, per-label and per-period returns of the same backtests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqbt.calibration.predictor import CALIBRATED_HEATMAP
from liqbt.data import generate_market
from liqbt.errors import ConfigError
from liqbt.evaluation import compare_to_baselines, compound_by, judge, placebo_test
from liqbt.heatmap import reconstruct
from liqbt.strategy import StrategyContext, get_strategy


def test_placebo_test_by_hand():
    out = placebo_test(0.30, [0.1, 0.2, 0.35, np.nan])
    assert out["n"] == 3 and out["n_nan"] == 1
    assert out["p_value"] == pytest.approx((1 + 1) / 4)  # one placebo (0.35) at or above
    assert out["rank_pct"] == pytest.approx(2 / 3)
    assert out["median"] == pytest.approx(0.2)
    top = placebo_test(1.0, np.arange(19) / 100)
    assert top["p_value"] == pytest.approx(0.05)  # above all 19: the smallest p-value 19 seeds allow
    assert np.isnan(placebo_test(1.0, [])["p_value"])


def test_compound_by_by_hand():
    index = pd.date_range("2025-01-01", periods=4, freq="h", tz="UTC")
    returns = pd.DataFrame({"a": [0.1, -0.1, 0.2, np.nan]}, index=index)
    keys = pd.Series(["up", "down", "up", "down"], index=index)
    table = compound_by(returns, keys)
    assert table.loc["up", "a"] == pytest.approx(1.1 * 1.2 - 1)
    assert table.loc["down", "a"] == pytest.approx(-0.1)
    assert table.loc["up", "bars"] == 2 and table["bars"].dtype == np.int64
    with pytest.raises(ConfigError, match="indexed like the market"):
        compound_by(returns, keys.iloc[:3])


@pytest.fixture(scope="module")
def ctx():
    market = generate_market(1200, "5m", seed=5)
    return StrategyContext(market, {"main": reconstruct(market, CALIBRATED_HEATMAP, snapshot_every=6)})


def test_judge_uses_the_same_runs_as_compare_to_baselines(ctx):
    strategy = get_strategy("magnet_zone")()
    labels = pd.Series(np.where(np.arange(len(ctx.market)) % 3 == 0, "a", "b"), index=ctx.market.index)
    out = judge(strategy, ctx, seeds=range(4), labels=labels, period="D")
    table = compare_to_baselines(strategy, ctx, seeds=range(4))
    pd.testing.assert_frame_equal(out.summary, table)
    # compounding every period (or every label) gives back each variant's total return
    for variant in out.returns.columns:
        total = table.loc[variant, "total_return"]
        assert np.prod(1 + out.by_period[variant]) - 1 == pytest.approx(total, abs=1e-9)
        assert np.prod(1 + out.by_label[variant]) - 1 == pytest.approx(total, abs=1e-9)
    assert out.by_label["bars"].sum() == len(ctx.market)
    placebo = table.loc[[f"placebo_{s}" for s in range(4)], "total_return"]
    assert out.placebo["total_return"]["p_value"] == pytest.approx(
        (1 + (placebo >= table.loc["heatmap", "total_return"]).sum()) / 5)


def test_judge_on_a_truncated_market_keeps_the_returns_before_the_cut(ctx):
    strategy = get_strategy("magnet_zone")()
    cut = 900
    short_market = ctx.market.slice(None, ctx.market.index[cut])
    short = StrategyContext(short_market, {"main": reconstruct(short_market, CALIBRATED_HEATMAP, snapshot_every=6)})
    full = judge(strategy, ctx, seeds=range(2), period=None).returns
    part = judge(strategy, short, seeds=range(2), period=None).returns
    # the last bar of the cut market may close positions at its end; every bar before it is the same
    pd.testing.assert_frame_equal(part.iloc[:cut - 1], full.iloc[:cut - 1])
