"""Fit a liquidation predictor on an earlier period and score it on a later one.

The fit is a small grid (:class:`~liqbt.calibration.config.SearchSpace`): the
heatmap variants run together through the engine's parameter-set runner,
each combined with every background density, and the variant with the best
mean Spearman correlation (long, short) on the *training* bars wins. Per-side
scales then match the training period's realised totals. The held-out period
is scored once, after the choice, next to the naive baseline and the shipped
default predictor.

Only realised bars fully covered by candles, with both values known, are
scored (:func:`realised_liquidations`); the rest are dropped and counted.

On a :class:`~liqbt.data.MultiVenueMarket` the realised liquidations are those
of the one venue that holds them (Binance-only liquidations sit on the
``binance`` venue), scored on that venue's candles, while every predictor runs
on the venues the heatmap selects (``calibration.base.venues``, default all),
each venue with its own open interest: ``venues: [binance]`` against all
venues says what the other venues' positions add to the ranks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.market import Market, MultiVenueMarket, bar_size_label
from ..errors import ConfigError
from ..heatmap import HeatmapModel, reconstruct, reconstruct_many
from ..heatmap.venues import selected_venues
from .baseline import naive_baseline
from .config import CalibrationConfig
from .learned import v2_contenders
from .metrics import by_month, score
from .predictor import CALIBRATED_HEATMAP, LiquidationPredictor, combine, engine_predictions

__all__ = ["calibrate", "realised_liquidations", "realised_coverage", "split_time", "realised_venue"]

_PRED_COLUMNS = ("pred_liq_long_usd", "pred_liq_short_usd")


def realised_liquidations(market: Market) -> tuple[pd.DataFrame, pd.Timedelta]:
    """Realised long/short USD of the bars that can be scored, and the realised bar size.

    A realised bar ``[T, T + size)`` is scored only when every candle in it is
    present (not missing, not inserted by ``gaps="fill"``) and both its values
    are known; the others are dropped, at the ends of the data and inside it
    alike. :func:`realised_coverage` counts what was dropped and why.
    """
    real, rbar, _ = _scored_realised(market)
    return real, rbar


def realised_coverage(market: Market) -> dict:
    """How many realised bars :func:`realised_liquidations` keeps, and why the others are dropped.

    Returns
    -------
    dict
        ``scored_bars``; ``dropped`` -> ``outside_candles`` (realised bars not
        inside the candles' span), ``missing_realised`` (bar opens absent from
        the realised series between its first and last bar inside the candles),
        ``nan_realised`` (a value missing), ``incomplete_candles`` (a candle
        missing or filled inside the bar). The four causes are counted
        disjointly, in that order.
    """
    return _scored_realised(market)[2]


def _scored_realised(market: Market) -> tuple[pd.DataFrame, pd.Timedelta, dict]:
    if market.liquidations is None or market.liquidations_bar_size is None:
        raise ConfigError(f"{market.source}: no realised liquidations in the data; calibration needs a source "
                          "with them (e.g. format: vendor_hourly, or parts: [liquidations] of one)")
    rbar = market.liquidations_bar_size
    if rbar < market.bar_size:
        raise ConfigError(f"realised liquidations are at {bar_size_label(rbar)}, finer than the "
                          f"{bar_size_label(market.bar_size)} candles; use candles at least as fine")
    if rbar % market.bar_size != pd.Timedelta(0):
        raise ConfigError(f"realised liquidations are at {bar_size_label(rbar)}, not a whole number of "
                          f"{bar_size_label(market.bar_size)} candles; use candles whose size divides it")
    real = market.liquidations.set_axis(["long", "short"], axis=1)
    off_grid = real.index != real.index.floor(rbar)
    if off_grid.any():
        raise ConfigError(f"{market.source}: realised liquidation bars must open on the {bar_size_label(rbar)} "
                          f"grid (whole multiples of {bar_size_label(rbar)} since 1970-01-01 UTC); the first "
                          f"found opens at {real.index[off_grid][0]}")
    inside = (real.index >= market.start) & (real.index + rbar <= market.end)
    outside = int((~inside).sum())
    if not inside.any():
        span = f"{real.index[0]} .. {real.index[-1] + rbar}" if len(real) else "empty"
        raise ConfigError(f"calibration: no realised liquidation bar lies inside the candles {market.start} .. "
                          f"{market.end}; the realised liquidations span {span}")
    real = real[inside]
    span = pd.date_range(real.index[0], real.index[-1], freq=rbar)
    known = real.notna().all(axis=1).to_numpy()
    # candles per realised bar: each must have all rbar / bar_size of them, none inserted by gaps="fill"
    stamps = market.bars.index
    if "is_filled" in market.bars.columns:
        stamps = stamps[~market.bars["is_filled"].to_numpy(bool)]
    full = stamps.searchsorted(real.index + rbar) - stamps.searchsorted(real.index) == rbar // market.bar_size
    keep = known & full
    coverage = {
        "scored_bars": int(keep.sum()),
        "dropped": {"outside_candles": outside, "missing_realised": len(span) - len(real),
                    "nan_realised": int((~known).sum()), "incomplete_candles": int((known & ~full).sum())},
    }
    if not keep.any():
        raise ConfigError("calibration: no realised liquidation bar can be scored (dropped: "
                          + ", ".join(f"{k} {v}" for k, v in coverage["dropped"].items()) + ")")
    return real[keep], rbar, coverage


def realised_venue(market: MultiVenueMarket) -> str:
    """The one venue of ``market`` whose market holds realised liquidations (a :class:`ConfigError` otherwise)."""
    held = [venue for venue, m in market if m.liquidations is not None]
    if len(held) != 1:
        found = f"on the venues {held}" if held else "on no venue"
        raise ConfigError(f"calibration: realised liquidations found {found}; a multi-venue calibration scores one "
                          "venue's realised series: give parts: [liquidations] to the venue whose liquidations they "
                          "are, and to no other (Binance-only liquidations: data.venues.binance)")
    return held[0]


def _venue_options(model: HeatmapModel, base: HeatmapModel) -> HeatmapModel:
    """``model`` with the venue selection, brackets and formulas of ``base`` (the shipped default on the venues
    the calibration uses)."""
    return model.model_copy(update={"venues": base.venues, "venue_brackets": base.venue_brackets,
                                    "venue_formulas": base.venue_formulas})


def split_time(index: pd.DatetimeIndex, config: CalibrationConfig) -> pd.Timestamp:
    """First bar of the held-out period."""
    if config.train_end is not None:
        split = pd.Timestamp(config.train_end)
        if not (index[0] < split <= index[-1]):
            raise ConfigError(f"calibration.train_end: expected a time after the first scored realised bar "
                              f"({index[0]}) and no later than the last ({index[-1]}), so that both periods have "
                              f"bars; found {split}")
        return split
    return index[int(len(index) * config.train_fraction)]


def _spearman(pred: np.ndarray, real: np.ndarray) -> float:
    ok = ~np.isnan(pred)
    a = pd.Series(pred[ok]).rank().to_numpy()
    b = pd.Series(real[ok]).rank().to_numpy()
    if len(a) < 3 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def _objective(pred: pd.DataFrame, real: pd.DataFrame) -> float:
    return 0.5 * (_spearman(pred["long"].to_numpy(), real["long"].to_numpy())
                  + _spearman(pred["short"].to_numpy(), real["short"].to_numpy()))


def _fit_scales(pred: pd.DataFrame, real: pd.DataFrame) -> tuple[float, float]:
    both = pd.concat([pred, real.add_suffix("_real")], axis=1, join="inner").dropna()
    scales = []
    for side in ("long", "short"):
        total = both[side].sum()
        scales.append(float(both[f"{side}_real"].sum() / total) if total > 0 else 1.0)
    return scales[0], scales[1]


def _periods(frame: pd.DataFrame, split: pd.Timestamp) -> dict[str, pd.DataFrame]:
    return {"train": frame[frame.index < split], "test": frame[frame.index >= split]}


def calibrate(market: Market | MultiVenueMarket, config: CalibrationConfig | None = None) -> dict:
    """Fit on the training period, score on the held-out one.

    Returns
    -------
    dict
        JSON-ready: the data span with the realised bars scored and dropped
        (``data.coverage``: :func:`realised_coverage`, plus ``no_prediction``,
        bars left out because some predictor has no value there, so that all
        are scored on the same bars; the fit and the split use the bars before
        that last cut, ``data.realised_bars``), the split, the chosen
        predictor's parameters, and for ``train`` and ``test`` the scores
        (:func:`~liqbt.calibration.metrics.score`) of ``fitted``, ``baseline``
        (naive), ``shipped_default`` (:class:`LiquidationPredictor` with its
        defaults), ``engine_only`` (the shipped default with background 0)
        and ``fitted_engine_only`` (the fitted predictor with background 0),
        ``shipped_v2`` (:class:`~liqbt.calibration.learned.LiquidationPredictorV2`
        with its defaults) and ``fitted_v2`` (v2 refitted on the training bars
        only; its coefficients under ``fitted_v2``);
        the same headline scores per calendar month and period
        (``by_month``, keys ``"2025-12 train"``, ``"2025-12 test"``:
        :func:`~liqbt.calibration.metrics.by_month`); and a leaderboard of the
        best candidates. ``data.venues`` lists the venues the predictors ran
        on and ``data.realised_venue`` the venue whose realised liquidations
        were scored (both the market's venue for a single market).
    """
    config = config or CalibrationConfig()
    multi = isinstance(market, MultiVenueMarket)
    venues = selected_venues(market, config.base) if multi else [market.venue]
    held = market[realised_venue(market)] if multi else market
    real, rbar, coverage = _scored_realised(held)
    for venue in venues:
        mk = market[venue] if multi else market
        if not mk.has("oi_usd"):
            where = f"data.venues.{venue}: " if multi else ""
            raise ConfigError(f"{where}{mk.source}: no open interest in the data; calibration needs it (the engine "
                              "and the baseline are built from it): add a source with parts: [open_interest]")
    split = split_time(real.index, config)
    train_real = real[real.index < split]
    excursion = naive_baseline(market, rbar, venues if multi else None)

    models = config.search.heatmap_models(config.base)
    sweep = reconstruct_many(market, models, columns=_PRED_COLUMNS)
    candidates = []
    for i, model in enumerate(models):
        engine = engine_predictions(sweep.frame(i), rbar).reindex(real.index)
        for density in config.search.background_density:
            pred = combine(engine, excursion, density)
            candidates.append((_objective(pred[pred.index < split], train_real), i, density))
    candidates.sort(key=lambda c: -np.nan_to_num(c[0], nan=-2.0))
    _, best, density = candidates[0]

    engine = engine_predictions(sweep.frame(best), rbar).reindex(real.index)
    scale_long, scale_short = _fit_scales(combine(engine, excursion, density)[lambda f: f.index < split], train_real)
    fitted = LiquidationPredictor(heatmap=models[best], background_density=density, scale_long=scale_long,
                                  scale_short=scale_short)
    shipped = LiquidationPredictor(heatmap=_venue_options(CALIBRATED_HEATMAP, config.base)) if multi else \
        LiquidationPredictor()
    shipped_engine = engine_predictions(reconstruct(market, shipped.heatmap).features, rbar).reindex(real.index)
    contenders = {
        "fitted": fitted.predict(market, rbar).reindex(real.index),
        "baseline": excursion.reindex(real.index),
        "shipped_default": combine(shipped_engine, excursion, shipped.background_density, shipped.scale_long,
                                   shipped.scale_short),
        # each predictor with its background term off (heatmap and scales kept): what the engine adds
        "engine_only": combine(shipped_engine, excursion, 0.0, shipped.scale_long, shipped.scale_short),
        "fitted_engine_only": combine(engine, excursion, 0.0, scale_long, scale_short),
    }
    # predictor v2 (liqbt.calibration.learned): the shipped one, and one fitted here on the training bars only
    v2, fitted_v2 = v2_contenders(market, shipped_engine, rbar, train_real, venues if multi else None)
    contenders.update({name: pred.reindex(real.index) for name, pred in v2.items()})
    # every predictor is scored on the same bars: the baseline has no value where the OI at the bar's
    # open is unknown (e.g. the first hour of hourly OI known at each hour's end), so those are left out
    compared = np.logical_and.reduce([pred.notna().all(axis=1).to_numpy() for pred in contenders.values()])
    coverage = {"scored_bars": int(compared.sum()),
                "dropped": {**coverage["dropped"], "no_prediction": int((~compared).sum())}}
    contenders = {name: pred[compared] for name, pred in contenders.items()}
    scored = real[compared]
    scores = {period: {} for period in ("train", "test")}
    for name, pred in contenders.items():
        for period, part in _periods(pred, split).items():
            scores[period][name] = score(part, _periods(scored, split)[period])

    leaderboard = []
    for objective, i, dens in candidates[:10]:
        pred = combine(engine_predictions(sweep.frame(i), rbar).reindex(real.index), excursion, dens)
        test = pred[pred.index >= split]
        leaderboard.append({"train_objective": objective, "test_objective": _objective(test, real[real.index >= split]),
                            "background_density": dens, "heatmap": _short_model(models[i])})
    return {
        "data": {"symbol": market.symbol, "venue": held.venue, "source": held.source, "venues": venues,
                 "realised_venue": held.venue,
                 "candles": bar_size_label(market.bar_size), "realised_bar_size": bar_size_label(rbar),
                 "start": str(real.index[0]), "end": str(real.index[-1] + rbar), "realised_bars": len(real),
                 "coverage": coverage},
        "split": {"train": [str(real.index[0]), str(split)], "test": [str(split), str(real.index[-1] + rbar)],
                  "train_bars": int((real.index < split).sum()), "test_bars": int((real.index >= split).sum())},
        "objective": "mean of long and short Spearman correlation on the training bars",
        "candidates": len(candidates),
        "fitted": fitted.model_dump(mode="json"),
        "fitted_v2": fitted_v2.model_dump(mode="json", exclude={"heatmap"}),
        "scores": scores,
        "dominant_side": "classes long / short / tie (equal USD); a tie matches only a tie",
        "by_month": by_month(contenders, scored, split),
        "leaderboard": leaderboard,
    }


def _short_model(model) -> dict:
    dist = model.leverage_distribution
    return {"leverage_median": dist.median if dist else None, "leverage_sigma": dist.sigma if dist else None,
            "entry_price": model.entry_price, "long_share": model.long_share, "window": model.window,
            "close_mode": model.close_mode}
