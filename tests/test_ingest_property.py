"""Malformed input, generated: whatever the bytes or rows, ingest either loads or raises an IngestError,
and the data already in the warehouse is never lost."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from junshi import Shop, connect
from junshi.errors import IngestError

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
SUFFIXES = [".csv", ".tsv", ".txt", ".jsonl", ".xlsx", ".parquet"]
HEADERS = ["订单编号", "order_id", "created_at", "付款时间", "买家实付金额", "quantity", "商品ID", "event_type", "ts",
           "visitor_id", "event_id", "rating", "review_id", "", "a,b", '"', "订单创建时间"]
CELLS = st.one_of(st.text(max_size=12), st.sampled_from(["", "-1", "1.5", "2024-01-01", "1700000000", "NaN",
                                                         "¥1,000", "=\"1\"", "\n", '"', "是"]))
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def loaded() -> Iterator[tuple[Shop, Path]]:
    """A shop holding the orders fixture (2 orders, 2 quarantined rows); shared by every example."""
    with tempfile.TemporaryDirectory() as tmp, connect(Path(tmp) / "p.duckdb") as shop:
        shop.ingest(FIXTURES / "orders_zh_bom.csv")
        yield shop, Path(tmp)


def _state(shop: Shop) -> list[tuple[object, ...]]:
    return shop.warehouse.con.execute(
        "SELECT 'o', order_id, CAST(pay_amount AS VARCHAR) FROM orders WHERE order_id IN ('A001', 'A002') UNION ALL "
        "SELECT 'q', source_file, CAST(source_line AS VARCHAR) FROM quarantine "
        "WHERE source_file LIKE '%orders_zh_bom%' ORDER BY ALL").fetchall()


def _try(shop: Shop, path: Path) -> None:
    before = _state(shop)
    with contextlib.suppress(IngestError):
        shop.ingest(path)
    assert _state(shop) == before


@SETTINGS
@given(data=st.binary(max_size=400), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes(loaded: tuple[Shop, Path], data: bytes, suffix: str) -> None:
    shop, tmp = loaded
    path = tmp / f"random{suffix}"
    path.write_bytes(data)
    _try(shop, path)


@SETTINGS
@given(header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=5),
       body=st.lists(st.lists(CELLS, min_size=0, max_size=6), max_size=6),
       delim=st.sampled_from([",", "\t", ";"]), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_random_rows(loaded: tuple[Shop, Path], header: list[str], body: list[list[str]], delim: str,
                     encoding: str) -> None:
    shop, tmp = loaded
    text = "\n".join(delim.join(r) for r in [header, *body]) + "\n"
    path = tmp / "rows.csv"
    path.write_bytes(text.encode(encoding, errors="replace"))
    _try(shop, path)
