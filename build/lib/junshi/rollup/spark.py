"""The rollups built by Spark over a lake: the same rows as a DuckDB rebuild (``junshi.rollup.build``).

Per shop x day x cell (source, device, region; paid orders also by new or returning buyer): page views,
distinct visitors, paid orders, sales and distinct paying buyers, and the visitors and buyers as Roaring bitmaps
of dense ids, numbered per shop in order of first day then id (``rollup_ids``), exactly as a DuckDB rebuild
numbers them; each buyer's first paid day (``rollup_first_paid``); per shop x day x product
(``rollup_products``): viewers, add-to-cart visitors and paid lines. Everything runs on the executors (the
bitmaps in a pandas UDF per group); the driver only plans.

The input marks (``rollup_marks``) hold each day's row count with the fingerprint 0 ("unknown": Spark has
no DuckDB hash), so DuckDB's next load into the lake recomputes every day of the inputs it touched. A rollup
grain Spark does not build (:data:`UNBUILT`: the product cells and their margins, landing pages, margins,
categories, the plans' visitors, the 风控 page's tables, review tags, visit paths and searchers today) is cleared
with the shops' built mark, so DuckDB reading the lake answers from raw rows until its next load rebuilds every
rollup; with none left, Spark marks the shops built and DuckDB reads Spark's rollups. See docs/lake.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd  # at run time: pyspark reads the UDF's type hints

from junshi.rollup.tables import (
    BUYER_DIMS,
    CELL_DIMS,
    FIRST_PAID,
    IDS,
    MARKS,
    PAID,
    PRODUCTS,
    STATE,
    TABLES,
    VISITS,
)
from junshi.schema import Table
from junshi.warehouse.lake_catalog import Catalog
from junshi.warehouse.lake_spark import SparkLakeWarehouse, commit_frames

_PV = ("page_view", "product_view")
_BUILT = (VISITS, PAID, FIRST_PAID, PRODUCTS, IDS, MARKS, STATE)
UNBUILT: tuple[Table, ...] = tuple(t for t in TABLES if t not in _BUILT)
"""Rollup tables Spark does not build (a grain added to ``junshi.rollup.tables`` before it is added here): a
Spark rebuild clears them and the shops' built mark (see the module's note)."""


def _serialize_ids(ids: pd.Series) -> pd.Series:
    """Each array of dense ids as its serialized Roaring bitmap. pyroaring adds an ``array('I')`` in C
    (3x faster than Python ints at 720 ids per set)."""
    from array import array

    import numpy as np

    from junshi.rollup import bitmaps

    return ids.apply(lambda a: bitmaps.serialize(array("I", np.asarray(a, dtype=np.uint32).tobytes())))


def _bitmaps() -> Any:
    """``_serialize_ids`` as a pandas UDF (run on the executors, in Arrow batches)."""
    from pyspark.sql.pandas.functions import pandas_udf

    return pandas_udf(_serialize_ids, "binary")  # type: ignore[call-overload]  # stubs lack Series -> Series


def _kept(frame: Any, kept: list[Any]) -> Any:
    """``frame`` kept on the executors' disks once computed (and added to ``kept``, to unpersist after the
    commit): several outputs read it, and each write is its own Spark job (without this the events would be
    read and shuffled again per output)."""
    from pyspark import StorageLevel

    kept.append(frame.persist(StorageLevel.DISK_ONLY))
    return frame


def _numbered(members: Any, kind: str, kept: list[Any], before: Any = None) -> tuple[Any, Any]:
    """(members with their dense number ``n``, the ``rollup_ids`` rows of ``kind``): per shop, in order of first
    day, id; ids ``before`` (``rollup_ids`` rows) keep theirs and the others follow them, as DuckDB's ``_number``
    gives them one rollup after another. The members meet their numbers in one shuffle join on (shop, id)."""
    from pyspark.sql import functions as F

    first = members.where(F.col("id").isNotNull()).groupBy("shop_id", "id").agg(F.min("date").alias("first"))
    ids = _numbers(first, kind, kept, before)
    return members.join(ids.select("shop_id", "id", "n"), ["shop_id", "id"]), ids


def _numbers(first: Any, kind: str, kept: list[Any], before: Any = None) -> Any:
    """The ``rollup_ids`` rows of ``kind`` for the ids of ``first`` (shop, id, first day), numbered as
    :func:`_numbered` says. The numbering sorts each shop's new ids in one task (a window per shop)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    start = F.lit(0).cast("long")
    if before is not None:
        first = first.join(before.select("shop_id", "id"), ["shop_id", "id"], "left_anti")
        first = first.join(before.groupBy("shop_id").agg((F.max("n") + 1).alias("start")), "shop_id", "left")
        start = F.coalesce(F.col("start"), start)
    order = Window.partitionBy("shop_id").orderBy("first", "id")
    ids = first.withColumn("n", start + F.row_number().over(order) - 1).select(
        "shop_id", F.lit(kind).alias("kind"), "id", F.col("n").cast("long").alias("n"))
    return _kept(ids if before is None else before.unionByName(ids), kept)


def _cells(members: Any, keys: list[str], *measures: Any) -> Any:
    """Per cell: ``measures`` and the distinct numbers ``n`` as ``ids`` (one distinct aggregate: no Expand)."""
    from pyspark.sql import functions as F

    return members.groupBy(*keys).agg(*measures, F.collect_set("n").alias("ids"))


def rollup_frames(wh: SparkLakeWarehouse, shops: list[str], kept: list[Any]) -> dict[str, Any]:
    """The rollup tables of ``shops`` rebuilt from the lake's raw rows, as Spark DataFrames (``kept``: the
    intermediate frames they persist, for the caller to unpersist once they are written).

    Events are shuffled once, already cut to one row per (shop, session, day) by a map-side partial
    aggregate; that row carries the page views of the day and, joined with its session, the cell. The
    visit's days (first to last page-view day) come from the same join (same partitioning: no new shuffle).
    A paid order is new when it falls on its buyer's first paid day (a window per buyer), else returning.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    session = wh.session
    cell = list(CELL_DIMS)
    keys = ["shop_id", "date", *cell]
    events = session.table("events").where(F.col("shop_id").isin(shops) & F.col("event_type").isin(*_PV))
    sessions = session.table("sessions").where(F.col("shop_id").isin(shops)).select(
        "shop_id", "session_id", "visitor_id", *cell, F.lit(True).alias("known"))
    per_day = events.groupBy("shop_id", "session_id", F.to_date("ts").alias("date")).agg(
        F.count(F.lit(1)).alias("pv"))
    days = _kept(per_day.join(sessions, ["shop_id", "session_id"], "left"), kept)
    views = days.groupBy(*keys).agg(F.sum("pv").alias("pv"))
    span = days.where(F.col("known")).groupBy("shop_id", "session_id", "visitor_id", *cell).agg(
        F.min("date").alias("f"), F.max("date").alias("l"))
    members = span.select("shop_id", F.explode(F.sequence("f", "l")).alias("date"),
                          F.col("visitor_id").alias("id"), *cell)
    members, visitor_ids = _numbered(members, "visitor", kept)
    serialize = _bitmaps()
    visitors = _cells(members, keys)
    visits = _full_join(visitors, views, keys).withColumn("ids", F.coalesce("ids", F.array().cast("array<long>")))
    visits = visits.select(*keys, F.lit(1).alias("days"), F.size("ids").cast("long").alias("uv"),
                           F.coalesce("pv", F.lit(0)).cast("long").alias("pv"), serialize("ids").alias("uv_set"))
    orders = session.table("orders").where(F.col("shop_id").isin(shops) & F.col("paid_at").isNotNull())
    buyers = orders.select("shop_id", F.to_date("paid_at").alias("date"),
                           F.coalesce("customer_id", "visitor_id", "order_id").alias("id"), *cell, "pay_amount")
    buyers = buyers.withColumn("first_day", F.min("date").over(Window.partitionBy("shop_id", "id")))
    buyers = buyers.withColumn("customer_type",
                               F.when(F.col("first_day") >= F.col("date"), "new").otherwise("returning"))
    first_paid = buyers.groupBy("shop_id", "id").agg(F.min("date").alias("first_day"))
    buyers, buyer_ids = _numbered(buyers, "buyer", kept)
    paid = _cells(buyers, [*keys, *BUYER_DIMS], F.count(F.lit(1)).alias("paid_orders"),
                  F.sum("pay_amount").cast("decimal(18,2)").alias("sales")).select(
        *keys, *BUYER_DIMS, "paid_orders", "sales", F.size("ids").cast("long").alias("paid_buyers"),
        serialize("ids").alias("paid_buyers_set"))
    products, visitor_ids, buyer_ids = _products(session, shops, orders, visitor_ids, buyer_ids, kept)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return {
        VISITS.name: visits.select(*[c.name for c in VISITS.columns]),
        PAID.name: paid.withColumn("days", F.lit(1)).select(*[c.name for c in PAID.columns]),
        IDS.name: visitor_ids.unionByName(buyer_ids),
        FIRST_PAID.name: first_paid.select(*[c.name for c in FIRST_PAID.columns]),
        PRODUCTS.name: products,
        MARKS.name: _marks(session, shops),
        STATE.name: _empty(session, STATE) if UNBUILT else session.createDataFrame(
            [(s, now) for s in shops], "shop_id STRING, built_at TIMESTAMP_NTZ"),
        **{t.name: _empty(session, t) for t in UNBUILT},
    }


def _products(session: Any, shops: list[str], orders: Any, visitor_ids: Any, buyer_ids: Any,
              kept: list[Any]) -> tuple[Any, Any, Any]:
    """The product rollup (per shop x day x product: viewers and add-to-cart visitors by event day, paid lines
    by payment day), and the id dictionaries with the visitors and buyers it numbers after the others."""
    from pyspark.sql import functions as F

    serialize = _bitmaps()
    events = session.table("events").where(
        F.col("shop_id").isin(shops) & F.col("visitor_id").isNotNull()
        & ((F.col("event_type") == "add_to_cart") | (F.col("event_type").isin(*_PV) & F.col("product_id").isNotNull())))
    # Per visitor, the (day, product, viewed) it touched, aggregated inside each task before the one shuffle (a
    # session's events sit together: 3 or so product events become one row) and partitioned by (shop, visitor),
    # as the join with the numbers needs: product events are never shuffled or read twice one by one.
    seen = _kept(events.groupBy("shop_id", F.col("visitor_id").alias("id")).agg(
        F.min(F.to_date("ts")).alias("first"),
        F.collect_set(F.struct(F.to_date("ts").alias("date"), "product_id",
                               (F.col("event_type") != "add_to_cart").alias("viewed"))).alias("seen")), kept)
    visitor_ids = _numbers(seen.select("shop_id", "id", "first"), "visitor", kept, visitor_ids)
    members = seen.join(visitor_ids.select("shop_id", "id", "n"), ["shop_id", "id"]).select(
        "shop_id", "n", F.inline("seen"))
    keys = ["shop_id", "date", "product_id"]
    viewed, carted = F.when(F.col("viewed"), F.col("n")), F.when(~F.col("viewed"), F.col("n"))
    viewers = members.groupBy(*keys).agg(F.collect_set(viewed).alias("uv_ids"), F.collect_set(carted).alias("cart_ids"))
    items = session.table("order_items").where(F.col("shop_id").isin(shops))
    lines = items.alias("i").join(orders.alias("o"), ["shop_id", "order_id"]).select(
        "shop_id", F.to_date("o.paid_at").alias("date"),
        F.coalesce("o.customer_id", "o.visitor_id", "order_id").alias("id"), "i.product_id", "order_id",
        "i.quantity", "i.unit_cost",
        F.coalesce("i.amount", F.col("i.quantity") * F.col("i.unit_price")).alias("amount"))
    lines, buyer_ids = _numbered(lines, "buyer", kept, buyer_ids)
    paid = lines.groupBy(*keys).agg(
        F.size(F.collect_set("order_id")).alias("paid_orders"), F.sum("amount").alias("sales"),
        F.sum("quantity").alias("units"), F.sum(F.col("quantity") * F.col("unit_cost")).alias("line_cost"),
        F.sum(F.when(F.col("unit_cost").isNull(), F.col("quantity"))).alias("units_without_cost"),
        F.collect_set("n").alias("buyer_ids"))
    empty = F.array().cast("array<long>")
    out = viewers.join(paid, keys, "full").select(
        *keys, F.lit(1).alias("days"), F.size(F.coalesce("uv_ids", empty)).cast("long").alias("uv"),
        serialize(F.coalesce("uv_ids", empty)).alias("uv_set"),
        F.size(F.coalesce("cart_ids", empty)).cast("long").alias("cart_visitors"),
        serialize(F.coalesce("cart_ids", empty)).alias("cart_visitors_set"),
        F.coalesce("paid_orders", F.lit(0)).cast("long").alias("paid_orders"),
        F.coalesce("sales", F.lit(0)).cast("decimal(18,2)").alias("sales"),
        F.coalesce("units", F.lit(0)).cast("long").alias("units"),
        F.col("line_cost").cast("decimal(18,2)").alias("line_cost"),
        F.col("units_without_cost").cast("long").alias("units_without_cost"),
        F.size(F.coalesce("buyer_ids", empty)).cast("long").alias("paid_buyers"),
        serialize(F.coalesce("buyer_ids", empty)).alias("paid_buyers_set"))
    return out.select(*[c.name for c in PRODUCTS.columns]), visitor_ids, buyer_ids


def _marks(session: Any, shops: list[str]) -> Any:
    """Per shop, rollup input (``junshi.rollup.build.INPUTS``, read from its declaration) and day: the rows the
    rollups read, with the fingerprint 0 for "unknown" (Spark has no DuckDB hash): DuckDB's next refresh of
    an input then finds every day of it moved and recomputes it, as after a rebuild. Inputs of one table (events
    and product events; sessions and their landing pages) are counted in one scan of it."""
    from pyspark.sql import functions as F

    from junshi.ingest.spark import to_spark
    from junshi.rollup.build import INPUTS

    listed = ", ".join("'" + s.replace("'", "''") + "'" for s in shops)
    scans: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    for name, spec in INPUTS.items():
        scans.setdefault((spec.source, spec.shop, spec.day), []).append((name, spec.where))
    parts = []
    for (source, shop, day), inputs in scans.items():
        counts = ", ".join(f"CAST(sum(CASE WHEN {where} THEN 1 ELSE 0 END) AS BIGINT) AS n{i}"
                           for i, (_, where) in enumerate(inputs))
        anywhere = " OR ".join(f"({where})" for _, where in inputs)
        per_day = session.sql(to_spark(f"SELECT {shop} AS shop_id, {day} AS date, {counts} FROM {source} "
                                       f"WHERE {shop} IN ({listed}) AND ({anywhere}) GROUP BY ALL"))
        stacked = ", ".join(f"'{name}', n{i}" for i, (name, _) in enumerate(inputs))
        parts.append(per_day.select("shop_id", F.expr(f"stack({len(inputs)}, {stacked}) AS (input, n)"), "date")
                     .where(F.col("n") > 0))
    out = parts[0]
    for part in parts[1:]:
        out = out.unionByName(part)
    return out.select("shop_id", "input", "date", "n", F.lit(0).cast("decimal(20,0)").alias("h"))


def _empty(session: Any, table: Table) -> Any:
    """No rows of a rollup table (a rebuild of whole shops then clears theirs)."""
    from junshi.warehouse.spark import spark_type

    types = {"BLOB": "BINARY", "UINTEGER": "BIGINT", "UBIGINT": "DECIMAL(20,0)"}
    return session.createDataFrame([], ", ".join(f"`{c.name}` {types.get(c.type) or spark_type(c.type)}"
                                                 for c in table.columns))


def _full_join(left: Any, right: Any, keys: list[str]) -> Any:
    """Full outer join on ``keys`` where null equals null (cells may have no source, device or region)."""
    from pyspark.sql import functions as F

    a, b = left.alias("a"), right.alias("b")
    joined = a.join(b, [F.col(f"a.{k}").eqNullSafe(F.col(f"b.{k}")) for k in keys], "full")
    return joined.select(*[F.coalesce(F.col(f"a.{k}"), F.col(f"b.{k}")).alias(k) for k in keys],
                         "a.ids", "b.pv")


def rebuild(wh: SparkLakeWarehouse, shops: list[str]) -> Catalog:
    """Rebuild the rollups of ``shops`` on Spark and commit them to the lake in one catalog."""
    kept: list[Any] = []
    try:
        committed = commit_frames(Path(wh.root), rollup_frames(wh, shops, kept), operation="rollup",
                                  shops=set(shops))
    finally:
        for frame in kept:
            frame.unpersist()
    wh.refresh()
    return committed
