"""Funding of buy-and-hold positions on real Binance data against an independent loop (freqtrade convention)."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import shared_path
from liqbt.backtest import BacktestConfig, LiquidationConfig, Signals, run_backtest
from liqbt.data import load_freqtrade

pytestmark = pytest.mark.real_data

SETS = {
    "BTC": ("binance-um/futures", "BTC/USDT:USDT"),
    "XRP": ("binance-um-xrp-2021/futures", "XRP/USDT:USDT"),
}


@pytest.fixture(scope="module", params=sorted(SETS))
def market(request):
    folder, pair = SETS[request.param]
    return load_freqtrade(shared_path(*folder.split("/")), pair, "5m")


def independent_funding(market, amount: float, is_short: bool, entry_time) -> float:
    """sum(amount * mark * rate) over events held, negated for longs (freqtrade's sign).

    An event counts when ``entry_time < t < end``; mark = the open of the last
    mark candle starting at or before the bar holding ``t`` (if no older than
    one mark bar), else the close of the bar before.
    """
    bar = market.bar_size
    start = market.index[0]
    closes = market.bars["close"]
    mark = market.mark["open"]
    total = 0.0
    for t, rate in market.funding.items():
        if not (entry_time < t < market.end):
            continue
        bar_open = start + ((t - start) // bar) * bar
        k = mark.index.searchsorted(bar_open, side="right") - 1
        if k >= 0 and bar_open - mark.index[k] <= market.mark_bar_size:
            price = mark.iloc[k]
        else:
            price = closes.loc[bar_open - bar]
        total += amount * price * rate
    return total if is_short else -total


@pytest.mark.parametrize("side", ["long", "short"])
@pytest.mark.parametrize("engine", ["liqbt", "vectorbt"])
def test_buy_and_hold_funding_equals_independent_loop(market, side, engine):
    entry = pd.Series(False, index=market.index)
    entry.iloc[0] = True  # fills at bar 1's open
    sig = Signals(long_entries=entry) if side == "long" else Signals(short_entries=entry)
    cfg = BacktestConfig(size_type="notional_usd", size=5_000.0, engine=engine,
                         liquidation=LiquidationConfig(enabled=False))  # funding only (XRP has no bracket table)
    result = run_backtest(market, sig, cfg)
    rec = result.portfolio.order_records
    assert len(rec) == 1
    want = independent_funding(market, rec["size"][0], side == "short", market.index[1])
    got = float(result.funding.to_numpy().sum())
    assert got == pytest.approx(want, abs=1e-9)
    assert got != 0.0
    # funding is inside the portfolio's profit and value
    pf = result.portfolio
    price_pnl = (rec["size"][0] * (market.bars["close"].iloc[-1] - rec["price"][0])
                 * (1 if side == "long" else -1))
    assert float(pf.total_profit()) == pytest.approx(price_pnl - rec["fees"][0] + want, abs=1e-6)
    assert float(pf.value().iloc[-1]) == pytest.approx(10_000 + price_pnl - rec["fees"][0] + want, abs=1e-6)


def test_xrp_mark_gaps_fall_back_to_previous_close():
    market = load_freqtrade(shared_path("binance-um-xrp-2021", "futures"), "XRP/USDT:USDT", "5m")
    assert market.bars["mark_price"].isna().any()  # the fallback is exercised by the test above


@pytest.mark.parametrize("mode", ["charge", "skip"])
@pytest.mark.parametrize("engine", ["liqbt", "vectorbt"])
def test_entry_exactly_at_a_funding_time_follows_funding_at_entry(market, mode, engine):
    """freqtrade sums events with ``open_date <= t <= close_date``: ``charge`` matches it, ``skip`` drops the first."""
    times = market.funding.index.round("1s")
    k = int(market.index.get_indexer(times[times > market.index[0]][:1])[0])  # first bar opening on an event
    entry = pd.Series(False, index=market.index)
    entry.iloc[k - 1] = True  # fills at bar k's open, the event's instant
    cfg = BacktestConfig(size_type="notional_usd", size=5_000.0, engine=engine, funding_at_entry=mode,
                         liquidation=LiquidationConfig(enabled=False))  # funding only (XRP has no bracket table)
    result = run_backtest(market, Signals(long_entries=entry), cfg)
    qty = result.portfolio.order_records["size"][0]
    opens, closes = market.mark["open"], market.mark["close"]
    ends = market.mark.index + market.mark_bar_size
    start = market.index[k]
    want = 0.0
    for t, rate in zip(times, market.funding.to_numpy()):
        if (start <= t if mode == "charge" else start < t) and t < market.end:
            # the mark at t: the mark bar opening at t, else the one ending at t, else the last close (XRP's gaps)
            if t in opens.index:
                price = opens.loc[t]
            elif t in ends:
                price = closes.iloc[ends.get_loc(t)]
            else:
                price = market.bars["close"].loc[t - market.bar_size]
            want -= qty * price * rate
    assert float(result.funding.to_numpy().sum()) == pytest.approx(want, abs=1e-9)
