"""Scale proof for the lake on Spark: events generated in Spark (not Python) into a lake, then the rollups and
one day's diagnosis on Spark local mode; time and peak memory of each step.

    nice -n 19 python bench/lake.py --events 10_000_000 --shops 4 --days 60 --out /work/cache/lake-bench

Events, sessions and orders come from ``spark.range`` with hash-derived columns (deterministic, no Python
per row): ``--events`` page and product views over ``--days`` days, 8 per session, sessions spread over
``--shops`` shops and a visitor pool, 3 % of sessions paying. Everything is written by the executors as
Parquet and committed to the lake in one catalog (``junshi.warehouse.lake_spark.commit_frames``).
Peak memory: the JVM's high-water resident set (VmHWM) and the Python driver's (ru_maxrss).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

EVENTS_PER_SESSION = 8


def _jvm_peak_mb(session: Any) -> float | None:
    """The Spark JVM's peak resident memory (VmHWM) in MB, from /proc (Linux)."""
    pid = session.sparkContext._gateway.proc.pid  # the spark-submit process that became the JVM
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _frames(session: Any, events: int, shops: int, days: int, start: dt.date) -> dict[str, Any]:
    """shops, sessions, events and orders as Spark DataFrames of the canonical tables' columns."""
    from pyspark.sql import functions as F

    from junshi.schema import TABLES
    from junshi.warehouse.spark import spark_type

    def canonical(name: str, frame: Any) -> Any:
        cols = [F.col(c.name).cast(spark_type(c.type)) if c.name in frame.columns
                else F.lit(None).cast(spark_type(c.type)).alias(c.name) for c in TABLES[name].columns]
        return frame.select(*cols)

    n_sessions = max(1, events // EVENTS_PER_SESSION)
    visitors = max(1, n_sessions // 3)
    first = F.lit(dt.datetime.combine(start, dt.time())).cast("timestamp_ntz")
    s = session.range(n_sessions).withColumnRenamed("id", "s")
    sessions = (s.withColumn("shop_id", F.concat(F.lit("shop"), (F.col("s") % shops).cast("string")))
                .withColumn("session_id", F.concat(F.lit("s"), F.col("s").cast("string")))
                .withColumn("visitor_id", F.concat(F.lit("v"), F.pmod(F.hash("s"), F.lit(visitors)).cast("string")))
                .withColumn("started_at", first + F.make_dt_interval(
                    F.floor(F.col("s") * days / n_sessions), F.pmod(F.hash("s", F.lit(1)), F.lit(23)),
                    F.pmod(F.hash("s", F.lit(2)), F.lit(60)), F.lit(0)))
                .withColumn("source", F.element_at(F.array(*[F.lit(x) for x in
                                                            ("search", "ads", "direct", "social")]),
                                                   (F.pmod(F.hash("s", F.lit(3)), F.lit(4)) + 1).cast("int")))
                .withColumn("device", F.when(F.pmod(F.hash("s", F.lit(4)), F.lit(10)) < 7, "mobile")
                            .otherwise("desktop"))
                .withColumn("region", F.concat(F.lit("r"), F.pmod(F.hash("s", F.lit(5)), F.lit(30)).cast("string"))))
    ev = session.range(events).withColumn("s", (F.col("id") / EVENTS_PER_SESSION).cast("long") % n_sessions)
    events_frame = (ev.join(sessions.select("s", "shop_id", "session_id", "visitor_id", "started_at"), "s")
                    .withColumn("event_id", F.concat(F.lit("e"), F.col("id").cast("string")))
                    .withColumn("ts", F.col("started_at") + F.make_dt_interval(
                        F.lit(0), F.lit(0), (F.col("id") % EVENTS_PER_SESSION) * 2, F.lit(0)))
                    .withColumn("event_type", F.when(F.pmod(F.hash("id"), F.lit(10)) < 6, "page_view")
                                .otherwise("product_view"))
                    .withColumn("product_id", F.concat(F.lit("p"), F.pmod(F.hash("id", F.lit(9)), F.lit(500))
                                                       .cast("string"))))
    paying = sessions.where(F.pmod(F.hash("s", F.lit(6)), F.lit(100)) < 3)
    orders = (paying.withColumn("order_id", F.concat(F.lit("o"), F.col("s").cast("string")))
              .withColumn("customer_id", F.col("visitor_id"))
              .withColumn("created_at", F.col("started_at") + F.expr("INTERVAL 10 MINUTES"))
              .withColumn("paid_at", F.col("started_at") + F.expr("INTERVAL 12 MINUTES"))
              .withColumn("status", F.lit("paid"))
              .withColumn("pay_amount", (F.pmod(F.hash("s", F.lit(7)), F.lit(40000)) / 100 + 9.9)
                          .cast("decimal(18,2)")))
    shop_rows = session.range(shops).select(
        F.concat(F.lit("shop"), F.col("id").cast("string")).alias("shop_id"),
        F.concat(F.lit("Bench shop "), F.col("id").cast("string")).alias("name"), F.lit("tmall").alias("platform"),
        F.lit("CNY").alias("currency"), F.lit("Asia/Shanghai").alias("timezone"))
    return {"shops": canonical("shops", shop_rows), "sessions": canonical("sessions", sessions),
            "events": canonical("events", events_frame), "orders": canonical("orders", orders)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--shops", type=int, default=4)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--out", type=Path, default=Path("/work/cache/lake-bench"))
    parser.add_argument("--driver-memory", default="3g")
    args = parser.parse_args(argv)
    os.environ.setdefault("PYSPARK_SUBMIT_ARGS", f"--driver-memory {args.driver_memory} pyspark-shell")

    from junshi import Shop
    from junshi.rollup.spark import rebuild
    from junshi.warehouse.lake_spark import SparkLakeWarehouse, commit_frames, lake_session

    root = args.out / "lake"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    session = lake_session()
    session.sparkContext.setLogLevel("ERROR")
    start = dt.date(2024, 1, 1)
    out: dict[str, Any] = {"events": args.events, "shops": args.shops, "days": args.days,
                           "master": session.sparkContext.master, "cores": os.cpu_count()}

    clock = time.perf_counter()
    commit_frames(root, _frames(session, args.events, args.shops, args.days, start), operation="bench")
    out["generate_and_write_s"] = round(time.perf_counter() - clock, 1)
    out["lake_bytes"] = sum(p.stat().st_size for p in root.rglob("*.parquet"))
    print(json.dumps(out), flush=True)  # each step as it ends: a long run shows its progress

    clock = time.perf_counter()
    wh = SparkLakeWarehouse(f"lake:{root}", session=session)
    committed = rebuild(wh, [f"shop{i}" for i in range(args.shops)])
    out["rollups_s"] = round(time.perf_counter() - clock, 1)
    out["rollup_rows"] = committed.tables["rollup_visits"].rows + committed.tables["rollup_paid"].rows
    print(json.dumps(out), flush=True)

    day = start + dt.timedelta(days=args.days - 2)
    clock = time.perf_counter()
    diagnosis = Shop(wh, "shop0").diagnose(day, depth=1)
    out["diagnosis_s"] = round(time.perf_counter() - clock, 1)
    out["diagnosis_day"] = day.isoformat()
    out["diagnosis_sales"] = {"current": float(diagnosis.total.current), "baseline": float(diagnosis.total.baseline),
                              "effects": {k: float(v) for k, v in diagnosis.total.effects.items()}}
    out["peak_jvm_mb"] = _jvm_peak_mb(session)
    out["peak_python_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
