"""The experiment config: one YAML file describes a whole run.

Sections: ``data`` (required, or ``symbols``: one data block per symbol, run
as one job by ``liqbt run`` and ``liqbt sweep``), ``heatmaps`` (named heatmap models),
``strategy``, ``backtest``, ``sweep``, ``evaluation``, ``calibration``,
``output``. Everything is
parsed once here into frozen objects; nothing downstream reads raw dicts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, field_validator, model_serializer, model_validator

from ..data.config import DataConfig
from ..backtest.config import BacktestConfig
from ..calibration.config import CalibrationConfig
from ..research.config import EvaluationConfig, SweepConfig
from ..strategy.config import StrategyConfig
from ..heatmap.model import HeatmapModel
from .base import FrozenModel, validate_section
from .files import allowed_roots, resolve_path
from .yaml_io import read_yaml

__all__ = ["ExperimentConfig", "OutputConfig", "LoadedConfig", "load_config", "check_loaded", "HEATMAP_NAME",
           "SYMBOL_NAME"]

HEATMAP_NAME = r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}"
"""A heatmap's name under ``heatmaps:``: it becomes part of file names and sweep keys."""

SYMBOL_NAME = r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}"
"""A symbol's name under ``symbols:``: it names the symbol's output folder (``<output.dir>/<symbol>/``)."""


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
    data: DataConfig | None = Field(None, description="the market (required unless symbols: is given)")
    symbols: dict[str, DataConfig] | None = Field(
        None, description="instead of data: one data block per symbol, e.g. {BTCUSDT: {sources: [...]}, "
                          "ETHUSDT: {sources: [...]}}; run and sweep run every symbol as one job")
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

    @field_validator("symbols")
    @classmethod
    def _symbol_names(cls, value: dict | None):
        if value is None:
            return value
        if not value:
            raise ValueError("expected at least one symbol, e.g. {BTCUSDT: {sources: [...]}}; found none")
        for name, block in value.items():
            # a symbol's name becomes a folder name (<output.dir>/<symbol>/)
            if not re.fullmatch(SYMBOL_NAME, str(name)):
                raise ValueError(f"symbol name {name!r}: expected letters, digits, '_' or '-' (at most 32, "
                                 "not starting with '_' or '-'), e.g. 'BTCUSDT'")
            if block.venues is not None:
                raise ValueError(f"{name}.venues: a symbol is one market: give its sources: (several venues "
                                 "of one symbol: data.venues)")
        return value

    @model_validator(mode="after")
    def _data_or_symbols(self):
        if self.data is None and self.symbols is None:
            raise ValueError("data: required key is missing (or symbols: one data block per symbol, run as "
                             "one job)")
        if self.data is not None and self.symbols is not None:
            raise ValueError(f"symbols: expected exactly one of 'data' (one market) or 'symbols' (one data block "
                             f"per symbol, run as one job); found both (symbols {list(self.symbols)})")
        return self

    @model_serializer(mode="wrap")
    def _dump(self, handler):
        # the one of data / symbols not given is left out: a one-market config dumps (and keys the
        # results store) exactly as before symbols: existed
        dump = handler(self)
        for key in ("data", "symbols"):
            if isinstance(dump, dict) and dump.get(key, 0) is None:
                dump.pop(key)
        return dump

    def for_symbol(self, name: str) -> "ExperimentConfig":
        """The one-market config of symbol ``name``: ``data`` is its block, everything else is shared.

        It equals the config a user would write for that symbol alone, so its results and its results
        store are the same as that config's.
        """
        if self.symbols is None or name not in self.symbols:
            from ..errors import ConfigError

            raise ConfigError(f"symbols: no symbol {name!r}; the config names {list(self.symbols or ())}")
        fields = {key: getattr(self, key) for key in type(self).model_fields}
        return type(self).model_validate({**fields, "data": self.symbols[name], "symbols": None})


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

    def for_symbol(self, name: str) -> "LoadedConfig":
        """The one-market config of symbol ``name`` (:meth:`ExperimentConfig.for_symbol`), same file."""
        return LoadedConfig(config=self.config.for_symbol(name), path=self.path, allow=self.allow)


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
    if config.symbols is not None:
        _check_symbols(loaded)
        return loaded
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


def _check_symbols(loaded: LoadedConfig) -> None:
    """Each symbol's one-market config passes the checks of a one-market file; an error about its data
    names it as ``symbols.<name>.<field>`` (where a one-market file says ``data.<field>``)."""
    from ..errors import ConfigError

    for name in loaded.config.symbols:
        try:
            check_loaded(loaded.for_symbol(name))
        except ConfigError as exc:
            text = str(exc)
            head = f"{loaded.path}: data."
            if text.startswith(head):
                text = f"{loaded.path}: symbols.{name}.{text[len(head):]}"
            elif f"symbols.{name}" not in text:  # a shared section (strategy:, sweep: ...) failed for it
                text = f"{text} (symbol {name})"
            raise ConfigError(text) from None
