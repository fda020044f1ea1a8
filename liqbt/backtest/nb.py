"""Numba kernels of the perpetual-futures backtest. Arrays in, arrays out.

Prices in USD, sizes in coins (signed: + long, - short), cash in USD, rates
and fees as fractions. Cash follows vectorbt's convention (a buy of ``q`` at
``p`` with fee ``f`` changes cash by ``-q*p - f``), so a leveraged long runs
negative cash and ``cash + position * close`` is the equity.

Per-element inputs use "flexible" 2-D arrays: shape ``(n, m)``, ``(n, 1)``,
``(1, m)`` or ``(1, 1)``, read with :func:`flex_nb`.

Funding enters as amounts ``rate * price`` (USD per coin, + = longs pay) per
bar and kind: events in the data gap before the bar (``fund_before``), events
at the instant of the bar's open fills (``fund_at_fill``: the bar's open, or
with ``exec_at_close`` the previous bar's close), events strictly inside the
bar (``fund_inside``); see :func:`liqbt.backtest.funding.place_funding_events`.

Order of events inside bar ``i`` (the kernel's timing contract):

1. funding events of the gap before the bar and at the fill instant, on the
   position held before the open (a position closed at the fill instant was
   held until it and pays). With ``exec_at_close``, a position opened at the
   previous bar's close, which is that instant, pays the fill-instant events
   only with ``charge_at_entry``;
2. exits at the open of a position held from before: liquidation when the bar
   triggers it and the open is already beyond the liquidation price, else a
   stop-loss, take-profit or target the open gapped through;
3. with ``exec_at_close`` false: the signal on row ``i - 1`` fills at the open;
   with ``charge_at_entry`` a position it opens pays the events at the open;
4. funding events strictly inside the bar, on the position after step 3;
5. intrabar exits: the adverse level reached first (the nearer of the
   liquidation price and the stop-loss) beats any favourable one; among
   take-profit and target the nearer fills;
6. with ``exec_at_close`` true: the signal on row ``i`` fills at the close;
   a position it closes pays the next bar's fill-instant events (the close is
   their instant).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..margin.nb import liquidation_price_nb
from .enums import ColumnOutputs, FillReason, PositionState

__all__ = ["flex_nb", "liq_price_wb_nb", "simulate_nb", "simulate_column_nb", "funding_from_positions_nb",
           "positions_at_funding_nb"]

@njit(cache=True)
def flex_nb(a, i, c):
    """``a[i, c]`` with broadcasting of length-1 axes."""
    return a[i if a.shape[0] > 1 else 0, c if a.shape[1] > 1 else 0]


@njit(cache=True)
def liq_price_wb_nb(entry, qty, wallet, side, caps, mmr, cum):
    """Liquidation price (USD) of a position whose isolated wallet balance is ``wallet`` USD.

    Binance's ``LP = (WB + cum - s*q*EP) / (q*(MMR - s))`` through
    :func:`liqbt.margin.nb.liquidation_price_nb` with the effective leverage
    ``q*EP/WB``. A wallet at or below zero liquidates at once (``+inf`` for a
    long, ``0`` for a short).
    """
    if wallet <= 0.0:
        return np.inf if side > 0 else 0.0
    return liquidation_price_nb(entry, qty, qty * entry / wallet, side, caps, mmr, cum)


@njit(cache=True)
def _record_order_nb(records, reasons, oidx, col, i, qty, price, fee, side, reason):
    rec = records[oidx]
    rec["id"] = oidx
    rec["col"] = col
    rec["idx"] = i
    rec["size"] = qty
    rec["price"] = price
    rec["fees"] = fee
    rec["side"] = side
    reasons[oidx] = reason
    return oidx + 1


@njit(cache=True)
def _open_exit_nb(s, o, tl, th, lp, slp, tpp, tgt, liq_enabled):
    """Exit at the open of a position held from before: (reason, price) or (-1, NaN)."""
    if liq_enabled and ((s > 0 and tl <= lp and o <= lp) or (s < 0 and th >= lp and o >= lp)):
        return FillReason.Liquidation, o
    if not np.isnan(slp) and ((s > 0 and o <= slp) or (s < 0 and o >= slp)):
        return FillReason.StopLoss, o
    if not np.isnan(tpp) and ((s > 0 and o >= tpp) or (s < 0 and o <= tpp)):
        return FillReason.TakeProfit, o
    if not np.isnan(tgt) and ((s > 0 and o >= tgt) or (s < 0 and o <= tgt)):
        return FillReason.Target, o
    return -1, np.nan


@njit(cache=True)
def _intrabar_exit_nb(s, o, h, l, tl, th, lp, slp, tpp, tgt, liq_enabled):
    """Exit inside the bar: (reason, level) or (-1, NaN). Adverse levels first, the nearer wins."""
    liq_hit = liq_enabled and ((s > 0 and tl <= lp) or (s < 0 and th >= lp))
    sl_hit = not np.isnan(slp) and ((s > 0 and l <= slp) or (s < 0 and h >= slp))
    if liq_hit and sl_hit:
        if s * (slp - lp) >= 0.0:
            liq_hit = False
        else:
            sl_hit = False
    if liq_hit:
        return FillReason.Liquidation, (min(lp, o) if s > 0 else max(lp, o))
    if sl_hit:
        return FillReason.StopLoss, (min(slp, o) if s > 0 else max(slp, o))
    tp_hit = not np.isnan(tpp) and ((s > 0 and h >= tpp) or (s < 0 and l <= tpp))
    tg_hit = not np.isnan(tgt) and ((s > 0 and h >= tgt) or (s < 0 and l <= tgt))
    if tp_hit and tg_hit:
        if s * (tgt - tpp) >= 0.0:
            tg_hit = False
        else:
            tp_hit = False
    if tp_hit:
        return FillReason.TakeProfit, (max(tpp, o) if s > 0 else min(tpp, o))
    if tg_hit:
        return FillReason.Target, (max(tgt, o) if s > 0 else min(tgt, o))
    return -1, np.nan


@njit(cache=True)
def _exit_nb(kind, px, o, pos, ep, wb, lp, cash, c, i, oidx, lidx, records, reasons, costs, margin):
    """Close the whole position at ``px`` for reason ``kind``; returns (cash, oidx, lidx)."""
    taker_fee, maker_fee, slippage, liq_fee_rate = costs.taker_fee, costs.maker_fee, costs.slippage, margin.fee_rate
    order_records, liq_records = records.orders, records.liqs
    max_liqs = liq_records.shape[0]
    s = 1.0 if pos > 0 else -1.0
    q = abs(pos)
    if kind == FillReason.Liquidation:
        fill = px
        fee = q * fill * (taker_fee + liq_fee_rate)
        left = wb + s * q * (fill - ep)  # margin left after the price loss, USD
        fee = min(fee, max(left, 0.0))
        if lidx < max_liqs:
            lr = liq_records[lidx]
            lr["id"] = lidx
            lr["col"] = c
            lr["idx"] = i
            lr["side"] = 1 if s > 0 else -1
            lr["size"] = q
            lr["entry_price"] = ep
            lr["liq_price"] = lp
            lr["fill_price"] = fill
            lr["fee"] = fee
            lr["margin"] = wb
            lr["loss"] = -s * q * (fill - ep) + fee
            lidx += 1
    elif kind == FillReason.Target:
        fill = px
        fee = q * fill * (maker_fee if px != o else taker_fee)
    else:
        fill = px * (1.0 - s * slippage)
        fee = q * fill * taker_fee
    cash += s * q * fill - fee
    oidx = _record_order_nb(order_records, reasons, oidx, c, i, q, fill, fee, 1 if s > 0 else 0, kind)
    return cash, oidx, lidx


@njit(cache=True)
def _funding_nb(amount, pos, ep, wb, lp, cash, funding, fr, c, liq_enabled, caps, mmr, cum, by_order, entry):
    """Pay or receive funding ``-pos * amount`` (``amount = rate * price``); returns (cash, wb, lp).

    The flow is also added to ``by_order[entry]``, the order that opened the position (per-trade funding).
    """
    if pos != 0.0 and not np.isnan(amount) and amount != 0.0:
        f = -pos * amount
        cash += f
        funding[fr, c] += f
        by_order[entry] += f
        if liq_enabled:
            wb += f
            lp = liq_price_wb_nb(ep, abs(pos), wb, 1 if pos > 0 else -1, caps, mmr, cum)
    return cash, wb, lp


@njit(cache=True)
def simulate_nb(prices, funding_in, orders, costs, margin, exec_at_close, records):
    """Simulate every column; see the module docstring for the timing contract.

    Parameters
    ----------
    prices : PriceArrays
        Trade-price OHLC and the range that triggers liquidation (mark or
        trade low / high), (n,) USD.
    funding_in : FundingArrays
        Funding amounts ``rate * price`` (USD per coin) of the events in the
        gap before each bar, at its fill instant and strictly inside it (NaN
        where none); the row of each bar in the compact funding output (-1
        without events) and the number of such rows; whether a position opened
        at a fill instant pays the events at that instant.
    orders : OrderArrays
        ``long_entries, long_exits, short_entries, short_exits`` (n, m) bool on
        the row of the bar whose close they are known at; ``size`` (flexible
        2-D) equity fraction or USD notional (``size_is_notional``);
        ``sl_stop, tp_stop`` (flexible 2-D) stop distances as fractions of the
        entry fill price, read on the signal's row, NaN = none;
        ``target_price`` (flexible 2-D) limit exit price, USD, known at the
        row's close: row ``t`` applies to bar ``t+1`` only, NaN = none.
    costs : CostParams
        ``init_cash`` USD, ``leverage`` x, ``taker_fee, maker_fee, slippage``
        fractions.
    margin : MarginArrays
        Whether the position can be liquidated, the clearance fee (fraction of
        the notional at the fill) and the maintenance brackets ``caps, mmr,
        cum`` (see :mod:`liqbt.margin.nb`).
    exec_at_close : bool
        Fill signals at their own bar's close instead of the next open.
    records : RecordArrays
        Output: vectorbt ``order_dt`` and ``liquidation_dt`` records; their
        lengths are the capacities.

    Returns
    -------
    n_orders : int
    reasons : ndarray of int64 (len(records.orders),)
        Fill reason per order (see ``enums.FillReason``).
    n_liqs : int
    funding : ndarray (funding_in.n_rows, m)
        Funding cash flow per funding bar and column, USD (+ received, - paid).
    order_funding : ndarray of float64 (len(records.orders),)
        Funding cash flow (USD) of the position each order opened, over its whole life (0 for an order
        that opens nothing): the funding of each trade.
    """
    max_orders = records.orders.shape[0]
    n_fund_rows = funding_in.n_rows
    m = orders.long_entries.shape[1]
    out = ColumnOutputs(np.zeros(max_orders, dtype=np.int64), np.zeros((n_fund_rows, m), dtype=np.float64),
                        np.zeros(max_orders, dtype=np.float64))
    # np.int64, not a bare 0: numba would also compile the callees for Literal[int](0)
    oidx = np.int64(0)
    lidx = np.int64(0)
    for c in range(m):
        oidx, lidx = simulate_column_nb(prices, funding_in, orders, costs, margin, exec_at_close, records, out,
                                        c, oidx, lidx)
    return oidx, out.reasons, lidx, out.funding, out.order_funding


@njit(cache=True)
def simulate_column_nb(prices, funding_in, orders, costs, margin, exec_at_close, records, out, c, oidx, lidx):
    """Simulate column ``c`` (see :func:`simulate_nb`), writing its orders from ``records.orders[oidx]``
    and its liquidations from ``records.liqs[lidx]``; returns the next free ``(oidx, lidx)``.

    ``out`` (:class:`~liqbt.backtest.enums.ColumnOutputs`) receives the fill reasons and order funding
    at the same positions as the orders, and the column's funding flow. Columns touch disjoint parts of
    every output, so a caller may simulate them in parallel, each into its own range of the records.
    """
    # unpacked once into locals: the loop below reads plain arrays and scalars
    open_, high, low, close, trig_low, trig_high = prices
    fund_before, fund_at_fill, fund_inside, fund_row = (funding_in.before, funding_in.at_fill, funding_in.inside,
                                                        funding_in.row)
    charge_at_entry = funding_in.charge_at_entry
    long_entries, long_exits, short_entries, short_exits = (orders.long_entries, orders.long_exits,
                                                            orders.short_entries, orders.short_exits)
    target_price, init_cash = orders.target_price, costs.init_cash
    liq_enabled, caps, mmr, cum = margin.enabled, margin.caps, margin.mmr, margin.cum
    n = long_entries.shape[0]
    reasons, funding, order_funding = out.reasons, out.funding, out.order_funding
    cash, pos, ep, wb, lp, slp, tpp = init_cash, 0.0, np.nan, 0.0, np.nan, np.nan, np.nan  # flat, fresh capital
    opened_at_close = False  # the position was opened by the previous bar's close fill
    entry = np.int64(0)  # the order that opened the current position (its trade's funding accrues there)
    for i in range(n):
        o = open_[i]
        fr = fund_row[i]
        # 1. funding of the gap and of the fill instant, on the position held before the open
        if fr >= 0:
            cash, wb, lp = _funding_nb(fund_before[i], pos, ep, wb, lp, cash, funding, fr, c,
                                       liq_enabled, caps, mmr, cum, order_funding, entry)
            if charge_at_entry or not opened_at_close:
                cash, wb, lp = _funding_nb(fund_at_fill[i], pos, ep, wb, lp, cash, funding, fr, c,
                                           liq_enabled, caps, mmr, cum, order_funding, entry)
        opened_at_close = False
        # 2. exits at the open (the open gapped through a level)
        if pos != 0.0:
            tgt = flex_nb(target_price, i - 1, c) if i > 0 else np.nan
            kind, px = _open_exit_nb(1.0 if pos > 0 else -1.0, o, trig_low[i], trig_high[i], lp, slp, tpp,
                                     tgt, liq_enabled)
            if kind >= 0:
                cash, oidx, lidx = _exit_nb(kind, px, o, pos, ep, wb, lp, cash, c, i, oidx, lidx, records,
                                            reasons, costs, margin)
                pos, ep, wb, lp, slp, tpp = 0.0, np.nan, 0.0, np.nan, np.nan, np.nan
        # 3. the previous row's signal at the open
        if not exec_at_close and i > 0 and (long_entries[i - 1, c] or long_exits[i - 1, c]
                                            or short_entries[i - 1, c] or short_exits[i - 1, c]):
            r_ = i - 1
            prev = pos
            state, oidx = _signal_nb(orders, r_, c, i, o, PositionState(cash, pos, ep, wb, lp, slp, tpp),
                                     oidx, records.orders, reasons, costs, margin)
            cash, pos, ep, wb, lp, slp, tpp = state
            if pos != prev and pos != 0.0:
                entry = oidx - 1
            if charge_at_entry and fr >= 0 and pos != prev:  # a position opened at the funding instant
                cash, wb, lp = _funding_nb(fund_at_fill[i], pos, ep, wb, lp, cash, funding, fr, c,
                                           liq_enabled, caps, mmr, cum, order_funding, entry)
        # 4. funding strictly inside the bar, on the position after the open
        if fr >= 0:
            cash, wb, lp = _funding_nb(fund_inside[i], pos, ep, wb, lp, cash, funding, fr, c,
                                       liq_enabled, caps, mmr, cum, order_funding, entry)
        # 5. intrabar exits
        if pos != 0.0:
            tgt = flex_nb(target_price, i - 1, c) if i > 0 else np.nan
            kind, px = _intrabar_exit_nb(1.0 if pos > 0 else -1.0, o, high[i], low[i], trig_low[i],
                                         trig_high[i], lp, slp, tpp, tgt, liq_enabled)
            if kind >= 0:
                cash, oidx, lidx = _exit_nb(kind, px, o, pos, ep, wb, lp, cash, c, i, oidx, lidx, records,
                                            reasons, costs, margin)
                pos, ep, wb, lp, slp, tpp = 0.0, np.nan, 0.0, np.nan, np.nan, np.nan
        # 6. this row's signal at the close
        if exec_at_close and (long_entries[i, c] or long_exits[i, c] or short_entries[i, c]
                              or short_exits[i, c]):
            prev = pos
            prev_entry = entry
            state, oidx = _signal_nb(orders, i, c, i, close[i], PositionState(cash, pos, ep, wb, lp, slp, tpp),
                                     oidx, records.orders, reasons, costs, margin)
            cash, pos, ep, wb, lp, slp, tpp = state
            if pos != prev and pos != 0.0:
                entry = oidx - 1
            if pos != prev and i + 1 < n and fund_row[i + 1] >= 0 and not np.isnan(fund_at_fill[i + 1]):
                # the close is the instant of the next bar's fill-time events: the position closed
                # here was held until then and pays them now (its margin is already released)
                f = -prev * fund_at_fill[i + 1]
                cash += f
                funding[fund_row[i + 1], c] += f
                if prev != 0.0:
                    order_funding[prev_entry] += f
                opened_at_close = True
    return oidx, lidx


@njit(cache=True)
def _signal_nb(orders, r, c, i, ref, state, oidx, records, reasons, costs, margin):
    """Apply row ``r`` of column ``c``'s signals at bar ``i``, reference price ``ref`` (vectorbt's conflict
    rules: "ignore"); returns the new :class:`~liqbt.backtest.enums.PositionState` and ``oidx``."""
    le, lx = orders.long_entries[r, c], orders.long_exits[r, c]
    se, sx = orders.short_entries[r, c], orders.short_exits[r, c]
    size, size_is_notional = flex_nb(orders.size, r, c), orders.size_is_notional
    sl, tp = flex_nb(orders.sl_stop, r, c), flex_nb(orders.tp_stop, r, c)
    cash, pos, ep, wb, lp, slp, tpp = state
    inv_lev = 1.0 / costs.leverage
    taker_fee, slippage = costs.taker_fee, costs.slippage
    liq_enabled, caps, mmr, cum = margin.enabled, margin.caps, margin.mmr, margin.cum
    if le or se:
        if le and lx:
            le = False
            lx = False
        if se and sx:
            se = False
            sx = False
        if le and se:
            le = False
            se = False
    close_it = False
    open_side = 0.0
    if pos > 0:
        if se:
            close_it = True
            open_side = -1.0
        elif lx:
            close_it = True
    elif pos < 0:
        if le:
            close_it = True
            open_side = 1.0
        elif sx:
            close_it = True
    else:
        if le:
            open_side = 1.0
        elif se:
            open_side = -1.0
    if close_it:
        s = 1.0 if pos > 0 else -1.0
        q = abs(pos)
        fill = ref * (1.0 - s * slippage)
        fee = q * fill * taker_fee
        cash += s * q * fill - fee
        oidx = _record_order_nb(records, reasons, oidx, c, i, q, fill, fee, 1 if s > 0 else 0, FillReason.Signal)
        pos = 0.0
        ep = np.nan
        wb = 0.0
        lp = np.nan
        slp = np.nan
        tpp = np.nan
    if open_side != 0.0 and cash > 0.0 and size > 0.0:
        s = open_side
        fill = ref * (1.0 + s * slippage)
        per_coin = fill * (inv_lev + taker_fee)  # margin + fee per coin, USD
        if size_is_notional:
            q = size / ref
            if q * per_coin > cash:
                q = cash / per_coin
        else:
            q = size * cash / per_coin
        if q > 0.0:
            fee = q * fill * taker_fee
            cash -= s * q * fill + fee
            oidx = _record_order_nb(records, reasons, oidx, c, i, q, fill, fee, 0 if s > 0 else 1, FillReason.Signal)
            pos = s * q
            ep = fill
            wb = q * fill * inv_lev
            lp = liq_price_wb_nb(ep, q, wb, 1 if s > 0 else -1, caps, mmr, cum) if liq_enabled else np.nan
            slp = fill * (1.0 - s * sl) if not np.isnan(sl) else np.nan
            tpp = fill * (1.0 + s * tp) if not np.isnan(tp) else np.nan
    return PositionState(cash, pos, ep, wb, lp, slp, tpp), oidx


@njit(cache=True)
def positions_at_funding_nb(order_col, order_idx, order_signed_size, order_at_fill, fund_bars, fill_offset, m):
    """Positions (coins, signed) just before and just after the fills at each funding bar's fill instant.

    Orders are sorted by column, then bar (vectorbt's layout). The fill
    instant of funding bar ``i`` is the open of bar ``i`` (``fill_offset``
    0, fills at the next open) or the close of bar ``i - 1`` (``fill_offset``
    1, fills at the close); ``order_at_fill`` flags the orders filled at
    their bar's open (offset 0) or close (offset 1). Other orders of bar
    ``i`` happen inside it, after the instant (offset 0); other orders of bar
    ``i - 1`` happen inside it, before the instant (offset 1).

    Returns
    -------
    before, after : ndarray (len(fund_bars), m)
    """
    k_n = fund_bars.shape[0]
    before = np.zeros((k_n, m), dtype=np.float64)
    after = np.zeros((k_n, m), dtype=np.float64)
    n_o = order_col.shape[0]
    j = 0
    for c in range(m):
        pos = 0.0
        while j < n_o and order_col[j] < c:
            j += 1
        for k in range(k_n):
            b = fund_bars[k] - fill_offset
            while j < n_o and order_col[j] == c and order_idx[j] < b:
                pos += order_signed_size[j]
                j += 1
            bef = pos
            aft = pos
            jj = j
            while jj < n_o and order_col[jj] == c and order_idx[jj] == b:
                if order_at_fill[jj]:
                    aft += order_signed_size[jj]
                elif fill_offset == 1:
                    bef += order_signed_size[jj]
                    aft += order_signed_size[jj]
                jj += 1
            before[k, c] = bef
            after[k, c] = aft
    return before, after


@njit(cache=True)
def funding_from_positions_nb(before, after, fund_before, fund_at_fill, fund_inside, fund_bars, charge_at_entry,
                              exec_at_close):
    """Funding cash flow (USD) at the bars ``fund_bars`` from positions held at the events.

    ``before[k, c]`` / ``after[k, c]`` are the positions (coins, signed) just
    before and after the fills at the fill instant of bar ``fund_bars[k]``
    (:func:`positions_at_funding_nb`). Events at the fill instant are paid by
    the position before it and, with ``charge_at_entry``, by a position opened
    then; events of the gap before the bar by the position held through the
    gap; events inside the bar by the position after the instant. Longs pay
    when the amount is positive: flow ``= -position * amount``.
    """
    k_n, m = before.shape
    out = np.zeros((k_n, m), dtype=np.float64)
    for k in range(k_n):
        i = fund_bars[k]
        fb = fund_before[i]
        fa = fund_at_fill[i]
        fi = fund_inside[i]
        for c in range(m):
            f = 0.0
            if not np.isnan(fb):
                f -= (after[k, c] if exec_at_close else before[k, c]) * fb
            if not np.isnan(fa):
                f -= before[k, c] * fa
                if charge_at_entry and after[k, c] != before[k, c]:
                    f -= after[k, c] * fa
            if not np.isnan(fi):
                f -= after[k, c] * fi
            out[k, c] = f
    return out
