"""Load and align one year of 1-minute candles with hourly OI and 8h funding.

Synthetic data (525,600 bars), written to feather files first so that loading
is part of the work. Compares liqbt (validation + numba point-in-time
alignment) with a straightforward pandas implementation (``merge_asof`` for
open interest, a floor-and-join for funding) that does no validation.

Run: python benchmarks/data.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _util import best_time  # noqa: E402

from liqbt.data import Market, align_known, events_on_bars  # noqa: E402
from liqbt.data.synthetic import generate_bundle  # noqa: E402

N_BARS = 525_600
BAR = pd.Timedelta("1min")


def write_inputs(folder: Path) -> None:
    bundle = generate_bundle(N_BARS, "1m", seed=1)
    bundle.candles.reset_index().to_feather(folder / "candles.feather")
    bundle.open_interest.rename("oi_usd").rename_axis("known_at").reset_index().to_feather(folder / "oi.feather")
    bundle.funding.rename("funding_rate").rename_axis("time").reset_index().to_feather(folder / "funding.feather")


def read_inputs(folder: Path):
    candles = pd.read_feather(folder / "candles.feather").set_index("time")
    oi = pd.read_feather(folder / "oi.feather").set_index("known_at")["oi_usd"]
    funding = pd.read_feather(folder / "funding.feather").set_index("time")["funding_rate"]
    return candles, oi, funding


def liqbt_load(folder: Path) -> pd.DataFrame:
    candles, oi, funding = read_inputs(folder)
    return Market.from_parts(candles, bar_size=BAR, open_interest=oi, funding=funding).bars


def pandas_load(folder: Path) -> pd.DataFrame:
    candles, oi, funding = read_inputs(folder)
    bars = candles.reset_index()
    oi_frame = oi.rename_axis("time").reset_index()
    bars = pd.merge_asof(bars, oi_frame, on="time", direction="backward", allow_exact_matches=True)
    events = funding.groupby(funding.index.floor(BAR)).sum()
    bars = bars.set_index("time")
    bars["funding_rate"] = events.reindex(bars.index)
    return bars


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_inputs(folder)
        ours = liqbt_load(folder)
        theirs = pandas_load(folder)
        np.testing.assert_array_equal(ours["oi_usd"].to_numpy(), theirs["oi_usd"].to_numpy())
        np.testing.assert_array_equal(ours["funding_rate"].to_numpy(), theirs["funding_rate"].to_numpy())

        t_ours = best_time(lambda: liqbt_load(folder))
        t_pandas = best_time(lambda: pandas_load(folder))

        candles, oi, funding = read_inputs(folder)
        index = candles.index
        t_align = best_time(lambda: (align_known(oi, index), events_on_bars(funding, index, BAR)), repeat=20)
        bars = candles.reset_index()
        oi_frame = oi.rename_axis("time").reset_index()

        def pandas_align():
            pd.merge_asof(bars[["time"]], oi_frame, on="time", direction="backward")
            funding.groupby(funding.index.floor(BAR)).sum().reindex(index)

        t_pandas_align = best_time(pandas_align, repeat=20)

    print(f"workload: {N_BARS:,} x 1m candles, {len(oi):,} hourly OI values, {len(funding):,} funding events")
    print(f"load + validate + align   liqbt {t_ours * 1e3:8.1f} ms   pandas merge_asof (no validation) "
          f"{t_pandas * 1e3:8.1f} ms   ratio pandas/liqbt {t_pandas / t_ours:5.2f}x")
    print(f"alignment only            liqbt {t_align * 1e3:8.1f} ms   pandas merge_asof                 "
          f"{t_pandas_align * 1e3:8.1f} ms   ratio pandas/liqbt {t_pandas_align / t_align:5.2f}x")


if __name__ == "__main__":
    main()
