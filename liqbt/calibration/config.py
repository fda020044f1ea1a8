"""The ``calibration:`` section: the split in time and the search space of the fit."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationError, field_validator

from ..config.base import FrozenModel
from ..heatmap import HeatmapModel, LeverageDistribution

__all__ = ["CalibrationConfig", "SearchSpace"]


def _heatmap_window(window: str) -> str:
    """A window the heatmap model accepts (its own check, so the two never disagree)."""
    try:
        HeatmapModel.model_validate({"window": window})
    except ValidationError as exc:
        raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
    return window


class SearchSpace(FrozenModel):
    """Candidate values; the fit tries their product (a small grid, on purpose).

    Every heatmap variant shares the fields of the config's ``base`` model and
    differs only in these. Each list needs at least one value; each value is
    checked here, so ``liqbt validate`` rejects what the fit would.
    """

    config_key = "calibration.search"

    leverage_median: tuple[Annotated[float, Field(gt=1.0)], ...] = Field((10.0, 25.0, 50.0), min_length=1)
    leverage_sigma: tuple[Annotated[float, Field(gt=0.0)], ...] = Field((0.5, 0.9, 1.3), min_length=1)
    entry_price: tuple[Literal["close", "typical", "range"], ...] = Field(("typical", "range"), min_length=1)
    long_share: tuple[Literal["equal", "candle", "taker", "funding"], ...] = Field(("equal", "funding"),
                                                                                  min_length=1)
    window: tuple[Annotated[str, AfterValidator(_heatmap_window)], ...] = Field(("7d", "30d"), min_length=1)
    close_mode: tuple[Literal["amount", "fraction_of_oi"], ...] = Field(("fraction_of_oi",), min_length=1)
    background_density: tuple[Annotated[float, Field(ge=0.0, allow_inf_nan=False)], ...] = Field(
        (0.0, 0.01, 0.03, 0.1, 0.3), min_length=1)

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
            models.append(HeatmapModel.model_validate(fields))  # gate.check_config words a ValidationError
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

    config_key = "calibration"

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
