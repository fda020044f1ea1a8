"""Fitting the SYNTHETIC market model to real data, and comparing the two.

Reproduce the fitted defaults of :class:`~liqbt.data.synthetic.SyntheticParams` with::

    python -m liqbt.data.synthetic_fit fit ../shared/data

and compare a synthetic market with the real series with::

    python -m liqbt.data.synthetic_fit compare ../shared/data
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import fields, replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from .synthetic import (
    FIVE_MIN,
    FUNDING_INTERVAL,
    HOUR,
    generate_bundle,
    generate_market,
    half_life_decay,
    vol_season,
    week_hour,
)
from .synthetic_params import PROFILES, SyntheticParams
from .synthetic_stats import as_utc_ns, load_reference, market_stats, reference_stats

__all__ = ["fit_params", "load_reference", "balanced_oi_drift", "market_stats", "reference_stats", "main"]


def _ewma(x: np.ndarray, decay: float) -> np.ndarray:
    """``m_t = decay * m_{t-1} + (1 - decay) * x_t`` from ``m_{-1} = 0`` (as the kernels)."""
    out = np.empty(len(x))
    m = 0.0
    for i, v in enumerate(x):
        m = decay * m + (1.0 - decay) * v
        out[i] = m
    return out


def _ols(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, float, float]:
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    resid = y - X @ beta
    return beta, float(np.std(resid)), 1.0 - float(np.var(resid) / np.var(y))


def _fit_student_t(x: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood degrees of freedom and scale of a zero-centred Student-t."""
    from scipy.optimize import minimize
    from scipy.special import gammaln

    x2 = x * x

    def nll(theta):
        df, scale = 2.0 + math.exp(theta[0]), math.exp(theta[1])
        const = gammaln((df + 1) / 2) - gammaln(df / 2) - 0.5 * math.log(df * math.pi) - math.log(scale)
        return -(len(x) * const - (df + 1) / 2 * float(np.sum(np.log1p(x2 / (scale * scale * df)))))

    res = minimize(nll, [math.log(3.0), math.log(float(np.std(x)))], method="Nelder-Mead",
                   options={"xatol": 1e-6, "fatol": 1e-4})
    return 2.0 + math.exp(res.x[0]), math.exp(res.x[1])


def _fit_price(candles: pd.DataFrame) -> dict[str, Any]:
    from scipy.optimize import curve_fit
    from scipy.special import stdtr

    if len(candles) < 288 * 30:
        raise DataError("candles_5m", f"need at least 30 days of 5m candles to fit, found {len(candles)} bars")
    index = candles.index
    consecutive = np.diff(index.asi8) == FIVE_MIN.value
    if not consecutive.mean() > 0.99:
        raise DataError("candles_5m", "expected contiguous 5-minute bars (fewer than 1 % gaps)")
    close = candles["close"].to_numpy(dtype=np.float64)
    r_all = np.diff(np.log(close))
    r = np.where(consecutive, r_all, 0.0)  # a gap contributes a zero return
    hour = ((index.asi8[1:] // HOUR.value) % 24).astype(np.int64)
    out: dict[str, Any] = {"price_start_usd": round(float(candles["open"].iloc[0]), 2),
                           "ret_std_5m": float(np.std(r_all[consecutive]))}

    ms = np.bincount(hour, weights=r ** 2, minlength=24) / np.bincount(hour, minlength=24)
    hour_profile = np.sqrt(ms / ms.mean())
    weekday = week_hour(index.asi8[1:]) // 24
    r_h = r / hour_profile[hour]
    md = np.bincount(weekday, weights=r_h ** 2, minlength=7) / np.bincount(weekday, minlength=7)
    weekday_profile = np.sqrt(md / md.mean())
    out["vol_hour_profile"] = tuple(round(float(v), 3) for v in hour_profile)
    out["vol_weekday_profile"] = tuple(round(float(v), 3) for v in weekday_profile)
    season = vol_season(index.asi8[1:], replace(SyntheticParams(), vol_hour_profile=out["vol_hour_profile"],
                                             vol_weekday_profile=out["vol_weekday_profile"]))
    rt = r / season

    # Student-t on returns standardised by a causal EWMA variance (half-life 1h)
    var_prior = np.empty(len(rt))
    decay = half_life_decay(12.0, 1.0)
    v = float(np.mean(rt[:288] ** 2))
    for i, x in enumerate(rt):
        var_prior[i] = v
        v = decay * v + (1.0 - decay) * x * x
    warm = 288
    z = (rt / np.sqrt(var_prior))[warm:][consecutive[warm:]]
    df, scale = _fit_student_t(z)
    out["t_df"] = float(df)

    # jumps: moves beyond 8 EWMA vols in excess of what the Student-t gives
    threshold = 8.0
    big = np.abs(z) > threshold
    expected = 2.0 * stdtr(df, -threshold / scale) * len(z)
    days = len(z) / 288.0
    out["jump_rate_per_day"] = max(float(big.sum() - expected), 0.0) / days
    jumps = r[warm:][consecutive[warm:]][big]
    if len(jumps) >= 3:
        out["jump_log_size_mean"] = float(np.mean(np.log(np.abs(jumps))))
        out["jump_log_size_std"] = float(np.std(np.log(np.abs(jumps))))
        out["jump_down_prob"] = float(np.mean(jumps < 0))

    # ln-volatility: variance and autocorrelation of hourly ln realised variance
    hour_id = (index.asi8[1:] - index.asi8[0]) // HOUR.value
    frame = pd.DataFrame({"h": hour_id, "rv": rt ** 2, "ok": consecutive})
    grouped = frame[frame["ok"]].groupby("h")["rv"].agg(["sum", "count"])
    lrv = np.log(grouped.loc[(grouped["count"] == 12) & (grouped["sum"] > 0), "sum"])
    lrv = lrv.reindex(range(int(hour_id.max()) + 1))
    mc = np.random.Generator(np.random.PCG64(20250101)).standard_t(df, (100_000, 12)) * math.sqrt((df - 2) / df)
    noise_var = float(np.var(np.log(np.mean(mc ** 2, axis=1))))
    total_var = float(lrv.var())
    true_var = max(total_var - noise_var, 1e-6)
    out["vol_log_std"] = math.sqrt(true_var / 4.0)
    lags = np.arange(1, 24 * 21 + 1)  # three weeks: the deseasonalised ACF is ~0 beyond
    acf = np.array([lrv.autocorr(int(k)) for k in lags]) * total_var / true_var

    def two_factor(k, w, tf, ts):
        return w * np.exp(-math.log(2) * k / tf) + (1 - w) * np.exp(-math.log(2) * k / ts)

    (w, tf, ts), _ = curve_fit(two_factor, lags, acf, p0=[0.6, 6.0, 500.0],
                               bounds=([0.0, 0.25, 24.0], [1.0, 24.0, 24.0 * 90]))
    out.update(vol_fast_share=float(w), vol_fast_half_life_hours=float(tf), vol_slow_half_life_hours=float(ts))

    # wicks: real excursions beyond open/close vs a Brownian bridge with the EWMA vol
    o, h, lo, c = (np.log(candles[k].to_numpy(dtype=np.float64))[1:] for k in ("open", "high", "low", "close"))
    rb = c - o
    real = (h - np.maximum(o, c)) + (np.minimum(o, c) - lo)
    sigma = np.sqrt(var_prior) * season
    e = np.random.Generator(np.random.PCG64(20250102)).standard_exponential((2, len(rb)))
    model = 0.5 * (np.sqrt(rb ** 2 + 2 * sigma ** 2 * e[0]) - np.abs(rb)) \
        + 0.5 * (np.sqrt(rb ** 2 + 2 * sigma ** 2 * e[1]) - np.abs(rb))
    keep = np.arange(len(rb)) >= warm
    out["wick_scale"] = float(real[keep].sum() / model[keep].sum())

    # quote volume against the bar's range
    hl = np.log(candles["high"] / candles["low"]).to_numpy()
    qv = (candles["volume"] * (candles["high"] + candles["low"] + candles["close"]) / 3.0).to_numpy()
    ok = qv > 0
    floor = SyntheticParams.quote_volume_range_floor_5m
    beta, resid, _ = _ols(np.log(qv[ok]), np.column_stack([np.ones(ok.sum()), np.log(hl[ok] + floor)]))
    out.update(quote_volume_log_intercept_5m=float(beta[0]), quote_volume_range_elasticity=float(beta[1]),
               quote_volume_log_noise_std=resid)
    return out


def _hourly_closes(candles: pd.DataFrame) -> pd.Series:
    """Last-price close of each complete UTC hour of 5m candles, indexed by hour open."""
    hours = candles.index.floor(HOUR)
    grouped = candles["close"].groupby(hours)
    closes = grouped.last()[grouped.count() == 12]
    return closes.reindex(pd.date_range(closes.index[0], closes.index[-1], freq=HOUR, name="time"))


def _fit_funding(funding: pd.Series, candles: pd.DataFrame, ret_std_5m: float,
                 interest: float, clamp: float) -> dict[str, float]:
    """Tobit fit of the latent premium behind Binance's clamped funding rates."""
    from scipy.optimize import minimize
    from scipy.special import ndtr

    closes = _hourly_closes(candles).ffill()
    r_h = np.log(closes).diff().fillna(0.0).to_numpy()
    rates = funding.to_numpy(dtype=np.float64)
    # momentum known at the event: through the hour that closes at the event
    pos = closes.index.get_indexer(funding.index - HOUR)
    ok = pos >= 0
    rates, pos = rates[ok], pos[ok]
    at_interest = np.isclose(rates, interest, rtol=0, atol=1e-10)
    below = ~at_interest & (rates < interest)
    latent = np.where(below, rates - clamp, rates + clamp)  # exact where not censored
    sigma_1h = ret_std_5m * math.sqrt(12.0)
    scale = 1e4  # work in basis points
    best = None
    for half_life in (24.0, 72.0, 168.0, 336.0):
        decay = half_life_decay(half_life, 1.0)
        mom = _ewma(r_h, decay)[pos] / (sigma_1h * math.sqrt((1 - decay) / (1 + decay)))
        y = latent * scale
        lo_c, hi_c = (interest - clamp) * scale, (interest + clamp) * scale

        def nll(theta):
            c0, b, log_s = theta
            s = math.exp(log_s)
            mu = c0 + b * mom
            inside = ndtr((hi_c - mu) / s) - ndtr((lo_c - mu) / s)
            ll = np.where(
                at_interest,
                np.log(np.clip(inside, 1e-300, None)),
                -0.5 * ((y - mu) / s) ** 2 - 0.5 * math.log(2 * math.pi) - log_s,
            )
            return -float(ll.sum())

        start = [float(np.mean(y[~at_interest])), 0.0, math.log(float(np.std(y[~at_interest])) + 1e-3)]
        res = minimize(nll, start, method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-6, "maxiter": 4000})
        if best is None or res.fun < best[0]:
            best = (res.fun, half_life, res.x, mom)
    _, half_life, (c0, b, log_s), mom = best
    resid = latent * scale - c0 - b * mom
    free = ~at_interest
    pairs = free[1:] & free[:-1] & (np.diff(funding.index[ok].asi8) == FUNDING_INTERVAL.value)
    ar = float(np.corrcoef(resid[1:][pairs], resid[:-1][pairs])[0, 1]) if pairs.sum() > 10 else 0.5
    return {
        "premium_mean": float(c0) / scale,
        "premium_momentum_beta": float(b) / scale,
        "premium_momentum_half_life_hours": half_life,
        "premium_noise_std": math.exp(log_s) / scale,
        "premium_ar_8h": min(max(ar, 0.0), 0.99),
    }


def _fit_open_interest(hourly: pd.DataFrame, floor: float) -> dict[str, float]:
    hourly = hourly.sort_index()
    consecutive = np.diff(hourly.index.asi8) == HOUR.value
    o, h, lo, c = (hourly[k].to_numpy(dtype=np.float64) for k in ("open", "high", "low", "close"))
    oi_open = hourly["oi_open_usd"].to_numpy(dtype=np.float64)
    oi_close = hourly["oi_close_usd"].to_numpy(dtype=np.float64)
    liq_l = hourly["realised_liq_long_usd"].to_numpy(dtype=np.float64)
    liq_s = hourly["realised_liq_short_usd"].to_numpy(dtype=np.float64)
    out: dict[str, float] = {"oi_start_usd": float(np.mean(oi_close))}

    # liquidations: ln(liq / OI) against ln(move from the hour's open + floor)
    for side, liq, move in (("long", liq_l, np.log(o / lo)), ("short", liq_s, np.log(h / o))):
        ok = (liq > 0) & (oi_open > 0)
        y = np.log(liq[ok] / oi_open[ok])
        X = np.column_stack([np.ones(ok.sum()), np.log(move[ok] + floor)])
        beta, _, _ = _ols(y, X)
        # heteroskedastic noise: E|e| = s * sqrt(2 / pi) for normal e, linear in x
        scale, _, _ = _ols(np.abs(y - X @ beta) * math.sqrt(math.pi / 2.0), X)
        out[f"liq_{side}_log_intercept"] = float(beta[0])
        out[f"liq_{side}_log_slope"] = float(beta[1])
        out[f"liq_{side}_log_noise_intercept"] = float(scale[0])
        out[f"liq_{side}_log_noise_slope"] = float(scale[1])

    # open interest in coins: trend, liquidations, mean reversion, drift
    x = np.log(oi_close / c)
    r = np.log(c / o)
    liq_frac = (liq_l + liq_s) / oi_open
    best = None
    for half_life in (2.0, 3.0, 6.0, 12.0, 24.0, 48.0):
        trend = _ewma(r, half_life_decay(half_life, 1.0))
        X = np.column_stack([np.ones(len(x) - 1), np.abs(trend[1:]), liq_frac[1:], x[:-1] - x.mean()])
        beta, resid, r2 = _ols(np.diff(x)[consecutive], X[consecutive])
        if best is None or r2 > best[0]:
            best = (r2, half_life, beta, resid)
    _, half_life, beta, resid = best
    out.update(oi_trend_half_life_hours=half_life, oi_drift_per_hour=float(beta[0]),
               oi_trend_beta=float(beta[1]), oi_liq_beta=float(max(-beta[2], 0.0)),
               oi_revert_per_hour=float(min(max(-beta[3], 0.0), 1.0)), oi_noise_std_1h=resid)
    return out


def _fit_mark(mark: pd.DataFrame, candles: pd.DataFrame) -> dict[str, float]:
    closes = _hourly_closes(candles)
    basis = np.log(mark["close"] / closes.reindex(mark.index)).dropna()
    basis = basis.reindex(pd.date_range(basis.index[0], basis.index[-1], freq=HOUR))
    return {"mark_basis_mean": float(basis.mean()), "mark_basis_std": float(basis.std()),
            "mark_basis_ar_1h": min(max(float(basis.autocorr()), 0.0), 0.99)}


def _fit_taker(taker: pd.DataFrame, candles: pd.DataFrame) -> dict[str, float]:
    bar = pd.Timedelta(int(np.median(np.diff(taker.index.asi8))), unit="ns")
    opens = candles["open"].groupby(candles.index.floor(bar)).first()
    closes = candles["close"].groupby(candles.index.floor(bar)).last()
    r = np.log(closes / opens).reindex(taker.index)
    share = taker["taker_buy_usd"] / (taker["taker_buy_usd"] + taker["taker_sell_usd"])
    ok = (r.notna() & share.notna()).to_numpy()
    z = (r / r[ok].std()).to_numpy()[ok]
    beta, resid, _ = _ols(share.to_numpy()[ok], np.column_stack([np.ones(ok.sum()), z]))
    return {"taker_buy_share_mean": float(beta[0]), "taker_buy_share_beta": float(beta[1]),
            "taker_buy_share_noise_std": resid}


def fit_params(
    candles_5m: pd.DataFrame,
    *,
    funding: pd.Series | None = None,
    hourly: pd.DataFrame | None = None,
    mark: pd.DataFrame | None = None,
    taker: pd.DataFrame | None = None,
    base: SyntheticParams | None = None,
) -> SyntheticParams:
    """Fit the model's parameters to real data; parts not given keep ``base``.

    Parameters
    ----------
    candles_5m : DataFrame
        Contiguous 5-minute ``open, high, low, close`` (USD) and ``volume``
        (base asset) indexed by UTC bar open; at least 30 days.
    funding : Series, optional
        Funding events (fraction per 8h interval) at their UTC times.
    hourly : DataFrame, optional
        Hourly ``open, high, low, close`` (USD), ``oi_open_usd, oi_close_usd``
        and ``realised_liq_long_usd, realised_liq_short_usd`` indexed by UTC
        hour open, as returned by :func:`load_reference`.
    mark : DataFrame, optional
        Hourly mark-price ``close`` indexed by UTC hour open.
    taker : DataFrame, optional
        ``taker_buy_usd, taker_sell_usd`` indexed by UTC bar open (hourly or
        coarser, within the span of ``candles_5m``).
    base : SyntheticParams, optional
        Values kept for everything not fitted (default: the defaults).

    Returns
    -------
    SyntheticParams
    """
    base = base if base is not None else SyntheticParams()
    candles_5m = as_utc_ns(candles_5m)
    funding, hourly, mark, taker = (as_utc_ns(x) if x is not None else None for x in (funding, hourly, mark, taker))
    values = _fit_price(candles_5m)
    if funding is not None:
        values.update(_fit_funding(funding, candles_5m, values["ret_std_5m"],
                                   base.funding_interest_rate, base.funding_clamp))
    if hourly is not None:
        values.update(_fit_open_interest(hourly, base.liq_move_floor))
    if mark is not None:
        values.update(_fit_mark(mark, candles_5m))
    if taker is not None:
        values.update(_fit_taker(taker, candles_5m))
    params = replace(base, **values)
    if hourly is not None:
        params = replace(params, oi_drift_per_hour=balanced_oi_drift(params))
    return params


def balanced_oi_drift(params: SyntheticParams, *, seed: int = 0, years: float = 4.0) -> float:
    """The ``oi_drift_per_hour`` that keeps open interest (in coins) level on average.

    The drift fitted on real data is specific to its period (OI fell or grew);
    the generator instead needs the drift that offsets the mean OI build-up
    from trends and the mean loss to liquidations *of the model itself*, so that
    OI stays around ``oi_start_usd / price_start_usd`` coins. It is estimated
    from one simulated path (5-minute steps, ``years`` long, ``seed``).

    Returns
    -------
    float
        Drift of ln(OI in coins) per hour.
    """
    bundle = generate_bundle(int(years * 365 * 288), "5m", seed=seed, params=params)
    candles = bundle.candles
    hours = candles.index.floor(HOUR)
    grouped = candles.groupby(hours)
    ho = grouped["open"].first().to_numpy()
    hc = grouped["close"].last().to_numpy()
    n = len(bundle.liquidations)
    ho, hc = ho[:n], hc[:n]
    trend = _ewma(np.log(hc / ho), half_life_decay(params.oi_trend_half_life_hours, 1.0))
    coins_prev = bundle.open_interest.to_numpy()[:-1] / hc[:-1]
    liq = bundle.liquidations.sum(axis=1).to_numpy()[1:]
    fraction = liq / (coins_prev * ho[1:])
    return -float(params.oi_trend_beta * np.mean(np.abs(trend[1:])) - params.oi_liq_beta * np.mean(fraction))


# ---------------------------------------------------------------------------- CLI
def _format_params(params: SyntheticParams) -> str:
    lines = []
    for f in fields(params):
        value = getattr(params, f.name)
        if f.name in PROFILES:
            lines.append(f"{f.name} = {tuple(round(v, 3) for v in value)}")
        else:
            lines.append(f"{f.name} = {float(f'{value:.4g}')!r}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m liqbt.data.synthetic_fit {fit,compare} DATA_DIR``."""
    parser = argparse.ArgumentParser(prog="python -m liqbt.data.synthetic_fit",
                                     description="fit or check the synthetic market model on real data")
    parser.add_argument("action", choices=("fit", "compare"),
                        help="fit: print fitted defaults; compare: real vs synthetic statistics")
    parser.add_argument("data_dir", nargs="?", default="../shared/data", help="shared data folder")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic market (compare)")
    args = parser.parse_args(argv)
    ref = load_reference(args.data_dir)
    if args.action == "fit":
        params = fit_params(ref["candles_5m"], funding=ref["funding"], hourly=ref["hourly"],
                            mark=ref["mark"], taker=ref["taker"])
        print(_format_params(params))
        return 0
    real = reference_stats(ref["candles_5m"], ref["funding"], ref["hourly"])
    synth = market_stats(generate_market(n_bars=len(ref["candles_5m"]), bar_size="5m", seed=args.seed))
    print(f"{'statistic':<24}{'real':>14}{'synthetic':>14}{'ratio':>8}")
    for key, value in real.items():
        print(f"{key:<24}{value:>14.4g}{synth[key]:>14.4g}{synth[key] / value:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
