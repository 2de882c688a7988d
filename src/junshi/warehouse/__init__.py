"""The warehouse: canonical tables behind one Ibis connection (DuckDB file by default).

:class:`BaseWarehouse` is what every engine can do (read); :class:`Writable` what a writable one adds;
:class:`Warehouse` is DuckDB (both); :func:`writable` asks a warehouse for the write capability.
"""

from junshi.warehouse.base import BaseWarehouse, Writable, writable
from junshi.warehouse.connection import DEFAULT_DB, Warehouse, resolve_db

__all__ = ["DEFAULT_DB", "BaseWarehouse", "Warehouse", "Writable", "resolve_db", "writable"]
