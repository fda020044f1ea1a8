"""Strategy contexts of a sweep: the heatmaps each override group's strategy reads, by role.

The grid runner, Optuna, the Ray workers and the sweep report all build their contexts
here, so none of them imports another for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..data.market import MultiVenueMarket
from ..errors import ConfigError
from ..heatmap import reconstruct_named
from ..strategy import StrategyContext
from .sweep import apply_overrides

if TYPE_CHECKING:
    from ..backtest import BacktestConfig
    from ..config.experiment import ExperimentConfig
    from ..data.market import Market

__all__ = ["GROUPS_PER_PASS", "grouped_contexts", "override_context"]

GROUPS_PER_PASS = 4
"""Override groups whose heatmap variants are reconstructed in one engine pass (the snapshots of
each stay in memory)."""


def grouped_contexts(config: "ExperimentConfig", market: "Market", groups: dict[tuple, list[dict]],
                     base_dir=None) -> Iterator[tuple[tuple, list[dict], StrategyContext, "BacktestConfig"]]:
    """``(overrides, combos, context, backtest)`` per group of ``groups`` (overrides -> combos).

    The heatmap variants of up to :data:`GROUPS_PER_PASS` groups are reconstructed in one engine
    pass (:func:`liqbt.heatmap.reconstruct_named`); ``base_dir`` is the config's folder (a strategy
    given as ``file.py:Class`` resolves against it).
    """
    items = list(groups.items())
    for start in range(0, len(items), GROUPS_PER_PASS):
        batch = items[start:start + GROUPS_PER_PASS]
        prepared, models = [], {}
        for g, (overrides, combos) in enumerate(batch):
            heatmaps, backtest = apply_overrides(config, overrides)
            roles = config.strategy.role_map(list(heatmaps), base_dir=base_dir)
            for name in dict.fromkeys(roles.values()):
                models[f"{g}:{name}"] = heatmaps[name]
            prepared.append((overrides, combos, roles, backtest))
        built = reconstruct_named(market, models, snapshot_every=config.output.snapshot_every) if models else {}
        for g, (overrides, combos, roles, backtest) in enumerate(prepared):
            ctx = StrategyContext(market=market, heatmaps={r: built[f"{g}:{n}"] for r, n in roles.items()},
                                  level_source=config.strategy.level_source,
                                  placebo_seed=config.strategy.placebo_seed)
            yield overrides, combos, ctx, backtest


def override_context(config: "ExperimentConfig", market: "Market", overrides: tuple,
                     base_dir=None) -> tuple[StrategyContext, "BacktestConfig"]:
    """The strategy context and backtest settings of one override group (``(key, value)`` pairs of
    heatmap and backtest fields), as :func:`liqbt.pipeline.build_context` builds a run's."""
    if config.strategy is None:
        raise ConfigError("strategy: no strategy in the config; add e.g. 'strategy: {name: magnet_zone}'")
    if isinstance(market, MultiVenueMarket):
        raise ConfigError(f"data: a backtest trades one market, not the venues {market.venues}: pass one venue's "
                          f"market (market[{market.venues[0]!r}]) or declare the market to trade as data.sources")
    _, _, ctx, backtest = next(grouped_contexts(config, market, {overrides: []}, base_dir))
    return ctx, backtest
