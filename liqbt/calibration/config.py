"""The ``calibration:`` section: the split in time and the search space of the fit."""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
from typing import Annotated, Literal

from pydantic import (AfterValidator, Field, PlainSerializer, ValidationError, field_validator, model_serializer,
                      model_validator)

from ..config.base import Duration, FrozenModel
from ..heatmap import HeatmapModel, LeverageDistribution
from ..heatmap.model import parse_duration

__all__ = ["CalibrationConfig", "SearchSpace", "WalkForwardCalibration", "RegimeConfig", "CalibrationDuration", "in_months"]

_MONTH_UNITS = ("mo", "month", "months")


def _duration(text: str) -> Duration:
    """A positive span of at least one hour (a finer step would refit between realised bars)."""
    delta = parse_duration(str(text))
    if delta < pd.Timedelta(hours=1):
        raise ValueError(f"expected a duration of at least 1h such as '1mo', '30d' or '12h', found {text!r}")
    return Duration(str(text), delta)


#: A duration as written (``"1mo"``, ``"90d"``), parsed once (``.delta``; a month is 30 days); dumps keep the text.
CalibrationDuration = Annotated[str, AfterValidator(_duration), PlainSerializer(str)]


def in_months(text: str) -> int | None:
    """The whole number of calendar months a duration is written in (``"2mo"`` -> 2), or None (``"30d"``)."""
    text = str(text).strip()
    for unit in _MONTH_UNITS + ("M",):
        number = text[: -len(unit)].strip()
        matches = text.endswith(unit) if unit == "M" else text.lower().endswith(unit)
        if matches and number.isdigit() and int(number) > 0:
            return int(number)
    return None


class WalkForwardCalibration(FrozenModel):
    """The steps of ``calibration.mode: walk_forward``.

    Attributes
    ----------
    refit_every : duration, default "1mo"
        Length of a step: the grid is refitted at each step's start and the
        fit scores the step. Written in months (``"1mo"``, ``"2mo"``), steps
        are calendar months (UTC); otherwise fixed spans from the first step.
    min_train : duration, default "1mo"
        Realised history needed before the first step: the first step starts
        at the first scored bar plus ``min_train`` (rounded up to the next
        calendar month when ``refit_every`` is in months).
    train_window : duration or None, default None
        Only the realised bars of this trailing span before a step's start
        are fitted on; None: all of them (an expanding window).
    """

    config_key = "calibration.walk_forward"

    refit_every: CalibrationDuration = "1mo"
    min_train: CalibrationDuration = "1mo"
    train_window: CalibrationDuration | None = None

    @model_validator(mode="after")
    def _window_holds_min_train(self):
        if self.train_window is not None and self.train_window.delta < self.min_train.delta:
            raise ValueError(f"train_window ({self.train_window}) is shorter than min_train ({self.min_train}); "
                             "a step could never have the history it needs")
        return self


class RegimeConfig(FrozenModel):
    """How each scored bar is labelled ``trend_up``, ``trend_down``, ``range`` or ``cascade`` (price only).

    A bar opening at ``T`` is a *cascade* when its own range ``(high - low) /
    open`` exceeds the ``cascade_quantile`` of the same ratio over the bars of
    the trailing ``cascade_lookback`` (bars opening in ``[T - lookback, T)``),
    given at least ``cascade_min_history`` of them. Otherwise its trend is the
    return from the close known at ``T - trend_window`` to the close known at
    ``T``: above ``+trend_threshold`` ``trend_up``, below ``-trend_threshold``
    ``trend_down``, else ``range``. A bar with less trailing price history
    than ``trend_window`` is ``unlabelled``. Realised liquidations are never used.

    Attributes
    ----------
    trend_window : duration, default "7d"
    trend_threshold : float, default 0.05
        Fraction (0.05 = 5 %) of the trailing return.
    cascade_quantile : float, default 0.99
    cascade_lookback : duration, default "90d"
    cascade_min_history : duration, default "14d"
        A cascade needs at least this span of earlier bars to compare with.
    """

    config_key = "calibration.regimes"

    trend_window: CalibrationDuration = "7d"
    trend_threshold: float = Field(0.05, gt=0.0, lt=1.0)
    cascade_quantile: float = Field(0.99, gt=0.5, lt=1.0)
    cascade_lookback: CalibrationDuration = "90d"
    cascade_min_history: CalibrationDuration = "14d"

    @model_validator(mode="after")
    def _history_within_lookback(self):
        if self.cascade_min_history.delta > self.cascade_lookback.delta:
            raise ValueError(f"cascade_min_history ({self.cascade_min_history}) is longer than cascade_lookback "
                             f"({self.cascade_lookback}); no bar could ever be a cascade")
        return self


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
    mode : {"split", "walk_forward"}, default "split"
        ``split``: one fit on the training period, scored on the rest.
        ``walk_forward``: refitted every ``walk_forward.refit_every`` on the
        realised bars before each step, scored on the step.
    train_end : datetime, optional
        Mode ``split``: realised bars opening before it are the training
        period, the rest is held out. Default: the first ``train_fraction`` of
        the realised bars.
    train_fraction : float, default 0.6
    objective : {"spearman"}
        The fit maximises the mean of the long and short Spearman correlation
        on the training period; the held-out period is only reported.
    base : HeatmapModel
        Fields shared by every variant (grid, bins, brackets...).
    search : SearchSpace
    walk_forward : WalkForwardCalibration
        Steps of mode ``walk_forward``.
    regimes : RegimeConfig
        Labels of the per-regime scores (both modes).
    """

    config_key = "calibration"

    mode: Literal["split", "walk_forward"] = "split"
    train_end: dt.datetime | None = None
    train_fraction: float = Field(0.6, gt=0.05, lt=0.95)
    objective: Literal["spearman"] = "spearman"
    base: HeatmapModel = HeatmapModel()
    search: SearchSpace = SearchSpace()
    walk_forward: WalkForwardCalibration = WalkForwardCalibration()
    regimes: RegimeConfig = RegimeConfig()

    @field_validator("train_end")
    @classmethod
    def _utc(cls, value):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value

    @model_validator(mode="after")
    def _fields_of_the_mode(self):
        # a field of the other mode would be silently ignored: a forgotten or typo'd mode must not run the
        # wrong calibration. Compared with the defaults, not with the keys written: a dump validated again
        # (model_copy, a config object built from a dump) has every key
        fields = type(self).model_fields
        if self.mode == "walk_forward":
            wrong = [name for name in ("train_end", "train_fraction") if getattr(self, name) != fields[name].default]
            if wrong:
                raise ValueError(f"{wrong[0]} applies to mode 'split' only; mode 'walk_forward' refits every "
                                 f"walk_forward.refit_every (remove {wrong[0]} or set mode: split)")
        elif self.walk_forward != fields["walk_forward"].default:
            raise ValueError("walk_forward is set but mode is 'split', which would ignore it; add "
                             "'mode: walk_forward' (or remove walk_forward)")
        return self

    @model_serializer(mode="wrap")
    def _new_fields_only_when_used(self, handler):
        # the results store's identity hashes the dumped config: fields added in #12 left at their defaults
        # are not dumped, so the dumps (and store keys) of configs that do not use them stay as they were
        data = handler(self)
        fields = type(self).model_fields
        for name in ("mode", "walk_forward", "regimes"):
            if getattr(self, name) == fields[name].default:
                data.pop(name, None)
        return data
