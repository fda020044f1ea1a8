"""Bad-input corpus, backtest section: out-of-range costs, cash, leverage and conventions; coarse-bar funding.

Each case is one line on stderr, exit 2, no traceback (see ``tests/corpus.py``).
"""

from __future__ import annotations

import pytest

from conftest import shared_path
from corpus import Case, run_case

HEAD = """\
name: t
data:
  sources: [{format: synthetic, bars: 600, bar_size: 5m, seed: 1}]
strategy: {name: buy_and_hold}
"""


def validate(id_, backtest: str, expected: str) -> Case:
    return Case(id_, ("validate", "{tmp}/c.yaml"), expected, {"c.yaml": HEAD + f"backtest: {backtest}\n"})


CASES = [
    validate("cash-zero", "{init_cash_usd: 0}", "c.yaml: backtest.init_cash_usd: Input should be greater than 0; "
                                                 "found 0"),
    validate("cash-negative", "{init_cash_usd: -10000}", "backtest.init_cash_usd: Input should be greater than 0; "
                                                         "found -10000"),
    validate("cash-inf", "{init_cash_usd: .inf}", "backtest.init_cash_usd: Input should be a finite number; found inf"),
    validate("cash-nan", "{init_cash_usd: .nan}", "backtest.init_cash_usd: Input should be a finite number; found nan"),
    validate("cash-huge", "{init_cash_usd: 1e13}", "backtest.init_cash_usd: Input should be less than or equal to "
                                                   "1000000000000; found '1e13'"),
    validate("size-notional-huge", "{size_type: notional_usd, size: 1e300}",
             "backtest.size: Input should be less than or equal to 1000000000000; found '1e300'"),
    validate("size-fraction-above-1", "{size: 2}", "backtest: size as equity_fraction must be in (0, 1], "
                                                   "found 2.0"),
    validate("leverage-high", "{leverage: 200}", "backtest.leverage: Input should be less than or equal to 125; "
                                                 "found 200"),
    validate("leverage-below-1", "{leverage: 0.5}", "backtest.leverage: Input should be greater than or equal to 1; "
                                                    "found 0.5"),
    validate("taker-fee-high", "{taker_fee_bps: 1000}", "backtest.taker_fee_bps: Input should be less than 1000; "
                                                        "found 1000"),
    validate("taker-fee-negative", "{taker_fee_bps: -1}", "backtest.taker_fee_bps: Input should be greater than or "
                                                          "equal to 0; found -1"),
    validate("maker-rebate-too-big", "{maker_fee_bps: -150}", "backtest.maker_fee_bps: Input should be greater than "
                                                              "or equal to -100; found -150"),
    validate("slippage-negative", "{slippage_bps: -1}", "backtest.slippage_bps: Input should be greater than or equal "
                                                        "to 0; found -1"),
    validate("slippage-inf", "{slippage_bps: .inf}", "backtest.slippage_bps: Input should be less than 1000; "
                                                     "found inf"),
    validate("funding-at-entry-typo", "{funding_at_entry: sometimes}",
             "backtest.funding_at_entry: Input should be 'charge' or 'skip'; found 'sometimes'"),
    validate("funding-at-entry-key-typo", "{funding_at_entri: skip}",
             "backtest.funding_at_entri: unknown key 'funding_at_entri'; did you mean 'funding_at_entry'?"),
    validate("funding-price-bid", "{price_for_funding: bid}",
             "backtest.price_for_funding: Input should be 'mark' or 'close'; found 'bid'"),
    validate("trigger-index", "{liquidation: {trigger: index}}",
             "backtest.liquidation.trigger: Input should be 'mark' or 'last'; found 'index'"),
    validate("liquidation-fee-above-1", "{liquidation: {liquidation_fee_rate: 1.5}}",
             "backtest.liquidation.liquidation_fee_rate: Input should be less than 1; found 1.5"),
    validate("mmr-negative", "{liquidation: {maintenance_margin_rate: -0.01}}",
             "backtest.liquidation.maintenance_margin_rate: Input should be greater than or equal to 0; found -0.01"),
    validate("vectorbt-leverage", "{engine: vectorbt, leverage: 5}",
             "engine 'vectorbt' cannot borrow: leverage must be 1, found 5.0; use engine 'liqbt'"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_backtest_corpus(case, tmp_path):
    run_case(case, tmp_path)


@pytest.mark.real_data
def test_daily_bars_without_mark_refuse_funding(tmp_path):
    """Daily bars with 8h funding and no mark at 08:00/16:00: a ConfigError saying what to supply."""
    folder = shared_path("binance-um", "futures")
    config = (f"name: t\ndata:\n  sources:\n    - {{format: freqtrade, path: {folder}, pair: 'BTC/USDT:USDT', "
              "timeframe: 1d, parts: [candles, funding]}\nstrategy: {name: buy_and_hold}\n")
    case = Case("daily-no-mark", ("run", "{tmp}/c.yaml", "--out", "{tmp}/o"),
                "backtest.price_for_funding 'mark': 828 funding event(s) fall inside 1d bars without a mark price at "
                "their time (first: 2024-12-31 08:00:00+00:00", {"c.yaml": config})
    line = run_case(case, tmp_path)
    assert "Supply a mark price series at the funding times" in line
    assert "set backtest.price_for_funding: close" in line
