"""Package names that load their module on first use (PEP 562 ``__getattr__`` / ``__dir__``).

A subpackage's ``__init__`` lists its public names by module instead of importing them all, so that
reading one module (a config model, for ``liqbt validate``) does not load the rest (vectorbt, numba
kernels, plotting). ``from liqbt.backtest import run_backtest`` works as before.
"""

from __future__ import annotations

import importlib
import sys
from typing import Callable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(package: str, modules: Mapping[str, tuple[str, ...]]) -> tuple[Callable, Callable]:
    """``__getattr__`` and ``__dir__`` for ``package``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    modules : mapping of str to tuple of str
        Submodule (relative to ``package``) -> the public names it defines.

    Returns
    -------
    tuple of callable
        Assign them to the package's ``__getattr__`` and ``__dir__``.
    """
    where = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str):
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        setattr(sys.modules[package], name, value)  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return __getattr__, __dir__
