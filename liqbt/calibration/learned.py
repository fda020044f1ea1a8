"""Predictor v2: a learned, per-side log-linear combination of point-in-time features.

:class:`LiquidationPredictorV2` predicts the realised liquidations of a bar
(long and short separately) as ``expm1(intercept + sum(coef * feature))``,
an ordinary least-squares fit of ``log1p(realised USD)``. Four features per
side, every one known by the bar's close:

``engine``
    ``log1p`` of the heatmap engine's predicted liquidations in the bar (USD,
    the engine's ``pred_liq_*_usd`` summed into the bar).
``baseline``
    ``log1p`` of the naive baseline: the bar's adverse excursion times the
    open interest known at its open (:func:`~liqbt.calibration.naive_baseline`).
``path``
    ``log1p`` of the intrabar path: the sum over the candles inside the bar of
    their own adverse excursions (``(open - low) / open`` for longs,
    ``(high - open) / open`` for shorts), times the open interest known at the
    bar's open. A bar that swings down and back several times liquidates more
    than its net excursion says; with candles as coarse as the bar it equals
    the excursion.
``adverse_close_pct``
    How far the bar closed against the side, in percent of its open
    (``(open - close) / open * 100`` for longs, the opposite for shorts).

Why these four: in monthly expanding walk-forward refits on the hourly data
before 2026-02-20 (``scripts/fit_predictor_v2.py``) each one raised the
out-of-sample Spearman correlation in (almost) every month, and ``path`` and
``adverse_close_pct`` did so again on a year of 4-hourly Binance data without
the engine; open-interest change, funding, traded volume and resting density
added less than a month's sampling error, or not in every month, and were left
out. docs/calibration.md has the figures.

The coefficients are frozen fields whose defaults are the fit on every scored
hour before 2026-02-20, so prediction fits nothing at run time.
"""

from __future__ import annotations

import difflib
import warnings

import numpy as np
import pandas as pd

from ..config.base import FrozenModel
from ..data.market import Market, MultiVenueMarket, bar_size_label
from ..errors import CandleResolutionWarning, ConfigError, DataError
from ..heatmap import HeatmapModel, reconstruct
from .baseline import resample_bars, sum_over_venues
from .metrics import SIDES
from .predictor import CALIBRATED_HEATMAP, LiquidationPredictor, engine_predictions

__all__ = ["LiquidationPredictorV2", "SideCoefficients", "FEATURES", "PREDICTORS", "side_features", "fit_side",
           "fit_v2", "predictor_by_name", "shipped_v2", "v2_contenders", "DEFAULT_PREDICTOR"]

#: Feature columns of :func:`side_features`, in coefficient order.
FEATURES = ("engine", "baseline", "path", "adverse_close_pct")


class SideCoefficients(FrozenModel):
    """``log1p(realised USD) ~ intercept + sum(coef * feature)`` for one side (see the module doc)."""

    intercept: float
    engine: float
    baseline: float
    path: float
    adverse_close_pct: float

    def linear(self, features: pd.DataFrame) -> pd.Series:
        """The fitted ``log1p(USD)`` of each row of ``features`` (NaN where a feature is)."""
        out = pd.Series(self.intercept, index=features.index, dtype=float)
        for name in FEATURES:
            out = out + getattr(self, name) * features[name]
        return out


# Fitted by `python scripts/fit_predictor_v2.py` (Binance BTCUSDT 5m candles, hourly Binance OI, realised
# Binance + Bybit + OKX liquidations; every scored hour 2025-12-04 07:00 .. 2026-02-19 16:00 UTC, 1,855 hours).
DEFAULT_LONG = SideCoefficients(intercept=-30.781353355476362, engine=0.12567420211439617,
                                baseline=0.09347505909646098, path=2.2118247550493884,
                                adverse_close_pct=0.3756085827094204)
DEFAULT_SHORT = SideCoefficients(intercept=-34.172934781800315, engine=0.10496443168386671,
                                 baseline=0.1261580162480619, path=2.368954185838738,
                                 adverse_close_pct=0.24228793487351025)


class LiquidationPredictorV2(FrozenModel):
    """Predicted liquidated USD per bar from a per-side log-linear model of four features.

    Parameters
    ----------
    heatmap : HeatmapModel, default :data:`~liqbt.calibration.predictor.CALIBRATED_HEATMAP`
        The reconstruction whose ``pred_liq_*_usd`` give the ``engine`` feature
        (v1's fitted heatmap).
    long, short : SideCoefficients, default: the shipped fit
        Coefficients of each side (see the module doc). The prediction is
        ``max(expm1(linear), 0)`` USD, at the level of the realised series the
        fit used (three venues' liquidations against one venue's OI).
    """

    heatmap: HeatmapModel = CALIBRATED_HEATMAP
    long: SideCoefficients = DEFAULT_LONG
    short: SideCoefficients = DEFAULT_SHORT

    def engine(self, market: Market, bar_size: pd.Timedelta) -> pd.DataFrame:
        """The engine's predicted USD (columns ``long``, ``short``) summed into bars of ``bar_size``."""
        return engine_predictions(reconstruct(market, self.heatmap).features, bar_size)

    def predict(self, market: Market, bar_size: pd.Timedelta | None = None,
                engine: pd.DataFrame | None = None) -> pd.DataFrame:
        """Predicted liquidated USD (columns ``long``, ``short``) in bars of ``bar_size``.

        Parameters
        ----------
        bar_size : Timedelta, optional
            Defaults to the market's; a coarser one sums the candles into
            ``[T, T + bar_size)``.
        engine : DataFrame, optional
            This predictor's :meth:`engine` output, when the caller has it
            already (it is the slow part); computed otherwise.

        Returns
        -------
        DataFrame
            One row per bar with candles; NaN where a feature is unknown (no
            open interest known at the bar's open).
        """
        bar_size = pd.Timedelta(bar_size) if bar_size is not None else market.bar_size
        if market.bar_size >= bar_size:
            warnings.warn(f"predictor v2 on {bar_size_label(market.bar_size)} candles for {bar_size_label(bar_size)} "
                          "bars: its intrabar path feature needs finer candles (it was fitted on 5m candles in "
                          "1h bars) and equals the baseline here; v1 (LiquidationPredictor) ranks better on "
                          "candles as coarse as the bars", CandleResolutionWarning, stacklevel=2)
        if engine is None:
            engine = self.engine(market, bar_size)
        return self.predict_features(side_features(market, engine, bar_size, venues=self.heatmap.venues))

    def predict_features(self, features: dict[str, pd.DataFrame]) -> pd.DataFrame:
        """Predicted liquidated USD (columns ``long``, ``short``) from :func:`side_features` already computed."""
        out = {side: np.expm1(getattr(self, side).linear(features[side])).clip(lower=0.0) for side in SIDES}
        return pd.DataFrame(out)


def side_features(market: Market | MultiVenueMarket, engine: pd.DataFrame, bar_size: pd.Timedelta,
                  venues=None) -> dict[str, pd.DataFrame]:
    """The four features (:data:`FEATURES`) of each side, per bar of ``bar_size``.

    Parameters
    ----------
    market : Market or MultiVenueMarket
        Candles and ``oi_usd`` (known at each candle's open). On several venues the
        ``baseline`` and ``path`` amounts are summed over ``venues`` (default all), each
        venue's own excursions times its own open interest, as
        :func:`~liqbt.calibration.naive_baseline` does (unknown where one venue is);
        ``adverse_close_pct`` is the first venue's.
    engine : DataFrame
        Engine predictions in USD (columns ``long``, ``short``) on bars of
        ``bar_size``; bars it lacks count as 0.
    bar_size : Timedelta
        A whole multiple of the market's bar size.

    Returns
    -------
    dict
        ``{"long": DataFrame, "short": DataFrame}``, columns :data:`FEATURES`,
        indexed by the opens of the bars that hold candles.
    """
    if isinstance(market, MultiVenueMarket):
        names = list(venues) if venues is not None else market.venues
        amounts = sum_over_venues([_amounts(market[name], bar_size) for name in names],
                                  columns=("baseline_long", "baseline_short", "path_long", "path_short"))
    else:
        amounts = _amounts(market, bar_size)
    engine = engine.reindex(amounts.index).fillna(0.0)
    return {side: pd.DataFrame({
        "engine": np.log1p(engine[side]),
        "baseline": np.log1p(amounts[f"baseline_{side}"]),
        "path": np.log1p(amounts[f"path_{side}"]),
        "adverse_close_pct": amounts[f"adverse_close_pct_{side}"],
    }) for side in SIDES}


def _amounts(market: Market, bar_size: pd.Timedelta) -> pd.DataFrame:
    """Per bar of ``bar_size``: excursion and intrabar path times the OI known at its open (USD), adverse close (%)."""
    bars = resample_bars(market, bar_size)
    candles = market.bars
    opens = candles.index.floor(bar_size)
    # a candle's own excursions, summed per bar: only candles inside [T, T + bar_size), all closed by its end
    swing_down = ((candles["open"] - candles["low"]) / candles["open"]).groupby(opens).sum()
    swing_up = ((candles["high"] - candles["open"]) / candles["open"]).groupby(opens).sum()
    oi, open_, close = bars["oi_usd"], bars["open"], bars["close"]
    return pd.DataFrame({
        "baseline_long": (open_ - bars["low"]) / open_ * oi,
        "baseline_short": (bars["high"] - open_) / open_ * oi,
        "path_long": swing_down.reindex(bars.index) * oi,
        "path_short": swing_up.reindex(bars.index) * oi,
        "adverse_close_pct_long": (open_ - close) / open_ * 100.0,
        "adverse_close_pct_short": (close - open_) / open_ * 100.0,
    })


def fit_side(features: pd.DataFrame, realised: pd.Series) -> SideCoefficients:
    """Ordinary least squares of ``log1p(realised)`` on ``features`` over the rows where all are known.

    Raises
    ------
    DataError
        Fewer known rows than twice the number of coefficients.
    """
    both = pd.concat([features[list(FEATURES)], np.log1p(realised.rename("_target"))], axis=1, join="inner")
    both = both[np.isfinite(both.to_numpy(float)).all(axis=1)]
    if len(both) < 2 * (len(FEATURES) + 1):
        raise DataError("predictor v2 fit", f"{len(both)} bars with every feature and the realised value known; "
                        f"need at least {2 * (len(FEATURES) + 1)}")
    design = np.column_stack([np.ones(len(both)), both[list(FEATURES)].to_numpy(float)])
    coef = np.linalg.lstsq(design, both["_target"].to_numpy(float), rcond=None)[0]
    return SideCoefficients(intercept=float(coef[0]), **{name: float(c) for name, c in zip(FEATURES, coef[1:])})


def fit_v2(features: dict[str, pd.DataFrame], realised: pd.DataFrame,
           heatmap: HeatmapModel = CALIBRATED_HEATMAP) -> LiquidationPredictorV2:
    """A :class:`LiquidationPredictorV2` fitted per side on the bars of ``realised`` (columns ``long``, ``short``).

    ``features`` is :func:`side_features` of the same heatmap's engine; only
    the bars in ``realised`` are used, so the caller chooses the period.
    """
    return LiquidationPredictorV2(heatmap=heatmap, **{side: fit_side(features[side], realised[side])
                                                     for side in SIDES})


#: Shipped predictors by name: ``v1`` (engine + background density), ``v2`` (learned).
PREDICTORS = {"v1": LiquidationPredictor, "v2": LiquidationPredictorV2}
#: The shipped default predictor: v2 (issue #12; fitted only on data before 2026-02-20).
DEFAULT_PREDICTOR = "v2"


def predictor_by_name(name: str = DEFAULT_PREDICTOR) -> LiquidationPredictor | LiquidationPredictorV2:
    """The shipped predictor called ``name`` (a key of :data:`PREDICTORS`; default :data:`DEFAULT_PREDICTOR`,
    v2), with its fitted defaults."""
    if name not in PREDICTORS:
        close = difflib.get_close_matches(name, list(PREDICTORS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"predictor: expected one of {', '.join(PREDICTORS)}, found {name!r}{hint}")
    return PREDICTORS[name]()


def shipped_v2(venues=None) -> LiquidationPredictorV2:
    """The shipped v2 on ``venues`` (a multi-venue market; default all), checked to share v1's engine.

    ``liqbt calibrate`` reconstructs the engine of :data:`CALIBRATED_HEATMAP` once and gives it to
    both; a changed v2 default must not silently reuse it.
    """
    shipped = LiquidationPredictorV2()
    if venues is not None:
        shipped = shipped.model_copy(update={"heatmap": shipped.heatmap.model_copy(update={"venues": tuple(venues)})})
    venue_fields = {"venues", "venue_brackets", "venue_formulas"}  # where, not how, the engine ran
    if shipped.heatmap.model_dump(exclude=venue_fields) != CALIBRATED_HEATMAP.model_dump(exclude=venue_fields):
        raise ConfigError("predictor v2: its heatmap is no longer v1's; compute its own engine")
    return shipped


def v2_contenders(market: Market | MultiVenueMarket, engine: pd.DataFrame, bar_size: pd.Timedelta,
                  train: pd.DataFrame, venues=None) -> tuple[dict[str, pd.DataFrame], LiquidationPredictorV2]:
    """Predictions of the shipped v2 and of a v2 fitted on the bars of ``train`` only, for ``liqbt calibrate``.

    ``engine`` is the engine output of :data:`CALIBRATED_HEATMAP` (v1's and
    v2's heatmap) on bars of ``bar_size``, so the run reconstructs it once;
    ``venues`` the venues it was built on (a multi-venue market; default all).

    Returns
    -------
    tuple
        ``({"shipped_v2": DataFrame, "fitted_v2": DataFrame}, fitted model)``.
    """
    shipped = shipped_v2(venues)
    shipped_prediction = shipped.predict(market, bar_size, engine=engine)  # warns once on too coarse candles
    features = side_features(market, engine, bar_size, venues=shipped.heatmap.venues)
    fitted = fit_v2(features, train, shipped.heatmap)
    return {"shipped_v2": shipped_prediction, "fitted_v2": fitted.predict_features(features)}, fitted
