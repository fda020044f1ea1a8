"""Safe YAML reading with the errors a user needs.

* only ``yaml.SafeLoader`` constructs (no Python objects);
* duplicate keys, tabs in indentation and an empty file are errors with the
  line number;
* ``!include other.yaml`` inserts another file (relative to the including
  file), and a top-level ``base: other.yaml`` merges this file over a shared
  base file (mappings merge key by key, everything else replaces);
* anchors and aliases work as in any YAML; top-level keys starting with
  ``x-`` are dropped after reading (as in docker compose), so that shared
  values can be defined once with an anchor and used with aliases;
* included and base files must be regular UTF-8 files of at most 1 MiB inside
  the config's folder tree (after resolving symlinks) or an allowed folder
  (see :mod:`liqbt.config.files`); includes nest at most
  :data:`MAX_INCLUDE_DEPTH` deep; a ``base:`` chain that comes back to a file
  it already read is an error;
* an invalid date (``start: 2025-13-45``) is an error with its line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from .files import inside, read_config_bytes, resolve_path

__all__ = ["read_yaml", "deep_merge", "MAX_INCLUDE_DEPTH"]

MAX_INCLUDE_DEPTH = 8
"""Nested ``!include`` levels (a file including a file ...): deeper is an error, not a slow crawl."""


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and resolves ``!include``."""

    def __init__(self, stream, path: Path, stack: tuple[Path, ...], roots: tuple[Path, ...]):
        super().__init__(stream)
        self._path = path
        self._stack = stack
        self._roots = roots


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    mapping = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise ConfigError(f"{loader._path}:{line}: duplicate key '{key}' (first at line {seen[key]})")
        seen[key] = line
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


def _construct_include(loader: _Loader, node: yaml.ScalarNode):
    line = node.start_mark.line + 1
    name = loader.construct_scalar(node)
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{loader._path}:{line}: !include needs a file name, found {name!r}")
    if len(loader._stack) > MAX_INCLUDE_DEPTH:
        raise ConfigError(f"{loader._path}:{line}: includes nest more than {MAX_INCLUDE_DEPTH} deep")
    target = _allowed(loader._path.parent / name, loader._roots, f"{loader._path}:{line}: !include")
    return _read(target, loader._stack, loader._roots)


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode):
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError) as exc:  # e.g. 2025-13-45: month must be in 1..12
        raise ConfigError(f"{loader._path}:{node.start_mark.line + 1}: invalid date {node.value!r} ({exc}); "
                          "expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS") from None


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("!include", _construct_include)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _allowed(target: Path, roots: tuple[Path, ...], where: str) -> Path:
    """``target`` resolved, if it lies inside ``roots``; the error says how to allow it."""
    from .files import ALLOW_ENV

    resolved = resolve_path(target)
    if not inside(resolved, roots):
        raise ConfigError(f"{where}: {resolved} is outside the config's folder {roots[0]}; "
                          f"allow its folder with --allow-path DIR or {ALLOW_ENV}")
    return resolved


def deep_merge(base: Any, override: Any) -> Any:
    """``override`` over ``base``: mappings merge key by key, other values replace."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = deep_merge(base[key], value) if key in base else value
        return out
    return override


def _read(path: Path, stack: tuple[Path, ...], roots: tuple[Path, ...]) -> Any:
    path = Path(path)
    if path in stack:
        chain = " -> ".join(str(p) for p in stack + (path,))
        raise ConfigError(f"{path}: include cycle: {chain}")
    where = f" (included from {stack[-1]})" if stack else ""
    raw = read_config_bytes(path, where)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                          f"save the file as UTF-8{where}") from None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip(" ")
        if stripped.startswith("\t"):
            raise ConfigError(f"{path}:{number}: tab in indentation; YAML indents with spaces only")
    if not text.strip():
        raise ConfigError(f"{path}: empty file; expected a YAML mapping")
    loader = _Loader(text, path, stack + (path,), roots)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"{where}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return data


def read_yaml(path: str | Path, allow: tuple[Path, ...] = ()) -> dict:
    """Read a config file into plain Python data, resolving includes and ``base:``.

    Parameters
    ----------
    path : str or Path
        The config file.
    allow : tuple of Path
        Resolved folders outside the config's folder from which ``!include``
        and ``base:`` may read (``--allow-path``, ``LIQBT_ALLOW_PATHS``).
    """
    path = resolve_path(path, "YAML file")
    return _read_with_base(path, (path.parent,) + tuple(allow), ())


def _read_with_base(path: Path, roots: tuple[Path, ...], chain: tuple[Path, ...]) -> dict:
    if path in chain:
        shown = " -> ".join(str(p) for p in chain + (path,))
        raise ConfigError(f"{chain[0]}: base cycle: {shown}")
    data = _read(path, (), roots)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a YAML mapping at the top level, found {type(data).__name__}")
    base = data.pop("base", None)
    if base is not None:
        if not isinstance(base, str) or not base.strip():
            raise ConfigError(f"{path}: 'base' must be a file name, found {base!r}")
        target = _allowed(path.parent / base, roots, f"{path}: base")
        parent = _read_with_base(target, roots, chain + (path,))
        data = deep_merge(parent, data)
    return {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
