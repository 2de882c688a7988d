"""商品 Products: the product table with stock and days of cover, movers up and down."""

from __future__ import annotations

from pydantic import Field

from junshi import Shop
from junshi.analysis.lookups import product_label, product_names
from junshi.analysis.stock import days_of_cover, stock_on
from junshi.api.models import Model, Row
from junshi.api.pages import PageApi, period_endpoint
from junshi.i18n import Lang, Text
from junshi.jsonable import num
from junshi.periods import Period

NO_STOCK = Text("Stock and days of cover need stock on hand (the inventory table, or products.stock); this shop "
               "has none.", "库存和可售天数需要库存数据（inventory 表或 products.stock），本店没有。")
PRODUCT_METRICS = ("uv", "add_to_cart_rate", "payment_conversion_rate", "sales", "units", "gross_margin")
MOVERS = 10


class Mover(Model):
    product: str
    name: str
    change: float | int | None


class ProductsResponse(Model):
    start: str
    end: str
    previous_start: str
    previous_end: str
    metrics: list[str]
    rows: list[Row]
    movers_up: list[Mover]
    movers_down: list[Mover]
    notes: list[str] = Field(description="Why a column is empty or a figure is partial (the metric layer's notes: "
                                         "no visit data for visitors and conversion, no cost for the margin ...).")


def products(shop: Shop, period: Period, lang: Lang) -> ProductsResponse:
    """Products over the period with stock and days of cover, movers up and down against the same number
    of days just before.

    Stock is on hand on the period's last day, days of cover at the period's average units per day
    (:mod:`junshi.analysis.stock`).
    """
    start, end, days = period.start, period.end, period.days
    result = shop.kpi(metrics=list(PRODUCT_METRICS), by=["product"], start=start, end=end, compare="previous")
    names = product_names(shop)
    stock = stock_on(shop, end)
    rows: list[Row] = []
    movers: list[Mover] = []
    for r in result.records():
        pid = str(r["product"])
        units, on_hand = r.get("units") or 0, stock.get(pid)
        name = product_label(names.get(pid), pid)
        rows.append({
            "product": pid, "name": name, **{m: r.get(m) for m in PRODUCT_METRICS},
            "stock": on_hand, "days_of_cover": days_of_cover(on_hand, units, days),
        })
        if r.get("sales_change"):
            movers.append(Mover(product=pid, name=name, change=num(r["sales_change"])))
    rows.sort(key=lambda r: -float(r.get("sales") or 0))
    movers.sort(key=lambda m: m.change or 0)
    return ProductsResponse(
        start=start.isoformat(), end=end.isoformat(),
        previous_start=str(result.previous_start), previous_end=str(result.previous_end),
        metrics=list(PRODUCT_METRICS), rows=rows,
        movers_up=[m for m in reversed(movers[-MOVERS:]) if (m.change or 0) > 0],
        movers_down=[m for m in movers[:MOVERS] if (m.change or 0) < 0],
        notes=list(dict.fromkeys([n.text(lang) for n in result.notes] + ([] if stock else [NO_STOCK(lang)]))),
    )


API = PageApi(endpoint=period_endpoint("products", products), response=ProductsResponse)
