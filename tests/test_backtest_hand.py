"""Hand-computed backtests: funding, fees, slippage, stops, a 10x liquidation. Literal expected values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqbt.backtest import BacktestConfig, LiquidationConfig, Signals, run_backtest
from test_backtest_reference import make_market

FREE = dict(taker_fee_bps=0.0, maker_fee_bps=0.0, slippage_bps=0.0)
NOTIONAL_10K = dict(size_type="notional_usd", size=10_000.0)
# bar 1 opens at 100 (entry), bar 4 opens at 103 (exit); bar 2 closes at 102
BARS = [(100, 101, 99, 100), (100, 102, 98, 101), (101, 103, 100, 102), (102, 104, 101, 103),
        (103, 105, 102, 104), (104, 105, 103, 104)]
ENGINES = ["liqbt", "vectorbt"]


def flags(n, *rows):
    s = pd.Series(False, index=range(n))
    s.iloc[list(rows)] = True
    return s.to_numpy()


def trade(market, side, entry_row=0, exit_row=3, **kw):
    n = len(market)
    on = pd.Series(flags(n, entry_row), index=market.index)
    off = pd.Series(flags(n, exit_row), index=market.index)
    if side == "long":
        return Signals(long_entries=on, long_exits=off, **kw)
    return Signals(short_entries=on, short_exits=off, **kw)


def final_value(result):
    return float(result.portfolio.value().iloc[-1])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("side, rate, expected", [
    ("long", 0.001, 10_289.8),    # +300 price, pays 100 * 102 * 0.001 = 10.2
    ("short", 0.001, 9_710.2),    # -300 price, receives 10.2
    ("long", -0.001, 10_310.2),   # receives 10.2
    ("short", -0.001, 9_689.8),   # pays 10.2
])
def test_funding_long_short_positive_negative(engine, side, rate, expected):
    market = make_market(BARS, funding={3: rate})
    result = run_backtest(market, trade(market, side), BacktestConfig(**FREE, **NOTIONAL_10K, engine=engine))
    assert final_value(result) == pytest.approx(expected, abs=1e-9)
    assert float(result.portfolio.total_return()) == pytest.approx(expected / 10_000 - 1, abs=1e-12)
    assert float(result.funding.sum().iloc[0]) == pytest.approx(expected - 10_000 - (300 if side == "long" else -300),
                                                                abs=1e-9)
    stats = result.stats().iloc[0]
    assert stats["pnl_funding_usd"] == pytest.approx(-10.2 if (side == "long") == (rate > 0) else 10.2, abs=1e-9)
    assert stats["pnl_price_usd"] == pytest.approx(300 if side == "long" else -300, abs=1e-9)


def test_funding_flows_into_cash_value_and_returns():
    market = make_market(BARS, funding={3: 0.001})
    result = run_backtest(market, trade(market, "long"), BacktestConfig(**FREE, **NOTIONAL_10K))
    pf = result.portfolio
    # cash after the entry: -0 (1x, all in); the payment lands on bar 3
    assert pf.cash().iloc[2] == pytest.approx(0.0, abs=1e-9)
    assert pf.cash().iloc[3] == pytest.approx(-10.2, abs=1e-9)
    assert pf.value().iloc[3] == pytest.approx(100 * 103 - 10.2, abs=1e-9)
    assert pf.returns().iloc[3] == pytest.approx((100 * 103 - 10.2) / (100 * 102) - 1, rel=1e-12)
    assert float(pf.total_profit()) == pytest.approx(289.8, abs=1e-9)
    assert pf.stats()["End Value"] == pytest.approx(10_289.8, abs=1e-9)


def test_funding_uses_mark_price_when_present():
    mark = [100, 100, 101, 102.5, 103, 104]
    market = make_market(BARS, funding={3: 0.001}, mark=mark)
    result = run_backtest(market, trade(market, "long"), BacktestConfig(**FREE, **NOTIONAL_10K))
    assert float(result.funding.sum().iloc[0]) == pytest.approx(-100 * 102.5 * 0.001, abs=1e-12)


# funding_at_entry="skip" and price_for_funding="close" were the defaults' behaviour when this test was
# written (the defaults are now "charge" and "mark", which refuses events inside bars without a mark)
@pytest.mark.parametrize("event, expected", [
    (1, 0.0),                                  # at the entry's open: settled before the fill
    (4, -100 * 103 * 0.001),                   # at the exit's open: still held
    (pd.Timedelta("1h30min"), -100 * 100 * 0.001),  # inside bar 1, after the entry; price = close of bar 0
    (pd.Timedelta("4h30min"), 0.0),            # inside bar 4, after the exit
])
def test_funding_charged_on_position_held_at_event(event, expected):
    market = make_market(BARS, funding={event: 0.001})
    result = run_backtest(market, trade(market, "long"), BacktestConfig(**FREE, **NOTIONAL_10K, funding_at_entry="skip",
                                                                        price_for_funding="close"))
    assert float(result.funding.sum().iloc[0]) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_fees_on_entry_and_exit(engine):
    market = make_market(BARS)
    cfg = BacktestConfig(init_cash_usd=20_000, taker_fee_bps=5.0, slippage_bps=0.0, **NOTIONAL_10K, engine=engine)
    result = run_backtest(market, trade(market, "long"), cfg)
    # entry 10,000 * 0.0005 = 5.00; exit 100 * 103 * 0.0005 = 5.15
    np.testing.assert_allclose(result.portfolio.order_records["fees"], [5.0, 5.15], rtol=1e-12)
    assert final_value(result) == pytest.approx(20_289.85, abs=1e-9)
    assert result.stats().iloc[0]["fees_paid_usd"] == pytest.approx(10.15, abs=1e-12)


def test_notional_above_cash_is_reduced_to_fit_margin_and_fee():
    market = make_market(BARS)
    result = run_backtest(market, trade(market, "long"), BacktestConfig(taker_fee_bps=5.0, slippage_bps=0.0,
                                                                        **NOTIONAL_10K))
    assert result.portfolio.order_records["size"][0] == pytest.approx(10_000 / (100 * 1.0005), rel=1e-12)


def test_fees_fraction_sizing_keeps_fee_inside_equity():
    market = make_market(BARS)
    result = run_backtest(market, trade(market, "long"), BacktestConfig(taker_fee_bps=5.0, slippage_bps=0.0))
    qty = 10_000 / (100 * 1.0005)
    assert result.portfolio.order_records["size"][0] == pytest.approx(qty, rel=1e-12)
    assert result.portfolio.cash().iloc[1] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("engine", ENGINES)
def test_slippage_on_market_fills(engine):
    market = make_market(BARS)
    cfg = BacktestConfig(init_cash_usd=20_000, taker_fee_bps=0.0, slippage_bps=10.0, **NOTIONAL_10K, engine=engine)
    result = run_backtest(market, trade(market, "long"), cfg)
    np.testing.assert_allclose(result.portfolio.order_records["price"], [100.1, 102.897], rtol=1e-12)
    assert final_value(result) == pytest.approx(20_279.7, abs=1e-9)


STOP_BARS = [(100, 101, 99, 100), (100, 102, 99, 101), (101, 101, 94, 95), (95, 96, 94, 95)]


@pytest.mark.parametrize("engine", ENGINES)
def test_stop_loss_is_stop_market_with_slippage(engine):
    market = make_market(STOP_BARS)
    cfg = BacktestConfig(init_cash_usd=20_000, taker_fee_bps=0.0, slippage_bps=10.0, **NOTIONAL_10K, engine=engine)
    result = run_backtest(market, trade(market, "long", exit_row=3, sl_stop=0.05), cfg)
    # entry 100.1; stop 100.1 * 0.95 = 95.095; fill 95.095 * 0.999 = 94.999905
    rec = result.portfolio.order_records
    assert rec["idx"].tolist() == [1, 2]
    assert rec["price"][1] == pytest.approx(94.999905, rel=1e-12)
    assert final_value(result) == pytest.approx(19_489.9905, abs=1e-9)


def test_stop_loss_gap_fills_at_open_with_slippage():
    bars = [(100, 101, 99, 100), (100, 102, 99, 101), (93, 94, 92, 93), (93, 94, 92, 93)]
    market = make_market(bars)
    cfg = BacktestConfig(init_cash_usd=20_000, taker_fee_bps=0.0, slippage_bps=10.0, **NOTIONAL_10K)
    result = run_backtest(market, trade(market, "long", exit_row=3, sl_stop=0.05), cfg)
    assert result.portfolio.order_records["price"][1] == pytest.approx(92.907, rel=1e-12)
    assert result.fills()["reason"].tolist() == ["signal", "stop_loss"]
    assert final_value(result) == pytest.approx(19_280.7, abs=1e-9)


# 10x long of 1 BTC at 67,000: margin 6,700; LP = 67,000 * 0.9 / 0.996 = 60,542.1687
LIQ_BARS = [(67_000, 67_000, 67_000, 67_000), (67_000, 67_500, 66_000, 66_500),
            (66_500, 66_800, 60_000, 61_000), (61_000, 61_500, 60_500, 61_000)]
LIQ_CFG = dict(leverage=10, size_type="notional_usd", size=67_000.0, taker_fee_bps=5.0, slippage_bps=0.0,
               liquidation=LiquidationConfig(maintenance_margin_rate=0.004, liquidation_fee_rate=0.005))


def test_10x_long_liquidated_inside_bar():
    market = make_market(LIQ_BARS)
    result = run_backtest(market, trade(market, "long", exit_row=3), BacktestConfig(**LIQ_CFG))
    liq = result.liquidations
    assert len(liq) == 1 and liq["time"].iloc[0] == market.index[2]
    assert liq["liq_price"].iloc[0] == pytest.approx(60_300 / 0.996, rel=1e-12)
    assert liq["fill_price"].iloc[0] == pytest.approx(60_542.168674698794, rel=1e-12)
    # clearance + taker = 0.55 % of 60,542 = 332.98, capped at the 242.17 margin left (= maintenance margin)
    assert liq["fee"].iloc[0] == pytest.approx(0.004 * 60_300 / 0.996, rel=1e-9)
    assert liq["loss"].iloc[0] == pytest.approx(6_700.0, rel=1e-12)
    # 10,000 - 33.50 entry fee - 6,700 margin
    assert final_value(result) == pytest.approx(3_266.5, abs=1e-6)
    assert result.fills()["reason"].tolist() == ["signal", "liquidation"]
    stats = result.stats().iloc[0]
    assert stats["liquidations"] == 1
    assert stats["pnl_usd"] == pytest.approx(-6_733.5, abs=1e-6)


def test_liquidation_disabled_keeps_position():
    market = make_market(LIQ_BARS)
    cfg = BacktestConfig(**{**LIQ_CFG, "liquidation": LiquidationConfig(enabled=False)})
    result = run_backtest(market, trade(market, "long", exit_row=3), cfg)
    assert result.liquidations.empty
    assert final_value(result) == pytest.approx(10_000 - 33.5 - 6_000, abs=1e-6)


def test_liquidation_gap_fills_at_open():
    bars = LIQ_BARS[:2] + [(59_000, 59_500, 58_000, 59_000), (59_000, 59_500, 58_000, 59_000)]
    market = make_market(bars)
    result = run_backtest(market, trade(market, "long", exit_row=3), BacktestConfig(**LIQ_CFG))
    assert result.liquidations["fill_price"].iloc[0] == 59_000
    assert result.liquidations["fee"].iloc[0] == 0.0  # nothing left of the margin
    assert final_value(result) == pytest.approx(10_000 - 33.5 - 8_000, abs=1e-6)


def test_stop_above_liquidation_price_fills_first():
    market = make_market(LIQ_BARS)
    cfg = BacktestConfig(**LIQ_CFG)
    result = run_backtest(market, trade(market, "long", exit_row=3, sl_stop=0.05), cfg)
    assert result.liquidations.empty
    assert result.fills()["reason"].tolist() == ["signal", "stop_loss"]
    assert result.portfolio.order_records["price"][1] == pytest.approx(63_650.0, rel=1e-12)
    wide = run_backtest(market, trade(market, "long", exit_row=3, sl_stop=0.2), cfg)
    assert wide.fills()["reason"].tolist() == ["signal", "liquidation"]


def test_funding_erodes_isolated_margin():
    bars = LIQ_BARS[:2] + [(66_500, 66_800, 61_100, 61_500), (61_500, 61_600, 61_400, 61_500)]
    market = make_market(bars)
    result = run_backtest(market, trade(market, "long", exit_row=3), BacktestConfig(**LIQ_CFG))
    assert result.liquidations.empty  # low 61,100 stays above 60,542
    funded = make_market(bars, funding={2: 0.01})  # pays 1 * 66,500 * 1 % = 665 from the margin
    result = run_backtest(funded, trade(funded, "long", exit_row=3), BacktestConfig(**LIQ_CFG))
    liq = result.liquidations
    assert liq["margin"].iloc[0] == pytest.approx(6_035.0, rel=1e-12)
    assert liq["liq_price"].iloc[0] == pytest.approx((67_000 - 6_035) / 0.996, rel=1e-12)
    assert final_value(result) == pytest.approx(3_266.5, abs=1e-6)


def test_10x_short_liquidated():
    bars = [(67_000, 67_000, 67_000, 67_000), (67_000, 67_500, 66_500, 67_200),
            (67_200, 74_000, 67_000, 73_000), (73_000, 73_500, 72_500, 73_000)]
    market = make_market(bars)
    result = run_backtest(market, trade(market, "short", exit_row=3), BacktestConfig(**LIQ_CFG))
    assert result.liquidations["fill_price"].iloc[0] == pytest.approx(73_700 / 1.004, rel=1e-12)
    assert final_value(result) == pytest.approx(3_266.5, abs=1e-6)


def test_target_price_exit_is_maker_limit():
    market = make_market(BARS)
    target = pd.Series(np.nan, index=market.index)
    target.iloc[1:] = 104.5  # row t's level applies to bar t+1; bar 4's high 105 reaches it
    sig = trade(market, "long", exit_row=5, target_price=target)
    result = run_backtest(market, sig, BacktestConfig(init_cash_usd=20_000, taker_fee_bps=5, maker_fee_bps=2, slippage_bps=0,
                                                      **NOTIONAL_10K))
    fills = result.fills()
    assert fills["reason"].tolist() == ["signal", "target"]
    assert fills["price"].iloc[1] == 104.5
    assert fills["fees"].iloc[1] == pytest.approx(100 * 104.5 * 0.0002, rel=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_signal_fills_at_next_open(engine):
    market = make_market(BARS)
    result = run_backtest(market, trade(market, "long", entry_row=1, exit_row=2),
                          BacktestConfig(**FREE, **NOTIONAL_10K, engine=engine))
    rec = result.portfolio.order_records
    assert rec["idx"].tolist() == [2, 3]
    assert rec["price"].tolist() == [101.0, 102.0]


@pytest.mark.parametrize("engine", ENGINES)
def test_execution_at_close(engine):
    market = make_market(BARS)
    result = run_backtest(market, trade(market, "long", entry_row=1, exit_row=2),
                          BacktestConfig(**FREE, **NOTIONAL_10K, execution="close", engine=engine))
    rec = result.portfolio.order_records
    assert rec["idx"].tolist() == [1, 2]
    assert rec["price"].tolist() == [101.0, 102.0]


def test_costs_are_on_by_default():
    cfg = BacktestConfig()
    assert (cfg.taker_fee_bps, cfg.maker_fee_bps, cfg.slippage_bps, cfg.funding) == (5.0, 2.0, 1.0, True)
    assert cfg.execution == "next_open" and cfg.liquidation.liquidation_fee_rate == 0.005
