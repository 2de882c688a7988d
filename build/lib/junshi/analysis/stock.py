"""Stock on hand and days of cover (可售天数) of products."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from junshi.shop import Shop


def stock_on(shop: Shop, day: dt.date) -> dict[str, int]:
    """product_id -> units on hand on ``day``: the product's ``inventory`` row of that day, else ``products.stock``
    (products with neither left out). Their SQL compiled once and kept beside the warehouse
    (:func:`junshi.metrics.query.fetch`)."""
    from junshi.metrics.query import fetch

    def on_day(_first: dt.date | None, last: dt.date | None, _filters: object) -> Any:
        inventory = shop.table("inventory")
        return inventory.filter(inventory.date == last).select("product_id", "stock")

    out: dict[str, int] = {}
    catalogue = fetch(shop.warehouse, ("stock", shop.shop_id), lambda *_: shop.table("products").select(
        "product_id", "stock"))
    for rows in (catalogue, fetch(shop.warehouse, ("stock on", shop.shop_id), on_day, end=day)):
        out |= {str(k): int(v) for k, v in zip(rows.column("product_id").to_pylist(), rows.column("stock").to_pylist(),
                                               strict=True) if v is not None and v == v}
    return out


def days_of_cover(stock: int | None, units: float | None, days: int) -> float | None:
    """Days the stock lasts at the average units sold per day of a period of ``days`` days, to one decimal (None
    without stock or sales)."""
    if stock is None or not units:
        return None
    return round(float(stock) / (units / days), 1)
