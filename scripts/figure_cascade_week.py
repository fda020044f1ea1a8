"""The 2025-10-10 cascade week: realised Binance liquidations against v2, v1 and the naive baseline.

Usage (from the project folder; about a minute)::

    python scripts/figure_cascade_week.py [--out docs/img/cascade_2025-10.png]

Data: ``configs/calibrate_btc_4h_year.yaml`` (Binance BTCUSDT 5m candles, Binance stablecoin-margined
OI every 4 hours, realised Binance-only liquidations per 4h bar). The predictors run point in time on the
whole year and are cut to 2025-10-06 .. 2025-10-14 for the picture; neither was fitted on this data.
Printed: Spearman long / short of each over the drawn bars.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
START, END = pd.Timestamp("2025-10-06", tz="UTC"), pd.Timestamp("2025-10-14", tz="UTC")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "img" / "cascade_2025-10.png"))
    args = parser.parse_args(argv)

    from liqbt.calibration import LiquidationPredictor, LiquidationPredictorV2, naive_baseline
    from liqbt.calibration.fit import realised_liquidations
    from liqbt.calibration.metrics import side_scores
    from liqbt.config import load_config
    from liqbt.data import load_data
    from liqbt.plots.calibration_png import write_calibration_png

    loaded = load_config(ROOT / "configs" / "calibrate_btc_4h_year.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        market = load_data(loaded.config.data, loaded.base_dir)
        real, bar = realised_liquidations(market)
        v2 = LiquidationPredictorV2()
        engine = v2.engine(market, bar)
        predicted = {"v2": v2.predict(market, bar, engine=engine),
                     "v1": LiquidationPredictor().predict(market, bar),
                     "baseline": naive_baseline(market, bar)}
    week = real[(real.index >= START) & (real.index < END)]
    for name, frame in predicted.items():
        scores = [side_scores(frame[side].reindex(week.index).to_numpy(), week[side].to_numpy())["spearman"]
                  for side in ("long", "short")]
        print(f"{name:9s} Spearman long {scores[0]:.3f}  short {scores[1]:.3f}  ({len(week)} bars of 4h)")
    close = market.bars["close"][(market.index >= START) & (market.index < END)]
    path = write_calibration_png(close, week, predicted, args.out,
                                 title="BTCUSDT, Binance: realised vs predicted liquidations per 4h, "
                                       "2025-10-06 .. 2025-10-13 (the 10 Oct cascade)")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
