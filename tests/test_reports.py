"""Run reports a trader can use (issue #15 item 4): trades with their PnL split, equity per bar, integer
counts, the buy-and-hold line of the table's own run, readable parameter maps."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import shared_path
from liqbt.backtest import BacktestConfig, LiquidationConfig, Signals, run_backtest
from liqbt.backtest.trades import EQUITY_COLUMNS, TRADE_COLUMNS
from test_backtest_hand import BARS, flags
from test_backtest_reference import make_market

COSTS = dict(taker_fee_bps=10.0, maker_fee_bps=0.0, slippage_bps=0.0, size_type="notional_usd", size=10_000.0)
ENGINES = ["liqbt", "vectorbt"]


def quiet_backtest(market, signals, config):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no mark price in the hand markets: the fallbacks are stated, not tested
        return run_backtest(market, signals, config)


def signal(market, *rows):
    return pd.Series(flags(len(market), *rows), index=market.index)


def final_equity(result) -> float:
    return float(np.asarray(result.portfolio.value()).reshape(len(result.portfolio.wrapper.index), -1)[-1, 0])


# ------------------------------------------------------------------ trades: hand cases
@pytest.mark.parametrize("engine", ENGINES)
def test_a_long_then_an_open_short_split_price_funding_and_fees(engine):
    # long signal on row 0 fills at bar 1's open (100), exit on row 3 at bar 4's open (103); funding 0.1 %
    # at bar 3's open (102) is paid by the long; a short opens at bar 5's open (104) and is still open
    market = make_market(BARS, funding={3: 0.001})
    sig = Signals(long_entries=signal(market, 0), long_exits=signal(market, 3), short_entries=signal(market, 4))
    result = quiet_backtest(market, sig, BacktestConfig(**COSTS, engine=engine))
    trades = result.trades()
    assert list(trades.columns) == list(TRADE_COLUMNS)
    q1 = 10_000 / (100 * 1.001)  # the notional is capped so that margin + fee fit the 10,000 USD cash
    q2 = 10_000 / 104
    long, short = trades.iloc[0], trades.iloc[1]
    assert (long["side"], long["exit_reason"], long["bars_held"]) == ("long", "signal", 3)
    assert (long["entry_price"], long["exit_price"]) == (100.0, 103.0)
    assert long["size_coins"] == pytest.approx(q1, rel=1e-12)
    assert long["notional_usd"] == pytest.approx(100 * q1, rel=1e-12)
    assert long["pnl_price_usd"] == pytest.approx(3 * q1, rel=1e-12)
    assert long["pnl_funding_usd"] == pytest.approx(-q1 * 102 * 0.001, rel=1e-12)
    assert long["pnl_fees_usd"] == pytest.approx(-q1 * (100 + 103) * 0.001, rel=1e-12)
    assert long["net_pnl_usd"] == pytest.approx(q1 * (3 - 0.102 - 0.203), rel=1e-12)
    assert str(long["entry_time"]) == "2024-01-01 01:00:00+00:00" and str(long["exit_time"]) == \
        "2024-01-01 04:00:00+00:00"
    assert (short["side"], short["exit_reason"], short["exit_price"]) == ("short", "end_of_data", 104.0)
    assert short["size_coins"] == pytest.approx(q2, rel=1e-12)
    assert (short["pnl_price_usd"], short["pnl_funding_usd"]) == (0.0, 0.0)
    assert short["net_pnl_usd"] == pytest.approx(-10.0, abs=1e-9)  # its entry fee
    assert trades["net_pnl_usd"].sum() == pytest.approx(final_equity(result) - 10_000, abs=1e-6)


def test_funding_at_a_reversal_is_booked_to_the_position_that_paid_it():
    # long from bar 1; a short entry on row 3 reverses at bar 4's open (103), the instant of a funding event:
    # the long pays it (held until then) and, funding_at_entry "charge", the new short receives it
    market = make_market(BARS, funding={4: 0.001})
    sig = Signals(long_entries=signal(market, 0), short_entries=signal(market, 3))
    result = quiet_backtest(market, sig, BacktestConfig(**COSTS))
    trades = result.trades()
    assert trades["side"].tolist() == ["long", "short"]
    q1, q2 = trades["size_coins"]
    assert trades["pnl_funding_usd"].tolist() == pytest.approx([-q1 * 103 * 0.001, q2 * 103 * 0.001], rel=1e-12)
    assert trades["pnl_funding_usd"].sum() == pytest.approx(float(result.funding.sum().iloc[0]), abs=1e-9)
    assert trades["net_pnl_usd"].sum() == pytest.approx(final_equity(result) - 10_000, abs=1e-6)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_stop_and_a_liquidation_are_exit_reasons(engine):
    from test_backtest_hand import LIQ_BARS

    market = make_market(LIQ_BARS)
    sig = Signals(long_entries=signal(market, 0), sl_stop=0.02)
    result = quiet_backtest(market, sig, BacktestConfig(**COSTS, engine=engine))
    expected = "stop_loss" if engine == "liqbt" else "signal"  # vectorbt's orders do not say why they filled
    assert result.trades()["exit_reason"].tolist() == [expected]
    if engine == "liqbt":
        lev = quiet_backtest(market, Signals(long_entries=signal(market, 0)),
                             BacktestConfig(**{**COSTS, "size_type": "equity_fraction", "size": 1.0}, leverage=10,
                                            liquidation=LiquidationConfig(trigger="last")))
        trades = lev.trades()
        assert trades["exit_reason"].tolist() == ["liquidation"]
        assert trades["net_pnl_usd"].sum() == pytest.approx(final_equity(lev) - 10_000, abs=1e-6)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_one_order_reversal_splits_size_and_fee_between_two_trades(engine):
    market = make_market(BARS)
    sig = Signals(long_entries=signal(market, 0), short_entries=signal(market, 2), short_exits=signal(market, 4))
    result = quiet_backtest(market, sig, BacktestConfig(**COSTS, engine=engine))
    trades = result.trades()
    assert trades["side"].tolist() == ["long", "short"]
    assert trades["exit_reason"].tolist() == ["signal", "signal"]
    assert trades["exit_time"].iloc[0] == trades["entry_time"].iloc[1]
    fees = result.portfolio.order_records["fees"].sum()
    assert -trades["pnl_fees_usd"].sum() == pytest.approx(fees, rel=1e-12)
    assert trades["net_pnl_usd"].sum() == pytest.approx(final_equity(result) - 10_000, abs=1e-6)


def test_equity_table_columns_and_drawdown():
    market = make_market(BARS, funding={3: 0.001})
    sig = Signals(long_entries=signal(market, 0), long_exits=signal(market, 3), short_entries=signal(market, 4))
    result = quiet_backtest(market, sig, BacktestConfig(**COSTS))
    equity = result.equity()
    assert list(equity.columns) == list(EQUITY_COLUMNS) and equity.index.equals(market.index)
    value = result.portfolio.value().to_numpy()
    assert equity["equity_usd"].to_numpy() == pytest.approx(value, abs=1e-9)
    assert (equity["cash_usd"] + equity["position_value_usd"]).to_numpy() == pytest.approx(value, abs=1e-9)
    assert equity["position_coins"].iloc[2] == pytest.approx(10_000 / 100.1, rel=1e-12)
    assert equity["drawdown"].max() == pytest.approx(float(result.stats()["max_drawdown"].iloc[0]), abs=1e-12)
    assert equity["drawdown"].iloc[:4].tolist() == [0.0, 0.0, 0.0, 0.0]


# ------------------------------------------------------------------ trades and equity: real data
@pytest.fixture(scope="module")
def btc():
    from liqbt.data import load_freqtrade

    return load_freqtrade(shared_path("binance-um", "futures"), "BTC/USDT:USDT", "5m")


def churn(market, every: int = 288) -> Signals:
    """Deterministic busy signals: alternate long and short entries every ``every`` bars (reversals), an exit
    signal half-way through every third one, 2 % stops and 3 % take-profits."""
    n = len(market)
    le, se, lx, sx = (np.zeros(n, dtype=bool) for _ in range(4))
    for k, row in enumerate(range(0, n - 1, every)):
        (le if k % 2 == 0 else se)[row] = True
        if k % 3 == 0 and row + every // 2 < n:
            (lx if k % 2 == 0 else sx)[row + every // 2] = True
    s = {name: pd.Series(a, index=market.index) for name, a in
         (("long_entries", le), ("short_entries", se), ("long_exits", lx), ("short_exits", sx))}
    return Signals(**s, sl_stop=0.02, tp_stop=0.03)


@pytest.mark.real_data
@pytest.mark.parametrize("engine", ENGINES)
def test_trades_sum_to_the_final_equity_on_a_year_of_real_btc(btc, engine):
    if engine == "liqbt":  # 5x, liquidation on
        config = BacktestConfig(leverage=5, size=0.5, liquidation=LiquidationConfig(trigger="last"))
    else:  # vectorbt's engine neither borrows nor reverses an equity fraction
        config = BacktestConfig(engine=engine, size_type="notional_usd", size=5_000.0)
    result = quiet_backtest(btc, churn(btc), config)
    trades = result.trades()
    stats = result.stats().iloc[0]
    assert len(trades) == int(result.stats()["trades"].iloc[0]) > 400
    assert trades["net_pnl_usd"].sum() == pytest.approx(final_equity(result) - config.init_cash_usd, abs=1e-6)
    for part in ("price", "funding", "fees"):
        assert trades[f"pnl_{part}_usd"].sum() == pytest.approx(stats[f"pnl_{part}_usd"], abs=1e-6)
    assert set(trades["exit_reason"]) >= ({"signal", "stop_loss", "take_profit"} if engine == "liqbt"
                                          else {"signal"})
    assert (trades["exit_time"] >= trades["entry_time"]).all()
    equity = result.equity()
    assert equity["equity_usd"].iloc[-1] == pytest.approx(final_equity(result), abs=1e-9)
    assert equity["drawdown"].max() == pytest.approx(stats["max_drawdown"], abs=1e-12)


@pytest.mark.real_data
def test_trades_and_equity_up_to_a_cut_do_not_change_when_later_bars_are_removed(btc):
    market = btc.head(20_000)
    sig = churn(market)
    config = BacktestConfig(leverage=3, size=0.5, liquidation=LiquidationConfig(trigger="last"))
    full = quiet_backtest(market, sig, config)
    cut = 12_345
    part = quiet_backtest(market.head(cut), Signals(**{k: getattr(sig, k).iloc[:cut] for k in (
        "long_entries", "short_entries", "long_exits", "short_exits")}, sl_stop=0.02, tp_stop=0.03), config)
    pd.testing.assert_frame_equal(part.equity(), full.equity().iloc[:cut])
    done = part.trades()
    done = done[done["exit_reason"] != "end_of_data"]
    pd.testing.assert_frame_equal(done, full.trades().iloc[:len(done)])


# ------------------------------------------------------------------ the run's files: real data, through the pipeline
class Cells:
    """The text of every ``<td>`` row of an HTML page, keyed by the row's first cell."""

    def __init__(self, text: str):
        from html.parser import HTMLParser

        rows: dict[str, list[str]] = {}

        class Parser(HTMLParser):
            row: list[str] | None = None
            cell: list[str] | None = None

            def handle_starttag(self, tag, attrs):
                if tag == "tr":
                    self.row = []
                elif tag == "td":
                    self.cell = []

            def handle_endtag(self, tag):
                if tag == "td" and self.row is not None and self.cell is not None:
                    self.row.append("".join(self.cell))
                    self.cell = None
                elif tag == "tr" and self.row:
                    rows.setdefault(self.row[0], self.row[1:])
                    self.row = None

            def handle_data(self, data):
                if self.cell is not None:
                    self.cell.append(data)

        Parser().feed(text)
        self.rows = rows


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    """``liqbt run``'s files for buy-and-hold on real BTCUSDT 5m at 2x leverage (baselines on)."""
    from liqbt.config import load_config
    from liqbt.pipeline import run_experiment, write_run
    from liqbt.plots import equity_png

    folder = tmp_path_factory.mktemp("real_run")
    (folder / "c.yaml").write_text(f"""
name: hold_2x
data:
  symbol: BTCUSDT
  venue: binance
  start: 2025-06-01T00:00:00
  sources:
    - {{format: freqtrade, path: {shared_path('binance-um', 'futures')}, pair: "BTC/USDT:USDT", timeframe: 5m,
        parts: [candles, funding, mark]}}
strategy: {{name: buy_and_hold}}
backtest: {{leverage: 2, liquidation: {{trigger: last}}}}
output: {{dir: out}}
""")
    drawn = {}
    original = equity_png.save_png

    def capture(fig, path, **kw):  # the lines the PNG draws, before it is rendered
        drawn.update({line.get_label(): line.get_ydata() for line in fig.axes[0].lines})
        return original(fig, path, **kw)

    with warnings.catch_warnings(), pytest.MonkeyPatch.context() as mp:
        warnings.simplefilter("ignore")
        mp.setattr(equity_png, "save_png", capture)
        run = run_experiment(load_config(folder / "c.yaml"))
        paths = write_run(run, folder / "out")
    return run, paths, drawn


@pytest.mark.real_data
def test_trades_csv_has_the_pnl_split_and_sums_to_the_final_equity(real_run):
    run, paths, _ = real_run
    trades = pd.read_csv(paths["trades"])
    equity = pd.read_csv(paths["equity_csv"], index_col="time")
    assert list(trades.columns) == list(TRADE_COLUMNS)
    assert trades["exit_reason"].tolist() == ["end_of_data"] and trades["side"].tolist() == ["long"]
    init = run.config.backtest.init_cash_usd
    assert trades["net_pnl_usd"].sum() == pytest.approx(equity["equity_usd"].iloc[-1] - init, abs=1e-6)
    assert trades["net_pnl_usd"].sum() == pytest.approx(float(run.stats["pnl_usd"].iloc[0]), abs=1e-6)
    assert trades["pnl_funding_usd"].iloc[0] < 0  # a long paid funding over the year
    assert len(pd.read_csv(paths["fills"])) == 1  # the orders, one row each


@pytest.mark.real_data
def test_equity_csv_is_written_per_bar_with_drawdown(real_run):
    run, paths, _ = real_run
    equity = pd.read_csv(paths["equity_csv"], index_col="time", parse_dates=["time"])
    assert list(equity.columns) == [*EQUITY_COLUMNS, "buy_and_hold_usd"]
    assert len(equity) == len(run.market) and equity.index[0] == run.market.index[0]
    assert equity["drawdown"].max() == pytest.approx(float(run.stats["max_drawdown"].iloc[0]), abs=1e-12)
    assert (equity["drawdown"] >= 0).all()


@pytest.mark.real_data
def test_the_buy_and_hold_line_is_the_run_of_its_table_row(real_run):
    run, paths, drawn = real_run
    table = pd.read_csv(paths["baselines"], index_col="variant")
    final = run.config.backtest.init_cash_usd * (1 + table.loc["buy_and_hold", "total_return"])
    line = drawn["buy and hold (2x, same costs)"]
    assert line[-1] == pytest.approx(final, rel=1e-12)
    equity = pd.read_csv(paths["equity_csv"], index_col="time")
    assert equity["buy_and_hold_usd"].iloc[-1] == pytest.approx(final, rel=1e-12)
    # the strategy is buy-and-hold at 2x too: both lines are the same run, not a 1x price line beside it
    assert equity["buy_and_hold_usd"].to_numpy() == pytest.approx(equity["equity_usd"].to_numpy(), rel=1e-12)
    close = run.market.bars["close"]
    one_x = run.config.backtest.init_cash_usd * close.iloc[-1] / close.iloc[0]
    assert abs(final - one_x) > 100


@pytest.mark.real_data
def test_counts_are_integers_in_the_report_the_printed_table_and_baselines_csv(real_run):
    import csv

    from liqbt.cli.run_cmd import format_baselines

    run, paths, _ = real_run
    cells = Cells(paths["report"].read_text()).rows
    assert cells["trades"] == ["1"] and cells["liquidations"] == ["0"]
    with open(paths["baselines"], newline="") as f:
        trades = {row["variant"]: row["trades"] for row in csv.DictReader(f)}
    assert trades == {"strategy": "1", "placebo": "", "sr": "", "buy_and_hold": "1"}
    printed = format_baselines(run.baselines).splitlines()
    assert printed[0].split()[-1] == "trades"
    assert [line.split()[-1] for line in printed[1:5]] == ["1", "-", "-", "1"]


# ------------------------------------------------------------------ sweep parameter maps
def tick_texts(fig, axis: str) -> list[str]:
    fig.canvas.draw()
    ax = fig.axes[0]
    labels = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    lo, hi = ax.get_xlim() if axis == "x" else ax.get_ylim()
    ticks = ax.get_xticks() if axis == "x" else ax.get_yticks()
    return [t.get_text() for t, v in zip(labels, ticks) if min(lo, hi) <= v <= max(lo, hi) and t.get_text()]


def sweep_results(**params) -> pd.DataFrame:
    frame = pd.DataFrame(params)
    frame["window"] = "all"
    frame["sharpe_ratio"] = np.linspace(-1, 2, len(frame))
    return frame


def test_an_optuna_parameter_map_has_round_ticks_on_numeric_axes():
    import matplotlib.pyplot as plt

    from liqbt.research.report import param_map_figure

    rng = np.random.default_rng(0)  # what Optuna's TPE returns: 200 distinct 16-digit floats per parameter
    results = sweep_results(dominance=rng.uniform(1.1, 4.0, 200), max_dist_pct=np.exp(rng.uniform(0, 2.3, 200)))
    fig = param_map_figure(results, ["dominance", "max_dist_pct"], "sharpe_ratio", frozenset({"max_dist_pct"}))
    try:
        for axis in ("x", "y"):
            texts = tick_texts(fig, axis)
            assert 2 <= len(texts) <= 12, texts
            assert max(len(t) for t in texts) <= 8, texts
        assert fig.axes[0].get_yscale() == "log" and "log scale" in fig.axes[0].get_ylabel()
    finally:
        plt.close(fig)
    one = param_map_figure(results.assign(max_dist_pct=2.0), ["dominance", "max_dist_pct"], "sharpe_ratio")
    try:
        texts = tick_texts(one, "x")
        assert 2 <= len(texts) <= 12 and max(len(t) for t in texts) <= 8, texts
    finally:
        plt.close(one)


def test_a_grid_parameter_map_labels_each_value_shortly():
    import matplotlib.pyplot as plt

    from liqbt.research.report import param_map_figure, tick_label

    assert [tick_label(v) for v in (0.1 + 0.2, 3.0, 1234567.0, 0.000123456, "12h")] == [
        "0.3", "3", "1234567", "0.0001235", "12h"]
    x = [0.1 + 0.2 * k for k in range(5)]
    results = sweep_results(a=np.repeat(x, 3), window_h=np.tile(["6h", "12h", "24h"], 5))
    fig = param_map_figure(results, ["a", "window_h"], "sharpe_ratio")
    try:
        assert tick_texts(fig, "x") == ["0.1", "0.3", "0.5", "0.7", "0.9"]
        assert tick_texts(fig, "y") == ["12h", "24h", "6h"]
    finally:
        plt.close(fig)


def test_the_documented_optuna_sweep_is_a_valid_sweep_section():
    import re

    import yaml

    from conftest import PROJECT_ROOT
    from liqbt.research.config import RangeSpec, SweepConfig

    readme = (PROJECT_ROOT / "README.md").read_text()
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "method: optuna" in b)
    sweep = SweepConfig.model_validate(yaml.safe_load(block)["sweep"])
    params = sweep.params
    assert isinstance(params["heatmaps.main.window"], list)  # categorical
    assert isinstance(params["dominance"], RangeSpec) and not params["dominance"].log
    assert params["max_dist_pct"].log and params["max_hold_bars"].integer


@pytest.mark.filterwarnings("ignore::liqbt.errors.MarkPriceWarning", "ignore::liqbt.errors.FundingGapWarning")
@pytest.mark.parametrize("seed", [0, 1])
def test_trades_of_random_scenarios_sum_to_each_columns_pnl(seed):
    """Every exit kind, reversals, liquidations, funding at fills, both execution modes, 4 columns each."""
    from test_backtest_reference import CONFIGS, MARK_CONFIGS, random_market, random_signals

    kinds = set()
    for cfg, with_mark in [(c, False) for c in CONFIGS] + [(c, True) for c in MARK_CONFIGS]:
        market = random_market(seed, with_mark=with_mark)
        result = run_backtest(market, random_signals(seed, len(market), 4, market.index), cfg)
        trades = result.trades()
        stats = result.stats()
        value = result.portfolio.value()
        kinds |= set(trades["exit_reason"])
        for j, column in enumerate(value.columns):
            mine = trades[trades["column"] == column]
            assert mine["trade"].tolist() == list(range(1, len(mine) + 1))
            assert mine["net_pnl_usd"].sum() == pytest.approx(value.iloc[-1, j] - cfg.init_cash_usd, abs=1e-6)
            assert mine["pnl_funding_usd"].sum() == pytest.approx(result.funding.iloc[:, j].sum(), abs=1e-6)
            assert mine["pnl_fees_usd"].sum() == pytest.approx(stats["pnl_fees_usd"].iloc[j], abs=1e-6)
            assert len(mine) == stats["trades"].iloc[j]
    assert kinds >= {"signal", "stop_loss", "take_profit", "target", "liquidation"}


def test_sweep_tables_show_trade_counts_as_integers():
    from liqbt.report.html import table
    from liqbt.research.report import integer_counts

    stored = pd.DataFrame({"dominance": [1.5, 2.0, 3.0], "trades": [66.0, 1234.0, np.nan],
                           "sharpe_ratio": [0.5, 1.25, np.nan]})  # as the results store returns them
    counts = integer_counts(stored)
    assert str(counts["trades"].dtype) == "Int64" and stored["trades"].dtype == np.float64
    html = table(counts, index=False)
    assert "<td>66</td>" in html and "<td>1,234</td>" in html and "66.0" not in html
    assert html.count("<td>-</td>") == 2  # missing count and missing ratio
    assert "<td>0.5000</td>" in html  # other numbers keep their format


def test_count_values_show_whole_counts_as_integers_and_a_mean_with_one_decimal():
    from liqbt.backtest.stats import count_values

    shown = count_values(pd.Series([66.0, 39.5, np.nan, 1234.0], index=list("abcd"), name="trades"))
    assert shown.tolist() == [66, "39.5", None, 1234] and list(shown.index) == list("abcd")
    assert type(shown["a"]) is int


@pytest.mark.parametrize("tz", ["UTC", None, "Europe/Berlin"])
def test_the_equity_png_is_byte_for_byte_the_picture_of_the_index_as_given(tmp_path, monkeypatch, tz):
    """plot_times (naive UTC values, the fast path) draws the same PNG as matplotlib converting the index."""
    from liqbt.plots import equity_png

    index = pd.date_range("2024-01-01", periods=3000, freq="5min", tz=tz)
    rng = np.random.default_rng(3)
    value = pd.Series(1000 * np.exp(np.cumsum(rng.normal(0, 0.002, len(index)))), index=index)
    hold = pd.Series(1000 * np.exp(np.cumsum(rng.normal(0, 0.002, len(index)))), index=index)
    fast = equity_png.write_equity_png(value, tmp_path / "fast.png", benchmark=hold, title="t").read_bytes()
    monkeypatch.setattr(equity_png, "plot_times", lambda idx: idx)
    given = equity_png.write_equity_png(value, tmp_path / "given.png", benchmark=hold, title="t").read_bytes()
    assert fast == given
