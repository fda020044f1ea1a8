"""``liqbt data inspect`` on every file and folder of ../shared/data, and on the kinds it used to refuse."""

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from conftest import shared_path
from liqbt.cli.main import main


def inspect(capsys, *args) -> tuple[int, str, str]:
    code = main(["data", "inspect", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def entries(info) -> list[tuple[str, int, str | None, str | None]]:
    """(kind, rows, first, last) of every entry of a ``--json`` description, whatever its shape."""
    if isinstance(info, list):  # several markets of a multi-venue folder
        return [row for one in info for row in entries(one)]
    if "files" in info:
        return [(r["kind"], r["rows"], r["first"], r["last"]) for r in info["files"]]
    if "series" in info:
        return [(f"coinglass_v4 {r['series']}", r["rows"], r["first"], r["last"]) for r in info["series"]]
    return [(f"candles {info['symbol']} {info['bar_size']}", info["bars"], info["start"], info["end"])]


def every_path(root: Path) -> list[Path]:
    paths = [root]
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        paths += [Path(folder) / d for d in dirs] + [Path(folder) / n for n in sorted(names)]
    return paths


@pytest.mark.real_data
def test_inspect_succeeds_on_every_shared_file_and_folder(capsys):
    root = shared_path()
    paths = every_path(root)
    assert len(paths) > 50  # the walk reached the files, not only the top folder
    for path in paths:
        code, out, err = inspect(capsys, path, "--json")
        assert code == 0, f"{path}: {err}"
        rows = entries(json.loads(out))
        assert rows, path
        for kind, n, first, last in rows:
            assert kind and n is not None and n > 0, (path, kind, n)
            if not kind.startswith(("text", "not a data file")):
                assert pd.Timestamp(first) <= pd.Timestamp(last), (path, kind, first, last)


@pytest.mark.real_data
@pytest.mark.parametrize("parts, kind, rows", [
    (("binance-um", "futures", "BTC_USDT_USDT-1h-funding_rate.feather"), "freqtrade funding rate", 1247),
    (("binance-um", "futures", "BTC_USDT_USDT-1h-mark.feather"), "freqtrade mark price", 9981),
    (("coinglass-btc-4h", "coinglass_liquidation_4h.csv"), "4-hourly vendor realised liquidations", 819),
    (("coinglass-btc-4h", "coinglass_funding_4h.csv"), "4-hourly vendor funding", 819),
    (("multivenue-1h", "open_interest.parquet"), "multi-venue open interest", 49780),
    (("multivenue-1h", "liquidation_volume.parquet"), "multi-venue liquidation volume", 173),
])
def test_files_once_refused_name_kind_rows_and_span(capsys, parts, kind, rows):
    path = shared_path(*parts)
    code, out, err = inspect(capsys, path)
    assert code == 0, err
    assert str(path) in out and kind in out and f"{rows:,} rows" in out
    assert " -> " in out  # the span


@pytest.mark.real_data
def test_vendor_4h_folder_lists_its_four_files(capsys):
    code, out, _ = inspect(capsys, shared_path("coinglass-btc-4h"), "--json")
    info = json.loads(out)
    assert code == 0 and info["kind"].startswith("4-hourly vendor folder")
    assert sorted(Path(r["file"]).name for r in info["files"]) == [
        "coinglass_funding_4h.csv", "coinglass_liquidation_4h.csv", "coinglass_oi_4h.csv",
        "coinglass_taker_volume_4h.csv"]
    assert {r["first"] for r in info["files"]} == {"2025-10-06 12:00:00+00:00"}  # bar opens as in the README


def funding_feather(folder: Path) -> Path:
    path = folder / "BTC_USDT_USDT-8h-funding_rate.feather"
    dates = pd.date_range("2025-01-01", periods=3, freq="8h", tz="UTC")
    pd.DataFrame({"date": dates, "open": [1e-4, -2e-5, 3e-5], "high": 0.0, "low": 0.0, "close": 0.0,
                  "volume": 0.0}).to_feather(path)
    return path


def test_funding_feather_rows_and_span(tmp_path, capsys):
    path = funding_feather(tmp_path)
    code, out, _ = inspect(capsys, path, "--json")
    (row,) = json.loads(out)["files"]
    assert code == 0
    assert (row["rows"], row["first"], row["last"], row["step"]) == (
        3, "2025-01-01 00:00:00+00:00", "2025-01-01 16:00:00+00:00", "8h")


def test_text_in_a_funding_feather_is_one_line_naming_file_and_column(tmp_path, capsys):
    path = funding_feather(tmp_path)
    frame = pd.read_feather(path).astype({"open": str})
    frame.loc[1, "open"] = "abc"
    frame.to_feather(path)
    code, _, err = inspect(capsys, path)
    assert code != 0 and "Traceback" not in err
    assert "BTC_USDT_USDT-8h-funding_rate.feather" in err and "'open'" in err and len(err.strip().splitlines()) == 1


def test_text_in_a_vendor_4h_file_is_the_loader_error(tmp_path, capsys):
    (tmp_path / "coinglass_liquidation_4h.csv").write_text(
        "timestamp,long_usd,short_usd\n2025-10-06T12:00:00,1.0,2.0\n2025-10-06T16:00:00,abc,2.0\n")
    code, _, err = inspect(capsys, tmp_path / "coinglass_liquidation_4h.csv")
    assert code != 0 and "coinglass_liquidation_4h.csv" in err and "long_usd" in err


def test_folder_walk_skips_symlinked_folders_and_names_other_files(tmp_path, capsys):
    funding_feather(tmp_path)
    (tmp_path / "notes.json").write_text("{}")
    (tmp_path / "loop").symlink_to(tmp_path)  # followed, this would never end
    code, out, err = inspect(capsys, tmp_path, "--json")
    assert code == 0, err
    kinds = {Path(r["file"]).name: r["kind"] for r in json.loads(out)["files"]}
    assert kinds["notes.json"] == "not a data file liqbt reads"
    assert kinds["BTC_USDT_USDT-8h-funding_rate.feather"].startswith("freqtrade funding rate")
