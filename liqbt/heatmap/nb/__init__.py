"""Numba kernels of the liquidation-heatmap reconstruction. Arrays in, arrays out.

:mod:`.run` holds the reconstruction (:func:`run_nb`, :func:`batch_nb`; its
docstring explains the book and why the hot loop stays inlined),
:mod:`.clusters` the bin lookup and cluster search it shares with the
multi-venue combination (:func:`combined_clusters_nb`), :mod:`.snapshots` the
densifying of sparse snapshots (:func:`densify_nb`).
"""

from .clusters import bin_index_nb, combined_clusters_nb
from .run import batch_nb, run_nb
from .snapshots import densify_nb

__all__ = ["bin_index_nb", "run_nb", "batch_nb", "combined_clusters_nb", "densify_nb"]
