"""Shared fixtures: real DuckDB warehouses in temporary folders, and the real datasets in ../shared/data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from junshi import Shop, connect

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The folder of real public datasets (``../shared/data``); tests fail loudly when it is missing."""
    assert SHARED_DATA.is_dir(), f"missing {SHARED_DATA}: the real datasets must sit beside the project"
    return SHARED_DATA


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "shop.duckdb"


@pytest.fixture
def shop(db_path: Path) -> Iterator[Shop]:
    """An empty shop in a fresh DuckDB file."""
    with connect(db_path) as s:
        yield s
