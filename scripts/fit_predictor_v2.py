"""Fit predictor v2 and judge it walk-forward; print the coefficients shipped as its defaults.

Usage (from the project folder, about 30 s)::

    python scripts/fit_predictor_v2.py            # monthly expanding refits
    python scripts/fit_predictor_v2.py --semimonthly

Data: ``configs/calibrate_btc_5m.yaml`` (Binance BTCUSDT 5m candles, hourly Binance OI, realised
Binance + Bybit + OKX hourly liquidations), only hours opening before 2026-02-20.

1. Walk-forward: at each refit time (the first of every month; with ``--semimonthly`` also the
   15th, and 2025-12-18) v2 is fitted on every earlier scored hour and scores the hours up to the
   next refit. Printed per month and pooled over all scored hours: Spearman long / short of v2
   (out of sample), v1 (the shipped ``LiquidationPredictor``; fitted on 2025-12-04 .. 2026-01-19
   17:00, so in sample for part of it) and the naive baseline, on the same hours.
2. The shipped fit: v2 on every scored hour before 2026-02-20; printed as the literal
   ``SideCoefficients`` of liqbt/calibration/learned.py.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "calibrate_btc_5m.yaml"
FIT_END = pd.Timestamp("2026-02-20", tz="UTC")  # nothing at or after it is ever used
MONTHLY = ("2026-01-01", "2026-02-01")
SEMIMONTHLY = ("2025-12-18", "2026-01-01", "2026-01-15", "2026-02-01")


def load_inputs():
    """Realised hours before :data:`FIT_END`, v2's features of both sides and the v1 / baseline predictions."""
    from liqbt.calibration import LiquidationPredictor, naive_baseline
    from liqbt.calibration.fit import realised_liquidations
    from liqbt.calibration.learned import LiquidationPredictorV2, side_features
    from liqbt.calibration.predictor import combine
    from liqbt.config import load_config
    from liqbt.pipeline import load_market

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        market = load_market(load_config(CONFIG))
        market = market.slice(None, FIT_END)
        real, rbar = realised_liquidations(market)
        engine = LiquidationPredictorV2().engine(market, rbar)
    features = side_features(market, engine, rbar)
    known = pd.concat([features[s] for s in ("long", "short")], axis=1).reindex(real.index).notna().all(axis=1)
    real = real[known & (real.index < FIT_END)]
    v1 = LiquidationPredictor()
    others = {"v1": combine(engine, naive_baseline(market, rbar), v1.background_density, v1.scale_long,
                            v1.scale_short).reindex(real.index),
              "baseline": naive_baseline(market, rbar).reindex(real.index)}
    return real, features, others


def shipped_fit(real, features):
    """The shipped v2: fitted on every scored hour before :data:`FIT_END`."""
    from liqbt.calibration.learned import fit_v2

    return fit_v2(features, real[real.index < FIT_END])


def walk_forward(real, features, refits, end=FIT_END):
    """v2 predictions (``log1p`` USD) of the bars from the first refit to ``end``.

    Each block of bars up to the next refit is predicted by a fit on every bar before its refit.
    """
    from liqbt.calibration.learned import fit_v2

    cuts = [pd.Timestamp(t, tz="UTC") for t in refits] + [pd.Timestamp(end)]
    parts = []
    for start, end in zip(cuts[:-1], cuts[1:]):
        model = fit_v2(features, real[real.index < start])
        hours = real.index[(real.index >= start) & (real.index < end)]
        parts.append(pd.DataFrame({side: pd.Series(getattr(model, side).linear(features[side].reindex(hours)))
                                   for side in ("long", "short")}))
    return pd.concat(parts)


def spearman(pred: pd.Series, real: pd.Series) -> float:
    return float(pred.rank().corr(real.reindex(pred.index).rank()))


def print_months(contenders: dict, real: pd.DataFrame) -> None:
    """Spearman long / short of each contender per calendar month of its bars, and pooled."""
    index = next(iter(contenders.values())).index
    months = index.strftime("%Y-%m")
    print(f"{'period':<8} {'bars':>5} " + " ".join(f"{name + ' L / S':>30}" for name in contenders))
    for label, sel in [*((m, months == m) for m in sorted(set(months))), ("pooled", slice(None))]:
        cells = [f"{spearman(p[side][sel], real[side]):.3f}" for p in contenders.values() for side in ("long", "short")]
        print(f"{label:<8} {len(index[sel]):>5} "
              + " ".join(f"{cells[i]:>23} / {cells[i + 1]}" for i in range(0, len(cells), 2)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--semimonthly", action="store_true", help="refit twice a month (and from 2025-12-18)")
    args = parser.parse_args(argv)
    real, features, others = load_inputs()
    v2 = walk_forward(real, features, SEMIMONTHLY if args.semimonthly else MONTHLY)
    print_months({"v2 (walk-forward)": v2, **{name: p.reindex(v2.index) for name, p in others.items()}}, real)
    model = shipped_fit(real, features)
    print(f"\nshipped fit on {len(real)} hours {real.index[0]} .. {real.index[-1]} (bar opens):")
    for side in ("long", "short"):
        fields = ", ".join(f"{k}={v!r}" for k, v in getattr(model, side).model_dump().items())
        print(f"DEFAULT_{side.upper()} = SideCoefficients({fields})")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
