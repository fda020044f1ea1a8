"""Saving a matplotlib figure as a PNG written whole (a failed write leaves no partial file)."""

from __future__ import annotations

import io
from pathlib import Path

from ..config.files import write_atomic

__all__ = ["save_png"]


def save_png(fig, path: str | Path, **savefig_kwargs) -> Path:
    """Render ``fig`` to PNG in memory, close it, and write it to ``path`` through a temporary file.

    A write failure raises :class:`~liqbt.errors.OutputError` naming ``path``.
    """
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", **savefig_kwargs)
    plt.close(fig)
    return write_atomic(path, buffer.getvalue())
