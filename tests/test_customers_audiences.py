"""Audiences on the tiny shop of test_customers.py (as of 2024-03-31), plus searches, visits and reviews:

  sessions: S1 visitor V1 = customer G (03-20), S2 visitor V2 = customer A (03-21), S3 = A (03-29)
  searches: V1 "Lipstick red" (03-20), V2 "lipstick" (03-21), V3 (anonymous) "lipstick" (03-22)
  reviews:  A rates 1 (03-30), C rates 5 (02-20)
Ages (2024 - birth year): A 34, B 39, C 24, D 54, G 29. E and F have orders but no customers row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import junshi
from junshi import Shop
from junshi.customers import (
    Attribute,
    Audience,
    Bought,
    InRFMGroup,
    Not,
    Predicted,
    Reviewed,
    Searched,
    Visited,
)
from junshi.customers.audiences import best_hours, condition_from_dict, members, split_control
from junshi.errors import ConfigError, MissingDataError
from test_customers import load_tiny

AS_OF = "2024-03-31"


@pytest.fixture
def tiny(db_path: Path) -> Iterator[Shop]:
    with junshi.connect(db_path) as shop:
        load_tiny(shop)
        con = shop.warehouse.con
        for sid, vid, cid, ts in [
            ("S1", "V1", "G", "2024-03-20 10:00"),
            ("S2", "V2", "A", "2024-03-21 10:00"),
            ("S3", "V2", "A", "2024-03-29 10:00"),
        ]:
            con.execute(
                "INSERT INTO sessions (shop_id, session_id, visitor_id, customer_id, started_at)"
                " VALUES ('default', ?, ?, ?, ?)",
                [sid, vid, cid, ts],
            )
        for qid, vid, q, ts in [
            ("q1", "V1", "Lipstick red", "2024-03-20 10:01"),
            ("q2", "V2", "lipstick", "2024-03-21 10:01"),
            ("q3", "V3", "lipstick", "2024-03-22 10:01"),
        ]:
            con.execute(
                "INSERT INTO searches (shop_id, search_id, visitor_id, query, ts) VALUES ('default', ?, ?, ?, ?)",
                [qid, vid, q, ts],
            )
        for rid, cid, rating, ts in [("r1", "A", 1, "2024-03-30 12:00"), ("r2", "C", 5, "2024-02-20 12:00")]:
            con.execute(
                "INSERT INTO reviews (shop_id, review_id, customer_id, rating, created_at)"
                " VALUES ('default', ?, ?, ?, ?)",
                [rid, cid, rating, ts],
            )
        yield shop


def ids(shop: Shop, *conditions: object) -> list[str]:
    return members(shop, Audience("t", tuple(conditions), AS_OF)).customer_id.tolist()  # type: ignore[arg-type]


def test_examples_from_the_domain(tiny: Shop) -> None:
    """Women (A, C, G) who bought cosmetics (P1, P3) in the last 90 days (from 01-02): A (o1), C (o6).
    Men (B, D) who bought toys before 02-01: B. Searched "lipstick" (G via V1, A via V2) but did not buy
    in the last 30 days (A bought 03-30): G."""
    assert ids(tiny, Attribute("gender", "==", "f"), Bought(categories=("cosmetics",), since="90d")) == ["A", "C"]
    assert ids(tiny, Attribute("gender", "==", "m"), Bought(categories=("toys",), until="2024-01-31")) == ["B"]
    assert ids(tiny, Searched("LIPSTICK"), Not(Bought(since="30d"))) == ["G"]


def test_each_condition(tiny: Shop) -> None:
    assert ids(tiny, Attribute("age", "<", 30)) == ["C", "G"]
    assert ids(tiny, Attribute("city", "==", "x")) == []
    assert ids(tiny, Not(Attribute("gender", "==", "f"))) == ["B", "D", "E", "F"]
    assert ids(tiny, InRFMGroup(("champions", "at_risk"))) == ["A", "C"]
    assert ids(tiny, Predicted("frequency", ">=", 1)) == ["A", "C"]  # repeat purchase days: A 2, C 1
    assert ids(tiny, Bought(product_ids=("P3",), min_amount=10)) == ["A", "C", "D"]
    assert ids(tiny, Bought(product_ids=("P3",), min_amount=11)) == []  # each line is 10
    assert ids(tiny, Bought(product_ids=("P2",), min_amount=20)) == ["A"]  # o1 and o2 lines
    assert ids(tiny, Visited(min_visits=2)) == ["A"]
    assert ids(tiny, Visited(since="2024-03-25")) == ["A"]
    assert ids(tiny, Reviewed(max_rating=2)) == ["A"]
    assert ids(tiny, Reviewed(min_rating=4, since="2024-03-01")) == []
    assert len(ids(tiny)) == 7  # everyone known: customers table and every buyer


def test_spec_round_trip_and_errors(tiny: Shop) -> None:
    a = Audience("vip", (InRFMGroup(("champions",)), Not(Searched("x", since="7d"))), AS_OF)
    assert Audience.from_dict(json.loads(json.dumps(a.to_dict()))) == a
    assert condition_from_dict({"kind": "bought", "categories": "toys"}) == Bought(categories=("toys",))
    for bad in (
        {"kind": "magic"},
        {"kind": "attribute", "column": "shoe_size", "op": "==", "value": 1},
        {"kind": "attribute", "column": "age", "op": "~", "value": 1},
        {"kind": "rfm_group", "groups": ["vips"]},
        {"kind": "bought", "colour": "red"},
    ):
        with pytest.raises(ConfigError) as err:
            condition_from_dict(bad)
        assert err.value.zh
    with pytest.raises(ConfigError):
        ids(tiny, Bought(since="last week"))


def test_preview_best_hours_and_export(tiny: Shop, tmp_path: Path) -> None:
    """Best hours: A pays at 9 three times (21 once) -> 9; B 20; C 12; D 22; the shop's best hour is 9,
    used for G who never paid. 7 members, control 0.3 -> round(2.1) = 2 held out, 5 in the file."""
    hours = best_hours(tiny).set_index("customer_id").best_hour.to_dict()
    assert hours == {"A": 9, "B": 20, "C": 12, "D": 22}
    every = Audience("everyone", (), AS_OF)
    p = tiny.customers.preview_audience(every)
    assert p.size == 7 and p.sample[:2] == ["A", "B"]
    e1 = tiny.customers.export_audience(every, tmp_path / "a.csv", control_share=0.3, seed=1)
    assert (e1.size, e1.treatment, e1.control) == (7, 5, 2)
    sent = pd.read_csv(tmp_path / "a.csv", dtype={"customer_id": str})
    assert len(sent) == 5 and list(sent.columns[:2]) == ["customer_id", "best_hour"]
    assert sent.set_index("customer_id").best_hour.get("G", 9) == 9
    con = tiny.warehouse.con
    rec = con.execute(
        "SELECT name, size, control_size, seed, spec FROM audiences WHERE audience_id = ?", [e1.audience_id]
    ).fetchall()
    assert rec[0][:4] == ("everyone", 7, 2, 1) and json.loads(rec[0][4])["name"] == "everyone"
    held = {
        r[0]
        for r in con.execute(
            "SELECT customer_id FROM audience_members WHERE audience_id = ? AND is_control", [e1.audience_id]
        ).fetchall()
    }
    assert len(held) == 2 and held.isdisjoint(set(sent.customer_id))
    # the same seed holds out the same customers; the xlsx export has the same rows
    e2 = tiny.customers.export_audience(every, tmp_path / "a.xlsx", control_share=0.3, seed=1)
    assert set(pd.read_excel(tmp_path / "a.xlsx", dtype={"customer_id": str}).customer_id) == set(sent.customer_id)
    assert e2.audience_id != e1.audience_id
    with pytest.raises(ConfigError):
        tiny.customers.export_audience(every, tmp_path / "a.txt")
    with pytest.raises(ConfigError):
        split_control(["a"], 1.5, 0)


def test_control_share_is_seeded_and_about_ten_percent() -> None:
    ids_ = [f"c{i:04d}" for i in range(1000)]
    a, b, c = split_control(ids_, 0.1, 7), split_control(list(reversed(ids_)), 0.1, 7), split_control(ids_, 0.1, 8)
    assert len(a) == 100 and a == b and a != c


@pytest.fixture
def orders_only(db_path: Path) -> Iterator[Shop]:
    """The tiny shop's orders alone: no customers, order lines, products, visits or reviews."""
    from test_customers import ORDERS

    with junshi.connect(db_path) as shop:
        for oid, cid, paid, cancelled, amount, source in ORDERS:
            shop.warehouse.con.execute(
                "INSERT INTO orders (shop_id, order_id, customer_id, created_at, paid_at, cancelled_at, pay_amount,"
                " source) VALUES ('default', ?, ?, ?, ?, ?, ?, ?)",
                [oid, cid, paid or "2024-03-10 10:00", paid, cancelled, amount, source])
        yield shop


def test_orders_only_shop_audiences(orders_only: Shop, tmp_path: Path) -> None:
    """Everyone = the buyers A-F. Bought in the 90 days to 03-31 (from 01-02): A, B, C, D; spending >= 300:
    A (350), C (540); in the last 30 days (from 03-02): A (03-30), D (03-25). Champions: A (see
    test_customers). Conditions on data the shop lacks are errors naming the table, not empty audiences."""
    assert ids(orders_only) == ["A", "B", "C", "D", "E", "F"]
    assert ids(orders_only, Bought(since="90d")) == ["A", "B", "C", "D"]
    assert ids(orders_only, Bought(min_amount=300)) == ["A", "C"]
    assert ids(orders_only, Bought(since="30d")) == ["A", "D"]
    assert ids(orders_only, InRFMGroup(("champions",))) == ["A"]
    for cond, table in [
        (Attribute("gender", "==", "f"), "customers"),
        (Bought(product_ids=("P1",)), "order_items"),
        (Visited(), "sessions"),
        (Searched("lipstick"), "searches"),
        (Reviewed(), "reviews"),
    ]:
        with pytest.raises(MissingDataError, match=table):
            ids(orders_only, cond)
    preview = orders_only.customers.preview_audience(Audience("recent", (Bought(since="30d"),), AS_OF))
    assert preview.size == 2 and preview.sample == ["A", "D"]
    nobody = Audience("nobody", (Bought(min_amount=10_000),), AS_OF)
    for suffix in (".csv", ".xlsx"):
        done = orders_only.customers.export_audience(nobody, tmp_path / f"none{suffix}")
        assert (done.size, done.treatment) == (0, 0) and Path(done.path).stat().st_size > 0
    done = orders_only.customers.export_audience(Audience("all", (), AS_OF), tmp_path / "all.csv", control_share=0)
    sent = pd.read_csv(tmp_path / "all.csv", dtype={"customer_id": str})
    assert done.size == 6 and sent.customer_id.tolist() == ["A", "B", "C", "D", "E", "F"]
    assert sent.rfm_group.tolist()[:4] == ["champions", "lost", "at_risk", "new"]


def test_orders_only_cohorts_by_product_name_the_missing_table(orders_only: Shop) -> None:
    """Cohorts by first product need order lines, by first category also products; by source the orders do."""
    from junshi.customers.cohorts import cohorts

    with pytest.raises(MissingDataError, match="order_items"):
        cohorts(orders_only, by="first_product")
    with pytest.raises(MissingDataError, match="order_items"):
        cohorts(orders_only, by="first_category")
    assert set(cohorts(orders_only, by="source").segment) == {"search", "ad"}
