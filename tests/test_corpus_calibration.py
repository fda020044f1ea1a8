"""Bad inputs to ``liqbt calibrate`` and the ``calibration:`` section: one line, exit 2, no traceback."""

import pytest

from corpus import Case, run_case


def _hourly_csv(first_ms: int, hours: int = 48) -> str:
    """A tiny vendor hourly file (price, OI, funding, realised liquidations)."""
    rows = ["timestamp,price_open,price_high,price_low,price_close,oi_close,funding_close,"
            "liquidation_long_usd,liquidation_short_usd"]
    for i in range(hours):
        price = 100 + i % 5
        rows.append(f"{first_ms + i * 3_600_000},{price},{price + 2},{price - 2},{price + 1},{1e9 + i * 1e6},0.01,"
                    f"{1000 * (i % 7)},{500 * (i % 3)}")
    return "\n".join(rows) + "\n"


DEC_4 = 1_764_806_400_000  # 2025-12-04 00:00 UTC in ms
FILES = {"h.csv": _hourly_csv(DEC_4), "later.csv": _hourly_csv(DEC_4 + 30 * 86_400_000)}
TINY_SEARCH = ("  search: {leverage_median: [25.0], leverage_sigma: [1.3], entry_price: [range], long_share: [equal],"
               " window: [7d], background_density: [0.03]}\n")


def _config(calibration: str = "", sources: str = "    - {format: vendor_hourly, path: h.csv}\n") -> dict:
    text = "data:\n  sources:\n" + sources + ("calibration:\n" + calibration if calibration else "")
    return {"c.yaml": text, **FILES}


def _validate(id, calibration, expected):
    return Case(id, ("validate", "{tmp}/c.yaml"), expected, _config(calibration))


def _calibrate(id, expected, calibration="", sources="    - {format: vendor_hourly, path: h.csv}\n"):
    return Case(id, ("calibrate", "{tmp}/c.yaml", "--out", "{tmp}/out"), expected, _config(calibration, sources))


CASES = [
    _validate("train-fraction-above-range", "  train_fraction: 1.5\n",
              "calibration.train_fraction: Input should be less than 0.95; found 1.5"),
    _validate("train-fraction-not-a-number", "  train_fraction: most\n",
              "calibration.train_fraction: Input should be a valid number, unable to parse string as a number; "
              "found 'most'"),
    _validate("calibration-key-typo", "  train_fration: 0.5\n",
              "calibration.train_fration: unknown key 'train_fration'; did you mean 'train_fraction'?"),
    _validate("search-key-typo", "  search: {entry_pric: [range]}\n",
              "calibration.search.entry_pric: unknown key 'entry_pric'; did you mean 'entry_price'?"),
    _validate("search-empty-list", "  search: {window: []}\n",
              "calibration.search.window: Tuple should have at least 1 item after validation, not 0"),
    _validate("search-bad-window", "  search: {window: [7d, 7x]}\n",
              "calibration.search.window[1]: expected a duration such as '12h'"),
    _validate("search-zero-sigma", "  search: {leverage_sigma: [0.0]}\n",
              "calibration.search.leverage_sigma[0]: Input should be greater than 0; found 0.0"),
    _validate("search-median-not-above-1x", "  search: {leverage_median: [10, 1]}\n",
              "calibration.search.leverage_median[1]: Input should be greater than 1; found 1"),
    _validate("search-negative-background", "  search: {background_density: [0.1, -0.1]}\n",
              "calibration.search.background_density[1]: Input should be greater than or equal to 0; found -0.1"),
    _validate("search-nan-background", "  search: {background_density: [.nan]}\n",
              "calibration.search.background_density[0]: Input should be a finite number; found nan"),
    _validate("search-unknown-entry-price", "  search: {entry_price: [vwap]}\n",
              "calibration.search.entry_price[0]: Input should be 'close', 'typical' or 'range'"),
    _validate("mode-unknown", "  mode: walkforward\n",
              "calibration.mode: Input should be 'split' or 'walk_forward'; found 'walkforward'"),
    _validate("walk-forward-key-typo", "  mode: walk_forward\n  walk_forward: {refit_evry: 1mo}\n",
              "calibration.walk_forward.refit_evry: unknown key 'refit_evry'; did you mean 'refit_every'?"),
    _validate("walk-forward-bad-duration", "  mode: walk_forward\n  walk_forward: {refit_every: monthly}\n",
              "calibration.walk_forward.refit_every: expected a duration such as '12h'"),
    _validate("walk-forward-step-in-minutes", "  mode: walk_forward\n  walk_forward: {refit_every: 1m}\n",
              "calibration.walk_forward.refit_every: expected a duration of at least 1h such as '1mo', '30d' or "
              "'12h', found '1m'"),
    _validate("walk-forward-window-below-min-train",
              "  mode: walk_forward\n  walk_forward: {min_train: 30d, train_window: 7d}\n",
              "calibration.walk_forward: train_window (7d) is shorter than min_train (30d)"),
    _validate("walk-forward-without-mode", "  walk_forward: {refit_every: 2w}\n",
              "calibration: walk_forward is set but mode is 'split', which would ignore it; add 'mode: walk_forward'"),
    _validate("walk-forward-with-train-end", "  mode: walk_forward\n  train_end: 2025-12-05T00:00:00\n",
              "calibration: train_end applies to mode 'split' only"),
    Case("walk-forward-min-train-beyond-the-period", ("validate", "{tmp}/c.yaml"),
         "c.yaml: calibration.walk_forward.min_train (3d) leaves no step to score in the data period",
         {"c.yaml": "data:\n  start: 2025-12-04T00:00:00\n  end: 2025-12-06T00:00:00\n  sources:\n"
                    "    - {format: vendor_hourly, path: h.csv}\n"
                    "calibration:\n  mode: walk_forward\n  walk_forward: {min_train: 3d}\n", **FILES}),
    _validate("regime-threshold-not-a-fraction", "  regimes: {trend_threshold: 5}\n",
              "calibration.regimes.trend_threshold: Input should be less than 1; found 5"),
    _validate("regime-quantile-too-low", "  regimes: {cascade_quantile: 0.3}\n",
              "calibration.regimes.cascade_quantile: Input should be greater than 0.5; found 0.3"),
    _validate("regime-history-beyond-lookback", "  regimes: {cascade_lookback: 30d, cascade_min_history: 60d}\n",
              "calibration.regimes: cascade_min_history (60d) is longer than cascade_lookback (30d)"),
    _validate("regime-key-typo", "  regimes: {trend_windw: 7d}\n",
              "calibration.regimes.trend_windw: unknown key 'trend_windw'; did you mean 'trend_window'?"),
    _calibrate("walk-forward-no-step-in-the-data", "calibration.walk_forward.min_train (1mo) leaves no step to "
               "score: the scored realised bars span 2025-12-04 00:00:00+00:00 .. 2025-12-06 00:00:00+00:00",
               "  mode: walk_forward\n" + TINY_SEARCH),
    _calibrate("no-realised-liquidations", "{tmp}/h.csv: no realised liquidations in the data; calibration needs "
               "a source with them", TINY_SEARCH,
               "    - {format: vendor_hourly, path: h.csv, parts: [candles, open_interest]}\n"),
    _calibrate("no-open-interest", "{tmp}/h.csv: no open interest in the data; calibration needs it", TINY_SEARCH,
               "    - {format: vendor_hourly, path: h.csv, parts: [candles, liquidations]}\n"),
    _calibrate("realised-outside-the-candles",
               "calibration: no realised liquidation bar lies inside the candles 2025-12-04 00:00:00+00:00 .. "
               "2025-12-06 00:00:00+00:00; the realised liquidations span 2026-01-03 00:00:00+00:00 .. "
               "2026-01-05 00:00:00+00:00", TINY_SEARCH,
               "    - {format: vendor_hourly, path: h.csv, parts: [candles, open_interest]}\n"
               "    - {format: vendor_hourly, path: later.csv, parts: [liquidations]}\n"),
    _calibrate("train-end-after-the-data",
               "calibration.train_end: expected a time after the first scored realised bar "
               "(2025-12-04 00:00:00+00:00) and no later than the last (2025-12-05 23:00:00+00:00), so that both "
               "periods have bars; found 2026-03-01 00:00:00+00:00",
               "  train_end: 2026-03-01T00:00:00\n" + TINY_SEARCH),
    _calibrate("train-end-at-the-first-bar",
               "so that both periods have bars; found 2025-12-04 00:00:00+00:00",
               "  train_end: 2025-12-04T00:00:00\n" + TINY_SEARCH),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_calibration_bad_input(case, tmp_path):
    run_case(case, tmp_path)
