"""What every config-driven command shares: the config arguments, loading, the output folder."""

from __future__ import annotations

import contextlib
from pathlib import Path

__all__ = ["add_config_args", "load", "output_dir", "writing"]


def add_config_args(parser, *, config_help: str = "YAML config file", out: bool = True) -> None:
    """``CONFIG``, ``--allow-path DIR`` (repeatable) and, with ``out``, ``--out DIR``."""
    parser.add_argument("config", help=config_help)
    if out:
        parser.add_argument("--out", help="output folder (default: the config's output.dir)")
    parser.add_argument("--allow-path", action="append", default=[], metavar="DIR",
                        help="a folder outside the config's folder that !include, base: and a relative output "
                             "folder may reach (repeatable; also $LIQBT_ALLOW_PATHS, separated by ':')")


def load(args, command: str | None = None):
    """The config of ``args`` (checked as ``liqbt validate`` checks it) and what ``command`` needs."""
    from ..config import load_config
    from ..config.gate import require

    loaded = load_config(args.config, tuple(getattr(args, "allow_path", ()) or ()))
    if command is not None:
        require(loaded, command)
    return loaded


@contextlib.contextmanager
def writing(out: Path):
    """An OS error while writing into ``out`` becomes one line naming the file, or ``out`` when the
    OS does not say which file (a full disk during ``write()``)."""
    from ..config.files import os_error_text
    from ..errors import OutputError

    try:
        yield
    except OSError as exc:
        where = exc.filename if exc.filename is not None else f"{out} (writing the outputs)"
        raise OutputError(f"{where}: {os_error_text(exc)}") from None


def output_dir(args, loaded, *, create: bool = True) -> Path:
    """The checked output folder (``--out`` or ``output.dir``), created unless ``create`` is False."""
    from ..config.files import os_error_text
    from ..config.gate import output_folder
    from ..errors import OutputError

    out = output_folder(loaded, getattr(args, "out", None))
    if create:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{out}: cannot create the output folder: {os_error_text(exc)}") from None
    return out
