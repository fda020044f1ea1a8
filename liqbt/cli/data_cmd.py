"""``liqbt data inspect|download``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path


def register(sub) -> None:
    parser = sub.add_parser("data", help="inspect or download market data")
    data_sub = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    inspect = data_sub.add_parser("inspect", help="print span, bar size, gaps, columns and units of a source")
    inspect.add_argument("source", help="a .yaml config, .feather file or folder, vendor .csv, parquet or archive folder")
    inspect.add_argument("--pair", help="pair or symbol in a folder with several (e.g. BTC/USDT:USDT)")
    inspect.add_argument("--timeframe", help="candle timeframe in a folder with several (e.g. 5m)")
    inspect.add_argument("--coin", default="BTC", help="coin of a multi-venue folder (default BTC)")
    inspect.add_argument("--json", action="store_true", help="print JSON instead of a table")
    inspect.set_defaults(handler=run_inspect)

    download = data_sub.add_parser("download", help="fetch Binance public archive files into a local cache")
    download.add_argument("symbol", help="e.g. BTCUSDT")
    download.add_argument("--start", required=True, type=dt.date.fromisoformat, help="first day, YYYY-MM-DD")
    download.add_argument("--end", required=True, type=dt.date.fromisoformat, help="last day, YYYY-MM-DD")
    download.add_argument("--kinds", default="klines,markPriceKlines,fundingRate,metrics",
                          help="comma-separated archive kinds (default: %(default)s)")
    download.add_argument("--interval", default="5m", help="kline interval (default: %(default)s)")
    download.add_argument("--cache", default=".liqbt-cache/binance", help="cache folder (default: %(default)s)")
    download.add_argument("--base-url", default="https://data.binance.vision", help=__import__("argparse").SUPPRESS)
    download.set_defaults(handler=run_download)


def run_inspect(args) -> int:
    from ..data.inspect import describe, format_description, open_source
    from ..data.market import MultiVenueMarket

    market = open_source(args.source, pair=args.pair, timeframe=args.timeframe, coin=args.coin)
    markets = list(market.markets.values()) if isinstance(market, MultiVenueMarket) else [market]
    infos = [describe(m) for m in markets]
    if args.json:
        print(json.dumps(infos if len(infos) > 1 else infos[0], indent=2))
    else:
        print("\n\n".join(format_description(i) for i in infos))
    return 0


def run_download(args) -> int:
    from ..data.download import download_archive

    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    paths = download_archive(args.symbol, args.start, args.end, kinds=kinds, interval=args.interval,
                             cache_dir=Path(args.cache), base_url=args.base_url, progress=not args.quiet)
    if not args.quiet:
        print(f"{len(paths)} archive files in {Path(args.cache).resolve()}")
    return 0
