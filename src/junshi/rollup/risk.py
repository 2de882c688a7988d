"""What the 风控 page reads instead of every order, refreshed with the rollups for the days a load touched.

- ``rollup_prints``: per fingerprint (address, device, IP) and buyer, the buyer's first order with it and the
  fingerprint's hub (first buyer; none on the hub's own row). A buyer's first order with a value is the same
  whatever day the graph is cut at (if it is before the cut), and so is the hub (it has the earliest first
  order), so the fingerprint graph of any day is the rows first seen before its end (``junshi.risk.graph``).
- ``rollup_placed``: per day an order was placed and product, its order lines (the bursts' daily counts).
- ``rollup_repeat``: buyers and addresses with :data:`REPEAT_ROWS` or more orders, or rated reviews, in the
  whole history: a payment or after-sale check tests only those with as many rows in its period, so it groups
  their rows alone (``junshi.risk.aftersale``).

Each ``recompute_*`` replaces what the raw rows of ``days`` (shop-local, sorted) may have moved, in the caller's
transaction, as ``junshi.rollup.build`` does for the other rollups.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb

from junshi.rollup.tables import PLACED, PRINTS, REPEAT

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
    from junshi.rollup.build import _within

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
    from junshi.rollup.build import _dates, _within

    con.execute(f"DELETE FROM {PLACED.name} WHERE shop_id = ? AND date IN ({_dates(days)})", [shop_id])
    con.execute(f"INSERT INTO {PLACED.name} SELECT $shop, day, 1, product_id, count(*) FROM "
                f"({placed_lines_sql(_within('o.created_at', days))}) GROUP BY ALL", {"shop": shop_id})


def recompute_repeat(con: duckdb.DuckDBPyConnection, shop_id: str, days: list[dt.date]) -> None:
    """Count anew, over the whole history, the orders and rated reviews of the buyers and addresses of the orders
    and reviews of ``days`` (an order's address: its reviews' too) and of every one kept (one that lost rows
    elsewhere); keep those with :data:`REPEAT_ROWS` or more."""
    from junshi.rollup.build import _within

    params = {"shop": shop_id}
    orders, reviews = _within("created_at", days), _within("r.created_at", days)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rollup_keys AS "
        f"SELECT 'buyer' AS level, customer_id AS id FROM orders WHERE shop_id = $shop AND {orders} "
        f"UNION SELECT 'address', address_hash FROM orders WHERE shop_id = $shop AND {orders} "
        f"UNION SELECT 'buyer', customer_id FROM reviews r WHERE shop_id = $shop AND {reviews} "
        "UNION SELECT 'address', o.address_hash FROM reviews r JOIN orders o ON o.shop_id = r.shop_id "
        f"AND o.order_id = r.order_id WHERE r.shop_id = $shop AND {reviews} "
        f"UNION SELECT level, id FROM {REPEAT.name} WHERE shop_id = $shop", params)
    con.execute(f"DELETE FROM {REPEAT.name} WHERE shop_id = $shop", params)  # every kept one is counted anew
    buyers, addresses = ("(SELECT id FROM _rollup_keys WHERE level = 'buyer')",
                         "(SELECT id FROM _rollup_keys WHERE level = 'address')")
    rated = ("reviews r LEFT JOIN orders o ON o.shop_id = r.shop_id AND o.order_id = r.order_id "
             "WHERE r.shop_id = $shop AND r.rating IS NOT NULL")
    con.execute(
        f"INSERT INTO {REPEAT.name} SELECT $shop, source, level, id, count(*) FROM ("
        f"SELECT 'orders' AS source, 'buyer' AS level, customer_id AS id FROM orders WHERE shop_id = $shop "
        f"AND customer_id IN {buyers} "
        f"UNION ALL SELECT 'orders', 'address', address_hash FROM orders WHERE shop_id = $shop "
        f"AND address_hash IN {addresses} "
        f"UNION ALL SELECT 'reviews', 'buyer', r.customer_id FROM {rated} AND r.customer_id IN {buyers} "
        f"UNION ALL SELECT 'reviews', 'address', o.address_hash FROM {rated} AND o.address_hash IN {addresses}"
        f") GROUP BY ALL HAVING count(*) >= {REPEAT_ROWS}", params)
    con.execute("DROP TABLE _rollup_keys")


RECOMPUTE = {PRINTS.name: recompute_prints, PLACED.name: recompute_placed, REPEAT.name: recompute_repeat}
"""The recompute of each table, by name."""
