"""The ground truth of a simulation: what was planted, stored beside the canonical tables (sim_truth_*)."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field

import duckdb
import pandas as pd

from junshi.simulate.plan import PlantedEvent, Promotion
from junshi.simulate.state import BTYD

TRUTH_TABLES = {
    "sim_truth_runs": """shop_id VARCHAR, seed BIGINT, days INTEGER, visitors_per_day DOUBLE, lang VARCHAR,
        start_date DATE, end_date DATE, btyd_r DOUBLE, btyd_alpha DOUBLE, btyd_a DOUBLE, btyd_b DOUBLE,
        promotion VARCHAR, incremental_sales DECIMAL(18,2), n_events BIGINT, version VARCHAR""",
    "sim_truth_events": """shop_id VARCHAR, event_id VARCHAR, kind VARCHAR, start_date DATE, end_date DATE,
        metric VARCHAR, effect DOUBLE, source VARCHAR, product_id VARCHAR, note_en VARCHAR, note_zh VARCHAR""",
    "sim_truth_customers": """shop_id VARCHAR, customer_id VARCHAR, first_purchase_at TIMESTAMP,
        lambda_per_day DOUBLE, p_dropout DOUBLE, repeat_purchases INTEGER, dropped_at TIMESTAMP,
        alive_at_end BOOLEAN""",
    "sim_truth_fake_orders": """shop_id VARCHAR, order_id VARCHAR, customer_id VARCHAR, address_hash VARCHAR,
        device_hash VARCHAR, ring_id VARCHAR""",
    "sim_truth_abuse": "shop_id VARCHAR, case_id VARCHAR, kind VARCHAR, honest BOOLEAN, level VARCHAR, id VARCHAR",
    "sim_truth_promotion": """shop_id VARCHAR, date DATE, phase VARCHAR, sales DECIMAL(18,2),
        baseline_sales DECIMAL(18,2), incremental_sales DECIMAL(18,2)""",
    "sim_truth_service": """shop_id VARCHAR, kind VARCHAR, carrier VARCHAR, product_id VARCHAR, aspect VARCHAR,
        effect DOUBLE, note_en VARCHAR, note_zh VARCHAR""",
    "sim_truth_review_aspects": "shop_id VARCHAR, review_id VARCHAR, aspect VARCHAR, polarity TINYINT",
}
VERSION = "2"  # 2: couriers, reviews with aspects (sim_truth_service, sim_truth_review_aspects)


def create_truth_tables(con: duckdb.DuckDBPyConnection) -> None:
    for name, cols in TRUTH_TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols})")


@dataclass
class GroundTruth:
    """What a simulation planted, readable from Python (``GroundTruth.load(db, shop)``).

    ``events`` are the planted events (see :class:`PlantedEvent`); ``promotion`` the big promotion with
    ``incremental_sales`` (sales in its window minus the same days simulated without it, in yuan);
    ``fake_order_ids`` the brushing ring's orders; ``btyd`` the customers' population parameters
    (customer-level draws are in the ``sim_truth_customers`` table, see :meth:`customers`).
    """

    db: str
    shop: str
    seed: int
    days: int
    visitors_per_day: float
    lang: str
    start: dt.date
    end: dt.date
    btyd: BTYD
    events: list[PlantedEvent] = field(default_factory=list)
    promotion: Promotion | None = None
    incremental_sales: float = 0.0
    fake_order_ids: list[str] = field(default_factory=list)
    n_events: int = 0

    def event(self, kind: str) -> PlantedEvent:
        """The planted event of a kind: landing_stockout, traffic_drop, product_conversion, courier_delay,
        fake_orders."""
        for ev in self.events:
            if ev.kind == kind:
                return ev
        raise KeyError(kind)

    def _read(self, sql: str) -> pd.DataFrame:
        with read_connection(self.db) as con:
            return con.execute(sql, [self.shop]).df()

    def customers(self) -> pd.DataFrame:
        """Customer-level BTYD truth: lambda_per_day, p_dropout, first_purchase_at, dropped_at, ..."""
        return self._read("SELECT * EXCLUDE (shop_id) FROM sim_truth_customers WHERE shop_id = ? ORDER BY 1")

    def promotion_days(self) -> pd.DataFrame:
        """Per day of the promotion window: phase, sales, baseline_sales (no promotion), incremental_sales."""
        return self._read("SELECT * EXCLUDE (shop_id) FROM sim_truth_promotion WHERE shop_id = ? ORDER BY date")

    def service_problems(self) -> pd.DataFrame:
        """The planted service problems: kind (slow_carrier, aspect_problem), carrier, product_id, aspect,
        effect (extra days; share of reviews complaining), note_en, note_zh."""
        return self._read("SELECT * EXCLUDE (shop_id) FROM sim_truth_service WHERE shop_id = ? ORDER BY kind")

    def review_aspects(self) -> pd.DataFrame:
        """What each simulated review says: review_id, aspect, polarity (1 praise, -1 complaint)."""
        return self._read("SELECT * EXCLUDE (shop_id) FROM sim_truth_review_aspects WHERE shop_id = ? "
                          "ORDER BY review_id, aspect")

    def fake_orders(self) -> pd.DataFrame:
        return self._read("SELECT * EXCLUDE (shop_id) FROM sim_truth_fake_orders WHERE shop_id = ? ORDER BY 1")

    def abuse(self) -> pd.DataFrame:
        """Payment and after-sale abuse and its honest look-alikes (junshi.simulate.abuse): case_id, kind
        (payments, refunds, reviewers; one_return, family_returns, unhappy, hesitant), honest, level (buyer
        or address) and id."""
        return self._read("SELECT * EXCLUDE (shop_id) FROM sim_truth_abuse WHERE shop_id = ? ORDER BY 1, 4, 5")

    @classmethod
    def load(cls, db: str | os.PathLike[str], shop: str = "default") -> GroundTruth:
        """Read the truth of the last completed simulation of ``shop`` in warehouse ``db``."""
        from junshi.errors import MissingDataError

        path = os.fspath(db)
        with read_connection(path) as con:
            try:
                run = con.execute("SELECT * FROM sim_truth_runs WHERE shop_id = ?", [shop]).fetchone()
            except duckdb.CatalogException:
                run = None
            if run is None:
                raise MissingDataError(
                    f"No simulation of shop {shop!r} in {path}.", f"{path} 中没有店铺 {shop!r} 的模拟数据。",
                    hint_en="Run `junshi simulate` (or `junshi demo`) first.",
                    hint_zh="请先运行 `junshi simulate`（或 `junshi demo`）。")
            names = [d[0] for d in con.description or []]
            r = dict(zip(names, run, strict=True))
            evs = con.execute("SELECT * EXCLUDE (shop_id) FROM sim_truth_events WHERE shop_id = ? ORDER BY event_id",
                              [shop]).fetchall()
            fakes = con.execute("SELECT order_id FROM sim_truth_fake_orders WHERE shop_id = ? ORDER BY order_id",
                                [shop]).fetchall()
        promo = None
        if r["promotion"]:
            p = json.loads(r["promotion"])
            d = {k: dt.date.fromisoformat(p[k]) for k in ("day", "presale_start", "pull_forward_start", "end")}
            promo = Promotion(p["name"], d["day"], d["presale_start"], d["pull_forward_start"], d["end"],
                              p["traffic"], p["conversion"], p["pull_forward"], p["after"])
        return cls(
            db=path, shop=shop, seed=r["seed"], days=r["days"], visitors_per_day=r["visitors_per_day"],
            lang=r["lang"], start=r["start_date"], end=r["end_date"],
            btyd=BTYD(r["btyd_r"], r["btyd_alpha"], r["btyd_a"], r["btyd_b"]),
            events=[PlantedEvent(*e) for e in evs], promotion=promo,
            incremental_sales=float(r["incremental_sales"] or 0), fake_order_ids=[f[0] for f in fakes],
            n_events=r["n_events"])


def read_connection(path: str) -> duckdb.DuckDBPyConnection:
    """A connection for reading: read-only, unless this process already holds the file open for writing
    (DuckDB then only allows the same configuration)."""
    try:
        return duckdb.connect(path, read_only=True)
    except duckdb.ConnectionException:
        return duckdb.connect(path)


def promotion_json(p: Promotion | None) -> str | None:
    if p is None:
        return None
    return json.dumps({k: v.isoformat() if isinstance(v, dt.date) else v for k, v in asdict(p).items()})
