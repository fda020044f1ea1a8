"""Strategies register by name (``@register_strategy("magnet_zone")``) or load by import path."""

from __future__ import annotations

import difflib
import importlib

from ..errors import ConfigError

__all__ = ["register_strategy", "get_strategy", "available_strategies"]

_REGISTRY: dict[str, type] = {}
_BUILTINS_LOADED = False


def register_strategy(name: str):
    """Class decorator: make the strategy available as ``strategy: {name: ...}`` in YAML."""

    def decorate(cls):
        existing = _REGISTRY.get(name)
        if existing is not None and existing is not cls and (existing.__module__, existing.__qualname__) != (
                cls.__module__, cls.__qualname__):
            raise ConfigError(f"strategy name {name!r} is already registered by "
                              f"{existing.__module__}.{existing.__qualname__}")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return decorate


def _load_builtins() -> None:
    global _BUILTINS_LOADED
    if not _BUILTINS_LOADED:
        _BUILTINS_LOADED = True
        importlib.import_module("strategies")


def available_strategies() -> list[str]:
    """Registered strategy names (the shipped ones in ``strategies/`` included)."""
    _load_builtins()
    return sorted(_REGISTRY)


def get_strategy(name_or_path: str) -> type:
    """A strategy class by registered name, or by ``"package.module:ClassName"``."""
    if ":" in name_or_path:
        module_name, _, class_name = name_or_path.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ConfigError(f"strategy {name_or_path!r}: cannot import {module_name!r}: {exc}") from None
        try:
            return getattr(module, class_name)
        except AttributeError:
            raise ConfigError(f"strategy {name_or_path!r}: module {module_name!r} has no {class_name!r}") from None
    _load_builtins()
    if name_or_path not in _REGISTRY:
        close = difflib.get_close_matches(name_or_path, list(_REGISTRY), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; registered: {sorted(_REGISTRY)}"
        raise ConfigError(f"unknown strategy {name_or_path!r}{hint}")
    return _REGISTRY[name_or_path]
