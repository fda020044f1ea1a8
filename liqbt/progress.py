"""Stage lines and progress bars on stderr, for the commands that take seconds to minutes.

Silent unless a caller turns it on with :func:`reporting` (the ``liqbt run``, ``heatmap`` and
``calibrate`` commands do): a library user calling :func:`liqbt.run_experiment` sees nothing. The
computing code marks where a stage starts with :func:`stage` and wraps its long loops in :func:`bar`;
both cost nothing while reporting is off. Stage lines read ``liqbt: [  12.3 s] backtesting``, the
time being the wall time since the command started.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import Iterable, Iterator, TextIO, TypeVar

__all__ = ["reporting", "stage", "bar", "active", "numba_cache_dir", "numba_cache_cold"]

T = TypeVar("T")

BAR_DELAY_S = 2.0
"""A progress bar appears only once its loop has run this long (issue #14: bars where a stage takes > 2 s)."""


class Reporter:
    """Where stage lines go and when the command started."""

    def __init__(self, stream: TextIO, start: float):
        self.stream = stream
        self.start = start

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def stage(self, text: str) -> None:
        print(f"liqbt: [{self.elapsed():7.1f} s] {text}", file=self.stream, flush=True)


_current: list[Reporter] = []  # the innermost active reporter last; empty while reporting is off


@contextlib.contextmanager
def reporting(enabled: bool = True, *, stream: TextIO | None = None, start: float | None = None) -> Iterator[None]:
    """Report stages and show bars inside the ``with`` block.

    Parameters
    ----------
    enabled : bool, default True
        False leaves reporting off (``--quiet``), so a caller needs no second code path.
    stream : text stream, optional
        Default ``sys.stderr`` as it is when the block starts (stdout stays for results).
    start : float, optional
        ``time.perf_counter()`` of the command's start (default: now); stage times count from it.
    """
    if not enabled:
        yield
        return
    _current.append(Reporter(stream if stream is not None else sys.stderr,
                             start if start is not None else time.perf_counter()))
    try:
        yield
    finally:
        _current.pop()


def active() -> bool:
    """Whether stages are being reported."""
    return bool(_current)


def stage(text: str) -> None:
    """Say that a stage starts (one line on stderr with the elapsed time); nothing while reporting is off."""
    if _current:
        _current[-1].stage(text)


def bar(items: Iterable[T], desc: str, *, total: int | None = None, unit: str = "it") -> Iterable[T]:
    """``items`` with a tqdm bar on stderr that shows once the loop has taken :data:`BAR_DELAY_S`;
    ``items`` itself while reporting is off."""
    if not _current:
        return items
    from tqdm.auto import tqdm  # here: commands that never loop long do not import it

    return tqdm(items, desc=desc, total=total, unit=unit, file=_current[-1].stream, delay=BAR_DELAY_S,
                leave=True, dynamic_ncols=True)


def numba_cache_dir(kernel) -> Path:
    """The folder numba's on-disk cache keeps ``kernel``'s compiled code in (``NUMBA_CACHE_DIR`` or the
    ``__pycache__`` beside its source).

    Parameters
    ----------
    kernel : numba dispatcher
        An ``@njit(cache=True)`` function.
    """
    from numba.core.caching import FunctionCache

    return Path(FunctionCache(kernel.py_func).cache_path)


def numba_cache_cold(kernels) -> bool:
    """Whether numba will compile at least one of ``kernels`` on first use: its source file has no index
    (``.nbi``) in the on-disk cache yet. An index of an older source still counts as warm (numba then
    recompiles the changed functions only), so this errs towards saying nothing."""
    for kernel in kernels:
        stem = Path(kernel.py_func.__code__.co_filename).stem
        if not any(numba_cache_dir(kernel).glob(f"{stem}.*.nbi")):
            return True
    return False
