"""Exits a zone strategy times from its entries (kernel: :func:`liqbt.zones.nb.hold_exits_nb`)."""

from __future__ import annotations

import numpy as np
import pandas as pd


__all__ = ["hold_exits"]


def hold_exits(entries: pd.Series | np.ndarray, hold_bars: int) -> pd.Series | np.ndarray:
    """True ``hold_bars`` rows after the last entry row (0: never).

    Parameters
    ----------
    entries : Series or 1-D ndarray of bool
        Entry rows.
    hold_bars : int
        Bars to hold; the exit falls on the row ``hold_bars`` after an entry when no entry
        came in between.

    Returns
    -------
    Series of bool
        On ``entries``' index (an ndarray for an ndarray: a sweep's columns skip the Series).
    """
    from .nb import hold_exits_nb  # numba on first use: resolving a strategy (liqbt validate) loads none

    if isinstance(entries, np.ndarray):
        return hold_exits_nb(np.ascontiguousarray(entries, dtype=np.bool_), int(hold_bars))
    out = hold_exits_nb(np.ascontiguousarray(entries.to_numpy(dtype=np.bool_)), int(hold_bars))
    return pd.Series(out, index=entries.index)
