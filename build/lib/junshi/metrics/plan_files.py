"""The files of the plan store beside a warehouse (``<warehouse>.plans/``, :mod:`junshi.metrics.plan_store`): its
folder, their names (a digest of the kind, the code that computes, how the warehouse reads orders, and the name)
and writing one at once; and values kept per data version (:func:`junshi.versioned.stored`, JSON; larger ones as
Arrow tables, :func:`junshi.versioned.stored_table`). Light on purpose (no Ibis expression, NumPy, and Arrow only
for a table): a restarted server's first page reads what is kept here.
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
    import pyarrow as pa

    from junshi.warehouse import BaseWarehouse


@cache
def code_version() -> str:
    """A digest of what decides a compiled plan or query: the source of every Junshi module (the metric layer,
    the declarations and the reading of tables, and the analyses whose queries are compiled once per shape through
    ``metrics.query.fetch``: a changed query must not find the SQL its former code stored; about 15 ms), the
    versions of Junshi, Ibis and DuckDB."""
    from importlib.util import find_spec

    import duckdb

    import junshi

    root = Path(junshi.__file__).parent
    digest = hashlib.sha256(f"{junshi.__version__} {duckdb.__version__}".encode())
    ibis = find_spec("ibis")  # its version from the package's first file, which names it: a server's first page
    if ibis is not None and ibis.origin is not None:  # reads the store without importing Ibis
        digest.update(Path(ibis.origin).read_bytes())
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


def load_table(warehouse: BaseWarehouse, shop_id: str, version: dt.datetime, name: Any) -> pa.Table | None:
    """The Arrow table kept as ``name`` for the shop's data ``version`` (:func:`keep_table`), or None."""
    import pyarrow as pa

    path = named(warehouse, "table", (shop_id, name), ".arrow")
    if path is None or not path.is_file():
        return None
    try:
        table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
    except (OSError, pa.ArrowException):
        return None
    kept = (table.schema.metadata or {}).get(b"junshi_version")
    return table.replace_schema_metadata(None) if kept == version.isoformat().encode() else None


def keep_table(warehouse: BaseWarehouse, shop_id: str, version: dt.datetime, name: Any, table: pa.Table) -> None:
    """Keep the Arrow ``table`` as ``name`` for the shop's data ``version`` (one file per name, the newest
    version's; Arrow's IPC format, read back without a copy): values too large for JSON."""
    import pyarrow as pa

    path = named(warehouse, "table", (shop_id, name), ".arrow")
    if path is None:
        return
    with contextlib.suppress(OSError):
        path.parent.mkdir(exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        marked = table.replace_schema_metadata({"junshi_version": version.isoformat()})
        with os.fdopen(handle, "wb") as f, pa.ipc.new_file(f, marked.schema) as writer:
            writer.write_table(marked)
        os.replace(temp, path)


def named(warehouse: BaseWarehouse, kind: str, name: Any, suffix: str = ".json") -> Path | None:
    """The file of ``kind`` ``name`` for what ``warehouse`` reads (all orders, or without the suspect ones)."""
    root = folder(str(warehouse.url))
    if root is None:
        return None
    reading = (warehouse.clean, warehouse.suspect_ids)
    key = hashlib.sha256(f"{kind}|{code_version()}|{reading!r}|{name!r}".encode()).hexdigest()[:32]
    return root / f"{kind}-{key}{suffix}"


def write(path: Path, entry: dict[str, Any]) -> None:
    """Write ``entry`` as ``path`` at once (readers see all of it or none); nothing where it cannot be written."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "w") as f:
            json.dump(entry, f)
        os.replace(temp, path)
