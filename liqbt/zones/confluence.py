"""Confluence of liquidation clusters with price levels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from ._validate import check_fraction

__all__ = ["confluence_score"]


def confluence_score(prices: pd.Series, levels: pd.DataFrame, tol: float = 0.003) -> pd.Series:
    """How many levels coincide with each price, with a linear falloff.

    Each level adds ``max(0, 1 - |price / level - 1| / tol)``: 1 when it is
    at the price, 0 from ``tol`` (a fraction) away. NaN levels add nothing;
    NaN prices give NaN.

    Parameters
    ----------
    prices : Series
        USD (e.g. the dominant cluster above), on the same index as ``levels``.
    levels : DataFrame
        USD levels, one column per kind (e.g. :func:`~liqbt.zones.level_table`).
    tol : float, default 0.003
        Fraction of the level.

    Returns
    -------
    Series
        Score in ``[0, n_levels]``.
    """
    tol = check_fraction("tol", tol, strict=True)
    if not prices.index.equals(levels.index):
        raise DataError("confluence", "prices and levels are on different indexes; expected the same bars")
    from .nb import confluence_nb  # numba on first use: resolving a strategy (liqbt validate) loads none

    out = confluence_nb(np.ascontiguousarray(prices.to_numpy(dtype=np.float64)),
                        np.ascontiguousarray(levels.to_numpy(dtype=np.float64)), tol)
    return pd.Series(out, index=prices.index, name="confluence")
