"""Config as the single gate (issue #13 point 3): one frozen base, ConfigError from Python constructors,
typed override paths, durations parsed once, one range-expansion rule, a strategy's default grid."""

import hashlib
import pickle
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

import liqbt.heatmap.model as heatmap_model
from liqbt.backtest import BacktestConfig
from liqbt.backtest.config import LiquidationConfig
from liqbt.calibration.config import CalibrationConfig, SearchSpace
from liqbt.calibration.predictor import LiquidationPredictor
from liqbt.config import ExperimentConfig, OutputConfig, load_config
from liqbt.config.base import Duration, FrozenModel, override, validate_section
from liqbt.data.config import DataConfig
from liqbt.data.sources import SyntheticSource
from liqbt.errors import ConfigError
from liqbt.heatmap import HeatmapModel, LeverageDistribution, LeverageRange, LeverageTier
from liqbt.research.config import EvaluationConfig, RangeSpec, SweepConfig, WalkForwardConfig
from liqbt.research.store import config_hash
from liqbt.research.sweep import apply_overrides, expand_params, spec_values
from liqbt.strategy import Param, Strategy
from liqbt.strategy.config import StrategyConfig
from liqbt.strategy.params import range_value, range_values
from toy_strategies import ToyImbalance

ROOT = Path(__file__).resolve().parents[1]
SWEEP_CONFIG = ROOT / "configs" / "sweep_magnet_zone_14m.yaml"
MAGNET_CONFIG = ROOT / "configs" / "strategy_magnet_zone.yaml"

MODELS = [HeatmapModel, LeverageTier, LeverageDistribution, LeverageRange, BacktestConfig, LiquidationConfig,
          DataConfig, SyntheticSource, SweepConfig, RangeSpec, WalkForwardConfig, EvaluationConfig,
          CalibrationConfig, SearchSpace, StrategyConfig, ExperimentConfig, OutputConfig, LiquidationPredictor]


# ---------------------------------------------------------------- 1. one frozen base
@pytest.mark.parametrize("model", MODELS, ids=[m.__name__ for m in MODELS])
def test_every_config_model_is_a_frozen_model_that_forbids_unknown_keys(model):
    assert issubclass(model, FrozenModel)
    assert model.model_config["frozen"] is True and model.model_config["extra"] == "forbid"


def test_heatmap_model_has_no_key_check_of_its_own():
    assert not hasattr(heatmap_model, "_reject_unknown")


# ---------------------------------------------------------------- 2. ConfigError with the field path
@pytest.mark.parametrize("model,kwargs,message", [
    (HeatmapModel, {"window": "1m"}, "heatmap.window: window '1m' is 1 minute; a heatmap window must be at least 1h "
                                     "— did you mean '1mo' (30 days)?"),
    (HeatmapModel, {"windw": "3d"}, "heatmap.windw: unknown key 'windw'; did you mean 'window'?"),
    (HeatmapModel, {"leverage_tiers": [{"leverage": 5, "wieght": 1}]},
     "heatmap.leverage_tiers[0].wieght: unknown key 'wieght'; did you mean 'weight'?"),
    (HeatmapModel, {"tier_filter": {"mn": 3}}, "heatmap.tier_filter: unknown key 'mn'; did you mean 'min'?"),
    (HeatmapModel, {"leverage_distribution": {"median": 0.5}},
     "heatmap.leverage_distribution.median: Input should be greater than 1; found 0.5"),
    (BacktestConfig, {"taker_fee_bp": 1.0}, "backtest.taker_fee_bp: unknown key 'taker_fee_bp'; did you mean "
                                           "'taker_fee_bps'?"),
    (BacktestConfig, {"leverage": 500}, "backtest.leverage: Input should be less than or equal to 125; found 500"),
    (WalkForwardConfig, {"n_splits": 0}, "evaluation.walk_forward.n_splits: Input should be greater than or equal "
                                        "to 1; found 0"),
    (RangeSpec, {"low": 2, "high": 1}, "high (1.0) must be >= low (2.0)"),
])
def test_python_construction_raises_config_error_naming_the_field(model, kwargs, message):
    with pytest.raises(ConfigError) as info:
        model(**kwargs)
    assert not isinstance(info.value, ValidationError)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_nested_models_in_a_yaml_section_keep_their_yaml_paths():
    # a model's own constructor is not on the YAML path: nested errors still name the YAML keys
    with pytest.raises(ConfigError, match=r"^c\.yaml: heatmaps\.main\.leverage_tiers\[0\]\.wieght: unknown key "
                                          r"'wieght'; did you mean 'weight'\?$"):
        validate_section(HeatmapModel, {"leverage_tiers": [{"leverage": 5, "wieght": 1}]}, "c.yaml",
                         "heatmaps.main")


# ---------------------------------------------------------------- 3. overrides by typed paths
def test_override_replaces_one_field_and_keeps_the_rest():
    config = load_config(MAGNET_CONFIG).config
    changed = override(config, {"heatmaps.main.window": "3d", "backtest.leverage": 2})
    assert changed.heatmaps["main"].window == "3d" and changed.backtest.leverage == 2
    assert config.heatmaps["main"].window != "3d"  # the original is frozen and unchanged
    assert changed.data is config.data  # untouched sections are the same objects, not a dump rebuilt
    assert override(config, {}) is config


@pytest.mark.parametrize("updates,message", [
    ({"heatmaps.main.window": "1m"}, "heatmaps.main.window: window '1m' is 1 minute"),
    ({"heatmaps.mian.window": "3d"}, "heatmaps.mian: no key 'mian'; did you mean 'main'?"),
    ({"backtest.levrage": 3}, "backtest.levrage: BacktestConfig has no field 'levrage'; did you mean 'leverage'?"),
    ({"backtest.leverage": 500}, "backtest.leverage: Input should be less than or equal to 125; found 500"),
    ({"heatmaps.main.window.days": 3}, "heatmaps.main.window: Duration value has no fields to set"),
])
def test_override_errors_name_the_path(updates, message):
    config = load_config(MAGNET_CONFIG).config
    with pytest.raises(ConfigError) as info:
        override(config, updates)
    assert str(info.value).startswith(message)


def test_override_applies_dependent_fields_together():
    # leverage_tiers on a default model replaces its default distribution, as a YAML section does
    model = override(HeatmapModel(), {"leverage_tiers": [{"leverage": 10, "weight": 1}]})
    assert model.leverage_distribution is None and model.leverage_tiers[0].leverage == 10
    with pytest.raises(ConfigError, match="leverage must be 1"):
        override(BacktestConfig(), {"engine": "vectorbt", "leverage": 3})
    assert override(BacktestConfig(leverage=3), {"engine": "vectorbt", "leverage": 1}).engine == "vectorbt"


def test_sweep_overrides_go_through_the_gate():
    config = load_config(MAGNET_CONFIG).config
    heatmaps, backtest = apply_overrides(config, (("backtest.leverage", 2), ("heatmaps.main.window", "3d")))
    assert heatmaps["main"].window == "3d" and backtest.leverage == 2
    with pytest.raises(ConfigError, match=r"^sweep\.params: heatmaps\.main\.window: window '1m' is 1 minute"):
        apply_overrides(config, (("heatmaps.main.window", "1m"),))
    with pytest.raises(ConfigError, match=r"^sweep\.params\.heatmaps\.mian\.window: no heatmap named 'mian'"):
        apply_overrides(config, (("heatmaps.mian.window", "3d"),))


# ---------------------------------------------------------------- 4. durations parsed once
def test_durations_are_parsed_at_validation_and_keep_their_text(monkeypatch):
    model = HeatmapModel(window="30d", decay_half_life="2h")
    assert isinstance(model.window, Duration) and model.window == "30d" and repr(model.window) == "'30d'"

    def fail(value):
        raise AssertionError("parsed again")

    monkeypatch.setattr(heatmap_model, "parse_duration", fail)
    assert model.window_delta() == pd.Timedelta(days=30)
    assert model.half_life_delta() == pd.Timedelta(hours=2)
    assert HeatmapModel.model_validate({"window": "all"}).window_delta() is None
    dumped = model.model_dump()
    assert type(dumped["window"]) is str and type(dumped["decay_half_life"]) is str
    assert '"window":"30d"' in model.model_dump_json()
    copy = pickle.loads(pickle.dumps(model))
    assert copy == model and copy.window.delta == pd.Timedelta(days=30)


def test_results_store_hash_of_the_shipped_sweep_config_is_unchanged():
    # the store's identity is built from this dump. It held from 4055afe (durations parsed at validation)
    # until the price lattice (#14): the model gained `lattice_anchor` and `n_bins` became optional (unset =
    # the lattice, a different result wherever the old 2000-bin grid did not hold), so stores made before
    # it are recomputed once rather than reused for a model that is no longer the default
    config = load_config(SWEEP_CONFIG).config
    assert config_hash(config.model_dump(mode="json")) == "84e9affcee1689c0"


# ---------------------------------------------------------------- 5. one range-expansion rule
def test_range_values():
    assert range_values(0.1, 0.5, step=0.1) == [0.1, 0.2, 0.3, 0.4, 0.5]
    assert range_values(0.0, 1.0, n=3) == [0.0, 0.5, 1.0]
    assert range_values(1.0, 100.0, n=3, log=True) == [1.0, 10.0, 100.0]
    assert range_values(1, 3, n=5, integer=True) == [1, 2, 3]
    assert range_values(96, 864, step=96, integer=True) == [96, 192, 288, 384, 480, 576, 672, 768, 864]
    assert range_value(0.33, 0.1, step=0.1) == 0.3
    assert range_value(2.6, 0.0, integer=True) == 3


def test_declared_and_swept_ranges_expand_alike():
    for kwargs in ({"step": 0.1}, {"n": 7}, {"n": 4, "log": True}):
        spec = RangeSpec(low=0.1, high=1.0, **kwargs)
        param = Param(0.5, 0.1, 1.0, step=kwargs.get("step"), log=kwargs.get("log", False))
        assert param.grid(kwargs.get("n", 5)) == spec_values(spec)


def test_shipped_sweep_expands_to_the_same_sets():
    combos = expand_params(load_config(SWEEP_CONFIG).config.sweep)
    assert len(combos) == 1000
    assert hashlib.sha256(repr(combos).encode()).hexdigest()[:16] == "e21481d22bca932a"


# ---------------------------------------------------------------- 5. a strategy's default grid
class _Declared(Strategy):
    params = {"mode": Param("fade", choices=("fade", "break")),
              "on": Param(False),
              "bars": Param(96, 96, 288, step=96),
              "width": Param(0.5, 0.0, 1.0),
              "fixed": Param(3.0)}


def test_declared_ranges_give_the_default_sweep_grid():
    assert ToyImbalance.grid() == [{"threshold": v} for v in (0.0, 0.125, 0.25, 0.375, 0.5)]
    grid = _Declared.grid(n_grid=3)
    assert len(grid) == 2 * 2 * 3 * 3 * 1
    assert grid[0] == {"mode": "fade", "on": False, "bars": 96, "width": 0.0, "fixed": 3.0}
    assert grid[-1] == {"mode": "break", "on": True, "bars": 288, "width": 1.0, "fixed": 3.0}
    sweep = SweepConfig(params={k: _Declared.params[k].grid(3) for k in _Declared.params})
    assert expand_params(sweep) == grid


def test_default_grid_equals_the_sweep_of_the_same_ranges():
    class Example(Strategy):
        params = {"max_dist_pct": Param(3.0, 1.0, 6.0, step=1.0), "dominance": Param(1.5, 1.0, 4.0, step=0.5)}

    sweep = SweepConfig(params={"max_dist_pct": {"low": 1, "high": 6, "step": 1},
                                "dominance": {"low": 1, "high": 4, "step": 0.5}})
    assert len(Example.grid()) == 42 and expand_params(sweep) == Example.grid()
    assert Example.grid({"dominance": [1.5, 2.0]}) == [{"dominance": 1.5}, {"dominance": 2.0}]


def test_model_copy_with_an_update_is_validated():
    model = HeatmapModel().model_copy(update={"window": "30d"})
    assert model.window_delta() == pd.Timedelta(days=30)
    with pytest.raises(ConfigError, match=r"^heatmap\.window: window '1m' is 1 minute"):
        HeatmapModel().model_copy(update={"window": "1m"})
    assert BacktestConfig().model_copy().leverage == BacktestConfig().leverage


def test_data_bar_sizes_are_parsed_once_and_dump_as_text():
    source = SyntheticSource(format="synthetic", bars=20, bar_size="1h")
    assert source.bar_size == "1h" and source.bar_size.delta == pd.Timedelta(hours=1)
    assert type(source.model_dump()["bar_size"]) is str
    start, end = source.candle_span(None)
    assert end - start == 20 * pd.Timedelta(hours=1)
    with pytest.raises(ConfigError, match=r"bar_size: String should match pattern"):
        SyntheticSource(format="synthetic", bar_size="5x")


def test_override_refuses_a_path_set_twice():
    with pytest.raises(ConfigError, match=r"^heatmaps\.main\.window: set twice"):
        override(load_config(MAGNET_CONFIG).config, {"heatmaps.main": HeatmapModel(), "heatmaps.main.window": "3d"})
