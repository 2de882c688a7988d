"""The dashboard's API calls on a small and a large simulated shop, cold and warm, against hand-written DuckDB SQL;
the rollups' rebuild, size and one-day refresh; peak memory. One run gives the whole table (``--out``: markdown).

For each shop (a ``junshi simulate`` warehouse, cached outside the repository, its rollups built), on a copy in
``--scratch`` (the cached file is never written or locked; the copy is deleted at the end):

* the time from process start to the first page (import, ``create_app`` without warm-up, ``GET /``);
* each API call of a day and of its 30 days cold (the first call in a fresh process: nothing compiled, nothing
  cached) and warm (the same call for the day before, in the same process: its query shapes compiled, its
  figures not cached), and the process's peak RSS;
* hand-written DuckDB SQL over the raw tables for the figures of the calls that are simple metric queries
  (overview, traffic, products: the second run of each);
* the refresh of the rollups after a one-day reload of orders and of events (a fresh process; rolled back);
* ``junshi rollup --rebuild`` (a fresh process: wall time and peak RSS), then the rollup and raw tables' size.

    .venv/bin/python bench/api_calls.py SMALL.duckdb LARGE.duckdb --scratch DIR --out results.md
        [--calls overview,traffic,...] [--no-rebuild] [--no-refresh]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CALLS = ("overview", "traffic", "products", "diagnosis", "alerts", "advice", "customers", "service", "risk",
         "transactions", "marketing", "promo", "data")
REQUESTS = {"data": ("quarantine", {"limit": 50})}
"""The call a page makes where it is not ``/api/<page>`` of the period: the data page's quarantined rows."""
BY_DAY = ("promo", "data")
"""Calls whose answer is the same for the day before (promo: the last promotion up to the period's end; data: no
period): their warm call is timed with the server's answer cache emptied first, or it would only read it back."""
KINDS = ("day", "30d")
TOKEN = "b" * 32
SHOP = "default"

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
RAW_TABLES = ("events", "sessions", "orders", "order_items")


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def child_call(db: str, call: str, kind: str, day: str) -> dict[str, Any]:
    """In a fresh process: the first page, then the call cold (``day``) and warm (the day before; the answer cache
    emptied first for ``BY_DAY`` calls)."""
    started = time.perf_counter()
    from fastapi.testclient import TestClient

    from junshi.api import create_app

    app = create_app(db, TOKEN)
    client = TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"})
    page = client.get("/")
    path, extra = REQUESTS.get(call, (call, {}))
    out: dict[str, Any] = {"first_page": time.perf_counter() - started, "first_page_cpu": time.process_time(),
                           "page_status": page.status_code}
    for label, end in (("cold", dt.date.fromisoformat(day)), ("warm", dt.date.fromisoformat(day) - dt.timedelta(1))):
        if label == "warm" and call in BY_DAY:
            app.state.engine.version += 1  # the answer cache is per version: it misses, all else is kept
        t0, c0 = time.perf_counter(), time.process_time()
        answer = client.get(f"/api/{path}", params={"date": str(end), "period": kind, **extra})
        out[label], out[f"{label}_cpu"] = time.perf_counter() - t0, time.process_time() - c0
        assert answer.status_code == 200, (call, kind, answer.text[:300])
    out["peak_gb"] = peak_gb()
    return out


def child_parts(db: str, call: str, kind: str, day: str) -> dict[str, Any]:
    """Where a cold call's time goes, in a fresh process: the first page (import, ``create_app``, ``GET /``), the
    API's routes loaded (:class:`junshi.api.app.LazyApi`, which a server starts after the first page and a cold call
    waits for), then the call for ``day``: wall and CPU seconds of each, and whether the call made the Ibis backend
    (``backend``: its import and SQL compilers) or imported scipy.stats."""
    started = time.perf_counter()
    from fastapi.testclient import TestClient

    from junshi.api import create_app
    from junshi.api.app import LazyApi

    LazyApi.soon = lambda self: None  # type: ignore[method-assign]  # loaded below, timed on its own
    app = create_app(db, TOKEN)
    client = TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"})
    assert client.get("/").status_code == 200
    out: dict[str, Any] = {"first_page": time.perf_counter() - started, "first_page_cpu": time.process_time()}
    path, extra = REQUESTS.get(call, (call, {}))
    for label, step in (("mount", app.state.api.mount),
                        ("call", lambda: client.get(f"/api/{path}", params={"date": day, "period": kind, **extra}))):
        t0, c0 = time.perf_counter(), time.process_time()
        answer = step()
        assert answer is None or answer.status_code == 200, (call, kind, answer.text[:300])
        out[label], out[f"{label}_cpu"] = time.perf_counter() - t0, time.process_time() - c0
    out["backend"], out["scipy_stats"] = "ibis.backends.duckdb" in sys.modules, "scipy.stats" in sys.modules
    return out


def child_serve(db: str, day: str) -> dict[str, Any]:
    """``junshi serve`` as a user starts it (its warm-up running): seconds from the process start to the first page
    (``GET /`` answered), then to the overview's figures of ``day`` (``GET /api/overview``, as the page asks), and
    the server process's CPU seconds at each (``*_cpu``)."""
    import signal
    import socket
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = "import sys; from junshi.cli import main; sys.argv[0] = 'junshi'; main()"
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-c", code, "serve", "--db", db, "--port", str(port), "--token", TOKEN],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    out: dict[str, Any] = {}
    try:
        for label, path in (("first_page", "/"), ("first_figures", f"/api/overview?date={day}")):
            while label not in out:
                call = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                              headers={"Authorization": f"Bearer {TOKEN}"})
                try:
                    with urllib.request.urlopen(call, timeout=600) as answer:
                        answer.read()
                        out[label] = time.perf_counter() - started
                        out[f"{label}_cpu"] = process_cpu(server.pid)
                except (urllib.error.URLError, ConnectionError):
                    if server.poll() is not None:
                        raise SystemExit(server.communicate()[1][-2000:]) from None
                    time.sleep(0.02)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=120)
    return out


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system, its threads included) process ``pid`` has used so far (Linux: /proc; else
    None)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (fields 14, 15)


def child_refresh(db: str, day: str) -> dict[str, Any]:
    """Seconds to refresh the rollups after a reload of one day of orders, of events, of visits (their medium
    changed: only the attribution's paths read it), and of reviews as a new day (the day's reviews removed and
    refreshed, untimed, then written back: its texts not written on another day are tagged anew), each rolled
    back."""
    from junshi import rollup
    from junshi.rollup import bitmaps
    from junshi.warehouse import Warehouse

    warehouse = Warehouse(db)
    con, out = warehouse.con, dict[str, Any]()
    bitmaps.register(con)  # before the transactions below, which roll back (as Warehouse.transaction does)
    changes = {
        "orders": f"UPDATE orders SET pay_amount = pay_amount + 1 WHERE CAST(paid_at AS DATE) = DATE '{day}'",
        "events": "UPDATE events SET event_type = 'page_view' WHERE event_type = 'search' "
                  f"AND CAST(ts AS DATE) = DATE '{day}'",
        "sessions": f"UPDATE sessions SET medium = upper(medium) WHERE CAST(started_at AS DATE) = DATE '{day}'",
        "reviews": "INSERT INTO reviews SELECT * FROM _bench_day",
    }
    for table, column in (("orders", "paid_at"), ("events", "ts"), ("sessions", "started_at"),
                          ("reviews", "created_at")):
        out[f"day_{table}"] = con.execute(f"SELECT count(*) FROM {table} WHERE CAST({column} AS DATE) = ?",
                                          [day]).fetchall()[0][0]
    for table, change in changes.items():
        con.execute("BEGIN TRANSACTION")
        try:
            if table == "reviews":
                con.execute(f"CREATE TEMP TABLE _bench_day AS SELECT * FROM reviews WHERE CAST(created_at AS DATE) "
                            f"= DATE '{day}'")
                con.execute(f"DELETE FROM reviews WHERE CAST(created_at AS DATE) = DATE '{day}'")
                rollup.refresh(con, SHOP, [table], [dt.date.fromisoformat(day)])
            con.execute(change)
            t0, c0 = time.perf_counter(), time.process_time()
            report = rollup.refresh(con, SHOP, [table], [dt.date.fromisoformat(day)])
            out[table], out[f"{table}_cpu"] = time.perf_counter() - t0, time.process_time() - c0
            out[f"{table}_days"] = {k: len(v) for k, v in report.days.items()}
        finally:
            con.execute("ROLLBACK")
    warehouse.close()
    out["peak_gb"] = peak_gb()
    return out


def child_rebuild(db: str, how: str = "rebuild") -> dict[str, Any]:
    """``junshi rollup --rebuild`` (``how``: or a refresh, ``junshi rollup``) in this process, committed on the
    copy: seconds, CPU seconds and peak RSS."""
    from junshi import rollup
    from junshi.warehouse import Warehouse

    warehouse = Warehouse(db)
    t0, c0 = time.perf_counter(), time.process_time()
    with warehouse.transaction() as con:
        (rollup.rebuild if how == "rebuild" else rollup.refresh)(con, SHOP)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    warehouse.close()
    return {"seconds": seconds, "cpu": cpu, "peak_gb": peak_gb()}


def built(db: str) -> bool:
    """Whether the shop's rollups are built in this Junshi's layout (else the metric layer reads raw rows)."""
    import duckdb

    from junshi import rollup

    con = duckdb.connect(db, read_only=True)
    try:
        return rollup.built(con, SHOP)
    finally:
        con.close()


def in_child(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{args}: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def hand_sql(db: str, day: dt.date, calls: list[str]) -> dict[str, float]:
    """Seconds of the hand-written SQL of each of ``calls`` that has one, for the day and its 30 days (second run
    of each)."""
    import duckdb

    con = duckdb.connect(db, read_only=True)
    times: dict[str, float] = {}
    for call, sql in HAND_SQL.items():
        if call not in calls:
            continue
        for kind, days in (("day", 1), ("30d", 30)):
            hi = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
            params = {"lo": hi - dt.timedelta(days=days), "hi": hi}
            con.execute(sql, params).fetchall()
            t0 = time.perf_counter()
            con.execute(sql, params).fetchall()
            times[f"{call} {kind}"] = time.perf_counter() - t0
    con.close()
    return times


def sizes(db: str) -> dict[str, Any]:
    """Rows and storage (DuckDB blocks, MB) of the raw tables the rollups read and of the rollup tables."""
    import duckdb

    from junshi.rollup.tables import TABLES

    con = duckdb.connect(db, read_only=True)
    block = con.execute("SELECT block_size FROM pragma_database_size()").fetchall()[0][0]

    def measure(tables: list[str]) -> dict[str, float]:
        rows = sum(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables)
        blocks = sum(con.execute(
            f"SELECT count(DISTINCT block_id) + coalesce(sum(len(additional_block_ids)), 0) "
            f"FROM pragma_storage_info('{t}') WHERE block_id >= 0").fetchall()[0][0] for t in tables)
        return {"rows": rows, "mb": blocks * block / 2**20}

    out = {"raw": measure(list(RAW_TABLES)), "rollups": measure([t.name for t in TABLES]),
           "ids": con.execute("SELECT count(*) FROM rollup_ids").fetchall()[0][0]}
    con.close()
    return out


def default_day(db: str) -> dt.date:
    import junshi
    from junshi.periods import default_period

    with junshi.connect(db) as shop:
        return default_period(shop).end


def wait_unlocked(db: str) -> None:
    """Wait while another process holds the warehouse open for writing (a consistent copy needs it closed)."""
    import duckdb

    while True:
        try:
            duckdb.connect(db, read_only=True).close()
            return
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            print(f"{db} is open for writing in another process: waiting", flush=True)
            time.sleep(30)


def measure(db: str, calls: list[str], scratch: Path, rebuild: bool, refresh: bool) -> dict[str, Any]:
    copy = scratch / f"bench-{Path(db).name}"
    wait_unlocked(db)
    shutil.copyfile(db, copy)
    try:
        day = default_day(str(copy))
        events = _events(str(copy))
        result: dict[str, Any] = {"shop": Path(db).name, "events": events, "day": str(day), "calls": {}}
        print(f"{db}: {events:,} events, day {day}", flush=True)
        if not built(str(copy)):  # rollups of an older layout: brought up to date first (not timed as a call)
            result["upgrade"] = in_child("rebuild", str(copy), "refresh")
            print(f"  rollups brought to this layout: {result['upgrade']}", flush=True)
        for call in calls:
            for kind in KINDS:
                result["calls"][f"{call} {kind}"] = got = in_child("call", str(copy), call, kind, str(day))
                print(f"  {call} {kind}: {got}", flush=True)
        result["sql"] = hand_sql(str(copy), day, calls)
        print(f"  SQL: {result['sql']}", flush=True)
        if refresh:
            result["refresh"] = in_child("refresh", str(copy), str(day))
            print(f"  refresh: {result['refresh']}", flush=True)
        if rebuild:
            result["rebuild"] = in_child("rebuild", str(copy))
            print(f"  rebuild: {result['rebuild']}", flush=True)
        result["sizes"] = sizes(str(copy))
        print(f"  sizes: {result['sizes']}", flush=True)
        return result
    finally:
        copy.unlink(missing_ok=True)
        Path(f"{copy}.wal").unlink(missing_ok=True)
        shutil.rmtree(f"{copy}.plans", ignore_errors=True)  # the compiled plans kept beside a warehouse


def _events(db: str) -> int:
    import duckdb

    con = duckdb.connect(db, read_only=True)
    n = int(con.execute("SELECT count(*) FROM events").fetchall()[0][0])
    con.close()
    return n


def _millions(n: int) -> str:
    return f"{n / 1e6:.1f}M" if n >= 1e6 else f"{n / 1e3:.0f}k"


def table(results: list[dict[str, Any]]) -> str:
    """The results as markdown: per call and period (times in s, ratios large/small), then the rollups."""
    small, large = results[0], results[-1]
    a, b = _millions(small["events"]), _millions(large["events"])
    lines = [
        "Each time: wall s / CPU s of the process (the machine is shared: CPU is the steadier figure); ratios "
        "wall / CPU.", "",
        f"| call | period | {a} cold | {a} warm | {b} cold | {b} warm | cold {b}/{a} | warm {b}/{a} | "
        f"SQL {a} | SQL {b} | warm/SQL {b} | peak RSS {b} GB |",
        "|---|---|" + "---:|" * 10,
    ]
    for key, s in small["calls"].items():
        g = large["calls"][key]
        call, kind = key.split()
        sql_a, sql_b = small["sql"].get(key), large["sql"].get(key)
        sql = (f"{sql_a:.3f} | {sql_b:.3f} | {g['warm'] / sql_b:.1f}x" if sql_a is not None and sql_b is not None
               else "— | — | —")
        times = " | ".join(f"{r[k]:.2f} / {r[k + '_cpu']:.2f}" for r in (s, g) for k in ("cold", "warm"))
        ratios = " | ".join(f"{g[k] / s[k]:.1f}x / {g[k + '_cpu'] / max(s[k + '_cpu'], 1e-3):.1f}x"
                            for k in ("cold", "warm"))
        lines.append(f"| {call} | {kind} | {times} | {ratios} | {sql} | {g['peak_gb']:.2f} |")
    lines += ["", "| shop | events | first page s (median) | rollup rebuild s (CPU s) | rebuild peak RSS GB | "
              "rollups MB (rows) | raw tables MB (rows) | ids | refresh, 1-day orders reload s (CPU s) | "
              "refresh, 1-day events reload s (CPU s) |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        first = statistics.median(c["first_page"] for c in r["calls"].values())
        first_cpu = statistics.median(c["first_page_cpu"] for c in r["calls"].values())
        rebuild = r.get("rebuild")
        built = f"{rebuild['seconds']:.1f} ({rebuild['cpu']:.1f}) | {rebuild['peak_gb']:.2f}" if rebuild else "— | —"
        z = r["sizes"]
        lines.append(f"| {r['shop']} | {r['events']:,} | {first:.2f} (CPU {first_cpu:.2f}) | {built} | "
                     f"{z['rollups']['mb']:.0f} ({z['rollups']['rows']:,}) | {z['raw']['mb']:.0f} "
                     f"({z['raw']['rows']:,}) | {z['ids']:,} | "
                     f"{_wall_cpu(r.get('refresh'), 'orders')} | {_wall_cpu(r.get('refresh'), 'events')} |")
    lines += [f"\n{r['shop']}: rollups of an older layout brought to this Junshi's before the calls in "
              f"{u['seconds']:.1f} s (CPU {u['cpu']:.1f} s, peak RSS {u['peak_gb']:.2f} GB)"
              for r in results if (u := r.get("upgrade"))]
    return "\n".join(lines) + "\n"


def _wall_cpu(times: dict[str, float] | None, key: str) -> str:
    if times is None:  # not measured (--no-refresh)
        return "—"
    return f"{times[key]:.2f} ({times[key + '_cpu']:.2f}; {times['day_' + key]:,} rows that day)"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("shops", nargs="*", help="the small shop's warehouse, then the large one's")
    parser.add_argument("--calls", default=",".join(CALLS))
    parser.add_argument("--scratch", type=Path, help="a folder for the copies (room for the large shop)")
    parser.add_argument("--out", type=Path, help="write the markdown table here")
    parser.add_argument("--no-rebuild", dest="rebuild", action="store_false", help="skip the rollup rebuild")
    parser.add_argument("--no-refresh", dest="refresh", action="store_false", help="skip the one-day refreshes")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        runs: dict[str, Callable[..., dict[str, Any]]] = {"call": child_call, "refresh": child_refresh,
                                                          "rebuild": child_rebuild, "serve": child_serve,
                                                          "parts": child_parts}
        print(json.dumps(runs[kind](*rest)))
        return
    if not args.shops:
        parser.print_help()
        return
    scratch = args.scratch or Path(args.shops[0]).parent
    started = dt.datetime.now(dt.UTC)
    results = [measure(db, args.calls.split(","), scratch, args.rebuild, args.refresh) for db in args.shops]
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    head = (f"Measured {started:%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores (load average at the end: {load}); "
            "seconds; cold: first call in a fresh process, warm: the day before in the same process.\n\n")
    text = head + table(results)
    print(json.dumps(results, indent=1))
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
