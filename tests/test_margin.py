"""Liquidation prices and bracket tables, pinned to hand computations."""

import pytest
from hypothesis import assume, given, settings, strategies as st
from pydantic import ValidationError

from liqbt.errors import ConfigError
from liqbt.margin import (BTCUSDT_DEFAULT, OKX_LIQUIDATION_FEE_RATE, BracketTable, bracket_at, bracket_table,
                          derive_cum, formula_code, liquidation_price, liquidation_ratio, register_bracket_table)
from liqbt.margin.nb import liquidation_price_in_bracket_nb, okx_liquidation_price_in_tier_nb


def test_long_10x_constant_mmr_matches_domain_check():
    # 67,000 * (1 - 1/10) / (1 - 0.004) = 60,300 / 0.996
    assert round(liquidation_price(67_000, 10, "long", mmr=0.004), 2) == 60_542.17


def test_long_10x_bracket_one_equals_constant_rate():
    lp = liquidation_price(67_000, 10, "long", notional_usd=10_000, brackets=BTCUSDT_DEFAULT)
    assert lp == pytest.approx(60_300 / 0.996, rel=1e-12)


def test_short_formula():
    # 67,000 * (1 + 1/10) / (1 + 0.004) = 73,700 / 1.004
    lp = liquidation_price(67_000, 10, "short", mmr=0.004)
    assert lp == pytest.approx(73_700 / 1.004, rel=1e-12)
    assert round(lp, 2) == 73_406.37


def test_shortcut_formula_is_not_used():
    lp = liquidation_price(67_000, 10, "long", mmr=0.004)
    assert abs(lp - 67_000 * (1 - 0.1 + 0.004)) > 1.0


def test_long_bracket_at_liquidation_price_below_entry_bracket():
    # 52,000 USD at entry is bracket 2 (0.5 %, cum 50); at the price found with
    # bracket 1 the notional is 52,000 * 60,542.17 / 67,000 = 46,988 < 50,000,
    # so bracket 1 (0.4 %, cum 0) applies: LP = 60,300 / 0.996.
    assert bracket_at(52_000, BTCUSDT_DEFAULT) == 1
    lp = liquidation_price(67_000, 10, "long", notional_usd=52_000, brackets=BTCUSDT_DEFAULT)
    assert bracket_at(52_000 * lp / 67_000, BTCUSDT_DEFAULT) == 0
    assert lp == pytest.approx(60_300 / 0.996, rel=1e-12)
    q = 52_000 / 67_000
    at_entry_bracket = liquidation_price_in_bracket_nb(67_000.0, q, 10.0, 1, 0.005, 50.0)
    assert abs(at_entry_bracket - lp) > 1.0


def test_short_bracket_at_liquidation_price_above_entry_bracket():
    # 48,000 USD at entry is bracket 1; at LP the notional is ~52,590 -> bracket 2
    # (0.5 %, cum 50): LP = (q*EP*1.1 + 50) / (q*1.005) = 52,850 * 67,000 / 48,240.
    lp = liquidation_price(67_000, 10, "short", notional_usd=48_000, brackets=BTCUSDT_DEFAULT)
    assert lp == pytest.approx(52_850 * 67_000 / 48_240, rel=1e-12)
    assert round(lp, 2) == 73_402.78


def test_cum_table_equals_published_values():
    published = (0, 50, 1_300, 16_300, 266_300, 1_266_300, 2_516_300, 5_016_300, 25_016_300, 100_016_300)
    assert derive_cum(BTCUSDT_DEFAULT.caps_usd, BTCUSDT_DEFAULT.mmr) == pytest.approx(published, abs=1e-6)
    assert BTCUSDT_DEFAULT.cum == pytest.approx(published, abs=1e-6)


def test_cum_derived_when_omitted():
    t = BracketTable(symbol="X", version="a", valid_from="2020-01-01", caps_usd=(50e3, 250e3, 1e6),
                     mmr=(0.004, 0.005, 0.01))
    assert t.cum == pytest.approx((0, 50, 1_300))


def test_wrong_cum_is_rejected():
    with pytest.raises(ValidationError, match="cum\\[1\\]"):
        BracketTable(symbol="X", version="a", valid_from="2020-01-01", caps_usd=(50e3, 250e3),
                     mmr=(0.004, 0.005), cum=(0, 60))


def test_decreasing_mmr_is_rejected():
    with pytest.raises(ValidationError, match="non-decreasing"):
        BracketTable(symbol="X", version="a", valid_from="2020-01-01", caps_usd=(50e3, 250e3), mmr=(0.005, 0.004))


def test_table_is_frozen():
    with pytest.raises(ValidationError):
        BTCUSDT_DEFAULT.version = "x"


def test_dated_versions_are_selected_by_date():
    old = BracketTable(symbol="TESTUSDT", version="v1", valid_from="2021-01-01", caps_usd=(1e6,), mmr=(0.01,))
    new = BracketTable(symbol="TESTUSDT", version="v2", valid_from="2023-06-01", caps_usd=(1e6,), mmr=(0.02,))
    register_bracket_table(new)
    register_bracket_table(old)
    assert bracket_table("TESTUSDT", "2022-01-01").version == "v1"
    assert bracket_table("TESTUSDT", "2023-06-01").version == "v2"
    assert bracket_table("TESTUSDT").version == "v2"
    with pytest.raises(ConfigError, match="valid at"):
        bracket_table("TESTUSDT", "2020-01-01")
    with pytest.raises(ConfigError, match="already registered"):
        register_bracket_table(old)
    with pytest.raises(ConfigError, match="no maintenance bracket table"):
        bracket_table("NOPE")


def test_ratio_does_not_depend_on_entry_price():
    r = liquidation_ratio(25, "long", notional_usd=300_000, brackets=BTCUSDT_DEFAULT)
    for ep in (1_000.0, 67_000.0, 250_000.0):
        lp = liquidation_price(ep, 25, "long", notional_usd=300_000, brackets=BTCUSDT_DEFAULT)
        assert lp / ep == pytest.approx(r, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(entry=st.floats(100, 200_000), lev=st.floats(1.2, 125), notional=st.floats(100, 4e8),
       side=st.sampled_from([1, -1]))
def test_bracket_at_liquidation_price_is_consistent(entry, lev, notional, side):
    # With continuous maintenance margin the liquidation price is the max (long)
    # or min (short) over the per-bracket prices, and its notional lies in its bracket.
    caps, mmr, cum = BTCUSDT_DEFAULT.arrays()
    q = notional / entry
    lp = liquidation_price(entry, lev, "long" if side == 1 else "short", qty=q, brackets=BTCUSDT_DEFAULT)
    each = [liquidation_price_in_bracket_nb(entry, q, lev, side, m, c) for m, c in zip(mmr, cum)]
    best = max(each) if side == 1 else min(each)
    assert lp == pytest.approx(best, rel=1e-9, abs=1e-9 * entry)
    if lp > 0:
        k = bracket_at(q * lp, BTCUSDT_DEFAULT)
        assert lp == pytest.approx(each[k], rel=1e-9, abs=1e-9 * entry)


def test_needs_size_with_brackets():
    with pytest.raises(ConfigError, match="qty or notional_usd"):
        liquidation_price(67_000, 10, "long", brackets=BTCUSDT_DEFAULT)
    with pytest.raises(ConfigError, match="exactly one"):
        liquidation_price(67_000, 10, "long", qty=1.0)


# ------------------------------------------------------------------ Bybit and OKX
TIERS = BracketTable(symbol="TIERS", version="t", valid_from="2020-01-01", caps_usd=(50e3, 250e3),
                     mmr=(0.004, 0.005))          # cum (deduction) 0 and 50 USD


def okx_margin_ratio(price, entry, qty, lev, side, mmr, fee, cum=0.0):
    """(margin + UPL) / (maintenance margin + liquidation fee), both at ``price``."""
    margin = qty * entry / lev
    upl = side * qty * (price - entry)
    return (margin + upl) / (qty * price * mmr - cum + qty * price * fee)


def test_bybit_long_10x_is_the_shortcut():
    # 67,000 * (1 - 0.1 + 0.005): IM and MM on the value at entry
    lp = liquidation_price(67_000, 10, "long", mmr=0.005, formula="bybit")
    assert lp == pytest.approx(60_635.00, rel=1e-12)
    assert round(lp, 2) == 60_635.00


def test_bybit_short_10x():
    # 67,000 * (1 + 0.1 - 0.005)
    lp = liquidation_price(67_000, 10, "short", mmr=0.005, formula="bybit")
    assert lp == pytest.approx(73_365.00, rel=1e-12)


def test_bybit_deduction_and_tier_at_entry_value():
    # 100,000 USD at entry: tier 2 (0.5 %, deduction 50); q = 100,000 / 67,000.
    # IM = 10,000, MM = 500 - 50 = 450: LP = 67,000 - 9,550 * 0.67 = 60,601.5 (long),
    # 67,000 + 9,550 * 0.67 = 73,398.5 (short).
    assert liquidation_price(67_000, 10, "long", notional_usd=100_000, brackets=TIERS,
                             formula="bybit") == pytest.approx(60_601.5, rel=1e-12)
    assert liquidation_price(67_000, 10, "short", notional_usd=100_000, brackets=TIERS,
                             formula="bybit") == pytest.approx(73_398.5, rel=1e-12)
    # 52,000 at entry is tier 2 even though the value at LP (< 50,000) is tier 1:
    # Bybit keeps the entry tier. LP = 60,635 - 50 * 67,000 / 52,000.
    lp = liquidation_price(67_000, 10, "long", notional_usd=52_000, brackets=TIERS, formula="bybit")
    assert lp == pytest.approx(60_635 - 50 * 67_000 / 52_000, rel=1e-12)
    assert 52_000 * lp / 67_000 < 50_000


def test_okx_long_with_fee_hits_margin_ratio_100pct():
    # 67,000 * 0.9 / (1 - 0.005 - 0.0005) = 60,300 / 0.9945
    lp = liquidation_price(67_000, 10, "long", mmr=0.005, formula="okx", liquidation_fee_rate=0.0005)
    assert lp == pytest.approx(60_300 / 0.9945, rel=1e-12)
    assert round(lp, 2) == 60_633.48
    assert okx_margin_ratio(lp, 67_000, 1.0, 10, 1, 0.005, 0.0005) == pytest.approx(1.0, abs=1e-9)


def test_okx_short_with_fee_hits_margin_ratio_100pct():
    # 67,000 * 1.1 / (1 + 0.005 + 0.0005) = 73,700 / 1.0055
    lp = liquidation_price(67_000, 10, "short", qty=0.3, mmr=0.005, formula="okx", liquidation_fee_rate=0.0005)
    assert lp == pytest.approx(73_700 / 1.0055, rel=1e-12)
    assert round(lp, 2) == 73_296.87
    assert okx_margin_ratio(lp, 67_000, 0.3, 10, -1, 0.005, 0.0005) == pytest.approx(1.0, abs=1e-9)


def test_okx_margin_ratio_is_above_100pct_before_liquidation():
    lp = liquidation_price(67_000, 10, "long", mmr=0.005, formula="okx", liquidation_fee_rate=0.0005)
    assert okx_margin_ratio(lp * 1.001, 67_000, 1.0, 10, 1, 0.005, 0.0005) > 1.0
    assert okx_margin_ratio(lp * 0.999, 67_000, 1.0, 10, 1, 0.005, 0.0005) < 1.0


def test_okx_default_fee_rate_and_zero_fee():
    assert OKX_LIQUIDATION_FEE_RATE == 0.0005
    assert formula_code("okx") == (2, 0.0005)
    assert liquidation_price(67_000, 10, "long", mmr=0.005, formula="okx") == pytest.approx(60_300 / 0.9945,
                                                                                           rel=1e-12)
    # without a fee OKX's condition is Binance's with cum = 0
    assert liquidation_price(67_000, 10, "long", mmr=0.004, formula="okx", liquidation_fee_rate=0.0) == \
        pytest.approx(60_300 / 0.996, rel=1e-12)


def test_binance_formula_is_the_default_and_unchanged():
    assert liquidation_price(67_000, 10, "long", mmr=0.004, formula="binance") == \
        liquidation_price(67_000, 10, "long", mmr=0.004)
    assert round(liquidation_price(67_000, 10, "long", mmr=0.004, formula="binance"), 2) == 60_542.17
    assert liquidation_ratio(25, "long", notional_usd=300_000, brackets=BTCUSDT_DEFAULT, formula="binance") == \
        liquidation_ratio(25, "long", notional_usd=300_000, brackets=BTCUSDT_DEFAULT)


def test_formula_errors():
    with pytest.raises(ConfigError, match="did you mean 'bybit'"):
        liquidation_price(67_000, 10, "long", mmr=0.005, formula="bybt")
    with pytest.raises(ConfigError, match="'okx' formula only"):
        liquidation_price(67_000, 10, "long", mmr=0.005, formula="bybit", liquidation_fee_rate=0.001)
    with pytest.raises(ConfigError, match="in \\[0, 1\\)"):
        liquidation_price(67_000, 10, "long", mmr=0.005, formula="okx", liquidation_fee_rate=-0.1)
    with pytest.raises(ConfigError, match="qty or notional_usd"):
        liquidation_price(67_000, 10, "long", brackets=TIERS, formula="bybit")


@settings(max_examples=80, deadline=None)
@given(entry=st.floats(100, 200_000), lev=st.floats(1.2, 125), notional=st.floats(100, 4e8),
       side=st.sampled_from([1, -1]), fee=st.floats(0.0, 0.002))
def test_okx_price_solves_the_margin_ratio(entry, lev, notional, side, fee):
    _, mmr, cum = BTCUSDT_DEFAULT.arrays()
    q = notional / entry
    lp = liquidation_price(entry, lev, "long" if side == 1 else "short", qty=q, brackets=BTCUSDT_DEFAULT,
                           formula="okx", liquidation_fee_rate=fee)
    k = bracket_at(q * entry, BTCUSDT_DEFAULT)  # the entry notional as the function computes it (q * EP)
    assert lp == okx_liquidation_price_in_tier_nb(entry, q, lev, side, mmr[k], cum[k], fee)
    assume(lp > 0)
    assert okx_margin_ratio(lp, entry, q, lev, side, mmr[k], fee, cum[k]) == pytest.approx(1.0, abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(entry=st.floats(100, 200_000), lev=st.floats(1.2, 125), notional=st.floats(100, 4e8),
       side=st.sampled_from([1, -1]))
def test_bybit_price_is_entry_minus_margin_buffer(entry, lev, notional, side):
    _, mmr, cum = BTCUSDT_DEFAULT.arrays()
    q = notional / entry
    lp = liquidation_price(entry, lev, "long" if side == 1 else "short", qty=q, brackets=BTCUSDT_DEFAULT,
                           formula="bybit")
    k = bracket_at(q * entry, BTCUSDT_DEFAULT)  # the entry notional as the function computes it (q * EP)
    im, mm = notional / lev, notional * mmr[k] - cum[k]
    assert lp == pytest.approx(entry - side * (im - mm) / q, rel=1e-9, abs=1e-9 * entry)
    assert liquidation_ratio(lev, "long" if side == 1 else "short", notional_usd=notional,
                             brackets=BTCUSDT_DEFAULT, formula="bybit") == pytest.approx(lp / entry, rel=1e-9)
