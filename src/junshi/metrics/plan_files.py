"""The files of the plan store beside a warehouse (``<warehouse>.plans/``, :mod:`junshi.metrics.plan_store`): its
folder, their names (a digest of the kind, the code that computes, how the warehouse reads orders, and the name)
and writing one at once; and values kept per data version (:func:`junshi.versioned.stored`). Light on purpose
(no Ibis expression, Arrow or NumPy): a restarted server's first page reads what is kept here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from junshi.warehouse import BaseWarehouse


@cache
def code_version() -> str:
    """A digest of what decides a compiled plan or query: the source of every Junshi module (the metric layer,
    the declarations and the reading of tables, and the analyses whose queries are compiled once per shape through
    ``metrics.query.fetch``: a changed query must not find the SQL its former code stored; about 15 ms), the
    versions of Junshi, Ibis and DuckDB."""
    import duckdb
    import ibis

    import junshi

    root = Path(junshi.__file__).parent
    digest = hashlib.sha256(f"{junshi.__version__} {ibis.__version__} {duckdb.__version__}".encode())
    for path in sorted(root.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def folder(url: str) -> Path | None:
    """The store of the warehouse ``url``: a folder beside its DuckDB file (None: in memory, or a lake)."""
    from junshi.errors import ConfigError
    from junshi.warehouse.connection import duckdb_path

    try:
        path = duckdb_path(url)
    except ConfigError:
        return None
    return None if path == ":memory:" else Path(path + ".plans")


def load_value(warehouse: BaseWarehouse, shop_id: str, version: dt.datetime, name: Any) -> Any | None:
    """The JSON value kept as ``name`` for the shop's data ``version`` (:func:`keep_value`), or None."""
    path = named(warehouse, "value", (shop_id, name))
    if path is None or not path.is_file():
        return None
    try:
        stored = json.loads(path.read_text())
        return stored["value"] if stored["version"] == version.isoformat() else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def keep_value(warehouse: BaseWarehouse, shop_id: str, version: dt.datetime, name: Any, value: Any) -> None:
    """Keep the JSON ``value`` as ``name`` for the shop's data ``version`` (one file per name, holding the newest
    version's)."""
    path = named(warehouse, "value", (shop_id, name))
    if path is not None:
        write(path, {"version": version.isoformat(), "value": value})


def named(warehouse: BaseWarehouse, kind: str, name: Any) -> Path | None:
    """The file of ``kind`` ``name`` for what ``warehouse`` reads (all orders, or without the suspect ones)."""
    root = folder(str(warehouse.url))
    if root is None:
        return None
    reading = (warehouse.clean, warehouse.suspect_ids)
    key = hashlib.sha256(f"{kind}|{code_version()}|{reading!r}|{name!r}".encode()).hexdigest()[:32]
    return root / f"{kind}-{key}.json"


def write(path: Path, entry: dict[str, Any]) -> None:
    """Write ``entry`` as ``path`` at once (readers see all of it or none); nothing where it cannot be written."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "w") as f:
            json.dump(entry, f)
        os.replace(temp, path)
