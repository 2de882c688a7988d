"""What multi-touch attribution reads instead of every visit (``junshi.marketing.paths``), kept by the refresh.

- ``rollup_path_steps``: per day, source and the visitor's previous visit (day, source, whether it converted; none
  for a first visit), the visits started that day and the first of them in path order. A period's paths are the
  visitors' visits in it cut after each visit with paid orders, so a visit starts a path of the period when it has
  no previous visit, the previous one converted or lies before the period, and otherwise steps from it: the
  Markov chain's transitions of any days are sums of these rows, and the channels' order of first appearance
  their minimum.
- ``rollup_path_touches``: every visit of a converting path, with the day of the path's conversion: a period's
  converting paths are those converting in it, cut at its first day.

A row depends on earlier days (the previous visit, the path's visits back to the last conversion), so a change on a
day also recomputes the later days whose rows may read it (:func:`later_days`).
"""

from __future__ import annotations

import datetime as dt

import duckdb

from junshi.rollup.build import CHUNK_DAYS, _dates, _drop, _visit_paid, _within
from junshi.rollup.tables import PATH_STEPS, PATH_TOUCHES


def _direct() -> str:
    """SQL: the visit (of ``sessions``) is direct, as the attribution's ``last_non_direct`` reads it."""
    from junshi.marketing.paths import DIRECT_SOURCES

    listed = ", ".join("'" + s.replace("'", "''") + "'" for s in DIRECT_SOURCES)
    return f"coalesce(lower(medium) = 'direct' OR lower(source) IN ({listed}), FALSE)"


_PAID = _visit_paid()
"""Per visit, its paid orders and their pay_amount in whole cents."""


def later_days(con: duckdb.DuckDBPyConnection, shop_id: str, days: list[dt.date]) -> set[dt.date]:
    """The days after ``days`` (sorted) whose rows a change on them may move, read before their rows are replaced:
    the next visit and the next conversion of each visitor of those days (now, or a conversion stored for them),
    and the days whose stored rows read a visit of those days (as the previous visit, or in a path)."""
    params = {"shop": shop_id, "after": days[0] + dt.timedelta(days=1)}
    rows = con.execute(f"""
        WITH who AS (SELECT DISTINCT visitor_id, CAST(started_at AS DATE) AS day FROM sessions
                     WHERE shop_id = $shop AND {_within('started_at', days)}
                     UNION SELECT visitor_id, date FROM {PATH_TOUCHES.name}
                     WHERE shop_id = $shop AND paid_orders > 0 AND date IN ({_dates(days)})),
             later AS (SELECT s.visitor_id, CAST(s.started_at AS DATE) AS day, p.session_id IS NOT NULL AS converted
                       FROM sessions s LEFT JOIN ({_PAID}) p ON p.session_id = s.session_id
                       WHERE s.shop_id = $shop AND s.started_at >= $after
                       AND s.visitor_id IN (SELECT visitor_id FROM who))
        SELECT unnest([min(l.day), min(l.day) FILTER (l.converted)]) FROM who w
        JOIN later l ON l.visitor_id = w.visitor_id AND l.day > w.day GROUP BY w.visitor_id, w.day
        UNION SELECT date FROM {PATH_STEPS.name} WHERE shop_id = $shop AND date >= $after
        AND prev_date IN ({_dates(days)})
        UNION SELECT date FROM {PATH_TOUCHES.name} WHERE shop_id = $shop AND date >= $after
        AND CAST(started_at AS DATE) IN ({_dates(days)})""", params).fetchall()
    return {d for (d,) in rows if d is not None} - set(days)


def recompute_paths(con: duckdb.DuckDBPyConnection, shop_id: str, days: list[dt.date]) -> None:
    """Replace both tables' rows of ``days`` (sorted) and of the later days they move, a week at a time."""
    every = sorted({*days, *later_days(con, shop_id, days)})
    for i in range(0, len(every), CHUNK_DAYS):
        _recompute(con, shop_id, every[i:i + CHUNK_DAYS])


def _recompute(con: duckdb.DuckDBPyConnection, shop_id: str, days: list[dt.date]) -> None:
    """The rows of ``days`` (sorted) from the visits of their visitors up to the last of them (every visit's
    previous one; every path's visits back to the visitor's previous conversion)."""
    params = {"shop": shop_id}
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _paths_visits AS
        WITH who AS (SELECT DISTINCT visitor_id FROM sessions WHERE shop_id = $shop AND {_within('started_at', days)})
        SELECT s.visitor_id, s.session_id, s.started_at, CAST(s.started_at AS DATE) AS day, s.source,
               {_direct()} AS direct, coalesce(p.orders, 0) AS orders, coalesce(p.cents, 0) AS cents
        FROM sessions s LEFT JOIN ({_PAID}) p ON p.session_id = s.session_id
        WHERE s.shop_id = $shop AND s.started_at < $hi AND s.visitor_id IN (SELECT visitor_id FROM who)""",
                params | {"hi": days[-1] + dt.timedelta(days=1)})
    order = "PARTITION BY visitor_id ORDER BY started_at, session_id"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _paths_seq AS
        SELECT *, lag(day) OVER ({order}) AS prev_date, lag(source) OVER ({order}) AS prev_source,
               lag(orders) OVER ({order}) > 0 AS prev_converted,
               coalesce(sum(CAST(orders > 0 AS INTEGER)) OVER ({order} ROWS BETWEEN UNBOUNDED PRECEDING
                                                              AND 1 PRECEDING), 0) AS path
        FROM _paths_visits""")
    within = f"day IN ({_dates(days)})"
    con.execute(f"DELETE FROM {PATH_STEPS.name} WHERE shop_id = $shop AND date IN ({_dates(days)})", params)
    con.execute(f"""
        INSERT INTO {PATH_STEPS.name} SELECT $shop, date, 1, source, prev_date, prev_source, prev_converted, visits,
               first.v, first.t, first.s FROM (
            SELECT day AS date, source, prev_date, prev_source, prev_converted, count(*) AS visits,
                   min(struct_pack(v := visitor_id, t := started_at, s := session_id)) AS first
            FROM _paths_seq WHERE {within} GROUP BY ALL)""", params)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _paths_touches AS SELECT q.session_id, c.day AS date, q.visitor_id,
               q.started_at, q.source, q.direct, q.orders, q.cents
        FROM _paths_seq q JOIN (SELECT visitor_id, path, day FROM _paths_seq WHERE orders > 0 AND {within}) c
        ON c.visitor_id = q.visitor_id AND c.path = q.path""")
    # a visit is in one path: its row of another day goes too (that day is among those recomputed whenever the
    # path's conversion moves, see later_days; this keeps the key whatever the order of the chunks)
    con.execute(f"DELETE FROM {PATH_TOUCHES.name} WHERE shop_id = $shop AND (date IN ({_dates(days)}) "
                "OR session_id IN (SELECT session_id FROM _paths_touches))", params)
    con.execute(f"INSERT INTO {PATH_TOUCHES.name} SELECT $shop, * FROM _paths_touches", params)
    _drop(con, "_paths_visits", "_paths_seq", "_paths_touches")


RECOMPUTE = {PATH_STEPS.name: recompute_paths}
"""The recompute of each table, by name: one keeps both (the touches' days are the steps')."""
