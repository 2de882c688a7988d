"""``rollup_search_sets``, ``rollup_searches`` and ``rollup_search_orders``: what the search terms
(``junshi.marketing.search``) read, so that a month's report unions a few sets of searchers per query and matches
the searchers with their paid orders by dense id, instead of grouping every search of the month and joining it
with the orders by visitor id strings.

A searcher's row of a day keeps their first and last search of the query: the span of their searches over any days
(first of the first day, last of the last) is exact, and so is whether a paid order of theirs falls in it (the
orders are kept by the day they were placed, with the time).
"""

from __future__ import annotations

import datetime as dt

import duckdb

from junshi.rollup.build import _replace_visitor_rows, _within
from junshi.rollup.tables import SEARCH_ORDERS, SEARCH_SETS, SEARCHES


def recompute_searches(con: duckdb.DuckDBPyConnection, shop_id: str, days: list[dt.date]) -> None:
    """Replace the rows of ``days`` (sorted): per day, query and searcher, their first and last search."""
    _replace_visitor_rows(
        con, shop_id, SEARCHES.name, days,
        "SELECT CAST(ts AS DATE) AS date, visitor_id AS id, query, ts FROM searches "
        f"WHERE shop_id = $shop AND visitor_id IS NOT NULL AND {_within('ts', days)}",
        "SELECT m.date, m.query, i.n AS visitor, min(m.ts) AS first_at, max(m.ts) AS last_at "
        "FROM _rollup_members m JOIN _rollup_n i ON i.id = m.id GROUP BY ALL")


def recompute_search_sets(con: duckdb.DuckDBPyConnection, shop_id: str, days: list[dt.date]) -> None:
    """Replace the rows of ``days`` (sorted): per day, query and clicked product, the searches and searchers."""
    _replace_visitor_rows(
        con, shop_id, SEARCH_SETS.name, days,
        "SELECT CAST(ts AS DATE) AS date, visitor_id AS id, query, clicked_product_id AS product_id, results_count "
        f"FROM searches WHERE shop_id = $shop AND {_within('ts', days)}",
        "SELECT m.date, m.query, m.product_id, count(*) AS searches, count(*) FILTER (m.results_count = 0) AS "
        "no_results, list(DISTINCT i.n) FILTER (i.n IS NOT NULL) AS ids FROM _rollup_members m "
        "LEFT JOIN _rollup_n i ON i.id = m.id GROUP BY ALL", {"searchers_set": "ids"})


def recompute_search_orders(con: duckdb.DuckDBPyConnection, shop_id: str, days: list[dt.date]) -> None:
    """Replace the rows of ``days`` (sorted): the paid orders placed those days by a visitor."""
    _replace_visitor_rows(
        con, shop_id, SEARCH_ORDERS.name, days,
        "SELECT CAST(created_at AS DATE) AS date, visitor_id AS id, order_id, created_at FROM orders "
        f"WHERE shop_id = $shop AND paid_at IS NOT NULL AND visitor_id IS NOT NULL AND {_within('created_at', days)}",
        "SELECT m.date, m.order_id, i.n AS visitor, m.created_at FROM _rollup_members m "
        "JOIN _rollup_n i ON i.id = m.id")


RECOMPUTE = {SEARCHES.name: recompute_searches, SEARCH_SETS.name: recompute_search_sets,
             SEARCH_ORDERS.name: recompute_search_orders}
"""The recompute of each table, by name."""
