"""Maintenance tables keyed by venue and symbol, and the heatmap picking the table of each venue."""

import pandas as pd
import pytest
from pydantic import ValidationError

from heatmap_reference import UNCALIBRATED, uncalibrated  # noqa: F401  (pre-calibration defaults)
from liqbt.data import MultiVenueMarket, generate_market
from liqbt.errors import ConfigError
from liqbt.heatmap import HeatmapModel, reconstruct
from liqbt.heatmap.grid import make_grid
from liqbt.heatmap.inputs import model_arrays, venue_bracket_table
from liqbt.margin import (BTCUSDT_DEFAULT, BYBIT_BTCUSDT, BracketTable, bracket_table, bracket_tables, derive_cum,
                          known_bracket_tables, liquidation_price, liquidation_ratio, register_bracket_table)

H = pd.Timedelta("1h")


#: A date at which the 2021 Binance table is in force (the 2025-26 version starts 2025-01-01).
D21 = pd.Timestamp("2024-06-01", tz="UTC")


# ------------------------------------------------------------------ registry
def test_existing_calls_keep_binance():
    # since the dated 2025-26 table exists, the newest version is that one; the 2021 table before 2025
    assert bracket_table("BTCUSDT", "2024-06-01") is BTCUSDT_DEFAULT
    assert BTCUSDT_DEFAULT.venue == "binance"
    assert bracket_tables("BTCUSDT") == bracket_tables("BTCUSDT", venue="binance")


def test_bybit_table_is_registered_under_bybit():
    assert bracket_table("BTCUSDT", venue="bybit") is BYBIT_BTCUSDT
    assert bracket_table("btcusdt", venue="Bybit") is BYBIT_BTCUSDT
    assert ("bybit", "BTCUSDT") in known_bracket_tables()


def test_tables_are_picked_by_venue_and_date():
    old = BracketTable(symbol="VTESTUSDT", venue="bybit", version="v1", valid_from="2021-01-01", caps_usd=(1e6,),
                       mmr=(0.01,))
    new = BracketTable(symbol="VTESTUSDT", venue="bybit", version="v2", valid_from="2023-06-01", caps_usd=(1e6,),
                       mmr=(0.02,))
    register_bracket_table(new)
    register_bracket_table(old)
    assert bracket_table("VTESTUSDT", "2022-01-01", venue="bybit").version == "v1"
    assert bracket_table("VTESTUSDT", "2023-06-01", venue="bybit").version == "v2"
    assert bracket_table("VTESTUSDT", venue="bybit", version="v1") is old
    # the same symbol and version on another venue is a different table
    register_bracket_table(old.model_copy(update={"venue": "binance"}))
    with pytest.raises(ConfigError, match="bybit VTESTUSDT version 'v1' is already registered"):
        register_bracket_table(old)


def test_missing_table_names_venue_and_symbol_and_lists_known():
    with pytest.raises(ConfigError, match=r"venue 'okx' symbol 'BTCUSDT'; known \(venue, symbol\): .*'bybit', "
                                          r"'BTCUSDT'"):
        bracket_table("BTCUSDT", venue="okx")
    with pytest.raises(ConfigError, match="venue 'bybit' symbol 'BTCUSDT'; versions"):
        bracket_table("BTCUSDT", venue="bybit", version="nope")
    register_bracket_table(BracketTable(symbol="WTESTUSDT", venue="bybit", version="v1", valid_from="2020-06-01",
                                        caps_usd=(1e6,), mmr=(0.01,)))
    with pytest.raises(ConfigError, match="venue 'bybit' symbol 'WTESTUSDT' valid at"):
        bracket_table("WTESTUSDT", "2020-01-01", venue="bybit")


# ---------------------------------------------------------------- Bybit table
def test_bybit_deductions_are_the_published_ones_and_follow_derive_cum():
    # Bybit's page: deduction_n = limit_(n-1) * (MMR_n - MMR_(n-1)) + deduction_(n-1), e.g.
    # tier 3: 2,600,000 * (0.63 % - 0.56 %) + 1,200 = 1,820 + 1,200 = 3,020
    published = (0, 1_200, 3_020, 4_300, 5_820, 8_460, 15_460, 20_500, 46_000, 66_000, 80_000, 160_000, 300_000,
                 452_000, 502_000, 777_000, 837_000, 967_000, 1_107_000, 1_482_000)
    assert BYBIT_BTCUSDT.cum == pytest.approx(published, abs=1e-6)
    assert derive_cum(BYBIT_BTCUSDT.caps_usd, BYBIT_BTCUSDT.mmr) == pytest.approx(published, abs=1e-6)
    assert BYBIT_BTCUSDT.caps_usd[0] == 2_000_000 and BYBIT_BTCUSDT.mmr[0] == 0.005


def test_bybit_maintenance_margin_is_continuous_at_each_limit():
    t = BYBIT_BTCUSDT
    for n in range(len(t.caps_usd) - 1):
        cap = t.caps_usd[n]
        assert cap * t.mmr[n] - t.cum[n] == pytest.approx(cap * t.mmr[n + 1] - t.cum[n + 1], abs=1e-6)


def test_bybit_tier1_liquidation_price_by_hand():
    # long 10x at 60,000, 0.1 BTC: value 6,000 (tier 1: MMR 0.5 %, deduction 0)
    # IM = 6,000 / 10 = 600; MM = 6,000 * 0.005 - 0 = 30
    # LP = 60,000 - (600 - 30) / 0.1 = 60,000 - 5,700 = 54,300 = 60,000 * (1 - 1/10 + 0.005)
    lp = liquidation_price(60_000, 10, "long", qty=0.1, brackets=BYBIT_BTCUSDT, formula="bybit")
    assert lp == pytest.approx(54_300.0, rel=1e-12)
    # short: LP = 60,000 + 5,700 = 65,700
    lp = liquidation_price(60_000, 10, "short", qty=0.1, brackets=BYBIT_BTCUSDT, formula="bybit")
    assert lp == pytest.approx(65_700.0, rel=1e-12)


def test_bybit_deduction_enters_the_liquidation_price():
    # long 10x at 60,000, 50 BTC: value 3,000,000 (tier 3: MMR 0.63 %, deduction 3,020)
    # IM = 300,000; MM = 3,000,000 * 0.0063 - 3,020 = 18,900 - 3,020 = 15,880
    # LP = 60,000 - (300,000 - 15,880) / 50 = 60,000 - 5,682.4 = 54,317.6
    lp = liquidation_price(60_000, 10, "long", qty=50, brackets=BYBIT_BTCUSDT, formula="bybit")
    assert lp == pytest.approx(54_317.6, rel=1e-12)
    lp = liquidation_price(60_000, 10, "short", qty=50, brackets=BYBIT_BTCUSDT, formula="bybit")
    assert lp == pytest.approx(65_682.4, rel=1e-12)


# ------------------------------------------------------------------ OKX rule
def _okx_table(**kw):
    # illustrative rates, not OKX's: liqbt has no published BTC-USDT-SWAP tier table
    args = dict(symbol="OKXTESTUSDT", venue="okx", version="illustrative", valid_from="2020-01-01",
                caps_usd=(1e6, 2e6), mmr=(0.004, 0.006), cumulative=False)
    return BracketTable(**{**args, **kw})


def test_okx_tables_have_no_cumulative_amount():
    assert _okx_table().cum == (0.0, 0.0)
    assert _okx_table(cum=(0, 0)).cum == (0.0, 0.0)
    with pytest.raises(ValidationError, match="cumulative=False"):
        _okx_table(cum=(0, 2_000))
    with pytest.raises(ValidationError, match="OKX's rule"):
        _okx_table(venue="bybit")
    # with the default cumulative=True an OKX table would need the derived amounts
    with pytest.raises(ValidationError, match="floor"):
        _okx_table(cumulative=True, cum=(0, 0))


def test_okx_liquidation_price_by_hand():
    table = _okx_table()
    # long 10x at 60,000, 0.1 BTC (10 contracts of 0.01 BTC): 6,000 USD, tier 1 (MMR 0.4 %), fee 0.05 %
    # margin ratio (600 + 0.1*(P - 60,000)) / (0.1*P*(0.004 + 0.0005)) = 1
    # -> P = 60,000 * (1 - 1/10) / (1 - 0.004 - 0.0005) = 54,000 / 0.9955 = 54,244.098...
    lp = liquidation_price(60_000, 10, "long", qty=0.1, brackets=table, formula="okx", liquidation_fee_rate=0.0005)
    assert lp == pytest.approx(54_000 / 0.9955, rel=1e-12)
    assert round(lp, 2) == 54_244.10
    # short: 60,000 * 1.1 / (1 + 0.0045) = 66,000 / 1.0045
    lp = liquidation_price(60_000, 10, "short", qty=0.1, brackets=table, formula="okx", liquidation_fee_rate=0.0005)
    assert lp == pytest.approx(66_000 / 1.0045, rel=1e-12)
    # 20 BTC = 1,200,000 USD: tier 2 (0.6 %) on the whole position, nothing deducted
    lp = liquidation_price(60_000, 10, "long", qty=20, brackets=table, formula="okx", liquidation_fee_rate=0.0005)
    assert lp == pytest.approx(54_000 / 0.9935, rel=1e-12)


# --------------------------------------------------------------- the heatmap
def test_model_arrays_use_the_venues_table():
    # Binance's formula everywhere: only the table differs
    m = uncalibrated(position_notional_usd=10_000, venue_formulas={"bybit": "binance"})
    grid = make_grid(m, 67_000.0)
    lev, _ = m.tier_arrays()
    for venue, table in (("bybit", BYBIT_BTCUSDT), ("binance", BTCUSDT_DEFAULT), ("", BTCUSDT_DEFAULT),
                         ("synthetic", BTCUSDT_DEFAULT)):
        assert venue_bracket_table(m, venue, D21) is table
        arr = model_arrays(m, grid, H, venue=venue, at=D21)
        want = [liquidation_ratio(x, "long", notional_usd=10_000, brackets=table) for x in lev]
        assert list(arr.ratio_long) == pytest.approx(want, rel=1e-12)


def test_venue_brackets_overrides_by_symbol_or_venue_and_symbol():
    m = uncalibrated(venue_brackets={"bybit": "binance:BTCUSDT", "kraken": "BTCUSDT"})
    assert venue_bracket_table(m, "bybit", D21) is BTCUSDT_DEFAULT
    # a plain symbol is the venue's own table, Binance's when the venue has none
    assert venue_bracket_table(m, "kraken", D21, strict=True) is BTCUSDT_DEFAULT
    m = uncalibrated(venue_brackets={"binance": "bybit:BTCUSDT"})
    assert venue_bracket_table(m, "binance") is BYBIT_BTCUSDT


def test_venue_table_is_picked_by_the_first_bar_date():
    for version, start, mmr in (("d1", "2021-01-01", 0.01), ("d2", "2023-01-01", 0.02)):
        register_bracket_table(BracketTable(symbol="DTESTUSDT", venue="bybit", version=version, valid_from=start,
                                            caps_usd=(1e9,), mmr=(mmr,)))
    m = uncalibrated(bracket_symbol="DTESTUSDT")
    assert venue_bracket_table(m, "bybit", pd.Timestamp("2022-06-01", tz="UTC")).version == "d1"
    assert venue_bracket_table(m, "bybit", pd.Timestamp("2024-06-01", tz="UTC")).version == "d2"


def _two_venues(second="okx", n_bars=48):
    a = generate_market(n_bars, "1h", seed=1, symbol="BTCUSDT", venue="binance")
    b = generate_market(n_bars, "1h", seed=2, symbol="BTCUSDT", venue=second)
    return b, MultiVenueMarket("BTCUSDT", {"binance": a, second: b})


def test_multi_venue_heatmap_without_a_table_for_a_venue_is_an_error():
    _, market = _two_venues("okx")
    with pytest.raises(ConfigError, match=r"venue_brackets.*venue 'okx' symbol 'BTCUSDT'.*'binance:BTCUSDT'"):
        reconstruct(market, uncalibrated())
    # choosing a table for it, or leaving the venue out, or constant maintenance is fine
    reconstruct(market, uncalibrated(venue_brackets={"okx": "binance:BTCUSDT"}))
    reconstruct(market, uncalibrated(venues=("binance",)))
    reconstruct(market, uncalibrated(maintenance="constant"))


def test_single_venue_market_of_a_venue_without_a_table_keeps_binance():
    single, _ = _two_venues("okx")
    plain = reconstruct(single.__class__(**{**single.__dict__, "venue": "binance"}), uncalibrated())
    okx = reconstruct(single, uncalibrated(venue_formulas={"okx": "binance"}))  # the table alone
    pd.testing.assert_frame_equal(okx.features, plain.features)


def test_venue_brackets_key_not_in_the_market_is_an_error():
    _, market = _two_venues("bybit")
    with pytest.raises(ConfigError, match="did you mean 'bybit'"):
        reconstruct(market, uncalibrated(venue_brackets={"bybitt": "BTCUSDT"}))
