"""Simulator speed: events per second of wall time, against two hand-written baselines in the same run.

1. write-only: the time DuckDB takes just to insert the same rows, already generated (all tables of the
   shop, read back into Arrow), into a fresh warehouse, one INSERT per table: the floor for any generator
   that writes DuckDB;
2. naive: a straightforward per-visit Python generator of the same kind of events (no numpy);
and the simulator's two halves apart: generation alone (nothing written), and its writer alone (all days
generated beforehand, then written), with the CPU cores each kept busy.
Usage: python bench/simulate.py [DAYS] [VISITORS_PER_DAY]  (default 10 days x 400,000: about 11M events)
"""

from __future__ import annotations

import datetime as dt
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from junshi.simulate import simulate
from junshi.simulate.run import CHUNK_EVENTS, DAY_TABLES, Simulation, _buffer, bulk_write_settings
from junshi.simulate.writer import Writer
from junshi.warehouse import Warehouse

ROUNDS = 2
TABLES = ("sessions", "events", "searches", "orders", "order_items", "refunds", "reviews", "ad_spend", "customers",
          "inventory")


def naive_events(n_visits: int, seed: int = 0) -> int:
    """Per-visit loop: source, pages, funnel steps, one tuple per event (what a first version would do)."""
    rnd = random.Random(seed)
    rows: list[tuple[str, str, str, dt.datetime, str, str | None, str | None, int]] = []
    t0 = dt.datetime(2025, 1, 1)
    for v in range(n_visits):
        src = rnd.choices(range(8), weights=(30, 20, 10, 15, 10, 7, 5, 3))[0]
        start = t0 + dt.timedelta(seconds=rnd.randrange(86400))
        pages = 1 if rnd.random() < 0.45 else 1 + int(rnd.expovariate(0.6))
        k = 0
        for _ in range(pages):
            product = f"P{rnd.randrange(1, 51):04d}"
            for etype in ("page_view", "product_view"):
                rows.append((f"E{len(rows)}", f"S{v}", f"V{v}", start + dt.timedelta(seconds=30 * k), etype,
                             product, f"item/{product}", src))
                k += 1
        if pages > 1 and rnd.random() < 0.03:
            for etype in ("add_to_cart", "begin_checkout", "order", "payment"):
                rows.append((f"E{len(rows)}", f"S{v}", f"V{v}", start + dt.timedelta(seconds=30 * k), etype,
                             None, None, src))
                k += 1
    return len(rows)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Timed:
    """Wall and CPU seconds of a block."""

    def __enter__(self) -> Timed:
        self.wall, self.cpu = time.perf_counter(), cpu_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, cpu_seconds() - self.cpu


def one_round(days: int, vpd: float, end: dt.date) -> tuple[Timed, Timed, int, int]:
    """Simulate into a fresh warehouse, then insert the same rows (read back into Arrow) into another."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "sim.duckdb"
        with Timed() as sim:
            truth = simulate(db, days=days, visitors_per_day=vpd, seed=0, end_date=end)
        with duckdb.connect(str(db), read_only=True) as con:
            data = {name: con.sql(f"SELECT * FROM {name}").to_arrow_table() for name in TABLES}
        base = Warehouse(Path(tmp) / "baseline.duckdb")
        base.con.execute("SET enable_progress_bar = false")
        with Timed() as write:
            for name, table in data.items():
                base.con.register("_rows", table)
                base.con.execute(f"INSERT INTO {name} SELECT * FROM _rows")
                base.con.unregister("_rows")
            base.close()
        return sim, write, truth.n_events, sum(tbl.num_rows for tbl in data.values())


def halves(days: int, vpd: float, end: dt.date) -> tuple[int, Timed, Timed]:
    """Generation alone (chunks kept in memory), then the writer alone writing those chunks."""
    sim = Simulation(days=days, visitors_per_day=vpd, seed=0, lang="zh", end_date=end, btyd=None)
    chunks: list[dict[str, list[dict[str, Any]]]] = []
    buf: dict[str, list[dict[str, Any]]] = {t: [] for t in (*DAY_TABLES, "customers", "inventory")}
    n = buffered = 0
    with Timed() as gen:
        for day, out in sim.run():
            _buffer(buf, out, day, sim.state)
            n, buffered = n + out.n_events, buffered + out.n_events
            if buffered >= CHUNK_EVENTS:
                chunks.append(buf)
                buf, buffered = {t: [] for t in buf}, 0
    chunks.append(buf)
    with tempfile.TemporaryDirectory() as tmp:
        wh = Warehouse(Path(tmp) / "writer.duckdb")
        with Timed() as write:
            with bulk_write_settings(wh.con), Writer(wh.con, "default", "zh", sim.catalog, sim.creatives) as writer:
                for chunk in chunks:
                    writer.write(chunk)
                writer.flush()
            wh.close()
    return n, gen, write


def main() -> None:
    days = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    vpd = float(sys.argv[2]) if len(sys.argv) > 2 else 400_000
    end = dt.date(2025, 6, 30)
    sims, writes = [], []
    for _round in range(ROUNDS):  # alternate the two, keep the best of each (the machine is shared)
        sim_t, write_t, n, rows = one_round(days, vpd, end)
        sims.append(sim_t)
        writes.append(write_t)
    best_sim, best_write = min(sims, key=lambda x: x.wall), min(writes, key=lambda x: x.wall)
    t_sim, t_write = best_sim.wall, best_write.wall

    n_gen, gen, writer = halves(days, vpd, end)
    t_gen = gen.wall

    n_visits = 100_000
    t = time.perf_counter()
    n_naive = naive_events(n_visits)
    t_naive = time.perf_counter() - t

    rate = n / t_sim
    print(f"simulate: {days} days x {vpd:,.0f} visits/day: {n:,} events ({rows:,} rows in all tables) "
          f"in {t_sim:.1f} s = {rate:,.0f} events/s, {best_sim.cpu / t_sim:.2f} cores busy")
    print(f"  generation alone:           {n_gen / t_gen:,.0f} events/s")
    print(f"  writer alone:               {n_gen / writer.wall:,.0f} events/s (the days generated beforehand), "
          f"{writer.cpu / writer.wall:.2f} cores busy")
    print(f"  baseline write-only:        {t_write:.1f} s for the same rows = {n / t_write:,.0f} events/s, "
          f"{best_write.cpu / t_write:.2f} cores busy; simulate / write-only time = {t_sim / t_write:.2f}")
    print(f"  baseline naive Python:      {n_naive / t_naive:,.0f} events/s (tuples only, nothing written); "
          f"generation is {(n_gen / t_gen) / (n_naive / t_naive):.1f}x faster, simulate with writing "
          f"{rate / (n_naive / t_naive):.1f}x")
    print(f"  target 1,000,000 events/s: {'met' if rate >= 1e6 else 'not met on this run'}")


if __name__ == "__main__":
    main()
