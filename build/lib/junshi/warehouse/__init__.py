"""The warehouse: canonical tables behind one Ibis connection (DuckDB file by default, or a Parquet lake).

:class:`BaseWarehouse` is what every engine can do (read); :class:`Writable` what a writable one adds;
:class:`Warehouse` is DuckDB (both); :func:`writable` asks a warehouse for the write capability;
:func:`open_warehouse` opens any URL (a DuckDB file, ``lake:PATH``).
"""

from __future__ import annotations

import os

from junshi.warehouse.base import BaseWarehouse, Writable, writable
from junshi.warehouse.connection import DEFAULT_DB, Warehouse, resolve_db


def open_warehouse(url: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Warehouse:
    """The DuckDB warehouse of ``url``: a DuckDB file, or a lake of Parquet files (``lake:PATH``) read in place."""
    from junshi.warehouse.lake_catalog import is_lake_url

    if is_lake_url(url):
        from junshi.warehouse.lake import LakeWarehouse

        return LakeWarehouse(os.fspath(url or ""), read_only=read_only)
    return Warehouse(url, read_only=read_only)


__all__ = ["DEFAULT_DB", "BaseWarehouse", "Warehouse", "Writable", "open_warehouse", "resolve_db", "writable"]
