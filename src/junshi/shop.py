"""The Python API: one shop in one warehouse. Every face (CLI, JSON API, dashboard) calls these methods."""

from __future__ import annotations

import os

import ibis

from junshi.warehouse import Warehouse


class Shop:
    """A shop's data and every analysis of it.

    >>> shop = junshi.connect("shop.duckdb")          # doctest: +SKIP
    >>> shop.table("orders").count().execute()         # doctest: +SKIP
    """

    def __init__(self, warehouse: Warehouse, shop_id: str = "default") -> None:
        self.warehouse = warehouse
        self.shop_id = shop_id

    def table(self, name: str) -> ibis.Table:
        """A canonical table of this shop as an Ibis table."""
        return self.warehouse.table(name, self.shop_id)

    @property
    def settings(self) -> dict[str, str | None]:
        """name, platform, currency and timezone of this shop."""
        return self.warehouse.shop_settings(self.shop_id)

    def close(self) -> None:
        self.warehouse.close()

    def __enter__(self) -> Shop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(db: str | os.PathLike[str] | None = None, shop: str = "default") -> Shop:
    """Open a warehouse (DuckDB file path or URL; default ``JUNSHI_DB`` or ./junshi.duckdb) at one shop."""
    return Shop(Warehouse(db), shop)
