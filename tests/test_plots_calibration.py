"""The predicted-vs-realised picture: written whole, from any predictors on the realised bars."""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqbt.plots.calibration_png import write_calibration_png


def test_calibration_png_is_a_png(tmp_path):
    index = pd.date_range("2025-10-06", periods=12, freq="4h", tz="UTC")
    rng = np.random.default_rng(0)
    realised = pd.DataFrame({"long": rng.uniform(0, 1e7, 12), "short": rng.uniform(0, 1e7, 12)}, index=index)
    close = pd.Series(np.linspace(120_000, 110_000, 48), index=pd.date_range(index[0], periods=48, freq="1h"))
    predicted = {"a": realised * 3, "zero": realised * 0}  # a line of zeros has no scale and must not fail
    path = write_calibration_png(close, realised, predicted, tmp_path / "week.png", title="<b>t</b>")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["week.png"]
