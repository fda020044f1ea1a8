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

import difflib
import math
from dataclasses import asdict, dataclass, fields
from typing import Any, Mapping

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

__all__ = [
    "SyntheticParams",
    "generate_market",
    "generate_bundle",
]

_HOUR = pd.Timedelta("1h")
_FIVE_MIN = pd.Timedelta("5min")
_FUNDING_INTERVAL = pd.Timedelta("8h")
_FUNDING_WINDOW_HOURS = 8
_LIQ_NOISE_MIN_STD = 0.1  # lower bound of the ln-liquidation noise std (cascade hours)

# One PCG64 stream per kind of draw: PCG64(seed).jumped(k). Never reorder or
# renumber: that would change every synthetic series for every seed.
_STEP_STREAMS = ("z", "eps_slow", "eps_fast", "jump_u", "jump_n", "jump_sign_u",
                 "wick_u_hi", "wick_u_lo", "vol_eps", "taker_eps")
_HOUR_STREAMS = ("eps_oi", "eps_liq_long", "eps_liq_short", "eps_prem", "eps_mark")


# ---------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class SyntheticParams:
    """Parameters of the synthetic market model, with units.

    Defaults marked *fitted* come from the real BTCUSDT data in
    ``../shared/data`` (reproduce with ``python -m liqbt.data.synthetic_fit fit
    ../shared/data``); the others are stated assumptions or exchange constants.

    Parameters
    ----------
    price_start_usd : float
        First open, USD. *Fitted*: first open of the 5m candles.
    ret_std_5m : float
        Unconditional std of 5-minute log returns (fraction), jumps included.
        *Fitted*.
    t_df : float
        Degrees of freedom of the Student-t innovations (> 2). *Fitted* by
        maximum likelihood on returns standardised by a causal EWMA volatility.
    vol_log_std : float
        Stationary std of ln(volatility), natural-log units. *Fitted* from
        hourly realised variance, corrected for its sampling noise.
    vol_fast_share : float
        Share of the ln-volatility variance in the fast factor, in [0, 1]. *Fitted*
        with the half-lives to the autocorrelation of ln realised variance.
    vol_fast_half_life_hours, vol_slow_half_life_hours : float
        Half-lives of the fast and slow volatility factors, hours. *Fitted*.
    vol_feedback : float
        Share of the fast factor's innovation variance driven by the previous
        step's absolute shock, in [0, 1]. Assumed (not identified by the fit).
    vol_hour_profile : tuple of 24 float
        Volatility multiplier by UTC hour of day. *Fitted*.
    vol_weekday_profile : tuple of 7 float
        Volatility multiplier by UTC day of week, Monday first. *Fitted*. The
        product of both profiles is normalised to mean square 1 over a week.
    jump_rate_per_day : float
        Jumps per day. *Fitted*: 5m moves beyond 8 EWMA vols in excess of the
        count the Student-t predicts.
    jump_log_size_mean, jump_log_size_std : float
        Mean and std of ln|jump| (jump as a log return). *Fitted* on those moves.
    jump_down_prob : float
        Probability that a jump is downwards. *Fitted*.
    wick_scale : float
        Multiplier of the Brownian-bridge excursions beyond open/close (real
        5m wicks are shorter than a Brownian motion's). *Fitted*.
    quote_volume_log_intercept_5m, quote_volume_range_elasticity : float
        ``ln(quote volume USD) = a + b * ln(ln(high/low) + floor)`` at 5m.
        *Fitted* by least squares.
    quote_volume_range_floor_5m : float
        The floor of that regression, log-range units. Assumed.
    quote_volume_log_noise_std : float
        Std of its residual, natural-log units. *Fitted*.
    taker_buy_share_mean, taker_buy_share_beta, taker_buy_share_noise_std : float
        Taker-buy share of volume = mean + beta * (return / vol, clipped to
        +-4) + noise, fractions. *Fitted* on 4-hourly Binance taker volume and
        applied per bar.
    oi_start_usd : float
        Reference open interest at ``price_start_usd``, USD notional
        (the coin amount ``oi_start_usd / price_start_usd`` is the level OI
        reverts to). *Fitted*: mean Binance BTCUSDT OI.
    oi_trend_half_life_hours : float
        Half-life of the EWMA of hourly log returns whose absolute value builds
        OI, hours. *Fitted* (best of a grid).
    oi_trend_beta : float
        d ln(OI in coins) per hour per unit |trend| (trend in log return per
        hour). *Fitted*.
    oi_liq_beta : float
        d ln(OI in coins) per unit of liquidated fraction of OI (long + short).
        *Fitted*.
    oi_revert_per_hour : float
        Mean reversion of ln(OI in coins) per hour. *Fitted*.
    oi_drift_per_hour : float
        Drift of ln(OI in coins) per hour. Set by :func:`balanced_oi_drift` so
        that OI has no long-run drift in the model (the real sample's own drift
        is specific to its 11 weeks).
    oi_noise_std_1h : float
        Std of the hourly ln(OI in coins) noise. *Fitted* (regression residual).
    liq_long_log_intercept, liq_long_log_slope : float
        ``ln(long liq USD / OI at hour open) = a + b * x + s(x) * N(0, 1)`` with
        ``x = ln(ln(open / low) + floor)``. *Fitted* by least squares on
        realised liquidations (Binance + Bybit + OKX) over Binance OI.
    liq_long_log_noise_intercept, liq_long_log_noise_slope : float
        ``s(x) = max(c0 + c1 * x, 0.1)``: the noise is wider in quiet hours
        than in cascades. *Fitted* on the absolute residuals; with it the model
        reproduces the real mean liquidation / OI ratio.
    liq_short_log_intercept, liq_short_log_slope, liq_short_log_noise_intercept, liq_short_log_noise_slope : float
        Same for shorts with ``x = ln(ln(high / open) + floor)``. *Fitted*.
    liq_move_floor : float
        Floor added to the hourly drawdown / run-up, fraction. Assumed.
    liq_max_fraction : float
        Cap on the liquidated fraction of OI per side and hour. Assumed.
    funding_interest_rate, funding_clamp : float
        Interest rate and clamp of the funding formula, fraction per 8h.
        Binance constants (0.01 %, 0.05 %).
    premium_mean : float
        Mean premium of the perpetual over the index, fraction. *Fitted* by a
        censored (Tobit) regression of the funding rates.
    premium_momentum_beta : float
        Premium per unit standardised momentum, fraction. *Fitted* (Tobit).
    premium_momentum_half_life_hours : float
        Half-life of the EWMA of hourly log returns used as momentum, hours.
        *Fitted* (best of a grid).
    premium_noise_std : float
        Std of the 8-hour mean premium around mean + momentum term, fraction.
        *Fitted* (Tobit).
    premium_ar_8h : float
        Autocorrelation of that noise between consecutive funding events.
        *Fitted*.
    mark_basis_mean, mark_basis_std : float
        Mean and std of ln(mark close / last close), hourly. *Fitted*.
    mark_basis_ar_1h : float
        Its hourly autocorrelation. *Fitted*.
    """

    # Fitted defaults, 4 significant digits, printed by
    #     python -m liqbt.data.synthetic_fit fit ../shared/data
    # (vol_feedback, quote_volume_range_floor_5m, liq_move_floor, liq_max_fraction
    # and the funding constants are not fitted; `fit` prints them unchanged).
    # --- price and volatility (5m Binance BTCUSDT perpetual, 2024-12-31 .. 2026-02-19)
    price_start_usd: float = 92760.0
    ret_std_5m: float = 0.00146
    t_df: float = 5.034
    vol_log_std: float = 0.4642
    vol_fast_share: float = 0.4496
    vol_fast_half_life_hours: float = 2.756
    vol_slow_half_life_hours: float = 147.0
    vol_feedback: float = 0.25
    vol_hour_profile: tuple[float, ...] = (
        1.065, 1.027, 0.885, 0.765, 0.745, 0.698, 0.769, 0.784, 0.75, 0.76, 0.683, 0.699,
        0.895, 1.12, 1.501, 1.395, 1.192, 1.234, 1.097, 1.005, 1.051, 1.378, 0.946, 0.887,
    )
    vol_weekday_profile: tuple[float, ...] = (1.158, 1.032, 1.007, 1.02, 1.19, 0.656, 0.835)
    jump_rate_per_day: float = 0.07158
    jump_log_size_mean: float = -4.785
    jump_log_size_std: float = 0.7252
    jump_down_prob: float = 0.4615
    wick_scale: float = 0.8143
    quote_volume_log_intercept_5m: float = 24.52
    quote_volume_range_elasticity: float = 1.093
    quote_volume_range_floor_5m: float = 0.0001
    quote_volume_log_noise_std: float = 0.5622
    taker_buy_share_mean: float = 0.4954
    taker_buy_share_beta: float = 0.01429
    taker_buy_share_noise_std: float = 0.02709
    # --- open interest and liquidations (vendor hourly BTC, 2025-12-04 .. 2026-02-19)
    oi_start_usd: float = 7832000000.0
    oi_trend_half_life_hours: float = 3.0
    oi_trend_beta: float = 0.5371
    oi_liq_beta: float = 1.223
    oi_revert_per_hour: float = 0.0004369
    oi_drift_per_hour: float = -0.0003228
    oi_noise_std_1h: float = 0.00466
    liq_long_log_intercept: float = 4.446
    liq_long_log_slope: float = 2.766
    liq_long_log_noise_intercept: float = -1.792
    liq_long_log_noise_slope: float = -0.6112
    liq_short_log_intercept: float = 3.261
    liq_short_log_slope: float = 2.555
    liq_short_log_noise_intercept: float = -2.415
    liq_short_log_noise_slope: float = -0.7181
    liq_move_floor: float = 0.001
    liq_max_fraction: float = 0.25
    # --- funding (Binance BTCUSDT 8h funding, 2024-12-31 .. 2026-02-19) and mark price
    funding_interest_rate: float = 0.0001
    funding_clamp: float = 0.0005
    premium_mean: float = -0.0004495
    premium_momentum_beta: float = 1.854e-05
    premium_momentum_half_life_hours: float = 336.0
    premium_noise_std: float = 4.651e-05
    premium_ar_8h: float = 0.4475
    mark_basis_mean: float = 2.452e-05
    mark_basis_std: float = 0.0001042
    mark_basis_ar_1h: float = 0.02973

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _PROFILES:
                size, what = _PROFILES[f.name]
                try:
                    profile = tuple(float(v) for v in value)
                except (TypeError, ValueError):
                    profile = ()
                if len(profile) != size or not all(math.isfinite(v) and v > 0 for v in profile):
                    _bad(f.name, f"{size} positive finite numbers ({what})", value)
                object.__setattr__(self, f.name, profile)
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                _bad(f.name, "a number", value)
            value = float(value)
            if not math.isfinite(value):
                _bad(f.name, "a finite number", value)
            object.__setattr__(self, f.name, value)
        for name, (lo, hi, lo_open, hi_open) in _RANGES.items():
            value = getattr(self, name)
            below = value <= lo if lo_open else value < lo
            above = value >= hi if hi_open else value > hi
            if below or above:
                lb = "(" if lo_open else "["
                rb = ")" if hi_open else "]"
                _bad(name, f"a number in {lb}{lo:g}, {hi:g}{rb}", value)
        jump_var = self.jump_rate_per_day * (5.0 / 1440.0) * math.exp(
            2.0 * self.jump_log_size_mean + 2.0 * self.jump_log_size_std ** 2)
        if jump_var >= 0.95 * self.ret_std_5m ** 2:
            raise ConfigError(
                f"synthetic.jump_rate_per_day: jumps alone give a 5m return variance of {jump_var:.3g}, "
                f"expected less than 95 % of ret_std_5m**2 = {self.ret_std_5m ** 2:.3g}; "
                "lower the jump rate or size, or raise ret_std_5m"
            )

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], path: str = "synthetic") -> "SyntheticParams":
        """Build from a mapping (for example parsed YAML); unknown keys are errors.

        Parameters
        ----------
        values : mapping
            Field name -> value; missing fields keep their defaults.
        path : str, default "synthetic"
            Where the mapping came from, used in error messages.
        """
        if not isinstance(values, Mapping):
            raise ConfigError(f"{path}: expected a mapping of parameter names to numbers, "
                              f"found {type(values).__name__}")
        names = [f.name for f in fields(cls)]
        for key in values:
            if key not in names:
                close = difflib.get_close_matches(str(key), names, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise ConfigError(f"{path}.{key}: unknown synthetic-market parameter{hint}")
        try:
            return cls(**dict(values))
        except ConfigError as exc:
            raise ConfigError(str(exc).replace("synthetic.", f"{path}.", 1)) from None

    def to_dict(self) -> dict[str, Any]:
        """Field name -> value (profiles as lists)."""
        out = asdict(self)
        for name in _PROFILES:
            out[name] = list(out[name])
        return out


_PROFILES = {"vol_hour_profile": (24, "UTC hours 0..23"), "vol_weekday_profile": (7, "Monday..Sunday")}


# name -> (low, high, low exclusive, high exclusive)
_INF = float("inf")
_RANGES = {
    "price_start_usd": (0.0, _INF, True, True),
    "ret_std_5m": (0.0, 0.5, True, False),
    "t_df": (2.0, 1000.0, True, False),
    "vol_log_std": (0.0, 3.0, False, False),
    "vol_fast_share": (0.0, 1.0, False, False),
    "vol_fast_half_life_hours": (0.0, _INF, True, True),
    "vol_slow_half_life_hours": (0.0, _INF, True, True),
    "vol_feedback": (0.0, 1.0, False, False),
    "jump_rate_per_day": (0.0, 288.0, False, False),
    "jump_log_size_mean": (-20.0, 0.0, False, True),
    "jump_log_size_std": (0.0, 3.0, False, False),
    "jump_down_prob": (0.0, 1.0, False, False),
    "wick_scale": (0.0, 10.0, False, False),
    "quote_volume_log_intercept_5m": (-_INF, _INF, True, True),
    "quote_volume_range_elasticity": (-10.0, 10.0, False, False),
    "quote_volume_range_floor_5m": (0.0, 1.0, True, False),
    "quote_volume_log_noise_std": (0.0, 5.0, False, False),
    "taker_buy_share_mean": (0.0, 1.0, True, True),
    "taker_buy_share_beta": (-0.5, 0.5, False, False),
    "taker_buy_share_noise_std": (0.0, 0.5, False, False),
    "oi_start_usd": (0.0, _INF, True, True),
    "oi_trend_half_life_hours": (0.0, _INF, True, True),
    "oi_trend_beta": (-100.0, 100.0, False, False),
    "oi_liq_beta": (0.0, 100.0, False, False),
    "oi_revert_per_hour": (0.0, 1.0, False, False),
    "oi_drift_per_hour": (-0.1, 0.1, False, False),
    "oi_noise_std_1h": (0.0, 0.5, False, False),
    "liq_long_log_intercept": (-_INF, _INF, True, True),
    "liq_long_log_slope": (0.0, 20.0, False, False),
    "liq_long_log_noise_intercept": (-50.0, 50.0, False, False),
    "liq_long_log_noise_slope": (-10.0, 10.0, False, False),
    "liq_short_log_intercept": (-_INF, _INF, True, True),
    "liq_short_log_slope": (0.0, 20.0, False, False),
    "liq_short_log_noise_intercept": (-50.0, 50.0, False, False),
    "liq_short_log_noise_slope": (-10.0, 10.0, False, False),
    "liq_move_floor": (0.0, 1.0, True, False),
    "liq_max_fraction": (0.0, 1.0, True, False),
    "funding_interest_rate": (-0.01, 0.01, False, False),
    "funding_clamp": (0.0, 0.05, False, False),
    "premium_mean": (-0.05, 0.05, False, False),
    "premium_momentum_beta": (-0.05, 0.05, False, False),
    "premium_momentum_half_life_hours": (0.0, _INF, True, True),
    "premium_noise_std": (0.0, 0.05, False, False),
    "premium_ar_8h": (0.0, 1.0, False, True),
    "mark_basis_mean": (-0.05, 0.05, False, False),
    "mark_basis_std": (0.0, 0.05, False, False),
    "mark_basis_ar_1h": (0.0, 1.0, False, True),
}


def _bad(name: str, expected: str, value) -> None:
    raise ConfigError(f"synthetic.{name}: expected {expected}, found {value!r}")


# ----------------------------------------------------------------------- generator
def _half_life_decay(half_life_hours: float, dt_hours: float) -> float:
    return math.exp(-math.log(2.0) * dt_hours / half_life_hours)


def _abs_t_moments(df: float) -> tuple[float, float]:
    """E|z| and std|z| of a unit-variance Student-t variable."""
    mean_abs_t = (2.0 * math.sqrt(df) * math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2))
                  / (math.sqrt(math.pi) * (df - 1.0)))
    mean = mean_abs_t * math.sqrt((df - 2.0) / df)
    return mean, math.sqrt(max(1.0 - mean * mean, 1e-12))


def _step_params(p: SyntheticParams, step: pd.Timedelta) -> StepParams:
    k = step / _FIVE_MIN  # step in units of 5 minutes
    dt_hours = step / _HOUR
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
        phi_slow=_half_life_decay(p.vol_slow_half_life_hours, dt_hours),
        phi_fast=_half_life_decay(p.vol_fast_half_life_hours, dt_hours),
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
    mom_decay = _half_life_decay(p.premium_momentum_half_life_hours, 1.0)
    sigma_1h = p.ret_std_5m * math.sqrt(12.0)
    mom_std = sigma_1h * math.sqrt((1.0 - mom_decay) / (1.0 + mom_decay))
    prem_phi = p.premium_ar_8h ** (1.0 / _FUNDING_WINDOW_HOURS)
    prem_sigma = p.premium_noise_std / math.sqrt(_block_mean_var_factor(prem_phi, _FUNDING_WINDOW_HOURS))
    return HourParams(
        log_oi_coins0=math.log(p.oi_start_usd / p.price_start_usd),
        oi_trend_decay=_half_life_decay(p.oi_trend_half_life_hours, 1.0),
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


def _week_hour(times_ns: np.ndarray) -> np.ndarray:
    """Hour of the week (0 = Monday 00:00 UTC) of epoch-nanosecond times."""
    hours = times_ns // _HOUR.value
    return (hours + 72) % 168  # 1970-01-01 was a Thursday: 72 hours after a Monday 00:00


def _season(times_ns: np.ndarray, params: SyntheticParams) -> np.ndarray:
    """Volatility multiplier of each time: hour-of-day x day-of-week, mean square 1 over a week."""
    week = np.outer(np.asarray(params.vol_weekday_profile), np.asarray(params.vol_hour_profile)).ravel()
    week = week / math.sqrt(float(np.mean(week ** 2)))
    return np.ascontiguousarray(week[_week_hour(times_ns)])


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
    if bar <= pd.Timedelta(0) or (bar < _HOUR and _HOUR.value % bar.value) or (bar > _HOUR and bar.value % _HOUR.value):
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
    if ts.value % _HOUR.value:
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

    step = min(bar, _HOUR)
    steps_per_bar = bar // step
    steps_per_hour = _HOUR // step
    n_steps = n_bars * steps_per_bar
    n_hours = n_steps // steps_per_hour

    draws = _streams(seed, _STEP_STREAMS, 1)
    z = draws["z"].standard_t(params.t_df, n_steps)
    normal = {k: draws[k].standard_normal(n_steps) for k in ("eps_slow", "eps_fast", "jump_n", "vol_eps", "taker_eps")}
    uniform = {k: draws[k].random(n_steps) for k in ("jump_u", "jump_sign_u", "wick_u_hi", "wick_u_lo")}
    step_ns = np.int64(step.value)
    season = _season(start.value + np.arange(n_steps, dtype=np.int64) * step_ns, params)

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
    rows = pd.date_range(start, periods=n_rows, freq=_HOUR, name="time")
    bundle["mark"] = pd.DataFrame({"open": mo, "high": mh, "low": ml, "close": mc}, index=rows)
    bundle["mark_bar_size"] = _HOUR
    sources["mark"] = source
    if n_hours >= 1:
        hours = rows[:n_hours]
        bundle["open_interest"] = pd.Series(oi[:n_hours], index=hours + _HOUR, name="oi_usd")
        bundle["liquidations"] = pd.DataFrame(
            {"realised_liq_long_usd": liq_l[:n_hours], "realised_liq_short_usd": liq_s[:n_hours]}, index=hours)
        bundle["liquidations_bar_size"] = _HOUR
        sources.update(open_interest=source, liquidations=source)

        end = start + n_steps * step
        first = start.ceil(_FUNDING_INTERVAL)
        if first == start:
            first += _FUNDING_INTERVAL
        events = pd.date_range(first, end, freq=_FUNDING_INTERVAL, name="time", inclusive="left")
        if len(events):
            event_hour = np.ascontiguousarray(((events - start) // _HOUR).to_numpy(dtype=np.int64))
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
