"""Numba kernels of the synthetic market generator. Arrays in, arrays out.

Every random number is drawn by the caller (:mod:`liqbt.data.synthetic`) and
passed in, one array per stream and one value per step, hour or event: the
kernels are deterministic and strictly causal (step ``i`` reads only inputs at
``<= i``), which is what makes a shorter run an exact prefix of a longer one.
All transcendental functions are evaluated here, element by element, so the
result of a step does not depend on the length of the arrays.

Units: prices in USD, log returns as natural-log fractions, volumes in base
asset (BTC) or USD as named, open interest and liquidations in USD notional,
premium and funding as fractions per 8h funding interval.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

__all__ = [
    "StepParams",
    "HourParams",
    "simulate_steps_nb",
    "aggregate_ohlc_nb",
    "aggregate_sum_nb",
    "simulate_hours_nb",
    "funding_rates_nb",
]


class StepParams(NamedTuple):
    """Per-step constants of the price, volume and taker-flow recursion (all float64)."""

    log_price0: float  # ln of the first open, ln USD
    mu_log_vol: float  # mean of ln(per-5m diffusive vol)
    step_scale: float  # sqrt(step / 5m): converts a per-5m vol to the step
    t_scale: float  # sqrt((df - 2) / df): makes Student-t draws unit-variance
    s_slow: float  # stationary std of the slow log-vol factor
    s_fast: float  # stationary std of the fast log-vol factor
    phi_slow: float  # per-step AR(1) coefficient of the slow factor
    phi_fast: float  # per-step AR(1) coefficient of the fast factor
    feedback: float  # share of the fast factor's innovation variance driven by |shock|
    abs_z_mean: float  # E|z| of the unit-variance innovation
    abs_z_std: float  # std |z| of the unit-variance innovation
    shock_cap: float  # |shock| (in step vols) is capped here before feeding back
    jump_prob: float  # probability of a jump in one step
    jump_log_mean: float  # mean of ln|jump|
    jump_log_std: float  # std of ln|jump|
    jump_down_prob: float  # probability that a jump is downwards
    wick_scale: float  # scales Brownian-bridge excursions beyond open/close
    qv_intercept: float  # ln USD quote volume of a step at unit (range + floor)
    qv_elasticity: float  # d ln(quote volume) / d ln(range + floor)
    qv_floor: float  # floor added to the step's log range
    qv_noise_std: float  # std of ln(quote volume) noise
    taker_mean: float  # mean taker-buy share of volume
    taker_beta: float  # taker-buy share per unit standardised step return
    taker_noise_std: float  # std of the taker-buy share noise


class HourParams(NamedTuple):
    """Per-hour constants of open interest, liquidations, premium and mark price (all float64)."""

    log_oi_coins0: float  # ln of the reference open interest, ln base-asset coins
    oi_trend_decay: float  # EWMA decay per hour of the trend (momentum) used by OI
    oi_trend_beta: float  # d ln(OI coins) per hour per unit |trend| (log return per hour)
    oi_liq_beta: float  # d ln(OI coins) per unit of liquidated fraction of OI
    oi_revert: float  # mean reversion of ln(OI coins) per hour
    oi_drift: float  # drift of ln(OI coins) per hour
    oi_noise_std: float  # std of ln(OI coins) noise per hour
    liq_long_a: float  # ln(long liq / OI) intercept
    liq_long_b: float  # slope on x = ln(drawdown from hour open + floor)
    liq_long_s0: float  # std of the ln noise = max(s0 + s1 * x, noise_min)
    liq_long_s1: float
    liq_short_a: float
    liq_short_b: float  # slope on x = ln(run-up from hour open + floor)
    liq_short_s0: float
    liq_short_s1: float
    liq_noise_min: float  # lower bound of the ln-noise std
    liq_floor: float  # floor added to the hourly drawdown / run-up (fraction)
    liq_cap: float  # max liquidated fraction of OI per side per hour
    prem_mean: float  # mean premium, fraction
    prem_beta: float  # premium per unit standardised momentum, fraction
    prem_mom_decay: float  # EWMA decay per hour of the momentum used by the premium
    prem_mom_scale: float  # 1 / (stationary std of that momentum)
    prem_phi: float  # AR(1) coefficient per hour of the premium noise
    prem_sigma: float  # stationary std of the hourly premium noise, fraction
    mark_mean: float  # mean ln(mark / last)
    mark_std: float  # stationary std of ln(mark / last)
    mark_phi: float  # AR(1) coefficient per hour of ln(mark / last)


@njit(cache=True)
def simulate_steps_nb(z, eps_slow, eps_fast, jump_u, jump_n, jump_sign_u, wick_u_hi, wick_u_lo,
                      vol_eps, taker_eps, season, p):
    """Price, volume and taker flow of ``n`` simulation steps.

    Parameters
    ----------
    z : ndarray
        Student-t draws (not yet unit-variance), one per step.
    eps_slow, eps_fast, jump_n, vol_eps, taker_eps : ndarray
        Standard normal draws, one per step.
    jump_u, jump_sign_u, wick_u_hi, wick_u_lo : ndarray
        Uniform draws on ``[0, 1)``, one per step.
    season : ndarray
        Volatility multiplier of each step (UTC hour-of-day profile).
    p : StepParams

    Returns
    -------
    open, high, low, close : ndarray
        USD.
    volume, quote_volume, taker_buy_volume, taker_buy_quote_volume : ndarray
        Base asset and USD.
    """
    n = z.shape[0]
    o = np.empty(n)
    h = np.empty(n)
    lo = np.empty(n)
    c = np.empty(n)
    vol = np.empty(n)
    qv = np.empty(n)
    tb = np.empty(n)
    tbq = np.empty(n)
    lp = p.log_price0
    prev_close = np.exp(lp)
    slow = 0.0
    fast = 0.0
    shock_std = 0.0
    c_slow = p.s_slow * np.sqrt(1.0 - p.phi_slow * p.phi_slow)
    c_fast = p.s_fast * np.sqrt(1.0 - p.phi_fast * p.phi_fast)
    w_noise = np.sqrt(1.0 - p.feedback)
    w_fb = np.sqrt(p.feedback)
    for i in range(n):
        # --- volatility state: stationary start, then AR(1) with shock feedback
        if i == 0:
            slow = p.s_slow * eps_slow[0]
            fast = p.s_fast * eps_fast[0]
        else:
            slow = p.phi_slow * slow + c_slow * eps_slow[i]
            fast = p.phi_fast * fast + c_fast * (w_noise * eps_fast[i] + w_fb * shock_std)
        sigma = np.exp(p.mu_log_vol + slow + fast) * season[i] * p.step_scale
        # --- return: fat-tailed diffusion + occasional jump
        r = sigma * z[i] * p.t_scale
        if jump_u[i] < p.jump_prob:
            size = np.exp(p.jump_log_mean + p.jump_log_std * jump_n[i])
            if jump_sign_u[i] < p.jump_down_prob:
                size = -size
            r += size
        shock = abs(r) / sigma
        if shock > p.shock_cap:
            shock = p.shock_cap
        shock_std = (shock - p.abs_z_mean) / p.abs_z_std
        # --- OHLC: Brownian-bridge extremes given the step's endpoints
        lp_open = lp
        lp = lp_open + r
        up = max(0.0, r)
        dn = min(0.0, r)
        e_hi = -np.log(1.0 - wick_u_hi[i])
        e_lo = -np.log(1.0 - wick_u_lo[i])
        wick_hi = 0.5 * (np.sqrt(r * r + 2.0 * sigma * sigma * e_hi) - abs(r))
        wick_lo = 0.5 * (np.sqrt(r * r + 2.0 * sigma * sigma * e_lo) - abs(r))
        o[i] = prev_close
        c[i] = np.exp(lp)
        h[i] = np.exp(lp_open + up + p.wick_scale * wick_hi)
        lo[i] = np.exp(lp_open + dn - p.wick_scale * wick_lo)
        if h[i] < o[i]:  # exp of the larger log can round below the stored open
            h[i] = o[i]
        if h[i] < c[i]:
            h[i] = c[i]
        if lo[i] > o[i]:
            lo[i] = o[i]
        if lo[i] > c[i]:
            lo[i] = c[i]
        prev_close = c[i]
        # --- volume grows with the range; taker buys lean with the return
        rng = np.log(h[i] / lo[i])
        qv[i] = np.exp(p.qv_intercept + p.qv_elasticity * np.log(rng + p.qv_floor) + p.qv_noise_std * vol_eps[i])
        vol[i] = qv[i] / ((h[i] + lo[i] + c[i]) / 3.0)
        lean = r / sigma
        if lean > 4.0:
            lean = 4.0
        elif lean < -4.0:
            lean = -4.0
        share = p.taker_mean + p.taker_beta * lean + p.taker_noise_std * taker_eps[i]
        if share < 0.01:
            share = 0.01
        elif share > 0.99:
            share = 0.99
        tb[i] = share * vol[i]
        tbq[i] = share * qv[i]
    return o, h, lo, c, vol, qv, tb, tbq


@njit(cache=True)
def aggregate_ohlc_nb(o, h, lo, c, k, keep_partial):
    """OHLC of consecutive groups of ``k`` steps.

    A trailing partial group is dropped, or kept as a last (forming) row when
    ``keep_partial`` is true.
    """
    n = o.shape[0]
    m = n // k
    if keep_partial and n % k:
        m += 1
    ao = np.empty(m)
    ah = np.empty(m)
    al = np.empty(m)
    ac = np.empty(m)
    for j in range(m):
        s = j * k
        e = min(s + k, n)
        ao[j] = o[s]
        ac[j] = c[e - 1]
        hi = h[s]
        low = lo[s]
        for i in range(s + 1, e):
            if h[i] > hi:
                hi = h[i]
            if lo[i] < low:
                low = lo[i]
        ah[j] = hi
        al[j] = low
    return ao, ah, al, ac


@njit(cache=True)
def aggregate_sum_nb(x, k):
    """Sums of consecutive groups of ``k`` values (in order); a trailing partial group is dropped."""
    m = x.shape[0] // k
    out = np.empty(m)
    for j in range(m):
        s = 0.0
        for i in range(j * k, j * k + k):
            s += x[i]
        out[j] = s
    return out


@njit(cache=True)
def simulate_hours_nb(ho, hh, hl, hc, eps_oi, eps_liq_long, eps_liq_short, eps_prem, eps_mark, p):
    """Open interest, liquidations, premium and mark price of complete hours.

    Parameters
    ----------
    ho, hh, hl, hc : ndarray
        Hourly last-price OHLC, USD.
    eps_oi, eps_liq_long, eps_liq_short, eps_prem, eps_mark : ndarray
        Standard normal draws, one per hour.
    p : HourParams

    Returns
    -------
    oi_usd : ndarray
        Open interest at each hour's close, USD notional.
    liq_long_usd, liq_short_usd : ndarray
        Liquidated longs / shorts during each hour, USD notional.
    premium : ndarray
        Premium of the perpetual over the index during each hour, fraction.
    mark_open, mark_high, mark_low, mark_close : ndarray
        Hourly mark-price OHLC, USD.
    """
    n = ho.shape[0]
    oi = np.empty(n)
    liq_l = np.empty(n)
    liq_s = np.empty(n)
    prem = np.empty(n)
    mo = np.empty(n)
    mh = np.empty(n)
    ml = np.empty(n)
    mc = np.empty(n)
    x = p.log_oi_coins0
    trend = 0.0
    mom = 0.0
    u = 0.0
    b = 0.0
    b_prev = 0.0
    c_prem = p.prem_sigma * np.sqrt(1.0 - p.prem_phi * p.prem_phi)
    c_mark = p.mark_std * np.sqrt(1.0 - p.mark_phi * p.mark_phi)
    for t in range(n):
        r = np.log(hc[t] / ho[t])
        trend = p.oi_trend_decay * trend + (1.0 - p.oi_trend_decay) * r
        mom = p.prem_mom_decay * mom + (1.0 - p.prem_mom_decay) * r
        # --- liquidations: a deep drawdown from the hour's open liquidates longs, a run-up shorts
        oi_open = np.exp(x) * ho[t]
        down = np.log(ho[t] / hl[t])
        up = np.log(hh[t] / ho[t])
        xl = np.log(down + p.liq_floor)
        xs = np.log(up + p.liq_floor)
        sl = max(p.liq_long_s0 + p.liq_long_s1 * xl, p.liq_noise_min)
        ss = max(p.liq_short_s0 + p.liq_short_s1 * xs, p.liq_noise_min)
        fl = np.exp(p.liq_long_a + p.liq_long_b * xl + sl * eps_liq_long[t])
        fs = np.exp(p.liq_short_a + p.liq_short_b * xs + ss * eps_liq_short[t])
        if fl > p.liq_cap:
            fl = p.liq_cap
        if fs > p.liq_cap:
            fs = p.liq_cap
        liq_l[t] = fl * oi_open
        liq_s[t] = fs * oi_open
        # --- open interest in coins: builds in trends, collapses with liquidations
        x = (x + p.oi_drift + p.oi_trend_beta * abs(trend) - p.oi_liq_beta * (fl + fs)
             - p.oi_revert * (x - p.log_oi_coins0) + p.oi_noise_std * eps_oi[t])
        oi[t] = np.exp(x) * hc[t]
        # --- premium: mean + momentum + AR(1) noise
        if t == 0:
            u = p.prem_sigma * eps_prem[0]
        else:
            u = p.prem_phi * u + c_prem * eps_prem[t]
        prem[t] = p.prem_mean + p.prem_beta * mom * p.prem_mom_scale + u
        # --- mark price: last price times a small AR(1) basis
        if t == 0:
            b = p.mark_mean + p.mark_std * eps_mark[0]
            mo[t] = ho[t] * np.exp(b)
            b_prev = b
        else:
            b_prev = b
            b = p.mark_mean + p.mark_phi * (b - p.mark_mean) + c_mark * eps_mark[t]
            mo[t] = mc[t - 1]
        mc[t] = hc[t] * np.exp(b)
        mid = 0.5 * (b_prev + b)
        mh[t] = max(hh[t] * np.exp(mid), mo[t], mc[t])
        ml[t] = min(hl[t] * np.exp(mid), mo[t], mc[t])
    return oi, liq_l, liq_s, prem, mo, mh, ml, mc


@njit(cache=True)
def funding_rates_nb(premium, event_hour, window, interest, clamp):
    """Funding rate of each event from the mean premium of the preceding hours.

    ``rate = P + clamp(interest - P, -clamp, +clamp)`` with ``P`` the mean of
    ``premium`` over hours ``[event_hour - window, event_hour)`` that exist
    (Binance's formula; fractions per funding interval). ``event_hour[k]`` is
    the index of the first hour *after* the event's averaging window, >= 1.
    """
    m = event_hour.shape[0]
    out = np.empty(m)
    for k in range(m):
        e = event_hour[k]
        s = e - window
        if s < 0:
            s = 0
        total = 0.0
        for i in range(s, e):
            total += premium[i]
        pm = total / (e - s)
        d = interest - pm
        if d > clamp:
            d = clamp
        elif d < -clamp:
            d = -clamp
        out[k] = pm + d
    return out
