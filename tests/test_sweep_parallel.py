"""The sweep's parallel kernel (columns in ``prange``) against the serial backtest and its metrics.

The serial kernel is proven against a plain-Python reference in ``test_backtest_reference.py``;
here the parallel one must give the same order records and metrics, bit for bit, on every window,
whatever the number of threads.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from liqbt.backtest import run_backtest
from liqbt.backtest.enums import RecordArrays, liquidation_dt, order_dt
from liqbt.backtest.prepare import market_arrays
from liqbt.backtest.run import column_slots, kernel_inputs
from liqbt.research.metrics import fast_metrics, periods_per_year, window_metrics
from liqbt.research.nb import simulate_metrics_nb
from liqbt.research.sweep import Window, slice_signals
from test_backtest_reference import CONFIGS, MARK_CONFIGS, random_market, random_signals

WINDOWS = (Window("all", 0, 296), Window("train_0", 0, 180), Window("test_0", 180, 296))


def _serial(market, signals, cfg, window):
    end = market.index[window.end] if window.end < len(market) else None
    sub = market.slice(market.index[window.start], end)
    return run_backtest(sub, slice_signals(signals, sub.index), cfg)


@pytest.mark.filterwarnings("ignore::liqbt.errors.MarkPriceWarning", "ignore::liqbt.errors.FundingGapWarning")
@pytest.mark.parametrize("cfg, with_mark", [(c, False) for c in CONFIGS] + [(c, True) for c in MARK_CONFIGS])
def test_parallel_metrics_equal_the_serial_backtest_on_every_window(cfg, with_mark):
    market = random_market(0, with_mark=with_mark)
    signals = random_signals(0, len(market), 5, market.index)
    sig, cache = signals.to_arrays(market.index), {}
    for window in WINDOWS:
        want = fast_metrics(_serial(market, signals, cfg, window)).to_numpy(np.float64)
        got = window_metrics(market, sig, cfg, window, cache)
        assert np.array_equal(got, want, equal_nan=True), window.name


@pytest.mark.filterwarnings("ignore::liqbt.errors.MarkPriceWarning")
@pytest.mark.parametrize("cfg", CONFIGS, ids=["20x", "5x-close", "50x-bracket"])
def test_parallel_kernel_writes_the_serial_kernels_records(cfg):
    market = random_market(1)
    signals = random_signals(1, len(market), 6, market.index)
    result = run_backtest(market, signals, cfg)
    sig = signals.to_arrays(market.index)
    slots, n_orders, n_liqs = column_slots(sig)
    records = RecordArrays(np.zeros(n_orders, dtype=order_dt), np.zeros(n_liqs, dtype=liquidation_dt))
    _, order_end, liq_end, funding = simulate_metrics_nb(
        *kernel_inputs(market, sig, cfg, market_arrays(market, cfg)), records, slots, periods_per_year(market.index))
    orders = np.concatenate([records.orders[s:e] for s, e in zip(slots.order_start, order_end)])
    liqs = np.concatenate([records.liqs[s:e] for s, e in zip(slots.liq_start, liq_end)])
    serial = result.portfolio.order_records
    for field in ("col", "idx", "size", "price", "fees", "side"):
        assert np.array_equal(orders[field], serial[field]), field
    assert len(liqs) == len(result.liquidations)
    assert np.array_equal(liqs["fill_price"], result.liquidations["fill_price"].to_numpy())
    assert np.array_equal(funding, result.funding.to_numpy())


@pytest.mark.filterwarnings("ignore::liqbt.errors.MarkPriceWarning")
def test_the_reference_cases_liquidate():
    market = random_market(1)
    assert len(run_backtest(market, random_signals(1, len(market), 6, market.index), CONFIGS[2]).liquidations)


@pytest.mark.filterwarnings("ignore::liqbt.errors.MarkPriceWarning")
def test_parallel_metrics_do_not_depend_on_the_number_of_threads():
    market = random_market(0)
    sig = random_signals(0, len(market), 37, market.index).to_arrays(market.index)
    before = numba.get_num_threads()
    runs = []
    try:
        for threads in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
            numba.set_num_threads(threads)
            runs.append(window_metrics(market, sig, CONFIGS[0], WINDOWS[0], {}))
    finally:
        numba.set_num_threads(before)
    assert all(np.array_equal(run, runs[0], equal_nan=True) for run in runs)
