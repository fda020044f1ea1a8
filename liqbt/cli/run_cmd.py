"""``liqbt run CONFIG``: run the experiment a config describes."""

from __future__ import annotations

import json
from pathlib import Path


def register(sub) -> None:
    parser = sub.add_parser("run", help="run the experiment a config describes")
    parser.add_argument("config", help="YAML config file")
    parser.add_argument("--out", help="output folder (default: the config's output.dir)")
    parser.set_defaults(handler=run)


def output_dir(args, loaded) -> Path:
    if args.out:
        return Path(args.out).resolve()
    return (loaded.base_dir / loaded.config.output.dir).resolve()


def load_market(loaded):
    """The config's market, with gap warnings shown once (not per use)."""
    from ..data.config import load_data

    return load_data(loaded.config.data, loaded.base_dir)


def run(args) -> int:
    from ..config import load_config
    from ..data.config import load_data
    from ..data.inspect import describe, format_description
    from ..data.market import MultiVenueMarket

    loaded = load_config(args.config)
    market = load_data(loaded.config.data, loaded.base_dir)
    markets = list(market.markets.values()) if isinstance(market, MultiVenueMarket) else [market]
    out = output_dir(args, loaded)
    out.mkdir(parents=True, exist_ok=True)
    infos = [describe(m) for m in markets]
    (out / "data_summary.json").write_text(json.dumps(infos, indent=2))
    if not args.quiet:
        print("\n\n".join(format_description(i) for i in infos))
        print(f"\nwrote {out / 'data_summary.json'}")
    return 0
