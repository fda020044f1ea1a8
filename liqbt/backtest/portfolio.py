"""A vectorbt Portfolio whose cash includes funding payments.

vectorbt rebuilds cash, value and profit from order records after the
simulation; funding is no order, so a plain Portfolio would drop it. This
subclass stores funding as a compact cash-flow matrix (one row per bar that
holds a funding event) and adds it to :meth:`cash_flow` and
:meth:`total_profit`. Everything derived from them (``cash``, ``value``,
``returns``, ``total_return``, ``final_value``, drawdowns, Sharpe, ``stats()``)
therefore includes funding, with vectorbt's own code (Numba or Rust engine).
Trades and positions (``pf.trades``) are built from orders only: their PnL
excludes funding.
"""

from __future__ import annotations

import numpy as np
import vectorbt as vbt
from vectorbt.base.reshape_fns import to_1d_array, to_2d_array
from vectorbt.portfolio import dispatch
from vectorbt.utils.config import Configured, merge_dicts
from vectorbt.utils.decorators import cached_method

__all__ = ["PerpPortfolio"]


class PerpPortfolio(vbt.Portfolio):
    """:class:`vectorbt.Portfolio` with funding cash flows.

    Parameters
    ----------
    funding_bars : ndarray of int64, shape (k,)
        Bars (row positions) holding funding events, ascending.
    funding_flow : ndarray of float64, shape (k, n_columns)
        Funding cash flow at those bars, USD (+ received, - paid).
    Other parameters are those of :class:`vectorbt.Portfolio`.
    """

    def __init__(self, wrapper, close, order_records, log_records, init_cash, cash_sharing, call_seq=None,
                 fillna_close=None, trades_type=None, engine=None, funding_bars=None, funding_flow=None):
        super().__init__(wrapper, close, order_records, log_records, init_cash, cash_sharing, call_seq=call_seq,
                         fillna_close=fillna_close, trades_type=trades_type, engine=engine)
        n_cols = wrapper.shape_2d[1]
        if funding_bars is None:
            funding_bars = np.empty(0, dtype=np.int64)
        funding_bars = np.asarray(funding_bars, dtype=np.int64)
        if funding_flow is None:
            funding_flow = np.zeros((len(funding_bars), n_cols))
        self._attach_funding(funding_bars, funding_flow)

    def _attach_funding(self, funding_bars: np.ndarray, funding_flow: np.ndarray) -> None:
        """Set the funding of a portfolio that nobody has used yet (construction only).

        ``from_signals`` builds the portfolio before its funding is known;
        attaching it in place avoids a second construction, which costs as much
        as the first for wide grids.
        """
        self._funding_bars = np.asarray(funding_bars, dtype=np.int64)
        self._funding_flow = np.asarray(funding_flow, dtype=np.float64)
        if self._funding_flow.shape != (len(self._funding_bars), self.wrapper.shape_2d[1]):
            raise ValueError(f"funding_flow must have shape {(len(self._funding_bars), self.wrapper.shape_2d[1])}, "
                             f"found {self._funding_flow.shape}")
        config = {k: v for k, v in self.config.items() if k not in ("funding_bars", "funding_flow")}
        Configured.__init__(self, **config, funding_bars=self._funding_bars, funding_flow=self._funding_flow)

    # ------------------------------------------------------------ funding
    @property
    def funding_bars(self) -> np.ndarray:
        """Row positions of the bars holding funding events."""
        return self._funding_bars

    @property
    def funding_flow_compact(self) -> np.ndarray:
        """Funding cash flow on :attr:`funding_bars` only, shape ``(k, n_columns)``, USD."""
        return self._funding_flow

    @cached_method
    def funding_flow(self, group_by=None, wrap_kwargs=None):
        """Funding cash flow per bar and column (group), USD; + received, - paid."""
        out = np.zeros(self.wrapper.shape_2d)
        out[self._funding_bars] = self._funding_flow
        if self.wrapper.grouper.is_grouped(group_by=group_by):
            group_lens = self.wrapper.grouper.get_group_lens(group_by=group_by)
            out = dispatch.cash_flow_grouped(out, group_lens)
        return self.wrapper.wrap(out, group_by=group_by, **merge_dicts({}, wrap_kwargs))

    @cached_method
    def total_funding(self, group_by=None, wrap_kwargs=None):
        """Net funding per column (group), USD; + received, - paid."""
        total = self._funding_flow.sum(axis=0)
        if self.wrapper.grouper.is_grouped(group_by=group_by):
            group_lens = self.wrapper.grouper.get_group_lens(group_by=group_by)
            total = dispatch.total_profit_grouped(total, group_lens)
        wrap_kwargs = merge_dicts(dict(name_or_index="total_funding"), wrap_kwargs)
        return self.wrapper.wrap_reduced(total, group_by=group_by, **wrap_kwargs)

    # ------------------------------------------------------- overrides
    def indexing_func(self, pd_indexing_func, **kwargs):
        """Column selection keeps the matching funding columns."""
        new_wrapper, _, group_idxs, col_idxs = self.wrapper.indexing_func_meta(
            pd_indexing_func, column_only_select=True, **kwargs)
        new_close = new_wrapper.wrap(to_2d_array(self.close)[:, col_idxs], group_by=False)
        if isinstance(self._init_cash, int):
            new_init_cash = self._init_cash
        else:
            new_init_cash = to_1d_array(self._init_cash)[group_idxs if self.cash_sharing else col_idxs]
        return self.replace(
            wrapper=new_wrapper,
            close=new_close,
            order_records=self.orders.get_by_col_idxs(col_idxs),
            log_records=self.logs.get_by_col_idxs(col_idxs),
            init_cash=new_init_cash,
            call_seq=self.call_seq.values[:, col_idxs] if self.call_seq is not None else None,
            funding_flow=self._funding_flow[:, np.atleast_1d(col_idxs)],
        )

    @cached_method
    def cash_flow(self, group_by=None, free=False, wrap_kwargs=None, engine=None):
        """Cash flow of orders **plus funding**, USD."""
        engine = engine if engine is not None else self.engine
        if self.wrapper.grouper.is_grouped(group_by=group_by):
            cash_flow = to_2d_array(self.cash_flow(group_by=False, free=free))
            group_lens = self.wrapper.grouper.get_group_lens(group_by=group_by)
            cash_flow = dispatch.cash_flow_grouped(cash_flow, group_lens, engine=engine)
        else:
            cash_flow = dispatch.cash_flow(self.wrapper.shape_2d, self.orders.values,
                                           self.orders.col_mapper.col_map, free, engine=engine)
            if len(self._funding_bars):
                cash_flow = np.array(cash_flow, dtype=np.float64, copy=True)
                cash_flow[self._funding_bars] += self._funding_flow
        return self.wrapper.wrap(cash_flow, group_by=group_by, **merge_dicts({}, wrap_kwargs))

    @cached_method
    def total_profit(self, group_by=None, wrap_kwargs=None, engine=None):
        """Profit from orders **plus net funding**, USD."""
        engine = engine if engine is not None else self.engine
        if self.wrapper.grouper.is_grouped(group_by=group_by):
            total_profit = to_1d_array(self.total_profit(group_by=False))
            group_lens = self.wrapper.grouper.get_group_lens(group_by=group_by)
            total_profit = dispatch.total_profit_grouped(total_profit, group_lens, engine=engine)
        else:
            close = to_2d_array(self.get_filled_close() if self.fillna_close else self.close)
            total_profit = dispatch.total_profit(self.wrapper.shape_2d, close, self.orders.values,
                                                 self.orders.col_mapper.col_map, engine=engine)
            total_profit = np.asarray(total_profit, dtype=np.float64) + self._funding_flow.sum(axis=0)
        wrap_kwargs = merge_dicts(dict(name_or_index="total_profit"), wrap_kwargs)
        return self.wrapper.wrap_reduced(total_profit, group_by=group_by, **wrap_kwargs)
