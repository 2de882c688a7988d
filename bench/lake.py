"""Scale proof for the lake on Spark: events generated in Spark (not Python) into a lake, then the rollups and
one day's diagnosis on Spark local mode; time, peak memory and shuffle bytes of each step.

    nice -n 19 python bench/lake.py --events 100_000_000 --shops 8 --days 90 --out /work/cache/lake-bench/m100

Events, sessions and orders are Spark expressions over ``spark.range`` (deterministic hashes of the row number,
no Python per row, no join): ``--events`` page and product views over ``--days`` days, 8 per session, sessions
ordered by shop then day, each shop's visitors a pool of a third of its sessions, 3 % of sessions paying. Because
every range partition holds consecutive rows, its rows are already grouped by shop x month: the executors write
them as they come (``commit_frames(..., clustered=True)``: no shuffle, no sort) and one catalog commits them.

Measured per step (generate + write, rollups, a day's diagnosis): wall and CPU seconds (the process tree's:
on a shared machine the CPU seconds are the work, the wall time also the wait); shuffle bytes and records
written, input bytes and records read (from Spark's event log, per job group); peak resident memory of the
JVM (VmHWM) and of the whole process tree (JVM + Python driver + Python workers, sampled every second).
The results are printed as JSON and appended as a markdown table row to ``OUT/results.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

EVENTS_PER_SESSION = 8
EVENTS_PER_TASK = 2_000_000
"""Rows of events one generating task writes (about 25 MB of Parquet): small enough for a task's memory."""
STEPS = ("generate", "rollups", "diagnosis")


def _rss_mb(pid: int, field: str = "VmRSS:") -> float:
    """A process's resident memory (or its high-water mark with ``VmHWM:``) in MB; 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux /proc)."""
    children: dict[int, list[int]] = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children[int(fields[1])].append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        out.append(todo.pop())
        todo.extend(children.get(out[-1], []))
    return out


def _cpu_s() -> float:
    """CPU seconds (user + system, reaped children included) of this process's tree: the work done, whatever
    the machine's load (wall time on a shared machine is not)."""
    ticks = 0
    for pid in _tree(os.getpid()):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += sum(int(f) for f in fields[11:15])
    return round(ticks / os.sysconf("SC_CLK_TCK"), 1)


class PeakMemory(threading.Thread):
    """Samples the resident memory of this process's tree (driver, JVM, Python workers) every second."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_mb = 0.0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(1.0):
            self.peak_mb = max(self.peak_mb, sum(_rss_mb(p) for p in _tree(os.getpid())))

    def stop(self) -> float:
        self._stop_event.set()
        return round(self.peak_mb, 1)


def _frames(session: Any, events: int, shops: int, days: int, start: dt.date) -> dict[str, Any]:
    """shops, sessions, events and orders as Spark DataFrames of the canonical tables' columns."""
    from pyspark.sql import functions as F

    from junshi.schema import TABLES
    from junshi.warehouse.spark import spark_type

    def canonical(name: str, frame: Any) -> Any:
        cols = [F.col(c.name).cast(spark_type(c.type)) if c.name in frame.columns
                else F.lit(None).cast(spark_type(c.type)).alias(c.name) for c in TABLES[name].columns]
        return frame.select(*cols)

    n_sessions = max(1, -(-events // EVENTS_PER_SESSION))
    per_shop = -(-n_sessions // shops)
    pool = max(1, per_shop // 3)
    first = F.lit(dt.datetime.combine(start, dt.time())).cast("timestamp_ntz")

    def of_session(s: Any) -> dict[str, Any]:
        """The session columns of session number ``s``: sessions are numbered by shop, then day."""
        shop = F.floor(s / per_shop)
        return {
            "shop_id": F.concat(F.lit("shop"), shop.cast("string")),
            "session_id": F.concat(F.lit("s"), s.cast("string")),
            "visitor_id": F.concat(F.lit("v"), (shop * pool + F.pmod(F.hash(s), F.lit(pool))).cast("string")),
            "started_at": first + F.make_dt_interval(
                F.floor((s - shop * per_shop) * days / per_shop), F.pmod(F.hash(s, F.lit(1)), F.lit(23)),
                F.pmod(F.hash(s, F.lit(2)), F.lit(60)), F.lit(0)),
        }

    tasks = max(1, events // EVENTS_PER_TASK)
    s = F.col("s")
    sessions = session.range(0, n_sessions, 1, max(1, tasks // EVENTS_PER_SESSION)).withColumnRenamed("id", "s")
    sessions = sessions.select("s", *[c.alias(n) for n, c in of_session(s).items()],
                               F.element_at(F.array(*[F.lit(x) for x in ("search", "ads", "direct", "social")]),
                                            (F.pmod(F.hash(s, F.lit(3)), F.lit(4)) + 1).cast("int")).alias("source"),
                               F.when(F.pmod(F.hash(s, F.lit(4)), F.lit(10)) < 7, "mobile").otherwise("desktop")
                               .alias("device"),
                               F.concat(F.lit("r"), F.pmod(F.hash(s, F.lit(5)), F.lit(30)).cast("string"))
                               .alias("region"))
    i = F.col("id")
    ev_session = of_session(F.floor(i / EVENTS_PER_SESSION))
    page_view = F.pmod(F.hash(i), F.lit(10)) < 6
    events_frame = session.range(0, events, 1, tasks).select(
        *[ev_session[c].alias(c) for c in ("shop_id", "session_id", "visitor_id")],
        F.concat(F.lit("e"), i.cast("string")).alias("event_id"),
        (ev_session["started_at"] + F.make_dt_interval(F.lit(0), F.lit(0), (i % EVENTS_PER_SESSION) * 2, F.lit(0)))
        .alias("ts"),
        F.when(page_view, "page_view").otherwise("product_view").alias("event_type"),
        F.when(~page_view, F.concat(F.lit("p"), F.pmod(F.hash(i, F.lit(9)), F.lit(500)).cast("string")))
        .alias("product_id"))  # a page view (home, list, search page) names no product
    orders = (sessions.where(F.pmod(F.hash(s, F.lit(6)), F.lit(100)) < 3)
              .withColumn("order_id", F.concat(F.lit("o"), s.cast("string")))
              .withColumn("customer_id", F.col("visitor_id"))
              .withColumn("created_at", F.col("started_at") + F.expr("INTERVAL 10 MINUTES"))
              .withColumn("paid_at", F.col("started_at") + F.expr("INTERVAL 12 MINUTES"))
              .withColumn("status", F.lit("paid"))
              .withColumn("pay_amount", (F.pmod(F.hash(s, F.lit(7)), F.lit(40000)) / 100 + 9.9)
                          .cast("decimal(18,2)")))
    shop_rows = session.range(0, shops, 1, 1).select(
        F.concat(F.lit("shop"), F.col("id").cast("string")).alias("shop_id"),
        F.concat(F.lit("Bench shop "), F.col("id").cast("string")).alias("name"), F.lit("tmall").alias("platform"),
        F.lit("CNY").alias("currency"), F.lit("Asia/Shanghai").alias("timezone"))
    return {"shops": canonical("shops", shop_rows), "sessions": canonical("sessions", sessions),
            "events": canonical("events", events_frame), "orders": canonical("orders", orders)}


def _task_metrics(event_logs: Path, app_id: str) -> dict[str, Any]:
    """From the event log, per Spark stage and summed per job group (step): input records and bytes read,
    shuffle records and bytes written, bytes spilled, tasks and the executors' CPU seconds (JVM only; the
    Python workers' are in the process tree's)."""
    log = next(p for p in event_logs.iterdir() if app_id in p.name)
    group_of_stage: dict[int, str] = {}
    stages: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with log.open() as lines:
        for line in lines:
            event = json.loads(line)
            kind = event.get("Event")
            if kind == "SparkListenerJobStart":
                group = (event.get("Properties") or {}).get("spark.jobGroup.id") or "other"
                for stage in event.get("Stage IDs", []):
                    group_of_stage[stage] = group
            elif kind == "SparkListenerTaskEnd":
                metrics = event.get("Task Metrics") or {}
                into = stages[event["Stage ID"]]
                write = metrics.get("Shuffle Write Metrics") or {}
                read = metrics.get("Input Metrics") or {}
                into["input_records"] += read.get("Records Read", 0)
                into["input_bytes"] += read.get("Bytes Read", 0)
                into["shuffle_write_records"] += write.get("Shuffle Records Written", 0)
                into["shuffle_write_bytes"] += write.get("Shuffle Bytes Written", 0)
                into["spill_disk_bytes"] += metrics.get("Disk Bytes Spilled", 0)
                into["tasks"] += 1
                into["executor_cpu_ms"] += metrics.get("Executor CPU Time", 0) // 1_000_000
    steps: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for stage, metrics in stages.items():
        for key, value in metrics.items():
            steps[group_of_stage.get(stage, "other")][key] += value
    return {"steps": {k: dict(v) for k, v in steps.items()},
            "stages": [{"stage": k, "step": group_of_stage.get(k, "other"), **v} for k, v in sorted(stages.items())
                       if v["shuffle_write_records"] or v["input_records"]]}


def _table_row(out: dict[str, Any]) -> str:
    """The run as one row of docs/lake.md's table."""
    gib = 1024 ** 3
    return (f"| {out['events']:,} | {out['shops']} | {out['days']} | {out['generate_s']} ({out['generate_cpu_s']}) | "
            f"{out['rollups_s']} ({out['rollups_cpu_s']}) | {out['diagnosis_s']} ({out['diagnosis_cpu_s']}) | "
            f"{out['wall_s']} | "
            f"{out['peak_jvm_mb']:,.0f} | {out['peak_tree_mb']:,.0f} | "
            f"{out['lake_bytes'] / gib:.2f} GiB | {sum(out['rollup_rows'].values()):,} | "
            f"{out['steps'].get('rollups', {}).get('shuffle_write_bytes', 0) / gib:.2f} GiB | "
            f"{out['load_average']} |")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--shops", type=int, default=4)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--out", type=Path, default=Path("/work/cache/lake-bench"))
    parser.add_argument("--driver-memory", default="6g")
    parser.add_argument("--shuffle-partitions", type=int, default=0,
                        help="default: one per 5M events (at least 4); adaptive execution coalesces small ones")
    parser.add_argument("--reuse", action="store_true",
                        help="keep OUT/lake when it holds a committed generation of the same --events/--shops/--days "
                             "(its generate figures are then read from OUT/generated.json): rollups and diagnosis only")
    parser.add_argument("--generate-only", action="store_true",
                        help="stop after generating the lake (then run again with --reuse for the rest)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    scratch, event_logs = args.out / "spark-local", args.out / "spark-events"
    event_logs.mkdir(exist_ok=True)
    os.environ.setdefault("PYSPARK_SUBMIT_ARGS", " ".join((
        f"--driver-memory {args.driver_memory}",
        f"--conf spark.local.dir={scratch}",  # shuffle and spill files on the big disk, not /tmp
        "--conf spark.eventLog.enabled=true", f"--conf spark.eventLog.dir={event_logs}",
        "--conf spark.eventLog.rolling.enabled=false", "--conf spark.eventLog.compress=false",
        "pyspark-shell")))

    from junshi import Shop
    from junshi.rollup.spark import rebuild
    from junshi.warehouse.lake_spark import SparkLakeWarehouse, commit_frames, lake_session

    root, generated = args.out / "lake", args.out / "generated.json"
    params = {"events": args.events, "shops": args.shops, "days": args.days}
    reuse = args.reuse and generated.exists() and json.loads(generated.read_text())["params"] == params
    if not reuse:
        generated.unlink(missing_ok=True)
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
    peak = PeakMemory()
    peak.start()
    wall = time.perf_counter()
    session = lake_session()
    sc = session.sparkContext
    sc.setLogLevel("ERROR")
    session.conf.set("spark.sql.shuffle.partitions", str(args.shuffle_partitions or max(4, args.events // 5_000_000)))
    session.conf.set("spark.sql.adaptive.enabled", "true")
    # the generated rows come grouped by shop x month: write them with a few open files, not a sort per task
    session.conf.set("spark.sql.optimizer.plannedWrite.enabled", "false")
    session.conf.set("spark.sql.maxConcurrentOutputFileWriters", "4")
    start = dt.date(2024, 1, 1)
    out: dict[str, Any] = {"events": args.events, "shops": args.shops, "days": args.days, "master": sc.master,
                           "cores": os.cpu_count(), "driver_memory": args.driver_memory,
                           "shuffle_partitions": session.conf.get("spark.sql.shuffle.partitions"),
                           "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}

    if reuse:
        out.update(json.loads(generated.read_text())["generate"])
    else:
        sc.setJobGroup("generate", "generate + write")
        clock, cpu = time.perf_counter(), _cpu_s()
        frames = _frames(session, args.events, args.shops, args.days, start)
        committed = commit_frames(root, frames, operation="bench", clustered=True)
        step = {"generate_s": round(time.perf_counter() - clock, 1), "generate_cpu_s": round(_cpu_s() - cpu, 1),
                "generate_peak_tree_mb": round(peak.peak_mb, 1),
                "rows": {name: sum(f.rows for f in committed.tables[name].files) for name in frames},
                "files": {name: len(committed.tables[name].files) for name in frames},
                "lake_bytes": sum(p.stat().st_size for p in root.rglob("*.parquet"))}
        generated.write_text(json.dumps({"params": params, "generate": step}))
        out.update(step)
    print(json.dumps(out), flush=True)  # each step as it ends: a long run shows its progress
    if args.generate_only:
        session.stop()
        return out

    sc.setJobGroup("rollups", "rollups")
    clock, cpu = time.perf_counter(), _cpu_s()
    wh = SparkLakeWarehouse(f"lake:{root}", session=session)
    committed = rebuild(wh, [f"shop{i}" for i in range(args.shops)])
    out["rollups_s"], out["rollups_cpu_s"] = round(time.perf_counter() - clock, 1), round(_cpu_s() - cpu, 1)
    out["rollup_rows"] = {t: sum(f.rows for f in committed.tables[t].files)
                          for t in ("rollup_visits", "rollup_paid", "rollup_ids", "rollup_products")}
    out["rollup_bytes"] = sum(p.stat().st_size for t in out["rollup_rows"] for p in (root / t).rglob("*.parquet"))
    print(json.dumps(out), flush=True)

    sc.setJobGroup("diagnosis", "a day's diagnosis")
    day = start + dt.timedelta(days=args.days - 2)
    clock, cpu = time.perf_counter(), _cpu_s()
    diagnosis = Shop(wh, "shop0").diagnose(day, depth=1)
    out["diagnosis_s"], out["diagnosis_cpu_s"] = round(time.perf_counter() - clock, 1), round(_cpu_s() - cpu, 1)
    out["diagnosis_day"] = day.isoformat()
    out["diagnosis_sales"] = {"current": float(diagnosis.total.current), "baseline": float(diagnosis.total.baseline),
                              "effects": {k: float(v) for k, v in diagnosis.total.effects.items()}}
    out["wall_s"] = round(time.perf_counter() - wall, 1)
    out["peak_jvm_mb"] = round(_rss_mb(sc._gateway.proc.pid, "VmHWM:"), 1)  # the JVM spark-submit became
    out["peak_tree_mb"] = peak.stop()
    out["load_average"] = round(os.getloadavg()[0], 1)
    app_id = sc.applicationId
    session.stop()  # flushes the event log
    out.update(_task_metrics(event_logs, app_id))
    out["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    print(json.dumps(out, indent=1))
    with (args.out / "results.md").open("a") as results:
        results.write(_table_row(out) + "\n")
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
