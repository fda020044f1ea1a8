"""Magnet zones: trade toward a dominant nearby liquidation cluster, exit at it or when it is cleared.

The claim: price is drawn toward dense bands of resting liquidations. On
every bar the dominant live cluster above and below the close (relative
clusters, :func:`liqbt.zones.zones`) are compared; when one outweighs the
other by ``dominance`` a trade toward it starts (on the bar the setup
appears), with the take-profit at the cluster and the stop ``stop_ratio``
times that distance on the other side. The trade ends at the target, the
stop, when the cluster is cleared by a sweep, when the opposite setup
appears (reversal), or after ``max_hold_bars``.

:class:`MagnetZoneTwoWindow` takes the direction from a long ``context`` map
(e.g. 30 days) and the timing from a short ``execution`` map (e.g. 24 hours):
it trades only when both maps have a band toward the same side within
``agree_tol`` of each other.

:class:`MagnetZoneDepth` adds the order book (``ctx.depth()``, ±1 % depth
known at bar open): it trades toward the magnet only while the book between
the price and it is thin, i.e. the asks (for a long) or bids (for a short)
are at most ``thin_max`` of their trailing median
(:func:`liqbt.zones.depth_confluence`); with ``wall_behind`` it also needs a
deep book at the band on the stop side.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

import numpy as np
import pandas as pd

from liqbt.backtest import Signals
from liqbt.backtest.signals import SignalArrays
from liqbt.strategy import Param, Strategy, StrategyContext
from liqbt.zones import depth_confluence

from ._common import ZONE_PARAMS, hold_exits, make_signals, rising, zone_frame

__all__ = ["MagnetZone", "MagnetZoneDepth", "MagnetZoneTwoWindow"]

_MAGNET_PARAMS = {
    "min_dist_pct": Param(0.3, 0.1, 1.0, step=0.1, doc="nearest a magnet may be, percent of the close"),
    "max_dist_pct": Param(3.0, 1.0, 6.0, step=1.0, doc="farthest a magnet may be, percent of the close"),
    "dominance": Param(1.5, 1.0, 4.0, step=0.5,
                       doc="weight of the magnet / weight of the dominant zone on the other side (>= 1)"),
    "stop_ratio": Param(1.0, 0.5, 2.0, step=0.25, doc="stop distance / target distance"),
    "exit_on_clear": Param(True, doc="exit when a zone on the trade's side is cleared"),
    "max_hold_bars": Param(288, 0, 864, step=144, doc="exit this many bars after the entry signal (0: never)"),
}


def _setups(z: pd.DataFrame, dominance: float) -> tuple[pd.Series, pd.Series]:
    up, dn = z["above_weight"], z["below_weight"]
    long_ok = up.notna() & (dn.isna() | (up >= dominance * dn.fillna(0.0)))
    short_ok = dn.notna() & (up.isna() | (dn >= dominance * up.fillna(0.0)))
    both = long_ok & short_ok  # only with dominance == 1 and equal weights
    return long_ok & ~both, short_ok & ~both


def _signals(strategy, z: pd.DataFrame, long_ok: pd.Series, short_ok: pd.Series, index) -> Signals:
    le, se = rising(long_ok), rising(short_ok)
    up_d, dn_d = z["above_dist"].to_numpy(), z["below_dist"].to_numpy()
    tp = np.where(le, up_d, np.where(se, dn_d, np.nan))
    sl = tp * strategy.stop_ratio
    lx = hold_exits(le, strategy.max_hold_bars)
    sx = hold_exits(se, strategy.max_hold_bars)
    if strategy.exit_on_clear:
        lx |= z["cleared_above_weight"] > 0
        sx |= z["cleared_below_weight"] > 0
    return make_signals(index, le, se, lx, sx, sl_stop=sl, tp_stop=tp)


class _ZoneArrays(NamedTuple):
    """The zone-table columns :class:`MagnetZone` reads, as float64 arrays (one table per zone key)."""

    up_w: np.ndarray
    dn_w: np.ndarray
    up_d: np.ndarray
    dn_d: np.ndarray
    cleared_up: np.ndarray
    cleared_dn: np.ndarray


def _zone_arrays(z: pd.DataFrame) -> _ZoneArrays:
    return _ZoneArrays(*(z[c].to_numpy(dtype=np.float64) for c in (
        "above_weight", "below_weight", "above_dist", "below_dist", "cleared_above_weight", "cleared_below_weight")))


def _rising_np(mask: np.ndarray) -> np.ndarray:
    out = mask.copy()
    out[1:] &= ~mask[:-1]
    return out


def _fill_column(strategy, za: _ZoneArrays, memo: dict, out: dict[str, np.ndarray], j: int) -> None:
    """:class:`MagnetZone`'s signals of one parameter set into column ``j`` of ``out``, in numpy.

    The same operations as :func:`_setups` and :func:`_signals` on the same float64 values, so the
    same bits (tests/test_strategies.py compares it with the pandas path); a sweep of 1,000 sets
    spent ~35 s in the pandas one (the per-set Series, ``where`` and ``concat``). ``memo`` (one per
    zone table) keeps the entries of each ``dominance`` and the exits of each hold and clear rule, which
    sets differing only in their stop share.
    """
    if strategy.dominance not in memo:
        up_nan, dn_nan = np.isnan(za.up_w), np.isnan(za.dn_w)
        long_ok = ~up_nan & (dn_nan | (za.up_w >= strategy.dominance * np.where(dn_nan, 0.0, za.dn_w)))
        short_ok = ~dn_nan & (up_nan | (za.dn_w >= strategy.dominance * np.where(up_nan, 0.0, za.up_w)))
        both = long_ok & short_ok  # only with dominance == 1 and equal weights
        le, se = _rising_np(long_ok & ~both), _rising_np(short_ok & ~both)
        tp = np.where(le, za.up_d, np.where(se, za.dn_d, np.nan))
        entry = le | se
        # as make_signals: stop and target on entry rows only, NaN where not > 0
        memo[strategy.dominance] = le, se, tp, entry, np.where(entry & (tp > 0), tp, np.nan)
    le, se, tp, entry, tp_stop = memo[strategy.dominance]
    exits = (strategy.dominance, int(strategy.max_hold_bars), bool(strategy.exit_on_clear))
    if exits not in memo:
        lx = hold_exits(le, exits[1])
        sx = hold_exits(se, exits[1])
        if exits[2]:
            lx |= za.cleared_up > 0
            sx |= za.cleared_dn > 0
        memo[exits] = lx, sx
    lx, sx = memo[exits]
    sl = tp * strategy.stop_ratio
    out["long_entries"][:, j] = le
    out["short_entries"][:, j] = se
    out["long_exits"][:, j] = lx
    out["short_exits"][:, j] = sx
    out["sl_stop"][:, j] = np.where(entry & (sl > 0), sl, np.nan)
    out["tp_stop"][:, j] = tp_stop


class MagnetZone(Strategy):
    """Trade toward the dominant liquidation cluster within reach (see the module docstring)."""

    name = "magnet_zone"  # the liqbt.strategies entry point registers it under this name

    heatmaps = ("main",)
    params: ClassVar[dict[str, Param]] = {**_MAGNET_PARAMS, **ZONE_PARAMS}

    def signals(self, ctx: StrategyContext) -> Signals:
        z = zone_frame(self, ctx, "main", self.min_dist_pct / 100, self.max_dist_pct / 100)
        long_ok, short_ok = _setups(z, self.dominance)
        return _signals(self, z, long_ok, short_ok, ctx.market.index)

    @classmethod
    def signals_for(cls, ctx: StrategyContext, combos: list[dict]) -> Signals:
        """:meth:`Strategy.signals_for` without pandas per parameter set (:meth:`column_arrays`)."""
        if not combos:
            return super().signals_for(ctx, combos)  # its error
        out = cls.column_arrays(ctx, combos)
        index, columns = ctx.market.index, cls.columns_for(combos)
        return Signals(**{name: pd.DataFrame(a, index=index, columns=columns, copy=False)
                          for name, a in out.items()})

    @classmethod
    def signal_arrays_for(cls, ctx: StrategyContext, combos: list[dict]) -> SignalArrays:
        """The kernels' arrays of ``combos`` straight from :meth:`column_arrays`: the same arrays as
        ``signals_for(...).to_arrays(...)``, without the frames and their copies."""
        if not combos:
            return super().signal_arrays_for(ctx, combos)  # its error
        out = cls.column_arrays(ctx, combos)

        def unset():  # a signal left unset, as Signals.to_arrays gives it: (1, 1) NaN, writable
            return np.require(np.full((1, 1), np.nan), requirements="FW")

        return SignalArrays(out["long_entries"], out["long_exits"], out["short_entries"], out["short_exits"],
                            size=unset(), sl_stop=out["sl_stop"], tp_stop=out["tp_stop"], target_price=unset(),
                            columns=cls.columns_for(combos))

    @classmethod
    def column_arrays(cls, ctx: StrategyContext, combos: list[dict]) -> dict[str, np.ndarray]:
        """Signals of every set of ``combos`` as (bars, sets) column-major arrays, by :class:`Signals`
        field: each zone table is read once into arrays and every set's column written in numpy (the
        same values as :meth:`signals`)."""
        strategies = [cls(**combo) for combo in combos]  # validates every set first, as the base does
        n, m = len(ctx.market.index), len(combos)
        out = {name: np.zeros((n, m), dtype=np.bool_, order="F")
               for name in ("long_entries", "long_exits", "short_entries", "short_exits")}
        out.update({name: np.empty((n, m), dtype=np.float64, order="F") for name in ("sl_stop", "tp_stop")})
        tables: dict[tuple, tuple] = {}  # sets differing only in trade parameters share a zone table
        for j, strategy in enumerate(strategies):
            key = (strategy.min_dist_pct, strategy.max_dist_pct,
                   *(getattr(strategy, k) for k in ZONE_PARAMS))
            if key not in tables:
                tables[key] = (_zone_arrays(zone_frame(strategy, ctx, "main", strategy.min_dist_pct / 100,
                                                       strategy.max_dist_pct / 100)), {})
            _fill_column(strategy, *tables[key], out, j)
        return out


class MagnetZoneTwoWindow(Strategy):
    """Direction from the ``context`` map (e.g. 30d), timing from the ``execution`` map (e.g. 24h).

    A long needs the context map's dominant cluster above (as in
    :class:`MagnetZone`) and the execution map to show a live cluster above
    within ``agree_tol_pct`` of it: a band present on both maps. The target
    is the execution map's band (the nearer, fresher estimate).
    """

    name = "magnet_zone_two_window"  # the liqbt.strategies entry point registers it under this name

    heatmaps = ("context", "execution")
    params: ClassVar[dict[str, Param]] = {**_MAGNET_PARAMS,
              "agree_tol_pct": Param(0.5, 0.1, 1.5, step=0.2,
                                     doc="largest gap between the two maps' bands, percent of the price"),
              **ZONE_PARAMS}

    def signals(self, ctx: StrategyContext) -> Signals:
        lo, hi = self.min_dist_pct / 100, self.max_dist_pct / 100
        zc = zone_frame(self, ctx, "context", lo, hi)
        ze = zone_frame(self, ctx, "execution", lo, hi)
        long_dir, short_dir = _setups(zc, self.dominance)
        tol = self.agree_tol_pct / 100
        agree_up = (ze["above_price"] / zc["above_price"] - 1).abs() <= tol
        agree_dn = (ze["below_price"] / zc["below_price"] - 1).abs() <= tol
        # the execution map's zones drive the targets and the clear exits
        return _signals(self, ze, long_dir & agree_up, short_dir & agree_dn, ctx.market.index)


class MagnetZoneDepth(Strategy):
    """:class:`MagnetZone` that trades toward a band only through a thin order book (module docstring).

    Needs the market's depth columns (``bid_depth_1pct_usd``,
    ``ask_depth_1pct_usd``: a ``coinglass_v4`` source with ``parts:
    [known]``); without them :meth:`signals` raises a ConfigError naming them.
    The levels come from ``ctx.zones`` as in every zone strategy, so the
    placebo and plain-S/R twins keep the same depth filter on moved levels.
    """

    name = "magnet_zone_depth"  # the liqbt.strategies entry point registers it under this name

    heatmaps = ("main",)
    params: ClassVar[dict[str, Param]] = {
        **_MAGNET_PARAMS,
        "thin_max": Param(0.8, 0.5, 1.0, step=0.1,
                          doc="largest depth toward the magnet (asks for a long, bids for a short) / its trailing "
                              "median that counts as a thin book"),
        "depth_window_days": Param(30, 10, 60, step=10, doc="days of the depth's trailing median"),
        "wall_behind": Param(False, doc="also need a wall at the band on the stop side (band within 1 %, its "
                                        "side's depth >= wall_min x its median)"),
        "wall_min": Param(1.25, 1.0, 2.0, step=0.25, doc="smallest depth / trailing median that counts as a wall"),
        **ZONE_PARAMS,
    }

    def signals(self, ctx: StrategyContext) -> Signals:
        depth = ctx.depth()  # first: a market without depth fails before any zone is computed
        z = zone_frame(self, ctx, "main", self.min_dist_pct / 100, self.max_dist_pct / 100)
        book = depth_confluence(depth, z, window=pd.Timedelta(days=self.depth_window_days),
                                thin_max=self.thin_max, wall_min=self.wall_min)
        long_ok, short_ok = _setups(z, self.dominance)
        long_ok = long_ok & book["above_thin"]
        short_ok = short_ok & book["below_thin"]
        if self.wall_behind:
            long_ok &= book["below_wall"]
            short_ok &= book["above_wall"]
        return _signals(self, z, long_ok, short_ok, ctx.market.index)
