"""Stock on hand and days of cover (可售天数) of products."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from junshi.shop import Shop


def stock_on(shop: Shop, day: dt.date) -> dict[str, int]:
    """product_id -> units on hand on ``day``: the product's ``inventory`` row of that day, else ``products.stock``
    (products with neither left out)."""
    out: dict[str, int] = {}
    products = shop.table("products")
    inventory = shop.table("inventory")
    for t in (products, inventory.filter(inventory.date == day)):
        frame = t.select("product_id", "stock").execute()
        out |= {str(k): int(v) for k, v in zip(frame["product_id"], frame["stock"], strict=True)
                if v is not None and v == v}
    return out


def days_of_cover(stock: int | None, units: float | None, days: int) -> float | None:
    """Days the stock lasts at the average units sold per day of a period of ``days`` days, to one decimal (None
    without stock or sales)."""
    if stock is None or not units:
        return None
    return round(float(stock) / (units / days), 1)
