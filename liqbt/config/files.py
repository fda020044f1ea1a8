"""File-system rules for what a config may read and where liqbt may write.

A config may come from anyone (STYLE.md section 10), so:

* ``!include`` and ``base:`` read only regular files inside the config's folder
  tree (after resolving symlinks), or inside a folder the user allowed
  explicitly: ``--allow-path DIR`` (repeatable) or ``LIQBT_ALLOW_PATHS``
  (folders separated by ``os.pathsep``, ``:`` on Linux);
* a config file is at most :data:`MAX_CONFIG_BYTES` (1 MiB) and UTF-8;
* outputs go to a folder that is not a file-system root nor the home folder; a
  relative output folder stays inside the config's folder tree, its project
  (the nearest folder above it with ``.git`` or ``pyproject.toml``), the current
  folder or an allowed folder; the results store stays inside the output folder;
* files are written to a temporary name and renamed, so a failed write (disk
  full) leaves no partial file, and the error names the path.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Iterable

from ..errors import ConfigError, OutputError

__all__ = ["MAX_CONFIG_BYTES", "ALLOW_ENV", "allowed_roots", "resolve_path", "read_config_bytes",
           "inside", "project_root", "check_output_dir", "check_store_path", "write_atomic", "os_error_text"]

MAX_CONFIG_BYTES = 1 << 20
"""Largest config or included file read (bytes): a YAML config is a few KiB; /dev/zero is endless."""

ALLOW_ENV = "LIQBT_ALLOW_PATHS"


def os_error_text(exc: OSError) -> str:
    """``strerror`` of an OS error without the errno prefix (``No space left on device``)."""
    return exc.strerror or str(exc)


def resolve_path(path: str | Path, what: str = "file") -> Path:
    """``path`` made absolute with symlinks resolved; a symlink loop is a :class:`ConfigError`."""
    try:
        return Path(path).expanduser().resolve()
    except RuntimeError:  # Python < 3.13 reports a symlink loop so
        raise ConfigError(f"{Path(path).absolute()}: symlink loop; expected a {what}") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ConfigError(f"{Path(path).absolute()}: symlink loop; expected a {what}") from None
        raise ConfigError(f"{Path(path).absolute()}: {os_error_text(exc)}") from None


def allowed_roots(extra: Iterable[str | Path] = (), *, env: bool = True) -> tuple[Path, ...]:
    """Folders the user allowed outside the project: ``extra`` plus ``$LIQBT_ALLOW_PATHS``."""
    folders = [str(p) for p in extra]
    if env:
        folders += [p for p in os.environ.get(ALLOW_ENV, "").split(os.pathsep) if p.strip()]
    return tuple(resolve_path(p, "folder") for p in folders)


PROJECT_MARKERS = (".git", "pyproject.toml")
"""A folder holding one of these is a project root: outputs may go anywhere inside it."""


def project_root(folder: Path) -> Path | None:
    """The nearest folder at or above ``folder`` holding a :data:`PROJECT_MARKERS` entry, or None."""
    for candidate in (folder, *folder.parents):
        if candidate == Path(candidate.anchor) or candidate == Path.home().resolve():
            return None  # a marker at / or in the home folder would make everything "the project"
        if any((candidate / marker).exists() for marker in PROJECT_MARKERS):
            return candidate
    return None


def inside(path: Path, roots: Iterable[Path]) -> bool:
    """Whether the resolved ``path`` lies in (or is) one of ``roots``."""
    return any(path == root or path.is_relative_to(root) for root in roots)


def read_config_bytes(path: Path, where: str = "") -> bytes:
    """The bytes of a config file: a regular file of at most 1 MiB, else a one-line error.

    ``path`` is already resolved; ``where`` says who asked (``" (included from a.yaml)"``).
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found{where}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {os_error_text(exc)}{where}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"{path}: is a directory; expected a YAML file{where}")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{path}: not a regular file (a device, FIFO or socket); expected a YAML file{where}")
    if info.st_size > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: file is {info.st_size:,} bytes; config files are capped at 1 MiB "
                          f"({MAX_CONFIG_BYTES:,} bytes){where}")
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)  # the file may grow after stat
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {os_error_text(exc)}{where}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: file is over 1 MiB ({MAX_CONFIG_BYTES:,} bytes), the cap for config files"
                          f"{where}")
    return data


def _is_forbidden_dir(path: Path) -> str | None:
    if path == Path(path.anchor):
        return "a file-system root"
    home = Path.home().resolve()
    if path == home:
        return "the home folder"
    return None


def check_output_dir(out: Path, where: str, *, relative: bool, roots: Iterable[Path],
                     allowed: Iterable[Path] = ()) -> Path:
    """``out`` (resolved) if liqbt may write there, else a :class:`ConfigError`.

    Parameters
    ----------
    out : Path
        The resolved output folder.
    where : str
        What named it (``c.yaml: output.dir``, ``--out``), for the message.
    relative : bool
        Whether the user wrote a relative path; it must stay inside ``roots``
        (the config's folder tree, the current folder) or ``allowed``.
    """
    what = _is_forbidden_dir(out)
    if what is not None:
        raise ConfigError(f"{where}: {out} is {what}; choose a folder for liqbt's outputs")
    roots = tuple(roots) + tuple(allowed)
    if relative and not inside(out, roots):
        shown = ", ".join(str(r) for r in dict.fromkeys(roots))
        raise ConfigError(f"{where}: the relative path leaves the project ({out} is outside {shown}); "
                          f"give an absolute path or allow the folder with --allow-path / {ALLOW_ENV}")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{where}: {out} is a file; expected a folder")
    return out


def check_store_path(store: str, out: Path, where: str) -> Path:
    """The results store ``out / store``; it must stay inside the output folder ``out``."""
    path = resolve_path(out / store)
    if Path(store).is_absolute() or not path.is_relative_to(out) or path == out:
        raise ConfigError(f"{where}: {store!r} resolves to {path}, outside the output folder {out}; "
                          "give a file name inside it, e.g. 'results.sqlite'")
    return path


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    A failure (disk full, unwritable folder, ``path`` is a folder) removes the
    temporary file and raises :class:`~liqbt.errors.OutputError` naming ``path``; an older
    file at ``path`` stays as it was.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {os_error_text(exc)}") from None
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write: {os_error_text(exc)}; nothing was written there") from None
    return path
