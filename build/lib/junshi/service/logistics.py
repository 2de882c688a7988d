"""Logistics (物流): hours to ship, days to deliver, share delivered late against the promised day, by
carrier, region and product; overdue orders (a worklist); the rating of on-time against late orders.

Late = delivered on a shop-local day after the promised day (``orders.promised_at``; timestamps are
stored in shop-local time). Computed in Ibis (the warehouse does the work); only the small grouped
results reach pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from junshi.errors import MissingDataError
from junshi.metrics.registry import late_delivery

if TYPE_CHECKING:
    from junshi.shop import Shop

OVERDUE_LIMIT = 200


@dataclass
class Logistics:
    """The logistics report; ``as_dict`` is the JSON contract of ``junshi service logistics``."""

    delivered_orders: int
    promised_orders: int
    late_orders: int
    late_share: float | None
    hours_to_ship: float | None
    days_to_deliver: float | None
    rating_on_time: float | None
    rating_late: float | None
    as_of: date
    by_carrier: list[dict[str, Any]] = field(default_factory=list)
    by_region: list[dict[str, Any]] = field(default_factory=list)
    by_product: list[dict[str, Any]] = field(default_factory=list)
    overdue: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["as_of"] = self.as_of.isoformat()
        return out


def _num(value: Any, digits: int = 4) -> float | None:
    return None if value is None or value != value else round(float(value), digits)


def _int(value: Any) -> int:
    return 0 if value is None or value != value else int(value)


def _delivered(shop: Shop, start: date | None, end: date | None) -> Any:
    o = shop.table("orders")
    o = o.filter(o.delivered_at.notnull())
    if start is not None:
        o = o.filter(o.delivered_at.date() >= start)
    if end is not None:
        o = o.filter(o.delivered_at.date() <= end)
    return o.mutate(
        _late=ibis.ifelse(o.promised_at.notnull(), late_delivery(o), ibis.null("float64")),
        _ship_h=(o.shipped_at.epoch_seconds() - o.paid_at.epoch_seconds()) / 3600.0,
        _deliver_d=(o.delivered_at.epoch_seconds() - o.shipped_at.epoch_seconds()) / 86400.0,
    )


def _measures(t: Any) -> dict[str, Any]:
    return {  # a row is one order (orders are unique by key; a product's rows are its distinct order lines)
        "delivered_orders": t.order_id.count(),
        "late_orders": t._late.sum(),
        "late_share": t._late.mean(),
        "hours_to_ship": t._ship_h.mean(),
        "days_to_deliver": t._deliver_d.mean(),
    }


def _rows(t: Any, key: str, name: str, limit: int | None = 50) -> Any:
    """Grouped measures, the most late orders first (then the most orders)."""
    g = t.filter(t[key].notnull()).group_by(t[key].cast("string").name(name)).aggregate(**_measures(t))
    g = g.order_by([ibis.desc("late_orders"), ibis.desc("delivered_orders"), name])
    return g.limit(limit) if limit else g


def _listed(f: pd.DataFrame, name: str) -> list[dict[str, Any]]:
    return [
        {name: str(r[name]), "delivered_orders": int(r["delivered_orders"]),
         "late_orders": _int(r["late_orders"]), "late_share": _num(r["late_share"]),
         "hours_to_ship": _num(r["hours_to_ship"], 2), "days_to_deliver": _num(r["days_to_deliver"], 2)}
        for r in f.to_dict("records")
    ]


BREAKDOWNS = ("carrier", "region", "product_id")


def _queries(shop: Shop, start: date | None, end: date | None, day: date, breakdowns: tuple[str, ...],
             ratings: bool) -> dict[str, Any]:
    """The report's queries: the shop's orders (``orders``), the totals, the mean rating of on-time and late
    orders (when ``ratings``), the ``breakdowns`` and the orders overdue on ``day``."""
    o = shop.table("orders")
    d = _delivered(shop, start, end)
    out = {"orders": o.aggregate(n=o.count()),
           "total": d.aggregate(**_measures(d), promised_orders=d._late.count())}
    if ratings:
        reviews = shop.table("reviews")
        rated = reviews.filter(reviews.rating.notnull() & reviews.order_id.notnull())
        j = rated.join(d.filter(d._late.notnull()).select("order_id", "_late"), "order_id")
        out["by_late"] = j.group_by("_late").aggregate(rating=j.rating.mean())
    for key in breakdowns:
        lines = shop.table("order_items").select("order_id", "product_id").distinct()
        out[key] = _rows(lines.join(d, "order_id") if key == "product_id" else d, key, key)

    def after(col: Any) -> Any:  # not yet on ``day``
        return col.isnull() | (col.date() > day)

    od = o.filter(o.paid_at.notnull() & (o.paid_at.date() <= day) & after(o.cancelled_at) & after(o.delivered_at)
                  & o.promised_at.notnull() & (o.promised_at.date() < day))
    od = od.mutate(days_overdue=(ibis.literal(day).delta(od.promised_at.date(), unit="day")),
                   shipped=~after(od.shipped_at))
    out["overdue"] = od.order_by([ibis.desc("days_overdue"), "order_id"]).limit(OVERDUE_LIMIT).select(
        "order_id", "paid_at", "promised_at", "shipped_at", "carrier", "region", "days_overdue", "shipped")
    return out


def logistics(shop: Shop, start: date | None = None, end: date | None = None,
              as_of: date | None = None, breakdowns: tuple[str, ...] = BREAKDOWNS, ratings: bool = True) -> Logistics:
    """Logistics of the orders delivered from ``start`` to ``end`` (default: all) by each of ``breakdowns``
    (carrier, region, product_id), and the orders overdue on ``as_of`` (default: the last day with an order):
    paid by then, neither cancelled nor delivered by then, promised day passed (a past day's list is what it was
    that day); the mean rating of on-time and late orders when ``ratings`` (else None)."""
    from junshi.metrics.query import run_dated

    if as_of is None:
        last = shop.table("orders").created_at.max().execute()
        if last is None:
            raise _no_orders()
    day = as_of or last.date()

    def at(first: date | None, final: date | None) -> date:  # ``day`` among the days the queries are made for
        if end is not None and final is not None:
            return final + (day - end)
        return first + (day - start) if start is not None and first is not None else day

    def queries(first: date | None, final: date | None) -> dict[str, Any]:
        return _queries(shop, first, final, at(first, final), breakdowns, ratings)

    name = "logistics:" + ",".join(breakdowns) + (":ratings" if ratings else "")
    got = run_dated(shop.warehouse, shop.shop_id, name, queries, start, end)
    if not got["orders"]["n"].iloc[0]:
        raise _no_orders()
    total = got["total"].iloc[0]
    by_late = {float(r["_late"]): r["rating"] for r in got["by_late"].to_dict("records")} if ratings else {}
    overdue = [
        {"order_id": r["order_id"], "paid_at": r["paid_at"].isoformat(sep=" "),
         "promised_at": r["promised_at"].date().isoformat(),
         "shipped_at": r["shipped_at"].isoformat(sep=" ") if r["shipped"] else None,
         "carrier": r["carrier"], "region": r["region"], "days_overdue": int(r["days_overdue"]),
         "stage": "in_transit" if r["shipped"] else "not_shipped"}
        for r in got["overdue"].to_dict("records")
    ]
    return Logistics(
        delivered_orders=int(total["delivered_orders"]),
        promised_orders=int(total["promised_orders"]),
        late_orders=_int(total["late_orders"]),
        late_share=_num(total["late_share"]),
        hours_to_ship=_num(total["hours_to_ship"], 2),
        days_to_deliver=_num(total["days_to_deliver"], 2),
        rating_on_time=_num(by_late.get(0.0), 3),
        rating_late=_num(by_late.get(1.0), 3),
        as_of=day,
        by_carrier=_listed(got["carrier"], "carrier") if "carrier" in got else [],
        by_region=_listed(got["region"], "region") if "region" in got else [],
        by_product=_listed(got["product_id"], "product_id") if "product_id" in got else [],
        overdue=overdue,
    )


def _no_orders() -> MissingDataError:
    return MissingDataError(
        "This shop has no orders.", "本店没有订单。",
        hint_en="Load orders first (junshi ingest).", hint_zh="请先导入订单（junshi ingest）。",
    )
