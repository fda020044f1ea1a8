"""Parameters of the synthetic market model (:mod:`liqbt.data.synthetic`), with units and ranges.

:class:`SyntheticParams` holds the fitted defaults (see :mod:`liqbt.data.synthetic_fit`) and
checks every value once, naming the field (``synthetic.<name>``) of a bad one.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import asdict, dataclass, fields
from typing import Any, Mapping

import numpy as np

from ..errors import ConfigError

__all__ = ["SyntheticParams", "PROFILES"]


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
            if f.name in PROFILES:
                size, what = PROFILES[f.name]
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
        for name in PROFILES:
            out[name] = list(out[name])
        return out


PROFILES = {"vol_hour_profile": (24, "UTC hours 0..23"), "vol_weekday_profile": (7, "Monday..Sunday")}


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
