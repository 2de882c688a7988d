"""Whether and when a shop's rollups were built: read with DuckDB alone (no NumPy, Arrow or Roaring), so that what
is kept per data version (:mod:`junshi.versioned`) is found without loading the rollups' builder."""

from __future__ import annotations

import datetime as dt
import weakref
from typing import TYPE_CHECKING

import duckdb

from junshi.rollup.tables import STATE, TABLES

if TYPE_CHECKING:
    from junshi.shop import Shop


def stored_columns(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, ...]]:
    """The columns of the rollup tables the warehouse holds (in order), by table."""
    rows = con.execute(
        "SELECT table_name, list(column_name ORDER BY ordinal_position) FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_name IN (SELECT unnest(?::VARCHAR[])) GROUP BY ALL",
        [[t.name for t in TABLES]]).fetchall()
    return {name: tuple(columns) for name, columns in rows}


def current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse's rollup tables have this Junshi's layout (an older one is read as not built)."""
    stored = stored_columns(con)
    return all(stored.get(t.name) == t.column_names for t in TABLES)


def stamp(con: duckdb.DuckDBPyConnection, shop_id: str) -> dt.datetime | None:
    """When the shop's rollups were last refreshed (every load refreshes them); None: never built, or built by a
    Junshi whose rollup tables had another layout (the next refresh fills the new ones)."""
    try:
        rows = con.execute(f"SELECT built_at FROM {STATE.name} WHERE shop_id = ?", [shop_id]).fetchall()
    except duckdb.CatalogException:  # a warehouse from before rollups
        return None
    if not rows:
        return None
    # the layout changes only with a refresh, which stamps anew: checked once per connection and stamp
    seen = _CURRENT.setdefault(con, {})
    if rows[0][0] not in seen:
        seen[rows[0][0]] = current(con)
    return rows[0][0] if seen[rows[0][0]] else None


_CURRENT: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, dict[dt.datetime, bool]] = weakref.WeakKeyDictionary()
"""Per connection and rollup stamp: whether the rollup tables had this Junshi's layout."""


def built(con: duckdb.DuckDBPyConnection, shop_id: str) -> bool:
    """Whether the shop's rollups are built (and so kept up to date by every load)."""
    return stamp(con, shop_id) is not None


def built_in(shop: Shop, *, all_orders: bool = True) -> duckdb.DuckDBPyConnection | None:
    """The connection of the shop's DuckDB warehouse when its rollups are built there, so that what they keep
    answers; None: read the raw rows (another engine, rollups not built, or, with ``all_orders``, figures read
    without the suspect orders, which the rollups hold)."""
    from junshi.warehouse import Writable

    wh = shop.warehouse
    if not isinstance(wh, Writable) or wh.engine != "duckdb" or (all_orders and wh.clean):
        return None
    return wh.con if built(wh.con, shop.shop_id) else None

