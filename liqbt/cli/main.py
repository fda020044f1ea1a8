"""The ``liqbt`` command. Each subcommand lives in its own module under ``liqbt.cli``."""

from __future__ import annotations

import argparse
import sys
import time
import warnings

from .._version import __version__
from ..errors import LiqbtError

__all__ = ["main", "build_parser", "UsageError"]


class UsageError(Exception):
    """A command line argparse refused (unknown option, missing argument, unknown command)."""


class _Parser(argparse.ArgumentParser):
    """argparse with its errors in liqbt's one-line form (``liqbt: error: ...``, exit 2) instead of usage text."""

    def error(self, message: str):
        command = self.prog.partition(" ")[2]  # "liqbt data inspect" -> "data inspect"
        raise UsageError(f"{command + ': ' if command else ''}{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    from . import calibrate_cmd, data_cmd, heatmap_cmd, report_cmd, run_cmd, sweep_cmd, validate_cmd

    parser = _Parser(
        prog="liqbt",
        description="Research and backtest strategies on point-in-time liquidation heatmaps.",
    )
    parser.add_argument("--version", action="version", version=f"liqbt {__version__}")
    add_global_options(parser, default=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=_Parser)
    for module in (run_cmd, sweep_cmd, heatmap_cmd, calibrate_cmd, report_cmd, validate_cmd, data_cmd):
        module.register(sub)
    for command in command_parsers(parser):
        # also after the command (`liqbt run X --quiet`); SUPPRESS leaves a flag given before it intact
        add_global_options(command, default=argparse.SUPPRESS)
    return parser


def add_global_options(parser: argparse.ArgumentParser, default) -> None:
    """``--debug``, ``--quiet``, ``--progress``: on ``liqbt`` itself and on every command."""
    parser.add_argument("--debug", action="store_true", default=default, help="show tracebacks on errors")
    parser.add_argument("--quiet", "-q", action="store_true", default=default, help="no progress bars or summaries")
    parser.add_argument("--progress", action="store_true", default=default,
                        help="stage lines and progress bars on stderr even when it is not a terminal "
                             "(run, heatmap, calibrate; --quiet wins)")


def command_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every parser below ``parser`` (commands and their subcommands, e.g. ``data inspect``)."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += [child, *command_parsers(child)]
    return found


class _WarningPrinter:
    """Prints each distinct warning once, as one line (a sweep meets the same off-grid price in every model)."""

    def __init__(self):
        self.seen: set[str] = set()

    def __call__(self, message, category, filename, lineno, file=None, line=None):
        text = str(message)
        if text not in self.seen:
            self.seen.add(text)
            print(f"liqbt: warning: {text}", file=file or sys.stderr)


def shows_progress(args) -> bool:
    """Stage lines for a command that asks for them (``set_defaults(stages=True)``): on a terminal, or
    with ``--progress``, never with ``--quiet``. Not by default into a pipe or file: there stderr is
    the one-line error a script reads (issue #11, tests/corpus.py)."""
    if args.quiet or not getattr(args, "stages", False):
        return False
    return args.progress or sys.stderr.isatty()


def main(argv: list[str] | None = None) -> int:
    start = time.perf_counter()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(f"liqbt: error: {exc}", file=sys.stderr)
        return 2
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _WarningPrinter()
            if args.quiet:
                warnings.simplefilter("ignore")
            from ..progress import reporting, stage

            with reporting(shows_progress(args), start=start):
                # the first line within a second: the command's own imports (pandas, numba, vectorbt) take seconds
                stage(f"{args.command}: importing libraries")
                result = args.handler(args)
        return int(result or 0)
    except LiqbtError as exc:
        if args.debug:
            raise
        print(f"liqbt: error: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file-system failure no module caught: still one line naming the path
        if args.debug:
            raise
        where = exc.filename if exc.filename is not None else "file system"
        print(f"liqbt: error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("liqbt: interrupted", file=sys.stderr)
        return 130


def _one_line(text: str) -> str:
    return " ".join(text.split("\n")) if "\n" in text else text



if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
