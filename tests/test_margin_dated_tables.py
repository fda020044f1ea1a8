"""Issue #11 point 4: dated Binance tables, per-tier maximum leverage, the market's own symbol."""

import warnings

import numpy as np
import pandas as pd
import pytest

from heatmap_reference import uncalibrated
from test_backtest_reference import make_market
from test_heatmap_kernel import tiny_market
from test_heatmap_support import random_market
from liqbt.backtest import BacktestConfig, Signals, run_backtest
from liqbt.data import Market
from liqbt.errors import ConfigError, GridWarning, TierExcludedWarning
from liqbt.heatmap import HeatmapModel, reconstruct, reconstruct_named
from liqbt.heatmap.grid import make_grid
from liqbt.heatmap.inputs import model_arrays, venue_bracket_table
from liqbt.margin import (BINANCE_2025_VALID_FROM, BTCUSDT_2021, BTCUSDT_2025, BTCUSDT_DEFAULT, ETHUSDT_2025,
                          bracket_table, check_leverage, derive_cum, liquidation_price, liquidation_ratio, table_symbol)

H = pd.Timedelta("1h")


# ------------------------------------------------------------------ the tables
def test_2025_tables_cum_follow_the_rule_and_domain_values():
    # cum_n = floor_n * (MMR_n - MMR_{n-1}) + cum_{n-1}, and the values DOMAIN.md lists
    assert BTCUSDT_2025.cum == pytest.approx(derive_cum(BTCUSDT_2025.caps_usd, BTCUSDT_2025.mmr), abs=1e-6)
    assert BTCUSDT_2025.cum[-1] == 421_482_000.0 and BTCUSDT_2025.cum[4] == 132_000.0
    assert ETHUSDT_2025.cum == pytest.approx(derive_cum(ETHUSDT_2025.caps_usd, ETHUSDT_2025.mmr), abs=1e-6)
    assert ETHUSDT_2025.cum[5] == 382_000.0 and ETHUSDT_2025.cum[-1] == 280_507_000.0
    assert BTCUSDT_2025.max_leverage == (150, 100, 75, 50, 25, 20, 10, 5, 4, 3, 2, 1)
    assert BTCUSDT_2021.max_leverage is None and BTCUSDT_DEFAULT is BTCUSDT_2021
    for t in (BTCUSDT_2021, BTCUSDT_2025, ETHUSDT_2025):
        assert t.source and t.valid_from


def test_liquidation_price_pins_both_versions():
    # long 10x, 1.5M USDT at 67,000: bracket 800k-3M (0.65 %, cum 1,500) vs 1M-10M (2.5 %, cum 16,300)
    q = 1.5e6 / 67_000
    assert liquidation_price(67_000, 10, "long", notional_usd=1.5e6, brackets=BTCUSDT_2025) == pytest.approx(
        (150_000 + 1_500 - 1.5e6) / (q * (0.0065 - 1)), rel=1e-12)
    assert round(liquidation_price(67_000, 10, "long", notional_usd=1.5e6, brackets=BTCUSDT_2025), 2) == 60_627.08
    assert round(liquidation_price(67_000, 10, "long", notional_usd=1.5e6, brackets=BTCUSDT_2021), 2) == 61_099.42
    # the 2021 table's small-position value is unchanged (DOMAIN.md: 60,542.17)
    assert round(liquidation_price(67_000, 10, "long", notional_usd=10_000, brackets=BTCUSDT_2021), 2) == 60_542.17


def test_version_chosen_by_date():
    assert BINANCE_2025_VALID_FROM == "2025-01-01"
    assert bracket_table("BTCUSDT", "2024-12-31 23:00") is BTCUSDT_2021
    assert bracket_table("BTCUSDT", "2025-01-01") is BTCUSDT_2025
    assert bracket_table("BTCUSDT") is BTCUSDT_2025
    assert bracket_table("BTCUSDT", version="2021") is BTCUSDT_2021
    assert bracket_table("ETHUSDT", "2021-06-01") is ETHUSDT_2025   # the only ETHUSDT version
    assert BTCUSDT_2025.label == "Binance BTCUSDT 2025-26"


@pytest.mark.parametrize("symbol,table", [("BTCUSDT", "BTCUSDT"), ("BTC/USDT:USDT", "BTCUSDT"), ("ETHUSD", "ETHUSDT"),
                                          ("ETH", "ETHUSDT"), ("XRPUSDT", "XRPUSDT"), ("", "BTCUSDT"),
                                          ("SYNTHUSDT", "BTCUSDT")])
def test_table_symbol(symbol, table):
    assert table_symbol(symbol) == table


def test_check_leverage_refuses_100x_on_8m():
    with pytest.raises(ConfigError) as info:
        check_leverage(100, 8e6, BTCUSDT_2025, "backtest.leverage")
    assert str(info.value) == ("backtest.leverage: 100x on 8,000,000 USDT notional: Binance BTCUSDT 2025-26 tier "
                               "3M–12M allows at most 50x")
    check_leverage(50, 8e6, BTCUSDT_2025)       # the tier's maximum itself is allowed
    check_leverage(150, 299_999, BTCUSDT_2025)
    check_leverage(100, 8e6, BTCUSDT_2021)      # no limits known for 2021


# ------------------------------------------------------------------ backtests
def _one_trade(start):
    market = make_market([(100, 101, 99, 100)] * 4, start=start)
    market = market.__class__(**{**market.__dict__, "symbol": "BTCUSDT", "venue": "binance"})
    on = pd.Series([True, False, False, False], index=market.index)
    off = pd.Series([False, False, True, False], index=market.index)
    return market, Signals(long_entries=on, long_exits=off)


def test_backtest_above_the_tier_max_leverage_is_refused():
    market, sig = _one_trade("2025-06-01")
    cfg = BacktestConfig(leverage=100, size_type="notional_usd", size=8e6, init_cash_usd=1e6)
    with pytest.raises(ConfigError, match="backtest.leverage: 100x on 8,000,000 USDT notional: Binance BTCUSDT "
                                          "2025-26 tier 3M–12M allows at most 50x"):
        run_backtest(market, sig, cfg)
    run_backtest(market, sig, cfg.model_copy(update={"leverage": 50.0}))


def test_backtest_equity_fraction_notional_is_checked_at_the_initial_equity():
    market, sig = _one_trade("2025-06-01")
    # all-in at 100x on 100,000 USD: 10M notional, tier 3M-12M allows 50x
    with pytest.raises(ConfigError, match="100x on 10,000,000 USDT notional"):
        run_backtest(market, sig, BacktestConfig(leverage=100, init_cash_usd=100_000))
    run_backtest(market, sig, BacktestConfig(leverage=100, init_cash_usd=2_000))   # 200k notional: 150x allowed


def test_backtest_before_2025_uses_the_2021_table_without_limits():
    market, sig = _one_trade("2024-06-01")
    run_backtest(market, sig, BacktestConfig(leverage=100, size_type="notional_usd", size=8e6, init_cash_usd=1e6))


def test_backtest_liquidates_with_the_market_own_dated_table_and_states_it():
    for start, label in (("2024-06-01", "Binance BTCUSDT 2021"), ("2025-06-01", "Binance BTCUSDT 2025-26")):
        market, sig = _one_trade(start)
        result = run_backtest(market, sig, BacktestConfig(leverage=10))
        assert result.conventions["maintenance_brackets"] == label


def test_backtest_symbol_without_a_table_is_an_error_not_btc_brackets():
    market, sig = _one_trade("2025-06-01")
    xrp = market.__class__(**{**market.__dict__, "symbol": "XRPUSDT"})
    with pytest.raises(ConfigError, match=r"^backtest.liquidation: no maintenance bracket table for 'XRPUSDT' "
                                          r"\(market symbol 'XRPUSDT'\).*maintenance_margin_rate"):
        run_backtest(xrp, sig, BacktestConfig(leverage=10))
    named = BacktestConfig(leverage=10, liquidation={"maintenance_margin_rate": 0.01})
    assert "maintenance_brackets" in run_backtest(xrp, sig, named).conventions
    assert "maintenance_brackets" not in run_backtest(xrp, sig, BacktestConfig(liquidation={"enabled": False})).conventions


# ------------------------------------------------------------------ the heatmap
def _market(symbol, start="2025-06-01", venue="binance"):
    index = pd.date_range(start, periods=5, freq="1h", tz="UTC")
    candles = pd.DataFrame({"open": 100.0, "high": 105.0, "low": 95.0, "close": 100.0, "volume": 1.0}, index=index)
    oi = pd.Series([1_000.0, 2_000.0, 2_000.0, 2_000.0, 2_000.0], index=index)
    return Market.from_parts(candles, bar_size="1h", open_interest=oi, symbol=symbol, venue=venue)


def test_heatmap_uses_the_market_symbol_and_reports_the_version():
    model = HeatmapModel(n_bins=200, position_notional_usd=1.5e6)
    assert reconstruct(_market("ETHUSDT"), model).bracket_versions == {"binance": "Binance ETHUSDT 2025-26"}
    assert reconstruct(_market("BTCUSDT"), model).bracket_versions == {"binance": "Binance BTCUSDT 2025-26"}
    # (1.5M at 10x is fine in 2025-26, but liquidated at entry for the 2021 table's 2.5 % bracket: 10k here)
    old = reconstruct(_market("BTCUSDT", start="2024-06-01"), HeatmapModel(n_bins=200))
    assert old.bracket_versions == {"binance": "Binance BTCUSDT 2021"}
    # Hyperliquid ETH (no Hyperliquid table): Binance's ETHUSDT, never BTC's
    hl = reconstruct(_market("ETHUSD", venue="hyperliquid"), model)
    assert hl.bracket_versions == {"hyperliquid": "Binance ETHUSDT 2025-26"}
    named = reconstruct_named(_market("ETHUSDT"), {"a": model})
    assert named["a"].bracket_versions == {"binance": "Binance ETHUSDT 2025-26"}
    const = reconstruct(_market("XRPUSDT"), HeatmapModel(n_bins=200, maintenance="constant"))
    assert const.bracket_versions == {"binance": "constant MMR 0.004"}


def test_heatmap_ratios_follow_the_dated_version():
    m = uncalibrated(position_notional_usd=1.5e6, leverage_tiers=[{"leverage": 10, "weight": 1}])
    grid = make_grid(m, 67_000.0)
    for at, table in (("2025-06-01", BTCUSDT_2025), ("2024-06-01", BTCUSDT_2021)):
        arr = model_arrays(m, grid, H, venue="binance", at=at, symbol="BTCUSDT")
        assert arr.ratio_long[0] * 67_000 == pytest.approx(
            liquidation_price(67_000, 10, "long", notional_usd=1.5e6, brackets=table), rel=1e-12)


def test_symbol_without_a_table_is_an_error_naming_the_option():
    with pytest.raises(ConfigError, match=r"heatmap.bracket_symbol: no maintenance bracket table for 'XRPUSDT' "
                                          r"\(the market's symbol 'XRPUSDT'\)"):
        reconstruct(_market("XRPUSDT"), HeatmapModel(n_bins=200))
    with pytest.raises(ConfigError, match=r"heatmap.bracket_symbol: no maintenance bracket table for 'DOGEUSDT'"):
        reconstruct(_market("BTCUSDT"), HeatmapModel(n_bins=200, bracket_symbol="DOGEUSDT"))
    # naming a table works
    res = reconstruct(_market("XRPUSDT"), HeatmapModel(n_bins=200, bracket_symbol="BTCUSDT"))
    assert res.bracket_versions == {"binance": "Binance BTCUSDT 2025-26"}
    assert venue_bracket_table(HeatmapModel(), "binance", symbol="ETHUSDT") is ETHUSDT_2025


def test_tiers_above_the_max_leverage_are_excluded_and_counted():
    # 1.5M USDT position: bracket 800k-3M allows 75x; of 5/10/25/50/100x the 100x tier goes
    model = uncalibrated(n_bins=200, position_notional_usd=1.5e6)
    with pytest.warns(TierExcludedWarning) as rec:
        res = reconstruct(_market("BTCUSDT"), model)
    msg = [str(w.message) for w in rec if issubclass(w.category, TierExcludedWarning)][0]
    assert msg == ("heatmap (venue 'binance'): 1 of 5 leverage tiers (100x; 20.0% of new notional) excluded: Binance "
                   "BTCUSDT 2025-26 allows at most 75x on 1,500,000 USDT notional (position_notional_usd, tier "
                   "800k–3M); the other tiers share their notional")
    assert res.excluded_tiers == {"binance": (100.0,)} and res.n_excluded_tiers == 1
    # the four tiers left share the opened notional: same book as a model without the 100x tier
    four = uncalibrated(n_bins=200, position_notional_usd=1.5e6,
                        leverage_tiers=[{"leverage": x, "weight": 1} for x in (5, 10, 25, 50)])
    pd.testing.assert_frame_equal(res.features, reconstruct(_market("BTCUSDT"), four).features)
    # the 2021 table has no limits: nothing excluded (at 10k USDT, where 100x is not liquidated at entry)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TierExcludedWarning)
        small = uncalibrated(n_bins=200)
        assert reconstruct(_market("BTCUSDT", start="2024-06-01"), small).excluded_tiers == {}


def test_distribution_tiers_above_the_max_are_excluded():
    # 10M USDT: tier 3M-12M allows 50x; the lognormal grid points 54.7, 72.0, 94.9 and 125x go
    with pytest.warns(TierExcludedWarning, match="4 of 16 leverage tiers"):
        res = reconstruct(_market("BTCUSDT"), HeatmapModel(n_bins=200, position_notional_usd=10e6))
    assert res.n_excluded_tiers == 4
    assert min(res.excluded_tiers["binance"]) > 50


def test_every_tier_above_the_max_is_an_error():
    model = uncalibrated(n_bins=200, position_notional_usd=500e6, leverage_tiers=[{"leverage": 10, "weight": 1}])
    with pytest.raises(ConfigError, match=r"heatmap.leverage_tiers: every leverage tier exceeds the maximum: Binance "
                                          r"BTCUSDT 2025-26 allows at most 4x on 500,000,000 USDT notional \(position_notional_usd, "
                                          r"tier 480M–600M\)"):
        reconstruct(_market("BTCUSDT"), model)


def test_a_run_across_the_switch_date_warns_and_keeps_the_first_bars_version():
    from liqbt.errors import BracketVersionWarning

    index = pd.date_range("2024-12-31 22:00", periods=5, freq="1h", tz="UTC")
    candles = pd.DataFrame({"open": 100.0, "high": 105.0, "low": 95.0, "close": 100.0, "volume": 1.0}, index=index)
    oi = pd.Series([1_000.0, 2_000.0, 2_000.0, 2_000.0, 2_000.0], index=index)
    market = Market.from_parts(candles, bar_size="1h", open_interest=oi, symbol="BTCUSDT", venue="binance")
    with pytest.warns(BracketVersionWarning, match=r"Binance BTCUSDT 2021, in force at the first bar 2024-12-31 "
                                                   r"22:00:00\+00:00, is used for the whole run; version '2025-26' "
                                                   r"applies from 2025-01-01"):
        res = reconstruct(market, HeatmapModel(n_bins=200))
    assert res.bracket_versions == {"binance": "Binance BTCUSDT 2021"}
    # an explicit version: no warning; truncated before the switch: none either
    with warnings.catch_warnings():
        warnings.simplefilter("error", BracketVersionWarning)
        assert reconstruct(market, HeatmapModel(n_bins=200, bracket_version="2025-26")).bracket_versions == \
            {"binance": "Binance BTCUSDT 2025-26"}
        head = reconstruct(market.slice(end=index[2]), HeatmapModel(n_bins=200))
    pd.testing.assert_frame_equal(head.features, res.features.iloc[:2])


def test_excluded_tiers_are_point_in_time():
    market = random_market(4, 300)
    model = HeatmapModel(n_bins=400, position_notional_usd=10e6, bracket_version="2025-26")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GridWarning)
        warnings.simplefilter("ignore", TierExcludedWarning)
        full = reconstruct(market, model)
        head = reconstruct(market.slice(end=market.index[200]), model)
    assert full.n_excluded_tiers == head.n_excluded_tiers == 4
    pd.testing.assert_frame_equal(head.features, full.features.iloc[:200])
