"""Predictor v2 on a year it was not fitted on: 4-hourly Binance-only liquidations, Binance OI every 4 hours.

Usage (from the project folder; about a minute)::

    python scripts/predictor_v2_year4h.py

Reads ``../shared/data/coinglass-btc-2024-2025`` with a few lines of pandas (the library's loader for
it is another work package's): realised Binance BTC liquidations per 4h bar, Binance's
stablecoin-margined BTC OI (in BTC; its 4h close is known at bar open + 4h and converted to USD
with the open of the 5m candle starting then, the last price known at that time), and the Binance
BTCUSDT 5m candles of ``binance-um/futures`` (from 2024-12-31). This differs from v2's fitting data
in venue (Binance only), bar size (4h) and OI resolution (4h: the engine's edge came from hourly OI
changes, see docs/calibration.md), so it tests whether the *features* hold, not the coefficients.

Printed per month (2025-02 .. 2025-11-14) and pooled: Spearman long / short of v2 refitted
walk-forward on this data (expanding, refit at the first of every month), the shipped v2 and v1
unchanged (ranks only: their levels are for hourly three-venue data), and the naive baseline.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
FOLDER = DATA / "coinglass-btc-2024-2025"
REFITS = tuple(str(t.date()) for t in pd.date_range("2025-02-01", "2025-11-01", freq="MS"))


def market_4h():
    from liqbt.data import Market, read_freqtrade

    candles = read_freqtrade(DATA / "binance-um" / "futures", "BTC/USDT:USDT", "5m").only("candles").to_market().bars
    liq = pd.read_csv(FOLDER / "binance_btc_liquidations_4h.csv")
    liq.index = pd.to_datetime(liq.pop("time_ms"), unit="ms", utc=True)
    liq.columns = ["realised_liq_long_usd", "realised_liq_short_usd"]
    oi = pd.read_csv(FOLDER / "binance_btc_usdm_oi_btc_4h.csv")
    known = pd.to_datetime(oi["time_ms"], unit="ms", utc=True) + pd.Timedelta("4h")
    oi_usd = pd.Series(oi["close"].to_numpy() * candles["open"].reindex(known).to_numpy(), index=known).dropna()
    return Market.from_parts(candles[["open", "high", "low", "close", "volume"]], bar_size="5min", symbol="BTCUSDT",
                             open_interest=oi_usd, liquidations=liq, liquidations_bar_size="4h",
                             source=str(FOLDER))


def main() -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    from fit_predictor_v2 import print_months, walk_forward
    from liqbt.calibration import LiquidationPredictor, LiquidationPredictorV2, naive_baseline
    from liqbt.calibration.fit import realised_liquidations
    from liqbt.calibration.learned import side_features
    from liqbt.calibration.predictor import combine

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        market = market_4h()
        real, rbar = realised_liquidations(market)
        v2 = LiquidationPredictorV2()
        engine = v2.engine(market, rbar)
    features = side_features(market, engine, rbar)
    known = pd.concat([features[s] for s in ("long", "short")], axis=1).reindex(real.index).notna().all(axis=1)
    real = real[known]
    wf = walk_forward(real, features, REFITS, end=real.index[-1] + rbar)
    v1 = LiquidationPredictor()
    contenders = {"v2 refit (walk-forward)": wf,
                  "v2 shipped": v2.predict(market, rbar, engine=engine),
                  "v1 shipped": combine(engine, naive_baseline(market, rbar), v1.background_density),
                  "baseline": naive_baseline(market, rbar)}
    print_months({name: pred.reindex(wf.index) for name, pred in contenders.items()}, real)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
