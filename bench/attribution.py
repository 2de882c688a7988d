"""Attribution over many visits: every model side by side (junshi.marketing.attribution.compare), one
position model and Markov alone, against a straightforward baseline in the same run: the visits read
into pandas and a Python loop over each visitor's visits (the way the tests' reference computes the
position models and Shapley).

The shop is built with DuckDB SQL once into --cache (outside the repository) and reused: --visits visits
over 30 days by visits / 4 visitors, 8 sources, one visit in 30 holding a paid order (one in five of those
two). The baseline runs on the first visitors holding --baseline-visits visits (a second shop), and Junshi
is timed on that shop too, so the two compare on the same data.

    .venv/bin/python bench/attribution.py [--visits 10000000] [--baseline-visits 1000000] [--cache DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from junshi import connect
from junshi.marketing.attribution import attribute, compare
from junshi.warehouse import Warehouse

START, END = dt.date(2024, 3, 1), dt.date(2024, 3, 30)
SOURCES = ["搜索", "推荐", "直接访问", "直通车", "钻展", "淘宝客", "社交", "短信/邮件"]


def build(path: Path, visits: int) -> None:
    """sessions and orders of shop ``default`` written by DuckDB from hashes of the row number."""
    if path.exists():
        return
    wh = Warehouse(path)
    try:
        con = wh.con
        src = "[" + ", ".join(f"'{s}'" for s in SOURCES) + "]"
        with wh.transaction():
            con.execute(f"""
                INSERT INTO sessions (shop_id, session_id, visitor_id, started_at, source, medium)
                SELECT 'default', 'S' || i, 'V' || (hash(i) % {max(visits // 4, 1)}),
                       TIMESTAMP '{START}' + to_microseconds(CAST(hash(i, 1) % (30 * 86400000000) AS BIGINT)),
                       {src}[CAST(1 + hash(i, 2) % 8 AS BIGINT)],
                       CASE WHEN hash(i, 2) % 8 = 2 THEN 'direct' ELSE 'organic' END
                FROM range({visits}) t(i)""")
            con.execute("""
                INSERT INTO orders (shop_id, order_id, visitor_id, session_id, created_at, paid_at, pay_amount)
                SELECT shop_id, 'O' || session_id || '-' || k, visitor_id, session_id, started_at, started_at,
                       CAST(20 + hash(session_id, k) % 50000 / 100 AS DECIMAL(18, 2))
                FROM sessions, range(2) r(k)
                WHERE hash(session_id, 3) % 30 = 0 AND (k = 0 OR hash(session_id, 4) % 5 = 0)""")
    finally:
        wh.close()


def subset(full: Path, path: Path, visits: int) -> None:
    """The first visitors (by id) of ``full`` holding about ``visits`` visits, with their orders."""
    if path.exists():
        return
    wh = Warehouse(path)
    try:
        con = wh.con
        con.execute(f"ATTACH '{full}' AS full_shop (READ_ONLY)")
        with wh.transaction():
            con.execute(f"""
                CREATE TEMP TABLE keep AS
                SELECT visitor_id FROM (SELECT visitor_id, sum(count(*)) OVER (ORDER BY visitor_id) AS upto
                                        FROM full_shop.sessions GROUP BY visitor_id) WHERE upto <= {visits}""")
            for table in ("sessions", "orders"):
                con.execute(f"INSERT INTO {table} SELECT * FROM full_shop.{table} WHERE visitor_id IN (FROM keep)")
        con.execute("DETACH full_shop")
    finally:
        wh.close()


def baseline(path: Path) -> dict[str, dict[str, float]]:
    """The visits in pandas, then a Python loop over each visitor's visits (first, last, linear, position,
    time_decay, shapley)."""
    with connect(path) as shop:
        visits = shop.warehouse.con.execute(  # type: ignore[attr-defined]  # the DuckDB warehouse
            """SELECT s.visitor_id, s.started_at, s.source, coalesce(o.n, 0) AS n, coalesce(o.v, 0)::DOUBLE AS v
               FROM sessions s LEFT JOIN (SELECT session_id, count(*) AS n, sum(pay_amount) AS v FROM orders
                                          WHERE paid_at IS NOT NULL GROUP BY session_id) o USING (session_id)
               WHERE s.started_at >= ? AND s.started_at < ?""", [START, END + dt.timedelta(days=1)]).df()
    visits = visits.sort_values(["visitor_id", "started_at"], kind="stable")
    out: dict[str, dict[str, float]] = {m: defaultdict(float) for m in
                                        ("first", "last", "linear", "position", "time_decay", "shapley")}
    path_: list[tuple[str, Any]] = []
    previous = None
    for visitor, t, source, n, _v in visits.itertuples(index=False):
        if visitor != previous:
            path_, previous = [], visitor
        path_.append((source, t))
        if not n:
            continue
        k = len(path_)
        out["first"][path_[0][0]] += n
        out["last"][source] += n
        decay = [2 ** (-(t - p[1]).total_seconds() / 86400 / 7) for p in path_]
        total = sum(decay)
        for i, (ch, _t) in enumerate(path_):
            out["linear"][ch] += n / k
            out["time_decay"][ch] += n * decay[i] / total
            out["position"][ch] += n * (1.0 if k == 1 else 0.5 if k == 2 else 0.4 if i in (0, k - 1) else 0.2 / (k - 2))
        distinct = {p[0] for p in path_}
        for ch in distinct:
            out["shapley"][ch] += n / len(distinct)
        path_ = []
    return out


def timed(what: Any) -> tuple[dict[str, float], Any]:
    """Wall and CPU seconds (all threads of this process) of a call, and its result."""
    t, cpu = time.perf_counter(), time.process_time()
    result = what()
    return {"wall_s": round(time.perf_counter() - t, 2), "cpu_s": round(time.process_time() - cpu, 2)}, result


def junshi_times(path: Path) -> dict[str, Any]:
    with connect(path) as shop:
        visits = int(shop.table("sessions").count().execute())
        compare_s, res = timed(lambda: compare(shop, start=START, end=END))
        last_s, _ = timed(lambda: attribute(shop, model="last", start=START, end=END))
        markov_s, _ = timed(lambda: attribute(shop, model="markov", start=START, end=END))
    return {"visits": visits, "orders": res.total_conversions, "compare_all_models": compare_s, "last": last_s,
            "markov": markov_s}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--visits", type=int, default=10_000_000)
    ap.add_argument("--baseline-visits", type=int, default=1_000_000)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/junshi-bench-attribution"))
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    full = args.cache / f"visits-{args.visits}.duckdb"
    small = args.cache / f"visits-{args.visits}-first-{args.baseline_visits}.duckdb"
    build(full, args.visits)
    subset(full, small, args.baseline_visits)
    report: dict[str, Any] = {"junshi_full": junshi_times(full), "junshi_subset": junshi_times(small)}
    base_s, _ = timed(lambda: baseline(small))
    report["baseline_subset"] = base_s
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
