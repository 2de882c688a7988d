"""Payment and after-sale risk: exact arithmetic on a hand-made shop; precision and recall on seeded simulations
(the simulator plants the abusers and their honest look-alikes: junshi.simulate.abuse)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from cli_commands import run_cli
from junshi.metrics import query
from junshi.risk.aftersale import CHECKS, Check, abuse_risk
from junshi.shop import Shop
from junshi.simulate import GroundTruth, simulate
from junshi.warehouse import Warehouse
from tiny_shop import insert

DAY = dt.datetime(2024, 5, 1, 10)


def _paid_orders(shop: Shop, buyers: dict[str, tuple[int, int, str | None]]) -> None:
    """buyer -> (paid orders, refunded among them, address); each order ¥100, a day apart."""
    orders, refunds = [], []
    for buyer, (n, refunded, address) in buyers.items():
        for i in range(n):
            oid = f"{buyer}-{i}"
            t = DAY + dt.timedelta(days=i)
            orders.append({"shop_id": "default", "order_id": oid, "customer_id": buyer, "created_at": t,
                           "paid_at": t, "pay_amount": 100, "address_hash": address or f"addr-{buyer}"})
            if i < refunded:
                refunds.append({"shop_id": "default", "refund_id": f"R{oid}", "order_id": oid,
                                "created_at": t + dt.timedelta(days=3), "amount": 100})
    insert(shop, "orders", orders)
    insert(shop, "refunds", refunds)


def test_refund_abuse_is_the_binomial_tail_against_the_shop_rate(shop: Shop) -> None:
    """41 paid orders: A 6 (all refunded), B 5 (1 refunded), 30 single buyers (C0..C2 on one address H1, C0
    refunded). Shop rate = (8 + 0.5) / (41 + 1) = 0.202381. A: p = 0.202381^6 = 6.86e-5, score = -log10 p = 4.16.
    Tested (3+ paid orders): A, B, H1; B: p = 1 - 0.797619^5 = 0.677; H1: p = 1 - 0.797619^3 = 0.493.
    Benjamini-Hochberg: q_A = 3 x 6.86e-5 <= 0.01, so A alone is a suspect; listed: A, B, C0 and H1 (one refund
    or more), C1 and the others not (none)."""
    buyers: dict[str, tuple[int, int, str | None]] = {"A": (6, 6, None), "B": (5, 1, None)}
    buyers |= {f"C{i}": (1, int(i == 0), "H1" if i < 3 else None) for i in range(30)}
    _paid_orders(shop, buyers)
    found = abuse_risk(shop.warehouse, "default", "refunds", DAY.date(), DAY.date() + dt.timedelta(days=10))
    assert [(r.level, r.id) for r in found if r.suspect] == [("buyer", "A")]
    a = found[0]
    assert round(a.rate, 6) == 0.202381 and round(a.score, 2) == 4.16 and a.count == 6 and a.total == 6
    assert a.reasons_text("en") == ["6 of 6 paid orders refunded (¥600.00 back; shop: 20.2%)"]
    assert a.reasons_text("zh") == ["6 笔已付款订单中 6 笔退款（退回 ¥600.00；全店 20.2%）"]
    assert {(r.level, r.id) for r in found} == {("buyer", "A"), ("buyer", "B"), ("buyer", "C0"), ("address", "H1")}
    h1 = next(r for r in found if r.id == "H1")
    assert (h1.buyers, h1.count, h1.total, round(h1.p_value, 3)) == (3, 1, 3, 0.493)
    assert h1.reasons_text("en")[0] == "3 buyers at one delivery address"


def test_a_checks_compiled_sql_is_given_each_periods_days(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    """The refund check's SQL, compiled by the first call, answers another period with that period's days: 1-3 May
    holds A's first 3 orders (all refunded), B's first 3 (1 refunded) and the 30 single buyers' (C0 refunded):
    rate (5 + 0.5) / (36 + 1) = 0.148649, as compiled anew."""
    _paid_orders(shop, {"A": (6, 6, None), "B": (5, 1, None)} | {f"C{i}": (1, int(i == 0), None) for i in range(30)})
    first, days = DAY.date(), (DAY.date(), DAY.date() + dt.timedelta(days=2))
    abuse_risk(shop.warehouse, "default", "refunds", first, first + dt.timedelta(days=10))
    reused = abuse_risk(shop.warehouse, "default", "refunds", *days)
    assert round(reused[0].rate, 6) == 0.148649
    monkeypatch.setattr(query, "_TEMPLATES", {})  # compiled anew, as in a process without the kept SQL
    monkeypatch.setattr(query.plan_store, "load_sql", lambda *_: None)
    assert abuse_risk(shop.warehouse, "default", "refunds", *days) == reused


def test_the_shop_rate_and_refunds_read_from_the_rollups(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shop above with its rollups built. rollup_checks keeps per payment day the paid orders and those
    refunded: 1 May A-0, B-0 and C0..C29 paid (32), A-0, B-0 and C0 refunded (3); 2-5 May A-i and B-i (2), A-i
    refunded (1); 6 May A-5 (1, 1): 41 and 8 over the days, the shop rate's (8 + 0.5) / (41 + 1) = 0.202381.
    rollup_repeat_orders keeps the orders of A (6), B (5) and address H1 (C0..C2) with their refunds (A's ¥600.00).
    The suspects and every listed buyer and address equal those read from the raw rows."""
    from junshi import rollup

    _paid_orders(shop, {"A": (6, 6, None), "B": (5, 1, None)}
                 | {f"C{i}": (1, int(i == 0), "H1" if i < 3 else None) for i in range(30)})
    with shop.warehouse.transaction() as con:
        rollup.rebuild(con, "default")
    con = shop.warehouse.con
    days = con.execute("SELECT day(date), total, hits, last_hits FROM rollup_checks WHERE kind = 'refunds' "
                       "ORDER BY 1").fetchall()
    assert days == [(1, 32, 3, 3), (2, 2, 1, 1), (3, 2, 1, 1), (4, 2, 1, 1), (5, 2, 1, 1), (6, 1, 1, 1)]
    kept = con.execute("SELECT customer_id, count(*), count(*) FILTER (refunded), sum(refund_amount) "
                       "FROM rollup_repeat_orders GROUP BY 1 ORDER BY 1").fetchall()
    assert [(c, n, k, float(a or 0)) for c, n, k, a in kept] == [
        ("A", 6, 6, 600.0), ("B", 5, 1, 100.0), ("C0", 1, 1, 100.0), ("C1", 1, 0, 0.0), ("C2", 1, 0, 0.0)]
    days_ = (DAY.date(), DAY.date() + dt.timedelta(days=10))
    stored = [abuse_risk(shop.warehouse, "default", "refunds", *days_, suspects_only=only) for only in (True, False)]
    assert [(r.level, r.id, round(r.rate, 6)) for r in stored[0]] == [("buyer", "A", 0.202381)]
    monkeypatch.setattr(rollup, "built", lambda *_: False)
    assert stored == [abuse_risk(shop.warehouse, "default", "refunds", *days_, suspects_only=only)
                      for only in (True, False)]


@pytest.fixture(scope="module")
def abused(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, GroundTruth]]:
    """Two seeded shops (90 days, 250 visits a day) with the simulator's planted abusers and look-alikes."""
    out = []
    for seed in (3, 4):
        path = tmp_path_factory.mktemp("abuse") / f"s{seed}.duckdb"
        out.append((path, simulate(path, days=90, visitors_per_day=250, seed=seed, end_date=dt.date(2024, 6, 30))))
    return out


@pytest.mark.parametrize("check", CHECKS)
def test_planted_abusers_are_found_and_honest_lookalikes_are_not(abused: list[tuple[Path, GroundTruth]],
                                                                 check: Check) -> None:
    """Precision (flagged buyers and addresses that belong to a planted case of this kind) and recall (planted
    cases with a buyer or address flagged) are both >= 0.9 over the seeds; no honest look-alike (one return,
    a family address with several returns, a buyer unhappy twice, one or two unpaid orders) is flagged."""
    flagged = hits = cases = found_cases = 0
    for path, truth in abused:
        abuse = truth.abuse()
        wh = Warehouse(path)
        found = {(r.level, r.id) for r in abuse_risk(wh, "default", check, truth.start, truth.end) if r.suspect}
        wh.close()
        planted = abuse[abuse["kind"] == check]
        mine = set(zip(planted["level"], planted["id"], strict=True))
        honest = set(zip(abuse[abuse["honest"]]["level"], abuse[abuse["honest"]]["id"], strict=True))
        assert not found & honest, found & honest
        flagged, hits = flagged + len(found), hits + len(found & mine)
        for _, case in planted.groupby("case_id"):
            cases += 1
            found_cases += bool(set(zip(case["level"], case["id"], strict=True)) & found)
    assert cases == 8 and set(abused[0][1].abuse()["kind"]) >= {"one_return", "family_returns", "unhappy",
                                                                "hesitant"}
    assert hits / flagged >= 0.9, (hits, flagged)
    assert found_cases / cases >= 0.9, (found_cases, cases)


def test_cli_lists_the_suspects_of_each_check(abused: list[tuple[Path, GroundTruth]],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """`junshi risk payments|refunds|reviewers --format json` gives {check: [rows]} of suspects, ranked, with
    reasons in both languages; --all lists the others too."""
    path, _ = abused[0]
    for check in CHECKS:
        code, out, err = run_cli(capsys, "risk", check, "--format", "json", "--db", str(path))
        assert code == 0, err
        rows = json.loads(out)[check]
        assert rows and all(r["suspect"] for r in rows)
        assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
        assert all(r["reasons_zh"] and r["reasons_en"] for r in rows)
        code, out, _ = run_cli(capsys, "risk", check, "--all", "--format", "json", "--db", str(path))
        assert len(json.loads(out)[check]) > len(rows)
