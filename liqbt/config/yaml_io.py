"""Safe YAML reading with the errors a user needs.

* only ``yaml.SafeLoader`` constructs (no Python objects);
* duplicate keys, tabs in indentation and an empty file are errors with the
  line number;
* ``!include other.yaml`` inserts another file (relative to the including
  file), and a top-level ``base: other.yaml`` merges this file over a shared
  base file (mappings merge key by key, everything else replaces);
* anchors and aliases work as in any YAML; top-level keys starting with
  ``x-`` are dropped after reading (as in docker compose), so that shared
  values can be defined once with an anchor and used with aliases.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError

__all__ = ["read_yaml", "deep_merge"]


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and resolves ``!include``."""

    def __init__(self, stream, path: Path, stack: tuple[Path, ...]):
        super().__init__(stream)
        self._path = path
        self._stack = stack


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
    target = (loader._path.parent / loader.construct_scalar(node)).resolve()
    return _read(target, loader._stack)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("!include", _construct_include)


def deep_merge(base: Any, override: Any) -> Any:
    """``override`` over ``base``: mappings merge key by key, other values replace."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = deep_merge(base[key], value) if key in base else value
        return out
    return override


def _read(path: Path, stack: tuple[Path, ...] = ()) -> Any:
    path = Path(path)
    if path in stack:
        chain = " -> ".join(str(p) for p in stack + (path,))
        raise ConfigError(f"{path}: include cycle: {chain}")
    if not path.exists():
        where = f" (included from {stack[-1]})" if stack else ""
        raise ConfigError(f"{path}: file not found{where}")
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip(" ")
        if stripped.startswith("\t"):
            raise ConfigError(f"{path}:{number}: tab in indentation; YAML indents with spaces only")
    if not text.strip():
        raise ConfigError(f"{path}: empty file; expected a YAML mapping")
    loader = _Loader(text, path, stack + (path,))
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


def read_yaml(path: str | Path) -> dict:
    """Read a config file into plain Python data, resolving includes and ``base:``."""
    path = Path(path).resolve()
    data = _read(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a YAML mapping at the top level, found {type(data).__name__}")
    base = data.pop("base", None)
    if base is not None:
        if not isinstance(base, str):
            raise ConfigError(f"{path}: 'base' must be a file name, found {base!r}")
        parent = read_yaml(path.parent / base)
        data = deep_merge(parent, data)
    return {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
