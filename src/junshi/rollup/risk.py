"""What the 风控 page reads instead of every order, refreshed with the rollups for the days a load touched.

- ``rollup_prints``: per fingerprint (address, device, IP) and buyer, the buyer's first order with it and the
  fingerprint's hub (first buyer; none on the hub's own row). A buyer's first order with a value is the same
  whatever day the graph is cut at (if it is before the cut), and so is the hub (it has the earliest first
  order), so the fingerprint graph of any day is the rows first seen before its end (``junshi.risk.graph``).
- ``rollup_placed``: per day an order was placed and product, its order lines (the bursts' daily counts).
- ``rollup_repeat_orders`` and ``rollup_repeat_reviews``: the orders, and rated reviews, of the buyers and
  addresses with :data:`REPEAT_ROWS` or more of them in the whole history: a payment or after-sale check tests
  only those with as many rows in its period, so it groups these rows alone (``junshi.risk.aftersale``).

Each ``recompute_*`` replaces what the raw rows of ``days`` (shop-local, sorted) may have moved, in the caller's
transaction, as ``junshi.rollup.build`` does for the other rollups.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb

from junshi.rollup.build import _dates, _drop, _within
from junshi.rollup.tables import PLACED, PRINTS, REPEAT_ORDERS, REPEAT_REVIEWS

LINKED = ("address_hash", "device_hash", "ip_hash")
"""The fingerprints of orders kept in ``rollup_prints`` (the graph links by address and device; IPs are named)."""
REPEAT_ROWS = 3
"""Rows a buyer or address needs to be tested by a payment or after-sale check (``aftersale.MIN_COUNT``)."""


def prints_sql(where: Callable[[str], str], kinds: tuple[str, ...] = LINKED) -> str:
    """SQL of the fingerprint rows (kind, value, customer_id, first_at, hub: none for the hub itself) of ``kinds``
    of the shop's orders (``$shop``) meeting ``where(kind)``."""
    rows = " UNION ALL ".join(
        f"SELECT '{k}' AS kind, {k} AS value, customer_id, created_at FROM orders "
        f"WHERE shop_id = $shop AND customer_id IS NOT NULL AND {k} IS NOT NULL AND {where(k)}" for k in kinds)
    return ("WITH p AS (SELECT kind, value, customer_id, min(created_at) AS first_at "
            f"FROM ({rows}) GROUP BY ALL) SELECT kind, value, customer_id, first_at, "
            "nullif(first_value(customer_id) OVER (PARTITION BY kind, value ORDER BY first_at, customer_id), "
            "customer_id) AS hub FROM p")


def placed_lines_sql(where: str) -> str:
    """SQL of the order lines naming a product (order_id, line_no, product_id, day placed) of the shop's orders
    (``$shop``; ``o``) meeting ``where``."""
    return ("SELECT i.order_id, i.line_no, i.product_id, CAST(o.created_at AS DATE) AS day FROM order_items i "
            "JOIN orders o ON o.shop_id = i.shop_id AND o.order_id = i.order_id "
            f"WHERE i.shop_id = $shop AND o.shop_id = $shop AND i.product_id IS NOT NULL AND {where}")


def recompute_prints(con: duckdb.DuckDBPyConnection, shop_id: str, days: list[dt.date]) -> None:
    """Replace the rows of every fingerprint used by an order placed on ``days``, or first used by a buyer then
    (an order deleted or moved since: its old values), from all the shop's orders."""
    params = {"shop": shop_id}
    placed = " UNION ".join(f"SELECT '{k}' AS kind, {k} AS value FROM orders WHERE shop_id = $shop "
                            f"AND {k} IS NOT NULL AND {_within('created_at', days)}" for k in LINKED)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rollup_values AS {placed} UNION SELECT kind, value "
                f"FROM {PRINTS.name} WHERE shop_id = $shop AND {_within('first_at', days)}", params)
    con.execute(f"DELETE FROM {PRINTS.name} p USING _rollup_values v WHERE p.shop_id = $shop AND p.kind = v.kind "
                "AND p.value = v.value", params)
    touched = prints_sql(lambda k: f"{k} IN (SELECT value FROM _rollup_values WHERE kind = '{k}')")
    con.execute(f"INSERT INTO {PRINTS.name} SELECT $shop, * FROM ({touched})", params)
    con.execute("DROP TABLE _rollup_values")


def recompute_placed(con: duckdb.DuckDBPyConnection, shop_id: str, days: list[dt.date]) -> None:
    """Replace the rows of ``days``: per product, the lines of the orders placed that day."""
    con.execute(f"DELETE FROM {PLACED.name} WHERE shop_id = ? AND date IN ({_dates(days)})", [shop_id])
    con.execute(f"INSERT INTO {PLACED.name} SELECT $shop, day, 1, product_id, count(*) FROM "
                f"({placed_lines_sql(_within('o.created_at', days))}) GROUP BY ALL", {"shop": shop_id})


def _recompute_kept(con: duckdb.DuckDBPyConnection, shop_id: str, table: str, touched: str, rows: str,
                   buyer: str, address: str, columns: str) -> None:
    """Replace ``table`` (the shop's rows of repeat buyers and addresses) by the rows of ``rows`` (a FROM and
    WHERE over ``$shop``, whose buyer and address are ``buyer`` and ``address``) of the buyers and addresses with
    :data:`REPEAT_ROWS` rows or more, counted over the whole history for those of ``touched`` (SQL of level, id:
    what the changed days hold) and every one kept before (one may have lost rows on another day)."""
    params = {"shop": shop_id}
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _rollup_keys AS {touched} UNION SELECT 'buyer', customer_id FROM {table} "
        f"WHERE shop_id = $shop AND buyer_kept UNION SELECT 'address', address_hash FROM {table} "
        "WHERE shop_id = $shop AND address_kept", params)
    kept = {level: f"(SELECT id FROM _rollup_{level}s)" for level in ("buyer", "address")}
    for level, column in (("buyer", buyer), ("address", address)):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _rollup_{level}s AS SELECT {column} AS id FROM {rows} AND {column} IN "
            f"(SELECT id FROM _rollup_keys WHERE level = '{level}') GROUP BY 1 HAVING count(*) >= {REPEAT_ROWS}",
            params)
    con.execute(f"DELETE FROM {table} WHERE shop_id = $shop", params)
    con.execute(
        f"INSERT INTO {table} SELECT $shop, {columns}, coalesce({buyer} IN {kept['buyer']}, FALSE), "
        f"coalesce({address} IN {kept['address']}, FALSE) FROM {rows} "
        f"AND ({buyer} IN {kept['buyer']} OR {address} IN {kept['address']})", params)
    _drop(con, "_rollup_keys", "_rollup_buyers", "_rollup_addresss")


def recompute_repeat_orders(con: duckdb.DuckDBPyConnection, shop_id: str, days: list[dt.date]) -> None:
    """The orders of the buyers and addresses with :data:`REPEAT_ROWS` orders or more, anew for those of the orders
    placed on ``days`` and those kept before."""
    placed = _within("created_at", days)
    touched = (f"SELECT 'buyer' AS level, customer_id AS id FROM orders WHERE shop_id = $shop AND {placed} "
               f"UNION SELECT 'address', address_hash FROM orders WHERE shop_id = $shop AND {placed}")
    _recompute_kept(con, shop_id, REPEAT_ORDERS.name, touched, "orders WHERE shop_id = $shop", "customer_id",
                    "address_hash", "order_id, customer_id, address_hash, created_at, paid_at, cancelled_at, "
                    "is_presale, pay_amount")


def recompute_repeat_reviews(con: duckdb.DuckDBPyConnection, shop_id: str, days: list[dt.date]) -> None:
    """The rated reviews of the reviewers and (reviewed orders') addresses with :data:`REPEAT_ROWS` of them or
    more, anew for those of the reviews written and the orders placed on ``days`` and those kept before."""
    written, placed = _within("r.created_at", days), _within("created_at", days)
    touched = (f"SELECT 'buyer' AS level, customer_id AS id FROM reviews r WHERE shop_id = $shop AND {written} "
               "UNION SELECT 'address', o.address_hash FROM reviews r JOIN orders o ON o.shop_id = r.shop_id "
               f"AND o.order_id = r.order_id WHERE r.shop_id = $shop AND {written} "
               f"UNION SELECT 'address', address_hash FROM orders WHERE shop_id = $shop AND {placed}")
    rows = ("reviews r LEFT JOIN orders o ON o.shop_id = r.shop_id AND o.order_id = r.order_id "
            "WHERE r.shop_id = $shop AND r.rating IS NOT NULL")
    _recompute_kept(con, shop_id, REPEAT_REVIEWS.name, touched, rows, "r.customer_id", "o.address_hash",
                    "r.review_id, r.order_id, r.product_id, r.customer_id, r.created_at, r.rating, o.address_hash, "
                    "o.delivered_at")


RECOMPUTE = {PRINTS.name: recompute_prints, PLACED.name: recompute_placed,
             REPEAT_ORDERS.name: recompute_repeat_orders, REPEAT_REVIEWS.name: recompute_repeat_reviews}
"""The recompute of each table, by name."""
