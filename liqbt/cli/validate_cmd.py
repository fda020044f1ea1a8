"""``liqbt validate CONFIG``: check a config file without running it."""

from __future__ import annotations


def register(sub) -> None:
    parser = sub.add_parser("validate", help="check a config file without running it")
    parser.add_argument("config", help="YAML config file")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ..config import load_config

    loaded = load_config(args.config)
    if not args.quiet:
        print(f"{loaded.path}: ok")
    return 0
