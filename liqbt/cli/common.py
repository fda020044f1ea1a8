"""What every config-driven command shares: the config arguments, loading, the output folder."""

from __future__ import annotations

import contextlib
from pathlib import Path

__all__ = ["add_config_args", "load", "output_dir", "writing", "load_market_staged", "kernels_stage"]


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
    from ..progress import stage

    stage(f"reading the config ({args.config})")
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


def load_market_staged(loaded):
    """The config's market, with its stage line (``loading data``)."""
    from ..pipeline import load_market
    from ..progress import stage

    stage(f"loading data ({loaded.path.name})")
    return load_market(loaded)


def kernels_stage(*, backtest: bool = True) -> None:
    """The stage line of numba's kernels: compiled on first use when its on-disk cache is cold (a fresh
    install: the quickstart ~20-40 s on 2 cores, issue #14), loaded from the cache otherwise. The compilation
    itself happens inside the stages that follow, on each kernel's first call."""
    from ..progress import active, numba_cache_cold, numba_cache_dir, stage

    if not active():
        return  # checking the cache imports numba: only when someone reads the answer
    from ..heatmap.nb.run import run_nb

    kernels = [run_nb]
    if backtest:
        from ..backtest.nb import simulate_nb

        kernels.append(simulate_nb)
    if numba_cache_cold(kernels):
        stage(f"compiling kernels on first use: numba's cache is cold ({numba_cache_dir(run_nb)}); this run "
              "compiles them (the quickstart: under a minute), later runs reuse them")
    else:
        stage("kernels: numba's cache is warm, nothing to compile")
