"""A tiny hand-made shop for the report and schedule tests: visits and paid orders written straight into a real
DuckDB warehouse."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd

from junshi import Shop


def insert(shop: Shop, table: str, rows: list[dict[str, object]]) -> None:
    con = shop.warehouse.con
    con.register("rows_df", pd.DataFrame(rows))
    cols = ", ".join(rows[0])
    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM rows_df")
    con.unregister("rows_df")


def add_day(shop: Shop, day: dt.date, visitors: int, buyers: int, price: int, hour: int = 9) -> None:
    """``visitors`` visits from 搜索; the first ``buyers`` pay one order of product P1 at ``price``."""
    t = dt.datetime.combine(day, dt.time(hour))
    ids = [f"{day}-{i}" for i in range(visitors)]
    insert(shop, "sessions", [{"shop_id": "default", "session_id": v, "visitor_id": v, "started_at": t,
                                "source": "搜索", "device": "mobile"} for v in ids])
    insert(shop, "orders", [{"shop_id": "default", "order_id": v, "customer_id": v, "visitor_id": v, "session_id": v,
                              "created_at": t, "paid_at": t, "source": "搜索", "device": "mobile",
                              "pay_amount": Decimal(price), "item_amount": Decimal(price)} for v in ids[:buyers]])
    insert(shop, "order_items", [{"shop_id": "default", "order_id": v, "line_no": 1, "product_id": "P1",
                                   "quantity": 1, "unit_price": Decimal(price), "amount": Decimal(price)}
                                  for v in ids[:buyers]])
