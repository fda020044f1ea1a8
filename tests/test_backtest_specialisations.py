"""Every one-column backtest hands the kernel arguments of the same numba types (one compilation).

numba compiles a kernel again for each new combination of argument types: a readonly array, an
array layout or a ``Literal[int]`` each count. A quickstart run backtests the strategy, its
placebo and S/R twins and buy-and-hold, whose signals come as different pandas objects.
"""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd
import pytest

from liqbt.backtest import BacktestConfig, Signals
from liqbt.backtest.prepare import market_arrays
from liqbt.backtest.run import kernel_inputs
from test_backtest_reference import random_market


def _types(market, signals, cfg):
    sig = signals.to_arrays(market.index)
    return [numba.typeof(x) for x in kernel_inputs(market, sig, cfg, market_arrays(market, cfg))]


@pytest.mark.filterwarnings("ignore::liqbt.errors.MarkPriceWarning")
def test_one_column_signals_of_any_form_give_the_kernel_one_type():
    market = random_market(0)
    cfg = BacktestConfig(leverage=3, price_for_funding="close")
    index = market.index
    flags = np.random.default_rng(0).random((len(index), 4)) < 0.05
    series = [pd.Series(flags[:, j], index=index) for j in range(4)]
    stops = pd.Series(np.where(flags[:, 0], 0.02, np.nan), index=index)
    forms = [
        Signals(long_entries=series[0]),  # buy and hold: one signal, the rest missing
        Signals(*series, sl_stop=stops, tp_stop=stops),  # a strategy's Series
        Signals(*(s.to_frame("p") for s in series), sl_stop=stops.to_frame("p"), tp_stop=0.05),
        Signals(*(pd.Series(s.to_numpy().copy(), index=index) for s in series), size=0.5),
    ]
    want = _types(market, forms[0], cfg)
    for form in forms[1:]:
        assert _types(market, form, cfg) == want
