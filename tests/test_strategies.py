"""Shipped strategies: registry, point in time on truncated data, real-data trade counts, baselines."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT_ROOT, shared_path

from liqbt.backtest import BacktestConfig, run_backtest
from liqbt.calibration.predictor import CALIBRATED_HEATMAP
from liqbt.config import load_config
from liqbt.data import generate_market, load_data
from liqbt.errors import ConfigError
from liqbt.heatmap import HeatmapModel, reconstruct
from liqbt.evaluation import BuyAndHold, compare_to_baselines
from liqbt.strategy import StrategyContext, available_strategies, get_strategy
from liqbt_strategies import MagnetZone

ZONE_STRATEGIES = ("magnet_zone", "sr_confluence", "stop_hunt", "imbalance_bias")
CONTEXT_MODEL = CALIBRATED_HEATMAP.model_copy(update={"window": "30d"})
EXECUTION_MODEL = CALIBRATED_HEATMAP.model_copy(update={"window": "24h"})
SIGNAL_FIELDS = ("long_entries", "long_exits", "short_entries", "short_exits", "sl_stop", "tp_stop")


def _context(market, snapshot_every=6) -> StrategyContext:
    return StrategyContext(market, {
        "main": reconstruct(market, CALIBRATED_HEATMAP, snapshot_every=snapshot_every),
        "context": reconstruct(market, CONTEXT_MODEL, snapshot_every=snapshot_every),
        "execution": reconstruct(market, EXECUTION_MODEL, snapshot_every=snapshot_every),
    })


@pytest.fixture(scope="module")
def synthetic():
    market = generate_market(1500, "5m", seed=11)
    return market, _context(market)


@pytest.fixture(scope="module")
def real():
    cfg = load_config(PROJECT_ROOT / "configs" / "btc_5m_vendor_oi.yaml")
    shared_path("binance-um")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        market = load_data(cfg.config.data, cfg.base_dir if hasattr(cfg, "base_dir") else PROJECT_ROOT / "configs")
    return _context(market, snapshot_every="1h")


# ------------------------------------------------------------------ registry and params
def test_all_shipped_strategies_are_registered():
    names = set(available_strategies())
    assert {*ZONE_STRATEGIES, "magnet_zone_two_window", "buy_and_hold"} <= names
    assert get_strategy("magnet_zone") is MagnetZone


@pytest.mark.parametrize("name", [*ZONE_STRATEGIES, "magnet_zone_two_window", "magnet_zone_depth"])
def test_parameters_have_defaults_ranges_and_docs(name):
    cls = get_strategy(name)
    for key, spec in cls.params.items():
        assert spec.doc, f"{name}.{key} has no doc"
        assert spec.validate(key, spec.default, name) == spec.default
        assert spec.choices is not None or isinstance(spec.default, bool) or (
            spec.low is not None and spec.high is not None), f"{name}.{key} has no sweep range"
    # the level source is the context's (StrategyContext.level_source), not a strategy parameter
    assert "level_source" not in cls.params and "seed" not in cls.params
    assert len(cls.grid({"max_levels": [4, 6]})) == 2


def test_unknown_parameter_suggests_the_closest():
    with pytest.raises(ConfigError, match="dominance"):
        MagnetZone(dominanse=2.0)


def test_two_window_strategy_uses_two_roles_single_window_uses_main():
    assert get_strategy("magnet_zone_two_window").heatmaps == ("context", "execution")
    for name in ZONE_STRATEGIES:
        assert get_strategy(name).heatmaps == ("main",)
    market = generate_market(300, "5m", seed=1)
    with pytest.raises(ConfigError, match="context"):
        get_strategy("magnet_zone_two_window")().signals(StrategyContext(market, {"main": None}))


# ------------------------------------------------------------------ point in time
def _frame(sig, name):
    value = getattr(sig, name)
    if value is None:
        return None
    return value.to_frame() if isinstance(value, pd.Series) else value


CASES = [(name, source) for name in ZONE_STRATEGIES for source in ("heatmap", "placebo", "sr")] + [
    ("magnet_zone_two_window", "heatmap"), ("magnet_zone_two_window", "placebo"), ("buy_and_hold", None)]


@pytest.mark.parametrize("name,source", CASES)
def test_signals_on_truncated_data_equal_the_prefix(synthetic, name, source):
    market, ctx = synthetic
    cls = get_strategy(name)
    strat = cls()
    source = source or "heatmap"
    full = strat.signals(ctx.with_levels(source, 1))
    for k in (600, 1111):
        part = strat.signals(_context(market.head(k)).with_levels(source, 1))
        for field in SIGNAL_FIELDS:
            a, b = _frame(part, field), _frame(full, field)
            if a is None and b is None:
                continue
            pd.testing.assert_frame_equal(a, b.iloc[:k], check_freq=False, obj=f"{name}.{field}")


def test_stops_and_targets_sit_on_entry_rows_only(synthetic):
    _, ctx = synthetic
    sig = MagnetZone().signals(ctx)
    entries = sig.long_entries | sig.short_entries
    assert sig.tp_stop[~entries].isna().all() and sig.sl_stop[~entries].isna().all()
    assert (sig.tp_stop[entries] > 0).all()


# ------------------------------------------------------------------ real data
@pytest.mark.parametrize("name", [*ZONE_STRATEGIES, "magnet_zone_two_window"])
def test_trades_a_sensible_number_of_times_on_real_btc(real, name):
    result = run_backtest(real.market, get_strategy(name)().signals(real), BacktestConfig())
    stats = result.stats().iloc[0]
    assert 10 <= stats["trades"] <= 3000, stats["trades"]
    assert stats["fees_paid_usd"] > 0
    assert np.isfinite(stats["total_return"])


def test_buy_and_hold_on_real_btc_is_one_trade_that_pays_funding(real):
    stats = run_backtest(real.market, BuyAndHold().signals(real)).stats().iloc[0]
    assert stats["trades"] == 1
    assert stats["funding_paid_usd"] > 0


def test_compare_to_baselines_has_every_variant(synthetic):
    _, ctx = synthetic
    table = compare_to_baselines(MagnetZone(max_hold_bars=48), ctx, seeds=(0, 1))
    assert list(table.index) == ["heatmap", "placebo_0", "placebo_1", "placebo_mean", "sr", "buy_and_hold"]
    assert table.loc["buy_and_hold", "trades"] == 1
    assert table.loc["placebo_mean", "trades"] == pytest.approx(table.loc[["placebo_0", "placebo_1"], "trades"].mean())


# ------------------------------------------------------------------ configs
STRATEGY_CONFIGS = sorted((PROJECT_ROOT / "configs").glob("strategy_*.yaml"))


def test_there_is_one_config_per_strategy_and_a_synthetic_one():
    names = {p.stem for p in STRATEGY_CONFIGS}
    assert {f"strategy_{n}" for n in (*ZONE_STRATEGIES, "magnet_zone_two_window", "buy_and_hold", "synthetic")} <= names


@pytest.mark.parametrize("path", STRATEGY_CONFIGS, ids=lambda p: p.stem)
def test_strategy_configs_build_their_strategy_and_heatmaps(path: Path):
    cfg = load_config(path).config
    cls = get_strategy(cfg.strategy.name)
    strat = cls(**cfg.strategy.params)
    assert set(cfg.strategy.heatmaps) == set(cls.heatmaps)
    for heatmap_name in cfg.strategy.heatmaps.values():
        assert isinstance(cfg.heatmaps[heatmap_name], HeatmapModel)
    assert isinstance(strat.get_params(), dict)


# ------------------------------------------------------------------ many parameter sets at once
def _signals_frames(sig):
    return {f: getattr(sig, f) for f in (*SIGNAL_FIELDS, "size", "target_price")}


@pytest.mark.parametrize("source", ["heatmap", "placebo", "sr"])
def test_magnet_zone_signals_for_equals_the_stacked_per_set_signals(synthetic, source):
    """MagnetZone's numpy signals_for gives the frames the base class stacks from signals(), bit for bit
    (dominance 1 with its tie rule, no hold exit, no clear exit, several zone tables)."""
    from liqbt.strategy import Strategy

    _, ctx = synthetic
    ctx = ctx.with_levels(source, 2)
    combos = [dict(min_dist_pct=lo, max_dist_pct=hi, dominance=dom, stop_ratio=stop, max_hold_bars=hold,
                   exit_on_clear=clear)
              for lo, hi in ((0.1, 2.0), (0.3, 4.0)) for dom in (1.0, 2.5) for stop, hold, clear in
              ((0.5, 0, True), (1.75, 144, False))]
    fast = MagnetZone.signals_for(ctx, combos)
    slow = super(MagnetZone, MagnetZone).signals_for.__func__(MagnetZone, ctx, combos)
    assert Strategy.signals_for.__func__ is not MagnetZone.signals_for.__func__
    for name, want in _signals_frames(slow).items():
        got = getattr(fast, name)
        if want is None:
            assert got is None, name
            continue
        pd.testing.assert_frame_equal(got, want, check_exact=True, obj=name)
    assert fast.long_entries.to_numpy().any() and fast.short_entries.to_numpy().any()
    # what a sweep simulates: the same arrays as the frames' to_arrays, in the same layout
    arrays = MagnetZone.signal_arrays_for(ctx, combos)
    want = slow.to_arrays(ctx.market.index)
    assert arrays.columns.equals(want.columns)
    for name, a, b in zip(want._fields[:-1], arrays[:-1], want[:-1]):
        assert a.dtype == b.dtype and a.shape == b.shape, name
        assert a.flags.f_contiguous and a.flags.writeable and a.flags.c_contiguous == b.flags.c_contiguous, name
        np.testing.assert_array_equal(a, b, strict=True, err_msg=name)


def test_magnet_zone_signals_for_validates_every_set(synthetic):
    _, ctx = synthetic
    with pytest.raises(ConfigError, match="dominanse"):
        MagnetZone.signals_for(ctx, [{"dominance": 2.0}, {"dominanse": 2.0}])
    for method in (MagnetZone.signals_for, MagnetZone.signal_arrays_for):
        with pytest.raises(ConfigError, match="no parameter combination"):
            method(ctx, [])
