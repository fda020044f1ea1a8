"""Per-venue liquidation formulas (Binance, Bybit, OKX) in the heatmap model and multi-venue reconstruction."""

import math

import numpy as np
import pandas as pd
import pytest

from heatmap_reference import UNCALIBRATED, uncalibrated  # noqa: F401  (pre-calibration defaults)
from liqbt.data import MultiVenueMarket, generate_market
from liqbt.errors import ConfigError
from liqbt.heatmap import HeatmapModel, reconstruct
from liqbt.heatmap.grid import make_grid
from liqbt.heatmap.inputs import model_arrays
from liqbt.heatmap.model import LeverageTier
from liqbt.margin import BTCUSDT_DEFAULT, BYBIT_BTCUSDT, liquidation_ratio

H = pd.Timedelta("1h")
# one 3x tier with a 5 % maintenance rate: Bybit and Binance differ by ~21 bins (long)
# and ~10.6 bins (short) on the default 10 bps grid, far from any liquidation
LEV, MMR = 3.0, 0.05
# a fixed grid: these tests compare dense profiles of different venues and formulas bin by bin (the lattice's
# dense views span each map's own occupied bins; tests/test_heatmap_lattice.py aligns those)
MODEL = {"leverage_tiers": (LeverageTier(leverage=LEV, weight=1.0),), "maintenance": "constant", "constant_mmr": MMR,
         "n_bins": 2000}


def test_each_venue_defaults_to_its_own_formula():
    m = uncalibrated()
    assert m.venue_formulas == {} and m.okx_liquidation_fee_rate == 0.0005
    grid = make_grid(m, 67_000.0)
    # the same (Binance) brackets everywhere, so only the formula differs
    same = m.model_copy(update={"venue_brackets": {"bybit": "binance:BTCUSDT", "okx": "binance:BTCUSDT"}})
    binance = model_arrays(same, grid, H, venue="binance")
    for venue in ("bybit", "okx"):
        own = model_arrays(same, grid, H, venue=venue)
        named = model_arrays(same.model_copy(update={"venue_formulas": {venue: venue}}), grid, H, venue=venue)
        np.testing.assert_array_equal(own.ratio_long, named.ratio_long)
        assert not np.array_equal(own.ratio_long, binance.ratio_long)
    as_binance = same.model_copy(update={"venue_formulas": {"bybit": "binance"}})
    np.testing.assert_array_equal(model_arrays(as_binance, grid, H, venue="bybit").ratio_long, binance.ratio_long)
    # an unknown venue keeps Binance's formula
    np.testing.assert_array_equal(model_arrays(same, grid, H, venue="synthetic").ratio_long, binance.ratio_long)


def test_unknown_formula_is_rejected():
    with pytest.raises(ConfigError, match="venue_formulas"):
        uncalibrated(venue_formulas={"bybit": "bybt"})
    with pytest.raises(ConfigError, match="okx_liquidation_fee_rate"):
        uncalibrated(okx_liquidation_fee_rate=-0.001)


def test_model_arrays_use_each_venues_formula():
    m = uncalibrated(venue_formulas={"bybit": "bybit", "okx": "okx"}, okx_liquidation_fee_rate=0.0005, **MODEL)
    grid = make_grid(m, 67_000.0)
    by = model_arrays(m, grid, H, venue="bybit")
    ok = model_arrays(m, grid, H, venue="okx")
    bn = model_arrays(m, grid, H, venue="binance")
    assert by.ratio_long[0] == pytest.approx(1 - 1 / LEV + MMR, rel=1e-12)
    assert by.ratio_short[0] == pytest.approx(1 + 1 / LEV - MMR, rel=1e-12)
    assert ok.ratio_long[0] == pytest.approx((1 - 1 / LEV) / (1 - MMR - 0.0005), rel=1e-12)
    assert ok.ratio_short[0] == pytest.approx((1 + 1 / LEV) / (1 + MMR + 0.0005), rel=1e-12)
    assert bn.ratio_long[0] == pytest.approx((1 - 1 / LEV) / (1 - MMR), rel=1e-12)
    assert bn.ratio_short[0] == pytest.approx((1 + 1 / LEV) / (1 + MMR), rel=1e-12)


def test_bracket_model_ratios_match_liquidation_ratio():
    m = uncalibrated(venue_formulas={"bybit": "bybit", "okx": "okx"}, position_notional_usd=52_000)
    grid = make_grid(m, 67_000.0)
    lev, _ = m.tier_arrays()
    # bybit has its own table; okx has none, so this single-venue call uses Binance's
    for venue, formula, fee, table in (("bybit", "bybit", None, BYBIT_BTCUSDT), ("okx", "okx", 0.0005, BTCUSDT_DEFAULT),
                                       ("binance", "binance", None, BTCUSDT_DEFAULT)):
        arr = model_arrays(m, grid, H, venue=venue, at="2024-06-01")   # the 2021 Binance table in force
        for i, x in enumerate(lev):
            for side, got in (("long", arr.ratio_long[i]), ("short", arr.ratio_short[i])):
                want = liquidation_ratio(x, side, notional_usd=52_000, brackets=table, formula=formula,
                                         liquidation_fee_rate=fee)
                assert got == pytest.approx(want, rel=1e-12)


def test_leverage_liquidated_at_entry_names_the_formula():
    m = uncalibrated(leverage_tiers=(LeverageTier(leverage=25.0, weight=1.0),), maintenance="constant",
                     constant_mmr=0.039, venue_formulas={"okx": "okx"}, okx_liquidation_fee_rate=0.002)
    grid = make_grid(m, 100.0)
    model_arrays(m, grid, H, venue="binance")                  # 1/25 = 0.04 > 0.039
    with pytest.raises(ConfigError, match="okx formula"):
        model_arrays(m, grid, H, venue="okx")                  # 0.04 < 0.039 + 0.002


def _markets(n_bars=300):
    m1 = generate_market(n_bars, "1h", seed=1, symbol="BTCUSDT", venue="binance")
    m2 = generate_market(n_bars, "1h", seed=2, symbol="BTCUSDT", venue="bybit")
    return m1, m2, MultiVenueMarket("BTCUSDT", {"binance": m1, "bybit": m2})


def _mean_bin(w):
    return (w * np.arange(w.shape[-1])).sum(axis=-1) / w.sum(axis=-1)


def test_bybit_venue_profile_shifts_as_the_formula_predicts():
    _, _, market = _markets()
    binance_all = uncalibrated(venue_formulas={"bybit": "binance"}, **MODEL)
    by_formula = uncalibrated(venue_formulas={"bybit": "bybit"}, **MODEL)
    only = {"venues": ("bybit",)}
    base = reconstruct(market, binance_all.model_copy(update=only), snapshot_every=24)
    moved = reconstruct(market, by_formula.model_copy(update=only), snapshot_every=24)
    # nothing is liquidated or pushed off the grid: both books hold the same coins
    for r in (base, moved):
        assert (r.totals[["cum_liquidated_long_usd", "cum_liquidated_short_usd"]].to_numpy() == 0).all()
        assert (r.features[["overflow_long_usd", "overflow_short_usd"]].to_numpy() == 0).all()
    step = math.log(1 + binance_all.bin_size_bps / 1e4)
    centres = base.snapshots.bin_centres
    # every position moves by floor or ceil of the predicted shift in bins, and its
    # USD (valued at the bin centre) by the matching factor
    for side, r_by, r_bn in (("long", 1 - 1 / LEV + MMR, (1 - 1 / LEV) / (1 - MMR)),
                             ("short", 1 + 1 / LEV - MMR, (1 + 1 / LEV) / (1 + MMR))):
        shift = math.log(r_by / r_bn) / step      # +21.0 bins long, +10.6 short
        assert shift > 10
        lo, hi = math.floor(shift), math.ceil(shift)
        a = getattr(base.snapshots, side).astype(np.float64) / centres       # coins per bin
        b = getattr(moved.snapshots, side).astype(np.float64) / centres
        keep = a.sum(axis=1) > 0
        assert keep.sum() >= 5
        np.testing.assert_allclose(b.sum(axis=1), a.sum(axis=1), rtol=1e-5)
        d = _mean_bin(b[keep]) - _mean_bin(a[keep])
        assert (d >= lo - 1e-4).all() and (d <= hi + 1e-4).all()
        usd_a, usd_b = base.features[f"resting_{side}_usd"], moved.features[f"resting_{side}_usd"]
        ratio = (usd_b[usd_a > 0] / usd_a[usd_a > 0]).to_numpy()
        assert len(ratio) >= 100
        assert (ratio >= math.exp(lo * step) * (1 - 1e-9)).all() and (ratio <= math.exp(hi * step) * (1 + 1e-9)).all()


def test_two_venues_combine_each_venues_own_formula():
    _, m2, market = _markets()
    model = uncalibrated(venue_formulas={"bybit": "bybit"}, **MODEL)
    both = reconstruct(market, model, snapshot_every=24)
    only_binance = reconstruct(market, model.model_copy(update={"venues": ("binance",)}), snapshot_every=24)
    only_bybit = reconstruct(market, model.model_copy(update={"venues": ("bybit",)}), snapshot_every=24)
    # the binance venue is unaffected by the bybit entry
    plain = reconstruct(market, uncalibrated(**MODEL, venues=("binance",)), snapshot_every=24)
    pd.testing.assert_frame_equal(only_binance.features, plain.features)
    np.testing.assert_array_equal(only_binance.snapshots.long, plain.snapshots.long)
    for col in ("resting_long_usd", "resting_short_usd", "pred_liq_long_usd"):
        np.testing.assert_allclose(both.features[col], only_binance.features[col] + only_bybit.features[col],
                                   rtol=1e-12)
    np.testing.assert_allclose(both.snapshots.long, only_binance.snapshots.long + only_bybit.snapshots.long,
                               rtol=1e-5)
    # a single-venue Market labelled "bybit" uses the same formula
    single = reconstruct(m2, model.model_copy(update={"venues": None}), snapshot_every=24)
    np.testing.assert_allclose(single.snapshots.short, only_bybit.snapshots.short, rtol=1e-6)
    scale = both.totals[["cum_opened_long_usd", "cum_opened_short_usd"]].to_numpy().max()
    assert (both.conservation_error().abs().to_numpy() <= 1e-12 * scale).all()


def test_formula_for_a_venue_not_in_the_market_is_an_error():
    _, _, market = _markets(50)
    with pytest.raises(ConfigError, match="did you mean 'bybit'"):
        reconstruct(market, uncalibrated(venue_formulas={"bybitt": "bybit"}))
