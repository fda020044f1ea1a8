"""Bad-input corpus, config / CLI / file-system part: each case is one ``liqbt: error:`` line, exit 2.

Cases name the file, YAML path or option, what was expected and what was found.
"""

import os

import pytest

from corpus import Case, run_case

SYN = "[{format: synthetic, bars: 500, bar_size: 5m, seed: 1}]"
HEAD = f"data:\n  sources: {SYN}\n"
STRATEGY = HEAD + "heatmaps:\n  main: {window: 1d}\nstrategy: {name: magnet_zone}\n"


SYN_1H = "[{format: synthetic, bars: 300, bar_size: 1h, seed: 1}]"
VENUES = f"data:\n  symbol: BTCUSDT\n  venues: {{binance: {{sources: {SYN_1H}}}, bybit: {{sources: {SYN_1H}}}}}\n"


def _sweep(params: str, extra: str = "") -> dict:
    return {"c.yaml": STRATEGY + f"sweep:\n  params: {params}\n{extra}"}


CASES = [
    # argparse, in the same one-line form
    Case("unknown-command", ("frobnicate",), "argument COMMAND: invalid choice: 'frobnicate'"),
    Case("no-command", (), "the following arguments are required: COMMAND"),
    Case("missing-config-arg", ("run",), "run: the following arguments are required: config"),
    Case("unknown-option", ("validate", "{tmp}/c.yaml", "--bogus"), "unrecognized arguments: --bogus",
         {"c.yaml": HEAD}),
    Case("option-without-value", ("run", "{tmp}/c.yaml", "--out"), "argument --out: expected one argument",
         {"c.yaml": HEAD}),
    Case("bad-for-choice", ("validate", "{tmp}/c.yaml", "--for", "fly"), "argument --for: invalid choice: 'fly'",
         {"c.yaml": HEAD}),
    # the config file itself
    Case("config-is-a-directory", ("validate", "{tmp}/sub"), "{tmp}/sub: is a directory; expected a YAML file",
         {"sub/x.txt": "x"}),
    Case("config-missing", ("run", "{tmp}/nothing.yaml"), "{tmp}/nothing.yaml: file not found"),
    Case("non-utf8", ("validate", "{tmp}/c.yaml"), "{tmp}/c.yaml:2: not UTF-8 text (byte 0xe9 at offset",
         {"c.yaml": b"data:\n  symbol: caf\xe9\n"}),
    Case("invalid-date", ("validate", "{tmp}/c.yaml"),
         "{tmp}/c.yaml:3: invalid date '2025-13-45' (month must be in 1..12)",
         {"c.yaml": f"data:\n  sources: {SYN}\n  start: 2025-13-45\n"}),
    Case("too-large", ("validate", "{tmp}/c.yaml"), "config files are capped at 1 MiB (1,048,576 bytes)",
         {"c.yaml": HEAD + "x-pad: '" + "a" * (1 << 20) + "'\n"}),
    Case("base-cycle", ("validate", "{tmp}/a.yaml"), "{tmp}/a.yaml: base cycle: {tmp}/a.yaml -> {tmp}/b.yaml -> "
         "{tmp}/a.yaml", {"a.yaml": "base: b.yaml\n" + HEAD, "b.yaml": "base: a.yaml\n"}),
    Case("base-self", ("validate", "{tmp}/a.yaml"), "base cycle", {"a.yaml": "base: a.yaml\n" + HEAD}),
    Case("include-etc-passwd", ("validate", "{tmp}/c.yaml"),
         "{tmp}/c.yaml:1: !include: /etc/passwd is outside the config's folder {tmp}",
         {"c.yaml": "name: !include /etc/passwd\n" + HEAD}),
    Case("include-dotdot", ("validate", "{tmp}/p/c.yaml"), "is outside the config's folder {tmp}/p",
         {"p/c.yaml": "name: !include ../secret.yaml\n" + HEAD, "secret.yaml": "x"}),
    Case("base-outside", ("validate", "{tmp}/p/c.yaml"), "{tmp}/p/c.yaml: base: {tmp}/b.yaml is outside",
         {"p/c.yaml": "base: ../b.yaml\n" + HEAD, "b.yaml": HEAD}),
    Case("include-dev-zero", ("validate", "{tmp}/c.yaml", "--allow-path", "/dev"),
         "/dev/zero: not a regular file (a device, FIFO or socket); expected a YAML file (included from",
         {"c.yaml": "name: !include /dev/zero\n" + HEAD}),
    Case("include-directory", ("validate", "{tmp}/c.yaml"), "{tmp}/sub: is a directory; expected a YAML file "
         "(included from {tmp}/c.yaml)", {"c.yaml": "name: !include sub\n" + HEAD, "sub/x": "x"}),
    Case("include-missing", ("validate", "{tmp}/c.yaml"), "{tmp}/gone.yaml: file not found (included from",
         {"c.yaml": "name: !include gone.yaml\n" + HEAD}),
    Case("include-too-deep", ("validate", "{tmp}/c.yaml"), "includes nest more than 8 deep",
         {"c.yaml": "name: !include i0.yaml\n" + HEAD,
          **{f"i{k}.yaml": f"!include i{k + 1}.yaml\n" for k in range(12)}, "i12.yaml": "x\n"}),
    # output paths
    Case("out-root", ("run", "{tmp}/c.yaml", "--out", "/"), "--out: / is a file-system root", {"c.yaml": HEAD}),
    Case("out-home", ("run", "{tmp}/c.yaml", "--out", "~"), "is the home folder", {"c.yaml": HEAD}),
    Case("out-dotdot", ("heatmap", "{tmp}/c.yaml", "--out", "../../x"), "--out: the relative path leaves the "
         "project", {"c.yaml": HEAD + "heatmaps:\n  main: {window: 1d}\n"}),
    Case("output-dir-dotdot", ("validate", "{tmp}/p/c.yaml"), "{tmp}/p/c.yaml: output.dir: the relative path "
         "leaves the project", {"p/c.yaml": HEAD + "output: {dir: ../../../../../../../../../x}\n"}),
    Case("output-dir-root", ("validate", "{tmp}/c.yaml"), "output.dir: / is a file-system root",
         {"c.yaml": HEAD + "output: {dir: /}\n"}),
    Case("output-dir-is-file", ("validate", "{tmp}/c.yaml"), "output.dir: {tmp}/taken is a file; expected a folder",
         {"c.yaml": HEAD + "output: {dir: taken}\n", "taken": "x"}),
    Case("store-outside", ("validate", "{tmp}/c.yaml"), "output.store: '../../x.sqlite' resolves to",
         {"c.yaml": HEAD + "output: {store: ../../x.sqlite}\n"}),
    Case("store-absolute", ("validate", "{tmp}/c.yaml"), "outside the output folder {tmp}/out",
         {"c.yaml": HEAD + "output: {store: /tmp/elsewhere.sqlite}\n"}),
    Case("corrupt-store", ("report", "--store", "{tmp}/results.sqlite"),
         "{tmp}/results.sqlite: cannot open the results store: file is not a database",
         {"results.sqlite": "this is text, not SQLite\n" * 100}),
    Case("store-missing", ("report", "--store", "{tmp}/none.sqlite"), "{tmp}/none.sqlite: no results store there"),
    # sweeps checked at validate
    Case("sweep-too-large", ("validate", "{tmp}/c.yaml"),
         "sweep has 1,000,000,000 parameter sets; the cap sweep.max_sets is 1,000,000",
         _sweep("{min_dist_pct: {low: 0.1, high: 1.0, n: 1000}, max_dist_pct: {low: 1, high: 6, n: 1000}, "
                "dominance: {low: 1, high: 4, n: 1000}}")),
    Case("sweep-over-own-cap", ("validate", "{tmp}/c.yaml"), "sweep has 50 parameter sets; the cap sweep.max_sets "
         "is 10", _sweep("{min_dist_pct: {low: 0.1, high: 1.0, n: 10}, dominance: [1, 2, 3, 4, 4.0]}",
                         "  max_sets: 10\n")),
    Case("sweep-huge-step-range", ("validate", "{tmp}/c.yaml"), "sweep has 1,000,000,000,001 parameter sets",
         _sweep("{max_hold_bars: {low: 0, high: 1000000000000, step: 1}}")),
    Case("sweep-key-typo", ("validate", "{tmp}/c.yaml"),
         "sweep.params.min_dist: unknown parameter 'min_dist'; did you mean 'min_dist_pct'?",
         _sweep("{min_dist: [0.2, 0.3]}")),
    Case("sweep-value-out-of-range", ("validate", "{tmp}/c.yaml"),
         "sweep.params.min_dist_pct[1]: expected a value in [0.1, 1.0], found 5.0",
         _sweep("{min_dist_pct: [0.2, 5.0]}")),
    Case("sweep-value-wrong-type", ("validate", "{tmp}/c.yaml"),
         "sweep.params.exit_on_clear[0]: expected true or false, found 'yes please'",
         _sweep("{exit_on_clear: ['yes please']}")),
    Case("sweep-range-out-of-range", ("validate", "{tmp}/c.yaml"),
         "sweep.params.max_hold_bars: the range reaches 5000: expected a value in [0, 864], found 5000",
         _sweep("{max_hold_bars: {low: 0, high: 5000, n: 3, integer: true}}", "  method: random\n")),
    Case("sweep-heatmap-name-typo", ("validate", "{tmp}/c.yaml"),
         "sweep.params.heatmaps.mian.window: no heatmap named 'mian' (keys are heatmaps.<name>.<field>); "
         "did you mean 'main'?",
         _sweep("{heatmaps.mian.window: [1d, 2d]}")),
    Case("sweep-heatmap-field-typo", ("validate", "{tmp}/c.yaml"),
         "sweep.params.heatmaps.main.windwo: HeatmapModel has no field 'windwo'; did you mean 'window'?",
         _sweep("{heatmaps.main.windwo: [1d, 2d]}")),
    Case("sweep-backtest-field-typo", ("validate", "{tmp}/c.yaml"),
         "sweep.params.backtest.levrage: BacktestConfig has no field 'levrage'; did you mean 'leverage'?",
         _sweep("{backtest.levrage: [1, 2]}")),
    Case("sweep-backtest-value", ("validate", "{tmp}/c.yaml"),
         "sweep.params.backtest.leverage[1]: Input should be less than or equal to 125; found 500",
         _sweep("{backtest.leverage: [1, 500]}")),
    Case("sweep-without-strategy", ("validate", "{tmp}/c.yaml"), "sweep: a sweep needs a 'strategy:' section",
         {"c.yaml": HEAD + "sweep:\n  params: {a: [1]}\n"}),
    Case("validate-for-heatmap", ("validate", "{tmp}/c.yaml", "--for", "heatmap"),
         "heatmaps: no heatmap model declared", {"c.yaml": HEAD}),
    Case("validate-for-sweep", ("validate", "{tmp}/c.yaml", "--for", "sweep"),
         "a sweep needs 'strategy:' and 'sweep:' sections", {"c.yaml": STRATEGY}),
    Case("heatmap-name-path", ("validate", "{tmp}/c.yaml"), "heatmaps: heatmap name '../x': expected letters, digits",
         {"c.yaml": HEAD + "heatmaps:\n  '../x': {window: 1d}\n"}),
    # several venues from one YAML (data.venues)
    Case("venues-and-sources", ("validate", "{tmp}/c.yaml"), "{tmp}/c.yaml: data: expected exactly one of 'sources' "
         "(one market) or 'venues' (several venues, each with its own sources); found both",
         {"c.yaml": f"data:\n  sources: {SYN}\n  venues: {{binance: {{sources: {SYN}}}}}\n"}),
    Case("neither-venues-nor-sources", ("validate", "{tmp}/c.yaml"), "data: expected exactly one of 'sources' "
         "(one market) or 'venues'", {"c.yaml": "data:\n  symbol: BTCUSDT\n"}),
    Case("venues-empty", ("validate", "{tmp}/c.yaml"), "{tmp}/c.yaml: data.venues: expected at least one venue, "
         "e.g. {binance: {sources: [...]}}; found none", {"c.yaml": "data:\n  venues: {}\n"}),
    Case("venue-name-case", ("validate", "{tmp}/c.yaml"), "data.venues: venue name 'Binance': expected lowercase "
         "letters", {"c.yaml": f"data:\n  venues: {{Binance: {{sources: {SYN}}}}}\n"}),
    Case("venue-sources-typo", ("validate", "{tmp}/c.yaml"), "data.venues.binance.sourcs: unknown key 'sourcs'; "
         "did you mean 'sources'?", {"c.yaml": f"data:\n  venues: {{binance: {{sourcs: {SYN}}}}}\n"}),
    Case("venue-with-venue-rename", ("validate", "{tmp}/c.yaml"), "data: 'venue' ('x') renames the market of "
         "'sources'; with 'venues' each market is named by its key", {"c.yaml": VENUES + "  venue: x\n"}),
    Case("heatmap-venue-unknown", ("validate", "{tmp}/c.yaml"), "{tmp}/c.yaml: heatmaps.main.venues: venue "
         "'binanse' is not in data.venues; did you mean 'binance'?",
         {"c.yaml": VENUES + "heatmaps:\n  main: {window: 1d, venues: [binanse]}\n"}),
    Case("heatmap-venue-formula-unknown", ("validate", "{tmp}/c.yaml"), "heatmaps.main.venue_formulas: venue 'okx' "
         "is not in data.venues; expected one of ['binance', 'bybit']",
         {"c.yaml": VENUES + "heatmaps:\n  main: {window: 1d, venue_formulas: {okx: okx}}\n"}),
    Case("heatmap-venues-empty", ("validate", "{tmp}/c.yaml"), "heatmaps.main.venues: expected at least one of "
         "['binance', 'bybit'], or no venues: key for all of them; found []",
         {"c.yaml": VENUES + "heatmaps:\n  main: {window: 1d, venues: []}\n"}),
    Case("calibration-venue-unknown", ("validate", "{tmp}/c.yaml"), "calibration.base.venues: venue 'okx' is not "
         "in data.venues", {"c.yaml": VENUES + "calibration: {base: {venues: [okx]}}\n"}),
    Case("strategy-on-venues", ("validate", "{tmp}/c.yaml"), "{tmp}/c.yaml: strategy: a backtest trades one market, "
         "and data.venues declares ['binance', 'bybit']; give the market to trade as data.sources (e.g. the sources "
         "of data.venues.binance)",
         {"c.yaml": VENUES + "heatmaps:\n  main: {window: 1d}\nstrategy: {name: magnet_zone}\n"}),
    Case("venues-bar-sizes", ("heatmap", "{tmp}/c.yaml", "--out", "{tmp}/out"), "data.venues: the venues' candles "
         "have different bar sizes {'binance': '1h', 'bybit': '5m'}",
         {"c.yaml": f"data:\n  venues: {{binance: {{sources: {SYN_1H}}}, bybit: {{sources: {SYN}}}}}\n"
                    "heatmaps:\n  main: {window: 1d}\n"}),
    Case("calibrate-realised-on-two-venues", ("calibrate", "{tmp}/c.yaml", "--out", "{tmp}/out"),
         "calibration: realised liquidations found on the venues ['binance', 'bybit']; a multi-venue calibration "
         "scores one venue's realised series", {"c.yaml": VENUES}),
    Case("calibration-train-end", ("validate", "{tmp}/c.yaml"),
         "calibration.train_end (2024-01-01 00:00:00+00:00) must be after data.start",
         {"c.yaml": f"data:\n  sources: {SYN}\n  start: 2025-01-01\ncalibration: {{train_end: 2024-01-01}}\n"}),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_config_corpus(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LIQBT_ALLOW_PATHS", raising=False)
    run_case(case, tmp_path)


def test_symlink_loop_as_config_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.symlink(tmp_path / "b.yaml", tmp_path / "a.yaml")
    os.symlink(tmp_path / "a.yaml", tmp_path / "b.yaml")
    line = run_case(Case("symlink-loop", ("validate", "{tmp}/a.yaml"), "{tmp}/a.yaml: symlink loop"), tmp_path)
    assert "expected a YAML config file" in line


def test_fifo_include_is_refused_without_blocking(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "pipe.yaml")
    run_case(Case("fifo", ("validate", "{tmp}/c.yaml"), "{tmp}/pipe.yaml: not a regular file",
                  {"c.yaml": "name: !include pipe.yaml\n" + HEAD}), tmp_path)
