"""Create the canonical tables on first use and bring older warehouses up to SCHEMA_VERSION."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from junshi.errors import WarehouseError
from junshi.schema import SCHEMA_VERSION, TABLES


def _append_new_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Add the columns a table's declaration has and the stored table lacks.

    New columns are only ever declared at the end of a table, so the stored column order stays the
    declared one (loads insert by position).
    """
    for table in TABLES.values():
        have = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            [table.name]).fetchall()]
        if not have:
            continue  # a table new in this version: created below
        if list(table.column_names[:len(have)]) != have:
            raise WarehouseError(
                f"Table {table.name} has columns {have}, which are not a prefix of {list(table.column_names)}.",
                f"数据表 {table.name} 的列 {have} 与声明的列不一致。",
                hint_en="The warehouse was changed by hand; load the data into a new warehouse.",
                hint_zh="数据仓库被手工修改过；请把数据导入新的数据仓库。",
            )
        for column in table.columns[len(have):]:
            con.execute(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {column.type}')


def _scores_of_every_order(con: duckdb.DuckDBPyConnection) -> None:
    """risk_suspects (created by junshi risk before version 3, suspects only) gains ``suspect``: true for its rows."""
    _append_new_columns(con)
    if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'risk_suspects'"
                   ).fetchall()[0][0]:
        con.execute("UPDATE risk_suspects SET suspect = true WHERE suspect IS NULL")


# version -> step that brings a warehouse of (version - 1) to version.
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    2: _append_new_columns,  # orders.promised_at/carrier, ad_spend attribution columns; daily_* tables
    3: _scores_of_every_order,  # risk_suspects holds every scored order with its suspect flag
}


def stored_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The schema version recorded in the warehouse, or None for an empty one."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'junshi_meta'"
    ).fetchall()  # not fetchone: DuckDB 2 blocks the connection while a result is unfinished
    if not exists or not exists[0][0]:
        return None
    rows = con.execute("SELECT value FROM junshi_meta WHERE key = 'schema_version'").fetchall()
    return int(rows[0][0]) if rows else None


def ensure_schema(con: duckdb.DuckDBPyConnection) -> int:
    """Create missing tables and run pending migrations in one transaction; return the version."""
    version = stored_version(con)
    if version is not None and version > SCHEMA_VERSION:
        raise WarehouseError(
            f"This warehouse has schema version {version}; this Junshi knows up to {SCHEMA_VERSION}.",
            f"该数据仓库的结构版本为 {version}，当前 Junshi 仅支持到 {SCHEMA_VERSION}。",
            hint_en="Upgrade Junshi (pip install -U junshi).",
            hint_zh="请升级 Junshi（pip install -U junshi）。",
        )
    if version == SCHEMA_VERSION:
        return version
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE TABLE IF NOT EXISTS junshi_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        for step in range((version or SCHEMA_VERSION) + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[step](con)
        for table in TABLES.values():
            con.execute(table.create_sql())
        con.execute(
            "INSERT OR REPLACE INTO junshi_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return SCHEMA_VERSION
