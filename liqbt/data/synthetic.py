"""SYNTHETIC market data: a seeded, causal generator for quickstarts, tests and benchmarks.

Nothing here is market data. :func:`generate_market` simulates a perpetual
future that looks statistically like Binance BTCUSDT (its defaults are fitted to
the real series in ``../shared/data``) and labels it as synthetic: symbol
``SYNTHUSDT``, venue ``synthetic``, source ``synthetic(seed=...)``.

The model, per simulation step (the bar size, or one hour for bars longer than
an hour):

* **volatility**: ``ln(vol)`` is the sum of a slow and a fast AR(1) factor
  (half-lives in hours), scaled by UTC hour-of-day and day-of-week profiles;
  part of the fast factor's innovation is the previous step's absolute shock,
  so large moves raise volatility (GARCH-like clustering);
* **returns**: unit-variance Student-t innovations times the volatility, plus
  rare jumps (cascades) of log-normal size, down with a fitted probability;
* **candles**: open = previous close; high/low from Brownian-bridge extremes
  given the step's endpoints; quote volume log-linear in the bar's range;
  taker-buy share leaning with the standardised return.

Per hour (from that hour's candles only):

* **liquidations** (USD): ``ln(liq / OI)`` is linear in ``ln(drawdown + floor)``
  for longs and ``ln(run-up + floor)`` for shorts, drawdown / run-up measured
  from the hour's open, with normal noise that is wider in quiet hours:
  down-jumps liquidate longs, up-jumps shorts;
* **open interest**: held in coins, it grows with the absolute trend
  (EWMA of hourly returns), falls by the liquidated notional, reverts slowly and
  is reported in USD at the hour's close (known at hour open + 1h);
* **premium** of the perpetual over the index: mean + a momentum term + AR(1)
  noise; **funding** at 00/08/16 UTC follows Binance's formula
  ``rate = P + clamp(0.0001 - P, -0.0005, 0.0005)`` with ``P`` the mean premium
  of the preceding 8 hours;
* **mark price**: the last price times ``exp(basis)``, basis a small AR(1).

Open interest, liquidations and funding cover complete hours only; when the
candles end inside an hour, the mark has that forming hour as its last row
(its open is known at the hour's open and is every bar's ``mark_price``).

Every random number comes from ``numpy.random.Generator(PCG64(seed))`` streams
(``PCG64(seed).jumped(k)``, one stream per kind of draw) consumed one value per
step, hour or event, and the recursions are causal: generating ``n`` bars gives
exactly the first ``n`` bars of a longer run with the same seed.

Reproduce the fitted defaults of :class:`SyntheticParams` with::

    python -m liqbt.data.synthetic_fit fit ../shared/data

and compare a synthetic market with the real series with::

    python -m liqbt.data.synthetic_fit compare ../shared/data
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .bundle import DataBundle
from .market import Market
from .synthetic_nb import (
    HourParams,
    StepParams,
    aggregate_ohlc_nb,
    aggregate_sum_nb,
    funding_rates_nb,
    simulate_hours_nb,
    simulate_steps_nb,
)
from .synthetic_params import SyntheticParams

__all__ = [
    "SyntheticParams",
    "generate_market",
    "generate_bundle",
    "HOUR",
    "FIVE_MIN",
    "FUNDING_INTERVAL",
    "half_life_decay",
    "vol_season",
    "week_hour",
]

HOUR = pd.Timedelta("1h")
FIVE_MIN = pd.Timedelta("5min")
FUNDING_INTERVAL = pd.Timedelta("8h")
_FUNDING_WINDOW_HOURS = 8
_LIQ_NOISE_MIN_STD = 0.1  # lower bound of the ln-liquidation noise std (cascade hours)

# One PCG64 stream per kind of draw: PCG64(seed).jumped(k). Never reorder or
# renumber: that would change every synthetic series for every seed.
_STEP_STREAMS = ("z", "eps_slow", "eps_fast", "jump_u", "jump_n", "jump_sign_u",
                 "wick_u_hi", "wick_u_lo", "vol_eps", "taker_eps")
_HOUR_STREAMS = ("eps_oi", "eps_liq_long", "eps_liq_short", "eps_prem", "eps_mark")


# ----------------------------------------------------------------------- generator
def half_life_decay(half_life_hours: float, dt_hours: float) -> float:
    """Per-step AR(1) coefficient of a decay with ``half_life_hours`` over steps of ``dt_hours``."""
    return math.exp(-math.log(2.0) * dt_hours / half_life_hours)


def _abs_t_moments(df: float) -> tuple[float, float]:
    """E|z| and std|z| of a unit-variance Student-t variable."""
    mean_abs_t = (2.0 * math.sqrt(df) * math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2))
                  / (math.sqrt(math.pi) * (df - 1.0)))
    mean = mean_abs_t * math.sqrt((df - 2.0) / df)
    return mean, math.sqrt(max(1.0 - mean * mean, 1e-12))


def _step_params(p: SyntheticParams, step: pd.Timedelta) -> StepParams:
    k = step / FIVE_MIN  # step in units of 5 minutes
    dt_hours = step / HOUR
    s2 = p.vol_log_std ** 2
    jump_var_5m = p.jump_rate_per_day * (5.0 / 1440.0) * math.exp(
        2.0 * p.jump_log_size_mean + 2.0 * p.jump_log_size_std ** 2)
    diffusive_var_5m = p.ret_std_5m ** 2 - jump_var_5m
    abs_mean, abs_std = _abs_t_moments(p.t_df)
    qv_floor = p.quote_volume_range_floor_5m * math.sqrt(k)
    qv_intercept = p.quote_volume_log_intercept_5m + (1.0 - 0.5 * p.quote_volume_range_elasticity) * math.log(k)
    return StepParams(
        log_price0=math.log(p.price_start_usd),
        mu_log_vol=0.5 * math.log(diffusive_var_5m) - s2,  # E[exp(2 ln vol)] = diffusive variance
        step_scale=math.sqrt(k),
        t_scale=math.sqrt((p.t_df - 2.0) / p.t_df),
        s_slow=math.sqrt((1.0 - p.vol_fast_share) * s2),
        s_fast=math.sqrt(p.vol_fast_share * s2),
        phi_slow=half_life_decay(p.vol_slow_half_life_hours, dt_hours),
        phi_fast=half_life_decay(p.vol_fast_half_life_hours, dt_hours),
        feedback=p.vol_feedback,
        abs_z_mean=abs_mean,
        abs_z_std=abs_std,
        shock_cap=12.0,
        jump_prob=-math.expm1(-p.jump_rate_per_day * dt_hours / 24.0),
        jump_log_mean=p.jump_log_size_mean,
        jump_log_std=p.jump_log_size_std,
        jump_down_prob=p.jump_down_prob,
        wick_scale=p.wick_scale,
        qv_intercept=qv_intercept,
        qv_elasticity=p.quote_volume_range_elasticity,
        qv_floor=qv_floor,
        qv_noise_std=p.quote_volume_log_noise_std,
        taker_mean=p.taker_buy_share_mean,
        taker_beta=p.taker_buy_share_beta,
        taker_noise_std=p.taker_buy_share_noise_std,
    )


def _block_mean_var_factor(phi: float, window: int) -> float:
    """Var(mean of ``window`` consecutive AR(1) values) / Var(one value)."""
    lags = np.arange(window)
    weights = np.where(lags == 0, window, 2 * (window - lags))
    return float(np.sum(weights * phi ** lags)) / window ** 2


def _hour_params(p: SyntheticParams) -> HourParams:
    mom_decay = half_life_decay(p.premium_momentum_half_life_hours, 1.0)
    sigma_1h = p.ret_std_5m * math.sqrt(12.0)
    mom_std = sigma_1h * math.sqrt((1.0 - mom_decay) / (1.0 + mom_decay))
    prem_phi = p.premium_ar_8h ** (1.0 / _FUNDING_WINDOW_HOURS)
    prem_sigma = p.premium_noise_std / math.sqrt(_block_mean_var_factor(prem_phi, _FUNDING_WINDOW_HOURS))
    return HourParams(
        log_oi_coins0=math.log(p.oi_start_usd / p.price_start_usd),
        oi_trend_decay=half_life_decay(p.oi_trend_half_life_hours, 1.0),
        oi_trend_beta=p.oi_trend_beta,
        oi_liq_beta=p.oi_liq_beta,
        oi_revert=p.oi_revert_per_hour,
        oi_drift=p.oi_drift_per_hour,
        oi_noise_std=p.oi_noise_std_1h,
        liq_long_a=p.liq_long_log_intercept,
        liq_long_b=p.liq_long_log_slope,
        liq_long_s0=p.liq_long_log_noise_intercept,
        liq_long_s1=p.liq_long_log_noise_slope,
        liq_short_a=p.liq_short_log_intercept,
        liq_short_b=p.liq_short_log_slope,
        liq_short_s0=p.liq_short_log_noise_intercept,
        liq_short_s1=p.liq_short_log_noise_slope,
        liq_noise_min=_LIQ_NOISE_MIN_STD,
        liq_floor=p.liq_move_floor,
        liq_cap=p.liq_max_fraction,
        prem_mean=p.premium_mean,
        prem_beta=p.premium_momentum_beta,
        prem_mom_decay=mom_decay,
        prem_mom_scale=1.0 / mom_std,
        prem_phi=prem_phi,
        prem_sigma=prem_sigma,
        mark_mean=p.mark_basis_mean,
        mark_std=p.mark_basis_std,
        mark_phi=p.mark_basis_ar_1h,
    )


def week_hour(times_ns: np.ndarray) -> np.ndarray:
    """Hour of the week (0 = Monday 00:00 UTC) of epoch-nanosecond times."""
    hours = times_ns // HOUR.value
    return (hours + 72) % 168  # 1970-01-01 was a Thursday: 72 hours after a Monday 00:00


def vol_season(times_ns: np.ndarray, params: SyntheticParams) -> np.ndarray:
    """Volatility multiplier of each time: hour-of-day x day-of-week, mean square 1 over a week."""
    week = np.outer(np.asarray(params.vol_weekday_profile), np.asarray(params.vol_hour_profile)).ravel()
    week = week / math.sqrt(float(np.mean(week ** 2)))
    return np.ascontiguousarray(week[week_hour(times_ns)])


def _streams(seed: int, names: tuple[str, ...], first: int) -> dict[str, np.random.Generator]:
    root = np.random.PCG64(seed)
    return {name: np.random.Generator(root.jumped(first + k)) for k, name in enumerate(names)}


def _check_args(n_bars, bar_size, seed, start) -> tuple[int, pd.Timedelta, int, pd.Timestamp]:
    if isinstance(n_bars, bool) or not isinstance(n_bars, (int, np.integer)) or n_bars < 1:
        raise ConfigError(f"synthetic.n_bars: expected an integer >= 1, found {n_bars!r}")
    try:
        bar = pd.Timedelta(bar_size)
    except (ValueError, TypeError):
        raise ConfigError(f"synthetic.bar_size: expected a duration such as '5m' or '1h', found {bar_size!r}") from None
    if bar <= pd.Timedelta(0) or (bar < HOUR and HOUR.value % bar.value) or (bar > HOUR and bar.value % HOUR.value):
        raise ConfigError(f"synthetic.bar_size: expected a bar size that divides one hour (1m, 5m, 15m, ...) "
                          f"or a whole number of hours, found {bar_size!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"synthetic.seed: expected an integer >= 0, found {seed!r}")
    try:
        ts = pd.Timestamp(start)
    except (ValueError, TypeError):
        raise ConfigError(f"synthetic.start: expected a timestamp such as '2025-01-01', found {start!r}") from None
    ts = ts.tz_localize("UTC") if ts.tz is None else ts.tz_convert("UTC")
    ts = ts.as_unit("ns")
    if ts.value % HOUR.value:
        raise ConfigError(f"synthetic.start: expected a whole UTC hour (hourly series start there), found {ts}")
    return int(n_bars), bar, int(seed), ts


def generate_bundle(
    n_bars: int = 105_120,
    bar_size: str | pd.Timedelta = "5m",
    *,
    seed: int = 0,
    start: str | pd.Timestamp = "2025-01-01",
    params: SyntheticParams | None = None,
    symbol: str = "SYNTHUSDT",
    venue: str = "synthetic",
) -> DataBundle:
    """The parts of a synthetic market, before alignment.

    Parameters are those of :func:`generate_market`.

    Returns
    -------
    DataBundle
        ``candles`` at ``bar_size``; ``open_interest`` (USD) indexed by hour
        open + 1h; ``funding`` (fraction) at 00/08/16 UTC; hourly ``mark`` and
        ``liquidations`` (USD) indexed by hour open. Open interest and
        liquidations cover complete hours only, funding events lie strictly
        inside the span; when the candles end inside an hour, the last ``mark``
        row is that forming hour (open .. last candle's close), as a live feed
        shows it, so that ``mark_price`` is known on every bar.
    """
    n_bars, bar, seed, start = _check_args(n_bars, bar_size, seed, start)
    params = params if params is not None else SyntheticParams()
    if not isinstance(params, SyntheticParams):
        raise ConfigError(f"synthetic.params: expected SyntheticParams, found {type(params).__name__}")

    step = min(bar, HOUR)
    steps_per_bar = bar // step
    steps_per_hour = HOUR // step
    n_steps = n_bars * steps_per_bar
    n_hours = n_steps // steps_per_hour

    draws = _streams(seed, _STEP_STREAMS, 1)
    z = draws["z"].standard_t(params.t_df, n_steps)
    normal = {k: draws[k].standard_normal(n_steps) for k in ("eps_slow", "eps_fast", "jump_n", "vol_eps", "taker_eps")}
    uniform = {k: draws[k].random(n_steps) for k in ("jump_u", "jump_sign_u", "wick_u_hi", "wick_u_lo")}
    step_ns = np.int64(step.value)
    season = vol_season(start.value + np.arange(n_steps, dtype=np.int64) * step_ns, params)

    so, sh, sl, sc, vol, qv, tb, tbq = simulate_steps_nb(
        z, normal["eps_slow"], normal["eps_fast"], uniform["jump_u"], normal["jump_n"], uniform["jump_sign_u"],
        uniform["wick_u_hi"], uniform["wick_u_lo"], normal["vol_eps"], normal["taker_eps"], season,
        _step_params(params, step),
    )
    if steps_per_bar > 1:  # bars of whole hours: the steps are hours
        o, h, lo, c = aggregate_ohlc_nb(so, sh, sl, sc, steps_per_bar, False)
        vol, qv, tb, tbq = (aggregate_sum_nb(x, steps_per_bar) for x in (vol, qv, tb, tbq))
    else:
        o, h, lo, c = so, sh, sl, sc
    candles_index = pd.date_range(start, periods=n_bars, freq=bar, name="time")
    candles = pd.DataFrame(
        {"open": o, "high": h, "low": lo, "close": c, "volume": vol, "quote_volume": qv,
         "taker_buy_volume": tb, "taker_buy_quote_volume": tbq},
        index=candles_index,
    )
    source = f"synthetic(seed={seed})"
    sources = {"candles": source}
    bundle = dict(candles=candles, candles_bar_size=bar)

    # Hourly series. A trailing partial hour is simulated too (its draws are the
    # ones a longer run uses) so that the forming hour's mark bar exists: its
    # open is known at the hour's open and reaches the bars as ``mark_price``.
    # Open interest, liquidations and funding cover complete hours only.
    ho, hh, hl, hc = aggregate_ohlc_nb(so, sh, sl, sc, steps_per_hour, True)
    n_rows = len(ho)
    hdraws = _streams(seed, _HOUR_STREAMS, 1 + len(_STEP_STREAMS))
    eps = {k: g.standard_normal(n_rows) for k, g in hdraws.items()}
    oi, liq_l, liq_s, prem, mo, mh, ml, mc = simulate_hours_nb(
        ho, hh, hl, hc, eps["eps_oi"], eps["eps_liq_long"], eps["eps_liq_short"], eps["eps_prem"],
        eps["eps_mark"], _hour_params(params),
    )
    rows = pd.date_range(start, periods=n_rows, freq=HOUR, name="time")
    bundle["mark"] = pd.DataFrame({"open": mo, "high": mh, "low": ml, "close": mc}, index=rows)
    bundle["mark_bar_size"] = HOUR
    sources["mark"] = source
    if n_hours >= 1:
        hours = rows[:n_hours]
        bundle["open_interest"] = pd.Series(oi[:n_hours], index=hours + HOUR, name="oi_usd")
        bundle["liquidations"] = pd.DataFrame(
            {"realised_liq_long_usd": liq_l[:n_hours], "realised_liq_short_usd": liq_s[:n_hours]}, index=hours)
        bundle["liquidations_bar_size"] = HOUR
        sources.update(open_interest=source, liquidations=source)

        end = start + n_steps * step
        first = start.ceil(FUNDING_INTERVAL)
        if first == start:
            first += FUNDING_INTERVAL
        events = pd.date_range(first, end, freq=FUNDING_INTERVAL, name="time", inclusive="left")
        if len(events):
            event_hour = np.ascontiguousarray(((events - start) // HOUR).to_numpy(dtype=np.int64))
            rates = funding_rates_nb(prem, event_hour, _FUNDING_WINDOW_HOURS,
                                     params.funding_interest_rate, params.funding_clamp)
            bundle["funding"] = pd.Series(rates, index=events, name="funding_rate")
            sources["funding"] = source
    return DataBundle(**bundle, sources=sources, symbol=symbol, venue=venue)


def generate_market(
    n_bars: int = 105_120,
    bar_size: str | pd.Timedelta = "5m",
    *,
    seed: int = 0,
    start: str | pd.Timestamp = "2025-01-01",
    params: SyntheticParams | None = None,
    symbol: str = "SYNTHUSDT",
    venue: str = "synthetic",
) -> Market:
    """A SYNTHETIC perpetual-futures market, validated and aligned point in time.

    Parameters
    ----------
    n_bars : int, default 105_120
        Number of candles (105,120 five-minute bars = 365 days).
    bar_size : str or Timedelta, default "5m"
        A size that divides one hour (``"1m"``, ``"5m"``, ``"15m"``, ``"1h"``)
        or a whole number of hours (``"4h"``, ``"1d"``; simulated hourly and
        aggregated).
    seed : int, default 0
        Seed of ``numpy.random.PCG64``; the same seed gives identical output,
        and ``n`` bars are exactly the first ``n`` bars of a longer run.
    start : str or Timestamp, default "2025-01-01"
        Open of the first bar, a whole UTC hour (naive means UTC).
    params : SyntheticParams, optional
        Model parameters; defaults fitted to Binance BTCUSDT.
    symbol, venue : str, default "SYNTHUSDT", "synthetic"
        Labels; keep them recognisably synthetic.

    Returns
    -------
    Market
        Bars with ``open, high, low, close`` (USD), ``volume`` and
        ``taker_buy_volume`` (base asset), ``quote_volume`` and
        ``taker_buy_quote_volume`` (USD), ``oi_usd`` (USD, last hourly value
        known at the bar's open), ``funding_rate`` (fraction, 00/08/16 UTC),
        ``mark_price`` (USD; plus ``mark_high/low/close`` and the realised
        liquidation columns at 1h bars); side series ``funding``, hourly
        ``mark`` and hourly ``liquidations`` (``realised_liq_long_usd``,
        ``realised_liq_short_usd``, USD).

    Examples
    --------
    >>> from liqbt.data.synthetic import generate_market
    >>> market = generate_market(n_bars=288 * 7, bar_size="5m", seed=1)
    >>> market.symbol, market.venue
    ('SYNTHUSDT', 'synthetic')
    """
    bundle = generate_bundle(n_bars, bar_size, seed=seed, start=start, params=params, symbol=symbol, venue=venue)
    return bundle.to_market(gaps="error")
