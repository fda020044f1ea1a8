"""A backtest's accounts without vectorbt: cash, position, value, returns and trade counts per bar and column.

:class:`Accounts` keeps what the simulation produced (order records, funding, closes, initial cash) and
computes, on first use, the numbers vectorbt's Portfolio (with
:class:`~liqbt.backtest.portfolio.PerpPortfolio`'s funding) would give, equal to the bit:
:func:`~liqbt.backtest.accounting_nb.accounts_nb` replays vectorbt's kernels, and the per-bar formulas
below are vectorbt's, element for element. ``BacktestResult.portfolio`` still builds the vectorbt
Portfolio on first access, for analysis beyond these numbers.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from .accounting_nb import accounts_nb

__all__ = ["Accounts", "YEAR", "RETURN_DEFAULTS"]

#: vectorbt's ``settings["returns"]["year_freq"]``: the year of the annualisation.
YEAR = pd.Timedelta("365 days")
#: vectorbt's ``settings["returns"]["defaults"]`` the ratios use (``risk_free``, ``ddof``, ``required_return``).
RETURN_DEFAULTS = {"risk_free": 0.0, "ddof": 1, "required_return": 0.0}


class Accounts:
    """Per-bar and per-column accounting of one backtest (all columns share the bars and the closes).

    Parameters
    ----------
    orders : ndarray of order_dt
        The order records.
    close : ndarray of float64, shape (n,)
        Close of every bar, USD.
    init_cash : float
        Initial cash of every column, USD.
    funding_bars : ndarray of int64, shape (k,)
        Bars holding funding events.
    funding_flow : ndarray of float64, shape (k, m)
        Funding cash flow on those bars, USD (+ received, - paid).
    index : DatetimeIndex
        The bar opens, UTC, tz-naive (the portfolio's index).
    columns : Index
        The parameter columns.
    ndim : int
        1 when the signals were one Series (pandas results are then Series), else 2.
    freq : Timedelta
        The bar size.
    """

    def __init__(self, orders: np.ndarray, close: np.ndarray, init_cash: float, funding_bars: np.ndarray,
                 funding_flow: np.ndarray, index: pd.DatetimeIndex, columns: pd.Index, ndim: int,
                 freq: pd.Timedelta):
        self.orders = np.ascontiguousarray(orders)
        self.close = np.ascontiguousarray(close, dtype=np.float64)
        self.init_cash = np.full(len(columns), float(init_cash))
        self.funding_bars = np.ascontiguousarray(funding_bars, dtype=np.int64)
        self.funding_flow = np.asarray(funding_flow, dtype=np.float64)  # as PerpPortfolio keeps it
        self.index = index
        self.columns = columns
        self.ndim = ndim
        self.freq = pd.Timedelta(freq)

    @property
    def shape(self) -> tuple[int, int]:
        """``(bars, columns)``."""
        return len(self.index), len(self.columns)

    @property
    def ann_factor(self) -> float:
        """Bars per 365 days (vectorbt's ``returns_acc.ann_factor``)."""
        return YEAR / self.freq

    @cached_property
    def _state(self) -> tuple:
        order_of = np.argsort(self.orders["col"], kind="stable").astype(np.int64)
        col_start = np.searchsorted(self.orders["col"][order_of], np.arange(self.shape[1] + 1)).astype(np.int64)
        return accounts_nb(self.orders, order_of, col_start, self.close, self.funding_bars,
                           np.ascontiguousarray(self.funding_flow), self.init_cash)

    def assets(self) -> np.ndarray:
        """Position at each bar's close, coins, shape (n, m)."""
        return self._state[0]

    def cash(self) -> np.ndarray:
        """Cash (orders and funding), USD, shape (n, m): a leveraged long runs it negative."""
        return self._state[1]

    @cached_property
    def _asset_value(self) -> np.ndarray:
        assets = self.assets()
        # vectorbt zeroes the close where there is no position (a NaN price adds nothing)
        close = np.where(assets == 0, 0.0, self.close[:, None])
        return close * assets

    def asset_value(self) -> np.ndarray:
        """Position value at each bar's close, USD, shape (n, m)."""
        return self._asset_value

    @cached_property
    def _value(self) -> np.ndarray:
        return self.cash() + self.asset_value()

    def value(self) -> np.ndarray:
        """Account value at each bar's close, USD (funding and fees included), shape (n, m)."""
        return self._value

    @cached_property
    def _returns(self) -> np.ndarray:
        # vectorbt's returns_nb: each bar's value against the previous one (the first against the initial cash)
        value = self.value()
        before = np.vstack([self.init_cash[None, :], value[:-1]])
        with np.errstate(divide="ignore", invalid="ignore"):
            ret = (value - before) / before
            ret = np.where(before < 0, -ret, ret)
            at_zero = np.where(value == 0, 0.0, np.inf * np.sign(value))
        return np.where(before == 0, at_zero, ret)

    def returns(self) -> np.ndarray:
        """Bar returns (fraction) of the account value, shape (n, m)."""
        return self._returns

    def total_profit(self) -> np.ndarray:
        """Profit of orders plus net funding per column, USD (``PerpPortfolio.total_profit()``)."""
        return np.asarray(self._state[2], dtype=np.float64) + self.funding_flow.sum(axis=0)

    def position_coverage(self) -> np.ndarray:
        """Fraction of bars ending with an open position, per column."""
        return np.mean(self.assets() != 0, axis=0)

    def trade_count(self) -> np.ndarray:
        """Exit trades (closed and open) per column, as vectorbt counts them."""
        return self._state[3]

    def win_rate(self) -> np.ndarray:
        """Share of closed exit trades with a PnL (fees in, funding out) above zero; NaN without one."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._state[5] / self._state[4]

    def wrap(self, values: np.ndarray) -> pd.Series | pd.DataFrame:
        """Per-bar ``values`` (n, m) as vectorbt wraps them: a Series for one-dimensional signals, else a frame."""
        if self.ndim == 1:
            name = self.columns[0]
            return pd.Series(values[:, 0], index=self.index, name=None if name == 0 else name)
        return pd.DataFrame(values, index=self.index, columns=self.columns)
