"""The experiment config: one YAML file describes a whole run.

Sections: ``data`` (required), ``heatmaps`` (named heatmap models),
``strategy``, ``backtest``, ``sweep``, ``evaluation``, ``calibration``,
``output``. Everything is
parsed once here into frozen objects; nothing downstream reads raw dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from ..data.config import DataConfig
from ..backtest.config import BacktestConfig
from ..calibration.config import CalibrationConfig
from ..research.config import EvaluationConfig, SweepConfig
from ..strategy.config import StrategyConfig
from ..heatmap.model import HeatmapModel
from .base import FrozenModel, validate_section
from .yaml_io import read_yaml

__all__ = ["ExperimentConfig", "OutputConfig", "LoadedConfig", "load_config"]


class OutputConfig(FrozenModel):
    """Where results go (relative to the config file unless absolute)."""

    dir: str = Field("out", description="output folder")
    snapshot_every: str = Field("1h", description="heatmap profile snapshots for pictures, e.g. '1h', '4h'")
    store: str = Field("results.sqlite", description="results store, relative to the output folder")


class ExperimentConfig(FrozenModel):
    """A whole experiment as declared in YAML."""

    name: str | None = None
    description: str | None = None
    data: DataConfig
    heatmaps: dict[str, HeatmapModel] = Field(
        default_factory=dict,
        description="named heatmap models, e.g. {context: {window: 30d}, execution: {window: 24h}}",
    )
    strategy: StrategyConfig | None = None
    backtest: BacktestConfig = BacktestConfig()
    sweep: SweepConfig | None = None
    evaluation: EvaluationConfig = EvaluationConfig()
    calibration: CalibrationConfig = CalibrationConfig()
    output: OutputConfig = OutputConfig()


@dataclass(frozen=True)
class LoadedConfig:
    """A parsed config with the file it came from (relative paths resolve against ``base_dir``)."""

    config: ExperimentConfig
    path: Path

    @property
    def base_dir(self) -> Path:
        return self.path.parent


def load_config(path: str | Path) -> LoadedConfig:
    """Read, include, validate: a :class:`ConfigError` names the YAML path of any problem."""
    from ..data.config import check_data_config

    path = Path(path).resolve()
    data = read_yaml(path)
    config = validate_section(ExperimentConfig, data, str(path))
    check_data_config(config.data, path.parent, str(path))
    if config.strategy is not None:
        from ..errors import ConfigError

        where = f"{path}: strategy"
        try:  # resolved (and checked to be a Strategy subclass) before anything is called
            config.strategy.strategy_class(path.parent)
        except ConfigError as exc:
            raise ConfigError(f"{where}.name: {exc}") from None
        config.strategy.build(where, base_dir=path.parent)
        config.strategy.role_map(list(config.heatmaps), where, base_dir=path.parent)
    return LoadedConfig(config=config, path=path)
