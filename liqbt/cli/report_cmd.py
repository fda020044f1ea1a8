"""``liqbt report``: list what the results store holds, or rebuild a sweep's report from it."""

from __future__ import annotations


def register(sub) -> None:
    parser = sub.add_parser("report", help="list the results store, or rebuild a sweep report from it")
    parser.add_argument("config", nargs="?", help="a sweep config whose stored results to report")
    parser.add_argument("--out", help="output folder (default: the config's output.dir)")
    parser.add_argument("--store", help="list the experiments in this results store (SQLite file)")
    parser.add_argument("--allow-path", action="append", default=[], metavar="DIR",
                        help="a folder outside the config's folder that !include, base: and a relative output "
                             "folder may reach (repeatable; also $LIQBT_ALLOW_PATHS)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ..errors import ConfigError
    from ..research.store import ResultStore

    if args.store:
        from ..config.files import resolve_path

        path = resolve_path(args.store, "results store (SQLite file)")
        if not path.exists():
            raise ConfigError(f"{path}: no results store there")
        with ResultStore(path, create=False) as store:
            print(store.experiments().to_string(index=False))
        return 0
    if not args.config:
        raise ConfigError("report: give a sweep config, or --store FILE to list a store")
    from ..research.report import write_sweep_outputs
    from ..research.runner import run_sweep_from_store
    from ..pipeline import load_market
    from .common import load, output_dir, writing

    loaded = load(args, "report")
    output_dir(args, loaded, create=False)
    market = load_market(loaded)
    out = output_dir(args, loaded)
    outcome = run_sweep_from_store(loaded, market, out)
    with writing(out):
        paths = write_sweep_outputs(loaded, market, outcome, out)
    if not args.quiet:
        print(f"wrote {paths['report']}")
    return 0
