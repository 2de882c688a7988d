"""The warehouse: canonical tables behind one Ibis connection (DuckDB file by default)."""

from junshi.warehouse.connection import DEFAULT_DB, Warehouse, resolve_db

__all__ = ["DEFAULT_DB", "Warehouse", "resolve_db"]
