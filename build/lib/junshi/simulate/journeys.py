"""Journeys across channels with known channel effects, and a creative test with a known true difference:
a shop of its own (not part of :func:`junshi.simulate.simulate`) for checking attribution and A/B readouts.

Each visitor has a buying propensity u ~ Gamma(2, 1/2) (mean 1) and 1 + Poisson(``visits_per_visitor`` - 1)
visits spread uniformly over the days, each from a channel drawn by ``SHARES``. A visit from channel c adds
``EFFECTS[c]`` to the visitor's accumulated pull; at each visit the visitor pays an order with probability
1 - exp(-u (BASE + pull)), and a paid order resets the pull (a new path starts). 直通车 visits carry one of
two plans (``sessions.campaign``), the visitor's for good, 50/50: ``创意A`` or ``创意B``, whose visits pull
``CREATIVE_LIFT`` times more.

The truth (same random draws, only the one thing changed): ``sim_truth_channels`` has each channel's
incremental paid orders (orders of the period minus those without the channel's visits, which then do not
happen); ``sim_truth_creatives`` the conversion (paying visitors / visitors, in the test period, the last
``TEST_DAYS`` days) of the test's visitors all shown A, and all shown B.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from junshi import rollup
from junshi.warehouse import Warehouse

SHARES = {"搜索": 0.35, "推荐": 0.25, "直通车": 0.2, "钻展": 0.12, "直接访问": 0.08}
EFFECTS = {"搜索": 0.02, "推荐": 0.006, "直通车": 0.03, "钻展": 0.0, "直接访问": 0.04}
MEDIUM = {"搜索": "organic", "推荐": "organic", "直通车": "cpc", "钻展": "cpm", "直接访问": "direct"}
BASE = 0.005
CREATIVES = ("创意A", "创意B")
CREATIVE_LIFT = 2.0  # B's visits pull twice as much as A's
TEST_DAYS = 14
TRUTH_TABLES = {
    "sim_truth_channels": "shop_id VARCHAR, channel VARCHAR, visit_share DOUBLE, effect DOUBLE, orders BIGINT, "
                          "orders_without BIGINT, incremental_orders BIGINT",
    "sim_truth_creatives": "shop_id VARCHAR, column_name VARCHAR, control VARCHAR, treatment VARCHAR, "
                           "start_date DATE, end_date DATE, visitors BIGINT, conversion_control DOUBLE, "
                           "conversion_treatment DOUBLE, lift DOUBLE",
}


@dataclass(frozen=True)
class JourneyTruth:
    """What :func:`simulate_journeys` planted (also in the sim_truth_channels / sim_truth_creatives tables)."""

    shop: str
    start: dt.date
    end: dt.date
    test_start: dt.date
    channels: pd.DataFrame  # channel, visit_share, effect, orders, orders_without, incremental_orders
    conversion_control: float
    conversion_treatment: float

    @property
    def lift(self) -> float:
        return self.conversion_treatment / self.conversion_control - 1


@dataclass(frozen=True)
class _Visits:
    visitor: np.ndarray  # visitor of each visit, visits sorted by visitor and time
    day_seconds: np.ndarray  # seconds from the start
    channel: np.ndarray  # index into SHARES
    creative: np.ndarray  # the visitor's plan (0 A, 1 B), per visit
    rank: np.ndarray  # the visit's number within its visitor (0 = first)
    u: np.ndarray  # the visitor's propensity, per visit
    draw: np.ndarray  # the uniform draw deciding a payment at the visit


def _visits(rng: np.random.Generator, visitors: int, days: int, per_visitor: float) -> _Visits:
    counts = 1 + rng.poisson(per_visitor - 1, visitors)
    visitor = np.repeat(np.arange(visitors), counts)
    seconds = rng.uniform(0, days * 86400, len(visitor))
    order = np.lexsort((seconds, visitor))
    visitor, seconds = visitor[order], seconds[order]
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(len(visitor)) - np.repeat(first, counts)
    channel = rng.choice(len(SHARES), size=len(visitor), p=list(SHARES.values()))
    u = rng.gamma(2.0, 0.5, visitors)[visitor]
    creative = rng.integers(0, 2, visitors)[visitor]
    return _Visits(visitor, seconds, channel, creative, rank, u, rng.random(len(visitor)))


def _pay(v: _Visits, effects: np.ndarray, *, skip: int | None = None, creative: int | None = None) -> np.ndarray:
    """Whether each visit holds a paid order (vectorised over visitors, one step per visit number).

    ``skip``: a channel whose visits do not happen; ``creative``: every visitor shown this plan."""
    plan = v.creative if creative is None else np.full(len(v.creative), creative)
    pull = effects[v.channel] * np.where((v.channel == list(SHARES).index("直通车")) & (plan == 1), CREATIVE_LIFT, 1)
    happens = v.channel != skip if skip is not None else np.ones(len(v.channel), dtype=bool)
    paid = np.zeros(len(v.channel), dtype=bool)
    acc = np.zeros(int(v.visitor.max()) + 1 if len(v.visitor) else 0)
    for r in range(int(v.rank.max()) + 1 if len(v.rank) else 0):
        at = np.flatnonzero((v.rank == r) & happens)
        who = v.visitor[at]
        acc[who] += pull[at]
        paid[at] = v.draw[at] < 1 - np.exp(-v.u[at] * (BASE + acc[who]))
        acc[who[paid[at]]] = 0.0
    return paid


def simulate_journeys(db: str | os.PathLike[str], *, shop: str = "journeys", visitors: int = 20_000,
                      days: int = 42, visits_per_visitor: float = 3.0, seed: int = 0,
                      end_date: dt.date = dt.date(2024, 6, 30)) -> JourneyTruth:
    """Write the shop's visits (``sessions``) and paid orders (``orders``), replacing that shop's rows, with
    the truth tables; returns the truth."""
    rng = np.random.default_rng([seed, 16])
    start = end_date - dt.timedelta(days=days - 1)
    test_start = end_date - dt.timedelta(days=TEST_DAYS - 1)
    v = _visits(rng, visitors, days, visits_per_visitor)
    effects = np.array(list(EFFECTS.values()))
    paid = _pay(v, effects)
    amounts = np.round(rng.lognormal(5.0, 0.5, len(paid)), 2)
    names = list(SHARES)
    truth_rows = []
    for c, name in enumerate(names):
        without = int(_pay(v, effects, skip=c).sum())
        truth_rows.append((shop, name, float(np.mean(v.channel == c)), float(effects[c]), int(paid.sum()), without,
                           int(paid.sum()) - without))
    channels = pd.DataFrame(truth_rows, columns=["shop_id", "channel", "visit_share", "effect", "orders",
                                                 "orders_without", "incremental_orders"])
    # the readout's visitors: a 直通车 visit in the test period; their outcomes: from that first visit on
    exposure = (v.day_seconds >= (test_start - start).days * 86400) & (v.channel == names.index("直通车"))
    first_seen = np.full(visitors, np.inf)
    np.minimum.at(first_seen, v.visitor[exposure], v.day_seconds[exposure])
    after = v.day_seconds >= first_seen[v.visitor]
    exposed = np.flatnonzero(np.isfinite(first_seen))
    rates = []
    for plan in (0, 1):
        pays = _pay(v, effects, creative=plan) & after
        rates.append(float(np.isin(exposed, v.visitor[pays]).mean()) if len(exposed) else 0.0)
    t0 = pd.Timestamp(start)
    sessions = pd.DataFrame({
        "shop_id": shop, "session_id": [f"J{i}" for i in range(len(v.visitor))],
        "visitor_id": [f"JV{x}" for x in v.visitor], "started_at": t0 + pd.to_timedelta(v.day_seconds, unit="s"),
        "source": [names[c] for c in v.channel], "medium": [MEDIUM[names[c]] for c in v.channel],
        "campaign": [CREATIVES[p] if names[c] == "直通车" else None for c, p in zip(v.channel, v.creative,
                                                                                 strict=True)]})
    sessions["started_at"] = sessions["started_at"].dt.floor("s")
    paid_at = sessions[paid]
    orders = pd.DataFrame({
        "shop_id": shop, "order_id": "JO" + paid_at["session_id"].str[1:], "visitor_id": paid_at["visitor_id"],
        "customer_id": "JC" + paid_at["visitor_id"].str[2:], "session_id": paid_at["session_id"],
        "created_at": paid_at["started_at"] + pd.Timedelta(minutes=5),
        "paid_at": paid_at["started_at"] + pd.Timedelta(minutes=6), "source": paid_at["source"],
        "pay_amount": amounts[paid], "item_amount": amounts[paid]})
    creatives = pd.DataFrame([(shop, "campaign", CREATIVES[0], CREATIVES[1], test_start, end_date, len(exposed),
                               rates[0], rates[1], rates[1] / rates[0] - 1 if rates[0] else None)],
                             columns=["shop_id", "column_name", "control", "treatment", "start_date", "end_date",
                                      "visitors", "conversion_control", "conversion_treatment", "lift"])
    _write(db, shop, sessions, orders, channels, creatives)
    return JourneyTruth(shop, start, end_date, test_start, channels.drop(columns="shop_id"), rates[0], rates[1])


def _write(db: str | os.PathLike[str], shop: str, sessions: pd.DataFrame, orders: pd.DataFrame,
           channels: pd.DataFrame, creatives: pd.DataFrame) -> None:
    wh = Warehouse(db)
    try:
        wh.ensure_shop(shop, name="旅程模拟店", platform="tmall")
        with wh.transaction() as con:
            for name, cols in TRUTH_TABLES.items():
                con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols})")
            for table, frame in (("sessions", sessions), ("orders", orders), ("sim_truth_channels", channels),
                                 ("sim_truth_creatives", creatives)):
                con.execute(f'DELETE FROM "{table}" WHERE shop_id = ?', [shop])
                con.register("_journeys", frame)
                cols = ", ".join(f'"{c}"' for c in frame.columns)
                con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM _journeys')
                con.unregister("_journeys")
            rollup.refresh(con, shop, ["sessions", "orders"])
    finally:
        wh.close()
