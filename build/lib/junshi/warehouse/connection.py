"""Open a warehouse by URL and reach its canonical tables as Ibis tables."""

from __future__ import annotations

import os
import re
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from junshi.errors import ConfigError, WarehouseError
from junshi.schema import TABLES
from junshi.warehouse.base import SETTINGS, Writable, default_settings
from junshi.warehouse.migrate import ensure_schema

DEFAULT_DB = "junshi.duckdb"
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]+):")  # two letters or more: C:\\ is a Windows drive, not a scheme
_DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file
_USE = ("Give a DuckDB file path such as shop.duckdb, duckdb:///path/to/file.duckdb or spark://local.",
        "请给出 DuckDB 文件路径，如 shop.duckdb、duckdb:///path/to/file.duckdb，或 spark://local。")


def resolve_db(db: str | os.PathLike[str] | None) -> str:
    """The warehouse URL in force: the argument, else ``JUNSHI_DB``, else ./junshi.duckdb."""
    if db:
        return os.fspath(db)
    return os.environ.get("JUNSHI_DB") or DEFAULT_DB


def _refuse_if_served(path: str, exc: Exception) -> None:
    """A lock held by ``junshi serve``: say so, and that commands reading or loading go through it."""
    from junshi.remote import find_server

    running = find_server(path)
    if running is not None:
        raise WarehouseError(
            f"junshi serve (process {running.pid}, {running.url}) holds the warehouse {path}.",
            f"junshi serve（进程 {running.pid}，{running.url}）正持有数据仓库 {path}。",
            hint_en="Commands that read or load data (kpi, ingest, diagnose ...) run through it; for this one, "
            "stop the server (Ctrl-C) or use another --db.",
            hint_zh="读取或导入数据的命令（kpi、ingest、diagnose 等）会经由它运行；"
            "本命令请先停止服务（Ctrl-C）或换用其他 --db。",
        ) from exc


def duckdb_path(url: str) -> str:
    """The DuckDB file of a warehouse URL (``shop.duckdb``, ``duckdb:///abs/path.duckdb``, ``:memory:``).

    A ConfigError, before anything is created, for a URL of another scheme (a ``lake:`` folder opens through
    :func:`junshi.warehouse.open_warehouse`), a folder, or an existing file that is not a DuckDB database."""
    if url.startswith("duckdb://"):
        path = url.removeprefix("duckdb://") or ":memory:"
    else:
        scheme = _SCHEME.match(url)
        if scheme and scheme.group(1).lower() == "lake":
            raise ConfigError(
                f"{url} is a lake of Parquet files, not a DuckDB file.",
                f"{url} 是 Parquet 湖仓，不是 DuckDB 文件。",
                hint_en="Open it with junshi.connect or junshi.warehouse.open_warehouse.",
                hint_zh="请用 junshi.connect 或 junshi.warehouse.open_warehouse 打开。",
            )
        if scheme:
            name = scheme.group(1)
            raise ConfigError(f"Unknown warehouse URL scheme {name!r} in {url!r}.",
                              f"未知的数据仓库地址类型 {name!r}（{url!r}）。", hint_en=_USE[0], hint_zh=_USE[1])
        path = url
    if path == ":memory:":
        return path
    file = Path(path)
    if file.is_dir():
        raise ConfigError(f"The warehouse {path} is a folder, not a DuckDB file.",
                          f"数据仓库 {path} 是一个文件夹，不是 DuckDB 文件。",
                          hint_en="Give a file inside it, e.g. --db " + str(file / DEFAULT_DB) + ".",
                          hint_zh="请给出其中的文件，例如 --db " + str(file / DEFAULT_DB) + "。")
    if file.is_file() and not _held(file) and not _is_duckdb_file(file):
        raise ConfigError(f"{path} is not a DuckDB database (it was left as it is).",
                          f"{path} 不是 DuckDB 数据库（未做任何改动）。",
                          hint_en="To load a data file use junshi ingest FILE; --db names the warehouse, "
                                  "e.g. --db shop.duckdb (created when missing).",
                          hint_zh="导入数据文件请用 junshi ingest 文件；--db 指数据仓库，"
                                  "例如 --db shop.duckdb（不存在时新建）。")
    return path


_HELD: dict[str, int] = {}
"""The DuckDB files this process has open (real path -> open warehouses). DuckDB locks its file with a POSIX
(fcntl) lock, and a process loses such a lock when it closes ANY descriptor of the file: reading the header of
a file it holds would let another process open it (a served warehouse then took another writer). A held file
is a DuckDB file, so its header is never read again."""


def _held(file: Path) -> bool:
    return _HELD.get(os.path.realpath(file), 0) > 0


def _is_duckdb_file(file: Path) -> bool:
    with file.open("rb") as f:
        return f.read(12)[8:12] == _DUCKDB_MAGIC


def open_duckdb(path: str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection as Ibis's DuckDB backend opens one (``ibis.duckdb.connect``): the file by its absolute
    path, then :func:`settle`."""
    con = duckdb.connect(path if path == ":memory:" else str(Path(path).absolute()), read_only=read_only)
    settle(con)
    return con


def settle(con: duckdb.DuckDBPyConnection) -> None:
    """The settings Ibis gives each connection or cursor it wraps (``Backend._post_connect``), given at once so
    that raw SQL sees them before Ibis is loaded: time zone UTC, no Python variables read as tables."""
    con.execute("SET timezone = 'UTC'")
    con.execute("SET python_enable_replacements = 'False'")


WRITE_MEMORY = "1.5GB"
"""DuckDB's memory while a transaction writes (its cache of the file's blocks included; it spills to disk beyond).
The commit's checkpoint needs it as much as the writes: a rollup rebuild of a 104M-event shop peaked at 4.73 GiB RSS
in its commit with DuckDB's default limit (80 % of the machine's memory) back in force; with this bound up to after
the commit 3.11 GiB (2GB: 3.76 GiB), in the same 11-13 minutes."""
_UNITS = {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40,
          "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}


def _size(text: str) -> float:
    """A DuckDB memory size, as it shows one ("1.8 GiB") or as it is set ("1.5GB"), in bytes."""
    found = re.fullmatch(r"([\d.]+)\s*([A-Za-z]+)", text.strip())
    assert found is not None, text
    return float(found[1]) * _UNITS[found[2]]


def _memory_limit(con: duckdb.DuckDBPyConnection) -> str:
    """DuckDB's memory limit as it shows it ("1.8 GiB")."""
    return str(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])


@contextmanager
def memory_bound(con: duckdb.DuckDBPyConnection, limit: str = WRITE_MEMORY) -> Iterator[None]:
    """DuckDB's memory limit lowered to ``limit`` for the block; the setting comes back after. A limit already as
    low stands untouched (a caller's, or this bound around a refresh inside a transaction). The limit is the
    database's, so readers on other cursors share it meanwhile.

    DuckDB shows a limit rounded down to a tenth of its unit ("953.6 MiB" for 1 GB) and reads that back lower still
    (953.5): the default comes back by RESET, another limit half a tenth above what it showed, which shows the same."""
    old = _memory_limit(con)
    if _size(old) <= _size(limit):
        yield
        return
    con.execute("RESET memory_limit")
    number, unit = old.split()
    restore = ("RESET memory_limit" if _memory_limit(con) == old
               else f"SET memory_limit = '{float(number) + 0.05:.2f} {unit}'")
    con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        con.execute(restore)


class LazyBackend:
    """The Ibis backend of a DuckDB connection, made on first use (``ibis.duckdb.from_connection``): opening a
    warehouse needs DuckDB alone, and what answers without a query compiled by Ibis (a page shell from stored
    answers) never loads Ibis's backend and its SQL compilers (0.4-0.5 CPU s). Copies of a warehouse
    (``without_suspects``) share one, as they shared the backend itself."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._backend: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        if self._backend is None:
            with self._lock:
                if self._backend is None:
                    import ibis

                    # Ibis 12 reads schemas with a method DuckDB 2 deprecated: nothing for a user to act on (a
                    # hosted command's first table read printed it where the same command alone did not)
                    warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
                    self._backend = ibis.duckdb.from_connection(self.con)
        return self._backend


class Warehouse(Writable):
    """The DuckDB warehouse: an embedded database holding the canonical tables of one or more shops, readable
    and writable (:class:`~junshi.warehouse.base.Writable`).

    ``url`` is a DuckDB file path (``shop.duckdb``, ``duckdb:///abs/path.duckdb``, ``:memory:``).
    Tables are created on first use and the schema version is checked.
    """

    held: str | None = None
    """The real path of the DuckDB file this warehouse opened (None: in memory, a cursor, a lake)."""

    def __init__(self, url: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> None:
        self.url = resolve_db(url)
        self.read_only = read_only
        path = duckdb_path(self.url)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._ibis = LazyBackend(open_duckdb(path, read_only=read_only))
        except duckdb.IOException as exc:
            locked = "lock" in str(exc).lower()
            if locked:
                _refuse_if_served(path, exc)
            raise WarehouseError(
                f"Cannot open the warehouse {path}: {exc}",
                f"无法打开数据仓库 {path}：{exc}",
                hint_en="Another process is using it; stop it or use another --db." if locked
                else "Check that the file is readable and the disk is not full, or use another --db.",
                hint_zh="有其他进程正在使用它；请先停止该进程或换用其他 --db。" if locked
                else "请检查文件可读、磁盘未满，或换用其他 --db。",
            ) from exc
        self.engine = "duckdb"
        self.held = None if path == ":memory:" else os.path.realpath(path)
        if self.held is not None:
            _HELD[self.held] = _HELD.get(self.held, 0) + 1
        if not read_only:
            ensure_schema(self.con)

    @property
    def backend(self) -> Any:
        """The Ibis backend on :attr:`con` (made on first use: :class:`LazyBackend`)."""
        return self._ibis.get()

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The raw DuckDB connection (for loading data; queries go through Ibis)."""
        return self._ibis.con

    def has_table(self, name: str) -> bool:
        rows = self.con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name])
        return bool(rows.fetchall()[0][0])

    def cursor(self) -> Warehouse:
        """This warehouse on a new cursor of its DuckDB connection, for another thread: the same database,
        its own transactions and snapshot."""
        other = object.__new__(Warehouse)
        other.url, other.read_only, other.engine = self.url, self.read_only, self.engine
        other.clean, other.suspect_ids = self.clean, self.suspect_ids
        other.held = None  # the file stays held by this warehouse
        cursor = self.con.cursor()
        settle(cursor)
        other._ibis = LazyBackend(cursor)
        return other

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All writes inside happen together or not at all (also on Ctrl-C or a crash), in at most
        :data:`WRITE_MEMORY` of DuckDB's memory up to the commit's checkpoint."""
        from junshi.rollup import bitmaps

        con = self.con
        bitmaps.register(con)  # before the transaction, which may roll back (see register)
        with memory_bound(con):
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def upsert(self, con: duckdb.DuckDBPyConnection, table: str, source: str) -> int:
        """Write the rows of ``source`` (a relation name on ``con``) into a canonical table.

        Rows whose key is already present are replaced, so loading the same data twice does not
        duplicate it. Call inside :meth:`transaction`. Returns the number of rows written.
        """
        spec = TABLES[table]
        cols = ", ".join(f'"{c}"' for c in spec.column_names)
        match = " AND ".join(f't."{k}" IS NOT DISTINCT FROM s."{k}"' for k in spec.key)
        keys = ", ".join(f'"{k}"' for k in spec.key)
        con.execute(f'DELETE FROM "{table}" t USING (SELECT DISTINCT {keys} FROM {source}) s WHERE {match}')
        con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM {source}')
        rows = con.execute(f"SELECT count(*) FROM {source}").fetchall()  # not fetchone: see shop_settings
        return int(rows[0][0]) if rows else 0

    def ensure_shop(self, shop_id: str, *, name: str | None = None, platform: str | None = None,
                    currency: str = "CNY", timezone: str = "Asia/Shanghai") -> None:
        """Register a shop if it is not there yet (an existing shop keeps its settings)."""
        self.con.execute(
            "INSERT INTO shops SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM shops WHERE shop_id = ?)",
            [shop_id, name or shop_id, platform, currency, timezone, shop_id],
        )

    def shop_settings(self, shop_id: str) -> dict[str, str | None]:
        """name, platform, currency and timezone of a shop (defaults when it is not registered)."""
        rows = self.con.execute(
            "SELECT name, platform, currency, timezone FROM shops WHERE shop_id = ?", [shop_id]
        ).fetchall()  # not fetchone: DuckDB 2 blocks the connection while a result is unfinished
        return dict(zip(SETTINGS, rows[0], strict=True)) if rows else default_settings(shop_id)

    def close(self) -> None:
        """Close the connection (a cursor closes only itself)."""
        self.con.close()
        if self.held is not None and _HELD.get(self.held, 0) > 0:
            _HELD[self.held] -= 1
        self.held = None
