"""``liqbt sweep CONFIG``: sweep parameters with walk-forward windows; resumable."""

from __future__ import annotations


def register(sub) -> None:
    from .common import add_config_args

    parser = sub.add_parser("sweep", help="sweep parameters (grid, random, optuna) with walk-forward windows")
    add_config_args(parser, config_help="YAML config with 'strategy:' and 'sweep:' sections")
    parser.add_argument("--executor", choices=("local", "ray"), help="override sweep.executor")
    parser.add_argument("--address", help="Ray cluster address (with --executor ray)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ..pipeline import load_market, run_sweep
    from ..research.report import write_sweep_outputs
    from ..research.runner import store_path
    from .common import load, output_dir, writing

    loaded = load(args, "sweep")
    if args.executor or args.address:
        sweep = loaded.config.sweep
        updates = {k: v for k, v in (("executor", args.executor), ("address", args.address)) if v}
        config = loaded.config.model_copy(update={"sweep": sweep.model_copy(update=updates)})
        loaded = type(loaded)(config=config, path=loaded.path, allow=loaded.allow)
    if loaded.config.symbols is not None:  # several symbols as one job, a folder each (liqbt.jobs)
        from ..jobs import format_symbols, run_symbols

        outcome = run_symbols(loaded, "sweep", output_dir(args, loaded))
        if not args.quiet:
            print(format_symbols(outcome))
        return 0
    output_dir(args, loaded, create=False)
    market = load_market(loaded)
    out = output_dir(args, loaded)
    outcome = run_sweep(loaded, store_path(loaded, out), market=market, progress=not args.quiet)
    with writing(out):
        paths = write_sweep_outputs(loaded, market, outcome, out)
    if not args.quiet:
        n_sets = outcome.results[outcome.param_names].drop_duplicates().shape[0]
        print(f"{n_sets} parameter sets ({outcome.evaluated} computed now, the rest from {outcome.store})")
        if len(outcome.walk_forward):
            print(outcome.walk_forward.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        print(f"wrote {paths['results']} and {paths['report']}")
    return 0
