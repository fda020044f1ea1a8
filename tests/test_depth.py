"""Order-book depth as a strategy input: ctx.depth(), the depth-confluence helper, magnet_zone_depth."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from conftest import PROJECT_ROOT, shared_path

from liqbt.backtest import BacktestConfig, run_backtest
from liqbt.calibration.predictor import CALIBRATED_HEATMAP
from liqbt.config import load_config
from liqbt.data import generate_market
from liqbt.data.market import Market
from liqbt.errors import ConfigError, DataError
from liqbt.evaluation import compare_to_baselines
from liqbt.heatmap import reconstruct
from liqbt.pipeline import as_loaded, build_context, load_market, run_experiment
from liqbt.strategy import StrategyContext, get_strategy
from liqbt.zones import DEPTH_COLUMNS, DEPTH_CONFLUENCE_COLUMNS, depth_confluence, depth_frame, depth_ratio
from liqbt_strategies import MagnetZoneDepth

CANDLE_COLUMNS = ("open", "high", "low", "close", "volume", "quote_volume", "taker_buy_volume",
                  "taker_buy_quote_volume")
SIGNAL_FIELDS = ("long_entries", "long_exits", "short_entries", "short_exits", "sl_stop", "tp_stop")
DEPTH_CONFIG = PROJECT_ROOT / "configs" / "strategy_magnet_depth.yaml"


def depth_snapshots(start, end, seed: int, every: str = "4h", level_usd: float = 3e8) -> dict[str, pd.Series]:
    """Seeded ±1 % depth snapshots (USD) stamped every ``every`` from ``start`` to ``end``, with stale repeats."""
    stamps = pd.date_range(pd.Timestamp(start).floor(every), end, freq=every)
    rng = np.random.default_rng(seed)
    out = {}
    for name in DEPTH_COLUMNS:
        values = level_usd * np.exp(rng.normal(0.0, 0.35, len(stamps)))
        stale = rng.random(len(stamps)) < 0.02  # the vendor file repeats ~1 % of its rows
        values[1:][stale[1:]] = values[:-1][stale[1:]]
        out[name] = pd.Series(values, index=stamps)
    return out


def with_depth(market: Market, seed: int = 0, every: str = "4h") -> Market:
    """``market`` rebuilt by Market.from_parts with synthetic depth as ``known`` series."""
    cols = [c for c in CANDLE_COLUMNS if c in market.bars.columns]
    return Market.from_parts(
        market.bars[cols], bar_size=market.bar_size, symbol=market.symbol, venue=market.venue, source=market.source,
        open_interest=market.bars["oi_usd"].dropna(), funding=market.funding, mark=market.mark,
        mark_bar_size=market.mark_bar_size, liquidations=market.liquidations,
        liquidations_bar_size=market.liquidations_bar_size,
        known=depth_snapshots(market.start, market.end, seed, every))


def _context(market: Market) -> StrategyContext:
    return StrategyContext(market, {"main": reconstruct(market, CALIBRATED_HEATMAP, snapshot_every=6)})


@pytest.fixture(scope="module")
def synthetic():
    market = with_depth(generate_market(3000, "5m", seed=11), seed=3)
    return market, _context(market)


# ------------------------------------------------------------------ the columns reach the context
def test_depth_columns_are_known_at_the_bar_open_of_their_stamp():
    market = generate_market(100, "5m", seed=1)
    stamps = pd.DatetimeIndex(["2025-01-01 00:00", "2025-01-01 04:00"], tz="UTC")
    known = {"bid_depth_1pct_usd": pd.Series([1e8, 2e8], index=stamps),
             "ask_depth_1pct_usd": pd.Series([3e8, 4e8], index=stamps)}
    depth = StrategyContext(Market.from_parts(market.bars[["open", "high", "low", "close", "volume"]],
                                              known=known)).depth()
    assert list(depth.columns) == list(DEPTH_COLUMNS)
    assert depth.loc["2025-01-01 03:55", "bid_depth_1pct_usd"] == 1e8
    assert depth.loc["2025-01-01 04:00", "bid_depth_1pct_usd"] == 2e8
    assert depth.loc["2025-01-01 04:00", "ask_depth_1pct_usd"] == 4e8


def test_a_market_without_depth_is_a_config_error_naming_columns_and_source():
    ctx = StrategyContext(generate_market(100, "5m", seed=1))
    with pytest.raises(ConfigError, match=r"bid_depth_1pct_usd.*ask_depth_1pct_usd.*coinglass_v4.*\[known\]"):
        ctx.depth()
    with pytest.raises(ConfigError, match="coinglass_v4"):
        MagnetZoneDepth().signals(ctx)


def test_depth_columns_without_a_value_are_a_config_error():
    market = generate_market(100, "5m", seed=1)
    late = pd.DatetimeIndex(["2026-01-01"], tz="UTC")
    known = {name: pd.Series([1e8], index=late) for name in DEPTH_COLUMNS}
    bare = Market.from_parts(market.bars[["open", "high", "low", "close", "volume"]], known=known)
    with pytest.raises(ConfigError, match="hold no value"):
        depth_frame(bare)


def test_a_negative_depth_is_a_data_error_naming_column_and_bar():
    market = generate_market(100, "5m", seed=1)
    stamps = pd.DatetimeIndex(["2025-01-01 00:00", "2025-01-01 04:00"], tz="UTC")
    known = {"bid_depth_1pct_usd": pd.Series([1e8, 2e8], index=stamps),
             "ask_depth_1pct_usd": pd.Series([3e8, -4e8], index=stamps)}
    bad = Market.from_parts(market.bars[["open", "high", "low", "close", "volume"]], known=known)
    with pytest.raises(DataError, match=r"ask_depth_1pct_usd.*2025-01-01 04:00:00\+00:00: -400000000.0"):
        depth_frame(bad)


# ------------------------------------------------------------------ the helper, by hand
def test_depth_confluence_hand_pin():
    index = pd.date_range("2025-01-01", periods=6, freq="1h", tz="UTC")
    depth = pd.DataFrame({"bid_depth_1pct_usd": [100, 100, 100, 100, 40, 100],
                          "ask_depth_1pct_usd": [100, 120, 60, 200, 90, 90]}, index=index, dtype=float)
    nan = np.nan
    table = pd.DataFrame({"above_dist": [0.02, 0.02, 0.02, 0.005, nan, 0.02],
                          "below_dist": [nan, 0.01, 0.005, 0.03, 0.02, 0.005]}, index=index)
    out = depth_confluence(depth, table, window="3h", min_history="1h", thin_max=0.8, wall_min=1.5, reach=0.01)
    assert list(out.columns) == list(DEPTH_CONFLUENCE_COLUMNS)
    # trailing 3h median of the asks: -, 110, 100, 120, 90, 90 (the first row has no history yet)
    np.testing.assert_allclose(out["ask_depth_ratio"], [nan, 120 / 110, 0.6, 200 / 120, 1.0, 1.0])
    np.testing.assert_allclose(out["bid_depth_ratio"], [nan, 1.0, 1.0, 1.0, 0.4, 1.0])
    assert out["above_thin"].tolist() == [False, False, True, False, False, False]
    # 200 / 120 >= 1.5 with the band 0.5 % away, inside the depth's 1 % reach
    assert out["above_wall"].tolist() == [False, False, False, True, False, False]
    # row 4: bids at 0.4 of their median and a band below; no band above on that row
    assert out["below_thin"].tolist() == [False, False, False, False, True, False]
    assert not out["below_wall"].any()


def test_a_deep_book_beyond_the_reach_is_no_wall():
    index = pd.date_range("2025-01-01", periods=3, freq="1h", tz="UTC")
    depth = pd.DataFrame({"bid_depth_1pct_usd": [100.0, 100.0, 300.0], "ask_depth_1pct_usd": [100.0] * 3},
                         index=index)
    table = pd.DataFrame({"above_dist": [np.nan] * 3, "below_dist": [0.02, 0.02, 0.02]}, index=index)
    out = depth_confluence(depth, table, window="3h", min_history="1h", wall_min=1.5)
    assert out["bid_depth_ratio"].iloc[-1] == 3.0
    assert not out["below_wall"].any()


def test_depth_ratio_waits_for_min_history_and_skips_missing_snapshots():
    index = pd.date_range("2025-01-01", periods=5, freq="1h", tz="UTC")
    depth = pd.Series([np.nan, 100.0, 50.0, 100.0, 100.0], index=index)
    ratio = depth_ratio(depth, window="10h", min_history="2h")
    # first depth at 01:00: a ratio from 03:00 on; median of 100, 50, 100 = 100
    np.testing.assert_allclose(ratio, [np.nan, np.nan, np.nan, 1.0, 1.0])


@pytest.mark.parametrize("kw,match", [({"window": "0h"}, "window"), ({"window": "soon"}, "window"),
                                      ({"thin_max": -1.0}, "thin_max"), ({"reach": 2.0}, "reach")])
def test_bad_helper_arguments_are_one_line_config_errors(kw, match):
    index = pd.date_range("2025-01-01", periods=3, freq="1h", tz="UTC")
    depth = pd.DataFrame({c: [1.0, 1.0, 1.0] for c in DEPTH_COLUMNS}, index=index)
    table = pd.DataFrame({"above_dist": [0.01] * 3, "below_dist": [0.01] * 3}, index=index)
    with pytest.raises(ConfigError, match=match):
        depth_confluence(depth, table, **kw)


# ------------------------------------------------------------------ point in time
def test_depth_confluence_on_truncated_data_equals_the_prefix(synthetic):
    market, ctx = synthetic
    full = depth_confluence(ctx.depth(), ctx.zones("main"), window="2d", min_history="12h")
    assert full["ask_depth_ratio"].notna().sum() > 1000 and full[["above_thin", "below_thin"]].any().all()
    for k in (900, 2222):
        part_ctx = _context(market.head(k))
        part = depth_confluence(part_ctx.depth(), part_ctx.zones("main"), window="2d", min_history="12h")
        pd.testing.assert_frame_equal(part, full.iloc[:k], check_freq=False)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.floats(1e6, 1e9)), min_size=2, max_size=80),
       cut=st.integers(1, 79), window_h=st.integers(1, 30), history_h=st.integers(1, 10))
def test_depth_ratio_is_point_in_time(values, cut, window_h, history_h):
    index = pd.date_range("2025-01-01", periods=len(values), freq="1h", tz="UTC")
    depth = pd.Series([np.nan if v is None else v for v in values], index=index, dtype=float)
    full = depth_ratio(depth, f"{window_h}h", f"{history_h}h")
    part = depth_ratio(depth.iloc[:cut], f"{window_h}h", f"{history_h}h")
    pd.testing.assert_series_equal(part, full.iloc[:cut], check_freq=False)


def _frame(sig, name):
    value = getattr(sig, name)
    return value.to_frame() if isinstance(value, pd.Series) else value


@pytest.mark.parametrize("source", ["heatmap", "placebo", "sr"])
def test_magnet_zone_depth_on_truncated_data_equals_the_prefix(synthetic, source):
    market, ctx = synthetic
    strat = MagnetZoneDepth(depth_window_days=10, max_hold_bars=144)
    full = strat.signals(ctx.with_levels(source, 1))
    assert (full.long_entries | full.short_entries).sum() > 0, "no trade: the truncation test would be vacuous"
    for k in (900, 2222):
        part = strat.signals(_context(market.head(k)).with_levels(source, 1))
        for field in SIGNAL_FIELDS:
            pd.testing.assert_frame_equal(_frame(part, field), _frame(full, field).iloc[:k], check_freq=False,
                                          obj=f"magnet_zone_depth.{field}")


# ------------------------------------------------------------------ the strategy
def test_magnet_zone_depth_is_registered_with_declared_ranges():
    cls = get_strategy("magnet_zone_depth")
    assert cls is MagnetZoneDepth and cls.heatmaps == ("main",)
    for key in ("thin_max", "depth_window_days", "wall_behind", "wall_min"):
        spec = cls.params[key]
        assert spec.doc and (isinstance(spec.default, bool) or (spec.low is not None and spec.high is not None))
    assert len(cls.grid({"thin_max": [0.6, 0.8], "wall_behind": [False, True]})) == 4


def test_the_depth_filter_only_removes_magnet_trades(synthetic):
    _, ctx = synthetic
    magnet = get_strategy("magnet_zone")(max_hold_bars=144).signals(ctx)
    loose = MagnetZoneDepth(max_hold_bars=144, thin_max=1.0, depth_window_days=10).signals(ctx)
    tight = MagnetZoneDepth(max_hold_bars=144, thin_max=0.6, depth_window_days=10).signals(ctx)
    walled = MagnetZoneDepth(max_hold_bars=144, thin_max=1.0, depth_window_days=10, wall_behind=True).signals(ctx)
    n = {name: int((s.long_entries | s.short_entries).sum())
         for name, s in (("magnet", magnet), ("loose", loose), ("tight", tight), ("walled", walled))}
    assert n["magnet"] >= n["loose"] > n["tight"] > 0
    assert n["walled"] < n["loose"]


def test_magnet_zone_depth_has_placebo_and_plain_sr_twins(synthetic):
    _, ctx = synthetic
    table = compare_to_baselines(MagnetZoneDepth(depth_window_days=10, max_hold_bars=144), ctx, seeds=(0, 1))
    assert list(table.index) == ["heatmap", "placebo_0", "placebo_1", "placebo_mean", "sr", "buy_and_hold"]
    assert (table["note"] == "").all()


# ------------------------------------------------------------------ real data
@pytest.mark.real_data
def test_depth_config_runs_on_real_depth_with_its_baselines():
    shared_path("coinglass-btc-2024-2025")
    loaded = load_config(DEPTH_CONFIG)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        market = load_market(loaded)
    depth = depth_frame(market)
    assert depth.iloc[len(depth) // 100:].notna().all().all(), "depth on every bar (snapshots since 2024)"
    # Binance BTCUSDT ±1 % depth is tens to hundreds of millions of USD a side
    assert 1e7 < depth.median().min() and depth.median().max() < 2e9
    month = market.slice(market.start, market.start + pd.Timedelta(days=45))
    run = run_experiment(loaded, market=month)
    assert run.baselines is not None and {"heatmap", "placebo_mean", "sr", "buy_and_hold"} <= set(run.baselines.index)


@pytest.fixture(scope="module")
def real_with_synthetic_depth():
    shared_path("binance-um")
    loaded = as_loaded(PROJECT_ROOT / "configs" / "strategy_magnet_zone.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        market = load_market(loaded)
    market = with_depth(market.slice(market.start, market.start + pd.Timedelta(days=42)), seed=5)
    _, ctx = build_context(loaded.config, market, base_dir=loaded.base_dir)
    return loaded, ctx


@pytest.mark.real_data
def test_magnet_zone_depth_runs_end_to_end_on_real_candles_and_oi_with_baselines(real_with_synthetic_depth):
    loaded, ctx = real_with_synthetic_depth
    strat = MagnetZoneDepth(**loaded.config.strategy.params)
    stats = run_backtest(ctx.market, strat.signals(ctx), BacktestConfig()).stats().iloc[0]
    assert 3 <= stats["trades"] <= 1000, stats["trades"]
    assert stats["fees_paid_usd"] > 0 and np.isfinite(stats["total_return"])
    table = compare_to_baselines(strat, ctx, loaded.config.backtest, seeds=(0, 1))
    assert list(table.index) == ["heatmap", "placebo_0", "placebo_1", "placebo_mean", "sr", "buy_and_hold"]
    assert np.isfinite(table["total_return"].to_numpy(dtype=float)).all()
    assert (table.loc[["heatmap", "placebo_0", "sr"], "trades"] > 0).all()
