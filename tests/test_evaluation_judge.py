"""judge(): the placebo distribution, per-label and per-period returns of the same backtests."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from liqbt.calibration.predictor import CALIBRATED_HEATMAP
from liqbt.data import generate_market
from liqbt.errors import ConfigError
from liqbt.evaluation import compare_to_baselines, compound_by, daily_regimes, judge, placebo_test
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


def test_daily_regimes_label_each_bar_with_its_day_and_never_change_an_earlier_day():
    market = generate_market(288 * 40, "5m", seed=3)
    labels = daily_regimes(market)
    assert labels.index.equals(market.index)
    assert (labels.groupby(market.index.floor("1D")).nunique() == 1).all()  # one label per UTC day
    assert set(labels) <= {"trend_up", "trend_down", "range", "cascade", "unlabelled"}
    assert (labels.iloc[:288 * 7] == "unlabelled").all()  # a week of history before a trend is known
    cut = market.slice(None, market.index[288 * 30])
    pd.testing.assert_series_equal(daily_regimes(cut), labels.iloc[:288 * 30])


def test_liqbt_run_writes_and_prints_the_placebo_test_and_regime_returns(tmp_path, capsys):
    from liqbt.cli.main import main

    config = tmp_path / "run.yaml"
    config.write_text("""
name: judged
data: {sources: [{format: synthetic, bars: 4000, bar_size: 5m, seed: 7}]}
heatmaps: {main: {}}
strategy: {name: magnet_zone}
backtest: {liquidation: {trigger: last}}
evaluation: {placebo_seeds: 4}
output: {dir: out, snapshot_every: 1h}
""")
    assert main(["run", str(config)]) == 0
    printed = capsys.readouterr().out
    assert "placebo test, total return" in printed and "per daily regime" in printed
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["placebo_test"]["total_return"]["n"] == 4
    by_regime = pd.read_csv(tmp_path / "out" / "baselines_by_regime.csv", index_col="regime")
    by_period = pd.read_csv(tmp_path / "out" / "baselines_by_period.csv", index_col="period")
    assert by_regime["bars"].sum() == by_period["bars"].sum() == 4000
    baselines = pd.read_csv(tmp_path / "out" / "baselines.csv", index_col="variant")
    for table in (by_regime, by_period):  # compounding the parts gives each variant's whole return
        for variant in ("heatmap", "sr", "buy_and_hold"):
            assert np.prod(1 + table[variant]) - 1 == pytest.approx(baselines.loc[variant, "total_return"], abs=1e-9)
