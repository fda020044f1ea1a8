"""The HTML report of one run: stats, PnL split, heatmap with trades, equity and drawdown, trade list."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..backtest.stats import count_values
from .html import embedded_page, image_tag, page, table, text, write_page

__all__ = ["write_run_report"]


def write_run_report(run, paths: dict[str, Path], path: Path, *, title: str | None = None) -> Path:
    # column by column: a row of the mixed frame (iloc[0]) would turn the integer counts into floats
    stats = {k: run.stats[k].iloc[0] for k in run.stats.columns}
    headline = pd.DataFrame({"value": pd.Series([stats[k] for k in (
        "total_return", "sharpe_ratio", "sortino_ratio", "calmar_ratio", "max_drawdown", "trades", "win_rate",
        "exposure", "liquidations")], dtype=object)}).set_axis(
        pd.Index(["total return", "Sharpe", "Sortino", "Calmar", "max drawdown", "trades", "win rate", "exposure",
                  "liquidations"], name="statistic"))
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
        base["trades"] = count_values(base["trades"])  # 66, not 66.0000
        base.index.name = "variant"
        sections.append(("Against the baselines (same costs)", table(base) + (
            '<p class="note">placebo_*: the same logic on clusters placed at random distances drawn from the real '
            'ones seen so far; sr: plain swing support/resistance instead of the heatmap; buy_and_hold: long '
            'throughout. An edge must stand out of the placebo spread.</p>')))
    if "heatmap_html" in paths:
        sections.append(("Heatmap with the strategy's trades (interactive)", embedded_page(paths["heatmap_html"]) + (
            '<p class="note">The same page as heatmap.html: wheel to zoom, drag to pan, hover a band or a trade. '
            "Triangles are entries (up: long, down: short), dots are exits coloured by net PnL.</p>")))
    for key, image in paths.items():
        if key.startswith("heatmap_") and key != "heatmap_html":
            sections.append((f"Heatmap '{key[8:]}' with the strategy's fills", image_tag(image, key)))
    sections.append(("Equity and drawdown", image_tag(paths["equity"], "equity") + (
        '<p class="note">Dashed: buy-and-hold with the same leverage and costs, the run of the table\'s '
        'buy_and_hold row. Per bar in equity.csv.</p>')))
    trades = run.backtest.trades().drop(columns="column")
    sections.append((f"Trades ({len(trades):,})", table(trades, index=False) + (
        '<p class="note">One row per trade, in trades.csv; every order in fills.csv. net_pnl_usd = '
        "pnl_price_usd + pnl_funding_usd + pnl_fees_usd; a trade still open at the end is valued at the last "
        "close (end_of_data).</p>")))
    return write_page(path, page(title or f"liqbt run: {run.config.name or run.config.strategy.name}", sections))
