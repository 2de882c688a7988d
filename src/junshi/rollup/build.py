"""Build and refresh the rollups inside the caller's transaction, only for the days whose inputs changed.

The SQL here reads the canonical tables by name on one DuckDB connection, so any engine that shows them to
DuckDB under those names (a DuckDB file, the Parquet lake) builds the same rollups.

Which days changed is found by fingerprints (``rollup_marks``: per input table and day, the number of
rows the rollups read and the XOR of their hashes), so any writer (a load, a reload replacing rows,
a preset deleting a day, a time-zone move) is caught without each having to say what it touched.
A day whose fingerprint moved is recomputed whole from the raw rows; other days are left alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from junshi.rollup import bitmaps
from junshi.rollup.tables import CELL_DIMS, IDS, MARKS, PAID, PRODUCTS, STATE, TABLES, VISITS

_PV = "event_type IN ('page_view', 'product_view')"
BUYER = "coalesce(customer_id, visitor_id, order_id)"
"""The buyer of an order, as the metric layer keys it (``junshi.metrics.facts.buyer_key``)."""


@dataclass(frozen=True)
class _Input:
    """What the rollups read of a raw table: its rows (``source``, shop column ``shop``, filter ``where``),
    their shop-local day, the columns they depend on, and the rollups they feed."""

    table: str
    day: str
    where: str
    columns: str
    feeds: tuple[str, ...]
    source: str = ""  # FROM clause (default: the table)
    shop: str = "shop_id"
    spill: int = 0  # a change on a day also moves this many following days (a visit crossing midnight)


_PRODUCT_EVENTS = f"(event_type = 'add_to_cart' OR ({_PV} AND product_id IS NOT NULL))"
"""A product's views (page or product views naming it, as the metric layer's product visitors) and add-to-carts."""
_PAID_LINES = "order_items i JOIN orders o ON o.shop_id = i.shop_id AND o.order_id = i.order_id"
INPUTS: dict[str, _Input] = {
    "events": _Input("events", "CAST(ts AS DATE)", _PV, "event_id, ts, event_type, session_id, visitor_id",
                     (VISITS.name,)),
    "sessions": _Input("sessions", "CAST(started_at AS DATE)", "TRUE",
                       "session_id, visitor_id, started_at, source, device, region", (VISITS.name,), spill=1),
    "orders": _Input("orders", "CAST(paid_at AS DATE)", "paid_at IS NOT NULL",
                     "order_id, paid_at, pay_amount, source, device, region, customer_id, visitor_id",
                     (PAID.name, PRODUCTS.name)),
    "product_events": _Input("events", "CAST(ts AS DATE)", _PRODUCT_EVENTS,
                             "event_id, ts, event_type, visitor_id, product_id", (PRODUCTS.name,)),
    "order_lines": _Input("order_items", "CAST(o.paid_at AS DATE)", "o.paid_at IS NOT NULL",
                          "i.order_id, i.line_no, i.product_id, i.quantity, i.unit_price, i.amount", (PRODUCTS.name,),
                          source=_PAID_LINES, shop="i.shop_id"),
}
"""The inputs by name (``rollup_marks.input``)."""


@dataclass
class RefreshReport:
    """What a refresh did: the days recomputed per rollup, and the seconds it took."""

    days: dict[str, list[dt.date]] = field(default_factory=dict)
    seconds: float = 0.0


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the rollup tables if the warehouse lacks them."""
    for table in TABLES:
        con.execute(table.create_sql())


def stamp(con: duckdb.DuckDBPyConnection, shop_id: str) -> dt.datetime | None:
    """When the shop's rollups were last refreshed (every load refreshes them); None: never built."""
    try:
        rows = con.execute(f"SELECT built_at FROM {STATE.name} WHERE shop_id = ?", [shop_id]).fetchall()
    except duckdb.CatalogException:  # a warehouse from before rollups
        return None
    return rows[0][0] if rows else None


def built(con: duckdb.DuckDBPyConnection, shop_id: str) -> bool:
    """Whether the shop's rollups are built (and so kept up to date by every load)."""
    return stamp(con, shop_id) is not None


def refresh(con: duckdb.DuckDBPyConnection, shop_id: str, inputs: Iterable[str] | None = None) -> RefreshReport:
    """Bring the shop's rollups up to date with its raw rows; call inside the load's transaction.

    ``inputs``: the raw tables that may have changed (None: all of them). A shop whose rollups were
    never built is built whole.
    """
    import time

    clock = time.perf_counter()
    ensure_tables(con)
    fresh = not built(con, shop_id)
    if fresh:
        for table in (VISITS, PAID, PRODUCTS, IDS, MARKS):
            con.execute(f"DELETE FROM {table.name} WHERE shop_id = ?", [shop_id])
    tables = None if fresh or inputs is None else set(inputs)
    dirty: dict[str, set[dt.date]] = {}
    for name, spec in INPUTS.items():
        if tables is None or spec.table in tables:
            moved = _moved_days(con, shop_id, name)
            for feed in spec.feeds:
                dirty.setdefault(feed, set()).update(moved)
    report = RefreshReport()
    for table in (VISITS, PAID, PRODUCTS):
        if dirty.get(table.name):
            recompute = _recompute_products if table is PRODUCTS else _recompute
            report.days[table.name] = recompute(con, shop_id, table.name, dirty[table.name])
    con.execute(f"DELETE FROM {STATE.name} WHERE shop_id = ?", [shop_id])
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # a new stamp: plans cached for the old data expire
    con.execute(f"INSERT INTO {STATE.name} VALUES (?, ?)", [shop_id, now])
    report.seconds = round(time.perf_counter() - clock, 3)
    return report


def rebuild(con: duckdb.DuckDBPyConnection, shop_id: str) -> RefreshReport:
    """Recompute the shop's rollups from nothing (``junshi rollup --rebuild``); call inside a transaction."""
    ensure_tables(con)
    con.execute(f"DELETE FROM {STATE.name} WHERE shop_id = ?", [shop_id])
    return refresh(con, shop_id)


def _moved_days(con: duckdb.DuckDBPyConnection, shop_id: str, name: str) -> set[dt.date]:
    """The days whose fingerprint of input ``name`` changed (stored marks updated to the new ones)."""
    spec = INPUTS[name]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _rollup_marks AS SELECT {spec.day} AS date, count(*) AS n, "
        f"bit_xor(hash({spec.columns})) AS h FROM {spec.source or spec.table} WHERE {spec.shop} = ? AND {spec.where} "
        "GROUP BY ALL", [shop_id])
    rows = con.execute(
        f"SELECT coalesce(a.date, b.date) FROM _rollup_marks a FULL JOIN "
        f"(SELECT date, n, h FROM {MARKS.name} WHERE shop_id = ? AND input = ?) b ON a.date = b.date "
        "WHERE a.n IS DISTINCT FROM b.n OR a.h IS DISTINCT FROM b.h", [shop_id, name]).fetchall()
    con.execute(f"DELETE FROM {MARKS.name} WHERE shop_id = ? AND input = ?", [shop_id, name])
    con.execute(f"INSERT INTO {MARKS.name} SELECT ?, ?, date, n, h FROM _rollup_marks", [shop_id, name])
    con.execute("DROP TABLE _rollup_marks")
    days = {r[0] for r in rows}
    return days | {d + dt.timedelta(days=i) for d in days for i in range(1, spec.spill + 1)}


_CELL = ", ".join(CELL_DIMS)


def _visit_rows(days: str) -> tuple[str, str]:
    """The visitor-day rows (as the metric layer's ``visit_days`` fact) and the page-view counts of ``days``.

    A visit counts on each day from its first to its last page view; the views are read from the day
    before the first to the day after the last recomputed day (a visit spans at most one midnight).
    """
    window = f"CAST(ts AS DATE) BETWEEN (SELECT min(d) - 1 FROM {days}) AND (SELECT max(d) + 1 FROM {days})"
    members = (
        f"WITH pv AS (SELECT session_id, ts FROM events WHERE shop_id = $shop AND {_PV} AND {window}), "
        "per AS (SELECT session_id, CAST(min(ts) AS DATE) AS f, CAST(max(ts) AS DATE) AS l FROM pv GROUP BY 1) "
        f"SELECT r.d AS date, s.visitor_id AS id, {', '.join('s.' + c for c in CELL_DIMS)} FROM sessions s "
        f"JOIN per ON s.session_id = per.session_id JOIN {days} r ON r.d BETWEEN per.f AND per.l "
        "WHERE s.shop_id = $shop"
    )
    views = (
        f"SELECT CAST(e.ts AS DATE) AS date, {', '.join('s.' + c for c in CELL_DIMS)}, count(*) AS pv "
        "FROM events e LEFT JOIN (SELECT * FROM sessions WHERE shop_id = $shop) s ON e.session_id = s.session_id "
        f"WHERE e.shop_id = $shop AND e.{_PV} AND CAST(e.ts AS DATE) IN (SELECT d FROM {days}) GROUP BY ALL"
    )
    return members, views


def _paid_rows(days: str) -> str:
    return (f"SELECT CAST(paid_at AS DATE) AS date, {BUYER} AS id, {_CELL}, pay_amount FROM orders "
            f"WHERE shop_id = $shop AND paid_at IS NOT NULL AND CAST(paid_at AS DATE) IN (SELECT d FROM {days})")


def _recompute(con: duckdb.DuckDBPyConnection, shop_id: str, rollup: str, days: set[dt.date]) -> list[dt.date]:
    """Replace the rows of ``rollup`` for ``days`` by the aggregates of the raw rows of those days."""
    ordered = sorted(days)
    con.execute("CREATE OR REPLACE TEMP TABLE _rollup_days AS SELECT unnest(?::DATE[]) AS d", [ordered])
    con.execute(f"DELETE FROM {rollup} WHERE shop_id = ? AND date IN (SELECT d FROM _rollup_days)", [shop_id])
    params = {"shop": shop_id}
    numbered = (f"SELECT d.*, i.n FROM _rollup_members d JOIN {IDS.name} i ON i.shop_id = $shop "
                "AND i.kind = $kind AND i.id = d.id")
    cell = ", ".join(("date", *CELL_DIMS))
    if rollup == VISITS.name:
        members, views = _visit_rows("_rollup_days")
        params["kind"] = "visitor"
        order = ["uv", "pv"]
        sql = (f"SELECT {cell}, sum(uv) AS uv, sum(pv) AS pv, flatten(list(ids)) AS ids FROM ("
               f"SELECT {cell}, count(DISTINCT n) AS uv, 0 AS pv, list(DISTINCT n) AS ids FROM ({numbered}) "
               f"GROUP BY ALL UNION ALL SELECT {cell}, 0, pv, []::UINTEGER[] FROM ({views})) GROUP BY ALL")
    else:
        members = _paid_rows("_rollup_days")
        params["kind"] = "buyer"
        order = ["paid_orders", "sales", "paid_buyers"]
        sql = (f"SELECT {cell}, count(*) AS paid_orders, sum(pay_amount) AS sales, count(DISTINCT n) AS paid_buyers, "
               f"list(DISTINCT n) AS ids FROM ({numbered}) GROUP BY ALL")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rollup_members AS {members}", {"shop": shop_id})
    _number(con, shop_id, params["kind"])
    rows = con.sql(sql, params=params).to_arrow_table()
    sets = _serialize_lists(rows.column("ids"))
    table = rows.drop_columns(["ids"]).append_column("set", sets)
    con.register("_rollup_new", table)
    try:
        columns = [c.name for c in (VISITS if rollup == VISITS.name else PAID).columns]
        select = {"shop_id": "$shop", "days": "1", **{c: c for c in ("date", *CELL_DIMS, *order)}}
        select |= {c: '"set"' for c in columns if c.endswith("_set")}
        con.execute(f"INSERT INTO {rollup} SELECT {', '.join(f'{select[c]} AS {c}' for c in columns)} "
                    "FROM _rollup_new WHERE date IS NOT NULL", {"shop": shop_id})
    finally:
        con.unregister("_rollup_new")
    con.execute("DROP TABLE _rollup_members")
    con.execute("DROP TABLE _rollup_days")
    return ordered


def _recompute_products(con: duckdb.DuckDBPyConnection, shop_id: str, rollup: str, days: set[dt.date]) -> list[dt.date]:
    """Replace the product rollup's rows of ``days``: viewers and add-to-cart visitors by event day, paid lines
    by payment day, per product."""
    ordered = sorted(days)
    params = {"shop": shop_id}
    con.execute("CREATE OR REPLACE TEMP TABLE _rollup_days AS SELECT unnest(?::DATE[]) AS d", [ordered])
    con.execute(f"DELETE FROM {rollup} WHERE shop_id = ? AND date IN (SELECT d FROM _rollup_days)", [shop_id])
    in_days = "IN (SELECT d FROM _rollup_days)"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rollup_members AS SELECT CAST(ts AS DATE) AS date, visitor_id AS id, "
        f"product_id, event_type <> 'add_to_cart' AS viewed FROM events WHERE shop_id = $shop AND {_PRODUCT_EVENTS} "
        f"AND CAST(ts AS DATE) {in_days}", params)
    _number(con, shop_id, "visitor")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rollup_viewers AS SELECT date, product_id, "
        "count(DISTINCT n) FILTER (viewed) AS uv, list(DISTINCT n) FILTER (viewed) AS uv_ids, "
        "count(DISTINCT n) FILTER (NOT viewed) AS cart_visitors, list(DISTINCT n) FILTER (NOT viewed) AS cart_ids "
        f"FROM _rollup_members m JOIN {IDS.name} i ON i.shop_id = $shop AND i.kind = 'visitor' AND i.id = m.id "
        "GROUP BY ALL", params)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _rollup_members AS SELECT CAST(o.paid_at AS DATE) AS date, "
        f"coalesce(o.customer_id, o.visitor_id, o.order_id) AS id, i.product_id, i.order_id, i.quantity, "
        f"coalesce(i.amount, i.quantity * i.unit_price) AS amount FROM {_PAID_LINES} WHERE i.shop_id = $shop "
        f"AND o.paid_at IS NOT NULL AND CAST(o.paid_at AS DATE) {in_days}", params)
    _number(con, shop_id, "buyer")
    rows = con.sql(
        "WITH lines AS (SELECT date, product_id, count(DISTINCT order_id) AS paid_orders, sum(amount) AS sales, "
        "sum(quantity) AS units, count(DISTINCT n) AS paid_buyers, list(DISTINCT n) AS buyer_ids "
        f"FROM _rollup_members m JOIN {IDS.name} i ON i.shop_id = $shop AND i.kind = 'buyer' AND i.id = m.id "
        "GROUP BY ALL) "
        "SELECT date, product_id, coalesce(uv, 0) AS uv, coalesce(uv_ids, []) AS uv_ids, "
        "coalesce(cart_visitors, 0) AS cart_visitors, coalesce(cart_ids, []) AS cart_ids, "
        "coalesce(paid_orders, 0) AS paid_orders, coalesce(sales, 0) AS sales, coalesce(units, 0) AS units, "
        "coalesce(paid_buyers, 0) AS paid_buyers, coalesce(buyer_ids, []) AS buyer_ids "
        "FROM _rollup_viewers FULL JOIN lines USING (date, product_id)", params=params).to_arrow_table()
    for ids, column in (("uv_ids", "uv_set"), ("cart_ids", "cart_visitors_set"), ("buyer_ids", "paid_buyers_set")):
        rows = rows.append_column(column, _serialize_lists(rows.column(ids))).drop_columns([ids])
    con.register("_rollup_new", rows)
    try:
        columns = [c.name for c in PRODUCTS.columns]
        select = {"shop_id": "$shop", "days": "1"}
        con.execute(f"INSERT INTO {rollup} SELECT {', '.join(f'{select.get(c, c)} AS {c}' for c in columns)} "
                    "FROM _rollup_new", params)
    finally:
        con.unregister("_rollup_new")
    for temp in ("_rollup_members", "_rollup_viewers", "_rollup_days"):
        con.execute(f"DROP TABLE {temp}")
    return ordered


def _number(con: duckdb.DuckDBPyConnection, shop_id: str, kind: str) -> None:
    """Give the ids of ``_rollup_members`` not numbered yet the next dense numbers (in order of first day)."""
    con.execute(
        f"INSERT INTO {IDS.name} SELECT $shop, $kind, id, "
        f"(SELECT coalesce(max(n) + 1, 0) FROM {IDS.name} WHERE shop_id = $shop AND kind = $kind) "
        "+ row_number() OVER (ORDER BY first, id) - 1 "
        "FROM (SELECT id, min(date) AS first FROM _rollup_members m WHERE id IS NOT NULL AND NOT EXISTS "
        f"(SELECT 1 FROM {IDS.name} i WHERE i.shop_id = $shop AND i.kind = $kind AND i.id = m.id) GROUP BY id)",
        {"shop": shop_id, "kind": kind})


def _serialize_lists(lists: pa.ChunkedArray) -> pa.Array:
    """One serialized Roaring bitmap per list of dense ids (an empty list: an empty set)."""
    out: list[bytes] = []
    for chunk in lists.chunks:
        values = chunk.values.to_numpy(zero_copy_only=False).astype(np.uint32)
        offsets = chunk.offsets.to_numpy()
        for i in range(len(chunk)):
            out.append(bitmaps.serialize(values[offsets[i]:offsets[i + 1]].tolist()))
    return pa.array(out, type=pa.binary())
