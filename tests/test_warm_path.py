"""The default run path imports no vectorbt (issue #14: warm quickstart <= 4 s), and the numbers it computes
without it (``BacktestResult.accounts``) equal those read through ``result.portfolio`` (vectorbt) to the bit:
on the quickstart, on a real BTCUSDT slice with several columns, leverage, liquidations and funding, and
with engine ``vectorbt``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqbt.backtest import BacktestConfig, LiquidationConfig, Signals, run_backtest
from liqbt.backtest.trades import equity_table, trade_records
from liqbt.backtest.trades_nb import funding_by_bar_nb, trades_from_orders_nb
from test_reports import btc, quiet_backtest  # noqa: F401  (btc is a fixture)

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# `liqbt run` of the quickstart (on its first 10 days) in a fresh interpreter: load, heatmaps, strategy,
# backtest, baselines and judgement, every output file and the results store
PROBE = """
import json, sys
import liqbt.cli.main
assert liqbt.cli.main.main(["run", sys.argv[1], "--out", sys.argv[2], "--quiet"]) == 0
print(json.dumps(sorted(m for m in ("vectorbt", "plotly", "sklearn", "liqbt.backtest.portfolio",
                                     "liqbt.data.inspect") if m in sys.modules)))
"""


def test_the_quickstart_run_imports_no_vectorbt(tmp_path):
    config = tmp_path / "quickstart.yaml"
    text = (PROJECT_ROOT / "configs" / "quickstart.yaml").read_text()
    assert "bars: 25920" in text and "dir: ../out/quickstart" in text
    config.write_text(text.replace("bars: 25920", "bars: 2880").replace("dir: ../out/quickstart", "dir: out"))
    proc = subprocess.run([sys.executable, "-c", PROBE, str(config), str(tmp_path / "out")], capture_output=True,
                          text=True, cwd=PROJECT_ROOT)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
    assert {"stats.json", "equity.csv", "trades.csv", "report.html", "results.sqlite"} <= {
        p.name for p in (tmp_path / "out").iterdir()}


def through_portfolio(result) -> dict[str, np.ndarray]:
    """What vectorbt's Portfolio (``result.portfolio``) says, as (n, m) or (m,) float arrays."""
    pf = result.portfolio
    n = len(pf.wrapper.index)

    def bars(x):
        return np.asarray(x, dtype=np.float64).reshape(n, -1)

    def per_column(x):
        return np.asarray(x, dtype=np.float64).reshape(-1)

    return {"returns": bars(pf.returns()), "value": bars(pf.value()), "cash": bars(pf.cash()),
            "assets": bars(pf.assets()), "asset_value": bars(pf.asset_value()),
            "total_profit": per_column(pf.total_profit()), "total_return": per_column(pf.total_return()),
            "exposure": per_column(pf.position_coverage()), "trades": per_column(pf.trades.count()),
            "win_rate": per_column(pf.trades.closed.win_rate()), "sharpe_ratio": per_column(pf.sharpe_ratio()),
            "sortino_ratio": per_column(pf.sortino_ratio()), "calmar_ratio": per_column(pf.calmar_ratio()),
            "max_drawdown": -per_column(pf.max_drawdown()), "ann_factor": np.float64(pf.returns_acc.ann_factor)}


def assert_equal_to_the_portfolio(result):
    """Every number of the accounts, stats, equity and trades equals the one read through vectorbt."""
    built_before = "portfolio" in result.__dict__
    acc, stats = result.accounts, result.stats()
    ours = {"returns": acc.returns(), "value": acc.value(), "cash": acc.cash(), "assets": acc.assets(),
            "asset_value": acc.asset_value(), "total_profit": acc.total_profit(),
            "total_return": stats["total_return"].to_numpy(), "exposure": stats["exposure"].to_numpy(),
            "trades": stats["trades"].to_numpy(np.float64), "win_rate": stats["win_rate"].to_numpy(),
            "ann_factor": np.float64(acc.ann_factor),
            **{k: stats[k].to_numpy() for k in ("sharpe_ratio", "sortino_ratio", "calmar_ratio", "max_drawdown")}}
    assert built_before == (result.config.engine == "vectorbt")  # engine liqbt: built on first access only
    theirs = through_portfolio(result)
    for name, value in theirs.items():
        assert np.array_equal(ours[name], value, equal_nan=True), name
    np.testing.assert_array_equal(stats["pnl_usd"].to_numpy(), theirs["total_profit"])
    np.testing.assert_array_equal(stats["end_value_usd"].to_numpy(), acc.init_cash + theirs["total_profit"])
    pd.testing.assert_series_equal(result.returns(), result.portfolio.returns(), check_exact=True) \
        if acc.ndim == 1 else pd.testing.assert_frame_equal(result.returns(), result.portfolio.returns(),
                                                             check_exact=True)
    for j, column in enumerate(acc.columns):
        equity = equity_table(result, column)
        assert np.array_equal(equity["equity_usd"].to_numpy(), theirs["value"][:, j])
        assert np.array_equal(equity["position_coins"].to_numpy(), theirs["assets"][:, j])
        assert np.array_equal(equity["position_value_usd"].to_numpy(), theirs["asset_value"][:, j])
        assert np.array_equal(equity["cash_usd"].to_numpy(), theirs["value"][:, j] - theirs["asset_value"][:, j])
    # the trade table's records, from the portfolio's closes and funding as before
    pf = result.portfolio
    close = np.asarray(pf.close, dtype=np.float64).reshape(len(pf.wrapper.index), -1)
    funding = result.order_funding if result.order_funding is not None else np.zeros(len(pf.order_records))
    records = trades_from_orders_nb(pf.order_records, np.asarray(result.fill_reasons, dtype=np.int64), funding,
                                    np.ascontiguousarray(close[-1]), close.shape[0] - 1)
    if result.order_funding is None and len(records):
        records = funding_by_bar_nb(records, pf.funding_bars, np.ascontiguousarray(pf.funding_flow_compact))
    assert np.array_equal(trade_records(result), records)


def test_the_quickstart_and_its_benchmark_equal_vectorbt_to_the_bit():
    from liqbt.pipeline import run_experiment

    run = run_experiment(PROJECT_ROOT / "configs" / "quickstart.yaml")
    for result in (run.backtest, run.benchmark):
        assert_equal_to_the_portfolio(result)
    assert np.array_equal(run.judgement.returns["heatmap"].to_numpy(), run.backtest.portfolio.returns().to_numpy())


@pytest.fixture(scope="module")
def btc_slice(btc):  # noqa: F811
    return btc.slice(btc.index[0], btc.index[0] + pd.Timedelta(days=60))


def grid(market, m: int = 8, seed: int = 11) -> Signals:
    """m columns trading often, long and short, with reversals, exits and stops on half of them."""
    rng = np.random.default_rng(seed)
    n = len(market)
    cols = pd.Index([f"c{j}" for j in range(m)], name="param")
    frame = lambda a: pd.DataFrame(a, index=market.index, columns=cols)  # noqa: E731
    sl = np.where(np.arange(m) % 2 == 0, 0.03, np.nan)[None, :].repeat(n, 0)
    return Signals(long_entries=frame(rng.random((n, m)) < 0.004), long_exits=frame(rng.random((n, m)) < 0.002),
                   short_entries=frame(rng.random((n, m)) < 0.004), short_exits=frame(rng.random((n, m)) < 0.002),
                   sl_stop=frame(sl), tp_stop=0.05)


@pytest.mark.real_data
def test_a_leveraged_real_grid_with_liquidations_and_funding_equals_vectorbt_to_the_bit(btc_slice):
    config = BacktestConfig(leverage=25, size=0.9, liquidation=LiquidationConfig(trigger="last"))
    result = quiet_backtest(btc_slice, grid(btc_slice), config)
    assert len(result.liquidations) > 0 and (result.funding.to_numpy() != 0).any()
    assert (result.accounts.trade_count() > 3).all()
    assert_equal_to_the_portfolio(result)


@pytest.mark.real_data
def test_engine_vectorbt_equals_its_own_portfolio_to_the_bit(btc_slice):
    # the argument types of test_backtest_grid's engine test (2-D, no stops): vectorbt's simulation, which
    # compiles in every process, is compiled once for both
    rng = np.random.default_rng(5)
    frame = lambda: pd.DataFrame(rng.random((len(btc_slice), 4)) < 0.004, index=btc_slice.index)  # noqa: E731
    config = BacktestConfig(engine="vectorbt", size_type="notional_usd", size=4_000.0,
                            liquidation=LiquidationConfig(enabled=False))
    result = run_backtest(btc_slice, Signals(frame(), frame(), frame(), frame()), config)  # with reversals
    assert (result.funding.to_numpy() != 0).any() and (result.accounts.trade_count() > 3).all()
    assert_equal_to_the_portfolio(result)


def test_a_column_without_orders_and_a_column_never_closed():
    from test_backtest_reference import random_market

    market = random_market(0)
    n = len(market)
    le = np.zeros((n, 3), dtype=bool)
    le[5, 1] = le[5, 2] = True
    lx = np.zeros((n, 3), dtype=bool)
    lx[40, 2] = True
    frame = lambda a: pd.DataFrame(a, index=market.index, columns=["none", "open", "closed"])  # noqa: E731
    result = quiet_backtest(market, Signals(long_entries=frame(le), long_exits=frame(lx)),
                            BacktestConfig(leverage=2, price_for_funding="close"))
    assert list(result.accounts.trade_count()) == [0, 1, 1]
    assert np.isnan(result.accounts.win_rate()[:2]).all()
    assert_equal_to_the_portfolio(result)


def test_hand_orders_with_adds_partial_exits_reversals_and_rounding_equal_vectorbt():
    """Orders no engine of liqbt makes (adds, partial exits, two orders on one bar, a sum that rounds to
    zero) replayed by the accounts and by vectorbt's Portfolio from the same records."""
    from vectorbt.base.array_wrapper import ArrayWrapper
    from vectorbt.portfolio.enums import log_dt

    from liqbt.backtest.accounting import Accounts
    from liqbt.backtest.enums import order_dt
    from liqbt.backtest.portfolio import PerpPortfolio

    rows = [  # (col, idx, size, price, fees, side 0 buy / 1 sell)
        (0, 1, 1.0, 100.0, 0.1, 0), (0, 2, 0.5, 101.0, 0.05, 0), (0, 4, 0.7, 103.0, 0.07, 1),
        (0, 4, 2.3, 103.0, 0.2, 1), (0, 6, 1.5, 99.0, 0.1, 0), (0, 8, 1.0, 98.0, 0.0, 0),
        (1, 0, 0.3, 100.0, 0.0, 1), (1, 3, 0.3 + 1e-13, 100.0, 0.0, 0), (1, 5, 2.0, 102.0, 0.3, 1),
        (1, 7, 1.0, 101.0, 0.1, 0),
    ]
    orders = np.array([(k, *row) for k, row in enumerate(rows)], dtype=order_dt)
    n, m = 10, 3  # column 2 never trades
    close = 100.0 + np.sin(np.arange(n))
    index = pd.date_range("2025-01-01", periods=n, freq="1h")
    columns = pd.Index(["a", "b", "c"])
    fund_bars = np.array([2, 5, 8])
    flow = np.array([[-0.5, 0.2, 0.0], [0.1, -0.3, 0.0], [-0.2, 0.0, 0.0]])
    acc = Accounts(orders, close, 1_000.0, fund_bars, flow, index, columns, 2, pd.Timedelta("1h"))
    pf = PerpPortfolio(ArrayWrapper(index=index, columns=columns, ndim=2, freq="1h"),
                       pd.DataFrame(np.repeat(close[:, None], m, 1), index=index, columns=columns), orders,
                       np.empty(0, dtype=log_dt), np.full(m, 1_000.0), False, funding_bars=fund_bars,
                       funding_flow=flow)
    for ours, theirs in [(acc.assets(), pf.assets()), (acc.cash(), pf.cash()), (acc.value(), pf.value()),
                         (acc.asset_value(), pf.asset_value()), (acc.returns(), pf.returns()),
                         (acc.total_profit(), pf.total_profit()), (acc.position_coverage(), pf.position_coverage()),
                         (acc.trade_count(), pf.trades.count()), (acc.win_rate(), pf.trades.closed.win_rate())]:
        assert np.array_equal(ours, np.asarray(theirs, dtype=np.float64), equal_nan=True)
    assert acc.assets()[3, 1] == 0.0  # -0.3 + (0.3 + 1e-13) rounds to flat, as vectorbt's add_nb does
    assert list(acc.trade_count()) == [4, 3, 0]
