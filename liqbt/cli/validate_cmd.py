"""``liqbt validate CONFIG``: check a config file without running it.

It runs every start-up check of ``run``, ``sweep``, ``heatmap``, ``calibrate``
and ``report`` that needs no market data (:mod:`liqbt.config.gate`): a config
that validates does not fail at the start of a command for a reason the config
alone shows. ``--for COMMAND`` adds what that command needs (``heatmap``: a
``heatmaps:`` section; ``sweep``: ``strategy:`` and ``sweep:``), ``--out DIR``
checks an output folder given on the command line.
"""

from __future__ import annotations

COMMANDS = ("run", "sweep", "heatmap", "calibrate", "report")
"""The commands ``--for`` names: those :func:`liqbt.config.gate.require` knows (``liqbt.config.gate.COMMANDS``,
not imported here because it loads pydantic and ``liqbt --help`` must not; tests/test_api.py checks they agree)."""


def register(sub) -> None:
    from .common import add_config_args

    parser = sub.add_parser("validate", help="check a config file without running it")
    add_config_args(parser)
    parser.add_argument("--for", dest="for_command", choices=COMMANDS, metavar="COMMAND",
                        help=f"also check what one command needs ({', '.join(COMMANDS)})")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from .common import load, output_dir

    loaded = load(args, args.for_command)
    if args.out:
        output_dir(args, loaded, create=False)
    if not args.quiet:
        print(f"{loaded.path}: ok")
    return 0
