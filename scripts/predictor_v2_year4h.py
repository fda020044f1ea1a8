"""Predictor v2 on a year it was not fitted on: 4-hourly Binance-only liquidations, Binance OI every 4 hours.

Usage (from the project folder; under a minute)::

    python scripts/predictor_v2_year4h.py

Reads the data of ``configs/calibrate_btc_4h_year_walkforward.yaml`` through its ``data:`` section
(2025-01-01 -> 2025-11-14 16:00): realised Binance BTC liquidations per 4h bar and Binance's
stablecoin-margined BTC OI from ``../shared/data/coinglass-btc-2024-2025`` (``format: coinglass_v4``:
the OI in BTC, known at bar open + 4h, converted to USD with the last 5m close known then), and the
Binance BTCUSDT 5m candles of ``binance-um/futures``. This differs from v2's fitting data
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
REFITS = tuple(str(t.date()) for t in pd.date_range("2025-02-01", "2025-11-01", freq="MS"))


def market_4h():
    """The market of ``configs/calibrate_btc_4h_year_walkforward.yaml``, through the library's loaders."""
    import liqbt

    loaded = liqbt.load_config(ROOT / "configs" / "calibrate_btc_4h_year_walkforward.yaml")
    return liqbt.load_data(loaded.config.data, loaded.base_dir)


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
