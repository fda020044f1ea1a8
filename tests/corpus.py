"""The bad-input corpus: every malformed input is one line on stderr, exit 2, no traceback.

Each area keeps its own table of cases in ``tests/test_corpus_<area>.py``; a case is a
:class:`Case` (files to write into a temporary project folder, the ``liqbt`` arguments,
and a fragment the single error line must contain). The CLI runs in-process, so the
corpus stays fast; ``{tmp}`` in arguments and file texts is replaced by the case's folder.
"""

from __future__ import annotations

import contextlib
import io
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from liqbt.cli.main import main

__all__ = ["Case", "run_case", "run_cli"]


@dataclass(frozen=True)
class Case:
    """One malformed input.

    Parameters
    ----------
    id : str
        Short test id.
    argv : tuple of str
        ``liqbt`` arguments, e.g. ``("validate", "{tmp}/c.yaml")``.
    expected : str
        Fragment the one error line must contain (after ``liqbt: error: ``).
    files : dict of str to str or bytes
        Relative path -> content written before the run (text is dedented).
    """

    id: str
    argv: tuple[str, ...]
    expected: str
    files: dict[str, str | bytes] = field(default_factory=dict)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``liqbt ARGV`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse exits by itself
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def run_case(case: Case, tmp_path: Path) -> str:
    """Write the case's files, run it, assert exit 2, one ``liqbt: error:`` line, no traceback.

    Returns the error line.
    """
    for name, content in case.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).replace("{tmp}", str(tmp_path)))
    argv = [a.replace("{tmp}", str(tmp_path)) for a in case.argv]
    code, _, err = run_cli(argv)
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if not line.startswith("liqbt: warning:")]
    assert code == 2, f"exit {code}, stderr: {err}"
    assert len(lines) == 1, f"expected one error line, found {len(lines)}: {err}"
    assert lines[0].startswith("liqbt: error: "), lines[0]
    expected = case.expected.replace("{tmp}", str(tmp_path))
    assert expected in lines[0], f"{expected!r} not in {lines[0]!r}"
    return lines[0]
