"""Shared fixtures. Real data lives in ../shared/data beside the project."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
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


def source_formats() -> set[str]:
    """The ``format:`` values of data sources this build reads."""
    from liqbt.data.config import DataConfig

    items = DataConfig.model_json_schema().get("properties", {}).get("sources", {}).get("items", {})
    return set(items.get("discriminator", {}).get("mapping", {}))


def shipped_config(path: Path):
    """A shipped config as a pytest param, skipped while it names a data source format this build lacks
    (a config written for a package of the same issue that is merged later)."""
    import re

    named = set(re.findall(r"^\s*-?\s*format:\s*([A-Za-z0-9_]+)", path.read_text(), flags=re.M))
    missing = sorted(named - source_formats())
    mark = pytest.mark.skipif(bool(missing), reason=f"data format(s) {missing} not in this build")
    return pytest.param(path, id=path.stem, marks=mark)
