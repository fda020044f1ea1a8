"""A custom strategy in a file next to its config (``strategy: {name: "my_strategy.py:MyStrategy"}``).

The idea: price drifts toward the heavier pool of resting liquidations within
reach. Long while the dominant zone above outweighs the one below by
``dominance``, short in the mirror case, flat otherwise.

It reads its levels through ``ctx.zones``, never from the heatmap directly:
that is what gives it a placebo (the same clusters at random distances) and a
plain support/resistance twin in ``liqbt run``'s baselines table, with no
extra code. No ``register_strategy`` and no ``PYTHONPATH`` needed: liqbt
loads this file from the config's folder and checks that ``MyStrategy`` is a
``Strategy`` subclass before using it.
"""

from __future__ import annotations

from typing import ClassVar

from liqbt.backtest import Signals
from liqbt.strategy import Param, Strategy, StrategyContext


class MyStrategy(Strategy):
    """Trade toward the heavier nearby liquidation pool (module docstring)."""

    heatmaps = ("main",)
    params: ClassVar[dict[str, Param]] = {
        "max_dist_pct": Param(3.0, 1.0, 6.0, step=1.0, doc="zones tracked within this percent of the close"),
        "dominance": Param(1.5, 1.0, 4.0, step=0.5, doc="weight of the heavier zone / weight of the other (>= 1)"),
    }

    def signals(self, ctx: StrategyContext) -> Signals:
        # everything on row t is known at t's close (the zones are point in time)
        z = ctx.zones("main", max_dist=self.max_dist_pct / 100)
        up, dn = z["above_weight"].fillna(0.0), z["below_weight"].fillna(0.0)
        long_ = (up > 0) & (up >= self.dominance * dn)
        short = (dn > 0) & (dn >= self.dominance * up) & ~long_
        return Signals(long_entries=long_ & ~long_.shift(1, fill_value=False),
                       long_exits=~long_ & long_.shift(1, fill_value=False),
                       short_entries=short & ~short.shift(1, fill_value=False),
                       short_exits=~short & short.shift(1, fill_value=False))
