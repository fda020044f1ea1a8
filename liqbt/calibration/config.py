"""The ``calibration:`` section: the split in time and the search space of the fit."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Literal

from pydantic import Field, field_validator

from ..config.base import FrozenModel
from ..heatmap import HeatmapModel, LeverageDistribution

__all__ = ["CalibrationConfig", "SearchSpace"]


class SearchSpace(FrozenModel):
    """Candidate values; the fit tries their product (a small grid, on purpose).

    Every heatmap variant shares the fields of the config's ``base`` model and
    differs only in these.
    """

    leverage_median: tuple[float, ...] = (10.0, 25.0, 50.0)
    leverage_sigma: tuple[float, ...] = (0.5, 0.9, 1.3)
    entry_price: tuple[Literal["close", "typical", "range"], ...] = ("typical", "range")
    long_share: tuple[Literal["equal", "candle", "taker", "funding"], ...] = ("equal", "funding")
    window: tuple[str, ...] = ("7d", "30d")
    close_mode: tuple[Literal["amount", "fraction_of_oi"], ...] = ("fraction_of_oi",)
    background_density: tuple[float, ...] = (0.0, 0.01, 0.03, 0.1, 0.3)

    def heatmap_models(self, base: HeatmapModel) -> list[HeatmapModel]:
        """Every heatmap variant of the grid, built (and validated) from ``base``."""
        models = []
        for median, sigma, entry, share, window, close in itertools.product(
                self.leverage_median, self.leverage_sigma, self.entry_price, self.long_share, self.window,
                self.close_mode):
            dist = (base.leverage_distribution or LeverageDistribution()).model_dump()
            dist.update(median=median, sigma=sigma)
            fields = base.model_dump()
            fields.update(leverage_distribution=dist, entry_price=entry, long_share=share, window=window,
                          close_mode=close)
            models.append(HeatmapModel(**fields))
        return models


class CalibrationConfig(FrozenModel):
    """How ``liqbt calibrate`` fits and scores.

    Attributes
    ----------
    train_end : datetime, optional
        Realised bars opening before it are the training period, the rest is
        held out. Default: the first ``train_fraction`` of the realised bars.
    train_fraction : float, default 0.6
    objective : {"spearman"}
        The fit maximises the mean of the long and short Spearman correlation
        on the training period; the held-out period is only reported.
    base : HeatmapModel
        Fields shared by every variant (grid, bins, brackets...).
    search : SearchSpace
    """

    train_end: dt.datetime | None = None
    train_fraction: float = Field(0.6, gt=0.05, lt=0.95)
    objective: Literal["spearman"] = "spearman"
    base: HeatmapModel = HeatmapModel()
    search: SearchSpace = SearchSpace()

    @field_validator("train_end")
    @classmethod
    def _utc(cls, value):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value
