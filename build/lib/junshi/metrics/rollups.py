"""The metric layer's side of the rollups: which base metrics they answer, and when.

A rollup answers a metric instead of its raw fact when the query splits and filters only by the
rollup's cell dimensions (source, device, region, and for paid orders new / returning buyer; product,
category, brand, product name; or landing page) and by day, week, month or weekday (not hour), the metric is not
a rolling score, and its fact reads no table read without the suspect orders (rollups hold every order).
Distinct counts are the size of the union of the cells' id sets (``junshi_union_count``), so they are exact over
any days and cells; sums add up. ``--explain`` names the rollup table when one answers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import ibis
import ibis.expr.datatypes as dt

from junshi.metrics.facts import DAILY_TIMES, FACTS, PRODUCT, PRODUCT_DIMS, Ctx, Fact
from junshi.metrics.model import Metric, Source, col
from junshi.rollup.bitmaps import REPEAT_COUNT, UNION_COUNT
from junshi.rollup.tables import (
    BUYER_DIMS,
    CATEGORIES,
    CELL_DIMS,
    LANDING,
    MARGINS,
    PAID,
    PRODUCT_CELLS,
    PRODUCT_MARGINS,
    PRODUCTS,
    VISITS,
)


def _rollup(table: str) -> Any:
    def build(ctx: Ctx) -> Any:
        t = ctx.table(table)
        return t.mutate(_t=t.date.cast("timestamp"))

    return build


ROLLUP_FACTS: dict[str, Fact] = {
    **{t.name: Fact(t.name, t.name, "day (rollup)", "日期（汇总）", _rollup(t.name), times=DAILY_TIMES)
       for t in (VISITS, PAID, LANDING, MARGINS, CATEGORIES)},
    **{t.name: Fact(t.name, t.name, "day (rollup)", "日期（汇总）", _rollup(t.name), {"product": "product_id"},
                    (PRODUCT,), times=DAILY_TIMES) for t in (PRODUCTS, PRODUCT_CELLS, PRODUCT_MARGINS)},
}


def _buyer_type(kind: str) -> Any:
    def where(t: Any) -> Any:
        return t.customer_type == kind

    return where


ANSWERS: dict[tuple[str, str], Source] = {
    ("uv", "visit_days"): Source(VISITS.name, "union", col("uv_set")),
    ("pv", "events"): Source(VISITS.name, "sum", col("pv")),
    ("paid_buyers", "orders_paid"): Source(PAID.name, "union", col("paid_buyers_set")),
    ("paid_orders", "orders_paid"): Source(PAID.name, "sum", col("paid_orders")),
    ("sales", "orders_paid"): Source(PAID.name, "sum", col("sales")),
    ("new_buyers", "orders_paid"): Source(PAID.name, "union", col("paid_buyers_set"), _buyer_type("new")),
    ("returning_buyers", "orders_paid"): Source(PAID.name, "union", col("paid_buyers_set"), _buyer_type("returning")),
}
"""(metric, raw fact it would be read from) -> the rollup source answering it instead, by the rollup's cell."""
LANDING_ANSWERS: dict[tuple[str, str], Source] = {
    ("uv", "visit_days"): Source(LANDING.name, "union", col("uv_set")),
    ("visits", "sessions"): Source(LANDING.name, "sum", col("visits")),
    **{(m, "visits"): Source(LANDING.name, "sum", col(m))
       for m in ("bounced_visits", "visits_with_pv", "visit_page_views")},
}
"""The same by landing page (visits, their bounces and page views by the visit's start day)."""
CELLS: dict[str, frozenset[str]] = {
    VISITS.name: frozenset(CELL_DIMS), PAID.name: frozenset((*CELL_DIMS, *BUYER_DIMS)),
    PRODUCT_CELLS.name: frozenset((*PRODUCT_DIMS, *CELL_DIMS, *BUYER_DIMS)), LANDING.name: frozenset({"landing_page"}),
}
"""The dimensions each cell rollup splits by (besides time)."""

def _cogs(t: Any) -> Any:
    """A product rollup row's cost of goods: its lines' own unit costs plus its units without one at the product's
    cost (from the products table, as the raw rows read it: exact in decimals), none when neither is known."""
    valued = t.units_without_cost * t.product_cost
    return ibis.coalesce(t.line_cost + valued, t.line_cost, valued).cast("decimal(38, 2)")


PRODUCT_ANSWERS: dict[tuple[str, str, bool], Source] = {
    ("uv", "events", True): Source(PRODUCTS.name, "union", col("uv_set")),
    ("cart_visitors", "events", False): Source(PRODUCTS.name, "union", col("cart_visitors_set")),
    ("paid_buyers", "lines_paid", True): Source(PRODUCTS.name, "union", col("paid_buyers_set")),
    ("paid_orders", "lines_paid", True): Source(PRODUCTS.name, "sum", col("paid_orders")),
    ("sales", "lines_paid", True): Source(PRODUCTS.name, "sum", col("sales")),
    ("units", "lines_paid", False): Source(PRODUCTS.name, "sum", col("units")),
    ("cogs", "lines_paid", False): Source(PRODUCTS.name, "sum", _cogs, needs=("product_cost",)),
}
"""(metric, raw fact, whether the raw source is the product-level one) -> the product rollup's source, by product,
category, brand or product name."""
def _holding(measure: str) -> Any:
    """Rows of rollup_product_cells holding ``measure``: a row is a product's viewers or its paid lines in a cell, so
    the other kind's rows would add cells of 0 the raw rows do not have (paying buyers by product, source and device
    had a row of 0 for every cell with viewers only)."""
    column = "uv" if measure == "uv" else "paid_orders"

    def where(t: Any) -> Any:
        return t[column] > 0

    return where


CELL_PRODUCT_ANSWERS: dict[tuple[str, str, bool], Source] = {
    key: replace(src, fact=PRODUCT_CELLS.name, where=_holding(key[0])) for key, src in PRODUCT_ANSWERS.items()
    if key[0] not in ("cart_visitors", "cogs")}
"""The same by product (category, brand, name) and source, device, region or new / returning buyer (paid lines),
each read from the rows holding it."""
ONE_ORDER = frozenset({"category", "brand", "product_name"})
"""Splits where one order's lines of two products fall in one cell (paid orders there are not a sum of products); so
do a filter by several products that does not split by product."""

ROLLUP_RULES = (
    "Junshi keeps exact daily aggregates of the raw rows (rollup_visits: visitors and page views by page-view "
    "day; rollup_paid: paid orders, sales and paying buyers by payment day, also split by new or returning buyer "
    "(each buyer's first paid day kept in rollup_first_paid); per shop x day x source x device x region; "
    "rollup_products: per day and product its viewers and add-to-cart visitors by event day and its paid order "
    "lines by payment day; rollup_landing: per day and landing page its visitors by page-view day and its visits "
    "by start day with their page views; rollup_margins: per day and value of one of source, device, region or "
    "customer_type, or the whole shop, the union of the visitors and buyers of the cells with that value; "
    "rollup_categories: per day and category the union of its products' viewers, add-to-cart visitors and buyers, "
    "recomputed for every day when a products load moves products between categories) with the "
    "exact sets of visitors and buyers as Roaring bitmaps, so that a "
    "distinct count over several days or cells is the size of the union of their sets: the same figure as from "
    "the raw rows, never sampled or estimated. uv, pv, paid_buyers, paid_orders and sales (and the ratios made of "
    "them) are read from them when a query splits and filters only by source, device, region, day, week, month or "
    "weekday (and the paid ones, with new_buyers and returning_buyers, also by customer_type), the distinct counts "
    "split or filtered by one of those at most from rollup_margins (split by day, a cell's stored count), and "
    "repeat_buyers (and repurchase_rate) split by time alone as the buyers in two or more of the whole shop's daily "
    "sets of rollup_margins; split by "
    "product, "
    "category, brand or product name, uv, cart_visitors, paid_buyers, paid_orders (split by product only), sales, "
    "units and cogs (the lines' own unit costs plus their units without one at the product's cost; also for the "
    "whole shop) (split by day and product, a distinct count is the row's stored count; split or filtered by category "
    "alone, the distinct counts from rollup_categories, split by day and category a row's stored count); the same "
    "but cart_visitors and cogs "
    "split by those and also by source, device, region or (paid ones) "
    "customer_type from rollup_product_cells (per day, product and cell: viewers by the visit's cell, paid lines "
    "by the order's cell and new or returning buyer), uv and paid_buyers split or filtered by product dimensions "
    "and one of those from rollup_product_margins (per day, product and value of one of them: the union of its "
    "cells' sets; split by day, product and that dimension, a row's stored count); by landing page (or by day "
    "alone), uv, visits, bounced visits, visits with a page view and their page views (bounce and second-click "
    "rates), a visit's page views read from the day before its start to the day after; not from the rollups, "
    "which hold every order, what "
    "reads orders without the suspect ones (`--clean`); otherwise from the raw rows (`--explain` says which: "
    "rollup, daily report or raw rows). Every load refreshes them in its transaction, for the days whose raw rows "
    "changed (reading only the days its rows were and are on, so a day's load does not read the whole history); "
    "`junshi rollup --rebuild` recomputes them (after changing the warehouse by other means). A visit is taken to "
    "span at most one midnight and to start at most a day before its first page view."
)


@ibis.udf.scalar.builtin(name=UNION_COUNT)  # type: ignore[untyped-decorator]  # Ibis's decorator is untyped
def union_count(sets: dt.Array[dt.Binary]) -> dt.Int64:
    """The number of distinct ids in the union of serialized Roaring bitmaps (``junshi.rollup.bitmaps``)."""


@ibis.udf.scalar.builtin(name=REPEAT_COUNT)  # type: ignore[untyped-decorator]  # Ibis's decorator is untyped
def repeat_count(sets: dt.Array[dt.Binary]) -> dt.Int64:
    """The number of ids found in two or more of the serialized Roaring bitmaps (``junshi.rollup.bitmaps``)."""


MARGIN_ANSWERS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "uv": ("uv", CELL_DIMS, None),
    "paid_buyers": ("paid_buyers", (*CELL_DIMS, *BUYER_DIMS), None),
    "new_buyers": ("paid_buyers", BUYER_DIMS, "new"),
    "returning_buyers": ("paid_buyers", BUYER_DIMS, "returning"),
}
"""Distinct counts of the visits and paid rollups the margins answer: metric -> (measure, the one dimension a
query may split or filter by besides time, the customer_type the metric counts)."""


def _whole_shop(t: Any) -> Any:
    return t.dimension.isnull() & t.paid_buyers.notnull()


def _margin(metric: str, names: set[str], by: tuple[str, ...]) -> Source | None:
    """The margins' source of a distinct count split or filtered by at most one cell dimension: split by day (and
    by that dimension, if any), a cell's stored count (one margin row per cell); else the union of one set per
    value and day. Repeat buyers split by time alone: the buyers in two or more of the whole shop's daily sets."""
    if metric == "repeat_buyers":  # the buyers in two or more of the whole shop's daily sets of a time cell
        return None if names - set(DAILY_TIMES) else Source(MARGINS.name, "repeat_sets", col("paid_buyers_set"),
                                                             _whole_shop)
    if metric not in MARGIN_ANSWERS:
        return None
    measure, dims, kind = MARGIN_ANSWERS[metric]
    split = names - set(DAILY_TIMES)
    if len(split) > 1 or not split <= set(dims):
        return None
    dim = BUYER_DIMS[0] if kind else next(iter(split), None)

    def where(t: Any) -> Any:
        row = (t.dimension.isnull() if dim is None else t.dimension == dim) & t[measure].notnull()
        return row & (t.customer_type == kind) if kind else row

    if "day" in by and split <= set(by):
        return Source(MARGINS.name, "sum", col(measure), where)
    return Source(MARGINS.name, "union", col(f"{measure}_set"), where)


def _category(metric: str, by: tuple[str, ...]) -> Source:
    """The category rollup's source of a product distinct count split or filtered by category alone: split by
    day and category, a row's stored count; else the union of one set per category and day."""
    if "day" in by and "category" in by:
        return Source(CATEGORIES.name, "sum", col(metric))
    return Source(CATEGORIES.name, "union", col(f"{metric}_set"))


def _product_margin(metric: str, names: set[str], by: tuple[str, ...]) -> Source | None:
    """The product margins' source of a product distinct count (uv, paid_buyers) split or filtered by product
    dimensions and exactly one cell dimension: split by day, product and that dimension, a row's stored count; else
    the union of one set per product, value and day. Only rows holding some of the measure are read: a row is a
    product and value with viewers or buyers (a viewer's row has no customer_type), and one without the measure is
    a cell the raw rows do not have (paying buyers by product and customer_type had an empty row per product
    viewed)."""
    split = names - set(DAILY_TIMES)
    cells = split & {*CELL_DIMS, *BUYER_DIMS}
    if metric not in ("uv", "paid_buyers") or len(cells) != 1 or not split - cells <= set(PRODUCT_DIMS):
        return None
    dim = next(iter(cells))

    def where(t: Any) -> Any:
        return (t.dimension == dim) & (t[metric] > 0)

    if "day" in by and split <= set(by) and split - cells <= {"product", "product_id"} and split - cells:
        return Source(PRODUCT_MARGINS.name, "sum", col(metric), where)
    return Source(PRODUCT_MARGINS.name, "union", col(f"{metric}_set"), where)


def rollup_source(metric: Metric, src: Source, names: set[str], cleaned: frozenset[str] = frozenset(),
                  by: tuple[str, ...] = ()) -> Source | None:
    """The rollup source answering ``metric`` (read from ``src``) for a query split by ``by`` and split or filtered
    by ``names``; none for a fact reading a table in ``cleaned`` (read without the suspect orders)."""
    if metric.rolling_days or cleaned & set(FACTS[src.fact].tables):
        return None
    if (metric.id, src.fact) == ("repeat_buyers", "orders_paid"):
        return _margin(metric.id, names, by)
    for answers in (ANSWERS, LANDING_ANSWERS):
        answer = answers.get((metric.id, src.fact))
        if answer is not None and names <= {*CELLS[answer.fact], *DAILY_TIMES}:
            return (answer.fact in (VISITS.name, PAID.name) and _margin(metric.id, names, by)) or answer
    key = (metric.id, src.fact, bool(src.when))
    answer = PRODUCT_ANSWERS.get(key) if names <= {*PRODUCT_DIMS, *DAILY_TIMES} else CELL_PRODUCT_ANSWERS.get(key)
    if answer is None or not names <= {*CELLS.get(answer.fact, PRODUCT_DIMS), *DAILY_TIMES}:
        return None
    if metric.id == "paid_orders" and (names & ONE_ORDER or (names & {"product", "product_id"}) - set(by)):
        return None
    if answer.fact == PRODUCT_CELLS.name and answer.agg == "union":
        return _product_margin(metric.id, names, by) or answer
    split = names - set(DAILY_TIMES)
    if answer.fact == PRODUCTS.name and answer.agg == "union" and split == {"category"}:
        return _category(metric.id, by)
    if answer.fact == PRODUCTS.name and answer.agg == "union" and "day" in by and split and split <= {
            "product", "product_id"} & set(by):  # one product rollup row per cell: its stored count
        return replace(answer, agg="sum", column=col(metric.id))
    return answer
