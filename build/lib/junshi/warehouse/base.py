"""What a warehouse engine can do, as capabilities (as Ibis does with its ``Can...`` backend classes).

:class:`BaseWarehouse` is what every engine can do: read the canonical tables as Ibis tables, run Ibis
expressions, give a shop's settings, hand out a warehouse for another thread. :class:`Writable` is what an
engine that can be written to adds: transactions, upserts, loads (its raw connection) and registering shops.
DuckDB (:class:`junshi.warehouse.Warehouse`) has both; Spark only the first. Code that writes takes a
``Writable`` (mypy checks it); code holding a ``BaseWarehouse`` asks :func:`writable` for it.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Self

import duckdb

from junshi.errors import ConfigError, WarehouseError
from junshi.schema import TABLES

if TYPE_CHECKING:
    import ibis  # annotations only: opening a warehouse does not import Ibis (its first query does)

SETTINGS = ("name", "platform", "currency", "timezone")


def default_settings(shop_id: str) -> dict[str, str | None]:
    """The settings of a shop that is not registered."""
    return {"name": shop_id, "platform": None, "currency": "CNY", "timezone": "Asia/Shanghai"}


class BaseWarehouse(ABC):
    """Read access to the canonical tables of one or more shops through an Ibis backend."""

    url: str
    engine: str
    read_only: bool
    backend: Any
    clean = False  # read without the suspect orders (see without_suspects)
    suspect_ids: tuple[str, ...] | None = None  # ... these orders rather than the saved suspects

    def table(self, name: str, shop_id: str | None = None) -> ibis.Table:
        """A canonical table as an Ibis table, limited to one shop when ``shop_id`` is given."""
        if name not in TABLES:
            raise ConfigError(
                f"Unknown table {name!r}.",
                f"未知数据表 {name!r}。",
                hint_en="Known tables: " + ", ".join(TABLES),
                hint_zh="已知数据表：" + "、".join(TABLES),
            )
        t = self.backend_table(name)
        t = t.filter(t.shop_id == shop_id) if shop_id is not None else t
        if self.clean:
            from junshi.risk.store import without_suspects

            t = without_suspects(self, name, t, shop_id)
        return t

    def backend_table(self, name: str) -> ibis.Table:
        """The engine's table ``name`` (all shops), its schema asked of the engine once per warehouse object."""
        tables: dict[str, ibis.Table] = self.__dict__.setdefault("_backend_tables", {})
        if name not in tables:
            tables[name] = self.backend.table(name)
        return tables[name]

    def without_suspects(self, order_ids: Sequence[str] | None = None) -> Self:
        """This warehouse (same connection) read without the suspect orders saved by ``junshi risk orders``, or
        without ``order_ids`` (clean figures; see :mod:`junshi.risk.store`)."""
        other = copy.copy(self)
        other.clean = True
        other.suspect_ids = None if order_ids is None else tuple(order_ids)
        return other

    def row_count(self, name: str, shop_id: str | None = None) -> int:
        """Number of rows of a canonical table (of one shop)."""
        return int(self.table(name, shop_id).count().execute())

    def execute(self, expr: ibis.Expr) -> Any:
        """Run an Ibis expression on this engine (a table gives a DataFrame, a scalar a value)."""
        return self.backend.execute(expr)

    @abstractmethod
    def has_table(self, name: str) -> bool:
        """Whether the engine holds a table (or view) ``name``, canonical or not."""

    @abstractmethod
    def shop_settings(self, shop_id: str) -> dict[str, str | None]:
        """name, platform, currency and timezone of a shop (defaults when it is not registered)."""

    @abstractmethod
    def cursor(self) -> BaseWarehouse:
        """A warehouse for another thread on the same data (DuckDB: a new cursor on the one database, so
        readers run in parallel and each sees a consistent snapshot)."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""


class Writable(BaseWarehouse):
    """The capability of an engine that can be written to: transactions, upserts, loads, registering shops."""

    @property
    @abstractmethod
    def con(self) -> duckdb.DuckDBPyConnection:
        """The raw connection loads write through (queries go through Ibis)."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """All writes inside happen together or not at all (also on Ctrl-C or a crash)."""

    @abstractmethod
    def upsert(self, con: duckdb.DuckDBPyConnection, table: str, source: str) -> int:
        """Write the rows of ``source`` into a canonical table, replacing rows of the same key; the rows written."""

    @abstractmethod
    def ensure_shop(self, shop_id: str, *, name: str | None = None, platform: str | None = None,
                    currency: str = "CNY", timezone: str = "Asia/Shanghai") -> None:
        """Register a shop if it is not there yet (an existing shop keeps its settings)."""

    @abstractmethod
    def cursor(self) -> Writable:
        """A writable warehouse for another thread on the same database."""


def writable(warehouse: BaseWarehouse) -> Writable:
    """The warehouse as a :class:`Writable`, or a WarehouseError naming the engine that cannot be written to."""
    if isinstance(warehouse, Writable) and not warehouse.read_only:
        return warehouse
    how = "read-only" if isinstance(warehouse, Writable) else f"a {warehouse.engine} warehouse, read through Ibis"
    how_zh = "只读打开" if isinstance(warehouse, Writable) else f"{warehouse.engine} 数据仓库（只能通过 Ibis 读取）"
    raise WarehouseError(
        f"Cannot write to {warehouse.url}: it is {how}.",
        f"无法写入 {warehouse.url}：它是{how_zh}。",
        hint_en="Load data into a DuckDB warehouse (--db shop.duckdb) opened for writing.",
        hint_zh="请把数据导入以可写方式打开的 DuckDB 数据仓库（--db shop.duckdb）。",
    )

