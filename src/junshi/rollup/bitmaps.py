"""Roaring bitmaps stored as BLOBs, and the DuckDB function that counts the union of a list of them.

DuckDB has no Roaring type: a set is stored serialized (``BitMap.serialize``), and
``junshi_union_count(list(set))`` deserializes and unions them in Python (pyroaring, C inside).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

import duckdb
import duckdb.func
import pyarrow as pa
from pyroaring import BitMap

UNION_COUNT = "junshi_union_count"
_REGISTERED: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()


def serialize(ids: Iterable[int]) -> bytes:
    """The set of dense ids as a serialized Roaring bitmap."""
    bitmap = BitMap(ids)
    bitmap.run_optimize()
    return bytes(bitmap.serialize())


def union_count(blobs: Iterable[bytes]) -> int:
    """The number of distinct ids in the union of serialized bitmaps."""
    sets = [BitMap.deserialize(b) for b in blobs if b is not None]
    return len(BitMap.union(*sets)) if sets else 0


def _union_counts(lists: Any) -> Any:
    """Vectorized (Arrow) body of ``junshi_union_count``: one count per list of bitmaps."""
    return pa.array([union_count(blobs or ()) for blobs in lists.to_pylist()], type=pa.int64())


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make ``junshi_union_count(BLOB[]) -> BIGINT`` callable on ``con`` (once per connection)."""
    if con in _REGISTERED:
        return
    try:
        con.create_function(UNION_COUNT, _union_counts, [duckdb.list_type(duckdb.sqltype("BLOB"))],
                            duckdb.sqltype("BIGINT"), type=duckdb.func.ARROW)
    except duckdb.Error as exc:  # registered through another cursor of the same database
        if "already" not in str(exc).lower():
            raise
    _REGISTERED.add(con)
