"""Start-up checks shared by ``liqbt validate`` and every command that runs a config.

:func:`check_config` runs inside :func:`liqbt.config.load_config`, so a config
that ``validate`` accepts passes the same checks at the start of ``run``,
``sweep``, ``heatmap``, ``calibrate`` and ``report``; :func:`require` adds what
one command needs (a ``sweep:`` section for ``sweep`` ...), and ``validate
--for COMMAND`` asks for it ahead of time. Checks that need the market data
(bars in a walk-forward window, realised liquidations) stay with the commands.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from ..errors import ConfigError
from .files import check_output_dir, check_store_path, project_root, resolve_path

if TYPE_CHECKING:
    from .experiment import LoadedConfig

__all__ = ["check_config", "require", "output_folder", "COMMANDS", "SYMBOLS_COMMANDS"]

COMMANDS = ("run", "sweep", "heatmap", "calibrate", "report")
SYMBOLS_COMMANDS = ("run", "sweep")
"""The commands that run a config naming several symbols (``symbols:``) as one job."""


def _hint(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f"; expected one of {sorted(known)}"


def output_folder(loaded: "LoadedConfig", out: str | None = None, cwd: str | Path | None = None) -> Path:
    """The checked output folder: ``out`` (``--out``, relative to ``cwd``) or the config's ``output.dir``.

    A relative folder must stay inside the config's folder tree, the config's
    project (the nearest folder above it with ``.git`` or ``pyproject.toml``),
    ``cwd`` or an allowed folder; no folder may be a file-system root or the
    home folder; the results store (``output.store``) must stay inside it.
    """
    cwd = resolve_path(cwd if cwd is not None else os.getcwd(), "folder")
    if out is not None:
        where, written, base = "--out", out, cwd
    else:
        where, written, base = f"{loaded.path}: output.dir", loaded.config.output.dir, loaded.base_dir
    if not str(written).strip():
        raise ConfigError(f"{where}: empty path; expected a folder")
    folder = check_output_dir(resolve_path(base / Path(written).expanduser(), "folder"), where,
                              relative=not Path(written).expanduser().is_absolute(),
                              roots=_roots(loaded.base_dir, cwd), allowed=loaded.allow)
    check_store_path(loaded.config.output.store, folder, f"{loaded.path}: output.store")
    return folder


def _roots(base_dir: Path, cwd: Path) -> tuple[Path, ...]:
    project = project_root(base_dir)
    return (base_dir,) + ((project,) if project is not None else ()) + (cwd,)


def _check_sweep(loaded: "LoadedConfig") -> None:
    """Size (counted, never built), optional packages, then each key and its values."""
    import importlib.util

    from ..research.config import check_sweep_size

    config, where = loaded.config, f"{loaded.path}: sweep"
    sweep = config.sweep
    if config.strategy is None:
        raise ConfigError(f"{where}: a sweep needs a 'strategy:' section")
    check_sweep_size(sweep, f"{loaded.path}: ")
    for used, module, field, what in ((sweep.method == "optuna", "optuna", "method", "Optuna"),
                                      (sweep.executor == "ray", "ray", "executor", "Ray")):
        if used and importlib.util.find_spec(module) is None:
            raise ConfigError(f"{where}.{field}: {module!r} needs {what}, which is not installed: "
                              "pip install 'liqbt[research]'")
    cls = config.strategy.strategy_class(loaded.base_dir)
    for key, spec in sweep.params.items():
        _check_sweep_key(loaded, f"{where}.params.{key}", key, spec, cls)


def _sample_values(spec, method: str) -> list:
    """The values of one sweep entry worth checking: all of a list, the ends of a range."""
    from ..research.config import spec_count, spec_values

    if isinstance(spec, list):
        return list(spec)
    if method == "grid" and spec_count(spec, 10_000) <= 10_000:
        return spec_values(spec)
    low, high = (int(round(spec.low)), int(round(spec.high))) if spec.integer else (spec.low, spec.high)
    return [low, high]


def _check_sweep_key(loaded: "LoadedConfig", where: str, key: str, spec, cls) -> None:
    from ..backtest.config import BacktestConfig
    from ..heatmap.model import HeatmapModel
    from ..research.config import override_target

    config = loaded.config
    values = _sample_values(spec, config.sweep.method)
    target = override_target(key, list(config.heatmaps), where)
    if target is not None and target[0] == "heatmaps":
        base = config.heatmaps[target[1]].model_dump()
        _check_model_field(where, HeatmapModel, base, target[2], spec, values)
    elif target is not None:
        _check_model_field(where, BacktestConfig, config.backtest.model_dump(), target[2], spec, values)
    else:
        declared = dict(getattr(cls, "params", {}) or {})
        if key not in declared:
            owner = getattr(cls, "name", None) or cls.__name__
            close = difflib.get_close_matches(key, list(declared), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f"; {owner} has parameters {sorted(declared)}"
            raise ConfigError(f"{where}: unknown parameter {key!r}{hint}")
        for i, value in enumerate(values):
            try:
                declared[key].validate(key, value, "sweep.params")
            except ConfigError as exc:
                raise ConfigError(f"{_at(where, spec, i, value)}: {_after_colon(exc)}") from None


def _check_model_field(where: str, model, base: dict, field: str, spec, values: list) -> None:
    known = list(model.model_fields)
    if field not in known:
        raise ConfigError(f"{where}: {model.__name__} has no field {field!r}{_hint(field, known)}")
    for i, value in enumerate(values):
        try:
            model.model_validate({**base, field: value})
        except ValidationError as exc:
            first = exc.errors()[0]
            message = first["msg"].removeprefix("Value error, ")
            raise ConfigError(f"{_at(where, spec, i, value)}: {message}; found {value!r}") from None


def _at(where: str, spec, i: int, value) -> str:
    """The YAML path of a list item (``key[1]``), or the range and the value of it that fails."""
    return f"{where}[{i}]" if isinstance(spec, list) else f"{where}: the range reaches {value!r}"


def _after_colon(exc: Exception) -> str:
    """The message of a ``where: message`` error without its ``where``."""
    text = str(exc)
    return text.split(": ", 1)[1] if ": " in text else text


def _check_calibration(loaded: "LoadedConfig") -> None:
    """Every candidate heatmap of the calibration grid builds; ``train_end`` and the first walk-forward step lie in
    the data period."""
    calibration, data = loaded.config.calibration, loaded.config.data
    where = f"{loaded.path}: calibration"
    try:
        calibration.search.heatmap_models(calibration.base)
    except (ValidationError, ValueError) as exc:
        text = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        raise ConfigError(f"{where}.search: a candidate heatmap is invalid: {text}".replace("\n", " ")) from None
    if calibration.mode == "walk_forward" and data.start is not None and data.end is not None:
        min_train = calibration.walk_forward.min_train
        if data.end - data.start <= min_train.delta:
            raise ConfigError(f"{where}.walk_forward.min_train ({min_train}) leaves no step to score in the data "
                              f"period {data.start} .. {data.end}; use a shorter min_train or a longer period")
    end = calibration.train_end
    if end is not None:
        if data.start is not None and end <= data.start:
            raise ConfigError(f"{where}.train_end ({end}) must be after data.start ({data.start})")
        if data.end is not None and end >= data.end:
            raise ConfigError(f"{where}.train_end ({end}) must be before data.end ({data.end})")


def _check_venues(loaded: "LoadedConfig") -> None:
    """With ``data.venues``: no strategy (a backtest trades one market), and every venue a heatmap model
    names (``venues``, ``venue_brackets``, ``venue_formulas``) is declared there."""
    config, path = loaded.config, loaded.path
    declared = list(config.data.venues or ())
    if not declared:
        return
    if config.strategy is not None:
        raise ConfigError(f"{path}: strategy: a backtest trades one market, and data.venues declares {declared}; "
                          f"give the market to trade as data.sources (e.g. the sources of "
                          f"data.venues.{declared[0]}), or remove strategy: to use the venues with heatmap and "
                          "calibrate")
    models = {f"heatmaps.{name}": model for name, model in config.heatmaps.items()}
    models["calibration.base"] = config.calibration.base
    for key, model in models.items():
        if model.venues is not None and not model.venues:
            raise ConfigError(f"{path}: {key}.venues: expected at least one of {declared}, or no venues: key "
                              "for all of them; found []")
        for field in ("venues", "venue_brackets", "venue_formulas"):
            for name in getattr(model, field) or ():
                if name not in declared:
                    raise ConfigError(f"{path}: {key}.{field}: venue {name!r} is not in data.venues"
                                      f"{_hint(str(name), declared)}")


def check_config(loaded: "LoadedConfig") -> None:
    """Everything a command would reject at start-up that needs no market data (see the module doc)."""
    output_folder(loaded)
    _check_venues(loaded)
    if loaded.config.sweep is not None:
        _check_sweep(loaded)
    _check_calibration(loaded)


def require(loaded: "LoadedConfig", command: str) -> None:
    """What ``command`` needs beyond a valid config (raises :class:`ConfigError`)."""
    config, path = loaded.config, loaded.path
    if config.symbols is not None and command not in SYMBOLS_COMMANDS:
        raise ConfigError(f"{path}: symbols: '{command}' reads one market and the config names "
                          f"{len(config.symbols)} symbols {list(config.symbols)}; run {' and '.join(SYMBOLS_COMMANDS)} "
                          f"on them as one job, or give {command} one symbol's block as data:")
    if config.symbols is not None and config.strategy is None:
        raise ConfigError(f"{path}: symbols: running several symbols as one job needs a 'strategy:' section "
                          "(for a data summary, give one symbol's block as data:)")
    if command == "heatmap" and not config.heatmaps:
        raise ConfigError(f"{path}: heatmaps: no heatmap model declared; add e.g. "
                          "'heatmaps: {main: {window: 30d}}'")
    if command in ("sweep", "report") and (config.sweep is None or config.strategy is None):
        raise ConfigError(f"{path}: a sweep needs 'strategy:' and 'sweep:' sections")
    if command == "report" and config.sweep.method == "optuna":
        raise ConfigError(f"{path}: report needs a grid or random sweep: section")
