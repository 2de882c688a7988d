"""Shared fixtures: real DuckDB warehouses in temporary folders, and the real datasets in ../shared/data."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest

from junshi import Shop, connect
from junshi.i18n import set_lang
from junshi.simulate import GroundTruth, simulate

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _interface_language() -> Iterator[None]:
    """Each test starts in the default language: ``junshi --lang zh`` in one test does not leak into the next."""
    yield
    set_lang(None)


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


# The demo shop, simulated once per test session (read-only: copy the file before writing to it).
DEMO_END = datetime.date(2024, 11, 30)  # 120 days from 2024-08-03, with 双11 (2024-11-11) inside


@pytest.fixture(scope="session")
def demo_truth(tmp_path_factory: pytest.TempPathFactory) -> GroundTruth:
    """Ground truth of the demo shop (120 days, ~1000 new visits a day, seed 0, zh); ``.db`` is its path."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    return simulate(path, days=120, visitors_per_day=1000, seed=0, lang="zh", end_date=DEMO_END)


@pytest.fixture(scope="session")
def demo_db(demo_truth: GroundTruth) -> Path:
    """Path of the demo shop's warehouse (shop id "default"). Do not write to it: copy it first."""
    return Path(demo_truth.db)
