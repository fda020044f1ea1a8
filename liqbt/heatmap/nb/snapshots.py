"""Sparse snapshots to dense profiles: :func:`densify_nb`."""

from __future__ import annotations

from numba import njit

__all__ = ["densify_nb"]


@njit(cache=True, nogil=True)
def densify_nb(start, off, vals, rows, first, out_long, out_short):
    """Write snapshots ``rows`` of a sparse store into dense (len(rows), width) profiles.

    Column ``c`` of the output is grid bin ``first + c``; bins outside a
    snapshot's occupied range are 0, and an occupied bin outside the output's
    columns is left out. ``start, off, vals`` are as the ``snap_start,
    snap_off, snap_vals`` of :func:`~liqbt.heatmap.nb.run_nb`.
    """
    width = out_long.shape[1]
    for r in range(rows.shape[0]):
        i = rows[r]
        for s in range(2):
            dst = out_long[r] if s == 0 else out_short[r]
            for c in range(width):
                dst[c] = 0.0
            j = 2 * i + s
            b0 = start[j] - first
            p0 = off[j]
            for p in range(p0, off[j + 1]):
                c = b0 + p - p0
                if 0 <= c < width:
                    dst[c] = vals[p]
