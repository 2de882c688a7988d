"""The dashboard's API calls on a small and a large simulated shop, cold and warm, against hand-written DuckDB SQL.

For each shop (``junshi simulate`` warehouses, cached outside the repository, their rollups built): the time
from process start to the first page (import, ``create_app`` without warm-up, ``GET /``), each API call of a
day and of its 30 days cold (the first call in a fresh process: nothing compiled, nothing cached) and warm (the
same call for the day before, in the same process: its query shapes compiled, its figures not cached), the
refresh of the rollups after a one-day reload of orders and of events (rolled back), peak memory, and
hand-written DuckDB SQL over the raw tables for the figures of the overview, traffic and products calls.

    .venv/bin/python bench/api_calls.py SMALL.duckdb LARGE.duckdb [--calls overview,traffic,...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CALLS = ("overview", "traffic", "products", "diagnosis", "alerts", "advice", "customers", "service", "risk")
KINDS = ("day", "30d")
TOKEN = "b" * 32

HAND_SQL = {
    "overview": """
        WITH pv AS (SELECT DISTINCT session_id FROM events WHERE shop_id = 'default'
                    AND event_type IN ('page_view', 'product_view') AND ts >= $lo AND ts < $hi),
        v AS (SELECT count(DISTINCT s.visitor_id) AS uv FROM pv JOIN sessions s USING (session_id)
              WHERE s.shop_id = 'default'),
        p AS (SELECT count(DISTINCT coalesce(customer_id, visitor_id, order_id)) AS buyers, sum(pay_amount) AS sales
              FROM orders WHERE shop_id = 'default' AND paid_at >= $lo AND paid_at < $hi)
        SELECT sales, uv, buyers / uv AS conversion, sales / buyers AS spend_per_buyer, buyers FROM v, p""",
    "traffic": """
        WITH pv AS (SELECT DISTINCT session_id FROM events WHERE shop_id = 'default'
                    AND event_type IN ('page_view', 'product_view') AND ts >= $lo AND ts < $hi),
        v AS (SELECT s.source, count(DISTINCT s.visitor_id) AS uv FROM pv JOIN sessions s USING (session_id)
              WHERE s.shop_id = 'default' GROUP BY 1),
        p AS (SELECT source, count(DISTINCT coalesce(customer_id, visitor_id, order_id)) AS buyers,
                     sum(pay_amount) AS sales
              FROM orders WHERE shop_id = 'default' AND paid_at >= $lo AND paid_at < $hi GROUP BY 1)
        SELECT source, uv, buyers / uv AS conversion, sales / buyers AS spend_per_buyer, sales
        FROM v FULL JOIN p USING (source)""",
    "products": """
        WITH v AS (SELECT product_id, count(DISTINCT visitor_id) FILTER (event_type <> 'add_to_cart') AS uv,
                          count(DISTINCT visitor_id) FILTER (event_type = 'add_to_cart') AS cart
                   FROM events WHERE shop_id = 'default' AND product_id IS NOT NULL
                   AND event_type IN ('page_view', 'product_view', 'add_to_cart') AND ts >= $lo AND ts < $hi
                   GROUP BY 1),
        l AS (SELECT i.product_id, count(DISTINCT coalesce(o.customer_id, o.visitor_id, o.order_id)) AS buyers,
                     sum(coalesce(i.amount, i.quantity * i.unit_price)) AS sales, sum(i.quantity) AS units
              FROM order_items i JOIN orders o ON o.shop_id = i.shop_id AND o.order_id = i.order_id
              WHERE o.shop_id = 'default' AND o.paid_at >= $lo AND o.paid_at < $hi GROUP BY 1)
        SELECT product_id, uv, cart / uv AS add_to_cart_rate, buyers / uv AS conversion, sales, units
        FROM v FULL JOIN l USING (product_id)""",
}


def child(db: str, call: str, kind: str, day: str) -> None:
    """In a fresh process: the first page, then the call cold (``day``) and warm (the day before); JSON out."""
    started = time.perf_counter()
    from fastapi.testclient import TestClient

    from junshi.api import create_app

    client = TestClient(create_app(db, TOKEN), headers={"Authorization": f"Bearer {TOKEN}"})
    page = client.get("/")
    first_page = time.perf_counter() - started
    out: dict[str, Any] = {"first_page": first_page, "page_status": page.status_code}
    for label, end in (("cold", dt.date.fromisoformat(day)), ("warm", dt.date.fromisoformat(day) - dt.timedelta(1))):
        t0 = time.perf_counter()
        answer = client.get(f"/api/{call}?date={end}&period={kind}")
        out[label] = time.perf_counter() - t0
        assert answer.status_code == 200, (call, kind, answer.text[:300])
    out["maxrss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(json.dumps(out))


def hand_sql(db: str, day: dt.date) -> dict[tuple[str, str], float]:
    """Seconds of the hand-written SQL of each call, for the day and its 30 days (second run of each)."""
    import duckdb

    con = duckdb.connect(db, read_only=True)
    times: dict[tuple[str, str], float] = {}
    for call, sql in HAND_SQL.items():
        for kind, days in (("day", 1), ("30d", 30)):
            hi = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
            params = {"lo": hi - dt.timedelta(days=days), "hi": hi}
            con.execute(sql, params).fetchall()
            t0 = time.perf_counter()
            con.execute(sql, params).fetchall()
            times[call, kind] = time.perf_counter() - t0
    con.close()
    return times


def refresh_seconds(db: str, day: dt.date) -> dict[str, float]:
    """Seconds to refresh the rollups after a reload of one day of orders, and of events (rolled back)."""
    from junshi import rollup
    from junshi.warehouse import Warehouse

    warehouse = Warehouse(db)
    con, out = warehouse.con, {}
    changes = {
        "orders": f"UPDATE orders SET pay_amount = pay_amount + 1 WHERE CAST(paid_at AS DATE) = DATE '{day}'",
        "events": "UPDATE events SET event_type = 'page_view' WHERE event_type = 'search' "
                  f"AND CAST(ts AS DATE) = DATE '{day}'",
    }
    for table, change in changes.items():
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(change)
            t0 = time.perf_counter()
            rollup.refresh(con, "default", [table])
            out[table] = time.perf_counter() - t0
        finally:
            con.execute("ROLLBACK")
    warehouse.close()
    return out


def default_day(db: str) -> dt.date:
    import junshi
    from junshi.periods import default_period

    with junshi.connect(db) as shop:
        return default_period(shop).end


def measure(db: str, calls: list[str]) -> dict[str, Any]:
    day = default_day(db)
    result: dict[str, Any] = {"day": str(day), "calls": {}}
    for call in calls:
        for kind in KINDS:
            done = subprocess.run([sys.executable, __file__, "--child", db, call, kind, str(day)],
                                  capture_output=True, text=True, check=True)
            result["calls"][f"{call} {kind}"] = json.loads(done.stdout.strip().splitlines()[-1])
            print(db, call, kind, result["calls"][f"{call} {kind}"], flush=True)
    result["sql"] = {f"{c} {k}": s for (c, k), s in hand_sql(db, day).items()}
    result["refresh"] = refresh_seconds(db, day)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shops", nargs="*", help="the small shop's warehouse, then the large one's")
    parser.add_argument("--calls", default=",".join(CALLS))
    parser.add_argument("--child", nargs=4, metavar=("DB", "CALL", "KIND", "DAY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    results = [measure(db, args.calls.split(",")) for db in args.shops]
    print(json.dumps(results, indent=1))
    for db, r in zip(args.shops, results, strict=True):
        refresh = r["refresh"]
        print(f"\n{Path(db).name}: day {r['day']}; refresh after a one-day reload: orders {refresh['orders']:.2f} s, "
              f"events {refresh['events']:.2f} s")
        print(f"{'call':<16} {'first page':>10} {'cold s':>7} {'warm s':>7} {'SQL s':>7} {'peak GB':>7}")
        for key, c in r["calls"].items():
            sql = r["sql"].get(key)
            print(f"{key:<16} {c['first_page']:10.2f} {c['cold']:7.2f} {c['warm']:7.2f} "
                  f"{'' if sql is None else f'{sql:7.3f}':>7} {c['maxrss_gb']:7.2f}")
    if len(results) == 2:
        small, large = (r["calls"] for r in results)
        print("\nlarge / small: " + ", ".join(f"{k} cold {large[k]['cold'] / small[k]['cold']:.1f}x warm "
                                              f"{large[k]['warm'] / small[k]['warm']:.1f}x" for k in small))


if __name__ == "__main__":
    main()
