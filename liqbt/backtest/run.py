"""``run_backtest``: signals + market -> :class:`BacktestResult` (its accounts in numpy; a vectorbt Portfolio
on request).

Engine ``liqbt`` imports no vectorbt: the result's numbers come from
:class:`~liqbt.backtest.accounting.Accounts`, and ``BacktestResult.portfolio`` builds the vectorbt
Portfolio on first access. Engine ``vectorbt`` simulates with vectorbt itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..data.market import Market
from ..errors import ConfigError
from ..margin import BracketTable, check_position_leverage, constant_mmr_table
from .config import BacktestConfig
from .enums import (FILL_REASON_NAMES, ColumnSlots, CostParams, FundingArrays, MarginArrays, OrderArrays, PriceArrays,
                    RecordArrays, liquidation_dt, order_dt)
from .accounting import Accounts
from .nb import funding_from_positions_nb, positions_at_funding_nb, simulate_nb
from .prepare import MarketArrays, market_arrays
from .signals import SignalArrays, Signals

__all__ = ["run_backtest", "BacktestResult", "kernel_inputs", "check_leverage", "check_outputs",
           "column_slots"]


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """What a backtest produced.

    Attributes
    ----------
    accounts : Accounts
        The order records, closes, funding and initial cash, with the cash, position, value, returns and
        trade counts computed from them in numpy (:class:`~liqbt.backtest.accounting.Accounts`), equal
        to vectorbt's; its index is the bar opens in UTC without a time zone (see
        :func:`portfolio_index`).
    funding : DataFrame
        Funding cash flow, USD (+ received, - paid), on the bars that hold
        funding events (rows) per column; every other bar is zero
        (``portfolio.funding_flow()`` gives the dense frame).
    liquidations : DataFrame
        One row per liquidation: ``time``, ``column``, ``side`` (+1 long,
        -1 short), ``size`` (coins), ``entry_price``, ``liq_price``,
        ``fill_price`` (the liquidation price, or the open on a gap),
        ``fee`` (USD), ``margin`` (isolated wallet balance before, USD),
        ``loss`` (USD).
    fill_reasons : ndarray of int64
        Why each order of ``accounts.orders`` filled (index into
        :data:`~liqbt.backtest.enums.FILL_REASON_NAMES`).
    config : BacktestConfig
    liquidation_trigger : str
        The trigger actually used: ``"mark"`` (mark high/low on every bar),
        ``"last"`` (configured), ``"last (mark price missing)"`` (configured
        ``"mark"``, the market has no mark high/low at the bar size),
        ``"mark (last on N of M bars without mark)"``, or ``"none
        (liquidation disabled)"``.
    conventions : dict
        The conventions this run used, in words and counts: liquidation
        trigger, execution, funding price, ``funding_at_entry``, funding on
        coarse bars and in data gaps, event counts (written to ``stats.json``
        under ``conventions``).
    order_funding : ndarray of float64, optional
        Funding (USD, + received) of the position each order of
        ``accounts.orders`` opened, over its life (engine ``liqbt``);
        None when the engine does not attribute it (``vectorbt``).
    """

    accounts: Accounts
    funding: pd.DataFrame
    liquidations: pd.DataFrame
    fill_reasons: np.ndarray
    config: BacktestConfig
    liquidation_trigger: str
    conventions: dict
    order_funding: np.ndarray | None = None

    @cached_property
    def portfolio(self):
        """A :class:`~liqbt.backtest.portfolio.PerpPortfolio` (a :class:`vectorbt.Portfolio`) of the same
        orders, closes and funding: its cash, value, returns, total return and ``stats()`` include funding;
        keep analysing it with vectorbt. Built (and vectorbt imported) on first access; the numbers the run
        reports come from :attr:`accounts` and equal this portfolio's."""
        from vectorbt.base.array_wrapper import ArrayWrapper
        from vectorbt.portfolio.enums import log_dt

        from .portfolio import PerpPortfolio

        acc = self.accounts
        wrapper = ArrayWrapper(index=acc.index, columns=acc.columns, ndim=acc.ndim, freq=acc.freq)
        close = pd.Series(acc.close, index=acc.index)
        return PerpPortfolio(wrapper, close.to_frame() if acc.ndim == 2 else close, acc.orders,
                             np.empty(0, dtype=log_dt), acc.init_cash.copy(), False, funding_bars=acc.funding_bars,
                             funding_flow=acc.funding_flow)

    def returns(self) -> pd.Series | pd.DataFrame:
        """Bar returns (fraction, funding and fees included) as ``portfolio.returns()`` gives them: a Series
        for one-dimensional signals, else one column per parameter column; index the tz-naive UTC bar opens."""
        return self.accounts.wrap(self.accounts.returns())

    def fills(self) -> pd.DataFrame:
        """Every order with its time, column label and reason (signal, stop_loss, ..., liquidation)."""
        rec = self.accounts.orders
        return pd.DataFrame({
            "time": self.accounts.index[rec["idx"]].tz_localize("UTC"),
            "column": self.accounts.columns[rec["col"]],
            "side": np.where(rec["side"] == 0, "buy", "sell"),
            "size": rec["size"],
            "price": rec["price"],
            "fees": rec["fees"],
            "reason": np.asarray(FILL_REASON_NAMES, dtype=object)[self.fill_reasons],
        })

    def trades(self) -> pd.DataFrame:
        """One row per trade (entry to flat) with its PnL split: see :func:`liqbt.backtest.trades.trade_table`."""
        from .trades import trade_table

        return trade_table(self)

    def equity(self) -> pd.DataFrame:
        """Per-bar equity, cash, position and drawdown: see :func:`liqbt.backtest.trades.equity_table`."""
        from .trades import equity_table

        return equity_table(self)

    def stats(self) -> pd.DataFrame:
        """One row per column: returns, risk, trades, funding, fees, PnL split, liquidations, exposure.

        See :func:`liqbt.backtest.stats.backtest_stats`.
        """
        from .stats import backtest_stats

        return backtest_stats(self)


def _bounds(sig: SignalArrays) -> tuple[int, int]:
    """Capacity of the order and liquidation records (a bound, not an estimate)."""
    entries = int(sig.long_entries.sum() + sig.short_entries.sum())
    exits = int(sig.long_exits.sum() + sig.short_exits.sum())
    return 3 * entries + exits + 1, entries + 1


def column_slots(sig: SignalArrays) -> tuple[ColumnSlots, int, int]:
    """Each column's own range of the order and liquidation records (its capacity bound, as
    :func:`_bounds` for all columns), and the two total capacities: columns simulated in parallel."""
    entries = sig.long_entries.sum(axis=0, dtype=np.int64) + sig.short_entries.sum(axis=0, dtype=np.int64)
    exits = sig.long_exits.sum(axis=0, dtype=np.int64) + sig.short_exits.sum(axis=0, dtype=np.int64)
    order_cap, liq_cap = 3 * entries + exits + 1, entries + 1
    order_start = np.concatenate(([0], np.cumsum(order_cap)[:-1])).astype(np.int64)
    liq_start = np.concatenate(([0], np.cumsum(liq_cap)[:-1])).astype(np.int64)
    return ColumnSlots(order_start, liq_start), int(order_cap.sum()), int(liq_cap.sum())


def portfolio_index(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The portfolio's index: the bar opens in UTC, **tz-naive**.

    vectorbt converts the index to a NumPy array on every wrap; a tz-aware
    index becomes an object array of Timestamps (about 0.5 s per call for a
    year of 5-minute bars), a naive one stays ``datetime64``.
    """
    return index.tz_convert("UTC").tz_localize(None) if index.tz is not None else index


def _ndim(signals: Signals) -> int:
    frames = [getattr(signals, n) for n in ("long_entries", "long_exits", "short_entries", "short_exits")]
    return 2 if any(isinstance(f, pd.DataFrame) for f in frames) else 1


def _filled_size(sig: SignalArrays, config: BacktestConfig) -> np.ndarray:
    return np.ascontiguousarray(np.where(np.isnan(sig.size), config.size, sig.size))


def check_leverage(market: Market, sig: SignalArrays, config: BacktestConfig) -> None:
    """Refuse a leverage above the maintenance tier's maximum for the largest planned position."""
    if config.liquidation.maintenance_margin_rate is None and len(sig.size):
        # Binance refuses leverage above the tier maximum of the position's notional (issue #11): the largest
        # planned notional, at the initial equity for equity_fraction sizing
        size = float(np.nanmax(_filled_size(sig, config)))
        notional = size if config.size_type == "notional_usd" else size * config.init_cash_usd * config.leverage
        check_position_leverage(config.leverage, notional, symbol=market.symbol, venue=market.venue,
                                at=market.index[0], table=config.liquidation.brackets, where="backtest.leverage")


def kernel_inputs(market: Market, sig: SignalArrays, config: BacktestConfig, mk: MarketArrays) -> tuple:
    """``(prices, funding_in, orders, costs, margin, exec_at_close)``: the first six arguments of
    :func:`~liqbt.backtest.nb.simulate_nb` (and of the research kernels that simulate)."""
    caps, mmr, cum = liquidation_table(market, config).arrays()
    return (
        PriceArrays(mk.open, mk.high, mk.low, mk.close, mk.trig_low, mk.trig_high),
        FundingArrays(mk.fund_before, mk.fund_at_fill, mk.fund_inside, mk.fund_row, len(mk.fund_bars),
                      config.funding_at_entry == "charge"),
        OrderArrays(sig.long_entries, sig.long_exits, sig.short_entries, sig.short_exits, _filled_size(sig, config),
                    config.size_type == "notional_usd", sig.sl_stop, sig.tp_stop, sig.target_price),
        CostParams(float(config.init_cash_usd), float(config.leverage), config.taker_fee, config.maker_fee,
                   config.slippage),
        MarginArrays(bool(config.liquidation.enabled), float(config.liquidation.liquidation_fee_rate), caps, mmr, cum),
        config.execution == "close",
    )


def _run_liqbt(market: Market, sig: SignalArrays, config: BacktestConfig, mk: MarketArrays):
    check_leverage(market, sig, config)
    max_orders, max_liqs = _bounds(sig)
    orders = np.empty(max_orders, dtype=order_dt)
    liqs = np.empty(max_liqs, dtype=liquidation_dt)
    n_orders, reasons, n_liqs, funding, order_funding = simulate_nb(
        *kernel_inputs(market, sig, config, mk), RecordArrays(orders, liqs))
    return (orders[:n_orders].copy(), reasons[:n_orders].copy(), liqs[:n_liqs].copy(), funding,
            order_funding[:n_orders].copy())


def liquidation_table(market: Market, config: BacktestConfig) -> BracketTable:
    """The maintenance brackets the liquidation check uses (a zero-rate table when liquidation is off)."""
    if not config.liquidation.enabled:
        return constant_mmr_table(0.0)
    return config.liquidation.table(market.symbol, market.venue, market.index[0])


def _shift(a: np.ndarray, fill) -> np.ndarray:
    """Move rows one bar later (row ``t`` to ``t + 1``); flexible arrays with one row are unchanged."""
    if a.shape[0] == 1:
        return a
    out = np.empty_like(a)
    out[0] = fill
    out[1:] = a[:-1]
    return out


def _run_vectorbt(market: Market, sig: SignalArrays, config: BacktestConfig, mk: MarketArrays,
                  index: pd.DatetimeIndex, ndim: int):
    from .portfolio import PerpPortfolio  # imports vectorbt: only this engine needs it to simulate

    if not np.isnan(sig.target_price).all():
        raise ConfigError("engine 'vectorbt' has no target-price exits; use engine 'liqbt'")
    next_open = config.execution == "next_open"
    move = _shift if next_open else (lambda a, fill: a)
    price = mk.open if next_open else mk.close
    close = pd.Series(mk.close, index=index)
    n, m = sig.long_entries.shape
    size = move(_filled_size(sig, config), np.nan)
    sl, tp = move(sig.sl_stop, np.nan), move(sig.tp_stop, np.nan)
    use_stops = not (np.isnan(sl).all() and np.isnan(tp).all())
    if ndim == 1:  # one column: 1-D inputs keep vectorbt's outputs 1-D
        def one(a):
            return a[:, 0] if a.shape[0] > 1 else a[0, 0]
    else:
        def one(a):
            return a
    sl, tp, size = one(sl), one(tp), one(size)
    kw = {}
    if use_stops:
        kw = dict(sl_stop=sl, tp_stop=tp, stop_entry_price="fillprice", stop_exit_price="stopmarket",
                  open=one(mk.open[:, None]), high=one(mk.high[:, None]), low=one(mk.low[:, None]))
    try:
        pf = PerpPortfolio.from_signals(
            close=close.to_frame() if ndim == 2 else close,
            entries=one(move(sig.long_entries, False)), exits=one(move(sig.long_exits, False)),
            short_entries=one(move(sig.short_entries, False)), short_exits=one(move(sig.short_exits, False)),
            price=one(price[:, None]), size=size,
            size_type="percent" if config.size_type == "equity_fraction" else "value",
            fees=config.taker_fee, slippage=config.slippage, init_cash=float(config.init_cash_usd),
            upon_long_conflict="ignore", upon_short_conflict="ignore", upon_dir_conflict="ignore",
            upon_opposite_entry="reverse", accumulate=False, use_stops=use_stops,
            broadcast_kwargs=dict(columns_from=sig.columns if ndim == 2 else "keep"),
            wrapper_kwargs=dict(columns=sig.columns, ndim=ndim), freq=market.bar_size, **kw,
        )
    except ValueError as exc:
        if "Percent does not support position reversal" in str(exc):
            raise ConfigError("engine 'vectorbt' cannot reverse a position sized as an equity fraction; use "
                              "size_type 'notional_usd' or engine 'liqbt'") from None
        raise
    rec = pf.order_records
    signed = np.where(rec["side"] == 0, rec["size"], -rec["size"])
    # an order filled at the fill instant is one at its bar's open (next_open) or close, with or without slippage
    slip = config.slippage
    ref = (mk.open if next_open else mk.close)[rec["idx"]]
    at_fill = np.isclose(rec["price"], ref, rtol=1e-13, atol=0) | np.isclose(
        rec["price"], ref * (1 + slip), rtol=1e-13, atol=0) | np.isclose(
        rec["price"], ref * (1 - slip), rtol=1e-13, atol=0)
    before, after = positions_at_funding_nb(rec["col"], rec["idx"], signed, at_fill, mk.fund_bars,
                                            0 if next_open else 1, m)
    funding = funding_from_positions_nb(before, after, mk.fund_before, mk.fund_at_fill, mk.fund_inside,
                                        mk.fund_bars, config.funding_at_entry == "charge", not next_open)
    pf._attach_funding(mk.fund_bars, funding)  # the portfolio is ours alone until returned
    return pf, np.zeros(len(rec), dtype=np.int64), np.empty(0, dtype=liquidation_dt), funding


def check_outputs(orders: np.ndarray, funding: np.ndarray) -> None:
    """Refuse results that are not numbers a user could trust (an overflow to ``inf``)."""
    if not (np.isfinite(orders["price"]).all() and np.isfinite(orders["fees"]).all() and np.isfinite(funding).all()):
        raise ConfigError("backtest: the simulation overflowed (a price, fee or funding payment is not finite); "
                          "check the prices, funding rates and sizes")


def run_backtest(market: Market, signals: Signals, config: BacktestConfig | None = None) -> BacktestResult:
    """Simulate ``signals`` on ``market`` with costs, funding, leverage and liquidation.

    Parameters
    ----------
    market : Market
        Bars with ``open, high, low, close``; funding from ``market.funding``
        (exact event times) or the ``funding_rate`` column; ``market.mark``
        prices each funding event at its own time, and its high/low (at the
        bar size or finer) trigger liquidations. What was used is stated in
        the result's ``conventions`` (see ``docs/backtest.md``).
    signals : Signals
        One or many parameter columns on the market's index.
    config : BacktestConfig, optional
        Defaults: 10,000 USD, 1x, taker 5 bps, maker 2 bps, slippage 1 bp,
        funding on (mark at each event, ``funding_at_entry="charge"``), fills
        at the next open.

    Raises
    ------
    ConfigError
        Funding events inside bars without a mark at their time (with
        ``price_for_funding="mark"``), or a simulation that overflows.
    DataError
        NaN open/close, or prices outside [1e-12, 1e12] USD.

    Warns
    -----
    MarkPriceWarning
        The mark trigger or a funding event fell back to the last price.
    FundingGapWarning
        Funding events fell inside data gaps (paid at the next bar).

    Returns
    -------
    BacktestResult
    """
    config = config if config is not None else BacktestConfig()
    if not isinstance(signals, Signals):
        raise ConfigError(f"run_backtest: expected a liqbt.backtest.Signals, found {type(signals).__name__}")
    if len(market) < 2:
        raise ConfigError(f"run_backtest: need at least 2 bars, found {len(market)}")
    sig = signals.to_arrays(market.index, source="signals")
    mk = market_arrays(market, config)
    index, ndim = portfolio_index(market.index), _ndim(signals)
    pf = None
    if config.engine == "liqbt":
        orders, reasons, liqs, funding, order_funding = _run_liqbt(market, sig, config, mk)
    else:
        pf, reasons, liqs, funding = _run_vectorbt(market, sig, config, mk, index, ndim)
        orders = pf.order_records
        order_funding = None  # vectorbt's orders carry no funding: trades() attributes it by bar
    check_outputs(orders, funding)
    accounts = Accounts(orders, mk.close, config.init_cash_usd, mk.fund_bars, funding, index, sig.columns, ndim,
                        market.bar_size)
    funding_frame = pd.DataFrame(funding, index=market.index[mk.fund_bars], columns=sig.columns)
    liq_frame = pd.DataFrame({
        "time": market.index[liqs["idx"]],
        "column": sig.columns[liqs["col"]],
        **{name: liqs[name] for name in ("side", "size", "entry_price", "liq_price", "fill_price", "fee", "margin",
                                         "loss")},
    })
    conventions = dict(mk.conventions)
    if config.engine == "liqbt" and config.liquidation.enabled:
        conventions["maintenance_brackets"] = liquidation_table(market, config).label
    result = BacktestResult(accounts=accounts, funding=funding_frame, liquidations=liq_frame, fill_reasons=reasons,
                            config=config, liquidation_trigger=mk.liquidation_trigger, conventions=conventions,
                            order_funding=order_funding)
    if pf is not None:
        result.__dict__["portfolio"] = pf  # the simulation's own portfolio (cached_property's slot)
    return result
