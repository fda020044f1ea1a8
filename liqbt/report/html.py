"""Small helpers for self-contained HTML pages (images inlined, no scripts from outside).

Every string that reaches a page may come from a config or a data file (a
symbol, a heatmap name, a file name), so it goes through :func:`text` (HTML
escaping) or, inside a ``<script>``, :func:`script_json` (JSON whose ``<``, ``>``
and ``&`` are ``\u003c`` ... escapes, so ``</script>`` and ``<!--`` cannot occur).
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["page", "image_tag", "embedded_page", "table", "fmt", "text", "script_json", "write_page"]

STYLE = """
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; max-width: 1300px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 13px; }
td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th { background: #f3f3f3; } td.l, th.l { text-align: left; }
img { max-width: 100%; border: 1px solid #ddd; }
.note { color: #666; }
"""


def text(value: Any) -> str:
    """``str(value)`` escaped for HTML text and attribute values."""
    return html.escape(str(value), quote=True)


_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(value: Any, **kwargs) -> str:
    """JSON safe to place inside ``<script>``: no ``<``, ``>`` or ``&`` characters left (still valid JSON)."""
    out = json.dumps(value, **kwargs)
    for char, escape in _SCRIPT_ESCAPES.items():
        out = out.replace(char, escape)
    return out


def write_page(path: str | Path, content: str) -> Path:
    """Write an HTML page atomically (a failed write leaves no partial file; the error names the path)."""
    from ..config.files import write_atomic

    return write_atomic(path, content)


def fmt(value) -> str:
    """A table cell: ``-`` for a missing value, integers as integers (``1,234``), floats with 4 decimals
    below 100 and 2 above, anything else as escaped text."""
    if value is None or value is pd.NA or (isinstance(value, (float, np.floating)) and np.isnan(value)):
        return "-"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return f"{value:,.4f}" if abs(value) < 100 else f"{value:,.2f}"
    return html.escape(str(value))


def image_tag(path: Path, alt: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def embedded_page(path: Path, *, height_px: int = 860) -> str:
    """A self-contained page (such as heatmap.html) inlined as an ``<iframe srcdoc>``: the report stays one
    file, and the page's scripts, styles and element ids cannot clash with the report's. The whole page is
    escaped into the attribute, so nothing in it can end the attribute or the frame."""
    content = Path(path).read_text(encoding="utf-8")
    return (f'<iframe title="{html.escape(Path(path).name)}" style="width:100%;height:{int(height_px)}px;border:0" '
            f'sandbox="allow-scripts" srcdoc="{html.escape(content, quote=True)}"></iframe>')


def table(frame: pd.DataFrame, *, max_rows: int = 500, index: bool = True) -> str:
    rows = frame.head(max_rows)
    head = "".join(f'<th class="l">{html.escape(str(rows.index.name or ""))}</th>' if index else "" for _ in [0])
    head += "".join(f"<th>{html.escape(str(c))}</th>" for c in rows.columns)
    body = []
    for idx, row in zip(rows.index, rows.itertuples(index=False, name=None)):
        cells = f'<td class="l">{fmt(idx)}</td>' if index else ""
        cells += "".join(f"<td>{fmt(v)}</td>" for v in row)
        body.append(f"<tr>{cells}</tr>")
    more = (f'<p class="note">{len(frame) - max_rows:,} more rows in the CSV file.</p>'
            if len(frame) > max_rows else "")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>{more}"


def page(title: str, sections: list[tuple[str, str]]) -> str:
    parts = [f"<h2>{html.escape(h)}</h2>{body}" if h else body for h, body in sections]
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>{''.join(parts)}"
            '<script>document.body.dataset.ready = "1";</script></body></html>')
