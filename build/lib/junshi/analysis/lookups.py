"""Record look-ups the faces show beside figures: the days a shop has orders, product names, quarantined rows."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from junshi.jsonable import jsonable
from junshi.periods import as_day

if TYPE_CHECKING:
    from junshi.shop import Shop


def _day(value: Any) -> dt.date | None:
    if value is None or value != value:  # None or NaT
        return None
    return as_day(value)


def order_days(shop: Shop) -> tuple[dt.date | None, dt.date | None]:
    """The first and last shop-local day with an order (None, None without orders)."""
    orders = shop.table("orders")
    row = orders.aggregate(first=orders.created_at.min(), last=orders.created_at.max()).execute().iloc[0]
    return _day(row["first"]), _day(row["last"])


def product_names(shop: Shop) -> dict[str, str]:
    """product_id -> name of the shop's catalogue (products without a name left out); its SQL compiled once and kept
    beside the warehouse (:func:`junshi.metrics.query.fetch`)."""
    from junshi.metrics.query import fetch

    rows = fetch(shop.warehouse, ("product names", shop.shop_id),
                 lambda *_: shop.table("products").select("product_id", "name"))
    ids, names = rows.column("product_id").to_pylist(), rows.column("name").to_pylist()
    return {str(k): str(v) for k, v in zip(ids, names, strict=True) if v is not None}


def product_label(name: object, pid: str) -> str:
    """How the faces show a product: "name (id)", or the id alone when the catalogue has no name for it."""
    return f"{name} ({pid})" if isinstance(name, str) and name else pid


def quarantined(shop: Shop, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """(rows in quarantine, ``limit`` of them from ``offset`` by file and line: table, source_file, source_line,
    reason, raw)."""
    q = shop.table("quarantine")
    total = int(q.count().execute())
    frame = (
        q.select("source_file", "source_line", "reason", "raw", table="table_name")
        .order_by(["source_file", "source_line"])
        .limit(limit, offset=offset)
        .execute()
    )
    return total, [{k: jsonable(v) for k, v in r.items()} for r in frame.to_dict(orient="records")]
