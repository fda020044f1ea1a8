"""The HTML report of one run: stats, PnL split, heatmap with trades, equity and drawdown, trade list."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .html import image_tag, page, table, text, write_page

__all__ = ["write_run_report"]


def write_run_report(run, paths: dict[str, Path], path: Path, *, title: str | None = None) -> Path:
    stats = run.stats.iloc[0]
    headline = pd.DataFrame({"value": [stats[k] for k in (
        "total_return", "sharpe_ratio", "sortino_ratio", "calmar_ratio", "max_drawdown", "trades", "win_rate",
        "exposure", "liquidations")]}, index=pd.Index(["total return", "Sharpe", "Sortino", "Calmar", "max drawdown",
                                                        "trades", "win rate", "exposure", "liquidations"],
                                                       name="statistic"))
    split = pd.DataFrame({"USD": [stats["pnl_price_usd"], stats["pnl_funding_usd"], stats["pnl_fees_usd"],
                                  stats["pnl_usd"]]},
                         index=pd.Index(["price", "funding", "fees", "total"], name="PnL"))
    costs = pd.DataFrame({"USD": [stats["funding_paid_usd"], stats["funding_received_usd"], stats["fees_paid_usd"],
                                  stats["liquidation_fees_usd"]]},
                         index=pd.Index(["funding paid", "funding received", "fees paid", "of which liquidation"],
                                        name="cost"))
    params = pd.DataFrame({"value": list(run.strategy.get_params().values())},
                          index=pd.Index(list(run.strategy.get_params()), name="parameter"))
    market = run.market
    sections = [
        ("", f'<p class="note">{text(market.symbol)} on {text(market.venue)}, {len(market):,} bars from '
             f"{text(market.start)} to {text(market.end)}; strategy <b>{text(run.config.strategy.name)}</b>; "
             "costs: taker "
             f"{run.config.backtest.taker_fee_bps} bps, maker {run.config.backtest.maker_fee_bps} bps, slippage "
             f"{run.config.backtest.slippage_bps} bps, funding {'on' if run.config.backtest.funding else 'OFF'}, "
             f"leverage {run.config.backtest.leverage}x.</p>"),
        ("Summary", table(headline)),
        ("PnL split", table(split) + table(costs)),
        ("Parameters", table(params)),
    ]
    if run.baselines is not None:
        base = run.baselines.copy()
        base.index.name = "variant"
        sections.append(("Against the baselines (same costs)", table(base) + (
            '<p class="note">placebo_*: the same logic on clusters placed at random distances drawn from the real '
            'ones seen so far; sr: plain swing support/resistance instead of the heatmap; buy_and_hold: long '
            'throughout. An edge must stand out of the placebo spread.</p>')))
    for key, image in paths.items():
        if key.startswith("heatmap_"):
            sections.append((f"Heatmap '{key[8:]}' with the strategy's fills", image_tag(image, key)))
    sections.append(("Equity and drawdown", image_tag(paths["equity"], "equity")))
    fills = run.backtest.fills()
    sections.append((f"Fills ({len(fills):,})", table(fills, index=False)))
    return write_page(path, page(title or f"liqbt run: {run.config.name or run.config.strategy.name}", sections))
