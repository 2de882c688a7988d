"""The rollups built by Spark over a lake: the same rows as a DuckDB rebuild (``junshi.rollup.build``).

Per shop x day x cell (source, device, region; paid orders also by new or returning buyer): page views,
distinct visitors, paid orders, sales and distinct paying buyers, and the visitors and buyers as Roaring bitmaps
of dense ids, numbered per shop in order of first day then id (``rollup_ids``), exactly as a DuckDB rebuild
numbers them; each buyer's first paid day (``rollup_first_paid``). Everything runs on the executors (the
bitmaps in a pandas UDF per group); the driver only plans.

Not built here yet: the product rollups (``rollup_products``, ``rollup_product_cells``), and the input
fingerprints (``rollup_marks``, DuckDB hashes Spark cannot compute). Both are cleared with the shop's "built"
mark, so DuckDB reading the lake answers from raw rows until its next load rebuilds every rollup of the shop.
See docs/lake.md.
"""

from __future__ import annotations

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
    PRODUCT_CELLS,
    PRODUCTS,
    STATE,
    VISITS,
)
from junshi.schema import Table
from junshi.warehouse.lake_catalog import Catalog
from junshi.warehouse.lake_spark import SparkLakeWarehouse, commit_frames

_PV = ("page_view", "product_view")


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


def _numbered(members: Any, kind: str, kept: list[Any]) -> tuple[Any, Any]:
    """(members with their dense number ``n``, the ``rollup_ids`` rows): per shop, in order of first day, id.

    The numbering sorts each shop's distinct ids in one task (a window per shop); the members meet their
    numbers in one shuffle join on (shop, id)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    first = members.where(F.col("id").isNotNull()).groupBy("shop_id", "id").agg(F.min("date").alias("first"))
    order = Window.partitionBy("shop_id").orderBy("first", "id")
    ids = _kept(first.withColumn("n", F.row_number().over(order) - 1).select(
        "shop_id", F.lit(kind).alias("kind"), "id", F.col("n").cast("long").alias("n")), kept)
    return members.join(ids.select("shop_id", "id", "n"), ["shop_id", "id"]), ids


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
    return {
        VISITS.name: visits.select(*[c.name for c in VISITS.columns]),
        PAID.name: paid.withColumn("days", F.lit(1)).select(*[c.name for c in PAID.columns]),
        IDS.name: visitor_ids.unionByName(buyer_ids),
        FIRST_PAID.name: first_paid.select(*[c.name for c in FIRST_PAID.columns]),
        # cleared: see the module's note
        **{t.name: _empty(session, t) for t in (PRODUCTS, PRODUCT_CELLS, MARKS, STATE)},
    }


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
