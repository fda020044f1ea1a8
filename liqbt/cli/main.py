"""The ``liqbt`` command. Each subcommand lives in its own module under ``liqbt.cli``."""

from __future__ import annotations

import argparse
import sys
import warnings

from .._version import __version__
from ..errors import LiqbtError

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    from . import calibrate_cmd, data_cmd, heatmap_cmd, report_cmd, run_cmd, sweep_cmd, validate_cmd

    parser = argparse.ArgumentParser(
        prog="liqbt",
        description="Research and backtest strategies on point-in-time liquidation heatmaps.",
    )
    parser.add_argument("--version", action="version", version=f"liqbt {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bars or summaries")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (run_cmd, sweep_cmd, heatmap_cmd, calibrate_cmd, report_cmd, validate_cmd, data_cmd):
        module.register(sub)
    return parser


class _WarningPrinter:
    """Prints each distinct warning once, as one line (a sweep meets the same off-grid price in every model)."""

    def __init__(self):
        self.seen: set[str] = set()

    def __call__(self, message, category, filename, lineno, file=None, line=None):
        text = str(message)
        if text not in self.seen:
            self.seen.add(text)
            print(f"liqbt: warning: {text}", file=file or sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _WarningPrinter()
            if args.quiet:
                warnings.simplefilter("ignore")
            result = args.handler(args)
        return int(result or 0)
    except LiqbtError as exc:
        if args.debug:
            raise
        print(f"liqbt: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("liqbt: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
