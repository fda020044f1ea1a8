"""Bad heatmap inputs (issue #11 points 3-5): each is one ``liqbt: error:`` line, exit 2, no traceback."""

import pytest

from corpus import Case, run_case

#: A small synthetic market (symbol SYNTHUSDT, priced with Binance BTCUSDT's table) and one heatmap.
DATA = """\
name: corpus
data:
{symbol}  sources:
    - format: synthetic
      bars: 200
      bar_size: 1h
      seed: 7
heatmaps:
  main:
{model}
"""


def config(model: str, symbol: str = "") -> dict:
    body = "\n".join("    " + line for line in model.strip().splitlines())
    return {"c.yaml": DATA.format(model=body, symbol=f"  symbol: {symbol}\n" if symbol else "")}


def validate(id, model, expected, symbol=""):
    return Case(id, ("validate", "{tmp}/c.yaml"), expected, config(model, symbol))


def heatmap(id, model, expected, symbol=""):
    return Case(id, ("heatmap", "{tmp}/c.yaml", "--out", "{tmp}/out"), expected, config(model, symbol))


CASES = [
    # windows: minutes typed for months, unknown units
    validate("window-1m", "window: 1m", "heatmaps.main.window: window '1m' is 1 minute; a heatmap window "
                                        "must be at least 1h — did you mean '1mo' (30 days)?"),
    validate("window-3m", "window: 3m", "window '3m' is 3 minutes; a heatmap window must be at least 1h — did you "
                                        "mean '3mo' (90 days)?"),
    validate("window-30min", "window: 30min", "window '30min' is 30 minutes; a heatmap window must be at least 1h"),
    validate("window-unit", "window: 3x", "heatmaps.main.window: expected a duration such as '12h', "
                                          "'3d', '1mo' or '1y'"),
    validate("half-life-unit", "decay_half_life: 2 fortnights", "heatmaps.main.decay_half_life: expected "
                                                                "a duration"),
    # leverage: tiers and distribution
    validate("tiers-and-distribution", "leverage_tiers: [{leverage: 10, weight: 1}]\nleverage_distribution: {median: 20}",
             "leverage_tiers and leverage_distribution are both given; expected one of them (set the other to null)"),
    # tier_filter: ranges and exact values
    validate("range-reversed", "tier_filter: {min: 50, max: 10}", "heatmaps.main.tier_filter: max (10.0) "
                                                                  "must be >= min (50.0)"),
    validate("range-typo", "tier_filter: {mn: 50}", "heatmaps.main.tier_filter: unknown key 'mn'; did you "
                                                    "mean 'min'?"),
    validate("range-empty", "tier_filter: {}", "expected a leverage range with min and/or max, e.g. {min: 50, max: 100}"),
    validate("range-holds-no-tier", "tier_filter: {min: 200}", "tier_filter: the range [200.0, None] holds none of the "
                                                               "model's tier leverages"),
    validate("exact-value-not-a-tier", "leverage_distribution: null\ntier_filter: [40, 110]",
             "tier_filter[0]: 40.0 is not a leverage of the model's tiers; expected one of [5.0, 10.0, 25.0, 50.0, "
             "100.0], or a range such as {min: 50, max: 100}"),
    # tables: symbols without a table, unknown versions
    heatmap("symbol-without-table", "window: 3d", "heatmaps.main.bracket_symbol: no maintenance bracket table for "
                                                  "'XRPUSDT' (the market's symbol 'XRPUSDT')", symbol="XRPUSDT"),
    heatmap("bracket-symbol-without-table", "bracket_symbol: DOGEUSDT",
            "heatmaps.main.bracket_symbol: no maintenance bracket table for 'DOGEUSDT'"),
    heatmap("venue-brackets-symbol-without-table", "venue_brackets: {synthetic: XRPUSDT}",
            "heatmaps.main.venue_brackets['synthetic']: no maintenance bracket table for 'XRPUSDT'"),
    heatmap("bracket-version-unknown", "bracket_version: '2019'",
            "heatmaps.main: no bracket table version '2019' for venue 'binance' symbol 'BTCUSDT'; versions: ['2021', "
            "'2025-26']"),
    # maximum leverage per tier
    heatmap("every-tier-above-max", "leverage_tiers: [{leverage: 10, weight: 1}]\nposition_notional_usd: 500000000",
            "heatmaps.main.leverage_tiers: every leverage tier exceeds the maximum: Binance BTCUSDT 2025-26 allows at "
            "most 4x on 500,000,000 USDT notional (position_notional_usd, tier 480M–600M)"),
    heatmap("reported-tiers-above-max", "tier_filter: {min: 100}\nposition_notional_usd: 10000000",
            "heatmaps.main.tier_filter: every reported tier exceeds the maximum: Binance BTCUSDT 2025-26 allows at most "
            "50x on 10,000,000 USDT notional"),
    # venue filter on a single-venue market
    heatmap("venue-not-in-market", "venues: [hyperliquid]",
            "heatmaps.main.venues: ['hyperliquid'] not in the market; its venues are ['synthetic']"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_heatmap_input_is_one_line(case, tmp_path):
    run_case(case, tmp_path)
