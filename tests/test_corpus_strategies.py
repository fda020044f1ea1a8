"""Bad-input corpus, strategy references: each is one line on stderr naming the config, exit 2, no traceback."""

from __future__ import annotations

import pytest
from corpus import Case, run_case

CONFIG = """
    data:
      sources: [{{format: synthetic, bars: 300, bar_size: 5m, seed: 1}}]
    strategy: {strategy}
    """

GOOD_FILE = """
    from liqbt.backtest import Signals
    from liqbt.strategy import Strategy

    class Mine(Strategy):
        heatmaps = ()

        def signals(self, ctx):
            return Signals(long_entries=ctx.market.bars["close"] > 0)

    def helper():
        raise AssertionError("never called")
    """


def _case(id, strategy, expected, files=None, config="cfg/c.yaml"):
    files = {config: CONFIG.format(strategy=strategy), **(files or {})}
    return Case(id, ("validate", f"{{tmp}}/{config}"), expected, files)


CASES = [
    _case("stdlib-ref", '{name: "subprocess:run", params: {args: "touch {tmp}/x", shell: true}}',
          "{tmp}/cfg/c.yaml: strategy.name: strategy 'subprocess:run': 'subprocess' is part of Python's standard "
          "library, which holds no liqbt strategies; name a Strategy subclass"),
    _case("stdlib-os-system", '{name: "os:system"}', "'os' is part of Python's standard library"),
    _case("not-a-strategy-class", '{name: "liqbt.errors:ConfigError"}',
          "strategy.name: strategy 'liqbt.errors:ConfigError': 'ConfigError' in module 'liqbt.errors' is a class "
          "(liqbt.errors.ConfigError), not a liqbt Strategy subclass"),
    _case("function", '{name: "liqbt.data:load_data"}',
          "'load_data' in module 'liqbt.data' is a function, not a liqbt Strategy subclass"),
    _case("function-in-file", '{name: "mine.py:helper"}',
          "'helper' in mine.py is a function, not a liqbt Strategy subclass", {"cfg/mine.py": GOOD_FILE}),
    _case("missing-file", '{name: "nope.py:Mine"}', "strategy 'nope.py:Mine': {tmp}/cfg/nope.py does not exist"),
    _case("file-outside-folder", '{name: "../x.py:Mine"}',
          "strategy '../x.py:Mine': '../x.py' is outside the config's folder {tmp}/cfg", {"x.py": GOOD_FILE}),
    _case("absolute-path-outside", '{name: "{tmp}/x.py:Mine"}',
          "'{tmp}/x.py' is outside the config's folder {tmp}/cfg", {"x.py": GOOD_FILE}),
    _case("directory-as-file", '{name: "sub.py:Mine"}', "{tmp}/cfg/sub.py is not a regular file",
          {"cfg/sub.py/keep": ""}),
    _case("missing-class-in-file", '{name: "mine.py:Nope"}', "strategy 'mine.py:Nope': mine.py defines no 'Nope'",
          {"cfg/mine.py": GOOD_FILE}),
    _case("unknown-name", "{name: magnet_zon}", "strategy.name: unknown strategy 'magnet_zon'; did you mean "
          "'magnet_zone'?"),
    _case("syntax-error", '{name: "bad.py:Mine"}',
          "strategy 'bad.py:Mine': {tmp}/cfg/bad.py:3: syntax error: ", {"cfg/bad.py": "import math\n\ndef f(:\n"}),
    _case("error-on-import", '{name: "boom.py:Mine"}',
          "importing {tmp}/cfg/boom.py failed: RuntimeError: boom", {"cfg/boom.py": "raise RuntimeError('boom')\n"}),
    _case("duplicate-registered-name", '{name: "dup.py:Dup"}',
          "strategy 'dup.py:Dup': dup.py: strategy name 'magnet_zone' from @register_strategy in ", {"cfg/dup.py": """
              from liqbt.strategy import Strategy, register_strategy

              @register_strategy("magnet_zone")
              class Dup(Strategy):
                  pass
              """}),
    _case("missing-module", '{name: "no_such_module_xyz:Mine"}',
          "strategy 'no_such_module_xyz:Mine': cannot import 'no_such_module_xyz'"),
    _case("relative-module-name", '{name: "..x:Mine"}', "'..x' is not a module name"),
    _case("file-without-py-suffix", '{name: "mine:Mine"}',
          "cannot import 'mine': No module named 'mine'; for the file next to the config write 'mine.py:Mine'",
          {"cfg/mine.py": GOOD_FILE}),
    _case("empty-class-part", '{name: "mine.py:"}',
          "strategy 'mine.py:': expected 'file.py:ClassName' or 'package.module:ClassName'"),
    _case("old-level-source-param", "{name: magnet_zone, params: {level_source: placebo}}",
          "strategy.params: magnet_zone: unknown parameter 'level_source'; the level source is "
          "strategy.level_source (heatmap, placebo or sr), not a parameter"),
    _case("bad-level-source", "{name: magnet_zone, level_source: random}", "strategy.level_source"),
    _case("negative-placebo-seed", "{name: magnet_zone, placebo_seed: -1}", "strategy.placebo_seed"),
    # a strategy reading order-book depth on a market without it (interface I4 of issue #12)
    Case("depth-columns-missing", ("run", "{tmp}/cfg/c.yaml"),
         "order-book depth: the market (synthetic(seed=1)) has no column(s) ['bid_depth_1pct_usd', "
         "'ask_depth_1pct_usd']; add a data source with format: coinglass_v4 and parts: [known]",
         {"cfg/c.yaml": """
             data:
               sources: [{format: synthetic, bars: 300, bar_size: 5m, seed: 1}]
             heatmaps:
               main: {window: 1d}
             strategy: {name: magnet_zone_depth}
             """}),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_strategy_reference_corpus(case, tmp_path):
    line = run_case(case, tmp_path)
    assert not (tmp_path / "x").exists()  # nothing named in a config ran
    assert "Traceback" not in line
