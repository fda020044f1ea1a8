"""Tiny strategies for pipeline tests (the shipped ones live in strategies/)."""


from liqbt.backtest import Signals
from liqbt.strategy import Param, Strategy


class ToyImbalance(Strategy):
    """Long when more resting longs than shorts (imbalance > threshold), short when fewer."""

    params = {"threshold": Param(0.1, 0.0, 0.5, doc="imbalance level, fraction")}
    heatmaps = ("main",)

    def signals(self, ctx):
        imb = ctx.features("main")["imbalance"].fillna(0.0)
        long_ = imb > self.threshold
        short = imb < -self.threshold
        return Signals(long_entries=long_ & ~long_.shift(1, fill_value=False),
                       long_exits=~long_ & long_.shift(1, fill_value=False),
                       short_entries=short & ~short.shift(1, fill_value=False),
                       short_exits=~short & short.shift(1, fill_value=False))
