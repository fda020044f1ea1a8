"""Predicted liquidated notional per bar: the heatmap engine plus a background density.

The engine knows the positions it reconstructed from open-interest changes
inside its window. Real liquidations also hit positions it cannot place:
opened before the window or before the data starts, on other venues, in cross
margin. :class:`LiquidationPredictor` models those as a *background*: resting
liquidation prices spread evenly around the price, so that an adverse move of
``x`` (a fraction of the open) liquidates ``background_density * x * OI``.
With ``background_density = 0`` the prediction is the engine alone.

Everything is point in time: the engine's bar ``t`` uses what was known by
``t``'s close, and the background uses the bar's own open, extremes and the
open interest known at its open.
"""

from __future__ import annotations

import pandas as pd
from pydantic import Field

from ..config.base import FrozenModel
from ..data.market import Market, MultiVenueMarket
from ..heatmap import HeatmapModel, reconstruct
from ..heatmap.venues import selected_venues
from .baseline import naive_baseline
from .metrics import aggregate_to

__all__ = ["LiquidationPredictor", "CALIBRATED_HEATMAP", "engine_predictions", "combine"]

# The shipped defaults are the fit of `liqbt calibrate configs/calibrate_btc_5m.yaml`
# (Binance BTCUSDT 5m + hourly OI; trained on 2025-12-04 06:00 .. 2026-01-19 17:00 UTC,
# the first 60 % of the realised hours). docs/calibration.md has the held-out scores.
CALIBRATED_HEATMAP = HeatmapModel()  # the calibrated model is HeatmapModel's default
DEFAULT_BACKGROUND_DENSITY = 0.03
# Realised liquidations cover Binance + Bybit + OKX, the open interest Binance only:
# these scales only change levels, never ranks.
DEFAULT_SCALE_LONG = 0.2992
DEFAULT_SCALE_SHORT = 0.2290


class LiquidationPredictor(FrozenModel):
    """A heatmap model plus a background density and per-side USD scales.

    Parameters
    ----------
    heatmap : HeatmapModel, default :data:`CALIBRATED_HEATMAP` (fitted)
        The reconstruction whose ``pred_liq_*_usd`` features are the first part.
    background_density : float, default 0.03 (fitted)
        USD liquidated per USD of open interest per unit of relative adverse
        move (``(open - low) / open`` for longs, ``(high - open) / open`` for
        shorts). 0 turns the background off.
    scale_long, scale_short : float, default 0.2992, 0.2290 (fitted)
        Multipliers that bring the prediction to the level of the realised
        series (which may cover more venues than the open interest does).
        They change no rank statistic.
    """

    heatmap: HeatmapModel = CALIBRATED_HEATMAP
    background_density: float = Field(DEFAULT_BACKGROUND_DENSITY, ge=0.0)
    scale_long: float = Field(DEFAULT_SCALE_LONG, gt=0.0)
    scale_short: float = Field(DEFAULT_SCALE_SHORT, gt=0.0)

    def predict(self, market: Market | MultiVenueMarket, bar_size: pd.Timedelta | None = None,
                engine: pd.DataFrame | None = None) -> pd.DataFrame:
        """Predicted liquidated USD (columns ``long``, ``short``) in bars of ``bar_size``.

        ``bar_size`` defaults to the market's; a coarser one sums the engine's
        bars into ``[T, T + bar_size)`` and measures the background on the
        coarse bar's own open and extremes. On a multi-venue market both parts
        cover the venues ``heatmap.venues`` selects (default all), each with
        its own open interest. ``engine``: this predictor's
        :func:`engine_predictions` on ``bar_size``, when the caller has it
        already (it is the slow part); computed otherwise.
        """
        bar_size = pd.Timedelta(bar_size) if bar_size is not None else market.bar_size
        if engine is None:
            engine = engine_predictions(reconstruct(market, self.heatmap).features, bar_size)
        venues = selected_venues(market, self.heatmap) if isinstance(market, MultiVenueMarket) else None
        return combine(engine, naive_baseline(market, bar_size, venues), self.background_density,
                       self.scale_long, self.scale_short)


def engine_predictions(features: pd.DataFrame, bar_size: pd.Timedelta) -> pd.DataFrame:
    """The engine's ``pred_liq_*_usd`` as ``long``/``short`` summed into bars of ``bar_size``."""
    pred = features[["pred_liq_long_usd", "pred_liq_short_usd"]].set_axis(["long", "short"], axis=1)
    index = pd.DatetimeIndex(pred.index.floor(bar_size).unique())
    return aggregate_to(pred, index, bar_size)


def combine(engine: pd.DataFrame, excursion_oi: pd.DataFrame, background_density: float,
            scale_long: float = 1.0, scale_short: float = 1.0) -> pd.DataFrame:
    """``scale * (engine + density * excursion * OI)`` per side, on the engine's index."""
    background = excursion_oi.reindex(engine.index).fillna(0.0)
    out = engine + background_density * background
    out["long"] *= scale_long
    out["short"] *= scale_short
    return out
