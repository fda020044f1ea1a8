"""What a strategy may read: the market, named heatmaps, and levels from a chosen source.

The *level source* belongs to the context, not to the strategy: a strategy
asks :meth:`StrategyContext.zones` (or :meth:`~StrategyContext.imbalance`)
for the levels of a heatmap role and gets the heatmap's clusters, their
placebo, or plain swing S/R levels, depending on how the context was built.
Every strategy that reads its levels this way therefore gets placebo and
plain-S/R baselines for free (:func:`liqbt.evaluation.compare_to_baselines`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd

from ..data.market import Market
from ..errors import ConfigError
# the zone functions are imported where called: resolving a strategy (liqbt validate) loads no numba
from ..zones.enums import LEVEL_SOURCES

__all__ = ["StrategyContext", "LEVEL_SOURCES"]


@dataclass(frozen=True, eq=False)
class StrategyContext:
    """What a strategy may read.

    Attributes
    ----------
    market : Market
    heatmaps : mapping of str to HeatmapResult
        By the strategy's own role names (see :attr:`Strategy.heatmaps`).
    level_source : {"heatmap", "placebo", "sr"}, default "heatmap"
        Where :meth:`zones` and :meth:`imbalance` take their levels from: the
        heatmap's relative clusters; the placebo (the same clusters moved to
        random distances drawn from the real ones seen so far, seeded by
        ``placebo_seed``); or plain swing support/resistance (no heatmap read).
    placebo_seed : int, default 0
        Seed of the placebo's draws (``level_source="placebo"`` only).
    """

    market: Market
    heatmaps: Mapping[str, Any] = field(default_factory=dict)
    level_source: str = "heatmap"
    placebo_seed: int = 0
    _memo: dict = field(default_factory=dict, repr=False)
    # set on the first zones()/imbalance() call: tells the baselines whether the strategy read levels here
    _reads: set = field(default_factory=set, repr=False)

    def __post_init__(self):
        if self.level_source not in LEVEL_SOURCES:
            raise ConfigError(f"level_source: expected one of {list(LEVEL_SOURCES)}, found {self.level_source!r}")
        if isinstance(self.placebo_seed, bool) or not isinstance(self.placebo_seed, int) or self.placebo_seed < 0:
            raise ConfigError(f"placebo_seed: expected a whole number >= 0, found {self.placebo_seed!r}")

    def with_levels(self, level_source: str, placebo_seed: int = 0) -> "StrategyContext":
        """The same market and heatmaps with levels from ``level_source`` (derived tables are shared)."""
        return StrategyContext(self.market, self.heatmaps, level_source, placebo_seed, _memo=self._memo)

    @property
    def reads_levels(self) -> bool:
        """True once a strategy asked this context for levels (:meth:`zones` or :meth:`imbalance`)."""
        return bool(self._reads)

    def memo(self, key: tuple, compute):
        """``compute()`` once per ``key`` for this context: parameter sets of a sweep share derived tables
        (zones, levels) that depend on only some of their parameters."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def heatmap(self, role: str):
        """The heatmap playing ``role``; a clear error when it is missing."""
        try:
            return self.heatmaps[role]
        except KeyError:
            raise ConfigError(f"the strategy needs a heatmap for role {role!r}; the context has "
                              f"{sorted(self.heatmaps) or 'none'} (map roles with strategy.heatmaps in the config)"
                              ) from None

    def features(self, role: str) -> pd.DataFrame:
        """Per-bar features of the heatmap playing ``role`` (always the real heatmap: no placebo)."""
        return self.heatmap(role).features

    def depth(self) -> pd.DataFrame:
        """Order-book depth within ±1 % of the price, USD, known at each bar's open.

        Columns :data:`liqbt.zones.DEPTH_COLUMNS` (``bid_depth_1pct_usd``:
        resting bids below the price, ``ask_depth_1pct_usd``: asks above) on
        the market's index, NaN before the first snapshot. The same for every
        level source: the placebo and plain-S/R twins move levels, not depth.

        Raises
        ------
        ConfigError
            When the market has no depth (it comes from a data source with
            ``format: coinglass_v4`` and ``parts: [known]``).
        """
        from ..zones import depth_frame

        return depth_frame(self.market)

    def _seed(self):
        return self.placebo_seed if self.level_source == "placebo" else None

    def zones(self, role: str, *, min_dist: float = 0.0, max_dist: float = 0.05, min_ratio: float = 2.0,
              neighbourhood_bins: int = 25, min_share: float = 0.002, band_bins: int = 1, swing_left: int = 12,
              swing_right: int = 12, max_levels: int = 10) -> pd.DataFrame:
        """Per-bar zone table (:func:`liqbt.zones.zones`) of the heatmap playing ``role``, from this
        context's :attr:`level_source`.

        Parameters
        ----------
        role : str
            Heatmap role (not read with ``level_source="sr"``).
        min_dist, max_dist : float, default 0.0, 0.05
            Zones tracked within this distance of the close, fraction of the close.
        min_ratio, neighbourhood_bins, min_share, band_bins
            What counts as a cluster (:func:`liqbt.zones.cluster_sets`); heatmap and placebo sources.
        swing_left, swing_right, max_levels : int, default 12, 12, 10
            Plain S/R source: bars before / after a swing pivot, and the last pivots kept.

        Returns
        -------
        DataFrame
            Columns :data:`liqbt.zones.enums.ZONE_COLUMNS` on the market's index.
        """
        from ..zones import zones

        self._reads.add(role)
        source = self.level_source
        heatmap = None if source == "sr" else self.heatmap(role)
        args = dict(source=source, seed=self.placebo_seed, min_ratio=min_ratio,
                    neighbourhood_bins=neighbourhood_bins, min_share=min_share, band_bins=band_bins,
                    min_dist=min_dist, max_dist=max_dist, swing_left=swing_left, swing_right=swing_right,
                    max_levels=max_levels)
        key = ("zones", None if heatmap is None else role, self._seed(),
               tuple(sorted((k, v) for k, v in args.items() if k != "seed")))
        return self.memo(key, lambda: zones(self.market, heatmap, memo=self._memo, **args))

    def imbalance(self, role: str, window: float, *, swing_left: int = 12, swing_right: int = 12,
                  max_levels: int = 10) -> pd.Series:
        """Resting imbalance within ``window`` of the close, in [-1, 1] (> 0: more to liquidate below).

        Heatmap source: (long USD below - short USD above) / their sum
        (:func:`liqbt.zones.local_imbalance`). Placebo: each bar's value replaced
        by one drawn from the values seen so far (:func:`liqbt.zones.placebo_series`,
        same distribution, no timing). Plain S/R: the same ratio of the swing
        levels' prominence below and above.

        Parameters
        ----------
        role : str
        window : float
            Fraction of the close.
        swing_left, swing_right, max_levels : int
            Plain S/R source only (see :meth:`zones`).
        """
        self._reads.add(role)
        if self.level_source == "sr":
            z = self.zones(role, max_dist=window, swing_left=swing_left, swing_right=swing_right,
                           max_levels=max_levels)
            tot = z["below_total"] + z["above_total"]
            return ((z["below_total"] - z["above_total"]) / tot).where(tot > 0)
        from ..zones import local_imbalance, placebo_series

        raw = self.memo(("imbalance", role, window),
                        lambda: local_imbalance(self.market, self.heatmap(role), window)["imbalance"])
        if self.level_source == "placebo":
            return self.memo(("imbalance", role, window, self.placebo_seed),
                             lambda: placebo_series(raw, self.placebo_seed))
        return raw
