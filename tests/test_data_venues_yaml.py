"""Several venues from one YAML (``data.venues:``): loading, the heatmap and its venue filter, calibration
(Binance alone vs all venues), point in time, and the three-venue example config."""

import json
import typing
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from conftest import PROJECT_ROOT, shared_path
from corpus import run_cli
from liqbt.calibration import CalibrationConfig, calibrate, naive_baseline
from liqbt.config import load_config
from liqbt.data import Market, MultiVenueMarket, generate_market
from liqbt.data.config import DataConfig, load_data
from liqbt.data.sources import SourceConfig
from liqbt.errors import ConfigError
from liqbt.heatmap import HeatmapModel, reconstruct, reconstruct_many, reconstruct_named
from liqbt.pipeline import build_context, load_market

H = pd.Timedelta("1h")
PRED = ["pred_liq_long_usd", "pred_liq_short_usd"]
SMALL_SEARCH = ("{leverage_median: [25.0], leverage_sigma: [0.9], entry_price: [typical], long_share: [equal], "
                "window: [7d], background_density: [0.0, 0.03]}")


def _real_yaml(tmp_path, *, start="2025-12-05", end="2025-12-19", extra=""):
    """Binance + Bybit BTC perpetuals, hourly candles of each from multivenue-1h.

    Open interest: Binance's from the vendor hourly file (Binance BTCUSDT, USD); Bybit has no OI series of
    its own in the hourly data, so the all-exchange 4h OI (coinglass-btc-4h) stands in for it here. Realised
    liquidations: the 4h Binance-only series of coinglass-btc-4h, on the binance venue.
    """
    mv, hourly, four = (shared_path("multivenue-1h"),
                        shared_path("coinglass-btc-1h", "btc_1h_price_oi_funding_liquidations.csv"),
                        shared_path("coinglass-btc-4h"))
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "venues.yaml"
    path.write_text(f"""
data:
  symbol: BTCUSDT
  start: {start}
  end: {end}
  venues:
    binance:
      sources:
        - {{format: multivenue, path: {mv}, venue: binance, parts: [candles]}}
        - {{format: vendor_hourly, path: {hourly}, parts: [open_interest]}}
        - {{format: vendor_4h, path: {four}, parts: [liquidations]}}
    bybit:
      sources:
        - {{format: multivenue, path: {mv}, venue: bybit, parts: [candles]}}
        - {{format: vendor_4h, path: {four}, parts: [open_interest]}}
heatmaps:
  all: {{window: 7d}}
  binance_only: {{window: 7d, venues: [binance]}}
{extra}""")
    return path


@pytest.fixture(scope="module")
def real_loaded(tmp_path_factory):
    loaded = load_config(_real_yaml(tmp_path_factory.mktemp("venues")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return loaded, load_market(loaded)


def _two_venues(n=400, seed=1):
    a = generate_market(n, "1h", seed=seed, symbol="BTCUSDT", venue="binance")
    b = generate_market(n, "1h", seed=seed + 1, symbol="BTCUSDT", venue="bybit")
    return MultiVenueMarket("BTCUSDT", {"binance": a, "bybit": b})


def _synthetic_yaml(tmp_path, body: str = "", *, bars=300, second_bar_size="1h"):
    path = tmp_path / "c.yaml"
    path.write_text(f"""
data:
  symbol: BTCUSDT
  venues:
    binance: {{sources: [{{format: synthetic, bars: {bars}, bar_size: 1h, seed: 1}}]}}
    bybit: {{sources: [{{format: synthetic, bars: {bars}, bar_size: {second_bar_size}, seed: 2}}]}}
{body}""")
    return path


# ---------------------------------------------------------------- loading
@pytest.mark.real_data
def test_yaml_venues_load_a_multivenue_market_keyed_by_their_names(real_loaded):
    _, market = real_loaded
    assert isinstance(market, MultiVenueMarket)
    assert market.venues == ["binance", "bybit"] and market.bar_size == H and market.symbol == "BTCUSDT"
    for venue, m in market:
        assert m.venue == venue and m.symbol == "BTCUSDT"
        assert m.start == pd.Timestamp("2025-12-05", tz="UTC") and m.end == pd.Timestamp("2025-12-19", tz="UTC")
        assert m.bars["oi_usd"].iloc[24:].notna().all()
    # each venue its own candles and OI; only binance holds the realised liquidations
    assert not np.allclose(market["binance"].bars["close"], market["bybit"].bars["close"])
    assert market["bybit"].bars["oi_usd"].median() > 3 * market["binance"].bars["oi_usd"].median()
    assert market["binance"].liquidations is not None and market["bybit"].liquidations is None


def test_each_market_is_named_by_its_venue_key_whatever_its_source_calls_it(tmp_path):
    # synthetic sources call their venue "synthetic": the key names it (as OKX on Binance's candles needs)
    market = load_data(load_config(_synthetic_yaml(tmp_path)).config.data, tmp_path)
    assert [(v, m.venue, m.symbol) for v, m in market] == [("binance", "binance", "BTCUSDT"),
                                                           ("bybit", "bybit", "BTCUSDT")]


def test_venues_of_different_bar_sizes_are_one_config_error(tmp_path):
    config = load_config(_synthetic_yaml(tmp_path, second_bar_size="5m")).config.data
    with pytest.raises(ConfigError, match=r"^data\.venues: the venues' candles have different bar sizes "
                                          r"\{'binance': '1h', 'bybit': '5m'\}; a multi-venue market needs one"):
        load_data(config, tmp_path)


def test_a_sources_config_dumps_as_before_and_a_venues_config_round_trips():
    one = DataConfig.model_validate({"sources": [{"format": "synthetic"}]})
    assert "venues" not in one.model_dump() and "sources" in one.model_dump()
    two = DataConfig.model_validate({"venues": {"binance": {"sources": [{"format": "synthetic"}]}}})
    dumped = two.model_dump(mode="json")
    assert "sources" not in dumped and list(dumped["venues"]) == ["binance"]
    assert DataConfig.model_validate(dumped) == two


def test_check_data_config_names_the_venue_and_source(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("data:\n  venues:\n    binance: {sources: [{format: synthetic}]}\n"
                    "    bybit: {sources: [{format: synthetic}, {format: vendor_hourly, path: nowhere.csv}]}\n")
    with pytest.raises(ConfigError, match=r"c\.yaml: data\.venues\.bybit\.sources\[1\]\.path: file or folder not "
                                          r"found: .*nowhere\.csv"):
        load_config(path)


# ---------------------------------------------------------------- heatmap and the venue filter
@pytest.mark.real_data
def test_yaml_heatmap_of_two_venues_and_the_venue_filter_changes_it(real_loaded):
    loaded, market = real_loaded
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        maps = reconstruct_named(market, dict(loaded.config.heatmaps), snapshot_every="4h")
        alone = reconstruct(market["binance"], loaded.config.heatmaps["binance_only"].model_copy(
            update={"venues": None}))
    both, binance = maps["all"].features, maps["binance_only"].features
    assert maps["all"].venues == ("binance", "bybit") and maps["binance_only"].venues == ("binance",)
    assert len(both) == len(binance) == 14 * 24
    # Bybit's positions add to every predicted and resting USD; the filter takes them out again
    for col in PRED + ["resting_long_usd", "resting_short_usd"]:
        assert both[col].sum() > 1.5 * binance[col].sum() > 0, col
    # Binance alone from the YAML is the Binance market reconstructed on its own
    np.testing.assert_allclose(binance[PRED].to_numpy(), alone.features[PRED].to_numpy(), rtol=1e-9)


def test_cli_heatmap_on_a_venues_yaml_and_the_filter(tmp_path):
    path = _synthetic_yaml(tmp_path, "heatmaps:\n  all: {window: 2d}\n  bybit_only: {window: 2d, venues: [bybit]}\n")
    code, out, err = run_cli(["heatmap", str(path), "--out", str(tmp_path / "out")])
    assert code == 0, err
    summary = json.loads((tmp_path / "out" / "heatmap_summary.json").read_text())
    assert summary["all"]["bars"] == summary["bybit_only"]["bars"] == 300
    assert summary["all"]["pred_liq_long_usd_total"] > summary["bybit_only"]["pred_liq_long_usd_total"] > 0
    assert summary["bybit_only"]["model"]["venues"] == ["bybit"]
    assert (tmp_path / "out" / "heatmap.html").exists()


def test_cli_run_without_strategy_summarises_every_venue(tmp_path):
    code, out, err = run_cli(["run", str(_synthetic_yaml(tmp_path)), "--out", str(tmp_path / "out")])
    assert code == 0, err
    infos = json.loads((tmp_path / "out" / "data_summary.json").read_text())
    assert [i["venue"] for i in infos] == ["binance", "bybit"]


def test_a_backtest_refuses_a_multivenue_market_naming_what_to_pass():
    from liqbt.config import ExperimentConfig

    config = ExperimentConfig.model_validate({"data": {"sources": [{"format": "synthetic"}]},
                                              "heatmaps": {"main": {"window": "1d"}},
                                              "strategy": {"name": "magnet_zone"}})
    with pytest.raises(ConfigError, match=r"^data: a backtest trades one market, not the venues \['binance', "
                                          r"'bybit'\]: pass one venue's market \(market\['binance'\]\) or declare"):
        build_context(config, _two_venues(50))


# ---------------------------------------------------------------- the multi-venue sweep and baseline
def test_reconstruct_many_sums_the_venues_as_reconstruct_does():
    market = _two_venues()
    models = [HeatmapModel(window="2d"), HeatmapModel(window="3d", venues=("bybit",)),
              HeatmapModel(window="1d", venues=("bybit", "binance"), long_share="funding")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batch = reconstruct_many(market, models)
        for i, model in enumerate(models):
            ref = reconstruct(market, model).features[PRED]
            got = batch.frame(i).reindex(ref.index)
            np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), rtol=1e-6, atol=1.0)


def test_reconstruct_many_on_venues_refuses_columns_that_do_not_add_up():
    with pytest.raises(ConfigError, match=r"only the per-bar flows \['pred_liq_long_usd', 'pred_liq_short_usd'\] "
                                          r"add up, not \['resting_long_usd'\]"):
        reconstruct_many(_two_venues(50), [HeatmapModel(window="1d")], columns=["resting_long_usd"])


def test_multivenue_baseline_is_the_sum_of_the_venues_and_unknown_where_one_is():
    market = _two_venues(100)
    a, b = naive_baseline(market["binance"]), naive_baseline(market["bybit"])
    both = naive_baseline(market)
    np.testing.assert_allclose(both.iloc[1:].to_numpy(), (a + b).iloc[1:].to_numpy())
    assert both.iloc[0].isna().all()  # no OI known at the first open on either venue
    np.testing.assert_allclose(naive_baseline(market, venues=["bybit"]).to_numpy(), b.to_numpy())


@pytest.mark.parametrize("cut", [60, 200, 333])
def test_multivenue_flows_and_baseline_are_point_in_time(cut):
    """Both venues cut at bar ``cut``: every value before it is unchanged."""
    full = _two_venues(400)
    short = MultiVenueMarket("BTCUSDT", {v: m.slice(None, m.index[cut]) for v, m in full})
    models = [HeatmapModel(window="2d"), HeatmapModel(window="1d", venues=("bybit",))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole, part = reconstruct_many(full, models), reconstruct_many(short, models)
    assert len(part.index) == cut
    np.testing.assert_array_equal(whole.values[:, :cut], part.values)
    pd.testing.assert_frame_equal(naive_baseline(full, 4 * H).iloc[: cut // 4], naive_baseline(short, 4 * H)
                                  .iloc[: cut // 4])


# ---------------------------------------------------------------- calibration: Binance alone vs all venues
def test_calibration_needs_the_realised_liquidations_on_exactly_one_venue():
    market = _two_venues(200)
    assert market["binance"].liquidations is not None and market["bybit"].liquidations is not None
    with pytest.raises(ConfigError, match=r"^calibration: realised liquidations found on the venues \['binance', "
                                          r"'bybit'\]; .*give parts: \[liquidations\] to the venue"):
        calibrate(market)
    none = MultiVenueMarket("BTCUSDT", {v: replace(m, liquidations=None, liquidations_bar_size=None)
                                        for v, m in market})
    with pytest.raises(ConfigError, match="realised liquidations found on no venue"):
        calibrate(none)


def test_calibration_on_synthetic_venues_scores_the_holding_venue(tmp_path):
    market = _two_venues(600)
    market = MultiVenueMarket("BTCUSDT", {"binance": market["binance"],
                                          "bybit": replace(market["bybit"], liquidations=None,
                                                           liquidations_bar_size=None)})
    search = dict(leverage_median=[25.0], leverage_sigma=[1.3], entry_price=["range"], long_share=["equal"],
                  window=["2d"], background_density=[0.0, 0.03])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        both = calibrate(market, CalibrationConfig.model_validate({"search": search}))
        alone = calibrate(market, CalibrationConfig.model_validate({"search": search, "base": {"venues": ["binance"]}}))
        single = calibrate(market["binance"], CalibrationConfig.model_validate({"search": search}))
    assert both["data"]["venues"] == ["binance", "bybit"] and alone["data"]["venues"] == ["binance"]
    assert both["data"]["realised_venue"] == alone["data"]["realised_venue"] == "binance"
    assert both["split"] == alone["split"] == single["split"]
    # the baseline on Binance alone is the single market's; all venues add Bybit's OI and excursions
    assert alone["scores"]["test"]["baseline"] == single["scores"]["test"]["baseline"]
    assert both["scores"]["test"]["baseline"] != alone["scores"]["test"]["baseline"]


@pytest.mark.real_data
def test_cli_calibrate_binance_alone_vs_all_venues_on_real_data(tmp_path):
    reports = {}
    for name, base in (("all", ""), ("binance", "  base: {venues: [binance]}\n")):
        path = _real_yaml(tmp_path / name, start="2025-12-05", end="2026-01-09",
                          extra=f"calibration:\n{base}  search: {SMALL_SEARCH}\n")
        code, out, err = run_cli(["calibrate", str(path), "--out", str(tmp_path / name / "out")])
        assert code == 0, err
        reports[name] = json.loads((tmp_path / name / "out" / "calibration.json").read_text())
        venues = "binance, bybit" if name == "all" else "binance"
        assert (f"predictors on the venues {venues} (of binance, bybit); realised liquidations of the venue "
                f"binance") in out
    assert reports["all"]["data"]["realised_bar_size"] == "4h"
    assert reports["all"]["split"] == reports["binance"]["split"]
    for period in ("train", "test"):
        assert reports["all"]["scores"][period]["fitted"] != reports["binance"]["scores"][period]["fitted"]


# ---------------------------------------------------------------- the three-venue example
@pytest.mark.real_data
def test_three_venue_example_config_builds_binance_bybit_okx_heatmaps():
    shared_path("coinglass-btc-2024-2025")
    loaded = load_config(PROJECT_ROOT / "configs" / "heatmap_btc_3venues.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        market = load_market(loaded)
        assert isinstance(market, MultiVenueMarket) and market.venues == ["binance", "bybit", "okx"]
        assert all(m.start >= pd.Timestamp("2025-05-15", tz="UTC") for _, m in market)
        # OKX has no candles of its own before Dec 2025: it uses Binance's, with its own OI
        np.testing.assert_array_equal(market["okx"].bars["close"], market["binance"].bars["close"])
        oi = {v: m.bars["oi_usd"].dropna() for v, m in market}
        assert oi["okx"].median() != oi["binance"].median() != oi["bybit"].median()
        short = MultiVenueMarket(market.symbol, {v: m.slice(None, m.index[24 * 30]) for v, m in market})
        maps = reconstruct_named(short, dict(loaded.config.heatmaps))
    totals = {name: r.features["pred_liq_long_usd"].sum() for name, r in maps.items()}
    assert totals["all_venues"] > totals["binance_only"] > 0
    assert isinstance(market["binance"], Market)
