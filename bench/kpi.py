"""Speed of the metric layer against hand-written DuckDB SQL and pandas, on the same tables, in one run.

Builds a warehouse of 20 million events (4 million visits, 400,000 orders over 90 days) directly with
DuckDB SQL, then times ``kpi(metrics=[pv, uv, paid_buyers, sales, payment_conversion_rate],
by=[day, source])`` (after a first, warm-up call) against the same figures from hand-written SQL and
from pandas, checks that all three agree, and prints the ratios. Target: at most 1.3x the SQL.

    .venv/bin/python bench/kpi.py [--events 20000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from junshi import Shop
from junshi.warehouse import Warehouse

SHOP = "bench"
METRICS = ["pv", "uv", "paid_buyers", "sales", "payment_conversion_rate"]
BY = ["day", "source"]
SOURCES = "['直通车', '钻展', '淘宝客', 'search', 'direct', 'social', 'email', 'sms']"

HAND_SQL = """
WITH pv AS (
    SELECT CAST(e.ts AS DATE) AS day, s.source, count(*) AS pv
    FROM events e LEFT JOIN sessions s ON s.session_id = e.session_id AND s.shop_id = 'bench'
    WHERE e.shop_id = 'bench' AND e.event_type IN ('page_view', 'product_view')
    GROUP BY ALL),
uv AS (
    SELECT CAST(started_at AS DATE) AS day, source, count(DISTINCT visitor_id) AS uv
    FROM sessions WHERE shop_id = 'bench' GROUP BY ALL),
paid AS (
    SELECT CAST(paid_at AS DATE) AS day, source,
           count(DISTINCT coalesce(customer_id, visitor_id, order_id)) AS paid_buyers, sum(pay_amount) AS sales
    FROM orders WHERE shop_id = 'bench' AND paid_at IS NOT NULL GROUP BY ALL)
SELECT day, source, coalesce(pv, 0) AS pv, coalesce(uv, 0) AS uv, coalesce(paid_buyers, 0) AS paid_buyers,
       coalesce(sales, 0)::DOUBLE AS sales,
       coalesce(paid_buyers, 0) / nullif(uv, 0) AS payment_conversion_rate
FROM uv FULL JOIN pv USING (day, source) FULL JOIN paid USING (day, source)
ORDER BY day, source
"""


def build(warehouse: Warehouse, events: int) -> None:
    """Sessions, events and orders of one shop, deterministic (hashes of row numbers, no randomness)."""
    con = warehouse.con
    sessions = events // 5
    con.execute(f"""
        INSERT INTO sessions (shop_id, session_id, visitor_id, started_at, source, device)
        SELECT 'bench', 's' || i, 'v' || (hash(i, 1) % {sessions * 2 // 5}),
               TIMESTAMP '2024-01-01' + to_seconds((hash(i, 2) % (90 * 86400))::BIGINT),
               {SOURCES}[1 + (hash(i, 3) % 8)::INT], ['mobile', 'pc', 'app'][1 + (hash(i, 4) % 3)::INT]
        FROM range({sessions}) t(i)""")
    con.execute(f"""
        INSERT INTO events (shop_id, event_id, session_id, visitor_id, ts, event_type, product_id)
        SELECT 'bench', 'e' || i, 's' || (i // 5), 'v' || (hash(i // 5, 1) % {sessions * 2 // 5}),
               TIMESTAMP '2024-01-01' + to_seconds((hash(i // 5, 2) % (90 * 86400))::BIGINT + (i % 5) * 40),
               ['page_view', 'product_view', 'product_view', 'add_to_cart', 'favorite', 'search']
                   [1 + (hash(i, 5) % 6)::INT],
               'p' || (hash(i, 6) % 2000)
        FROM range({events}) t(i)""")
    orders = events // 50
    con.execute(f"""
        INSERT INTO orders (shop_id, order_id, customer_id, visitor_id, session_id, created_at, paid_at, source,
                            pay_amount)
        SELECT 'bench', 'o' || i, CASE WHEN hash(i, 7) % 10 = 0 THEN NULL ELSE 'c' || (hash(i, 8) % {orders // 2}) END,
               'v' || (hash(s, 1) % {sessions * 2 // 5}), 's' || s, ts,
               CASE WHEN hash(i, 9) % 100 < 85 THEN ts + INTERVAL 10 MINUTE END,
               {SOURCES}[1 + (hash(s, 3) % 8)::INT], ((hash(i, 10) % 50000) / 100.0)::DECIMAL(18, 2)
        FROM (SELECT i, hash(i, 11) % {sessions} AS s,
                     TIMESTAMP '2024-01-01' + to_seconds((hash(hash(i, 11) % {sessions}, 2) % (90 * 86400))::BIGINT
                                                         + 300) AS ts
              FROM range({orders}) t(i))""")
    con.execute("CHECKPOINT")


def with_pandas(warehouse: Warehouse) -> pd.DataFrame:
    """The same figures with pandas, from the tables read into memory (reading is not timed)."""
    con = warehouse.con
    ev = con.execute("SELECT session_id, ts, event_type FROM events WHERE shop_id = 'bench'").df()
    se = con.execute("SELECT session_id, visitor_id, started_at, source FROM sessions WHERE shop_id = 'bench'").df()
    od = con.execute("SELECT order_id, customer_id, visitor_id, paid_at, source, pay_amount::DOUBLE AS pay_amount "
                     "FROM orders WHERE shop_id = 'bench'").df()
    t0 = time.perf_counter()
    pv = ev[ev.event_type.isin(["page_view", "product_view"])].merge(se[["session_id", "source"]], on="session_id",
                                                                     how="left")
    pv = pv.groupby([pv.ts.dt.date.rename("day"), "source"]).size().rename("pv")
    uv = se.groupby([se.started_at.dt.date.rename("day"), "source"]).visitor_id.nunique().rename("uv")
    paid = od[od.paid_at.notna()].copy()
    paid["buyer"] = paid.customer_id.fillna(paid.visitor_id).fillna(paid.order_id)
    keys = [paid.paid_at.dt.date.rename("day"), "source"]
    pb = paid.groupby(keys).buyer.nunique().rename("paid_buyers")
    sales = paid.groupby(keys).pay_amount.sum().rename("sales")
    out = pd.concat([pv, uv, pb, sales], axis=1).fillna(0).reset_index()
    out["payment_conversion_rate"] = out.paid_buyers / out.uv.where(out.uv != 0)
    out.attrs["seconds"] = time.perf_counter() - t0
    return out.sort_values(BY).reset_index(drop=True)


def best(fn: Callable[[], pd.DataFrame], repeat: int) -> tuple[float, pd.DataFrame]:
    times, result = [], pd.DataFrame()
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    days_a, days_b = pd.to_datetime(a.day).dt.date.tolist(), pd.to_datetime(b.day).dt.date.tolist()
    if len(a) != len(b) or days_a != days_b or list(a.source) != list(b.source):
        return False
    return all(np.allclose(a[m].astype(float), b[m].astype(float), rtol=1e-9, equal_nan=True) for m in METRICS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Warehouse(Path(tmp) / "bench.duckdb")
        t0 = time.perf_counter()
        build(warehouse, args.events)
        counts = {t: warehouse.row_count(t, SHOP) for t in ("events", "sessions", "orders")}
        print(f"built {counts} in {time.perf_counter() - t0:.1f}s")
        shop = Shop(warehouse, SHOP)
        t0 = time.perf_counter()
        shop.kpi(METRICS, by=BY)
        print(f"first kpi call (compiles and warms up): {time.perf_counter() - t0:.2f}s")
        sql_s, by_sql = best(lambda: warehouse.con.execute(HAND_SQL).df(), args.repeat)
        kpi_s, by_kpi = best(lambda: shop.kpi(METRICS, by=BY).to_pandas(), args.repeat)
        by_pandas = with_pandas(warehouse)
        pandas_s = float(by_pandas.attrs["seconds"])
        ok = same(by_kpi, by_sql) and same(by_kpi, by_pandas)
        print(f"rows: {len(by_kpi)}; numbers match (kpi = SQL = pandas): {ok}")
        print(f"hand-written SQL {sql_s:.3f}s | junshi kpi {kpi_s:.3f}s | pandas {pandas_s:.3f}s")
        print(f"kpi / SQL = {kpi_s / sql_s:.2f}x (target <= 1.3x); pandas / kpi = {pandas_s / kpi_s:.2f}x")
        warehouse.close()
        if not ok:
            raise SystemExit("the numbers differ")


if __name__ == "__main__":
    main()
