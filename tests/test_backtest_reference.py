"""The backtest kernel against a plain-Python reference of the same timing contract.

The reference below is written from the contract in ``liqbt/backtest/nb.py``'s
docstring, bar by bar, with dictionaries instead of arrays. Other backtest
test modules import :func:`make_market` from here.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from liqbt.backtest import BacktestConfig, LiquidationConfig, Signals, run_backtest
from liqbt.data import Market
from liqbt.errors import GapWarning
from liqbt.margin import constant_mmr_table, liquidation_price


def make_market(ohlc, *, funding=None, mark=None, bar="1h", start="2024-01-01", drop=(), mark_bar=None):
    """A market from rows ``(open, high, low, close)``.

    ``funding`` maps an event time offset (``pd.Timedelta`` after ``start``)
    or a bar number (event at that bar's open) to a rate (fraction).
    ``mark`` is a list of mark-price opens at the same bar size, or at
    ``mark_bar`` from ``start`` (each mark bar flat at its value).
    ``drop`` lists bar numbers removed from the candles (data gaps).
    """
    index = pd.date_range(start, periods=len(ohlc), freq=bar, tz="UTC", name="time")
    candles = pd.DataFrame(ohlc, columns=["open", "high", "low", "close"], index=index, dtype=float)
    candles["volume"] = 1.0
    if drop:
        candles = candles.drop(index=index[list(drop)])
    kwargs = {}
    if funding:
        times = [index[0] + (k if isinstance(k, pd.Timedelta) else pd.Timedelta(bar) * k) for k in funding]
        kwargs["funding"] = pd.Series(list(funding.values()), index=pd.DatetimeIndex(times), dtype=float)
    if mark is not None:
        mindex = index if mark_bar is None else pd.date_range(start, periods=len(mark), freq=mark_bar, tz="UTC")
        kwargs["mark"] = pd.DataFrame({"open": mark, "high": mark, "low": mark, "close": mark}, index=mindex,
                                      dtype=float)
        kwargs["mark_bar_size"] = bar if mark_bar is None else mark_bar
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GapWarning)
        return Market.from_parts(candles, bar_size=bar, symbol="BTCUSDT", venue="test", **kwargs)


def funding_events(market: Market, cfg: BacktestConfig):
    """Per bar: {kind: amount} with kind "before" (gap), "fill" (fill instant), "inside"; written from the docs.

    An event at time t (to the second) is priced at the mark open at t, else the mark close ending at t,
    else the last close ending at or before t; inside a bar without a mark at t it is an error (mark mode).
    """
    n = len(market)
    opens = list(market.index)
    bar = market.bar_size
    c = market.bars["close"].to_numpy()
    out = [dict() for _ in range(n)]
    if market.funding is None or not cfg.funding:
        return out
    marks = {}
    if market.mark is not None:
        for when, row in market.mark.iterrows():
            marks.setdefault(when + market.mark_bar_size, row["close"])
        for when, row in market.mark.iterrows():
            marks[when] = row["open"]  # an open at t beats a close ending at t
    for t, rate in market.funding.items():
        t = t.round("1s")
        if t < opens[0] or t >= opens[-1] + bar:
            continue
        i = max(k for k in range(n) if opens[k] <= t)
        if t < opens[i] + bar:
            kind = "fill" if t == opens[i] else "inside"
            if cfg.execution == "close" and kind == "fill" and not (i > 0 and opens[i - 1] + bar == t):
                kind = "before"
        else:
            kind = "fill" if (cfg.execution == "close" and t == opens[i] + bar) else "before"
            i += 1
        last = [k for k in range(n) if opens[k] + bar <= t]
        price = c[last[-1]] if last else market.bars["open"].iloc[0]
        if cfg.price_for_funding == "mark":
            if t in marks:
                price = marks[t]
            elif kind == "inside":
                raise AssertionError("no mark inside a bar: the backtest must refuse")
        out[i][kind] = out[i].get(kind, 0.0) + rate * price
    return out


# --------------------------------------------------------------------------- reference
def trigger_range(market: Market, cfg: BacktestConfig):
    """Liquidation trigger low/high per bar: the mark range from a finer mark series when every mark bar
    inside the bar is present, else the trade low/high (the markets here have no mark at the bar size)."""
    low = list(market.bars["low"])
    high = list(market.bars["high"])
    if market.mark is None or cfg.liquidation.trigger == "last" or market.mark_bar_size >= market.bar_size:
        return low, high
    per_bar = market.bar_size // market.mark_bar_size
    for i, op in enumerate(market.index):
        inside = market.mark[(market.mark.index >= op) & (market.mark.index < op + market.bar_size)]
        if len(inside) == per_bar:
            low[i], high[i] = inside["low"].min(), inside["high"].max()
    return low, high


def reference_simulate(market: Market, sig, cfg: BacktestConfig):
    """Plain-Python simulation of one column ``sig`` (dict of 1-D arrays); returns orders, funding, liqs, cash."""
    bars = market.bars
    n = len(bars)
    o, h, l, c = (bars[k].to_numpy() for k in ("open", "high", "low", "close"))
    events = funding_events(market, cfg)
    charge = cfg.funding_at_entry == "charge"
    tl, th = trigger_range(market, cfg)
    table = cfg.liquidation.table(market.symbol, market.venue, market.index[0])
    liq_on = cfg.liquidation.enabled
    tk, mk, sl_, L = cfg.taker_fee, cfg.maker_fee, cfg.slippage, cfg.leverage

    st = dict(cash=cfg.init_cash_usd, pos=0.0, ep=math.nan, wb=0.0, lp=math.nan, slp=math.nan, tpp=math.nan)
    orders, liqs, funding = [], [], {}

    def lp_of():
        q, s = abs(st["pos"]), ("long" if st["pos"] > 0 else "short")
        if st["wb"] <= 0:
            return math.inf if st["pos"] > 0 else 0.0
        return liquidation_price(st["ep"], q * st["ep"] / st["wb"], s, qty=q, brackets=table)

    def pay(i, amount):
        if st["pos"] != 0 and amount != 0:
            f = -st["pos"] * amount
            st["cash"] += f
            funding[i] = funding.get(i, 0.0) + f
            if liq_on:
                st["wb"] += f
                st["lp"] = lp_of()

    def flat():
        st.update(pos=0.0, ep=math.nan, wb=0.0, lp=math.nan, slp=math.nan, tpp=math.nan)

    def close_at(i, reason, px):
        s = 1.0 if st["pos"] > 0 else -1.0
        q = abs(st["pos"])
        if reason == "liquidation":
            fill = px
            fee = min(q * fill * (tk + cfg.liquidation.liquidation_fee_rate),
                      max(st["wb"] + s * q * (fill - st["ep"]), 0.0))
            liqs.append((i, fill, fee))
        elif reason == "target":
            fill = px
            fee = q * fill * (mk if px != o[i] else tk)
        else:
            fill = px * (1 - s * sl_)
            fee = q * fill * tk
        st["cash"] += s * q * fill - fee
        orders.append((i, -s * q, fill, fee, reason))
        flat()

    def signal(r, i, ref):
        le, lx, se, sx = (bool(sig[k][r]) for k in ("le", "lx", "se", "sx"))
        if le or se:
            if le and lx:
                le = lx = False
            if se and sx:
                se = sx = False
            if le and se:
                le = se = False
        pos, new = st["pos"], 0.0
        if (pos > 0 and se) or (pos < 0 and le):
            close_at(i, "signal", ref)
            new = -1.0 if pos > 0 else 1.0
        elif (pos > 0 and lx) or (pos < 0 and sx):
            close_at(i, "signal", ref)
        elif pos == 0:
            new = 1.0 if le else (-1.0 if se else 0.0)
        if new and st["cash"] > 0:
            fill = ref * (1 + new * sl_)
            per = fill * (1 / L + tk)
            size = sig["size"][r]
            if cfg.size_type == "notional_usd":
                q = min(size / ref, st["cash"] / per)
            else:
                q = size * st["cash"] / per
            st["cash"] -= new * q * fill + q * fill * tk
            orders.append((i, new * q, fill, q * fill * tk, "signal"))
            st.update(pos=new * q, ep=fill, wb=q * fill / L)
            st["lp"] = lp_of() if liq_on else math.nan
            st["slp"] = fill * (1 - new * sig["sl"][r]) if not math.isnan(sig["sl"][r]) else math.nan
            st["tpp"] = fill * (1 + new * sig["tp"][r]) if not math.isnan(sig["tp"][r]) else math.nan

    opened_at_close = False
    for i in range(n):
        tgt = sig["target"][i - 1] if i > 0 else math.nan
        pay(i, events[i].get("before", 0.0))
        if charge or not opened_at_close:
            pay(i, events[i].get("fill", 0.0))
        opened_at_close = False
        if st["pos"] != 0:
            s = 1 if st["pos"] > 0 else -1
            lp, slp, tpp = st["lp"], st["slp"], st["tpp"]
            if liq_on and ((s > 0 and tl[i] <= lp and o[i] <= lp) or (s < 0 and th[i] >= lp and o[i] >= lp)):
                close_at(i, "liquidation", o[i])
            elif (s > 0 and o[i] <= slp) or (s < 0 and o[i] >= slp):
                close_at(i, "stop_loss", o[i])
            elif (s > 0 and o[i] >= tpp) or (s < 0 and o[i] <= tpp):
                close_at(i, "take_profit", o[i])
            elif (s > 0 and o[i] >= tgt) or (s < 0 and o[i] <= tgt):
                close_at(i, "target", o[i])
        if cfg.execution == "next_open" and i > 0:
            prev = st["pos"]
            signal(i - 1, i, o[i])
            if charge and st["pos"] != prev:
                pay(i, events[i].get("fill", 0.0))
        pay(i, events[i].get("inside", 0.0))
        if st["pos"] != 0:
            s = 1 if st["pos"] > 0 else -1
            lp, slp, tpp = st["lp"], st["slp"], st["tpp"]
            liq_hit = liq_on and ((s > 0 and tl[i] <= lp) or (s < 0 and th[i] >= lp))
            sl_hit = (s > 0 and l[i] <= slp) or (s < 0 and h[i] >= slp)
            if liq_hit and sl_hit:
                liq_hit = not (s * (slp - lp) >= 0)
                sl_hit = not liq_hit
            nearest = min if s > 0 else max
            farthest = max if s > 0 else min
            if liq_hit:
                close_at(i, "liquidation", nearest(lp, o[i]))
            elif sl_hit:
                close_at(i, "stop_loss", nearest(slp, o[i]))
            else:
                tp_hit = (s > 0 and h[i] >= tpp) or (s < 0 and l[i] <= tpp)
                tg_hit = (s > 0 and h[i] >= tgt) or (s < 0 and l[i] <= tgt)
                if tp_hit and tg_hit:
                    tp_hit = s * (tgt - tpp) >= 0
                    tg_hit = not tp_hit
                if tp_hit:
                    close_at(i, "take_profit", farthest(tpp, o[i]))
                elif tg_hit:
                    close_at(i, "target", farthest(tgt, o[i]))
        if cfg.execution == "close":
            prev = st["pos"]
            signal(i, i, c[i])
            if st["pos"] != prev and i + 1 < n and "fill" in events[i + 1] and prev != 0:
                f = -prev * events[i + 1]["fill"]  # closed at the instant of the next bar's events
                st["cash"] += f
                funding[i + 1] = funding.get(i + 1, 0.0) + f
            if st["pos"] != prev:
                opened_at_close = True
    return orders, funding, liqs, st["cash"]


def random_market(seed: int, n: int = 300, with_mark: bool = False) -> Market:
    """A random walk with gaps, wide bars and funding events at and inside bars.

    ``with_mark``: a 30-minute mark series (the close times 1.001) and three data gaps
    (bars 40, 41, 120 and 200 removed), so that events fall in gaps.
    """
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    open_ = np.r_[100.0, close[:-1]] * np.exp(rng.normal(0, 0.01, n) * (rng.random(n) < 0.2))
    high = np.maximum(open_, close) * (1 + rng.exponential(0.01, n))
    low = np.minimum(open_, close) * (1 - rng.exponential(0.01, n))
    funding = {}
    for k in range(0, n, 8):
        funding[k] = float(rng.normal(0.0005, 0.002))
        funding[pd.Timedelta("1h") * k + pd.Timedelta("30min")] = float(rng.normal(0, 0.002))
    if not with_mark:
        return make_market(np.c_[open_, high, low, close], funding=funding)
    mark = np.repeat(close, 2) * 1.001
    return make_market(np.c_[open_, high, low, close], funding=funding, mark=mark, mark_bar="30min",
                       drop=(40, 41, 120, 200))


def random_signals(seed: int, n: int, m: int, index) -> Signals:
    rng = np.random.default_rng(seed + 1000)
    cols = pd.RangeIndex(m, name="param")

    def frame(p):
        return pd.DataFrame(rng.random((n, m)) < p, index=index, columns=cols)

    sl = pd.DataFrame(np.where(rng.random((n, m)) < 0.5, rng.uniform(0.01, 0.1, (n, m)), np.nan), index=index,
                      columns=cols)
    tp = pd.DataFrame(np.where(rng.random((n, m)) < 0.5, rng.uniform(0.01, 0.1, (n, m)), np.nan), index=index,
                      columns=cols)
    target = pd.DataFrame(np.where(rng.random((n, m)) < 0.3, rng.uniform(80, 120, (n, m)), np.nan), index=index,
                          columns=cols)
    size = pd.DataFrame(rng.uniform(0.2, 1.0, (n, m)), index=index, columns=cols)
    return Signals(frame(0.05), frame(0.03), frame(0.05), frame(0.03), size=size, sl_stop=sl, tp_stop=tp,
                   target_price=target)


def column_inputs(signals: Signals, j: int, cfg: BacktestConfig) -> dict:
    def col(frame):
        return frame.iloc[:, j].to_numpy()

    return dict(le=col(signals.long_entries), lx=col(signals.long_exits), se=col(signals.short_entries),
                sx=col(signals.short_exits), size=col(signals.size), sl=col(signals.sl_stop), tp=col(signals.tp_stop),
                target=col(signals.target_price))


# random_market has no mark and funding events inside bars: "mark" pricing refuses it, so the
# first two configs (written when a missing mark fell back to the previous close) say "close".
CONFIGS = [
    BacktestConfig(leverage=20, liquidation=LiquidationConfig(maintenance_margin_rate=0.01), price_for_funding="close"),
    BacktestConfig(leverage=5, execution="close", taker_fee_bps=4, maker_fee_bps=1, slippage_bps=3,
                   price_for_funding="close"),
    BacktestConfig(leverage=50, price_for_funding="close"),
]
MARK_CONFIGS = [
    BacktestConfig(leverage=20, liquidation=LiquidationConfig(maintenance_margin_rate=0.01)),
    BacktestConfig(leverage=20, funding_at_entry="skip"),
    BacktestConfig(leverage=5, execution="close", slippage_bps=3),
    BacktestConfig(leverage=5, execution="close", funding_at_entry="skip"),
]


@pytest.mark.filterwarnings("ignore::liqbt.errors.MarkPriceWarning", "ignore::liqbt.errors.FundingGapWarning")
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("cfg, with_mark", [(c, False) for c in CONFIGS] + [(c, True) for c in MARK_CONFIGS],
                         ids=["20x", "5x-close", "50x-bracket", "mark-20x", "mark-20x-skip", "mark-5x-close",
                              "mark-5x-close-skip"])
def test_kernel_matches_python_reference(seed, cfg, with_mark):
    market = random_market(seed, with_mark=with_mark)
    signals = random_signals(seed, len(market), 4, market.index)
    result = run_backtest(market, signals, cfg)
    rec = result.portfolio.order_records
    fills = result.fills()
    for j in range(4):
        orders, funding, liqs, cash = reference_simulate(market, column_inputs(signals, j, cfg), cfg)
        mine = rec[rec["col"] == j]
        reasons = fills["reason"].to_numpy()[rec["col"] == j]
        assert len(mine) == len(orders)
        for got, reason, (i, signed, price, fee, why) in zip(mine, reasons, orders):
            assert got["idx"] == i and reason == why
            assert (got["size"] if got["side"] == 0 else -got["size"]) == pytest.approx(signed, rel=1e-12)
            assert got["price"] == pytest.approx(price, rel=1e-12)
            assert got["fees"] == pytest.approx(fee, rel=1e-9, abs=1e-12)
        want = pd.Series(funding, dtype=float)
        got_f = result.funding.iloc[:, j]
        got_f = got_f[got_f != 0]
        assert list(got_f.index) == list(market.index[want.index]) if len(want) else got_f.empty
        np.testing.assert_allclose(got_f.to_numpy(), want.to_numpy(), rtol=1e-12)
        liq = result.liquidations[result.liquidations["column"] == j]
        assert len(liq) == len(liqs)
        np.testing.assert_allclose(liq["fill_price"].to_numpy(), [x[1] for x in liqs], rtol=1e-12)
        assert result.portfolio.cash().iloc[-1, j] == pytest.approx(cash, rel=1e-9, abs=1e-6)


def test_reference_exercises_every_exit_kind():
    kinds = set()
    for seed in (0, 1):
        market = random_market(seed)
        signals = random_signals(seed, len(market), 4, market.index)
        for cfg in CONFIGS:
            kinds |= set(run_backtest(market, signals, cfg).fills()["reason"])
    assert kinds == {"signal", "stop_loss", "take_profit", "target", "liquidation"}


def test_constant_table_is_the_margin_modules():
    assert LiquidationConfig(maintenance_margin_rate=0.01).table() == constant_mmr_table(0.01)
