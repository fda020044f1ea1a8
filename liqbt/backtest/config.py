"""Backtest configuration: costs, leverage, liquidation, funding, execution timing.

Every field has a default and carries its unit in its name or docstring.
Costs are on by default; turning one off takes an explicit zero.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, model_validator

from ..config.base import FrozenModel
from ..errors import ConfigError
from ..margin import BracketTable, constant_mmr_table, known_bracket_tables, market_bracket_table, table_symbol

__all__ = ["BacktestConfig", "LiquidationConfig", "MAX_CASH_USD"]

#: Upper bound of cash and USD sizes (1e12 USD, ten times the BTC market's open
#: interest): larger values are typos, and near float64's range they overflow.
MAX_CASH_USD = 1e12


class LiquidationConfig(FrozenModel):
    """Isolated-margin liquidation of the strategy's own position.

    Parameters
    ----------
    enabled : bool, default True
        Check the position against its liquidation price every bar.
    brackets : BracketTable, optional
        Maintenance-margin brackets (:mod:`liqbt.margin`). Default: the market's
        own dated table in force at the first bar (Binance BTCUSDT 2021 before
        2025-01-01, 2025-26 after; ETHUSDT 2025-26), stated in the result's
        ``conventions``; a symbol without a table is an error. Ignored when
        ``maintenance_margin_rate`` is given.
    maintenance_margin_rate : float, optional
        A constant maintenance margin rate (fraction, ``cum = 0``) instead of brackets.
    liquidation_fee_rate : float, default 0.005
        Liquidation clearance fee, fraction of the notional at the fill price,
        charged on top of the taker fee. 0.5 % is the figure Binance has
        published for BTCUSDT ("liquidation clearance fee"); it differs per
        symbol and over time, so set it explicitly for other symbols. The
        clearance fee (with the taker fee) is capped at the margin left after
        the fill, so a liquidation at its price loses at most the isolated
        wallet balance, as on the exchange.
    trigger : {"mark", "last"}, default "mark"
        Price range that triggers liquidation: the bar's mark high/low when the
        market has them at the bar size (``mark_high/mark_low``) or a finer
        mark series whose bar size divides the bars' (a bar needs all of its
        mark bars, e.g. 24 hourly marks for a daily bar). Where it has none (no
        mark, a coarser mark, or gaps) the trade high/low
        is used instead, with a :class:`~liqbt.errors.MarkPriceWarning`; the
        result's ``liquidation_trigger`` (and ``stats.json``) states the
        trigger actually used: ``"mark"``, ``"last (mark price missing)"`` or
        ``"mark (last on N of M bars without mark)"``. ``"last"`` always uses
        the trade high/low (no warning).
    """

    config_key = "backtest.liquidation"

    enabled: bool = True
    brackets: Optional[BracketTable] = None
    maintenance_margin_rate: Optional[float] = Field(default=None, ge=0.0, lt=1.0)
    liquidation_fee_rate: float = Field(default=0.005, ge=0.0, lt=1.0)
    trigger: Literal["mark", "last"] = "mark"

    def table(self, symbol: str = "", venue: str = "binance", at=None) -> BracketTable:
        """The bracket table in force: constant rate, the given table, or the market's dated table.

        The dated table is the one of the market's symbol on its venue (Binance's
        when the venue has none) in force at ``at`` (the first bar):
        :func:`liqbt.margin.market_bracket_table`. A symbol with no table is a
        :class:`ConfigError`, never another symbol's table.
        """
        if self.maintenance_margin_rate is not None:
            return constant_mmr_table(self.maintenance_margin_rate)
        if self.brackets is not None:
            return self.brackets
        table = market_bracket_table(symbol, venue, at)
        if table is None:
            raise ConfigError(
                f"backtest.liquidation: no maintenance bracket table for {table_symbol(symbol)!r} (market symbol "
                f"{symbol!r}); known (venue, symbol): {known_bracket_tables()}; set "
                f"backtest.liquidation.maintenance_margin_rate (e.g. 0.005), give brackets, or enabled: false")
        return table


class BacktestConfig(FrozenModel):
    """How signals become fills, costs, funding and liquidations.

    Parameters
    ----------
    init_cash_usd : float, default 10_000
        Starting equity per column, USD; in (0, 1e12].
    leverage : float, default 1
        In [1, 125].
        Initial leverage of every position (isolated margin): the position's
        notional is ``leverage`` times its initial margin.
    size : float, default 1.0
        Default order size where :class:`~liqbt.backtest.Signals` has none; see ``size_type``.
    size_type : {"equity_fraction", "notional_usd"}, default "equity_fraction"
        ``equity_fraction``: the fraction of equity (cash when flat) committed
        to the position as initial margin **plus** the entry fee, so ``1.0``
        is all-in: ``qty = f * equity / (price_fill * (1/leverage + fee_rate))``.
        ``notional_usd``: the position notional in USD at the order's
        reference price (the open, or the close with ``execution="close"``,
        before slippage): ``qty = size / reference_price``; reduced when the
        margin plus fee would exceed the cash.
    taker_fee_bps : float, default 5.0
        In [0, 1000).
        Taker fee, basis points of the fill notional (Binance USDⓈ-M VIP0:
        0.05 %). Charged on market entries/exits, stop-loss and take-profit
        (stop-market) exits and liquidations.
    maker_fee_bps : float, default 2.0
        In [-100, 1000) (negative = rebate).
        Maker fee, basis points (Binance VIP0: 0.02 %). Charged on target-price
        exits filled inside a bar (resting limit orders).
    slippage_bps : float, default 1.0
        In [0, 1000).
        Adverse slippage on market and stop fills, basis points of the price
        (buys fill higher, sells lower). Not applied to limit (target) fills or
        to liquidation fills, which happen at the liquidation price.
    funding : bool, default True
        Charge funding at every funding event on the position held at the event.
    price_for_funding : {"mark", "close"}, default "mark"
        Price of a funding payment ``qty * price * rate``. ``mark``: the mark
        price **at the event's time** (the open of the mark bar starting then,
        else the close of the mark bar ending then; event times are taken to
        the nearest second, as Binance stamps them a few ms late). An event
        at a bar's open or in a data gap without a mark at its time is paid at
        the last trade price known then (the close of the last bar ending at or
        before it; the first bar's open before that), with a
        :class:`~liqbt.errors.MarkPriceWarning` and the count in the result's
        ``conventions``. An event strictly inside a bar (bars longer than the
        funding interval, e.g. 08:00 and 16:00 on daily bars) without a mark at
        its time is a :class:`~liqbt.errors.ConfigError`: the last price known
        at its time is not in the bars. ``close``: always the close of the last
        bar ending at or before the event (for events inside a bar: the close
        before that bar, an approximation you choose explicitly).
    funding_at_entry : {"charge", "skip"}, default "charge"
        A position opened exactly at a funding time (a fill at a bar's open
        holding an event, or with ``execution="close"`` at a bar's close that
        is the next bar's open): ``charge`` pays that event, ``skip`` does not.
        A position closed exactly at a funding time pays it either way (it was
        held up to that instant). ``charge`` is the default because an order
        sent at the bar's open reaches the exchange within seconds of the
        funding timestamp, and Binance charges positions opened that close to
        it (freqtrade, whose backtests count both ends of a trade, treats a
        position opened up to 15 s after the hour as charged).
    execution : {"next_open", "close"}, default "next_open"
        ``next_open``: a signal on bar ``t``'s row fills at bar ``t+1``'s open.
        ``close``: it fills at bar ``t``'s close; only correct when the signal
        uses nothing of bar ``t`` beyond its close.
    liquidation : LiquidationConfig
        Liquidation of the strategy's own position.
    engine : {"liqbt", "vectorbt"}, default "liqbt"
        ``liqbt``: liqbt's kernel (leverage, liquidation, target prices, funding
        inside the simulation so sizing and liquidation see it).
        ``vectorbt``: vectorbt's ``Portfolio.from_signals`` with funding added
        afterwards as a cash-flow matrix (fast; leverage 1 only, no
        liquidation, no target prices, funding does not change later sizes).
    """

    config_key = "backtest"

    init_cash_usd: float = Field(default=10_000.0, gt=0.0, le=MAX_CASH_USD, allow_inf_nan=False)
    leverage: float = Field(default=1.0, ge=1.0, le=125.0)
    size: float = Field(default=1.0, gt=0.0, le=MAX_CASH_USD, allow_inf_nan=False)
    size_type: Literal["equity_fraction", "notional_usd"] = "equity_fraction"
    taker_fee_bps: float = Field(default=5.0, ge=0.0, lt=1_000.0)
    maker_fee_bps: float = Field(default=2.0, ge=-100.0, lt=1_000.0)
    slippage_bps: float = Field(default=1.0, ge=0.0, lt=1_000.0)
    funding: bool = True
    price_for_funding: Literal["mark", "close"] = "mark"
    funding_at_entry: Literal["charge", "skip"] = "charge"
    execution: Literal["next_open", "close"] = "next_open"
    liquidation: LiquidationConfig = LiquidationConfig()
    engine: Literal["liqbt", "vectorbt"] = "liqbt"

    @model_validator(mode="after")
    def _check(self) -> "BacktestConfig":
        if self.size_type == "equity_fraction" and self.size > 1.0:
            raise ValueError(f"size as equity_fraction must be in (0, 1], found {self.size}")
        if self.engine == "vectorbt" and self.leverage != 1.0:
            raise ValueError(f"engine 'vectorbt' cannot borrow: leverage must be 1, found {self.leverage}; "
                             "use engine 'liqbt'")
        return self

    @property
    def taker_fee(self) -> float:
        """Taker fee as a fraction."""
        return self.taker_fee_bps * 1e-4

    @property
    def maker_fee(self) -> float:
        """Maker fee as a fraction."""
        return self.maker_fee_bps * 1e-4

    @property
    def slippage(self) -> float:
        """Slippage as a fraction."""
        return self.slippage_bps * 1e-4
