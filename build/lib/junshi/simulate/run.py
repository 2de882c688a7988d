"""Run a whole simulation into a warehouse: day by day, written in chunks, with its ground truth."""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb
import numpy as np
import pyarrow as pa

from junshi import rollup
from junshi.errors import ConfigError
from junshi.schema import FACT_TABLES
from junshi.simulate.abuse import plant_abuse
from junshi.simulate.catalog import build_catalog, build_creatives
from junshi.simulate.day import US_DAY, Day, DayGenerator, commit
from junshi.simulate.plan import Plan
from junshi.simulate.service import drop_lost_review_truth, write_dsr_peers
from junshi.simulate.state import BTYD, State
from junshi.simulate.truth import VERSION, GroundTruth, create_truth_tables, promotion_json
from junshi.simulate.vocab import CATEGORIES
from junshi.simulate.writer import N_WRITERS, Writer, ts
from junshi.warehouse import Warehouse

CHUNK_EVENTS = 1_000_000  # days are buffered up to this many events, then queued for writing
MEMORY_LIMIT = "1GB"  # DuckDB's cache of written blocks would otherwise grow with the run
BASELINE_VISITS = 400_000
DAY_TABLES = ("sessions", "events", "searches", "orders", "order_items", "refunds", "reviews", "ad_spend")
# peer benchmarks: metric -> (peer_avg, peer_top) as multiples of the shop's own 28-day median
PEERS = {"payment_conversion_rate": (0.85, 1.8), "spend_per_buyer": (0.95, 1.3), "uv_value": (0.8, 2.2),
         "uv": (0.7, 3.0), "sales": (0.6, 4.0)}


def yesterday(timezone: str = "Asia/Shanghai") -> dt.date:
    """Yesterday in the shop's time zone."""
    return dt.datetime.now(zoneinfo.ZoneInfo(timezone)).date() - dt.timedelta(days=1)


def _check(days: int, visitors_per_day: float, lang: str) -> None:
    if days < 1 or days > 3660:
        raise ConfigError(f"--days must be between 1 and 3660, not {days}.",
                          f"--days 须在 1 到 3660 之间，而不是 {days}。",
                          hint_en="Give a number of days such as 180.", hint_zh="请给出天数，例如 180。")
    if not 1 <= visitors_per_day <= 2_000_000:
        raise ConfigError(f"--visitors-per-day must be between 1 and 2 million, not {visitors_per_day}.",
                          f"--visitors-per-day 须在 1 到 200 万之间，而不是 {visitors_per_day}。",
                          hint_en="Give e.g. 2000.", hint_zh="例如 2000。")
    if lang not in ("zh", "en"):
        raise ConfigError(f"--lang must be zh or en, not {lang!r}.", f"--lang 须为 zh 或 en，而不是 {lang!r}。",
                          hint_en="Use --lang zh or --lang en.", hint_zh="请使用 --lang zh 或 --lang en。")


class Simulation:
    """The generator side of a simulation: the catalogue, the plan, and the days one after another."""

    def __init__(self, *, days: int, visitors_per_day: float, seed: int, lang: str, end_date: dt.date | None,
                 btyd: BTYD | None) -> None:
        _check(days, visitors_per_day, lang)
        self.days, self.seed, self.lang = days, seed, lang
        self.visitors_per_day = float(visitors_per_day)
        self.end = end_date or yesterday()
        self.start = start = self.end - dt.timedelta(days=days - 1)
        self.btyd = btyd or BTYD()
        rng0 = np.random.default_rng([seed, 1_000_003])
        self.catalog = catalog = build_catalog(rng0, lang)
        self.creatives = build_creatives(rng0, catalog, lang)
        self.plan = plan = Plan(start, self.end, catalog, self.creatives, lang)
        self.start_us = start_us = int(np.datetime64(start, "us").astype(np.int64))
        courier = None
        for ev in plan.events:
            if ev.kind == "courier_delay":
                courier = (self._us(ev.start), self._us(ev.end) + US_DAY, ev.effect)
        promo = plan.promotion
        promo_us = self._us(promo.day) if promo else None
        self.gen = DayGenerator(catalog, self.creatives, self.btyd, visitors_per_day, start_us,
                                start_us + days * US_DAY, courier, promo_us, plan.ring_product)
        self.state = State(catalog, catalog.initial_stock.copy(), np.full(len(catalog), -1))
        if promo:  # presale items launch with the presale
            self.state.stock[catalog.is_presale] = 0
            self.state.restock_day[catalog.is_presale] = 10**9
        self.promo_rows: list[tuple[dt.date, str, int, int]] = []  # date, phase, sales, counterfactual (cents)
        # the counterfactual of each promotion day is the mean of several draws (fewer for big shops)
        self.baseline_draws = int(np.clip(BASELINE_VISITS // visitors_per_day, 1, 8))

    def _us(self, day: dt.date) -> int:
        return self.start_us + (day - self.start).days * US_DAY

    def run(self) -> Iterator[tuple[dt.date, Day]]:
        """Generate and commit the days in order (the promotion's days also without it, for the truth)."""
        st, plan, gen, promo = self.state, self.plan, self.gen, self.plan.promotion
        for i in range(self.days):
            day = self.start + dt.timedelta(days=i)
            fx = plan.effects(day)
            _apply_stock_events(st, fx.stock_zero, gen.expected_units)
            if promo and day == promo.presale_start:
                st.stock[self.catalog.is_presale] = 3000
                st.restock_day[self.catalog.is_presale] = -1
            out = gen.generate(st, i, fx, np.random.default_rng([self.seed, i]))
            if fx.promo_phase:
                no_promo = plan.effects(day, with_promotion=False)
                base = [gen.generate(st, i, no_promo, np.random.default_rng([self.seed, i, 7, k])).sales_cents
                        for k in range(self.baseline_draws)]
                self.promo_rows.append((day, fx.promo_phase, out.sales_cents, round(float(np.mean(base)))))
            commit(st, out, i, gen.expected_units)
            yield day, out


def simulate(
    db: str | os.PathLike[str],
    *,
    days: int = 180,
    visitors_per_day: float = 2000,
    seed: int = 0,
    lang: str = "zh",
    shop: str = "default",
    end_date: dt.date | None = None,
    btyd: BTYD | None = None,
    progress: Callable[[int, int, int], None] | None = None,
) -> GroundTruth:
    """Simulate a shop into warehouse ``db`` (replacing that shop's rows) and return its ground truth.

    ``visitors_per_day`` is the mean number of visits of new (not yet buying) visitors on an ordinary
    day; returning customers come on top. ``end_date`` defaults to yesterday in Asia/Shanghai.
    ``progress(day, days, events_so_far)`` is called after each day. Same arguments, same data.
    A run that fails or is interrupted removes what it wrote: no half shop is left.
    """
    sim = Simulation(days=days, visitors_per_day=visitors_per_day, seed=seed, lang=lang, end_date=end_date,
                     btyd=btyd)
    wh = Warehouse(db)
    con = wh.con
    try:
        with bulk_write_settings(con):
            create_truth_tables(con)
            _clear(con, shop)
            try:
                truth = _write_shop(wh, sim, shop, progress)
                plant_abuse(con, shop, lang, seed)
                drop_lost_review_truth(con, shop)
            except BaseException:
                _clear(con, shop)  # the writers have stopped: remove the rows of the unfinished run
                raise
        with wh.transaction() as tx:
            rollup.rebuild(tx, shop)
        return truth
    finally:
        wh.close()


@contextmanager
def bulk_write_settings(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB settings for the writer threads while a simulation runs; the defaults come back after."""
    from junshi.warehouse.connection import memory_bound

    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = false")
    # each writer thread runs its own INSERT: DuckDB's helper threads only for the cores left over
    # (measured on 2 cores: splitting one INSERT over both cores costs about 10% more CPU)
    con.execute(f"SET threads = {max(1, (os.cpu_count() or 2) - N_WRITERS)}")
    try:
        with memory_bound(con, MEMORY_LIMIT):
            yield
    finally:
        con.execute("RESET threads")


def _write_shop(wh: Warehouse, sim: Simulation, shop: str, progress: Callable[[int, int, int], None] | None
                ) -> GroundTruth:
    """Generate the days, write them through the writer threads, then the products, peers and truth."""
    con, catalog, st, lang = wh.con, sim.catalog, sim.state, sim.lang
    wh.ensure_shop(shop, name="云裳女装旗舰店" if lang == "zh" else "Yunshang Womenswear", platform="tmall")
    with Writer(con, shop, lang, catalog, sim.creatives) as writer:
        buf: dict[str, list[dict[str, np.ndarray]]] = {t: [] for t in (*DAY_TABLES, "customers", "inventory")}
        buffered = total_events = 0
        daily: list[tuple[dt.date, int, int, int]] = []  # date, uv, paid buyers, sales cents
        fakes: list[np.ndarray] = []
        for i, (day, out) in enumerate(sim.run()):
            _buffer(buf, out, day, st)
            if out.fake_orders is not None:
                fakes.append(out.fake_orders)
            daily.append((day, out.uv, out.paid_buyers, out.sales_cents))
            buffered += out.n_events
            total_events += out.n_events
            if buffered >= CHUNK_EVENTS or i == sim.days - 1:
                writer.write(buf)  # queued: the next days are generated while it is written
                buf = {t: [] for t in buf}
                buffered = 0
            if progress:
                progress(i + 1, sim.days, total_events)
        categories = [CATEGORIES[c][0 if lang == "zh" else 1] for c in catalog.category]
        writer.products_table(catalog, catalog.names, categories, st.stock)
        writer.flush()
    _write_benchmarks(con, shop, daily, np.random.default_rng([sim.seed, 99]))
    truth = GroundTruth(
        db=os.fspath(wh.url), shop=shop, seed=sim.seed, days=sim.days, visitors_per_day=sim.visitors_per_day,
        lang=lang, start=sim.start, end=sim.end, btyd=sim.btyd, events=sim.plan.events,
        promotion=sim.plan.promotion, incremental_sales=sum(a - b for _d, _p, a, b in sim.promo_rows) / 100,
        n_events=total_events)
    _write_truth(con, truth, st, sim.start_us, sim.promo_rows, fakes)
    con.executemany("INSERT INTO sim_truth_service VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(shop, *row) for row in sim.gen.service.truth_rows(catalog, lang)])
    write_dsr_peers(con, shop, np.random.default_rng([sim.seed, 98]))
    truth.fake_order_ids = [r[0] for r in con.execute(
        "SELECT order_id FROM sim_truth_fake_orders WHERE shop_id = ? ORDER BY order_id", [shop]).fetchall()]
    return truth


def _clear(con: duckdb.DuckDBPyConnection, shop: str) -> None:
    """Remove every row of the shop (canonical and truth tables): before simulating it again, and after a
    run that did not finish."""
    from junshi.simulate.truth import TRUTH_TABLES

    for table in (*FACT_TABLES, "customers", "products", *TRUTH_TABLES):
        con.execute(f'DELETE FROM "{table}" WHERE shop_id = ?', [shop])


def _apply_stock_events(st: State, forced: list[int], expected_units: np.ndarray) -> None:
    """Products planted out of stock have none today; when the event ends they are restocked."""
    for p in forced:
        st.stock[p] = 0
        st.restock_day[p] = 10**9
    for p in st.was_forced_out - set(forced):
        st.stock[p] = int(expected_units[p] * 30) + 50
        st.restock_day[p] = -1
    st.was_forced_out = set(forced)


def _buffer(buf: dict[str, list[dict[str, np.ndarray]]], out: Day, day: dt.date, st: State) -> None:
    for name in DAY_TABLES:
        buf[name].append(out.tables[name])
    ads = buf["ad_spend"][-1]
    ads["date"] = np.full(len(ads["creative"]), np.datetime64(day, "D"))
    buf["customers"].append(out.customers_rows)
    n = len(st.stock)
    buf["inventory"].append({"date": np.full(n, np.datetime64(day, "D")), "product": np.arange(n),
                             "stock": st.stock.copy()})


def _write_benchmarks(con: duckdb.DuckDBPyConnection, shop: str, daily: list[tuple[dt.date, int, int, int]],
                      rng: np.random.Generator) -> None:
    """Peer rows per day: a multiple of the shop's own rolling 28-day median, with noise."""
    import pandas as pd

    df = pd.DataFrame(daily, columns=["date", "uv", "buyers", "cents"])
    df["sales"] = df["cents"] / 100
    own = {"uv": df["uv"].astype(float), "sales": df["sales"],
           "payment_conversion_rate": df["buyers"] / df["uv"].clip(lower=1),
           "spend_per_buyer": df["sales"] / df["buyers"].clip(lower=1),
           "uv_value": df["sales"] / df["uv"].clip(lower=1)}
    rows = []
    for metric, (avg, top) in PEERS.items():
        base = own[metric].rolling(28, min_periods=1).median()
        for level, factor in (("peer_avg", avg), ("peer_top", top)):
            vals = base * factor * rng.lognormal(0, 0.04, len(df))
            rows.append(pd.DataFrame({"shop_id": shop, "date": df["date"], "metric": metric, "level": level,
                                      "value": vals.round(4)}))
    bench = pd.concat(rows)
    con.register("_sim_bench", bench)
    con.execute("INSERT INTO benchmarks SELECT shop_id, date, metric, level, value FROM _sim_bench")
    con.unregister("_sim_bench")


def _write_truth(con: duckdb.DuckDBPyConnection, truth: GroundTruth, st: State, start_us: int,
                 promo_rows: list[tuple[dt.date, str, int, int]], fakes: list[np.ndarray]) -> None:
    """The sim_truth_* rows: the run, the planted events, the customers' BTYD draws, the promotion, the ring."""
    shop = truth.shop
    b = truth.btyd
    con.execute("INSERT INTO sim_truth_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        shop, truth.seed, truth.days, truth.visitors_per_day, truth.lang, truth.start, truth.end, b.r, b.alpha, b.a,
        b.b, promotion_json(truth.promotion), round(truth.incremental_sales, 2), truth.n_events, VERSION])
    for ev in truth.events:
        con.execute("INSERT INTO sim_truth_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            shop, ev.event_id, ev.kind, ev.start, ev.end, ev.metric, ev.effect, ev.source, ev.product_id,
            ev.note_en, ev.note_zh])
    pop = st.customers
    days = truth.days
    born = pop.birth_t < days
    death = pop.death_t[born]
    dead = ~np.isnan(death) & (death < days)
    death_us = np.where(dead, start_us + np.nan_to_num(death * US_DAY).astype(np.int64), -1)
    tbl = pa.table({"cid": pa.array(pop.cid[born]),
                    "first": ts(start_us + (pop.birth_t[born] * US_DAY).astype(np.int64)),
                    "lam": pa.array(pop.lam[born]), "p": pa.array(pop.p[born]),
                    "n": pa.array(pop.n_repeat[born]), "died": ts(death_us), "alive": pa.array(~dead)})
    con.register("_sim_truth", tbl)
    con.execute("INSERT INTO sim_truth_customers SELECT $1, 'C' || cid, first, lam, p, n::INTEGER, died, alive "
              "FROM _sim_truth", [shop])
    con.unregister("_sim_truth")
    rows = [(shop, d, phase, a / 100, base / 100, (a - base) / 100) for d, phase, a, base in promo_rows]
    if rows:
        con.executemany("INSERT INTO sim_truth_promotion VALUES (?, ?, ?, ?, ?, ?)", rows)
    oids = np.concatenate(fakes) if fakes else np.zeros(0, np.int64)
    if len(oids):
        con.execute("INSERT INTO sim_truth_fake_orders SELECT shop_id, order_id, customer_id, address_hash, "
                  "device_hash, 'ring1' FROM orders WHERE shop_id = $1 AND order_id IN (SELECT unnest($2))",
                  [shop, [f"O{o}" for o in oids.tolist()]])
