"""Grids of parameter columns, engines against each other, point-in-time truncation, input validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from pydantic import ValidationError

from conftest import shared_path
from liqbt.backtest import BacktestConfig, LiquidationConfig, Signals, run_backtest
from liqbt.data import load_freqtrade
from liqbt.errors import ConfigError, DataError
from test_backtest_reference import make_market


@pytest.fixture(scope="module")
def xrp():
    return load_freqtrade(shared_path("binance-um-xrp-2021", "futures"), "XRP/USDT:USDT", "5m")


def grid_signals(index, m, seed=7):
    """m columns: even columns trade long, odd columns short, with stops on some."""
    rng = np.random.default_rng(seed)
    n = len(index)
    cols = pd.MultiIndex.from_product([range(m // 2), ["long", "short"]], names=["param", "side"])
    on = rng.random((n, m)) < 0.01
    off = rng.random((n, m)) < 0.01
    is_long = np.tile([True, False], m // 2)
    frame = lambda a: pd.DataFrame(a, index=index, columns=cols)  # noqa: E731
    sl = np.where(np.arange(m) % 4 < 2, 0.01, np.nan)[None, :].repeat(n, 0)
    return Signals(long_entries=frame(on & is_long), long_exits=frame(off & is_long),
                   short_entries=frame(on & ~is_long), short_exits=frame(off & ~is_long),
                   sl_stop=frame(sl), tp_stop=0.02)


def test_grid_of_64_equals_64_single_runs(xrp):
    sig = grid_signals(xrp.index, 64)
    cfg = BacktestConfig(leverage=20, liquidation=LiquidationConfig(maintenance_margin_rate=0.01))
    grid = run_backtest(xrp, sig, cfg)
    value, cash = grid.portfolio.value(), grid.portfolio.cash()
    assert value.shape == (len(xrp), 64)
    n_liq = 0
    for j, col in enumerate(sig.long_entries.columns):
        one = Signals(*(getattr(sig, k)[col] for k in ("long_entries", "long_exits", "short_entries", "short_exits")),
                      sl_stop=sig.sl_stop[col], tp_stop=0.02)
        single = run_backtest(xrp, one, cfg)
        np.testing.assert_array_equal(single.portfolio.value().to_numpy(), value[col].to_numpy())
        np.testing.assert_array_equal(single.portfolio.cash().to_numpy(), cash[col].to_numpy())
        np.testing.assert_array_equal(single.funding.iloc[:, 0].to_numpy(), grid.funding[col].to_numpy())
        n_liq += len(single.liquidations)
    assert n_liq == len(grid.liquidations) > 0
    # column selection on the portfolio keeps funding
    col = sig.long_entries.columns[5]
    np.testing.assert_array_equal(grid.portfolio[col].value().to_numpy(), value[col].to_numpy())
    assert grid.stats().shape[0] == 64


def test_engines_agree_at_1x_without_stops(xrp):
    rng = np.random.default_rng(3)
    n, m = len(xrp), 16
    frame = lambda p: pd.DataFrame(rng.random((n, m)) < p, index=xrp.index)  # noqa: E731
    sig = Signals(frame(0.01), frame(0.01), frame(0.01), frame(0.01))  # with reversals
    cfg = BacktestConfig(size_type="notional_usd", size=4_000.0,  # 1x never liquidates; XRP has no bracket table
                         liquidation=LiquidationConfig(enabled=False))
    a = run_backtest(xrp, sig, cfg)
    b = run_backtest(xrp, sig, cfg.model_copy(update={"engine": "vectorbt"}))
    np.testing.assert_allclose(a.portfolio.value().to_numpy(), b.portfolio.value().to_numpy(), rtol=1e-11)
    np.testing.assert_allclose(a.funding.to_numpy(), b.funding.to_numpy(), rtol=1e-9, atol=1e-12)
    pd.testing.assert_frame_equal(a.stats().drop(columns=["trades", "win_rate"]),
                                  b.stats().drop(columns=["trades", "win_rate"]), rtol=1e-8)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=50, max_value=1_990), execution=st.sampled_from(["next_open", "close"]))
def test_point_in_time_truncation(xrp, cut, execution):
    check_truncation(xrp, cut, execution)


def test_truncation_at_a_funding_bar_with_an_hourly_mark(xrp):
    # bar 864 opens at 2021-11-18 00:00, a funding time, inside an hourly mark bar that is still open at the
    # cut: its open (known at 00:00) prices the event in both runs (Market.slice keeps it)
    assert str(xrp.index[864]) == "2021-11-18 00:00:00+00:00"
    check_truncation(xrp, 865, "next_open")


def check_truncation(xrp, cut, execution):
    sig = grid_signals(xrp.index, 8, seed=11)
    target = pd.DataFrame(np.where(np.arange(len(xrp))[:, None] % 7 == 0, xrp.bars["close"].to_numpy()[:, None] * 1.01,
                                   np.nan).repeat(8, 1), index=xrp.index, columns=sig.long_entries.columns)
    sig = Signals(sig.long_entries, sig.long_exits, sig.short_entries, sig.short_exits, sl_stop=sig.sl_stop,
                  tp_stop=0.02, target_price=target)
    # XRP has no registered bracket table: a constant rate, named
    cfg = BacktestConfig(leverage=25, execution=execution, liquidation=LiquidationConfig(maintenance_margin_rate=0.01))
    full = run_backtest(xrp, sig, cfg)
    short_market = xrp.head(cut)
    head = lambda f: f.iloc[:cut]  # noqa: E731
    part = run_backtest(short_market, Signals(head(sig.long_entries), head(sig.long_exits), head(sig.short_entries),
                                              head(sig.short_exits), sl_stop=head(sig.sl_stop), tp_stop=0.02,
                                              target_price=head(target)), cfg)
    for name in ("value", "cash", "assets"):
        np.testing.assert_array_equal(getattr(part.portfolio, name)().to_numpy(),
                                      getattr(full.portfolio, name)().to_numpy()[:cut])
    np.testing.assert_array_equal(part.portfolio.funding_flow().to_numpy(),
                                  full.portfolio.funding_flow().to_numpy()[:cut])
    for name in ("value", "cash", "assets", "asset_value", "returns"):  # what the run's files are written from
        np.testing.assert_array_equal(getattr(part.accounts, name)(), getattr(full.accounts, name)()[:cut])


def test_signals_on_another_index_raise_data_error():
    market = make_market([(1, 1, 1, 1)] * 4)
    bad = pd.Series(False, index=market.index + pd.Timedelta("1min"))
    with pytest.raises(DataError, match="long_entries.*index differs"):
        run_backtest(market, Signals(long_entries=bad))
    with pytest.raises(DataError, match="3 rows, expected the market's 4 bars"):
        run_backtest(market, Signals(long_entries=pd.Series(False, index=market.index[:3])))


def test_signal_validation_errors():
    market = make_market([(1, 1, 1, 1)] * 4)
    ok = pd.DataFrame(False, index=market.index, columns=["a", "b"])
    with pytest.raises(ConfigError, match="columns"):
        run_backtest(market, Signals(long_entries=ok, long_exits=ok.rename(columns={"b": "c"})))
    with pytest.raises(ConfigError, match="booleans"):
        run_backtest(market, Signals(long_entries=ok.astype(float) + 0.5))
    with pytest.raises(ConfigError, match="sl_stop"):
        run_backtest(market, Signals(long_entries=ok, sl_stop=-0.1))
    with pytest.raises(ConfigError, match="no signal"):
        Signals()
    with pytest.raises(ConfigError, match="target"):
        run_backtest(market, Signals(long_entries=ok, target_price=1.0), BacktestConfig(engine="vectorbt"))


def test_config_is_frozen_and_strict():
    with pytest.raises(ConfigError, match="taker_fee_bp"):
        BacktestConfig(taker_fee_bp=1.0)
    with pytest.raises(ConfigError, match="leverage must be 1"):
        BacktestConfig(engine="vectorbt", leverage=3)
    with pytest.raises(ConfigError):
        BacktestConfig(size=2.0)  # an equity fraction above 1
    cfg = BacktestConfig()
    with pytest.raises(ValidationError):
        cfg.leverage = 2
