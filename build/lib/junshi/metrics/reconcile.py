"""Where two grains disagree: the days on which orders' sales and the platform's daily report differ.

Orders win in every figure (raw rows answer first); this check makes a disagreement visible instead of
hiding it (a data-quality alert: missing or extra orders, a report of another scope, refunds counted
differently).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from junshi.metrics.compiler import source_aggregate
from junshi.metrics.facts import Ctx
from junshi.metrics.query import DateLike, build_query
from junshi.warehouse import BaseWarehouse

CENT = 0.01


@dataclass(frozen=True)
class SalesMismatch:
    """One day: sales from the orders (支付金额 of the paid orders) and from daily_shop (the report)."""

    day: dt.date
    orders: float
    reported: float

    @property
    def difference(self) -> float:
        return round(self.orders - self.reported, 2)


def sales_mismatches(warehouse: BaseWarehouse, shop_id: str, start: DateLike = None, end: DateLike = None,
                     tolerance: float = CENT) -> list[SalesMismatch]:
    """The days (within the orders' first and last paid day) where the two differ by more than ``tolerance``."""
    q = build_query("sales", "day", start, end, None)
    if not (warehouse.row_count("orders", shop_id) and warehouse.row_count("daily_shop", shop_id)):
        return []
    ctx = Ctx(lambda name: warehouse.table(name, shop_id))
    orders = source_aggregate(ctx, q, "sales", "orders_paid").rename(orders="sales")
    report = source_aggregate(ctx, q, "sales", "daily_shop").rename(reported="sales")
    first_last = orders.aggregate(lo=orders.day.min(), hi=orders.day.max()).to_pyarrow().to_pylist()[0]
    if first_last["lo"] is None:
        return []
    both = report.left_join(orders, "day").select("day", "orders", "reported")
    both = both.filter(both.day.between(first_last["lo"], first_last["hi"]), both.reported.notnull())
    rows = both.order_by("day").to_pyarrow().to_pylist()
    found = [SalesMismatch(r["day"], float(r["orders"] or 0), float(r["reported"])) for r in rows]
    return [m for m in found if abs(m.difference) > tolerance]
