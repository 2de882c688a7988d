"""Rollups: after any sequence of loads and reloads they equal a full rebuild, and every metric read
from them equals the same metric from the raw rows (hypothesis); plus one exact hand-made case."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyroaring import BitMap

from junshi import Shop, connect, rollup
from junshi.cli.app import main
from junshi.marketing.abtest import _plans, visitor_days
from junshi.marketing.arms import frame_sums, stored_sums
from junshi.marketing.attribution import compare
from junshi.marketing.search import search_report
from junshi.metrics import query
from junshi.metrics.query import explain, kpi
from junshi.risk.aftersale import CHECKS, abuse_risk
from junshi.risk.graph import fingerprint_edges
from junshi.risk.score import _ip_buyers, _orders
from junshi.warehouse import writable

METRICS = ["uv", "pv", "paid_buyers", "paid_orders", "sales", "payment_conversion_rate", "spend_per_buyer",
           "repeat_buyers", "repurchase_rate", "cogs"]
BUYER_METRICS = ["paid_buyers", "paid_orders", "sales", "new_buyers", "returning_buyers", "returning_buyer_share"]
CELL_PRODUCT_METRICS = ["uv", "paid_buyers", "paid_orders", "sales", "units", "payment_conversion_rate"]
PRODUCT_METRICS = ["uv", "cart_visitors", "add_to_cart_rate", "paid_buyers", "paid_orders", "sales", "units", "cogs"]
LANDING_METRICS = ["uv", "visits", "bounced_visits", "bounce_rate", "second_click_rate"]
DAY0 = dt.datetime(2026, 6, 1)
SESSIONS = [f"s{i}" for i in range(6)]
# a visit starts at a fixed time (some late in the evening: it crosses midnight) and lasts under 3 hours
START = {s: DAY0 + dt.timedelta(days=i % 4, hours=(9, 23, 14, 22, 0, 23)[i]) for i, s in enumerate(SESSIONS)}
OPT = st.one_of(st.none(), st.sampled_from(["a", "b"]))
PRINT = st.one_of(st.none(), st.sampled_from(["x", "y"]))  # an order's address, device or IP

EVENT = st.fixed_dictionaries({
    "event_id": st.sampled_from([f"e{i}" for i in range(16)]), "session_id": st.sampled_from(SESSIONS),
    "visitor_id": st.sampled_from(["v0", "v1", "v2"]), "minutes": st.integers(0, 170),
    "event_type": st.sampled_from(["page_view", "product_view", "add_to_cart"]),
    "product_id": st.one_of(st.none(), st.sampled_from(["p1", "p2"])),
})
SESSION = st.fixed_dictionaries({
    "session_id": st.sampled_from(SESSIONS), "visitor_id": st.sampled_from(["v0", "v1", "v2", "v3"]),
    "source": OPT, "device": OPT, "region": OPT, "landing_page": OPT, "campaign": OPT,
    "medium": st.one_of(st.none(), st.sampled_from(["direct", "cpc"])),
})
ORDER = st.fixed_dictionaries({
    "order_id": st.sampled_from([f"o{i}" for i in range(8)]),
    "customer_id": st.one_of(st.none(), st.sampled_from(["c0", "c1"])), "visitor_id": st.one_of(st.none(),
                                                                                                 st.just("v1")),
    "day": st.integers(0, 3), "paid": st.booleans(), "pay_amount": st.integers(0, 500), "source": OPT,
    "device": OPT, "region": OPT, "address_hash": PRINT, "device_hash": PRINT, "ip_hash": PRINT,
    "session_id": st.one_of(st.none(), st.sampled_from(SESSIONS)),  # the visit it was placed in (attribution)
})
REVIEW = st.fixed_dictionaries({
    "review_id": st.sampled_from([f"r{i}" for i in range(6)]), "order_id": st.sampled_from([f"o{i}" for i in range(8)]),
    "customer_id": st.one_of(st.none(), st.sampled_from(["c0", "c1"])), "day": st.integers(0, 3),
    "rating": st.one_of(st.none(), st.integers(1, 5)),
    "text": st.one_of(st.none(), st.sampled_from(["物流很快，质量差", "好评", "not great quality", " "])),
})
REFUND = st.fixed_dictionaries({
    "refund_id": st.sampled_from([f"f{i}" for i in range(4)]), "order_id": st.sampled_from([f"o{i}" for i in range(8)]),
    "day": st.integers(0, 3), "amount": st.integers(1, 90),
})
CUSTOMER = st.fixed_dictionaries({
    "customer_id": st.sampled_from(["c0", "c1"]), "registered": st.one_of(st.none(), st.integers(-3, 3)),
})
ITEM = st.fixed_dictionaries({
    "order_id": st.sampled_from([f"o{i}" for i in range(8)]), "line_no": st.integers(1, 2),
    "product_id": st.sampled_from(["p1", "p2"]), "quantity": st.integers(1, 3), "unit_price": st.integers(1, 90),
    "amount": st.one_of(st.none(), st.integers(0, 200)), "unit_cost": st.one_of(st.none(), st.integers(1, 50)),
})
PRODUCT = st.fixed_dictionaries({  # a catalogue reload moves products between categories (or leaves one without)
    "product_id": st.sampled_from(["p1", "p2"]), "category": st.one_of(st.none(), st.sampled_from(["k1", "k2"])),
    "cost": st.one_of(st.none(), st.integers(1, 40)),  # and changes their cost
    "stock": st.one_of(st.none(), st.integers(0, 1)),  # and its stock (a search's clicked product out of stock)
})
SEARCH = st.fixed_dictionaries({  # searched at an hour of a day: before or after the searcher's orders (20:00)
    "search_id": st.sampled_from([f"q{i}" for i in range(8)]), "day": st.integers(0, 3), "hour": st.integers(0, 23),
    "visitor_id": st.one_of(st.none(), st.sampled_from(["v1", "v2"])), "query": st.sampled_from(["裙子", "dress"]),
    "results_count": st.one_of(st.none(), st.integers(0, 2)),
    "clicked_product_id": st.one_of(st.none(), st.sampled_from(["p1", "p2"])),
})
LOAD = st.one_of(
    st.tuples(st.just("order_items"),
              st.lists(ITEM, min_size=1, max_size=5, unique_by=lambda r: (r["order_id"], r["line_no"]))),
    st.tuples(st.just("events"), st.lists(EVENT, min_size=1, max_size=8, unique_by=lambda r: r["event_id"])),
    st.tuples(st.just("sessions"), st.lists(SESSION, min_size=1, max_size=4, unique_by=lambda r: r["session_id"])),
    st.tuples(st.just("orders"), st.lists(ORDER, min_size=1, max_size=5, unique_by=lambda r: r["order_id"])),
    st.tuples(st.just("reviews"), st.lists(REVIEW, min_size=1, max_size=4, unique_by=lambda r: r["review_id"])),
    st.tuples(st.just("products"), st.lists(PRODUCT, min_size=1, max_size=2, unique_by=lambda r: r["product_id"])),
    st.tuples(st.just("customers"), st.lists(CUSTOMER, min_size=1, max_size=2, unique_by=lambda r: r["customer_id"])),
    st.tuples(st.just("refunds"), st.lists(REFUND, min_size=1, max_size=3, unique_by=lambda r: r["refund_id"])),
    st.tuples(st.just("searches"), st.lists(SEARCH, min_size=1, max_size=6, unique_by=lambda r: r["search_id"])),
)


def _rows(table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Canonical rows of a generated load (times derived from the visit or the order's day)."""
    out = []
    for r in rows:
        if table in ("order_items", "products"):
            out.append(r)
        elif table == "events":
            ts = START[r["session_id"]] + dt.timedelta(minutes=r["minutes"])
            out.append({k: v for k, v in r.items() if k != "minutes"} | {"ts": ts})
        elif table == "sessions":
            out.append(r | {"started_at": START[r["session_id"]]})
        elif table == "customers":  # registered at 8:00, some days before or after orders placed at 20:00
            at = None if r["registered"] is None else DAY0 + dt.timedelta(days=r["registered"], hours=8)
            out.append({"customer_id": r["customer_id"], "registered_at": at})
        elif table == "searches":
            at = DAY0 + dt.timedelta(days=r["day"], hours=r["hour"])
            out.append({k: v for k, v in r.items() if k not in ("day", "hour")} | {"ts": at})
        elif table in ("reviews", "refunds"):
            out.append({k: v for k, v in r.items() if k != "day"}
                       | {"created_at": DAY0 + dt.timedelta(days=r["day"], hours=21)})
        else:
            at = DAY0 + dt.timedelta(days=r["day"], hours=20)
            paid = {"paid_at": at} if r["paid"] else {}
            out.append({k: v for k, v in r.items() if k not in ("day", "paid")} | {"created_at": at} | paid)
    return out


def _load(shop: Shop, folder: Path, table: str, rows: list[dict[str, Any]]) -> None:
    path = folder / f"{table}.csv"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=sorted({k for r in rows for k in r}))
        writer.writeheader()
        writer.writerows(rows)
    shop.ingest(path, table=table)


def _content(shop: Shop) -> set[tuple[Any, ...]]:
    """The rollup rows with their id sets decoded to ids (dense numbers differ between build orders)."""
    con = shop.warehouse.con
    names = {(k, n): i for k, i, n in con.execute("SELECT kind, id, n FROM rollup_ids WHERE shop_id = ?",
                                                   [shop.shop_id]).fetchall()}
    out: set[tuple[Any, ...]] = set()
    for table, kinds, cols in (
        ("rollup_visits", ["visitor"], "source, device, region, uv, pv, uv_set"),
        ("rollup_paid", ["buyer"], "source, device, region, customer_type, paid_orders, sales, paid_buyers, "
         "paid_buyers_set"),
        ("rollup_products", ["visitor", "visitor", "buyer"], "product_id, paid_orders, sales, units, line_cost, "
         "units_without_cost, uv, cart_visitors, paid_buyers, uv_set, cart_visitors_set, paid_buyers_set"),
        ("rollup_product_cells", ["visitor", "buyer"], "product_id, source, device, region, customer_type, uv, "
         "paid_orders, sales, units, paid_buyers, uv_set, paid_buyers_set"),
        ("rollup_landing", ["visitor"], "landing_page, uv, visits, bounced_visits, visits_with_pv, visit_page_views, "
         "uv_set"),
        ("rollup_margins", ["visitor", "buyer"], "dimension, source, device, region, customer_type, uv, paid_buyers, "
         "uv_set, paid_buyers_set"),
        ("rollup_categories", ["visitor", "visitor", "buyer"], "category, uv, cart_visitors, paid_buyers, uv_set, "
         "cart_visitors_set, paid_buyers_set"),
        ("rollup_product_margins", ["visitor", "buyer"], "product_id, dimension, source, device, region, "
         "customer_type, uv, paid_buyers, uv_set, paid_buyers_set"),
        ("rollup_plan_sets", ["visitor"], "source, campaign, visitors, visitors_set"),
        ("rollup_search_sets", ["visitor"], "query, product_id, searches, no_results, searchers_set"),
    ):
        for row in con.execute(f"SELECT date, {cols} FROM {table} WHERE shop_id = ?", [shop.shop_id]).fetchall():
            plain, sets = row[:len(row) - len(kinds)], row[len(row) - len(kinds):]
            decoded = (None if blob is None else frozenset(names[(kind, n)] for n in BitMap.deserialize(blob))
                       for kind, blob in zip(kinds, sets, strict=True))
            out.add((table, *plain, *decoded))
    for table, join in (("rollup_searches", "LEFT JOIN"), ("rollup_search_orders", "JOIN")):
        out |= {(table, *r) for r in con.execute(
            f"SELECT i.id, r.* EXCLUDE (shop_id, visitor) FROM {table} r {join} rollup_ids i ON i.shop_id = r.shop_id "
            "AND i.kind = 'visitor' AND i.n = r.visitor WHERE r.shop_id = ?", [shop.shop_id]).fetchall()}
    out |= {("rollup_plan_visitors", *r) for r in con.execute(
        "SELECT r.date, i.id, r.* EXCLUDE (shop_id, date, visitor) FROM rollup_plan_visitors r JOIN rollup_ids i "
        "ON i.shop_id = r.shop_id AND i.kind = 'visitor' AND i.n = r.visitor WHERE r.shop_id = ?",
        [shop.shop_id]).fetchall()}
    for table, cols in (("rollup_prints", "kind, value, customer_id, first_at, hub"),
                        ("rollup_placed", "date, days, product_id, lines"),
                        ("rollup_first_orders", "customer_id, first_at, registered_at"),
                        ("rollup_checks", "date, kind, total, hits, last_hits"),
                        ("rollup_repeat_orders", "* EXCLUDE (shop_id)"),
                        ("rollup_repeat_reviews", "* EXCLUDE (shop_id)"),
                        ("rollup_review_tags", "* EXCLUDE (shop_id)"),
                        ("rollup_path_steps", "* EXCLUDE (shop_id)"),
                        ("rollup_path_touches", "* EXCLUDE (shop_id)")):
        out |= {(table, *r) for r in con.execute(f"SELECT {cols} FROM {table} WHERE shop_id = ?",
                                                 [shop.shop_id]).fetchall()}
    out |= {("rollup_first_paid", *r) for r in con.execute(
        "SELECT id, first_day FROM rollup_first_paid WHERE shop_id = ?", [shop.shop_id]).fetchall()}
    return out


def _rebuilt(shop: Shop) -> set[tuple[Any, ...]]:
    """The rollups a full rebuild gives (rolled back afterwards)."""
    con = shop.warehouse.con
    con.execute("BEGIN TRANSACTION")
    try:
        rollup.rebuild(con, shop.shop_id)
        return _content(shop)
    finally:
        con.execute("ROLLBACK")


def _risk_reads(shop: Shop) -> list[Any]:
    """What the 风控 page reads of the rollups (or, where they are not built, of the raw rows): the fingerprint
    graph, the orders with their bursts and first orders (all, and those that could be suspects), and the IPs'
    buyers up to two days, and each payment or after-sale check's suspects."""
    wh, out = writable(shop.warehouse), list[Any]()
    for end in (DAY0.date() + dt.timedelta(days=1), DAY0.date() + dt.timedelta(days=3)):
        edges = fingerprint_edges(wh, shop.shop_id, end)
        out.append(sorted((u, v, sorted(k)) for u, v, k in edges.itertuples(index=False)))
        for only in (None, (["c0"], 0.5), ([], 0.5), ([], 0.4)):  # every order; those that could be suspects
            got = _orders(wh, shop.shop_id, DAY0.date(), end, only).astype(object)
            out.append(got.where(got.notna(), None).to_dict("records"))  # NaN / NaT as None (they equal)
        out.append(_ip_buyers(wh, shop.shop_id, end, pd.Series(["x", "y"])))
        out += [[r.as_dict("en") for r in abuse_risk(wh, shop.shop_id, check, DAY0.date(), end, suspects_only=True)]
                for check in CHECKS]
    return out


def _attribution(shop: Shop) -> list[dict[str, Any]]:
    """Every attribution model's credits per channel over the whole history, its days after the first (paths cut at
    the period's start), and its second day alone (from the rollups, or where they are not built, the visits)."""
    return [compare(shop, start=DAY0.date() + dt.timedelta(days=a), end=DAY0.date() + dt.timedelta(days=b),
                    half_life_days=1.5).as_dict() for a, b in ((0, 4), (1, 4), (1, 1))]


def _search_terms(shop: Shop) -> list[dict[str, Any]]:
    """The search terms of every day, of days after the first and of the second day alone, with a window of one and
    of two days (from the rollups, or where they are not built, the searches); none without searches."""
    if not shop.table("searches").count().execute():
        return []
    day = DAY0.date()
    return [search_report(shop, day + dt.timedelta(days=a), day + dt.timedelta(days=b), window_days=w,
                          min_searchers=1).as_dict() for a, b in ((0, 3), (1, 3), (1, 1)) for w in (1, 2)]


def _plan_lists(shop: Shop) -> list[list[dict[str, Any]]]:
    """The plans of every day and of the second and third days with their visitors (the creative tests' list; from
    rollup_plan_sets, or where the rollups are not built, the visits)."""
    day = DAY0.date()
    return [_plans(shop, day + dt.timedelta(days=a), day + dt.timedelta(days=b)).astype({"visitors": int})
            .sort_values(["source", "campaign"], na_position="first").to_dict("records") for a, b in ((0, 3), (1, 2))]


def _frames(shop: Shop, monkeypatch: pytest.MonkeyPatch, metrics: list[str] = METRICS,
            **kw: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same kpi from the rollups and from the raw rows."""
    fast = kpi(shop.warehouse, shop.shop_id, metrics, **kw).frame
    with monkeypatch.context() as m:
        m.setattr(query, "_rollup_stamp", lambda *_: None)
        raw = kpi(shop.warehouse, shop.shop_id, metrics, **kw).frame
    return fast, raw


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(loads=st.lists(LOAD, min_size=1, max_size=5))
def test_rollups_equal_rebuild_and_raw(folder: Path, loads: list[tuple[str, list[dict[str, Any]]]],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Loads and reloads (rows replaced by key, moving days, cells and products) keep the rollups equal to a
    full rebuild; uv, pv, buyers, orders, sales and their ratios from rollups equal those from raw rows, and so
    do new and returning buyers (each buyer's first paid day kept by the refresh), product viewers,
    add-to-cart visitors, buyers, orders, sales and units by product, and the same by product and cell (viewers and
    buyers by product and one of source, device or region from the product margins); visitors, visits, bounces and
    second clicks by landing page; the fingerprints, placed lines, first orders and repeat
    buyers the 风控 page reads give the graph, bursts, candidate orders, IPs' buyers and after-sale suspects of the
    raw rows; every attribution model's credits from the kept paths (rollup_path_steps, rollup_path_touches) equal
    those of the visits, over periods cutting paths; a catalogue reload moving products between categories moves the
    categories' rollup (viewers,
    add-to-cart visitors and buyers by category from it equal those of the raw rows); each day's review texts keep
    their tags (rollup_review_tags) through reloads that move or rewrite them; a creative test's exact sums from
    rollup_plan_visitors equal those of the raw visits and their paid orders (visits, orders and plans moved)."""
    db = folder / f"p{len(list(folder.iterdir()))}.duckdb"
    with connect(db, shop="p") as shop:
        for table, rows in loads:
            _load(shop, folder, table, _rows(table, rows))
            assert _content(shop) == _rebuilt(shop)
        stored = _risk_reads(shop), _attribution(shop), _search_terms(shop), _plan_lists(shop)
        with monkeypatch.context() as m:
            m.setattr(rollup, "built", lambda *_: False)
            m.setattr(rollup, "built_in", lambda *_, **__: None)
            assert stored == (_risk_reads(shop), _attribution(shop), _search_terms(shop), _plan_lists(shop))
        for kw in ({"start": "2026-06-01", "end": "2026-06-05"}, {"by": "day,source"},
                   {"by": "week,region", "filters": {"device": "a"}}, {"by": "device"}, {"by": "day"},
                   {"by": "day", "filters": {"region": ["a", "b"]}}, {"by": "week"}):
            fast, raw = _frames(shop, monkeypatch, **kw)
            pd.testing.assert_frame_equal(fast, raw, check_dtype=False, obj=str(kw))
        for kw in ({"by": "day,customer_type"}, {"by": "source", "filters": {"customer_type": "new"}},
                   {"start": "2026-06-02", "end": "2026-06-04"}, {"by": "day"}, {"by": "customer_type"}):
            fast, raw = _frames(shop, monkeypatch, BUYER_METRICS, **kw)
            pd.testing.assert_frame_equal(fast, raw, check_dtype=False, obj=str(kw))
        for kw in ({"by": "product"}, {"by": "day,product", "start": "2026-06-02", "end": "2026-06-04"},
                   {"by": "day", "filters": {"product": ["p1", "p2"]}}, {"by": "day,category"},
                   {"by": "category", "start": "2026-06-02", "end": "2026-06-04"},
                   {"by": "day", "filters": {"category": ["k1", "k2"]}}):
            fast, raw = _frames(shop, monkeypatch, PRODUCT_METRICS, **kw)
            pd.testing.assert_frame_equal(fast, raw, check_dtype=False, obj=str(kw))
        for kw in ({"by": "product,source"}, {"by": "day,region", "filters": {"product": "p1", "device": "a"}},
                   {"by": "category,customer_type", "start": "2026-06-02", "end": "2026-06-04"},
                   {"by": "day,product,device"}, {"by": "day,product", "filters": {"region": "a"}},
                   {"by": "category,source", "filters": {"product": ["p1", "p2"]}}):
            fast, raw = _frames(shop, monkeypatch, CELL_PRODUCT_METRICS, **kw)
            pd.testing.assert_frame_equal(fast, raw, check_dtype=False, obj=str(kw))
        for kw in ({"by": "landing_page"}, {"by": "day,landing_page", "start": "2026-06-02", "end": "2026-06-03"},
                   {"by": "day"}):
            fast, raw = _frames(shop, monkeypatch, LANDING_METRICS, **kw)
            pd.testing.assert_frame_equal(fast, raw, check_dtype=False, obj=str(kw))
        for start, end, pre in ((DAY0.date(), DAY0.date() + dt.timedelta(days=3), 0),
                                (DAY0.date() + dt.timedelta(days=1), DAY0.date() + dt.timedelta(days=2), 1)):
            days = visitor_days(shop, column="campaign", control="a", treatment="b", start=start, end=end,
                                pre_days=pre)
            assert stored_sums(writable(shop.warehouse).con, shop.shop_id, "a", "b", start, end, pre) == \
                frame_sums(days, (end - start).days + 1)


def _load_hand_made(shop: Shop, tmp_path: Path) -> None:
    """v1 views on 1 and 2 June from source a; v2 on 2 June from b; v1 again on 2 June from b. Buyer c0 pays 10
    on 1 June (o1) and 5 on 2 June (o2), source a; c1 pays 7 on 2 June (o3), source b."""
    sessions = [{"session_id": "x1", "visitor_id": "v1", "started_at": "2026-06-01 10:00:00", "source": "a"},
                {"session_id": "x2", "visitor_id": "v1", "started_at": "2026-06-02 10:00:00", "source": "a"},
                {"session_id": "x3", "visitor_id": "v2", "started_at": "2026-06-02 11:00:00", "source": "b"},
                {"session_id": "x4", "visitor_id": "v1", "started_at": "2026-06-02 12:00:00", "source": "b"}]
    events = [{"event_id": f"e{i}", "session_id": s["session_id"], "visitor_id": s["visitor_id"],
               "ts": s["started_at"], "event_type": "page_view"} for i, s in enumerate(sessions)]
    orders = [{"order_id": "o1", "customer_id": "c0", "created_at": "2026-06-01 12:00:00",
               "paid_at": "2026-06-01 12:00:00", "pay_amount": 10, "source": "a"},
              {"order_id": "o2", "customer_id": "c0", "created_at": "2026-06-02 12:00:00",
               "paid_at": "2026-06-02 12:00:00", "pay_amount": 5, "source": "a"},
              {"order_id": "o3", "customer_id": "c1", "created_at": "2026-06-02 13:00:00",
               "paid_at": "2026-06-02 13:00:00", "pay_amount": 7, "source": "b"}]
    for table, rows in (("sessions", sessions), ("events", events), ("orders", orders)):
        _load(shop, tmp_path, table, rows)


def test_exact_counts_over_days_and_cells(shop: Shop, tmp_path: Path) -> None:
    """The hand-made shop: uv over both days and both sources = |{v1, v2}| = 2 (daily figures would add to
    1 + 3 = 4); by source: a = |{v1}| = 1, b = |{v1, v2}| = 2; paid_buyers |{c0, c1}| = 2, sales 10 + 5 + 7 = 22,
    spend_per_buyer 22 / 2 = 11; repeat buyers over both days |{c0}| = 1 (in both days' sets), repurchase rate
    1 / 2. By day and source, read from the margins' stored counts: 1 June a |{v1}| = 1;
    2 June a |{v1}| = 1, b |{v1, v2}| = 2 (uv) and a |{c0}| = 1, b |{c1}| = 1 (paid_buyers); by day the whole
    shop: 1 June 1 visitor, 1 buyer; 2 June |{v1, v2}| = 2 visitors (not 1 + 2), |{c0, c1}| = 2 buyers.
    """
    _load_hand_made(shop, tmp_path)
    whole = kpi(shop.warehouse, shop.shop_id, METRICS, start="2026-06-01", end="2026-06-02").frame.iloc[0]
    assert (whole.uv, whole.pv, whole.paid_buyers, whole.sales, whole.spend_per_buyer) == (2, 4, 2, 22, 11)
    split = kpi(shop.warehouse, shop.shop_id, ["uv"], by="source", start="2026-06-01", end="2026-06-02").frame
    assert split.set_index("source").uv.to_dict() == {"a": 1, "b": 2}
    said = explain(shop.warehouse, shop.shop_id, ["uv", "sales"], by="source")
    assert "-- uv: from rollup_margins (单维日汇总), fact rollup_margins (rollup)" in said
    assert "-- sales: from rollup_paid (支付日汇总), fact rollup_paid (rollup)" in said
    daily = kpi(shop.warehouse, shop.shop_id, ["uv", "paid_buyers"], by="day,source").frame
    assert [(str(r.day), r.source, r.uv, r.paid_buyers) for r in daily.itertuples()] == [
        ("2026-06-01", "a", 1, 1), ("2026-06-02", "a", 1, 1), ("2026-06-02", "b", 2, 1)]
    assert "SUM(" in explain(shop.warehouse, shop.shop_id, ["uv"], by="day,source")  # a stored count, no union
    days = kpi(shop.warehouse, shop.shop_id, ["uv", "paid_buyers"], by="day").frame
    assert [(r.uv, r.paid_buyers) for r in days.itertuples()] == [(1, 1), (2, 2)]
    again = kpi(shop.warehouse, shop.shop_id, ["repeat_buyers", "repurchase_rate"], start="2026-06-01",
                end="2026-06-02").frame.iloc[0]
    assert (again.repeat_buyers, again.repurchase_rate) == (1, 0.5)  # c0 paid on both days, c1 on one
    said = explain(shop.warehouse, shop.shop_id, ["repeat_buyers"])
    assert "-- repeat_buyers: from rollup_margins (单维日汇总)" in said
    by_hour = explain(shop.warehouse, shop.shop_id, ["uv"], by="hour")  # rollups have no hours
    assert "-- uv: from sessions (访问), fact visit_days (raw rows)" in by_hour


def test_new_and_returning_after_an_older_day_loads(shop: Shop, tmp_path: Path) -> None:
    """c0 pays on 3 June: a new buyer that day (new_buyers 1, returning 0). An order of c0 paid on 1 June, loaded
    afterwards, makes 1 June c0's first paid day: on 3 June c0 is returning (new 0, returning 1), on 1 June new.
    Split by customer_type over both days: new = |{c0}| = 1 (1 June), returning = 1 (3 June), sales 5 and 7.
    Changing the 3 June order again moves no first paid day: the refresh recomputes 3 June only."""
    def order(oid: str, day: int, amount: int) -> dict[str, Any]:
        at = f"2026-06-0{day} 12:00:00"
        return {"order_id": oid, "customer_id": "c0", "created_at": at, "paid_at": at, "pay_amount": amount}

    def figures(start: str, end: str) -> tuple[int, int]:
        row = kpi(shop.warehouse, shop.shop_id, ["new_buyers", "returning_buyers"], start=start, end=end).frame
        return int(row.new_buyers.iloc[0]), int(row.returning_buyers.iloc[0])

    _load(shop, tmp_path, "orders", [order("o3", 3, 7)])
    assert figures("2026-06-03", "2026-06-03") == (1, 0)
    _load(shop, tmp_path, "orders", [order("o1", 1, 5)])
    assert figures("2026-06-03", "2026-06-03") == (0, 1)
    assert figures("2026-06-01", "2026-06-01") == (1, 0)
    split = kpi(shop.warehouse, shop.shop_id, ["paid_buyers", "sales"], by="customer_type", start="2026-06-01",
                end="2026-06-03").frame.set_index("customer_type")
    assert split.paid_buyers.to_dict() == {"new": 1, "returning": 1}
    assert split.sales.astype(float).to_dict() == {"new": 5.0, "returning": 7.0}
    said = explain(shop.warehouse, shop.shop_id, ["new_buyers"], by="customer_type")
    assert "-- new_buyers: from rollup_margins (单维日汇总), fact rollup_margins (rollup)" in said
    with shop.warehouse.transaction() as tx:  # a change that moves no first paid day: only its own day
        tx.execute("UPDATE orders SET pay_amount = 8 WHERE order_id = 'o3'")
        assert rollup.refresh(tx, shop.shop_id, ["orders"]).days["rollup_paid"] == [dt.date(2026, 6, 3)]


def test_rollups_of_an_older_layout_are_read_as_not_built_and_upgraded(db_path: Path, tmp_path: Path) -> None:
    """A warehouse whose rollup_paid predates new / returning (and has no first-paid table) answers from raw rows;
    its next refresh fills the new tables for every day, equal to a rebuild."""
    with connect(db_path) as shop:
        _load(shop, tmp_path, "orders", [{"order_id": f"o{d}", "customer_id": "c0", "paid_at": f"2026-06-0{d} 12:00",
                                          "created_at": f"2026-06-0{d} 12:00", "pay_amount": d} for d in (1, 3)])
        shop.warehouse.con.execute("ALTER TABLE rollup_paid DROP COLUMN customer_type")
        shop.warehouse.con.execute("DROP TABLE rollup_first_paid")
    with connect(db_path) as shop:  # as the next Junshi opens it
        assert rollup.stamp(shop.warehouse.con, shop.shop_id) is None
        assert "fact orders_paid (raw rows)" in explain(shop.warehouse, shop.shop_id, ["sales"])
        with shop.warehouse.transaction() as tx:
            report = rollup.refresh(tx, shop.shop_id, [])
        assert report.days["rollup_paid"] == [dt.date(2026, 6, 1), dt.date(2026, 6, 3)]
        assert "rollup_visits" not in report.days
        assert _content(shop) == _rebuilt(shop)
        assert "fact rollup_paid (rollup)" in explain(shop.warehouse, shop.shop_id, ["sales"])


def test_rollup_command_rebuilds(shop: Shop, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`junshi rollup --rebuild` recomputes every day; `junshi rollup` after it finds nothing to do."""
    _load(shop, tmp_path, "orders", [{"order_id": "o1", "created_at": "2026-06-01 12:00:00",
                                      "paid_at": "2026-06-03 12:00:00", "pay_amount": 3}])
    db = str(shop.warehouse.url)
    shop.close()
    capsys.readouterr()
    main(["rollup", "--rebuild", "--db", db, "--shop", shop.shop_id])
    assert "rollup_paid: 1 days recomputed (2026-06-03 .. 2026-06-03)" in capsys.readouterr().out
    main(["rollup", "--db", db, "--shop", shop.shop_id])
    assert "The rollups were up to date." in capsys.readouterr().out


def test_a_refresh_reads_only_the_days_it_is_given(shop: Shop, tmp_path: Path) -> None:
    """o1 paid 10 on 1 June, o2 paid 20 on 3 June; o2's line of 2 x 4 counts on 3 June (its order's day).

    Changed by hand to 11 and 21, a refresh given 3 June recomputes 3 June only (sales 21; 1 June still says
    10, so a writer must name every day it touched), then one given 1 June brings 1 June to 11: equal to a
    rebuild. days_of: orders -> their payment days, order_items -> their order's payment day.
    """
    orders = [{"order_id": o, "created_at": f"2026-06-0{d} 12:00:00", "paid_at": f"2026-06-0{d} 12:00:00",
               "pay_amount": a} for o, d, a in (("o1", 1, 10), ("o2", 3, 20))]
    _load(shop, tmp_path, "orders", orders)
    _load(shop, tmp_path, "order_items", [{"order_id": "o2", "line_no": 1, "product_id": "p", "quantity": 2,
                                           "unit_price": 4}])
    con = shop.warehouse.con
    june = [dt.date(2026, 6, d) for d in (1, 3)]
    assert rollup.days_of(con, "orders", "orders") == set(june)
    assert rollup.days_of(con, "order_items", "order_items") == {june[1]}
    assert rollup.days_of(con, "customers", "customers") == set()

    def sales() -> dict[dt.date, float]:
        rows = con.execute("SELECT date, sum(sales) FROM rollup_paid WHERE shop_id = ? GROUP BY 1",
                           [shop.shop_id]).fetchall()
        return {d: float(s) for d, s in rows}

    with shop.warehouse.transaction() as tx:
        tx.execute("UPDATE orders SET pay_amount = pay_amount + 1")
        report = rollup.refresh(tx, shop.shop_id, ["orders"], [june[1]])
        assert report.days == {t: [june[1]] for t in ("rollup_paid", "rollup_products", "rollup_product_cells",
                                                      "rollup_product_margins", "rollup_margins", "rollup_categories",
                                                      "rollup_prints", "rollup_placed", "rollup_first_orders",
                                                      "rollup_checks", "rollup_repeat_orders", "rollup_repeat_reviews")}
        assert sales() == {june[0]: 10, june[1]: 21}
        rollup.refresh(tx, shop.shop_id, ["orders"], [june[0]])
        assert sales() == {june[0]: 11, june[1]: 21}
    assert _content(shop) == _rebuilt(shop)


def test_categories_follow_the_catalogue(shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """1 June: v1 views p1 and p2, v2 views p2. With p1 in k1 and p2 in k2, viewers by day and category are
    k1 |{v1}| = 1, k2 |{v1, v2}| = 2. A products load moving p1 to k2 (no day named: the load has none)
    recomputes the day: k2 |{v1, v2}| = 2 (not 1 + 2), no k1; read from the categories' stored counts, equal to
    the raw rows, and to a rebuild."""
    sessions = [{"session_id": f"x{i}", "visitor_id": v, "started_at": "2026-06-01 10:00:00"}
                for i, v in enumerate(("v1", "v2"))]
    events = [{"event_id": f"e{i}", "session_id": s, "visitor_id": v, "ts": "2026-06-01 10:05:00",
               "event_type": "product_view", "product_id": p}
              for i, (s, v, p) in enumerate((("x0", "v1", "p1"), ("x0", "v1", "p2"), ("x1", "v2", "p2")))]
    for table, rows in (("sessions", sessions), ("events", events),
                        ("products", [{"product_id": "p1", "category": "k1"}, {"product_id": "p2", "category": "k2"}])):
        _load(shop, tmp_path, table, rows)

    def viewers() -> dict[str, int]:
        fast, raw = _frames(shop, monkeypatch, ["uv"], by="day,category")
        pd.testing.assert_frame_equal(fast, raw, check_dtype=False)
        return dict(zip(fast.category, fast.uv, strict=True))

    assert viewers() == {"k1": 1, "k2": 2}
    said = explain(shop.warehouse, shop.shop_id, ["uv"], by="day,category")
    assert "-- uv: from rollup_categories (类目日汇总), fact rollup_categories (rollup)" in said
    _load(shop, tmp_path, "products", [{"product_id": "p1", "category": "k2"}])
    assert viewers() == {"k2": 2}
    assert _content(shop) == _rebuilt(shop)


def test_landing_rollup_exact_and_filled_for_an_older_warehouse(db_path: Path, tmp_path: Path) -> None:
    """Landing page L1: visit x1 of v1 with 2 page views (the second after midnight), visit x2 of v2 with 1;
    L2: visit x3 of v1 with none. By landing page over 1-2 June: L1 visits 2, bounced 1 (x2), bounce rate 1/2,
    visitors |{v1, v2}| = 2, second-click rate (3 page views - 2 visits with one) / 3 = 1/3; L2 visits 1, no
    bounce, no visitor. A warehouse from before the landing rollup reads raw rows (same figures) until its next
    refresh fills the rollup for every day."""
    sessions = [{"session_id": "x1", "visitor_id": "v1", "started_at": "2026-06-01 23:30:00", "landing_page": "L1"},
                {"session_id": "x2", "visitor_id": "v2", "started_at": "2026-06-01 10:00:00", "landing_page": "L1"},
                {"session_id": "x3", "visitor_id": "v1", "started_at": "2026-06-02 10:00:00", "landing_page": "L2"}]
    events = [{"event_id": "e1", "session_id": "x1", "visitor_id": "v1", "ts": "2026-06-01 23:31:00"},
              {"event_id": "e2", "session_id": "x1", "visitor_id": "v1", "ts": "2026-06-02 00:10:00"},
              {"event_id": "e3", "session_id": "x2", "visitor_id": "v2", "ts": "2026-06-01 10:01:00"}]
    asked = {"by": "landing_page", "start": "2026-06-01", "end": "2026-06-02"}
    said = "-- bounced_visits: from rollup_landing (落地页日汇总), fact rollup_landing (rollup)"
    with connect(db_path) as shop:
        for table, rows in (("sessions", sessions), ("events", [e | {"event_type": "page_view"} for e in events])):
            _load(shop, tmp_path, table, rows)
        frame = kpi(shop.warehouse, shop.shop_id, LANDING_METRICS, **asked).frame.set_index("landing_page")
        assert frame.loc["L1"].to_dict() == {"uv": 2, "visits": 2, "bounced_visits": 1, "bounce_rate": 0.5,
                                             "second_click_rate": pytest.approx(1 / 3)}
        assert (frame.loc["L2", "visits"], frame.loc["L2", "bounced_visits"], frame.loc["L2", "uv"]) == (1, 0, 0)
        assert said in explain(shop.warehouse, shop.shop_id, LANDING_METRICS, **asked)
        shop.warehouse.con.execute("DROP TABLE rollup_landing")  # as a warehouse built before it
    with connect(db_path) as shop:
        assert "fact visits (raw rows)" in explain(shop.warehouse, shop.shop_id, LANDING_METRICS, **asked)
        assert kpi(shop.warehouse, shop.shop_id, LANDING_METRICS, **asked).frame.set_index("landing_page").equals(frame)
        with shop.warehouse.transaction() as tx:
            report = rollup.refresh(tx, shop.shop_id, [])
        assert report.days["rollup_landing"][1:3] == [dt.date(2026, 6, 1), dt.date(2026, 6, 2)]
        assert _content(shop) == _rebuilt(shop)
        assert said in explain(shop.warehouse, shop.shop_id, LANDING_METRICS, **asked)
        assert kpi(shop.warehouse, shop.shop_id, LANDING_METRICS, **asked).frame.set_index("landing_page").equals(frame)


def test_clean_figures_read_visitors_from_rollups(shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hand-made shop without suspect order o3 (c1 pays 7 on 2 June, source b): sales by source over 1-2 June
    are a 10 + 5 = 15, b 0 and paying buyers a 1 (c0), b 0, from the raw orders; visitors (a: v1; b: v1, v2) still
    come from the rollups (the margins' visitor sets), which hold no order there: the same frame as from raw rows
    alone."""
    _load_hand_made(shop, tmp_path)
    clean = Shop(shop.warehouse.without_suspects(["o3"]), shop.shop_id)
    asked = {"by": "source", "start": "2026-06-01", "end": "2026-06-02"}
    fast, raw = _frames(clean, monkeypatch, METRICS, **asked)
    pd.testing.assert_frame_equal(fast, raw, check_dtype=False)
    got = fast.set_index("source")
    assert got.sales.to_dict() == {"a": 15, "b": 0} and got.paid_buyers.to_dict() == {"a": 1, "b": 0}
    assert got.uv.to_dict() == {"a": 1, "b": 2}
    said = explain(clean.warehouse, clean.shop_id, ["uv", "sales"], **asked)
    assert "-- uv: from rollup_margins (单维日汇总), fact rollup_margins (rollup)" in said
    assert "-- sales: from orders (订单), fact orders_paid (raw rows)" in said


def test_id_sets_serialized_in_duckdb_equal_pyroaring() -> None:
    """``junshi_roaring(list)`` in a query (5,000 rows: DuckDB hands the function several vectors, some sliced)
    gives per row the bytes of ``bitmaps.serialize`` of its ids; lists of 0..6 ids (row i: (i * k) mod 100,003 for
    k < i mod 7), so every seventh row is the empty set; an id beyond 32 bits is refused, not truncated."""
    import duckdb
    import pyarrow as pa

    from junshi.rollup import bitmaps

    lists = [[(i * k) % 100_003 for k in range(i % 7)] for i in range(5_000)]
    con = duckdb.connect()
    bitmaps.register(con)
    con.register("t", pa.table({"i": list(range(5_000)), "ids": pa.array(lists, pa.list_(pa.uint32()))}))
    got = con.execute(f"SELECT {bitmaps.ROARING}(ids) FROM t ORDER BY i").fetchall()
    assert [bytes(b) for (b,) in got] == [bitmaps.serialize(ids) for ids in lists]
    assert BitMap.deserialize(got[7][0]) == BitMap() and list(BitMap.deserialize(got[13][0])) == sorted(
        {13 * k % 100_003 for k in range(6)})
    with pytest.raises(duckdb.ConversionException):
        con.execute(f"SELECT {bitmaps.ROARING}(CAST([4294967296] AS UINTEGER[]))").fetchall()


def test_the_set_functions_outlive_a_rolled_back_load(tmp_path: Path) -> None:
    """A load refreshes the rollups (with the set functions) inside its transaction; when it rolls back (a bad
    file), the functions stay callable: DuckDB drops a function created in that transaction, and every later refresh
    and rollup read of the connection would fail. |{1, 2} | {2, 3}| = 3."""
    from junshi.rollup import bitmaps
    from junshi.warehouse import Warehouse

    warehouse = Warehouse(str(tmp_path / "new.duckdb"))
    with pytest.raises(RuntimeError), warehouse.transaction() as tx:
        bitmaps.register(tx)
        raise RuntimeError("the load fails")
    both = f"[{bitmaps.ROARING}([1, 2]::UINTEGER[]), {bitmaps.ROARING}([2, 3]::UINTEGER[])]"
    assert warehouse.con.execute(f"SELECT {bitmaps.UNION_COUNT}({both})").fetchall() == [(3,)]
    warehouse.close()


def _load_view_and_order(shop: Shop, tmp_path: Path) -> None:
    """1 June: v1 views p1 and p2 in a visit from source a and device m (no order); c0 pays o1 (a line of p1, 10)
    from source b, a new buyer."""
    sessions = [{"session_id": "x1", "visitor_id": "v1", "started_at": "2026-06-01 10:00:00", "source": "a",
                 "device": "m"}]
    events = [{"event_id": f"e{i}", "session_id": "x1", "visitor_id": "v1", "ts": "2026-06-01 10:05:00",
               "event_type": "product_view", "product_id": p} for i, p in enumerate(("p1", "p2"))]
    orders = [{"order_id": "o1", "customer_id": "c0", "created_at": "2026-06-01 12:00:00",
               "paid_at": "2026-06-01 12:00:00", "pay_amount": 10, "source": "b"}]
    lines = [{"order_id": "o1", "line_no": 1, "product_id": "p1", "quantity": 1, "unit_price": 10}]
    for table, rows in (("sessions", sessions), ("events", events), ("orders", orders), ("order_items", lines)):
        _load(shop, tmp_path, table, rows)


def test_product_splits_by_one_cell_dimension_have_the_raw_rows(shop: Shop, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The shop of _load_view_and_order: v1 views p1 and p2 from source a; c0 pays o1 (p1) from source b, new.
    Raw rows: paying buyers by product and customer_type: one row, (p1, new) |{c0}| = 1 (p2 was only viewed, so
    no row of it; no row without a customer_type); viewers by product and source: (p1, a) 1, (p2, a) 1 (no (p1, b):
    c0's order had no view); paying buyers by product and source: (p1, b) 1. The product margins hold a row per
    product and value with viewers or buyers, so before only those with the measure counted: (p1, NULL), (p2, NULL)
    with 0 buyers, (p1, b) with 0 viewers, (p1, a) and (p2, a) with 0 buyers. The same by day (stored counts) and
    over the day (the union)."""
    _load_view_and_order(shop, tmp_path)
    expected = {("paid_buyers", "customer_type"): [("p1", "new", 1)],
                ("uv", "source"): [("p1", "a", 1), ("p2", "a", 1)],
                ("paid_buyers", "source"): [("p1", "b", 1)]}
    for (metric, dim), rows in expected.items():
        for by in (f"product,{dim}", f"day,product,{dim}"):
            said = explain(shop.warehouse, shop.shop_id, [metric], by=by)
            assert f"-- {metric}: from rollup_product_margins" in said, said
            fast, raw = _frames(shop, monkeypatch, [metric], by=by)
            got = [(r["product"], r[dim], r[metric]) for r in fast.to_dict("records")]
            assert got == rows, (by, got)
            pd.testing.assert_frame_equal(fast, raw, check_dtype=False, obj=by)


def test_union_count_of_serialized_sets() -> None:
    """{1, 2, 3} ∪ {3, 4} ∪ ∅ ∪ (missing) ∪ {2**31 + 5} = {1, 2, 3, 4, 2**31 + 5}: 5; no set or only missing
    ones: 0; the sets given are not changed by the count (the first is OR-ed into in place)."""
    from junshi.rollup.bitmaps import serialize, union_count

    first = serialize([1, 2, 3])
    blobs = [first, serialize([3, 4]), serialize([]), None, serialize([2**31 + 5])]
    assert union_count(blobs) == 5
    assert union_count([first]) == 3 and union_count(blobs) == 5
    assert union_count([]) == 0 and union_count([None]) == 0


def test_cost_of_goods_from_the_product_rollup(shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """1 June, paid: o1 with 2 x p1 at unit_cost 3 and 1 x p2 without one; o2 with 2 x p2 without one and 1 x p3
    without one. Products: p2 costs 5, p3 has no cost. Cost of goods by product: p1 2 x 3 = 6, p2 (1 + 2) x 5 = 15,
    p3 0 (no cost known: the raw rows' sum of nothing); the shop 6 + 15 = 21. The rollup keeps p2's 3 units without
    a cost, so a products load making p2 cost 4 recomputes no product rollup day and gives p2 3 x 4 = 12, the shop
    18. Read from the product rollup, equal to the raw rows."""
    at = "2026-06-01 12:00:00"
    orders = [{"order_id": o, "created_at": at, "paid_at": at, "pay_amount": 50} for o in ("o1", "o2")]
    lines = [{"order_id": o, "line_no": n, "product_id": p, "quantity": q, "unit_price": 10, "unit_cost": c}
             for o, n, p, q, c in (("o1", 1, "p1", 2, 3), ("o1", 2, "p2", 1, None), ("o2", 1, "p2", 2, None),
                                   ("o2", 2, "p3", 1, None))]
    products = [{"product_id": p, "cost": c} for p, c in (("p1", 9), ("p2", 5), ("p3", None))]
    for table, rows in (("orders", orders), ("order_items", lines), ("products", products)):
        _load(shop, tmp_path, table, rows)

    def cogs() -> tuple[dict[str, float | None], float]:
        fast, raw = _frames(shop, monkeypatch, ["cogs"], by="product")
        pd.testing.assert_frame_equal(fast, raw, check_dtype=False)
        whole, raw_whole = _frames(shop, monkeypatch, ["cogs"])
        pd.testing.assert_frame_equal(whole, raw_whole, check_dtype=False)
        return ({r.product: None if pd.isna(r.cogs) else float(r.cogs) for r in fast.itertuples()},
                float(whole.cogs.iloc[0]))

    assert cogs() == ({"p1": 6.0, "p2": 15.0, "p3": 0.0}, 21.0)
    said = explain(shop.warehouse, shop.shop_id, ["cogs"], by="product")
    assert "-- cogs: from rollup_products (商品日汇总), fact rollup_products (rollup)" in said
    with shop.warehouse.transaction() as tx:
        tx.execute("UPDATE products SET cost = 4 WHERE product_id = 'p2'")
        assert "rollup_products" not in rollup.refresh(tx, shop.shop_id, ["products"]).days
    assert cogs() == ({"p1": 6.0, "p2": 12.0, "p3": 0.0}, 18.0)


def test_plan_visitors_exact(shop: Shop, tmp_path: Path) -> None:
    """v1 visits at 09:00 (no plan), 10:00 (plan A, source s) and 11:00 (no plan) on 2 June, paying 12.34 in the
    11:00 visit, and once on 1 June (pre-period) paying 5. v2 visits plan B at 12:00 on 2 June and again on 3 June
    paying 7; v3 sees both A and B (mixed). Rows of 2 June for v1: the day (3 visits, 1 order, 1234 cents) and plan
    A from 10:00 (2 visits, 1 order, 1234 cents). Test A vs B over 2-3 June with a 1-day pre-period: control
    {v1}: visits 2, orders 1, revenue 1234, converted 1, pre revenue 500, pre converted 1; treatment {v2}: visits
    1 + 1 = 2, orders 1, revenue 700, converted 1 (on day 1: the daily conversion series 0, 1); mixed 1."""
    at = "2026-06-0{} {}:00:00"
    sessions = [{"session_id": sid, "visitor_id": v, "started_at": at.format(d, h), "source": "s", "campaign": c}
                for sid, v, d, h, c in (("a0", "v1", 1, 10, None), ("a1", "v1", 2, "09", None),
                                        ("a2", "v1", 2, 10, "A"), ("a3", "v1", 2, 11, None),
                                        ("b1", "v2", 2, 12, "B"), ("b2", "v2", 3, 10, None),
                                        ("c1", "v3", 2, 13, "A"), ("c2", "v3", 2, 14, "B"))]
    orders = [{"order_id": oid, "session_id": sid, "created_at": t, "paid_at": t, "pay_amount": amount}
              for oid, sid, t, amount in (("o1", "a3", at.format(2, 11), "12.34"), ("o0", "a0", at.format(1, 10), 5),
                                          ("o2", "b2", at.format(3, 10), 7))]
    _load(shop, tmp_path, "sessions", sessions)
    _load(shop, tmp_path, "orders", orders)
    con = writable(shop.warehouse).con
    rows = con.execute("SELECT r.date, i.id, r.campaign, r.first_at, r.visits, r.orders, r.cents FROM "
                       "rollup_plan_visitors r JOIN rollup_ids i ON i.kind = 'visitor' AND i.n = r.visitor "
                       "WHERE i.id = 'v1' AND r.date = DATE '2026-06-02' ORDER BY r.campaign NULLS FIRST").fetchall()
    assert rows == [(dt.date(2026, 6, 2), "v1", None, None, 3, 1, 1234),
                    (dt.date(2026, 6, 2), "v1", "A", dt.datetime(2026, 6, 2, 10), 2, 1, 1234)]
    sums = stored_sums(con, shop.shop_id, "A", "B", dt.date(2026, 6, 2), dt.date(2026, 6, 3), 1)
    control, treatment = sums.arms[0], sums.arms[1]
    assert (control.n, control.sums, treatment.n, sums.mixed) == (1, {
        "converted": 1, "revenue": 1234, "orders": 1, "visits": 2, "pre_converted": 1, "pre_revenue": 500}, 1, 1)
    assert (treatment.sums["visits"], treatment.sums["revenue"], treatment.products[("revenue", "revenue")]) == (
        2, 700, 700 * 700)
    assert sums.daily["conversion"] == ([1, 0], [0, 1]) and sums.daily["entered"] == ([1, 0], [1, 0])


def test_product_splits_by_two_cell_dimensions_have_the_raw_rows(shop: Shop, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The shop of the test above, split by product and two cell dimensions (rollup_product_cells, a row per
    product and cell with its viewers or its paid lines). Raw rows: paying buyers by product, source and
    customer_type: one row, (p1, b, new) |{c0}| = 1; sales the same: (p1, b, new) 10; viewers by product, source
    and device: (p1, a, m) 1 and (p2, a, m) 1 (v1's visit is from device m). Before, the viewers' rows added
    (p1, a, NULL) and (p2, a, NULL) with 0 buyers and 0 sales, and the paid row (p1, b, NULL) 0 viewers."""
    _load_view_and_order(shop, tmp_path)
    expected = {("paid_buyers", "source,customer_type"): [("p1", "b", "new", 1)],
                ("sales", "source,customer_type"): [("p1", "b", "new", 10)],
                ("uv", "source,device"): [("p1", "a", "m", 1), ("p2", "a", "m", 1)]}
    for (metric, dims), rows in expected.items():
        first, second = dims.split(",")
        for by in (f"product,{dims}", f"day,product,{dims}"):
            said = explain(shop.warehouse, shop.shop_id, [metric], by=by)
            assert f"-- {metric}: from rollup_product_cells" in said, said
            fast, raw = _frames(shop, monkeypatch, [metric], by=by)
            got = [(r["product"], r[first], r[second], r[metric]) for r in fast.to_dict("records")]
            assert got == rows, (by, got)
            pd.testing.assert_frame_equal(fast, raw, check_dtype=False, obj=by)
