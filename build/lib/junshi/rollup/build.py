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
import pyarrow as pa
from pyroaring import BitMap

from junshi.rollup import bitmaps
from junshi.rollup.state import built, stored_columns
from junshi.rollup.tables import (
    BUYER_DIMS,
    CATEGORIES,
    CELL_DIMS,
    CHECK_DAYS,
    FIRST_ORDERS,
    FIRST_PAID,
    IDS,
    LANDING,
    MARGINS,
    MARKS,
    PAID,
    PATH_STEPS,
    PATH_TOUCHES,
    PLACED,
    PLAN_SETS,
    PLAN_VISITORS,
    PRINTS,
    PRODUCT_CELLS,
    PRODUCT_MARGINS,
    PRODUCTS,
    REPEAT_ORDERS,
    REPEAT_REVIEWS,
    REVIEW_TAGS,
    ROLLUPS,
    SEARCH_ORDERS,
    SEARCH_SETS,
    SEARCHES,
    STATE,
    TABLES,
    VISITS,
)

_PV = "event_type IN ('page_view', 'product_view')"
BUYER = "coalesce(customer_id, visitor_id, order_id)"
"""The buyer of an order, as the metric layer keys it (``junshi.metrics.facts.buyer_key``)."""
_ORDER_BUYER = "coalesce(o.customer_id, o.visitor_id, o.order_id)"
"""The same of orders named ``o``."""


@dataclass(frozen=True)
class _Input:
    """What the rollups read of a raw table: its rows (filter ``where``; with ``join``, the table's rows named
    ``i`` joined to the rows their day is read from), the time whose shop-local day they count on, the columns they
    depend on, and the rollups they feed."""

    table: str
    time: str  # the timestamp whose shop-local day the row counts on
    where: str
    columns: str
    feeds: tuple[str, ...]
    join: str = ""  # e.g. an order line's order (JOIN orders o ON ...)
    reads: tuple[str, ...] = ()  # other tables whose loads move its rows' days (the joined rows')
    spill: int = 0  # a change on a day also moves this many following days (a visit crossing midnight)

    @property
    def day(self) -> str:
        return f"CAST({self.time} AS DATE)"

    @property
    def source(self) -> str:
        """The FROM clause of the rows."""
        return f"{self.table} i {self.join}" if self.join else self.table

    @property
    def shop(self) -> str:
        """The rows' shop column."""
        return "i.shop_id" if self.join else "shop_id"


_PRODUCT_EVENTS = f"(event_type = 'add_to_cart' OR ({_PV} AND product_id IS NOT NULL))"
"""A product's views (page or product views naming it, as the metric layer's product visitors) and add-to-carts."""
_THE_ORDER = "JOIN orders o ON o.shop_id = i.shop_id AND o.order_id = i.order_id"
"""Order lines and refunds count on a day of their order (an input's joined rows are named ``i``, their order
``o``)."""
_PAID_LINES = f"order_items i {_THE_ORDER}"
_THE_VISIT = "JOIN sessions s ON s.shop_id = i.shop_id AND s.session_id = i.session_id"
"""Orders count on the day of the visit they were placed in, for the attribution's paths."""
INPUTS: dict[str, _Input] = {
    "events": _Input("events", "ts", _PV, "event_id, ts, event_type, session_id, visitor_id",
                     (VISITS.name, LANDING.name)),
    "sessions": _Input("sessions", "started_at", "TRUE",
                       "session_id, visitor_id, started_at, source, device, region", (VISITS.name, PRODUCT_CELLS.name),
                       spill=1),
    "orders": _Input("orders", "paid_at", "paid_at IS NOT NULL",
                     "order_id, paid_at, pay_amount, source, device, region, customer_id, visitor_id",
                     (PAID.name, PRODUCTS.name, PRODUCT_CELLS.name, CHECK_DAYS.name)),
    "product_events": _Input("events", "ts", _PRODUCT_EVENTS,
                             "event_id, ts, event_type, session_id, visitor_id, product_id",
                             (PRODUCTS.name, PRODUCT_CELLS.name)),
    "order_lines": _Input("order_items", "o.paid_at", "o.paid_at IS NOT NULL",
                          "i.order_id, i.line_no, i.product_id, i.quantity, i.unit_price, i.amount",
                          (PRODUCTS.name, PRODUCT_CELLS.name), join=_THE_ORDER),
    "line_costs": _Input("order_items", "o.paid_at", "o.paid_at IS NOT NULL", "i.order_id, i.line_no, i.unit_cost",
                         (PRODUCTS.name,), join=_THE_ORDER),
    "session_pages": _Input("sessions", "started_at", "TRUE", "session_id, visitor_id, started_at, landing_page",
                            (LANDING.name,)),
    "placed_orders": _Input("orders", "created_at", "TRUE",
                            "order_id, created_at, customer_id, address_hash, device_hash, ip_hash, paid_at, "
                            "cancelled_at, delivered_at, is_presale, pay_amount",
                            (PRINTS.name, PLACED.name, FIRST_ORDERS.name, CHECK_DAYS.name, REPEAT_ORDERS.name,
                             REPEAT_REVIEWS.name)),
    "placed_lines": _Input("order_items", "o.created_at", "TRUE", "i.order_id, i.line_no, i.product_id",
                           (PLACED.name,), join=_THE_ORDER),
    "rated_reviews": _Input("reviews", "created_at", "rating IS NOT NULL",
                            "review_id, order_id, customer_id, product_id, created_at, rating",
                            (CHECK_DAYS.name, REPEAT_REVIEWS.name)),
    "refunds": _Input("refunds", "o.paid_at", "o.paid_at IS NOT NULL", "i.refund_id, i.order_id, i.amount",
                      (CHECK_DAYS.name, REPEAT_ORDERS.name), join=_THE_ORDER),
    "accounts": _Input("customers", "registered_at", "registered_at IS NOT NULL", "customer_id, registered_at",
                       (FIRST_ORDERS.name,)),
    "review_texts": _Input("reviews", "created_at", "text IS NOT NULL", "review_id, text", (REVIEW_TAGS.name,)),
    "plan_visits": _Input("sessions", "started_at", "TRUE", "session_id, visitor_id, started_at, source, campaign",
                          (PLAN_VISITORS.name, PLAN_SETS.name)),
    "visit_paths": _Input("sessions", "started_at", "TRUE", "session_id, visitor_id, started_at, source, medium",
                          (PATH_STEPS.name, PATH_TOUCHES.name)),
    "visit_orders": _Input("orders", "s.started_at", "i.paid_at IS NOT NULL AND i.session_id IS NOT NULL",
                           "i.order_id, i.session_id, i.pay_amount", (PLAN_VISITORS.name, PATH_STEPS.name,
                                                                      PATH_TOUCHES.name),
                           join=_THE_VISIT, reads=("sessions",)),
    "searches": _Input("searches", "ts", "TRUE", "search_id, ts, query, visitor_id, results_count, clicked_product_id",
                       (SEARCHES.name, SEARCH_SETS.name)),
    "searcher_orders": _Input("orders", "created_at", "paid_at IS NOT NULL AND visitor_id IS NOT NULL",
                              "order_id, created_at, visitor_id", (SEARCH_ORDERS.name,)),
}
"""The inputs by name (``rollup_marks.input``)."""


@dataclass
class RefreshReport:
    """What a refresh did: the days recomputed per rollup, and the seconds it took."""

    days: dict[str, list[dt.date]] = field(default_factory=dict)
    seconds: float = 0.0


def ensure_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Create the rollup tables the warehouse lacks; one of an older layout (rollups are derived data) is
    dropped and created anew. Returns the names of the tables created."""
    stored = stored_columns(con)
    created = {t.name for t in TABLES if stored.get(t.name) != t.column_names}
    for name in created & stored.keys():
        con.execute(f'DROP TABLE "{name}"')
    for table in TABLES:
        con.execute(table.create_sql())
    return created


def refresh(con: duckdb.DuckDBPyConnection, shop_id: str, inputs: Iterable[str] | None = None,
            days: Iterable[dt.date] | None = None) -> RefreshReport:
    """Bring the shop's rollups up to date with its raw rows; call inside the load's transaction.

    ``inputs``: the raw tables that may have changed (None: all of them). ``days``: the shop-local days the
    changed rows counted on before the change and count on after it (``days_of``; None: any day), so that only
    those days are fingerprinted and the refresh of a day's load does not read the shop's whole history.
    A shop whose rollups were never built is built whole.
    """
    from junshi.warehouse.connection import memory_bound

    with memory_bound(con):  # the fingerprints, as the recomputes, read the raw tables
        return _refresh(con, shop_id, inputs, days)


def _refresh(con: duckdb.DuckDBPyConnection, shop_id: str, inputs: Iterable[str] | None,
             days: Iterable[dt.date] | None) -> RefreshReport:
    import time

    clock = time.perf_counter()
    created = ensure_tables(con)
    upgraded = created & {*ROLLUPS, FIRST_PAID.name}
    if created - upgraded:  # the dictionary, marks or built marks are new: every shop is built whole
        con.execute(f"DELETE FROM {STATE.name}")
    elif upgraded:  # new rollup tables: this shop fills them below, other shops are built whole on their refresh
        con.execute(f"DELETE FROM {STATE.name} WHERE shop_id <> ?", [shop_id])
    fresh = not built(con, shop_id)
    if fresh:
        for table in (*ROLLUPS.values(), FIRST_PAID, IDS, MARKS):
            con.execute(f"DELETE FROM {table.name} WHERE shop_id = ?", [shop_id])
    tables = None if fresh or inputs is None else set(inputs)
    scope = None if fresh or days is None else sorted(set(days))
    dirty: dict[str, set[dt.date]] = {}
    for name, spec in INPUTS.items():
        if (tables is None or spec.table in tables or tables & set(spec.reads)) and scope != []:
            moved = _moved_days(con, shop_id, name, scope)
            for feed in spec.feeds:
                dirty.setdefault(feed, set()).update(moved)
            if name == "orders" and moved:
                _retyped(dirty, _first_paid(con, shop_id, moved))
    if upgraded and not fresh:  # a Junshi with new rollup tables: fill them for every day, keep the others
        _upgrade(con, shop_id, upgraded, dirty)
    dirty.setdefault(CATEGORIES.name, set()).update(dirty.get(PRODUCTS.name, ()))
    dirty.setdefault(PRODUCT_MARGINS.name, set()).update(dirty.get(PRODUCT_CELLS.name, ()))
    if not fresh and (tables is None or "products" in tables):  # the catalogue moved products between categories
        dirty[CATEGORIES.name] |= _recategorised(con, shop_id)
    # a visit's page views fall on its first day or the next and are read from the day before: a day that moved
    # moves the landing rollup's visits of the day before and after it too
    if dirty.get(LANDING.name):
        dirty[LANDING.name] = {d + dt.timedelta(days=i) for d in dirty[LANDING.name] for i in (-1, 0, 1)}
    dirty.setdefault(MARGINS.name, set()).update(*(dirty.get(t.name, ()) for t in (VISITS, PAID)))
    from junshi.rollup import paths, plans, review_tags, risk, searches  # they build on this module's helpers

    dirty.setdefault(REVIEW_TAGS.name, set()).update(review_tags.stale_days(con, shop_id))  # a new tagger: anew
    dirty.setdefault(PATH_STEPS.name, set()).update(dirty.pop(PATH_TOUCHES.name, ()))  # one recompute keeps both
    own = {**risk.RECOMPUTE, **review_tags.RECOMPUTE, **plans.RECOMPUTE, **paths.RECOMPUTE, **searches.RECOMPUTE}
    whole = risk.WHOLE | paths.RECOMPUTE.keys()
    report = RefreshReport()
    bitmaps.register(con)  # junshi_roaring, which serializes the recomputed id sets
    for table in ROLLUPS.values():  # in order: the margins after the cells they merge
        if dirty.get(table.name):
            recompute = {PRODUCTS.name: _recompute_products, PRODUCT_CELLS.name: _recompute_product_cells,
                         LANDING.name: _recompute_landing, MARGINS.name: _recompute_margins,
                         CATEGORIES.name: _recompute_categories,
                         PRODUCT_MARGINS.name: _recompute_product_margins}.get(table.name, _recompute)
            days = sorted(dirty[table.name])  # memory bounded by a chunk's rows, not the shop's
            for chunk in [days] if table.name in whole else _chunks(days):
                if table.name in own:
                    own[table.name](con, shop_id, chunk)
                else:
                    recompute(con, shop_id, table.name, chunk)
            report.days[table.name] = days
    con.execute(f"DELETE FROM {STATE.name} WHERE shop_id = ?", [shop_id])
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # a new stamp: plans cached for the old data expire
    con.execute(f"INSERT INTO {STATE.name} VALUES (?, ?)", [shop_id, now])
    report.seconds = round(time.perf_counter() - clock, 3)
    return report


def days_of(con: duckdb.DuckDBPyConnection, table: str, rows: str) -> set[dt.date]:
    """The shop-local days the rows of raw ``table`` in relation ``rows`` count on in the rollups (an order
    line: its order's payment day); nothing for a table no rollup reads. A writer passes the days of the rows
    it replaces or deletes and of the rows it writes to ``refresh``."""
    queries = set()
    for spec in INPUTS.values():
        if spec.table != table:
            continue
        if spec.join:  # order lines: the day of their order; orders: of their visit (as they are now)
            queries.add(f"SELECT DISTINCT {spec.day} FROM {rows} i {spec.join} WHERE {spec.where}")
        else:
            queries.add(f"SELECT DISTINCT {spec.day} FROM {rows} _r WHERE {spec.time} IS NOT NULL")
    return {d for sql in queries for (d,) in con.execute(sql).fetchall()}


def rebuild(con: duckdb.DuckDBPyConnection, shop_id: str) -> RefreshReport:
    """Recompute the shop's rollups from nothing (``junshi rollup --rebuild``); call inside a transaction."""
    ensure_tables(con)
    con.execute(f"DELETE FROM {STATE.name} WHERE shop_id = ?", [shop_id])
    return refresh(con, shop_id)


def _moved_days(con: duckdb.DuckDBPyConnection, shop_id: str, name: str,
                scope: list[dt.date] | None) -> set[dt.date]:
    """The days (of ``scope``; None: all) whose fingerprint of input ``name`` changed; their stored marks are
    updated to the new ones."""
    spec = INPUTS[name]
    rows = "TRUE" if scope is None else _within(spec.time, scope)
    marks = "TRUE" if scope is None else f"date IN ({_dates(scope)})"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _rollup_marks AS SELECT {spec.day} AS date, count(*) AS n, "
        f"bit_xor(hash({spec.columns})) AS h FROM {spec.source} WHERE {spec.shop} = ? AND {spec.where} "
        f"AND {rows} GROUP BY ALL", [shop_id])
    moved = con.execute(
        f"SELECT coalesce(a.date, b.date) FROM _rollup_marks a FULL JOIN "
        f"(SELECT date, n, h FROM {MARKS.name} WHERE shop_id = ? AND input = ? AND {marks}) b ON a.date = b.date "
        "WHERE a.n IS DISTINCT FROM b.n OR a.h IS DISTINCT FROM b.h", [shop_id, name]).fetchall()
    con.execute(f"DELETE FROM {MARKS.name} WHERE shop_id = ? AND input = ? AND {marks}", [shop_id, name])
    con.execute(f"INSERT INTO {MARKS.name} SELECT ?, ?, date, n, h FROM _rollup_marks", [shop_id, name])
    con.execute("DROP TABLE _rollup_marks")
    days = {r[0] for r in moved}
    return days | {d + dt.timedelta(days=i) for d in days for i in range(1, spec.spill + 1)}


def _upgrade(con: duckdb.DuckDBPyConnection, shop_id: str, tables: set[str], dirty: dict[str, set[dt.date]]) -> None:
    """Mark every day of the shop dirty in the rollup ``tables`` just created (first paid days: computed anew): the
    days of the marks, and every day of the inputs the new tables read (an input new with them has no marks yet)."""
    days = {r[0] for r in con.execute(f"SELECT DISTINCT date FROM {MARKS.name} WHERE shop_id = ?",
                                      [shop_id]).fetchall()}
    for spec in INPUTS.values():
        if tables & set(spec.feeds):
            days |= {r[0] for r in con.execute(f"SELECT DISTINCT {spec.day} FROM {spec.source} "
                                               f"WHERE {spec.shop} = ? AND {spec.where}", [shop_id]).fetchall()}
    if FIRST_PAID.name in tables:
        _retyped(dirty, _first_paid(con, shop_id, days))
    for table in tables - {FIRST_PAID.name}:
        dirty.setdefault(table, set()).update(days)


def _retyped(dirty: dict[str, set[dt.date]], days: set[dt.date]) -> None:
    """The rollups split by new or returning buyer are recomputed on ``days`` (a buyer's first paid day moved)."""
    for table in (PAID, PRODUCT_CELLS):
        dirty.setdefault(table.name, set()).update(days)


def _first_paid(con: duckdb.DuckDBPyConnection, shop_id: str, moved: set[dt.date]) -> set[dt.date]:
    """Update the first paid day of the buyers of the orders paid on ``moved`` days (now or before the change);
    return the days whose orders changed between new and returning (a buyer's old and new first day)."""
    params = {"shop": shop_id, "moved": sorted(moved)}
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rollup_buyers AS "
        f"WITH touched AS (SELECT {BUYER} AS id FROM orders WHERE shop_id = $shop AND paid_at IS NOT NULL "
        "AND CAST(paid_at AS DATE) IN (SELECT unnest($moved::DATE[])) "
        f"UNION SELECT id FROM {FIRST_PAID.name} WHERE shop_id = $shop "
        "AND first_day IN (SELECT unnest($moved::DATE[]))), "
        f"now AS (SELECT {BUYER} AS id, min(CAST(paid_at AS DATE)) AS first_day FROM orders "
        f"WHERE shop_id = $shop AND paid_at IS NOT NULL AND {BUYER} IN (SELECT id FROM touched) GROUP BY 1) "
        "SELECT t.id, b.first_day AS before, n.first_day AS after FROM touched t LEFT JOIN now n ON n.id = t.id "
        f"LEFT JOIN {FIRST_PAID.name} b ON b.shop_id = $shop AND b.id = t.id", params)
    changed = con.execute("SELECT list(DISTINCT d) FROM (SELECT unnest([before, after]) AS d FROM _rollup_buyers "
                          "WHERE before IS DISTINCT FROM after) WHERE d IS NOT NULL").fetchall()[0][0] or []
    con.execute(f"DELETE FROM {FIRST_PAID.name} WHERE shop_id = $shop AND id IN (SELECT id FROM _rollup_buyers)",
                {"shop": shop_id})
    con.execute(f"INSERT INTO {FIRST_PAID.name} SELECT $shop, id, after FROM _rollup_buyers WHERE after IS NOT NULL",
                {"shop": shop_id})
    con.execute("DROP TABLE _rollup_buyers")
    return set(changed)


CHUNK_DAYS = 7
"""Days recomputed in one pass: a rebuild of a long history works through it a week at a time."""


def _chunks(days: list[dt.date]) -> list[list[dt.date]]:
    """``days`` (sorted) in runs of at most ``CHUNK_DAYS``, in order (the dictionary numbers ids by first day)."""
    return [days[i:i + CHUNK_DAYS] for i in range(0, len(days), CHUNK_DAYS)]


def _dates(days: Iterable[dt.date]) -> str:
    return ", ".join(f"DATE '{d.isoformat()}'" for d in days)


def _visit_paid(among: str = "TRUE") -> str:
    """SQL: per visit (``session_id``, of those ``among`` selects) its paid orders and their pay_amount in whole
    cents, as ``junshi.marketing.paths.with_paid_orders`` counts them (the shop is ``$shop``)."""
    return ("SELECT session_id, count(*) AS orders, sum(CAST(coalesce(pay_amount, 0) * 100 AS BIGINT)) AS cents "
            "FROM orders WHERE shop_id = $shop AND paid_at IS NOT NULL AND session_id IS NOT NULL "
            f"AND {among} GROUP BY session_id")


def _within(column: str, days: list[dt.date], before: int = 0, after: int = 0) -> str:
    """SQL: timestamp ``column`` falls on one of ``days`` (sorted), or up to ``before``/``after`` days around
    them. The range comes first, so DuckDB skips the row groups of other days by their min/max."""
    lo = days[0] - dt.timedelta(days=before)
    hi = days[-1] + dt.timedelta(days=after + 1)
    ranged = f"{column} >= TIMESTAMP '{lo.isoformat()}' AND {column} < TIMESTAMP '{hi.isoformat()}'"
    return f"({ranged})" if before or after else f"({ranged} AND CAST({column} AS DATE) IN ({_dates(days)}))"


_CELL = ", ".join(CELL_DIMS)


def _visit_rows(con: duckdb.DuckDBPyConnection, shop_id: str, days: list[dt.date],
                cell: tuple[str, ...] = CELL_DIMS) -> str:
    """``_rollup_members``: the visitor-day rows of ``days`` (as the metric layer's ``visit_days`` fact); returns
    the SQL of their page-view counts; both split by the visit's ``cell`` columns.

    A visit counts on each day from its first to its last page view; the views are read from the day
    before the first to the day after the last recomputed day (a visit spans at most one midnight), and the
    sessions once, for the visits viewed then (``_rollup_pv``, ``_rollup_sessions``: dropped by the caller),
    among those started from a day before those views to a day after them (so a one-day refresh reads a few
    days of a long history, not all of it).
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rollup_pv AS SELECT session_id, ts FROM events "
                f"WHERE shop_id = $shop AND {_PV} AND {_within('ts', days, 1, 1)}", {"shop": shop_id})
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rollup_sessions AS SELECT session_id, visitor_id, {', '.join(cell)} "
                f"FROM sessions WHERE shop_id = $shop AND {_within('started_at', days, 2, 2)} "
                "AND session_id IN (SELECT session_id FROM _rollup_pv)",
                {"shop": shop_id})
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rollup_members AS WITH per AS (SELECT session_id, CAST(unnest(generate_series("
        "CAST(min(ts) AS DATE), CAST(max(ts) AS DATE), INTERVAL 1 DAY)) AS DATE) AS date FROM _rollup_pv GROUP BY 1) "
        f"SELECT per.date, s.visitor_id AS id, {', '.join('s.' + c for c in cell)} FROM _rollup_sessions s "
        f"JOIN per ON s.session_id = per.session_id WHERE per.date IN ({_dates(days)})")
    return (f"SELECT CAST(e.ts AS DATE) AS date, {', '.join('s.' + c for c in cell)}, count(*) AS pv "
            f"FROM _rollup_pv e LEFT JOIN _rollup_sessions s ON e.session_id = s.session_id "
            f"WHERE CAST(e.ts AS DATE) IN ({_dates(days)}) GROUP BY ALL")


def _paid_rows(days: list[dt.date]) -> str:
    """The paid orders of ``days`` with their buyer and cell; new: the order falls on the buyer's first paid day."""
    return (f"SELECT CAST(o.paid_at AS DATE) AS date, {_ORDER_BUYER} AS id, {', '.join('o.' + c for c in CELL_DIMS)}, "
            f"{_BUYER_TYPE} AS customer_type, o.pay_amount FROM orders o {_FIRST_PAID_JOIN} "
            f"WHERE o.shop_id = $shop AND o.paid_at IS NOT NULL AND {_within('o.paid_at', days)}")


_BUYER_TYPE = "CASE WHEN f.first_day >= CAST(o.paid_at AS DATE) THEN 'new' ELSE 'returning' END"
_FIRST_PAID_JOIN = f"LEFT JOIN {FIRST_PAID.name} f ON f.shop_id = $shop AND f.id = {_ORDER_BUYER}"


def _recompute(con: duckdb.DuckDBPyConnection, shop_id: str, rollup: str, days: list[dt.date]) -> None:
    """Replace the rows of ``rollup`` for ``days`` (sorted) by the aggregates of the raw rows of those days."""
    con.execute(f"DELETE FROM {rollup} WHERE shop_id = ? AND date IN ({_dates(days)})", [shop_id])
    cell = ", ".join(("date", *CELL_DIMS, *(BUYER_DIMS if rollup == PAID.name else ())))
    numbered = "SELECT d.*, i.n FROM _rollup_members d JOIN _rollup_n i ON i.id = d.id"
    if rollup == VISITS.name:
        views = _visit_rows(con, shop_id, days)
        kind = "visitor"
        sql = (f"SELECT {cell}, sum(uv) AS uv, sum(pv) AS pv, flatten(list(ids)) AS ids FROM ("
               f"SELECT {cell}, count(DISTINCT n) AS uv, 0 AS pv, list(DISTINCT n) AS ids FROM ({numbered}) "
               f"GROUP BY ALL UNION ALL SELECT {cell}, 0, pv, []::UINTEGER[] FROM ({views})) GROUP BY ALL")
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _rollup_members AS {_paid_rows(days)}", {"shop": shop_id})
        kind = "buyer"
        sql = (f"SELECT {cell}, count(*) AS paid_orders, sum(pay_amount) AS sales, count(DISTINCT n) AS paid_buyers, "
               f"list(DISTINCT n) AS ids FROM ({numbered}) GROUP BY ALL")
    _number(con, shop_id, kind)
    columns = [c.name for c in ROLLUPS[rollup].columns]
    _insert(con, shop_id, rollup, sql, {c: "ids" for c in columns if c.endswith("_set")}, "WHERE date IS NOT NULL")
    _drop(con, "_rollup_members", "_rollup_n", "_rollup_pv", "_rollup_sessions")


def _recompute_products(con: duckdb.DuckDBPyConnection, shop_id: str, rollup: str, days: list[dt.date]) -> None:
    """Replace the product rollup's rows of ``days`` (sorted): viewers and add-to-cart visitors by event day,
    paid lines by payment day, per product."""
    params = {"shop": shop_id}
    con.execute(f"DELETE FROM {rollup} WHERE shop_id = ? AND date IN ({_dates(days)})", [shop_id])
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rollup_members AS SELECT CAST(ts AS DATE) AS date, visitor_id AS id, "
        f"product_id, event_type <> 'add_to_cart' AS viewed FROM events WHERE shop_id = $shop AND {_PRODUCT_EVENTS} "
        f"AND {_within('ts', days)}", params)
    _number(con, shop_id, "visitor")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rollup_viewers AS SELECT date, product_id, "
        "count(DISTINCT n) FILTER (viewed) AS uv, list(DISTINCT n) FILTER (viewed) AS uv_ids, "
        "count(DISTINCT n) FILTER (NOT viewed) AS cart_visitors, list(DISTINCT n) FILTER (NOT viewed) AS cart_ids "
        "FROM _rollup_members m JOIN _rollup_n i ON i.id = m.id GROUP BY ALL")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _rollup_members AS SELECT CAST(o.paid_at AS DATE) AS date, "
        f"{_ORDER_BUYER} AS id, i.product_id, i.order_id, i.quantity, i.unit_cost, "
        f"coalesce(i.amount, i.quantity * i.unit_price) AS amount FROM {_PAID_LINES} WHERE i.shop_id = $shop "
        f"AND o.shop_id = $shop AND o.paid_at IS NOT NULL AND {_within('o.paid_at', days)}", params)
    _number(con, shop_id, "buyer")
    rows = (
        "WITH lines AS (SELECT date, product_id, count(DISTINCT order_id) AS paid_orders, sum(amount) AS sales, "
        "sum(quantity) AS units, sum(quantity * unit_cost) AS line_cost, "
        "sum(quantity) FILTER (unit_cost IS NULL) AS units_without_cost, count(DISTINCT n) AS paid_buyers, "
        "list(DISTINCT n) AS buyer_ids FROM _rollup_members m JOIN _rollup_n i ON i.id = m.id GROUP BY ALL) "
        "SELECT date, product_id, coalesce(uv, 0) AS uv, coalesce(uv_ids, []) AS uv_ids, "
        "coalesce(cart_visitors, 0) AS cart_visitors, coalesce(cart_ids, []) AS cart_ids, "
        "coalesce(paid_orders, 0) AS paid_orders, coalesce(sales, 0) AS sales, coalesce(units, 0) AS units, "
        "line_cost, units_without_cost, "
        "coalesce(paid_buyers, 0) AS paid_buyers, coalesce(buyer_ids, []) AS buyer_ids "
        "FROM _rollup_viewers FULL JOIN lines USING (date, product_id)")
    _insert(con, shop_id, rollup, rows, {"uv_set": "uv_ids", "cart_visitors_set": "cart_ids",
                                         "paid_buyers_set": "buyer_ids"})
    _drop(con, "_rollup_members", "_rollup_n", "_rollup_viewers")


def _recompute_product_cells(con: duckdb.DuckDBPyConnection, shop_id: str, rollup: str, days: list[dt.date]
                             ) -> None:
    """Replace the product-cell rollup's rows of ``days`` (sorted): per product and the visit's cell its viewers
    (event day), and per product, the order's cell and new or returning buyer its paid lines (payment day)."""
    params = {"shop": shop_id}
    con.execute(f"DELETE FROM {rollup} WHERE shop_id = ? AND date IN ({_dates(days)})", [shop_id])
    cell = ", ".join(f"s.{c}" for c in CELL_DIMS)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _rollup_members AS SELECT CAST(e.ts AS DATE) AS date, e.visitor_id AS id, "
        f"e.product_id, {cell} FROM events e LEFT JOIN (SELECT session_id, {_CELL} FROM sessions "
        f"WHERE shop_id = $shop AND {_within('started_at', days, 2, 2)}) s ON e.session_id = s.session_id "
        f"WHERE e.shop_id = $shop AND e.{_PV} AND e.product_id IS NOT NULL AND {_within('e.ts', days)}", params)
    _number(con, shop_id, "visitor")
    keys = ", ".join(("date", "product_id", *CELL_DIMS))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _rollup_viewers AS SELECT {keys}, count(DISTINCT n) AS uv, "
        "list(DISTINCT n) AS ids FROM _rollup_members m JOIN _rollup_n i ON i.id = m.id GROUP BY ALL")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rollup_members AS SELECT CAST(o.paid_at AS DATE) AS date, "
        f"{_ORDER_BUYER} AS id, i.product_id, {', '.join('o.' + c for c in CELL_DIMS)}, "
        f"{_BUYER_TYPE} AS customer_type, i.order_id, i.quantity, "
        f"coalesce(i.amount, i.quantity * i.unit_price) AS amount FROM {_PAID_LINES} {_FIRST_PAID_JOIN} "
        f"WHERE i.shop_id = $shop AND o.shop_id = $shop AND o.paid_at IS NOT NULL AND {_within('o.paid_at', days)}",
        params)
    _number(con, shop_id, "buyer")
    rows = (
        f"SELECT {keys}, NULL::VARCHAR AS customer_type, uv, ids AS uv_ids, 0::BIGINT AS paid_orders, "
        "0::DECIMAL(18,2) AS sales, 0::BIGINT AS units, 0::BIGINT AS paid_buyers, []::UINTEGER[] AS buyer_ids "
        f"FROM _rollup_viewers UNION ALL SELECT {keys}, customer_type, 0, []::UINTEGER[], count(DISTINCT order_id), "
        "sum(amount), sum(quantity), count(DISTINCT n), list(DISTINCT n) "
        "FROM _rollup_members m JOIN _rollup_n i ON i.id = m.id GROUP BY ALL")
    _insert(con, shop_id, rollup, rows, {"uv_set": "uv_ids", "paid_buyers_set": "buyer_ids"})
    _drop(con, "_rollup_members", "_rollup_n", "_rollup_viewers")


def _recompute_landing(con: duckdb.DuckDBPyConnection, shop_id: str, rollup: str, days: list[dt.date]) -> None:
    """Replace the landing rollup's rows of ``days`` (sorted): per landing page its visitors by page-view day (as
    the visitor rollup's), and its visits by start day with their page views from the day before to the day after."""
    con.execute(f"DELETE FROM {rollup} WHERE shop_id = ? AND date IN ({_dates(days)})", [shop_id])
    _visit_rows(con, shop_id, days, ("landing_page",))
    _number(con, shop_id, "visitor")
    rows = (
        "WITH viewers AS (SELECT date, landing_page, count(DISTINCT n) AS uv, list(DISTINCT n) AS ids "
        "FROM _rollup_members m JOIN _rollup_n i ON i.id = m.id GROUP BY ALL), "
        "s AS (SELECT session_id, CAST(started_at AS DATE) AS date, landing_page FROM sessions "
        f"WHERE shop_id = $shop AND {_within('started_at', days)}), "
        "p AS (SELECT e.session_id, count(*) AS n FROM events e JOIN s ON e.session_id = s.session_id "
        f"WHERE e.shop_id = $shop AND e.{_PV} AND {_within('e.ts', days, 1, 1)} "
        "AND CAST(e.ts AS DATE) BETWEEN s.date - 1 AND s.date + 1 GROUP BY 1), "
        "v AS (SELECT date, landing_page, count(*) AS visits, count(*) FILTER (coalesce(n, 0) = 1) AS bounced_visits, "
        "count(*) FILTER (coalesce(n, 0) >= 1) AS visits_with_pv, sum(coalesce(n, 0)) AS visit_page_views "
        "FROM s LEFT JOIN p USING (session_id) GROUP BY ALL) "
        "SELECT date, landing_page, coalesce(uv, 0) AS uv, coalesce(ids, []) AS ids, coalesce(visits, 0) AS visits, "
        "coalesce(bounced_visits, 0) AS bounced_visits, coalesce(visits_with_pv, 0) AS visits_with_pv, "
        "coalesce(visit_page_views, 0) AS visit_page_views FROM viewers FULL JOIN v USING (date, landing_page)")
    _insert(con, shop_id, rollup, rows, {"uv_set": "ids"}, "WHERE date IS NOT NULL")
    _drop(con, "_rollup_members", "_rollup_n", "_rollup_pv", "_rollup_sessions")


def _recompute_margins(con: duckdb.DuckDBPyConnection, shop_id: str, rollup: str, days: list[dt.date]) -> None:
    """Replace the margins of ``days`` (sorted): per day, for the whole shop and each value of each cell dimension,
    the union of the visitor sets of the visits rollup's cells and of the buyer sets of the paid rollup's cells
    with that value (merged in pyroaring: DuckDB has no bitmap type)."""
    con.execute(f"DELETE FROM {rollup} WHERE shop_id = ? AND date IN ({_dates(days)})", [shop_id])
    measures = ("uv", "paid_buyers")
    merged: dict[tuple[dt.date, str | None, str | None], tuple[list[BitMap], list[BitMap]]] = {}
    for m, (table, dims) in enumerate(((VISITS, CELL_DIMS), (PAID, (*CELL_DIMS, *BUYER_DIMS)))):
        cells = con.execute(f"SELECT date, {', '.join(dims)}, {measures[m]}_set FROM {table.name} "
                            f"WHERE shop_id = ? AND date IN ({_dates(days)})", [shop_id]).fetchall()
        for date, *values, blob in cells:
            ids = BitMap.deserialize(blob)
            for dim, value in ((None, None), *zip(dims, values, strict=True)):
                merged.setdefault((date, dim, value), ([], []))[m].append(ids)
    if not merged:
        return
    names = ("date", "dimension", *CELL_DIMS, *BUYER_DIMS)
    columns: dict[str, list[object]] = {name: [] for name in (*names, *measures, *(f"{m}_set" for m in measures))}
    for (date, dim, value), parts in merged.items():
        for name, cell in zip(names, (date, dim, *(value if d == dim else None for d in names[2:])), strict=True):
            columns[name].append(cell)
        for measure, sets in zip(measures, parts, strict=True):  # none: no visitor or buyer has the value (the
            union = BitMap.union(*sets) if sets else BitMap()  # visits rollup's cells of page views alone have none)
            columns[measure].append(len(union) or None)
            columns[f"{measure}_set"].append(bitmaps.serialize(union) if union else None)
    _insert_columns(con, shop_id, rollup, columns)


def _insert_columns(con: duckdb.DuckDBPyConnection, shop_id: str, rollup: str, columns: dict[str, list[object]]
                    ) -> None:
    """Insert rows merged in Python (a list per column; ``*_set`` columns serialized bitmaps) into ``rollup``."""
    _insert_table(con, shop_id, rollup, pa.table({name: pa.array(values, pa.binary()) if name.endswith("_set")
                                                  else values for name, values in columns.items()}))


def _recompute_product_margins(con: duckdb.DuckDBPyConnection, shop_id: str, rollup: str, days: list[dt.date]
                               ) -> None:
    """Replace the product margins of ``days`` (sorted): per day, product and value of each cell dimension (an
    empty value too), the union of the product-cell rows' viewer and buyer sets with that value (pyroaring)."""
    con.execute(f"DELETE FROM {rollup} WHERE shop_id = ? AND date IN ({_dates(days)})", [shop_id])
    dims = (*CELL_DIMS, *BUYER_DIMS)
    cells = con.execute(f"SELECT date, product_id, {', '.join(dims)}, uv_set, paid_buyers_set FROM "
                        f"{PRODUCT_CELLS.name} WHERE shop_id = ? AND date IN ({_dates(days)})", [shop_id]).fetchall()
    merged: dict[tuple[dt.date, str, str, str | None], tuple[list[BitMap], list[BitMap]]] = {}
    for date, product, *values, viewers, buyers in cells:
        pair = BitMap.deserialize(viewers), BitMap.deserialize(buyers)
        for dim, value in zip(dims, values, strict=True):
            parts = merged.setdefault((date, product, dim, value), ([], []))
            parts[0].append(pair[0])
            parts[1].append(pair[1])
    if not merged:
        return
    names = ("date", "product_id", "dimension", *dims)
    columns: dict[str, list[object]] = {name: [] for name in (*names, "uv", "uv_set", "paid_buyers",
                                                               "paid_buyers_set")}
    for (date, product, dim, value), parts in merged.items():
        for name, cell in zip(names, (date, product, dim, *(value if d == dim else None for d in dims)), strict=True):
            columns[name].append(cell)
        for measure, sets in zip(("uv", "paid_buyers"), parts, strict=True):
            union = BitMap.union(*sets)
            columns[measure].append(len(union))
            columns[f"{measure}_set"].append(bitmaps.serialize(union))
    _insert_columns(con, shop_id, rollup, columns)


CATALOGUE = "catalogue"
"""The ``rollup_marks`` input of the products' categories: per day, the count and hash of the (product, category)
pairs the day's ``rollup_categories`` rows were merged by."""
_CATALOGUE = "SELECT count(*), coalesce(bit_xor(hash(product_id, category)), 0) FROM products WHERE shop_id = ?"


def _recategorised(con: duckdb.DuckDBPyConnection, shop_id: str) -> set[dt.date]:
    """The days whose categories were merged by another catalogue than the shop's products now."""
    n, h = con.execute(_CATALOGUE, [shop_id]).fetchall()[0]
    return {d for (d,) in con.execute(
        f"SELECT date FROM {MARKS.name} WHERE shop_id = ? AND input = ? AND (n <> ? OR h <> ?)",
        [shop_id, CATALOGUE, n, h]).fetchall()}


def _recompute_categories(con: duckdb.DuckDBPyConnection, shop_id: str, rollup: str, days: list[dt.date]) -> None:
    """Replace the category rows of ``days`` (sorted): per day and category of the products table, the union of
    its products' sets in the product rollup (merged in pyroaring, as the margins); mark the days with the
    catalogue they were merged by."""
    con.execute(f"DELETE FROM {rollup} WHERE shop_id = ? AND date IN ({_dates(days)})", [shop_id])
    measures = ("uv", "cart_visitors", "paid_buyers")
    rows = con.execute(
        f"SELECT r.date, p.category, {', '.join(f'r.{m}_set' for m in measures)} FROM {PRODUCTS.name} r "
        "LEFT JOIN products p ON p.shop_id = r.shop_id AND p.product_id = r.product_id "
        f"WHERE r.shop_id = ? AND r.date IN ({_dates(days)})", [shop_id]).fetchall()
    merged: dict[tuple[dt.date, str | None], list[list[BitMap]]] = {}
    for date, category, *blobs in rows:
        parts = merged.setdefault((date, category), [[] for _ in measures])
        for sets, blob in zip(parts, blobs, strict=True):
            sets.append(BitMap.deserialize(blob))
    columns: dict[str, list[object]] = {name: [] for name in ("date", "category", *measures,
                                                               *(f"{m}_set" for m in measures))}
    for (date, category), parts in merged.items():
        columns["date"].append(date)
        columns["category"].append(category)
        for measure, sets in zip(measures, parts, strict=True):
            union = BitMap.union(*sets)
            columns[measure].append(len(union))
            columns[f"{measure}_set"].append(bitmaps.serialize(union))
    if merged:
        _insert_columns(con, shop_id, rollup, columns)
    n, h = con.execute(_CATALOGUE, [shop_id]).fetchall()[0]
    con.execute(f"DELETE FROM {MARKS.name} WHERE shop_id = ? AND input = ? AND date IN ({_dates(days)})",
                [shop_id, CATALOGUE])
    con.execute(f"INSERT INTO {MARKS.name} SELECT ?, ?, unnest(?::DATE[]), ?, ?", [shop_id, CATALOGUE, days, n, h])


def _insert_table(con: duckdb.DuckDBPyConnection, shop_id: str, rollup: str, rows: pa.Table) -> None:
    """Append the Arrow ``rows`` (a column per rollup column but the shop and ``days``; sets serialized) to
    ``rollup``: the few rows of merged sets, made in Python."""
    con.register("_rollup_new", rows)
    try:
        _insert(con, shop_id, rollup, "SELECT * FROM _rollup_new")
    finally:
        con.unregister("_rollup_new")


def _insert(con: duckdb.DuckDBPyConnection, shop_id: str, rollup: str, rows: str, sets: dict[str, str] | None = None,
            where: str = "") -> None:
    """Append the rows of query ``rows`` to ``rollup``: each column from the query's column of the same name, but
    the shop and ``days`` (1); an id set in ``sets`` (set column: the column of its list of dense ids) serialized
    in DuckDB's pipeline (``junshi_roaring``, a vector of rows at a time), so a week of id lists never sits whole
    in Python memory, outside DuckDB's limit."""
    chosen = {"shop_id": "$shop", "days": "1"} | {c: f"{bitmaps.ROARING}(CAST({ids} AS UINTEGER[]))"
                                              for c, ids in (sets or {}).items()}
    select = ", ".join(f"{chosen.get(c.name, c.name)} AS {c.name}" for c in ROLLUPS[rollup].columns)
    con.execute(f"INSERT INTO {rollup} SELECT {select} FROM ({rows}) {where}", {"shop": shop_id})


def _replace_visitor_rows(con: duckdb.DuckDBPyConnection, shop_id: str, rollup: str, days: list[dt.date],
                          members: str, rows: str, sets: dict[str, str] | None = None) -> None:
    """Replace the rows of ``rollup`` for ``days``: ``members`` (SQL of the raw rows of the days, with ``date`` and
    the visitor as ``id``) kept as ``_rollup_members``, their visitors numbered (``_rollup_n``), then the rows of
    ``rows`` (SQL over those two) appended as :func:`_insert` does."""
    con.execute(f"DELETE FROM {rollup} WHERE shop_id = ? AND date IN ({_dates(days)})", [shop_id])
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rollup_members AS {members}", {"shop": shop_id})
    _number(con, shop_id, "visitor")
    _insert(con, shop_id, rollup, rows, sets)
    _drop(con, "_rollup_members", "_rollup_n")


def _drop(con: duckdb.DuckDBPyConnection, *temps: str) -> None:
    for temp in temps:
        con.execute(f"DROP TABLE IF EXISTS {temp}")


def _number(con: duckdb.DuckDBPyConnection, shop_id: str, kind: str) -> None:
    """``_rollup_n`` (id, n): the dense number of each id of ``_rollup_members``, read from the dictionary in one
    pass; the ids not numbered yet get the next numbers (in order of first day, then id) and join the dictionary."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rollup_n AS WITH m AS (SELECT id, min(date) AS first FROM _rollup_members "
        f"WHERE id IS NOT NULL GROUP BY id), k AS (SELECT m.id, m.first, i.n FROM m LEFT JOIN {IDS.name} i "
        "ON i.shop_id = $shop AND i.kind = $kind AND i.id = m.id) "
        f"SELECT id, n IS NULL AS new, coalesce(n, (SELECT coalesce(max(n) + 1, 0) FROM {IDS.name} "
        "WHERE shop_id = $shop AND kind = $kind) + row_number() OVER (PARTITION BY n IS NULL ORDER BY first, id) - 1) "
        "AS n FROM k", {"shop": shop_id, "kind": kind})
    con.execute(f"INSERT INTO {IDS.name} SELECT $shop, $kind, id, n FROM _rollup_n WHERE new ORDER BY n",
                {"shop": shop_id, "kind": kind})

