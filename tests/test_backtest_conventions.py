"""Backtest conventions made visible: mark-price fallback, funding on coarse bars, at entry, in gaps; no absurd numbers.

Hand-computed literal values; every convention is checked in ``result.conventions`` too.
"""

from __future__ import annotations

import json
import math
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from liqbt.backtest import BacktestConfig, LiquidationConfig, Signals, run_backtest
from liqbt.config.base import validate_section
from liqbt.data import Market
from liqbt.errors import ConfigError, DataError, FundingGapWarning, MarkPriceWarning
from liqbt.pipeline import stats_json
from test_backtest_hand import BARS, FREE, NOTIONAL_10K, trade
from test_backtest_reference import make_market

ENGINES = ["liqbt", "vectorbt"]
LAST = LiquidationConfig(trigger="last")
MARK = [100, 100.5, 101, 102.5, 103, 104]  # hourly mark opens of BARS


def funding_total(result) -> float:
    return float(result.funding.to_numpy().sum())


def quiet(market, signals, config):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning expected
        return run_backtest(market, signals, config)


# ----------------------------------------------------------------------------- 1. mark-price trigger
def test_mark_trigger_without_mark_warns_and_states_last():
    market = make_market(BARS)
    with pytest.warns(MarkPriceWarning, match=r"liquidation trigger 'mark' but the market has no mark price"):
        result = run_backtest(market, trade(market, "long"), BacktestConfig(**FREE, **NOTIONAL_10K))
    assert result.liquidation_trigger == "last (mark price missing)"
    assert result.conventions["liquidation_trigger"] == "last (mark price missing)"


def test_mark_trigger_with_mark_at_bar_size_is_mark():
    market = make_market(BARS, mark=MARK)
    result = quiet(market, trade(market, "long"), BacktestConfig(**FREE, **NOTIONAL_10K, funding=False))
    assert result.liquidation_trigger == "mark"


def test_mark_trigger_with_coarser_mark_warns():
    market = make_market(BARS, mark=[100, 103, 104], mark_bar="2h")
    with pytest.warns(MarkPriceWarning, match=r"the mark price is at 2h, not at the 1h bar size"):
        result = run_backtest(market, trade(market, "long"), BacktestConfig(**FREE, **NOTIONAL_10K, funding=False))
    assert result.liquidation_trigger == "last (mark price missing)"


def test_mark_trigger_with_gaps_counts_bars():
    index = pd.date_range("2024-01-01", periods=6, freq="1h", tz="UTC")
    candles = pd.DataFrame(BARS, columns=["open", "high", "low", "close"], index=index, dtype=float)
    mark = pd.DataFrame({k: MARK for k in ("open", "high", "low", "close")}, index=index, dtype=float).drop(index[2])
    market = Market.from_parts(candles, bar_size="1h", mark=mark, mark_bar_size="1h")
    with pytest.warns(MarkPriceWarning, match=r"1 of 6 bars have no mark high/low \(first: 2024-01-01 02:00"):
        result = run_backtest(market, trade(market, "long"), BacktestConfig(**FREE, **NOTIONAL_10K, funding=False))
    assert result.liquidation_trigger == "mark (last on 1 of 6 bars without mark)"


def test_last_trigger_and_disabled_liquidation_are_stated_without_warning():
    market = make_market(BARS)
    cfg = BacktestConfig(**FREE, **NOTIONAL_10K, funding=False, liquidation=LAST)
    assert quiet(market, trade(market, "long"), cfg).liquidation_trigger == "last"
    cfg = BacktestConfig(**FREE, **NOTIONAL_10K, funding=False, liquidation=LiquidationConfig(enabled=False))
    assert quiet(market, trade(market, "long"), cfg).liquidation_trigger == "none (liquidation disabled)"


def test_a_liquidation_uses_the_mark_low_when_stated_mark():
    # 10x long of 1 coin at 67,000 (LP 60,542.17 at MMR 0.4 %); the trade low 60,000 crosses it, the mark low does not
    bars = [(67_000, 67_000, 67_000, 67_000), (67_000, 67_500, 66_000, 66_500),
            (66_500, 66_800, 60_000, 61_000), (61_000, 61_500, 60_500, 61_000)]
    index = pd.date_range("2024-01-01", periods=4, freq="1h", tz="UTC")
    candles = pd.DataFrame(bars, columns=["open", "high", "low", "close"], index=index, dtype=float)
    mark = candles.copy()
    mark["low"] = [67_000, 66_000, 60_600, 60_600]
    market = Market.from_parts(candles, bar_size="1h", mark=mark, mark_bar_size="1h")
    cfg = BacktestConfig(leverage=10, size_type="notional_usd", size=67_000.0, **FREE, funding=False,
                         liquidation=LiquidationConfig(maintenance_margin_rate=0.004))
    assert quiet(market, trade(market, "long", exit_row=3), cfg).liquidations.empty
    with pytest.warns(MarkPriceWarning):
        fallback = run_backtest(make_market(bars), trade(make_market(bars), "long", exit_row=3), cfg)
    assert len(fallback.liquidations) == 1 and fallback.liquidation_trigger == "last (mark price missing)"


# ----------------------------------------------------------------------------- 2. funding on coarse bars
# Three daily bars; a long of 100 coins fills at day 1's open (100) and exits at day 2's open (110).
DAILY = [(100, 100, 100, 100), (100, 112, 99, 110), (110, 111, 109, 110)]
D = pd.Timedelta("1D")
H8 = pd.Timedelta("8h")
DAILY_FUNDING = {D: 0.001, D + H8: 0.001, D + 2 * H8: 0.001, 2 * D: 0.001}
MARK_8H = [100, 100, 100, 101, 104, 108, 110, 110, 110]  # 8-hourly mark opens from day 0 00:00


def daily_trade(market):
    return trade(market, "long", entry_row=0, exit_row=1)


def test_daily_bars_pay_each_event_at_its_own_mark():
    market = make_market(DAILY, funding=DAILY_FUNDING, bar="1D", mark=MARK_8H, mark_bar="8h")
    result = quiet(market, daily_trade(market), BacktestConfig(**FREE, **NOTIONAL_10K, liquidation=LAST))
    # 100 coins x (101 at the entry instant [charge] + 104 at 08:00 + 108 at 16:00 + 110 at the exit) x 0.1 %
    assert funding_total(result) == pytest.approx(-(10.1 + 10.4 + 10.8 + 11.0), abs=1e-9)
    assert float(result.portfolio.value().iloc[-1]) == pytest.approx(10_000 + 1_000 - 42.3, abs=1e-9)
    assert result.conventions["funding_events"]["inside_bars"] == 2
    assert result.conventions["coarse_bar_funding"].startswith("2 event(s) inside 1d bars, each paid at its own")


@pytest.mark.parametrize("engine", ENGINES)
def test_daily_bars_both_engines_agree(engine):
    market = make_market(DAILY, funding=DAILY_FUNDING, bar="1D", mark=MARK_8H, mark_bar="8h")
    result = quiet(market, daily_trade(market), BacktestConfig(**FREE, **NOTIONAL_10K, liquidation=LAST,
                                                               engine=engine, funding_at_entry="skip"))
    assert funding_total(result) == pytest.approx(-(10.4 + 10.8 + 11.0), abs=1e-9)


@pytest.mark.parametrize("mark, have", [
    (dict(mark=[100, 101, 110], mark_bar="1D"), "a 1d mark series"),
    ({}, "no mark price"),
])
def test_daily_bars_without_mark_at_funding_time_refuse(mark, have):
    market = make_market(DAILY, funding=DAILY_FUNDING, bar="1D", **mark)
    with pytest.raises(ConfigError, match=(
            r"^backtest.price_for_funding 'mark': 2 funding event\(s\) fall inside 1d bars without a mark price at "
            r"their time \(first: 2024-01-02 08:00:00\+00:00, inside the bar opening 2024-01-02 00:00:00\+00:00; "
            rf"the market has {have}\).*Supply a mark price series at the funding times.*"
            r"set backtest.price_for_funding: close")):
        run_backtest(market, daily_trade(market), BacktestConfig(**FREE, **NOTIONAL_10K, liquidation=LAST))


def test_daily_bars_with_close_price_use_the_close_before_the_bar():
    market = make_market(DAILY, funding=DAILY_FUNDING, bar="1D")
    cfg = BacktestConfig(**FREE, **NOTIONAL_10K, liquidation=LAST, price_for_funding="close")
    result = quiet(market, daily_trade(market), cfg)
    # entry instant, 08:00, 16:00: day 0's close 100; exit instant: day 1's close 110
    assert funding_total(result) == pytest.approx(-(10.0 + 10.0 + 10.0 + 11.0), abs=1e-9)
    assert result.conventions["funding_price"].startswith("close of the last bar ending at or before each event")


def test_funding_event_ms_after_the_hour_is_at_the_hour():
    # Binance stamps events a few ms late: 01:00:00.017 is the 01:00 event, at the entry's open
    market = make_market(BARS, funding={pd.Timedelta("1h17ms"): 0.001}, mark=MARK)
    cfg = BacktestConfig(**FREE, **NOTIONAL_10K, liquidation=LAST)
    assert funding_total(quiet(market, trade(market, "long"), cfg)) == pytest.approx(-10.05, abs=1e-12)
    skip = quiet(market, trade(market, "long"), cfg.model_copy(update={"funding_at_entry": "skip"}))
    assert funding_total(skip) == 0.0


# ----------------------------------------------------------------------------- 3. funding at entry
def test_funding_at_entry_default_is_charge():
    assert BacktestConfig().funding_at_entry == "charge"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("execution", ["next_open", "close"])
@pytest.mark.parametrize("mode, expected", [
    # 100 coins; events at bar 1's open (mark 100.5) and bar 4's open (mark 103), 0.1 % each.
    # next_open: entry at bar 1's open, exit at bar 4's open; close: entry at bar 0's close (= bar 1's open),
    # exit at bar 3's close (= bar 4's open). The exit instant is paid either way.
    ("charge", -(10.05 + 10.3)),
    ("skip", -10.3),
])
def test_funding_at_entry_charge_and_skip(engine, execution, mode, expected):
    market = make_market(BARS, funding={1: 0.001, 4: 0.001}, mark=MARK)
    entry, exit_ = (0, 3)
    cfg = BacktestConfig(**FREE, **NOTIONAL_10K, liquidation=LAST, engine=engine, execution=execution,
                         funding_at_entry=mode)
    result = quiet(market, trade(market, "long", entry_row=entry, exit_row=exit_), cfg)
    assert funding_total(result) == pytest.approx(expected, abs=1e-9)
    assert result.conventions["funding_at_entry"].startswith(mode)


@pytest.mark.parametrize("engine", ENGINES)
def test_funding_at_entry_on_a_reversal(engine):
    # long at bar 1's open, reversed to short at bar 3's open where an event sits (mark 102.5):
    # the long pays it (held until then); with charge the new short receives it too
    market = make_market(BARS, funding={3: 0.001}, mark=MARK)
    on = pd.Series(False, index=market.index)
    short = on.copy()
    on.iloc[0] = True
    short.iloc[2] = True
    sig = Signals(long_entries=on, short_entries=short)
    base = dict(**FREE, **NOTIONAL_10K, liquidation=LAST, engine=engine)
    charge = quiet(market, sig, BacktestConfig(**base))
    skip = quiet(market, sig, BacktestConfig(**base, funding_at_entry="skip"))
    short_qty = 10_000 / 102
    assert funding_total(skip) == pytest.approx(-100 * 102.5 * 0.001, abs=1e-9)
    assert funding_total(charge) == pytest.approx(-100 * 102.5 * 0.001 + short_qty * 102.5 * 0.001, abs=1e-9)


# ----------------------------------------------------------------------------- 4. funding in data gaps
# 12 hourly bars with 07:00 and 08:00 missing; the 08:00 event falls in the gap.
GAP_BARS = [(100 + i, 101 + i, 99 + i, 100 + i) for i in range(12)]
GAP_MARK = [100.5 + i for i in range(12)]  # 08:00 mark: 108.5


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("execution, qty", [("next_open", 10_000 / 101), ("close", 100.0)])
def test_funding_in_a_gap_is_paid_at_the_next_bar(engine, execution, qty):
    market = make_market(GAP_BARS, funding={8: 0.001}, mark=GAP_MARK, drop=(7, 8))
    # next_open: entry at 01:00 (101), exit at 11:00; close: entry at 00:00's close (100), exit at 10:00's close
    sig = trade(market, "long", entry_row=0, exit_row=8)
    cfg = BacktestConfig(**FREE, **NOTIONAL_10K, liquidation=LAST, engine=engine, execution=execution)
    with pytest.warns(FundingGapWarning, match=r"1 funding event\(s\) fall inside gaps of the candles"):
        result = run_backtest(market, sig, cfg)
    assert funding_total(result) == pytest.approx(-qty * 108.5 * 0.001, abs=1e-9)
    assert result.funding.index[0] == pd.Timestamp("2024-01-01 09:00", tz="UTC")  # paid at the next bar
    assert result.conventions["funding_events"]["in_gaps"] == 1
    assert result.conventions["funding_in_gaps"].startswith("1 event(s) inside data gaps, paid at the next bar")


def test_funding_in_a_gap_without_mark_uses_the_last_close_and_says_so():
    market = make_market(GAP_BARS, funding={8: 0.001}, drop=(7, 8))
    sig = trade(market, "long", entry_row=0, exit_row=8)
    with pytest.warns(MarkPriceWarning, match=r"1 of 1 funding event\(s\) have no mark price at their time"):
        result = run_backtest(market, sig, BacktestConfig(**FREE, **NOTIONAL_10K, liquidation=LAST))
    # the last close known at 08:00 is the 06:00 bar's close, 106
    assert funding_total(result) == pytest.approx(-(10_000 / 101) * 106 * 0.001, abs=1e-9)
    assert result.conventions["funding_events"]["last_price"] == 1


def test_entry_after_a_gap_does_not_pay_the_gap_event():
    market = make_market(GAP_BARS, funding={8: 0.001}, mark=GAP_MARK, drop=(7, 8))
    sig = trade(market, "long", entry_row=6, exit_row=8)  # row 6 = 06:00: fills at 09:00, after the event
    with pytest.warns(FundingGapWarning):
        result = run_backtest(market, sig, BacktestConfig(**FREE, **NOTIONAL_10K, liquidation=LAST))
    assert funding_total(result) == 0.0


def test_gap_funding_is_point_in_time():
    market = make_market(GAP_BARS, funding={8: 0.001, 10: 0.002}, mark=GAP_MARK, drop=(7, 8))
    on = pd.Series(False, index=market.index)
    on.iloc[0] = True  # long from 01:00 to the end
    cfg = BacktestConfig(**FREE, **NOTIONAL_10K, liquidation=LAST)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FundingGapWarning)
        full = run_backtest(market, Signals(long_entries=on), cfg).portfolio.value().to_numpy()
        for end in range(2, len(market)):
            part = run_backtest(market.head(end), Signals(long_entries=on.iloc[:end]), cfg)
            np.testing.assert_allclose(part.portfolio.value().to_numpy(), full[:end], rtol=1e-12)


# ----------------------------------------------------------------------------- 5. no absurd numbers
@pytest.mark.parametrize("field, value, message", [
    ("init_cash_usd", 0, "init_cash_usd: Input should be greater than 0; found 0"),
    ("init_cash_usd", math.inf, "init_cash_usd: Input should be a finite number"),
    ("init_cash_usd", 1e13, "init_cash_usd: Input should be less than or equal to 1000000000000"),
    ("leverage", 200, "leverage: Input should be less than or equal to 125"),
    ("leverage", 0.5, "leverage: Input should be greater than or equal to 1"),
    ("taker_fee_bps", 1000, "taker_fee_bps: Input should be less than 1000"),
    ("maker_fee_bps", -150, "maker_fee_bps: Input should be greater than or equal to -100"),
    ("slippage_bps", -1, "slippage_bps: Input should be greater than or equal to 0"),
    ("funding_at_entry", "sometimes", "funding_at_entry: Input should be 'charge' or 'skip'"),
])
def test_out_of_range_backtest_values_are_config_errors_with_the_range(field, value, message):
    with pytest.raises(ConfigError) as err:
        validate_section(BacktestConfig, {field: value}, "c.yaml", "backtest")
    assert f"c.yaml: backtest.{message}" in str(err.value)


def test_absurd_price_is_a_data_error_not_infinity():
    bars = [(1e308, 1e308, 1e308, 1e308)] * 3 + [(1.5e308, 1.7e308, 1e308, 1.6e308)] * 3
    # the market itself refuses it (liqbt.data.validate.PRICE_MAX), before any backtest can run
    with pytest.raises(DataError, match=r"column 'open': absurd prices; expected at most 1e\+09"):
        make_market(bars, funding={3: 0.001})


def fake_run(stats: dict, params=None):
    result = SimpleNamespace(liquidation_trigger="last", conventions={"liquidation_trigger": "last", "n": np.int64(3)})
    return SimpleNamespace(stats=pd.DataFrame([stats]), strategy=SimpleNamespace(get_params=lambda: params or {}),
                           config=SimpleNamespace(strategy=SimpleNamespace(name="toy", level_source="heatmap", placebo_seed=0),
                                                  backtest=BacktestConfig()),
                           backtest=result, judgement=None)


def test_stats_json_writes_null_with_a_reason_never_infinity():
    text = stats_json(fake_run({"total_return": 0.1, "sharpe_ratio": np.inf, "sortino_ratio": -np.inf,
                                "win_rate": np.nan, "trades": np.int64(0)}, params={"threshold": float("nan")}))
    assert "Infinity" not in text and "NaN" not in text
    payload = json.loads(text)
    assert payload["stats"] == {"total_return": 0.1, "sharpe_ratio": None, "sortino_ratio": None, "win_rate": None,
                                "trades": 0}
    assert payload["null_reasons"] == {
        "stats.sharpe_ratio": "+infinite: bar returns have zero variance (no position held, or a constant return)",
        "stats.sortino_ratio": "-infinite: no negative bar return (zero downside deviation), or zero variance",
        "stats.win_rate": "not a number: no closed trade",
        "params.threshold": "not a number: undefined for this run",
    }
    assert payload["conventions"] == {"liquidation_trigger": "last", "n": 3}
    assert payload["backtest"]["funding_at_entry"] == "charge"


def test_mark_trigger_from_a_finer_mark_series():
    # daily bars, 8-hourly mark: the day's mark low is the lowest of its three 8h lows (one missing -> last)
    market = make_market(DAILY, bar="1D", mark=MARK_8H, mark_bar="8h")
    cfg = BacktestConfig(**FREE, **NOTIONAL_10K, funding=False)
    result = quiet(market, daily_trade(market), cfg)
    assert result.liquidation_trigger == "mark"
    from liqbt.backtest.prepare import market_arrays
    arrays = market_arrays(market, cfg)
    np.testing.assert_array_equal(arrays.trig_low, [100, 101, 110])
    np.testing.assert_array_equal(arrays.trig_high, [100, 108, 110])
    partial = make_market(DAILY, bar="1D", mark=MARK_8H[:8], mark_bar="8h")  # day 2's 16:00 mark bar missing
    with pytest.warns(MarkPriceWarning, match=r"1 of 3 bars have no mark high/low \(first: 2024-01-03"):
        arrays = market_arrays(partial, cfg)
    assert arrays.liquidation_trigger == "mark (last on 1 of 3 bars without mark)"
    np.testing.assert_array_equal(arrays.trig_low, [100, 101, 109])  # day 2: the trade low


@pytest.mark.parametrize("engine", ENGINES)
def test_overflowing_funding_is_an_error_not_infinity(engine):
    # 100 coins x 102.5 x 1e306 would overflow float64: the market refuses the rate first
    # (liqbt.data.validate.FUNDING_MAX_ABS), so no backtest on either engine can reach it
    with pytest.raises(DataError, match=r"column 'funding_rate': \|funding rate\| above 0.05"):
        make_market(BARS, funding={3: 1e306}, mark=MARK)


def test_mark_trigger_from_finer_mark_is_point_in_time():
    from liqbt.backtest.prepare import market_arrays
    market = make_market(DAILY, funding=DAILY_FUNDING, bar="1D", mark=MARK_8H, mark_bar="8h")
    cfg = BacktestConfig(**FREE, **NOTIONAL_10K)
    full = market_arrays(market, cfg)
    for end in (1, 2):
        part = market_arrays(market.head(end), cfg)
        for name in ("trig_low", "trig_high", "fund_before", "fund_at_fill", "fund_inside"):
            np.testing.assert_array_equal(getattr(part, name), getattr(full, name)[:end], err_msg=name)
