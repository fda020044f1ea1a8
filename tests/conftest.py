"""Shared fixtures. Real data lives in ../shared/data beside the project."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# the tests compile in-process: no background compile process beside a `liqbt run` (liqbt.precompile)
os.environ["LIQBT_BACKGROUND_COMPILE"] = "0"
SHARED_DATA = Path(os.environ.get("LIQBT_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))


def shared_path(*parts: str) -> Path:
    """Path under ../shared/data; fails the test (never skips) when it is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.fail(
            f"real data not found at {path}. liqbt's tests expect the shared data folder at "
            f"{SHARED_DATA} (../shared/data beside the project, or set LIQBT_SHARED_DATA)",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return shared_path()


