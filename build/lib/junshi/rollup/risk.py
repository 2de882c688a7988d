"""What the 风控 page reads instead of every order, refreshed with the rollups for the days a load touched.

- ``rollup_prints``: per fingerprint (address, device, IP) and buyer, the buyer's first order with it and the
  fingerprint's hub (first buyer; none on the hub's own row). A buyer's first order with a value is the same
  whatever day the graph is cut at (if it is before the cut), and so is the hub (it has the earliest first
  order), so the fingerprint graph of any day is the rows first seen before its end (``junshi.risk.graph``).
- ``rollup_placed``: per day an order was placed and product, its order lines (the bursts' daily counts).
- ``rollup_first_orders``: per buyer, their first order's time and their account's registration: the first orders
  of new accounts in a period are read without grouping every order and reading every customer.
- ``rollup_checks``: per day, what each payment or after-sale check counts shop-wide (its rows and hits: the share
  every buyer and address is tested against), summed over a period's days instead of reading its rows.
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
from junshi.rollup.tables import CHECK_DAYS, FIRST_ORDERS, PLACED, PRINTS, REPEAT_ORDERS, REPEAT_REVIEWS

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


def first_orders_sql(where: str = "TRUE") -> str:
    """SQL of the buyers (customer_id, first_at, registered_at) of the shop's orders (``$shop``) meeting ``where``
    (a condition on the buyer: all their orders count): each one's first order, and their account's registration
    (none without a customer row)."""
    return ("SELECT f.customer_id, f.first_at, c.registered_at FROM (SELECT customer_id, min(created_at) AS first_at "
            f"FROM orders WHERE shop_id = $shop AND customer_id IS NOT NULL AND {where} GROUP BY 1) f "
            "LEFT JOIN customers c ON c.shop_id = $shop AND c.customer_id = f.customer_id")


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


def recompute_first_orders(con: duckdb.DuckDBPyConnection, shop_id: str, days: list[dt.date]) -> None:
    """Replace the rows of the buyers who placed an order or registered on ``days``, or whose first order or
    registration was kept on them before (an order or account deleted or moved since), from all their orders."""
    params = {"shop": shop_id}
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rollup_buyers AS SELECT customer_id FROM orders WHERE shop_id = $shop "
        f"AND {_within('created_at', days)} UNION SELECT customer_id FROM customers WHERE shop_id = $shop "
        f"AND {_within('registered_at', days)} UNION SELECT customer_id FROM {FIRST_ORDERS.name} WHERE shop_id = $shop "
        f"AND ({_within('first_at', days)} OR {_within('registered_at', days)})", params)
    con.execute(f"DELETE FROM {FIRST_ORDERS.name} WHERE shop_id = $shop AND customer_id IN "
                "(SELECT customer_id FROM _rollup_buyers)", params)
    con.execute(f"INSERT INTO {FIRST_ORDERS.name} SELECT $shop, * FROM "
                f"({first_orders_sql('customer_id IN (SELECT customer_id FROM _rollup_buyers)')})", params)
    _drop(con, "_rollup_buyers")


def recompute_checks(con: duckdb.DuckDBPyConnection, shop_id: str, days: list[dt.date]) -> None:
    """Replace the rows of ``days``: the orders placed (payments) and paid (refunds) on them, and the rated reviews
    written on them, on the days of the reviews of the orders placed on them (a delivery moved) and on the days
    whose quick negative reviews lost their order (one deleted)."""
    from junshi.risk.aftersale import NEGATIVE, QUICK_DAYS

    params = {"shop": shop_id}
    con.execute(f"DELETE FROM {CHECK_DAYS.name} WHERE shop_id = $shop AND kind IN ('payments', 'refunds') "
                f"AND date IN ({_dates(days)})", params)
    con.execute(
        f"INSERT INTO {CHECK_DAYS.name} SELECT $shop, CAST(created_at AS DATE), 'payments', count(*), "
        "count(*) FILTER (paid_at IS NULL), count(*) FILTER (paid_at IS NULL AND cancelled_at IS NOT NULL) "
        f"FROM orders WHERE shop_id = $shop AND {_within('created_at', days)} AND NOT coalesce(is_presale, FALSE) "
        f"GROUP BY 2 UNION ALL SELECT $shop, CAST(o.paid_at AS DATE), 'refunds', count(*), count(r.order_id), "
        "count(r.order_id) FROM orders o LEFT JOIN (SELECT DISTINCT order_id FROM refunds WHERE shop_id = $shop) r "
        f"ON r.order_id = o.order_id WHERE o.shop_id = $shop AND {_within('o.paid_at', days)} GROUP BY 2", params)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rollup_days AS SELECT unnest($days::DATE[]) AS d "
        "UNION SELECT CAST(r.created_at AS DATE) FROM reviews r JOIN orders o ON o.shop_id = r.shop_id "
        "AND o.order_id = r.order_id WHERE r.shop_id = $shop AND r.rating IS NOT NULL "
        f"AND {_within('o.created_at', days)} "
        f"UNION SELECT CAST(created_at AS DATE) FROM reviews r WHERE shop_id = $shop AND rating <= {NEGATIVE} "
        f"AND CAST(created_at AS DATE) IN (SELECT date FROM {CHECK_DAYS.name} WHERE shop_id = $shop "
        "AND kind = 'reviewers' AND hits > 0) "
        "AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.shop_id = $shop AND o.order_id = r.order_id)",
        {**params, "days": days})
    con.execute(f"DELETE FROM {CHECK_DAYS.name} WHERE shop_id = $shop AND kind = 'reviewers' "
                "AND date IN (SELECT d FROM _rollup_days)", params)
    # a quick negative review: as junshi.risk.aftersale counts it (the seconds between delivery and review)
    quick = (f"r.rating <= {NEGATIVE} "
             f"AND coalesce(epoch(r.created_at) - epoch(o.delivered_at) <= {QUICK_DAYS * 86400}, FALSE)")
    con.execute(
        f"INSERT INTO {CHECK_DAYS.name} SELECT $shop, CAST(r.created_at AS DATE), 'reviewers', count(*), "
        f"count(*) FILTER ({quick}), count(*) FILTER ({quick}) FROM reviews r LEFT JOIN orders o "
        "ON o.shop_id = r.shop_id AND o.order_id = r.order_id WHERE r.shop_id = $shop AND r.rating IS NOT NULL "
        "AND CAST(r.created_at AS DATE) IN (SELECT d FROM _rollup_days) GROUP BY 2", params)
    _drop(con, "_rollup_days")


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
    """The orders of the buyers and addresses with :data:`REPEAT_ROWS` orders or more, with their refunds, anew for
    those of the orders placed on ``days`` and those kept before."""
    placed = _within("created_at", days)
    touched = (f"SELECT 'buyer' AS level, customer_id AS id FROM orders WHERE shop_id = $shop AND {placed} "
               f"UNION SELECT 'address', address_hash FROM orders WHERE shop_id = $shop AND {placed}")
    refunded = ("orders LEFT JOIN (SELECT order_id AS refunded_order, sum(amount) AS refund_amount FROM refunds "
                "WHERE shop_id = $shop GROUP BY 1) ON refunded_order = order_id WHERE shop_id = $shop")
    _recompute_kept(con, shop_id, REPEAT_ORDERS.name, touched, refunded, "customer_id", "address_hash",
                    "order_id, customer_id, address_hash, created_at, paid_at, cancelled_at, is_presale, pay_amount, "
                    "refunded_order IS NOT NULL, refund_amount")


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


RECOMPUTE = {PRINTS.name: recompute_prints, PLACED.name: recompute_placed, FIRST_ORDERS.name: recompute_first_orders,
             CHECK_DAYS.name: recompute_checks,
             REPEAT_ORDERS.name: recompute_repeat_orders, REPEAT_REVIEWS.name: recompute_repeat_reviews}
"""The recompute of each table, by name."""
WHOLE = frozenset({REPEAT_ORDERS.name, REPEAT_REVIEWS.name})
"""The tables whose recompute rewrites the shop's rows whole (those of every buyer and address kept): run once for
all the days a refresh touched, not once per chunk of them."""
