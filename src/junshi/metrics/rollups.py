"""The metric layer's side of the rollups: which base metrics they answer, and when.

A rollup answers a metric instead of its raw fact when the query splits and filters only by the
rollup's cell dimensions (source, device, region; or product, category, brand, product name) and by day,
week, month or weekday (not hour), and the metric is not a rolling score. Distinct counts are the size of
the union of the cells' id sets (``junshi_union_count``), so they are exact over any days and cells; sums add
up. ``--explain`` names the rollup table when one answers.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.datatypes as dt

from junshi.metrics.facts import DAILY_TIMES, PRODUCT, PRODUCT_DIMS, Ctx, Fact
from junshi.metrics.model import Metric, Source, col
from junshi.rollup.bitmaps import UNION_COUNT
from junshi.rollup.tables import CELL_DIMS, PAID, PRODUCTS, VISITS


def _rollup(table: str) -> Any:
    def build(ctx: Ctx) -> Any:
        t = ctx.table(table)
        return t.mutate(_t=t.date.cast("timestamp"))

    return build


ROLLUP_FACTS: dict[str, Fact] = {
    **{t.name: Fact(t.name, t.name, "day (rollup)", "日期（汇总）", _rollup(t.name), times=DAILY_TIMES)
       for t in (VISITS, PAID)},
    PRODUCTS.name: Fact(PRODUCTS.name, PRODUCTS.name, "day (rollup)", "日期（汇总）", _rollup(PRODUCTS.name),
                        {"product": "product_id"}, (PRODUCT,), times=DAILY_TIMES),
}

ANSWERS: dict[tuple[str, str], Source] = {
    ("uv", "visit_days"): Source(VISITS.name, "union", col("uv_set")),
    ("pv", "events"): Source(VISITS.name, "sum", col("pv")),
    ("paid_buyers", "orders_paid"): Source(PAID.name, "union", col("paid_buyers_set")),
    ("paid_orders", "orders_paid"): Source(PAID.name, "sum", col("paid_orders")),
    ("sales", "orders_paid"): Source(PAID.name, "sum", col("sales")),
}
"""(metric, raw fact it would be read from) -> the rollup source answering it instead, by source, device, region."""

PRODUCT_ANSWERS: dict[tuple[str, str, bool], Source] = {
    ("uv", "events", True): Source(PRODUCTS.name, "union", col("uv_set")),
    ("cart_visitors", "events", False): Source(PRODUCTS.name, "union", col("cart_visitors_set")),
    ("paid_buyers", "lines_paid", True): Source(PRODUCTS.name, "union", col("paid_buyers_set")),
    ("paid_orders", "lines_paid", True): Source(PRODUCTS.name, "sum", col("paid_orders")),
    ("sales", "lines_paid", True): Source(PRODUCTS.name, "sum", col("sales")),
    ("units", "lines_paid", False): Source(PRODUCTS.name, "sum", col("units")),
}
"""(metric, raw fact, whether the raw source is the product-level one) -> the product rollup's source, by product,
category, brand or product name."""
ONE_ORDER = frozenset({"category", "brand", "product_name"})
"""Splits where one order's lines of two products fall in one cell (paid orders there are not a sum of products)."""

ROLLUP_RULES = (
    "Junshi keeps exact daily aggregates of the raw rows (rollup_visits: visitors and page views by page-view "
    "day; rollup_paid: paid orders, sales and paying buyers by payment day; per shop x day x source x device x "
    "region; rollup_products: per day and product its viewers and add-to-cart visitors by event day and its paid "
    "order lines by payment day) with the exact sets of visitors and buyers as Roaring bitmaps, so that a distinct "
    "count over several days or cells is the size of the union of their sets: the same figure as from the raw "
    "rows, never sampled or estimated. uv, pv, paid_buyers, paid_orders and sales (and the ratios made of them) are "
    "read from them when a query splits and filters only by source, device, region, day, week, month or weekday; "
    "split by product, category, brand or product name, uv, cart_visitors, paid_buyers, paid_orders (by product "
    "only), sales and units; otherwise from the raw rows (`--explain` says which: rollup, daily report or raw "
    "rows). Every load refreshes them in its transaction, for the days whose raw rows changed (reading only the "
    "days its rows were and are on, so a day's load does not read the whole history); `junshi rollup --rebuild` "
    "recomputes them (after changing the warehouse by other means). A visit is taken to span at most one "
    "midnight and to start at most a day before its first page view."
)


@ibis.udf.scalar.builtin(name=UNION_COUNT)  # type: ignore[untyped-decorator]  # Ibis's decorator is untyped
def union_count(sets: dt.Array[dt.Binary]) -> dt.Int64:
    """The number of distinct ids in the union of serialized Roaring bitmaps (``junshi.rollup.bitmaps``)."""


def rollup_source(metric: Metric, src: Source, names: set[str]) -> Source | None:
    """The rollup source answering ``metric`` (read from ``src``) for a query by/filtered by ``names``."""
    if metric.rolling_days:
        return None
    answer = ANSWERS.get((metric.id, src.fact))
    if answer is not None and names <= {*CELL_DIMS, *DAILY_TIMES}:
        return answer
    answer = PRODUCT_ANSWERS.get((metric.id, src.fact, bool(src.when)))
    if answer is None or not names <= {*PRODUCT_DIMS, *DAILY_TIMES}:
        return None
    if metric.id == "paid_orders" and names & ONE_ORDER:
        return None
    return answer
