"""The run's Sharpe, Sortino, Calmar, max drawdown and total return (``liqbt.backtest.stats``, in numpy) are
vectorbt's numbers to the bit: on synthetic return matrices with the edge cases and on a year of real BTCUSDT
(the quickstart: tests/test_warm_path.py)."""

from __future__ import annotations

import numpy as np
import pytest
from vectorbt.returns import nb as rnb

from liqbt.backtest.stats import return_stats
from test_reports import ENGINES, btc, churn, quiet_backtest  # noqa: F401  (btc is a fixture)

ANN = 365 * 288.0  # 5-minute bars


def vectorbt_kernels(returns: np.ndarray, ann: float) -> dict[str, np.ndarray]:
    return {"sharpe_ratio": rnb.sharpe_ratio_nb(returns, ann, 0.0, 1),
            "sortino_ratio": rnb.sortino_ratio_nb(returns, ann, 0.0),
            "calmar_ratio": rnb.calmar_ratio_nb(returns, ann),
            "max_drawdown": rnb.max_drawdown_nb(returns)}


def matrix(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = rng.normal(0.0, 0.003, (n, 6))
    out[:, 1] = 0.0  # flat: zero variance, no drawdown
    out[:, 2] = np.abs(out[:, 2])  # never down: no downside, no drawdown
    out[::7, 3] = np.nan  # gaps
    out[:, 4] *= 40.0  # wild
    out[: n // 2, 5] = 0.0  # idle, then trading
    return out


@pytest.mark.parametrize("seed, n", [(0, 5000), (1, 1), (2, 2), (3, 0), (4, 333)])
def test_return_stats_are_vectorbts_kernels_to_the_bit(seed, n):
    returns = matrix(seed, n)
    ours = return_stats(returns, ANN)
    theirs = vectorbt_kernels(returns, ANN) if n else None
    for name, value in ours.items():
        assert value.shape == (returns.shape[1],)
        if n:
            np.testing.assert_array_equal(value, theirs[name], err_msg=name)


def assert_stats_are_vectorbts(result):
    pf, stats = result.portfolio, result.stats()
    for name, theirs in [("sharpe_ratio", pf.sharpe_ratio()), ("sortino_ratio", pf.sortino_ratio()),
                         ("calmar_ratio", pf.calmar_ratio()), ("max_drawdown", -pf.max_drawdown()),
                         ("total_return", pf.total_return())]:
        np.testing.assert_array_equal(stats[name].to_numpy(), np.asarray(theirs, dtype=np.float64).reshape(-1),
                                      err_msg=name)


@pytest.mark.real_data
@pytest.mark.parametrize("engine", ENGINES)
def test_the_statistics_of_a_real_year_are_vectorbts_to_the_bit(btc, engine):  # noqa: F811
    from liqbt.backtest import BacktestConfig, LiquidationConfig

    if engine == "liqbt":
        config = BacktestConfig(leverage=5, size=0.5, liquidation=LiquidationConfig(trigger="last"))
    else:
        config = BacktestConfig(engine=engine, size_type="notional_usd", size=5_000.0)
    assert_stats_are_vectorbts(quiet_backtest(btc, churn(btc), config))


# the quickstart and its benchmark: tests/test_warm_path.py (every statistic, and the per-bar numbers)
