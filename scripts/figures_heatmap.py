"""The pictures of docs/heatmap.md: one PNG per family of heatmap options, each option's effect side by side.

Usage (from the project folder; under a minute once numba's cache is warm)::

    python scripts/figures_heatmap.py [--out docs/img] [--only window,decay]

Data (``../shared/data``): Binance BTCUSDT 5m candles, funding and mark price (freqtrade folder)
with Binance's stablecoin-margined open interest every 4 hours (coinglass_v4), and for the
``venues`` family the hourly Binance/Bybit perpetual candles of multivenue-1h with each
exchange's own open interest (OKX on Binance's candles, as in configs/heatmap_btc_3venues.yaml).
Every map is reconstructed point in time from 2025-09-01 (so a 30-day window is full) and drawn
over the three weeks 2025-10-01 .. 2025-10-22, which hold the 10 October cascade. Writes
``OUT/heatmap_<family>.png``; the same inputs give the same pictures.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
LOAD_FROM = pd.Timestamp("2025-09-01", tz="UTC")
SHOW = (pd.Timestamp("2025-10-01", tz="UTC"), pd.Timestamp("2025-10-22", tz="UTC"))

#: OKX has no bracket table in liqbt: Binance's BTCUSDT brackets price its positions (docs/heatmap.md).
OKX_BRACKETS = {"okx": "binance:BTCUSDT"}

#: family -> (figure title, market ("5m" or "venues"), [(panel title, HeatmapModel fields), ...]).
#: Each panel departs from the default (calibrated) model only in the fields given.
FAMILIES = {
    "window": ("window: how long an opened position counts", "5m", [
        ("window 12h", {"window": "12h"}),
        ("window 7d (default)", {}),
        ("window 30d", {"window": "30d"}),
    ]),
    "leverage": ("leverage_tiers / leverage_distribution: at which leverage positions are opened", "5m", [
        ("leverage_tiers 5x and 10x",
         {"leverage_tiers": [{"leverage": 5, "weight": 1}, {"leverage": 10, "weight": 1}]}),
        ("leverage_tiers 50x and 100x",
         {"leverage_tiers": [{"leverage": 50, "weight": 1}, {"leverage": 100, "weight": 1}]}),
        ("lognormal 2-125x, median 25x, sigma 1.3 (default)", {}),
        ("loguniform 2-125x", {"leverage_distribution": {"kind": "loguniform"}}),
    ]),
    "tier_filter": ("tier_filter: report only some leverages (the book still holds all)", "5m", [
        ("every tier (default)", {}),
        ("tier_filter {max: 10}", {"tier_filter": {"max": 10}}),
        ("tier_filter {min: 50}", {"tier_filter": {"min": 50}}),
    ]),
    "entry": ("entry_price / range_points: where new positions are opened", "5m", [
        ("entry_price close", {"entry_price": "close"}),
        ("entry_price typical", {"entry_price": "typical"}),
        ("entry_price range, 5 points (default)", {}),
    ]),
    "long_share": ("long_share: how new positions split between longs and shorts (longs only shown)", "5m", [
        ("long_share equal (default)", {}),
        ("long_share candle, candle_long_share 0.8", {"long_share": "candle", "candle_long_share": 0.8}),
        ("long_share funding, funding_skew 1000", {"long_share": "funding"}),
    ]),
    "close": ("close_mode: how an open-interest drop removes positions", "5m", [
        ("close_mode fraction_of_oi (default)", {}),
        ("close_mode amount", {"close_mode": "amount"}),
    ]),
    "decay": ("decay_half_life: resting positions fade (window 30d)", "5m", [
        ("no decay (default)", {"window": "30d"}),
        ("decay_half_life 3d", {"window": "30d", "decay_half_life": "3d"}),
        ("decay_half_life 12h", {"window": "30d", "decay_half_life": "12h"}),
    ]),
    "grid": ("grid / bin_size_bps / bin_size_usd / n_bins: the price bins", "5m", [
        ("log grid, 10 bps bins (default)", {}),
        ("log grid, 50 bps bins, 400 bins", {"bin_size_bps": 50, "n_bins": 400}),
        ("linear grid, 250 USD bins, 400 bins", {"grid": "linear", "bin_size_usd": 250, "n_bins": 400}),
    ]),
    "margin": ("maintenance / constant_mmr / position_notional_usd: where a position liquidates", "5m", [
        ("Binance brackets at 10k USDT (default)", {}),
        ("position_notional_usd 5M (higher maintenance, fewer high-leverage tiers)",
         {"position_notional_usd": 5_000_000}),
        ("maintenance constant, constant_mmr 0.006", {"maintenance": "constant", "constant_mmr": 0.006}),
    ]),
    "venues": ("venues: one exchange's book or the sum of three (1h candles, each venue's own OI)", "venues", [
        ("venues [binance]", {"venues": ["binance"]}),
        ("venues [okx]", {"venues": ["okx"], "venue_brackets": OKX_BRACKETS}),
        ("all three venues (default: every venue of the market)", {"venue_brackets": OKX_BRACKETS}),
    ]),
    "display": ("liqbt heatmap --scale / --price: the same map drawn two ways", "5m", [
        ("--scale absolute --price candles (default)", {}),
        ("--scale relative --price line", {}),
    ]),
}

#: Families drawn with only one side (``long_share`` changes the split, so longs alone show it).
SIDES = {"long_share": "long"}
#: The ``display`` family's panels draw one map with the CLI's ``--scale`` / ``--price`` choices.
DISPLAY_STYLES = {"scale": ("absolute", "relative"), "price": ("candles", "line")}


def load_markets(start=LOAD_FROM, end=SHOW[1], data: Path = DATA, which=("5m", "venues")) -> dict:
    """The markets of the pictures: ``"5m"`` (Binance BTCUSDT 5m with 4h Binance OI) and ``"venues"``."""
    from liqbt.data.config import DataConfig, load_data

    span = {"symbol": "BTCUSDT", "start": start.tz_convert(None).isoformat(), "end": end.tz_convert(None).isoformat()}
    configs = {
        "5m": {**span, "venue": "binance", "sources": [
            {"format": "freqtrade", "path": str(data / "binance-um" / "futures"), "pair": "BTC/USDT:USDT",
             "timeframe": "5m", "parts": ["candles", "funding", "mark"]},
            {"format": "coinglass_v4", "path": str(data / "coinglass-btc-2024-2025"), "open_interest": "usdm",
             "parts": ["open_interest"]}]},
        "venues": {**span, "venues": {venue: {"sources": [
            # OKX's own candles start after its per-exchange OI ends: Binance's stand in (heatmap_btc_3venues.yaml)
            {"format": "multivenue", "path": str(data / "multivenue-1h"), "coin": "BTC",
             "venue": "binance" if venue == "okx" else venue, "parts": ["candles"]},
            {"format": "coinglass_v4", "path": str(data / "coinglass-btc-2024-2025"), "coin": "BTC", "bar_size": "4h",
             "open_interest": "exchange", "exchange": venue.upper(), "parts": ["open_interest"]}]}
            for venue in ("binance", "bybit", "okx")}},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bracket-version and similar notices: the docs state them
        return {key: load_data(DataConfig.model_validate(configs[key]), ROOT) for key in which}


def family_views(family: str, market, show=SHOW, snapshot_every: str = "1h") -> list:
    """One :class:`~liqbt.plots.HeatmapView` per panel of ``family``, cut to ``show``."""
    from liqbt.heatmap import HeatmapModel, reconstruct
    from liqbt.plots import view_from_result

    _, _, panels = FAMILIES[family]
    views = []
    for title, fields in panels:
        model = HeatmapModel.model_validate(fields)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # excluded tiers, book wipes: the docs discuss them
            result = reconstruct(market, model, snapshot_every=snapshot_every)
        # a multi-venue map is drawn with its first venue's candles, as `liqbt heatmap` does
        price_market = market if not hasattr(market, "markets") else market[(model.venues or market.venues)[0]]
        view = view_from_result(result, price_market, title).between(*show)
        views.append(view)
    return views


def family_figure(family: str, market, out: Path, show=SHOW, snapshot_every: str = "1h") -> Path:
    """Reconstruct ``family``'s panels over ``market`` and write ``out/heatmap_<family>.png``."""
    from liqbt.plots.heatmap_png import write_heatmap_panels

    title, _, _ = FAMILIES[family]
    views = family_views(family, market, show, snapshot_every)
    path = Path(out) / f"heatmap_{family}.png"
    styles = DISPLAY_STYLES if family == "display" else {}
    write_heatmap_panels(views, path, title=title, side=SIDES.get(family, "both"),
                         scale=styles.get("scale", "absolute"), price=styles.get("price", "candles"))
    return shrink_png(path)


def shrink_png(path: Path) -> Path:
    """Re-save ``path`` with a 256-colour palette (no dithering): a third of the size in the repository,
    no visible change on these pictures (a few colour ramps and candles)."""
    from PIL import Image

    with Image.open(path) as image:
        palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                dither=Image.Dither.NONE)
    palette.save(path, optimize=True)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "img"))
    parser.add_argument("--only", default="", help="comma-separated families (default all: " + ", ".join(FAMILIES)
                        + ")")
    args = parser.parse_args(argv)
    families = [f for f in args.only.split(",") if f] or list(FAMILIES)
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        parser.error(f"unknown families {unknown}; expected some of {list(FAMILIES)}")
    markets = load_markets(which=tuple(sorted({FAMILIES[f][1] for f in families})))
    Path(args.out).mkdir(parents=True, exist_ok=True)
    for family in families:
        print(f"wrote {family_figure(family, markets[FAMILIES[family][1]], Path(args.out))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
