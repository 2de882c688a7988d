"""Rollups at 1M and 100M events: build time and size, kpi calls cold and warm from rollups, from raw rows,
and hand-written DuckDB SQL over the raw tables for the same figures; the refresh of a one-day load.

The shops are built with DuckDB SQL (bench/kpi.py's ``build``: 90 days, a visit = 5 events, 1 order per
50 events) once, into --cache (outside the repository), and reused. Each call is a day (the last) and a
30-day period: the overview's cards (no split), traffic by source, and the 30 days by day. "cold": the
first call of a query in the process (Ibis compiles it); "warm": the same call again (cached plan).

    .venv/bin/python bench/rollups.py [--events 1000000 100000000] [--cache /work/cache/junshi-bench]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from junshi import rollup
from junshi.metrics import query
from junshi.metrics.query import kpi
from junshi.warehouse import Warehouse
from kpi import SHOP, build  # bench/kpi.py (this folder is on sys.path when the script runs)

METRICS = ["uv", "pv", "paid_buyers", "paid_orders", "sales", "payment_conversion_rate", "spend_per_buyer"]
LAST = dt.date(2024, 3, 30)  # the last whole day of the 90 days from 2024-01-01

HAND_SQL = """
WITH pv AS (
    SELECT e.session_id, e.visitor_id AS ev, CAST(e.ts AS DATE) AS day FROM events e
    WHERE e.shop_id = 'bench' AND e.event_type IN ('page_view', 'product_view')
      AND e.ts >= TIMESTAMP '{lo}' AND e.ts < TIMESTAMP '{hi}'),
visitors AS (
    SELECT {by_s} count(DISTINCT s.visitor_id) AS uv FROM (SELECT DISTINCT session_id, day FROM pv) v
    JOIN sessions s ON s.session_id = v.session_id AND s.shop_id = 'bench' {group}),
views AS (
    SELECT {by_s} count(*) AS pv FROM pv v
    LEFT JOIN sessions s ON s.session_id = v.session_id AND s.shop_id = 'bench' {group}),
paid AS (
    SELECT {by_o} count(DISTINCT coalesce(customer_id, visitor_id, order_id)) AS paid_buyers,
           count(*) AS paid_orders, sum(pay_amount) AS sales
    FROM orders o WHERE shop_id = 'bench' AND paid_at >= TIMESTAMP '{lo}' AND paid_at < TIMESTAMP '{hi}' {group})
SELECT {cols} coalesce(uv, 0) AS uv, coalesce(pv, 0) AS pv, coalesce(paid_buyers, 0) AS paid_buyers,
       coalesce(paid_orders, 0) AS paid_orders, coalesce(sales, 0)::DOUBLE AS sales,
       paid_buyers / nullif(uv, 0) AS payment_conversion_rate, sales::DOUBLE / nullif(paid_buyers, 0) AS spend_per_buyer
FROM visitors {join} views {using} {join} paid {using} {order}
"""


def hand_sql(by: str | None, lo: dt.date, hi: dt.date) -> str:
    """The same figures in hand-written SQL over the raw tables (uv by page-view day, as the metric layer)."""
    end = hi + dt.timedelta(days=1)
    if by is None:
        return HAND_SQL.format(lo=lo, hi=end, by_s="", by_o="", group="", cols="", join="CROSS JOIN", using="",
                               order="")
    key = {"source": ("s.source AS source", "source AS source"),
           "day": ("v.day AS day", "CAST(paid_at AS DATE) AS day")}
    return HAND_SQL.format(lo=lo, hi=end, by_s=key[by][0] + ",", by_o=key[by][1] + ",", group="GROUP BY 1",
                           cols=f"{by},", join="FULL JOIN", using=f"USING ({by})", order=f"ORDER BY {by}")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    if len(a) != len(b):
        return False
    return all(np.allclose(pd.to_numeric(a[m]).astype(float), pd.to_numeric(b[m]).astype(float), rtol=1e-9,
                           equal_nan=True) for m in METRICS)


def prepare(cache: Path, events: int) -> tuple[Warehouse, dict[str, Any]]:
    """The cached shop of ``events`` events with its rollups (built and measured the first time)."""
    path, meta_path = cache / f"rollups-{events}.duckdb", cache / f"rollups-{events}.json"
    if not meta_path.exists():
        path.unlink(missing_ok=True)
        warehouse = Warehouse(path)
        build(warehouse, events)
        size = path.stat().st_size
        seconds, _ = timed(lambda: _rebuild(warehouse))
        warehouse.con.execute("CHECKPOINT")
        rows = warehouse.con.execute("SELECT (SELECT count(*) FROM rollup_visits) + (SELECT count(*) FROM "
                                     "rollup_paid), (SELECT count(*) FROM rollup_ids)").fetchall()[0]
        meta = {"build_seconds": round(seconds, 1), "rollup_rows": rows[0], "ids": rows[1],
                "raw_mb": round(size / 2**20), "rollup_mb": round((path.stat().st_size - size) / 2**20)}
        meta_path.write_text(json.dumps(meta))
        return warehouse, meta
    return Warehouse(path), json.loads(meta_path.read_text())


def _rebuild(warehouse: Warehouse) -> None:
    with warehouse.transaction() as con:
        rollup.rebuild(con, SHOP)


def refresh_seconds(warehouse: Warehouse, table: str, change: str) -> float:
    """Seconds to refresh the rollups after ``change`` to one day of ``table`` (rolled back after)."""
    con = warehouse.con
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(change)
        seconds, _ = timed(lambda: rollup.refresh(con, SHOP, [table]))
    finally:
        con.execute("ROLLBACK")
    return seconds


def measure(warehouse: Warehouse) -> list[dict[str, Any]]:
    rows = []
    periods = {"day": (LAST, LAST), "30 days": (LAST - dt.timedelta(days=29), LAST)}
    for label, (lo, hi) in periods.items():
        for by in (None, "source", "day"):
            if by == "day" and label == "day":
                continue
            query._PLANS.clear()
            cold, fast = timed(lambda: kpi(warehouse, SHOP, METRICS, by=by, start=lo, end=hi).frame)  # noqa: B023
            warm, _ = timed(lambda: kpi(warehouse, SHOP, METRICS, by=by, start=lo, end=hi).frame)  # noqa: B023
            sql, hand = timed(lambda: warehouse.con.execute(hand_sql(by, lo, hi)).df())  # noqa: B023
            original = query._rollup_stamp
            query._rollup_stamp = lambda *_: None  # type: ignore[assignment]  # the same call from raw rows
            try:
                raw, _ = timed(lambda: kpi(warehouse, SHOP, METRICS, by=by, start=lo, end=hi).frame)  # noqa: B023
            finally:
                query._rollup_stamp = original  # type: ignore[assignment]
            rows.append({"call": f"{label}{' by ' + by if by else ''}", "cold": cold, "warm": warm, "raw": raw,
                         "sql": sql, "same": same(fast, hand)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 100_000_000])
    parser.add_argument("--cache", type=Path, default=Path("/work/cache/junshi-bench"))
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    results: dict[int, list[dict[str, Any]]] = {}
    for events in args.events:
        warehouse, meta = prepare(args.cache, events)
        print(f"{events:,} events: rollups built in {meta['build_seconds']} s, {meta['rollup_rows']:,} rows, "
              f"{meta['ids']:,} ids, {meta['rollup_mb']} MB (raw tables {meta['raw_mb']} MB)")
        day = f"CAST({{}} AS DATE) = DATE '{LAST}'"
        one_day_orders = refresh_seconds(warehouse, "orders", "UPDATE orders SET pay_amount = pay_amount + 1 "
                                         f"WHERE shop_id = '{SHOP}' AND {day.format('paid_at')}")
        one_day_events = refresh_seconds(warehouse, "events", "UPDATE events SET event_type = 'page_view' "
                                         f"WHERE shop_id = '{SHOP}' AND event_type = 'search' AND {day.format('ts')}")
        print(f"refresh after a one-day reload: orders {one_day_orders:.2f} s, events {one_day_events:.2f} s")
        results[events] = measure(warehouse)
        warehouse.close()
        print(f"{'call':<22} {'cold s':>7} {'warm s':>7} {'raw s':>7} {'SQL s':>7} {'warm/SQL':>8} same")
        for r in results[events]:
            print(f"{r['call']:<22} {r['cold']:7.3f} {r['warm']:7.3f} {r['raw']:7.3f} {r['sql']:7.3f} "
                  f"{r['warm'] / r['sql']:8.2f} {r['same']}")
    if len(results) == 2:
        small, big = (results[e] for e in sorted(results))
        print("big / small (warm): " + ", ".join(f"{b['call']} {b['warm'] / s['warm']:.2f}x"
                                                 for s, b in zip(small, big, strict=True)))
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GB")
    if not all(r["same"] for rs in results.values() for r in rs):
        raise SystemExit("the numbers differ")


if __name__ == "__main__":
    main()
