"""Backtest configuration: costs, leverage, liquidation, funding, execution timing.

Every field has a default and carries its unit in its name or docstring.
Costs are on by default; turning one off takes an explicit zero.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, model_validator

from ..config.base import FrozenModel
from ..margin import BTCUSDT_DEFAULT, BracketTable, constant_mmr_table

__all__ = ["BacktestConfig", "LiquidationConfig"]


class LiquidationConfig(FrozenModel):
    """Isolated-margin liquidation of the strategy's own position.

    Parameters
    ----------
    enabled : bool, default True
        Check the position against its liquidation price every bar.
    brackets : BracketTable, optional
        Maintenance-margin brackets (:mod:`liqbt.margin`). Default: the dated
        BTCUSDT table ``liqbt.margin.BTCUSDT_DEFAULT``. Ignored when
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
        market has them at the bar size (``mark_high/mark_low``), else the
        trade high/low (stated in the result's ``liquidation_trigger``). "last"
        always uses the trade high/low.
    """

    enabled: bool = True
    brackets: Optional[BracketTable] = None
    maintenance_margin_rate: Optional[float] = Field(default=None, ge=0.0, lt=1.0)
    liquidation_fee_rate: float = Field(default=0.005, ge=0.0, lt=1.0)
    trigger: Literal["mark", "last"] = "mark"

    def table(self) -> BracketTable:
        """The bracket table in force (constant rate, given table or the BTCUSDT default)."""
        if self.maintenance_margin_rate is not None:
            return constant_mmr_table(self.maintenance_margin_rate)
        return self.brackets if self.brackets is not None else BTCUSDT_DEFAULT


class BacktestConfig(FrozenModel):
    """How signals become fills, costs, funding and liquidations.

    Parameters
    ----------
    init_cash_usd : float, default 10_000
        Starting equity per column, USD.
    leverage : float, default 1
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
        Taker fee, basis points of the fill notional (Binance USDⓈ-M VIP0:
        0.05 %). Charged on market entries/exits, stop-loss and take-profit
        (stop-market) exits and liquidations.
    maker_fee_bps : float, default 2.0
        Maker fee, basis points (Binance VIP0: 0.02 %). Charged on target-price
        exits filled inside a bar (resting limit orders).
    slippage_bps : float, default 1.0
        Adverse slippage on market and stop fills, basis points of the price
        (buys fill higher, sells lower). Not applied to limit (target) fills or
        to liquidation fills, which happen at the liquidation price.
    funding : bool, default True
        Charge funding at every funding event on the position held at the event.
    price_for_funding : {"mark", "close"}, default "mark"
        Price of a funding payment ``qty * price * rate``. ``mark``: the
        market's ``mark_price`` of the bar holding the event (the last mark
        known at the bar's open); where it is missing, the previous bar's close
        (the last trade price known at the event; the first bar's open for bar
        0). ``close``: always that previous close.
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

    init_cash_usd: float = Field(default=10_000.0, gt=0.0)
    leverage: float = Field(default=1.0, ge=1.0, le=125.0)
    size: float = Field(default=1.0, gt=0.0)
    size_type: Literal["equity_fraction", "notional_usd"] = "equity_fraction"
    taker_fee_bps: float = Field(default=5.0, ge=0.0, lt=1_000.0)
    maker_fee_bps: float = Field(default=2.0, ge=-100.0, lt=1_000.0)
    slippage_bps: float = Field(default=1.0, ge=0.0, lt=1_000.0)
    funding: bool = True
    price_for_funding: Literal["mark", "close"] = "mark"
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
