"""Find the strategy class a config names: one resolver for configs, sweeps and the CLI.

A reference is one of

* a registered name (``magnet_zone``): library strategies register with
  :func:`register_strategy`; installed packages (the shipped examples among
  them) declare entry points in the ``liqbt.strategies`` group, loaded on the
  first lookup;
* ``path/to/file.py:ClassName``: a Python file inside the config's folder tree,
  loaded under a module name of its own (no ``PYTHONPATH`` needed);
* ``package.module:ClassName``: a class of an installed module (Python's
  standard library is refused before anything is imported).

Whatever a reference names must be a :class:`~liqbt.strategy.Strategy`
subclass; this is checked before anything is called or instantiated, so a
config can never name a function to run.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import sys
from importlib import metadata
from pathlib import Path

from ..errors import ConfigError
from .base import Strategy

__all__ = ["ENTRY_POINT_GROUP", "register_strategy", "resolve_strategy", "get_strategy", "available_strategies"]

#: Entry-point group through which installed packages register strategies by name.
ENTRY_POINT_GROUP = "liqbt.strategies"

_REGISTRY: dict[str, type[Strategy]] = {}
_ENTRY_POINTS_LOADED = False
_FILE_MODULES: dict[Path, object] = {}  # resolved file -> its module, loaded once per process


def _describe(obj) -> str:
    if isinstance(obj, type):
        return f"a class ({obj.__module__}.{obj.__qualname__})"
    if callable(obj) and hasattr(obj, "__code__"):
        return "a function"
    if isinstance(obj, type(sys)):
        return "a module"
    return f"a {type(obj).__name__}" if callable(obj) else f"a {type(obj).__name__} value"


def _check_class(obj, what: str) -> type[Strategy]:
    """``obj`` if it is a Strategy subclass; else a ConfigError that says what it is (nothing is called)."""
    if isinstance(obj, type) and issubclass(obj, Strategy) and obj is not Strategy:
        return obj
    raise ConfigError(f"{what} is {_describe(obj)}, not a liqbt Strategy subclass")


def _add(name: str, cls: type[Strategy], origin: str) -> None:
    existing = _REGISTRY.get(name)
    if existing is not None and existing is not cls and (existing.__module__, existing.__qualname__) != (
            cls.__module__, cls.__qualname__):
        raise ConfigError(f"strategy name {name!r} from {origin} is already registered by "
                          f"{existing.__module__}.{existing.__qualname__}")
    _REGISTRY[name] = cls


def register_strategy(name: str):
    """Class decorator: make a :class:`Strategy` subclass available as ``strategy: {name: ...}``.

    A name registered twice by different classes is a :class:`ConfigError`.
    """

    def decorate(cls):
        _check_class(cls, f"@register_strategy({name!r}) target {getattr(cls, '__name__', cls)!r}")
        _load_entry_points()  # a name taken by an installed package is a duplicate whatever the import order
        _add(name, cls, f"@register_strategy in {cls.__module__}")
        cls.name = name
        return cls

    return decorate


#: The library's own strategies, registered by reference as entry points are (their module does not
#: import this one: the registry stays below the strategies it lists).
LIBRARY_STRATEGIES = {"buy_and_hold": "liqbt.strategy.library:BuyAndHold"}


def _load_library() -> None:
    for name, value in LIBRARY_STRATEGIES.items():
        module, _, attr = value.partition(":")
        _add(name, _check_class(getattr(importlib.import_module(module), attr), f"library strategy {value!r}"),
             f"liqbt's library ({value})")


def _load_entry_points() -> None:
    """Register the ``liqbt.strategies`` entry points of installed packages (once)."""
    global _ENTRY_POINTS_LOADED
    if _ENTRY_POINTS_LOADED:
        return
    _ENTRY_POINTS_LOADED = True
    _load_library()
    seen: dict[str, str] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        origin = f"entry point {ep.name!r} = {ep.value!r}"
        if ep.name in seen and seen[ep.name] != ep.value:
            raise ConfigError(f"strategy name {ep.name!r} from {origin} is already registered by "
                              f"entry point {seen[ep.name]!r}")
        seen[ep.name] = ep.value
        try:
            obj = ep.load()
        except Exception as exc:  # a broken third-party package: name it instead of a traceback
            raise ConfigError(f"{origin} ({ENTRY_POINT_GROUP}): cannot load it: {type(exc).__name__}: {exc}"
                              ) from None
        cls = _check_class(obj, origin)
        _add(ep.name, cls, origin)
        if not cls.__dict__.get("name"):  # a class that declares its own name keeps it (aliases allowed)
            cls.name = ep.name


def available_strategies() -> list[str]:
    """Registered strategy names: the library's and every installed package's entry points."""
    _load_entry_points()
    return sorted(_REGISTRY)


def _by_name(ref: str) -> type[Strategy]:
    _load_entry_points()
    if ref in _REGISTRY:
        return _REGISTRY[ref]
    close = difflib.get_close_matches(ref, list(_REGISTRY), n=1)
    if close:
        hint = f"; did you mean {close[0]!r}?"
    else:
        hint = f"; registered: {sorted(_REGISTRY)}, or give 'file.py:Class' or 'package.module:Class'"
    if set(_REGISTRY) <= {"buy_and_hold"}:
        hint += " (the shipped strategies register through entry points: install liqbt with 'pip install -e .')"
    raise ConfigError(f"unknown strategy {ref!r}{hint}")


def _from_file(ref: str, file_part: str, class_name: str, base_dir: Path | None) -> type[Strategy]:
    if base_dir is None:
        raise ConfigError(f"strategy {ref!r}: a file reference needs the config's folder "
                          "(load the config from a file, or pass base_dir)")
    root = Path(base_dir).resolve()
    path = (root / file_part).resolve()
    if not path.is_relative_to(root):
        raise ConfigError(f"strategy {ref!r}: {file_part!r} is outside the config's folder {root}; "
                          "keep strategy files next to the config or below it")
    if not path.is_file():
        what = "is not a regular file" if path.exists() else "does not exist"
        raise ConfigError(f"strategy {ref!r}: {path} {what}")
    module = _FILE_MODULES.get(path)
    if module is None:
        # a unique module name per file: two configs' 'my_strategy.py' never collide
        digest = hashlib.sha1(str(path).encode()).hexdigest()[:12]
        name = f"liqbt_user_strategy_{path.stem}_{digest}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except ConfigError as exc:  # e.g. a register_strategy name that is taken
            del sys.modules[name]
            raise ConfigError(f"strategy {ref!r}: {path.name}: {exc}") from None
        except SyntaxError as exc:
            del sys.modules[name]
            raise ConfigError(f"strategy {ref!r}: {exc.filename}:{exc.lineno}: syntax error: {exc.msg}") from None
        except Exception as exc:
            del sys.modules[name]
            raise ConfigError(f"strategy {ref!r}: importing {path} failed: {type(exc).__name__}: {exc}") from None
        _FILE_MODULES[path] = module
    if not hasattr(module, class_name):
        raise ConfigError(f"strategy {ref!r}: {path.name} defines no {class_name!r}")
    return _check_class(getattr(module, class_name), f"strategy {ref!r}: {class_name!r} in {path.name}")


def _from_module(ref: str, module_name: str, class_name: str, base_dir: Path | None) -> type[Strategy]:
    if not all(part.isidentifier() for part in module_name.split(".")):
        raise ConfigError(f"strategy {ref!r}: {module_name!r} is not a module name; expected 'file.py:ClassName' "
                          "or 'package.module:ClassName'")
    top = module_name.partition(".")[0]
    if top in sys.stdlib_module_names or top == "builtins":
        raise ConfigError(f"strategy {ref!r}: {module_name!r} is part of Python's standard library, which holds "
                          "no liqbt strategies; name a Strategy subclass")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        hint = ""
        if base_dir is not None and (Path(base_dir) / (module_name.replace(".", "/") + ".py")).is_file():
            hint = f"; for the file next to the config write '{module_name.replace('.', '/')}.py:{class_name}'"
        raise ConfigError(f"strategy {ref!r}: cannot import {module_name!r}: {exc}{hint}") from None
    except Exception as exc:  # the module's own code failed: name it instead of a traceback
        raise ConfigError(f"strategy {ref!r}: importing {module_name!r} failed: {type(exc).__name__}: {exc}"
                          ) from None
    if not hasattr(module, class_name):
        raise ConfigError(f"strategy {ref!r}: module {module_name!r} has no {class_name!r}")
    return _check_class(getattr(module, class_name), f"strategy {ref!r}: {class_name!r} in module {module_name!r}")


def resolve_strategy(ref: str, base_dir: Path | None = None) -> type[Strategy]:
    """The :class:`Strategy` subclass that ``ref`` names.

    Parameters
    ----------
    ref : str
        A registered name (``"magnet_zone"``), ``"relative/path/file.py:ClassName"`` (inside
        ``base_dir``'s folder tree) or ``"package.module:ClassName"`` (an installed, non-standard-
        library module).
    base_dir : Path, optional
        The config's folder; file references resolve against it (required for them).

    Returns
    -------
    type
        A Strategy subclass; nothing in it has been called or instantiated.

    Raises
    ------
    ConfigError
        Unknown name (with the closest registered one), file outside ``base_dir`` or missing,
        syntax error (``file:line``), standard-library module, or an object that is not a
        Strategy subclass (saying what it is).
    """
    if not isinstance(ref, str) or not ref.strip():
        raise ConfigError(f"strategy name: expected a registered name, 'file.py:Class' or 'module:Class', "
                          f"found {ref!r}")
    if ":" not in ref:
        return _by_name(ref)
    target, _, class_name = ref.rpartition(":")
    if not target or not class_name.isidentifier():
        raise ConfigError(f"strategy {ref!r}: expected 'file.py:ClassName' or 'package.module:ClassName'")
    if target.endswith(".py") or "/" in target or "\\" in target:
        return _from_file(ref, target, class_name, base_dir)
    return _from_module(ref, target, class_name, base_dir)


def get_strategy(ref: str, base_dir: Path | None = None) -> type[Strategy]:
    """Alias of :func:`resolve_strategy` (kept for existing code)."""
    return resolve_strategy(ref, base_dir)
