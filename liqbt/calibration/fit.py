"""Fit a liquidation predictor on an earlier period and score it on a later one (or walk forward).

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

import pandas as pd

from ..data.market import Market, MultiVenueMarket, bar_size_label
from ..errors import ConfigError
from ..heatmap import HeatmapModel, reconstruct, reconstruct_many
from ..heatmap.venues import selected_venues
from ..progress import bar, stage
from .baseline import naive_baseline
from .config import CalibrationConfig
from .learned import shipped_v2, v2_contenders
from .metrics import by_label, by_month, score, scored_together
from .predictor import CALIBRATED_HEATMAP, LiquidationPredictor, combine, engine_predictions
from .regimes import REGIMES, regime_labels
from .selection import fit_scales, objective, rank_candidates, short_model
from .walkforward import walk_forward

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
        (naive), ``shipped_v1`` (:class:`LiquidationPredictor` with its
        defaults), ``engine_only`` (the shipped default with background 0)
        and ``fitted_engine_only`` (the fitted predictor with background 0),
        ``shipped_v2`` (:class:`~liqbt.calibration.learned.LiquidationPredictorV2`
        with its defaults) and ``fitted_v2`` (v2 refitted on the training bars
        only; its coefficients under ``fitted_v2``);
        the same headline scores per calendar month and period
        (``by_month``, keys ``"2025-12 train"``, ``"2025-12 test"``:
        :func:`~liqbt.calibration.metrics.by_month`); the same per regime and
        period (``by_regime["test"]["cascade"]``, bar counts in
        ``regime_bars``: :func:`~liqbt.calibration.regimes.regime_labels`);
        and a leaderboard of the best candidates. ``data.venues`` lists the
        venues the predictors ran on and ``data.realised_venue`` the venue
        whose realised liquidations were scored (both the market's venue for
        a single market).

        With ``config.mode == "walk_forward"`` the fit is redone at every
        step on the bars before it (:func:`~liqbt.calibration.walkforward.walk_forward`):
        ``steps`` (each with its chosen parameters and scores), ``scores``,
        ``by_regime`` and ``regime_bars`` under ``"out_of_sample"`` (the
        steps' bars together, ``fitted`` being each step's own fit; the
        shipped predictors are never refitted), and ``by_month``;
        ``data.coverage.dropped.before_first_step`` counts the bars only ever
        trained on. ``mode`` says which layout it is.
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
    split = split_time(real.index, config) if config.mode == "split" else None
    excursion = naive_baseline(market, rbar, venues if multi else None)

    # the engine runs once per variant over all the data (point in time); every fit only chooses among these
    models = config.search.heatmap_models(config.base)
    stage(f"reconstructing {len(models)} candidate heatmaps ({len(market):,} bars)")
    sweep = reconstruct_many(market, models, columns=_PRED_COLUMNS)
    engines = [engine_predictions(sweep.frame(i), rbar).reindex(real.index)
               for i in bar(range(len(models)), "candidate predictions", unit="heatmap")]
    stage("shipped predictors")
    shipped = LiquidationPredictor(heatmap=_venue_options(CALIBRATED_HEATMAP, config.base)) if multi else \
        LiquidationPredictor()
    shipped_engine = engine_predictions(reconstruct(market, shipped.heatmap).features, rbar).reindex(real.index)
    never_refitted = {
        "shipped_v1": combine(shipped_engine, excursion, shipped.background_density, shipped.scale_long,
                                   shipped.scale_short),
        # the shipped predictor with its background term off (heatmap and scales kept): what the engine adds
        "engine_only": combine(shipped_engine, excursion, 0.0, shipped.scale_long, shipped.scale_short),
    }
    regimes = regime_labels(held, real.index, rbar, config.regimes)
    data = {"symbol": market.symbol, "venue": held.venue, "source": held.source, "venues": venues,
            "realised_venue": held.venue,
            "candles": bar_size_label(market.bar_size), "realised_bar_size": bar_size_label(rbar),
            "start": str(real.index[0]), "end": str(real.index[-1] + rbar), "realised_bars": len(real),
            "coverage": coverage}
    if config.mode == "walk_forward":
        v2 = shipped_v2(venues if multi else None).predict(market, rbar, engine=shipped_engine)
        stage(f"walk forward: refit every {config.walk_forward.refit_every} over "
              f"{len(models) * len(config.search.background_density)} candidates")
        never_refitted["shipped_v2"] = v2.reindex(real.index)
        report = walk_forward(real, rbar, engines, models, excursion, never_refitted, regimes, config)
        data["coverage"] = {"scored_bars": report["out_of_sample_bars"], "dropped": {
            **coverage["dropped"], "before_first_step": int((real.index < pd.Timestamp(report["steps"][0]["period"][0])).sum()),
            "no_prediction": report.pop("no_prediction")}}
        return {"mode": "walk_forward", "data": data, "walk_forward": config.walk_forward.model_dump(mode="json"),
                "objective": "mean of long and short Spearman correlation on each step's training bars",
                "candidates": len(models) * len(config.search.background_density),
                "regimes": config.regimes.model_dump(mode="json"),
                "dominant_side": "classes long / short / tie (equal USD); a tie matches only a tie", **report}

    train_real = real[real.index < split]
    stage(f"fitting: {len(models) * len(config.search.background_density)} candidates on the training bars")
    candidates = rank_candidates(engines, excursion, config.search.background_density, train_real)
    _, best, density = candidates[0]
    engine = engines[best]
    scale_long, scale_short = fit_scales(combine(engine, excursion, density)[lambda f: f.index < split], train_real)
    fitted = LiquidationPredictor(heatmap=models[best], background_density=density, scale_long=scale_long,
                                  scale_short=scale_short)
    stage("scoring every predictor on the training and test bars")
    contenders = {
        "fitted": fitted.predict(market, rbar, engine=engine).reindex(real.index),
        "baseline": excursion.reindex(real.index),
        **never_refitted,
        "fitted_engine_only": combine(engine, excursion, 0.0, scale_long, scale_short),
    }
    # predictor v2 (liqbt.calibration.learned): the shipped one, and one fitted here on the training bars only
    v2, fitted_v2 = v2_contenders(market, shipped_engine, rbar, train_real, venues if multi else None)
    contenders.update({name: pred.reindex(real.index) for name, pred in v2.items()})
    contenders, scored, no_prediction = scored_together(contenders, real)
    data["coverage"] = {"scored_bars": len(scored), "dropped": {**coverage["dropped"], "no_prediction": no_prediction}}
    scores = {period: {} for period in ("train", "test")}
    for name, pred in contenders.items():
        for period, part in _periods(pred, split).items():
            scores[period][name] = score(part, _periods(scored, split)[period])
    labels = regimes.reindex(scored.index)
    by_regime, regime_bars = {}, {}
    for period, part in _periods(scored, split).items():
        by_regime[period] = by_label(contenders, part, labels.reindex(part.index), REGIMES)
        regime_bars[period] = {r: int((labels.reindex(part.index) == r).sum()) for r in REGIMES}

    leaderboard = []
    for objective_value, i, dens in candidates[:10]:
        pred = combine(engines[i], excursion, dens)
        test = pred[pred.index >= split]
        leaderboard.append({"train_objective": objective_value,
                            "test_objective": objective(test, real[real.index >= split]),
                            "background_density": dens, "heatmap": short_model(models[i])})
    return {
        "mode": "split",
        "data": data,
        "split": {"train": [str(real.index[0]), str(split)], "test": [str(split), str(real.index[-1] + rbar)],
                  "train_bars": int((real.index < split).sum()), "test_bars": int((real.index >= split).sum())},
        "objective": "mean of long and short Spearman correlation on the training bars",
        "candidates": len(candidates),
        "fitted": fitted.model_dump(mode="json"),
        "fitted_v2": fitted_v2.model_dump(mode="json", exclude={"heatmap"}),
        "scores": scores,
        "dominant_side": "classes long / short / tie (equal USD); a tie matches only a tie",
        "by_month": by_month(contenders, scored, split),
        "regimes": config.regimes.model_dump(mode="json"),
        "by_regime": by_regime,
        "regime_bars": regime_bars,
        "leaderboard": leaderboard,
    }
