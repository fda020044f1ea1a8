"""The experiment config: one YAML file describes a whole run.

Sections: ``data`` (required), ``heatmaps`` (named heatmap models),
``strategy``, ``backtest``, ``sweep``, ``evaluation``, ``calibration``,
``output``. Everything is
parsed once here into frozen objects; nothing downstream reads raw dicts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, field_validator

from ..data.config import DataConfig
from ..backtest.config import BacktestConfig
from ..calibration.config import CalibrationConfig
from ..research.config import EvaluationConfig, SweepConfig
from ..strategy.config import StrategyConfig
from ..heatmap.model import HeatmapModel
from .base import FrozenModel, validate_section
from .files import allowed_roots, resolve_path
from .yaml_io import read_yaml

__all__ = ["ExperimentConfig", "OutputConfig", "LoadedConfig", "load_config", "check_loaded", "HEATMAP_NAME"]

HEATMAP_NAME = r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}"
"""A heatmap's name under ``heatmaps:``: it becomes part of file names and sweep keys."""


class OutputConfig(FrozenModel):
    """Where results go (relative to the config file unless absolute).

    ``dir`` may not be a file-system root or the home folder; a relative
    ``dir`` must stay inside the config's folder tree or the current folder
    (or a folder allowed with ``--allow-path`` / ``LIQBT_ALLOW_PATHS``);
    ``store`` must stay inside ``dir``.
    """

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

    @field_validator("heatmaps")
    @classmethod
    def _names(cls, value: dict):
        # names become file names (heatmap_<name>.png) and sweep keys (heatmaps.<name>.<field>)
        for name in value:
            if not re.fullmatch(HEATMAP_NAME, name):
                raise ValueError(f"heatmap name {name!r}: expected letters, digits, '_' or '-' (at most 64), "
                                 "e.g. 'main' or 'context_30d'")
        return value


@dataclass(frozen=True)
class LoadedConfig:
    """A parsed config with the file it came from (relative paths resolve against ``base_dir``).

    ``allow`` holds the resolved folders outside the project the user allowed
    (``--allow-path``, ``LIQBT_ALLOW_PATHS``).
    """

    config: ExperimentConfig
    path: Path
    allow: tuple[Path, ...] = ()

    @property
    def base_dir(self) -> Path:
        return self.path.parent


def load_config(path: str | Path, allow_paths: tuple[str | Path, ...] = ()) -> LoadedConfig:
    """Read, include, validate: a :class:`ConfigError` names the YAML path of any problem.

    Parameters
    ----------
    path : str or Path
        The YAML config file.
    allow_paths : tuple of str or Path, default ()
        Folders outside the config's folder tree that ``!include``, ``base:``
        and relative output folders may reach, besides those in
        ``$LIQBT_ALLOW_PATHS``.

    Every start-up check of the commands that needs no market data runs here
    (:func:`liqbt.config.gate.check_config`), so ``liqbt validate`` is the gate.
    """
    path = resolve_path(path, "YAML config file")
    allow = allowed_roots(allow_paths)
    data = read_yaml(path, allow)
    return check_loaded(LoadedConfig(config=validate_section(ExperimentConfig, data, str(path)), path=path, allow=allow))


def check_loaded(loaded: LoadedConfig) -> LoadedConfig:
    """The start-up checks of :func:`load_config` on a validated config (also one built in Python)."""
    from ..data.config import check_data_config
    from .gate import check_config

    config, path, base = loaded.config, loaded.path, loaded.base_dir
    check_data_config(config.data, base, str(path))
    if config.strategy is not None:
        from ..errors import ConfigError

        where = f"{path}: strategy"
        try:  # resolved (and checked to be a Strategy subclass) before anything is called
            config.strategy.strategy_class(base)
        except ConfigError as exc:
            raise ConfigError(f"{where}.name: {exc}") from None
        config.strategy.build(where, base_dir=base)
        config.strategy.role_map(list(config.heatmaps), where, base_dir=base)
    check_config(loaded)
    return loaded
