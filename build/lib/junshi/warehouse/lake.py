"""The lake warehouse on DuckDB: a folder of Parquet files (``lake:PATH``) read in place, written by commits.

Reading: an in-memory DuckDB whose tables are views over ``read_parquet`` of the files the newest catalog
names (:mod:`junshi.warehouse.lake_catalog`), so the metric layer and every analysis run unchanged.

Writing (:meth:`LakeWarehouse.transaction`): the views become tables holding the committed rows, the
caller's statements (a load, its rollup refresh ...) run in one DuckDB transaction, and at its end every
partition (shop x month) whose content moved is written to a new Parquet file, then one catalog commit
publishes them all. A failure, a lost race or a killed process leaves the newest catalog as it was, so
nothing of the load is visible. Writes must go through ``transaction()``: outside it the tables are
views, which refuse writes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from junshi.errors import WarehouseError
from junshi.schema import SCHEMA_VERSION, TABLES
from junshi.warehouse import lake_catalog
from junshi.warehouse.connection import LazyBackend, Warehouse, open_duckdb
from junshi.warehouse.lake_catalog import PARTITION_TIME, Catalog, DataFile, TableEntry
from junshi.warehouse.migrate import ensure_schema, stored_version

_META = "junshi_meta"
_HERE = "NOT temporary AND database_name = current_database() AND schema_name = 'main'"
"""The lake's own tables and views (not temporary ones, not an attached database)."""


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _file_list(root: Path, entry: TableEntry) -> str:
    return "[" + ", ".join(_sql_str(str(root / f.path)) for f in entry.files) + "]"


class LakeWarehouse(Warehouse):
    """A lake of Parquet files (``lake:PATH``) behind DuckDB: the same reads and writes as a DuckDB file."""

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        self.url = url
        self.root = lake_catalog.lake_root(url)
        self.read_only = read_only
        self.engine = "duckdb"
        self._ibis = LazyBackend(open_duckdb(":memory:"))
        self.con.execute("SET parquet_metadata_cache = true")  # files never change once committed
        self.catalog = lake_catalog.newest(self.root)
        self._writing = False
        self._check_version(self.catalog)
        self._show(self.catalog)

    def _check_version(self, catalog: Catalog) -> None:
        if catalog.schema_version > SCHEMA_VERSION:
            raise WarehouseError(
                f"This lake has schema version {catalog.schema_version}; this Junshi knows up to {SCHEMA_VERSION}.",
                f"该湖仓的结构版本为 {catalog.schema_version}，当前 Junshi 仅支持到 {SCHEMA_VERSION}。",
                hint_en="Upgrade Junshi (pip install -U junshi).", hint_zh="请升级 Junshi（pip install -U junshi）。")

    def _drop_all(self) -> None:
        con = self.con
        for (name,) in con.execute(f"SELECT view_name FROM duckdb_views() WHERE NOT internal AND {_HERE}").fetchall():
            con.execute(f'DROP VIEW "{name}"')
        for (name,) in con.execute(f"SELECT table_name FROM duckdb_tables() WHERE {_HERE}").fetchall():
            con.execute(f'DROP TABLE "{name}"')

    def _show(self, catalog: Catalog) -> None:
        """Make the tables views over the files of ``catalog`` (empty canonical tables where it has none)."""
        self._drop_all()
        con = self.con
        ensure_schema(con)
        for name, entry in catalog.tables.items():
            if not entry.files:
                con.execute(f'DROP TABLE IF EXISTS "{name}"')
                con.execute(entry.ddl)
                continue
            stored = {c for c, _t in entry.columns}
            columns = [(c.name, c.type) for c in TABLES[name].columns] if name in TABLES else entry.columns
            # by name: files written by another engine may order their columns differently
            select = ", ".join(f'"{c}"' if c in stored else f'CAST(NULL AS {t}) AS "{c}"' for c, t in columns)
            con.execute(f'DROP TABLE IF EXISTS "{name}"')
            con.execute(f'CREATE VIEW "{name}" AS SELECT {select} FROM '
                        f"read_parquet({_file_list(self.root, entry)}, hive_partitioning = false)")
        self.catalog = catalog

    def _check_out(self) -> Catalog:
        """Turn the views into tables holding the newest committed rows (migrated); the catalog they hold."""
        catalog = lake_catalog.newest(self.root)
        self._check_version(catalog)
        self._drop_all()
        con = self.con
        con.execute(f"CREATE TABLE {_META} (key VARCHAR PRIMARY KEY, value VARCHAR)")
        if catalog.commit:
            con.execute(f"INSERT INTO {_META} VALUES ('schema_version', ?)", [str(catalog.schema_version)])
        for name, entry in catalog.tables.items():
            con.execute(entry.ddl)
            if entry.files:
                con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM '
                            f"read_parquet({_file_list(self.root, entry)}, hive_partitioning = false)")
        ensure_schema(con)
        self.catalog = catalog
        return catalog

    def cursor(self) -> LakeWarehouse:
        """The lake at its newest commit on a new in-memory DuckDB, for another thread."""
        other = LakeWarehouse(self.url, read_only=self.read_only)
        other.clean, other.suspect_ids = self.clean, self.suspect_ids
        return other

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All writes inside are committed to the lake together (new files, then one catalog) or not at all."""
        if self.read_only:
            from junshi.warehouse.base import writable

            writable(self)  # raises: opened read-only
        from junshi.rollup import bitmaps

        base = self._check_out()
        con = self.con
        bitmaps.register(con)  # before the transaction, which may roll back (see register)
        con.execute("BEGIN TRANSACTION")
        self._writing = True
        written: list[Path] = []
        try:
            yield con
            tables = self._write_partitions(con, base, written)
            version = stored_version(con) or SCHEMA_VERSION
            committed = lake_catalog.commit(self.root, base, tables, version, "load")
        except BaseException:
            con.execute("ROLLBACK")
            for path in written:
                with contextlib.suppress(OSError):
                    path.unlink()
            self._writing = False
            self._show(lake_catalog.newest(self.root))
            raise
        con.execute("COMMIT")
        self._writing = False
        self._show(committed)

    def _write_partitions(self, con: duckdb.DuckDBPyConnection, base: Catalog,
                          written: list[Path]) -> dict[str, TableEntry]:
        """Write each partition whose rows moved since ``base`` to a new file; every table's new entry."""
        out: dict[str, TableEntry] = {}
        tables = con.execute(f"SELECT table_name, sql FROM duckdb_tables() WHERE {_HERE} "
                             f"AND table_name <> '{_META}' ORDER BY table_name").fetchall()
        for name, ddl in tables:
            columns = [(str(c), str(t)) for c, t in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' "
                "AND table_catalog = current_database() "
                "AND table_name = ? ORDER BY ordinal_position", [name]).fetchall()]
            names_only = [c for c, _t in columns]
            time = PARTITION_TIME.get(name) if PARTITION_TIME.get(name) in names_only else None
            shop = '"shop_id"' if "shop_id" in names_only else "NULL"
            month = f"strftime(\"{time}\", '%Y-%m')" if time else "NULL"
            hashed = ", ".join(f'"{c}"' for c in names_only)
            parts = con.execute(
                f'SELECT {shop} AS s, {month} AS m, count(*), sum(hash({hashed})::HUGEINT) FROM "{name}" '
                "GROUP BY ALL ORDER BY ALL").fetchall()
            old = base.tables.get(name)
            kept: dict[tuple[str | None, str | None], list[DataFile]] = {}
            if old is not None and old.ddl == ddl:
                for f in old.files:
                    kept.setdefault((f.shop_id, f.month), []).append(f)
            files: list[DataFile] = []
            for s, m, n, h in parts:
                fingerprint = f"{n}:{h}"
                before = kept.get((s, m), [])
                if len(before) == 1 and before[0].fingerprint == fingerprint:
                    files.append(before[0])
                    continue
                rel = lake_catalog.partition_path(name, s, m)
                path = self.root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                where = f"{shop} IS NOT DISTINCT FROM {'NULL' if s is None else _sql_str(s)} AND " \
                        f"{month} IS NOT DISTINCT FROM {'NULL' if m is None else _sql_str(m)}"
                written.append(path)
                con.execute(f'COPY (SELECT * FROM "{name}" WHERE {where}) TO {_sql_str(str(path))} '
                            "(FORMAT parquet, COMPRESSION zstd)")
                files.append(DataFile(rel, s, m, int(n), fingerprint))
            out[name] = TableEntry(str(ddl), columns, time, files)
        return out

    def ensure_shop(self, shop_id: str, *, name: str | None = None, platform: str | None = None,
                    currency: str = "CNY", timezone: str = "Asia/Shanghai") -> None:
        """Register a shop if it is not there yet (its own commit when no transaction is open)."""
        if self._writing:
            super().ensure_shop(shop_id, name=name, platform=platform, currency=currency, timezone=timezone)
            return
        have = self.con.execute("SELECT count(*) FROM shops WHERE shop_id = ?", [shop_id]).fetchall()
        if have and have[0][0]:
            return
        with self.transaction():
            super().ensure_shop(shop_id, name=name, platform=platform, currency=currency, timezone=timezone)

    def copy_from(self, duckdb_file: str | Path) -> None:
        """Make the lake hold every table of a DuckDB warehouse file (its shops, rows and rollups), in one commit."""
        with self.transaction() as con:
            con.execute(f"ATTACH {_sql_str(str(duckdb_file))} AS junshi_source (READ_ONLY)")
            try:
                for name, ddl in con.execute(
                        "SELECT table_name, sql FROM duckdb_tables() WHERE database_name = 'junshi_source' "
                        f"AND schema_name = 'main' AND table_name <> '{_META}'").fetchall():
                    if not con.execute(f"SELECT count(*) FROM duckdb_tables() WHERE {_HERE} AND table_name = ?",
                                       [name]).fetchall()[0][0]:
                        con.execute(str(ddl))
                    con.execute(f'DELETE FROM "{name}"')
                    con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM junshi_source.main."{name}"')
            finally:
                con.execute("DETACH junshi_source")

    def refresh(self) -> bool:
        """Read the newest commit if another writer made one since; whether it did."""
        catalog = lake_catalog.newest(self.root)
        if catalog.commit == self.catalog.commit:
            return False
        self._check_version(catalog)
        self._show(catalog)
        return True

