"""Compiled plans are kept per query shape (dates and filter values put back into the SQL per call): a plan
compiled for one period answers any other period of the same shape with the figures a plan compiled for
that period's own dates gives, and a new shape is the only thing Ibis compiles."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from junshi import Shop, connect
from junshi.metrics import plan_files, plan_store, query
from junshi.metrics.query import explain, kpi

DAY = dt.date(2024, 11, 20)
CALLS: list[dict[str, Any]] = [
    {"metrics": ["uv", "sales", "payment_conversion_rate"], "by": ["source"]},
    {"metrics": ["uv", "paid_buyers", "sales"], "by": ["day", "device"], "days": 30},
    {"metrics": ["sales", "uv"], "by": ["product"], "days": 7, "compare": "previous"},
    {"metrics": ["uv", "sales"], "by": ["day", "region"], "two_days": True,
     "filters": {"product": ["P0001", "P'1"]}},
    {"metrics": ["dsr_item", "sales"], "by": ["day"], "days": 10},  # a rolling score: its calendar is in memory
    # a rolling score's period total (the 服务 page's cards): its window starts 180 days before the day after the
    # end, nearer the end's sentinel than the start's
    {"metrics": ["dsr_item", "positive_review_rate"], "by": []},
]


def _call(shop: Any, spec: dict[str, Any], end: dt.date) -> pd.DataFrame:
    start = end - dt.timedelta(days=spec.get("days", 1) - 1)
    filters = dict(spec.get("filters", {}))
    if spec.get("two_days"):  # as a diagnosis of a day against the same day a week before
        start = end - dt.timedelta(days=7)
        filters["day"] = [end.isoformat(), start.isoformat()]
    frame: pd.DataFrame = kpi(shop.warehouse, shop.shop_id, spec["metrics"], by=spec["by"], start=start, end=end,
                              filters=filters, compare=spec.get("compare")).frame
    return frame


@pytest.mark.parametrize("spec", CALLS, ids=lambda s: ",".join(s["by"]) or "total")
def test_a_shape_answers_every_period(demo_db: Path, spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The shape compiled on DAY answers three other days without compiling again, with the figures of plans
    compiled for each day's own dates."""
    compiled: list[Any] = []
    original = query._compile_kpi

    def counting(*args: Any) -> Any:
        compiled.append(args[2])
        return original(*args)

    with connect(demo_db) as shop:
        query._PLANS.clear()
        query._OWN.clear()
        monkeypatch.setattr(query.plan_store, "load", lambda *_: None)  # as in a process without a store
        monkeypatch.setattr(query, "_compile_kpi", counting)
        _call(shop, spec, DAY)
        first = len(compiled)
        assert first >= 1
        days = [DAY - dt.timedelta(days=n) for n in (1, 9, 40)]
        cached = [_call(shop, spec, day) for day in days]
        assert len(compiled) == first  # a rolling score's calendar too: its days are generated in SQL
        monkeypatch.setattr(query, "_shape", lambda q: q)  # plans compiled for each day's own dates
        query._PLANS.clear()
        query._OWN.clear()
        for day, frame in zip(days, cached, strict=True):
            pd.testing.assert_frame_equal(frame, _call(shop, spec, day), obj=str(day))
            assert not frame.empty


def test_explain_shows_the_dates_asked_for(demo_db: Path) -> None:
    """--explain prints the SQL run for the period asked for, never a shape's stand-in dates or placeholders."""
    with connect(demo_db) as shop:
        query._PLANS.clear()
        explain(shop.warehouse, shop.shop_id, ["uv", "sales"], by="source", start="2024-11-01", end="2024-11-03",
                filters={"device": "pc"})
        said = explain(shop.warehouse, shop.shop_id, ["uv", "sales"], by="source", start="2024-10-01",
                       end="2024-10-02", filters={"device": "mobile"})
    assert "MAKE_TIMESTAMP(2024, 10, 1," in said and "MAKE_TIMESTAMP(2024, 10, 3," in said
    assert "'mobile'" in said
    assert "1801" not in said and "1901" not in said and "junshi~" not in said and "'pc'" not in said


def test_a_plan_with_a_table_in_memory_is_kept_per_connection(demo_db: Path) -> None:
    """Such a plan (figures without given suspect orders: their ids are an in-memory table) runs through Ibis on
    the connection it was compiled with, so each cursor of the database (a server thread's) compiles and keeps
    its own: Ibis backends of one database compare equal, and a cache keyed by the backend handed one thread's
    plan to another, whose calls then ran on the first thread's connection (DuckDB refused them while it was
    busy: the 服务 page failed during the server's warm-up)."""
    spec = CALLS[0]
    with connect(demo_db) as base:
        order = base.warehouse.con.execute("SELECT min(order_id) FROM orders WHERE paid_at IS NOT NULL").fetchall()
        one, two = (Shop(base.warehouse.cursor().without_suspects([order[0][0]]), base.shop_id) for _ in range(2))
        assert one.warehouse.backend == two.warehouse.backend  # Ibis's equality: the same database
        frames = [_call(s, spec, DAY) for s in (one, two, one)]
        for s in (one, two):
            plan, _ = query.compile_kpi(s.warehouse, s.shop_id, query.build_query(
                spec["metrics"], spec["by"], DAY, DAY, None))
            assert plan.expr is not None and plan.expr.op().find(query.ops.InMemoryTable)
            sources = plan.expr.op().find(lambda op: hasattr(op, "source"))
            assert sources and all(op.source is s.warehouse.backend for op in sources)
        one.close()
        two.close()
    pd.testing.assert_frame_equal(frames[0], frames[1])


def test_a_new_process_runs_the_stored_plans(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Plans compiled by one process are kept beside the warehouse: with the memory of compiled plans and data
    checks cleared (a new process), the same shapes for other days compile nothing and give the figures of a
    fresh compile; an entry whose data check no longer matches the shop's data is compiled anew."""
    spec = CALLS[1]
    with connect(demo_db) as shop:
        query._PLANS.clear()
        _call(shop, spec, DAY)
        store = plan_files.folder(str(shop.warehouse.url))
        assert store is not None and list(store.glob("plan-*.json"))
        compiled: list[Any] = []
        original = query._compile_kpi

        def counting(*args: Any) -> Any:
            compiled.append(args[2])
            return original(*args)

        monkeypatch.setattr(query, "_compile_kpi", counting)
        query._PLANS.clear()
        query._CHECKS.clear()
        stored = _call(shop, spec, DAY - dt.timedelta(days=3))
        assert compiled == []
        for path in store.glob("plan-*.json"):  # as if the shop had no sessions when these were compiled
            entry = json.loads(path.read_text())
            path.write_text(json.dumps(entry | {"known": entry["known"] | {"sessions": False}}))
        query._PLANS.clear()
        again = _call(shop, spec, DAY - dt.timedelta(days=3))
        assert compiled
        monkeypatch.setattr(plan_store, "load", lambda *_: None)
        query._PLANS.clear()
        pd.testing.assert_frame_equal(stored, _call(shop, spec, DAY - dt.timedelta(days=3)))
        pd.testing.assert_frame_equal(again, stored)
        assert not stored.empty


def _opened_elsewhere(db: Path) -> str:
    """What another process gets when it opens ``db``: 'opened', or DuckDB's error."""
    code = ("import sys, duckdb\ntry:\n    duckdb.connect(sys.argv[1], read_only=True).close()\n    print('opened')\n"
            "except duckdb.IOException as exc:\n    print(exc)")
    done = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_process_holding_the_warehouse_keeps_its_lock(demo_db: Path) -> None:
    """DuckDB locks its file with a POSIX lock, which a process loses when it closes any descriptor of that file.
    The plan store found its folder through duckdb_path, which read the header of the warehouse file on every
    compile: the server then lost its lock (`junshi simulate` wrote into the served file instead of being
    refused). After compiling and storing plans, and after a second open of the same file in the process,
    another process is still refused."""
    with connect(demo_db) as shop:
        query._PLANS.clear()
        _call(shop, CALLS[1], DAY)
        store = plan_files.folder(str(shop.warehouse.url))
        assert store is not None and list(store.glob("plan-*.json"))
        assert "lock" in _opened_elsewhere(demo_db)
        with connect(demo_db):
            pass
        assert "lock" in _opened_elsewhere(demo_db)
    assert _opened_elsewhere(demo_db) == "opened"


def test_clean_figures_have_plans_of_their_own(demo_db: Path) -> None:
    """Without the suspect orders a paid metric is read from the raw orders, not the rollups (they hold every
    order): its stored plan must never answer for all orders, nor the other way round."""
    with connect(demo_db) as shop:
        shape = query._shape(query.build_query("sales", "source", DAY, DAY, None))
        whole = plan_files.named(shop.warehouse, "plan", (shop.shop_id, shape))
        clean = plan_files.named(shop.warehouse.without_suspects(), "plan", (shop.shop_id, shape))
    assert whole is not None and clean is not None and whole != clean


def test_a_new_process_does_not_ask_unchanged_data_again(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The data check's answers (which tables have rows for the shop) are kept beside the plans for the data
    version (the rollups' stamp; every load makes a new one): a new process on the same data asks nothing again
    and gives the same figures; on another version it asks anew."""
    spec = CALLS[1]
    asked: list[str] = []
    original = query._DataCheck._probe

    def probe(self: Any, name: str) -> Any:
        asked.append(name)
        return original(self, name)

    with connect(demo_db) as shop:
        query._PLANS.clear()
        query._CHECKS.clear()
        first = _call(shop, spec, DAY)
        monkeypatch.setattr(query._DataCheck, "_probe", probe)
        query._PLANS.clear()
        query._CHECKS.clear()
        again = _call(shop, spec, DAY)
        assert asked == []
        stamp = query._rollup_stamp
        monkeypatch.setattr(query, "_rollup_stamp", lambda *a: stamp(*a) + dt.timedelta(microseconds=1))
        query._PLANS.clear()
        query._CHECKS.clear()
        _call(shop, spec, DAY)
        assert "orders" in asked
    pd.testing.assert_frame_equal(first, again)
    assert not first.empty


def test_the_queries_beside_a_plan_are_compiled_once(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A kpi's other queries (the peer benchmarks of its period, the presale orders waiting at its end, the ad
    channels' attribution settings) run as SQL compiled once per shape, as the plans do: another period compiles
    none of them again, and its figures and notes are those of every query compiled for its own dates."""
    metrics = ["sales", "payment_conversion_rate", "uv_value", "roas"]

    def peer(shop: Any, end: dt.date) -> Any:
        return kpi(shop.warehouse, shop.shop_id, metrics, by=["day"], start=end - dt.timedelta(days=6), end=end,
                   compare="peer")

    with connect(demo_db) as shop:
        query._TEMPLATES.clear()
        peer(shop, DAY)
        kept = dict(query._TEMPLATES)
        assert {key[2] for key in kept} == {"benchmarks", "presale waiting", "ad settings", "ad settings kept"}
        query._CHECKS.clear()  # the presale orders waiting are remembered per period with the data check
        other = peer(shop, DAY - dt.timedelta(days=40))
        assert kept == query._TEMPLATES
        monkeypatch.setattr(query, "dated_sql", lambda *_: None)  # every query compiled for its own dates
        query._PLANS.clear()
        query._CHECKS.clear()
        own = peer(shop, DAY - dt.timedelta(days=40))
    pd.testing.assert_frame_equal(other.frame, own.frame)
    assert [n.en for n in other.notes] == [n.en for n in own.notes]
    assert other.frame["sales_peer_avg"].notna().all()


def test_a_new_process_reads_the_purchase_days_kept_beside_the_warehouse(
        demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shop's purchase days (the customers page's ledger: a pass over every order) are kept beside the warehouse
    for the data version: with the process's memory cleared (a new process), they are read back, not from the
    orders, and equal those read from the orders. After a load (a new version: one paid order of a known customer
    1.00 dearer) they are read from the orders again, with that order's 100 cents."""
    import shutil

    import numpy as np

    from junshi import rollup, versioned
    from junshi.customers import ledger

    db = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, db)
    reads: list[int] = []
    original = ledger._rows
    monkeypatch.setattr(ledger, "_rows", lambda src: reads.append(1) or original(src))
    with connect(db) as shop:
        versioned._KEPT.clear()
        first = ledger.purchase_days(shop)
        versioned._KEPT.clear()
        again = ledger.purchase_days(shop)
        assert len(reads) == 1 and len(first.day) > 1000
        assert first.ids.equals(again.ids)
        for name in ("customer", "day", "orders", "cents"):
            assert np.array_equal(getattr(first, name), getattr(again, name)), name
        with shop.warehouse.transaction() as con:
            con.execute("UPDATE orders SET pay_amount = pay_amount + 1 WHERE order_id = (SELECT min(order_id) FROM "
                        "orders WHERE paid_at IS NOT NULL AND cancelled_at IS NULL AND customer_id IS NOT NULL "
                        "AND pay_amount IS NOT NULL)")
            rollup.refresh(con, "default", ["orders"])
        versioned._KEPT.clear()
        after = ledger.purchase_days(shop)
    assert len(reads) == 2
    assert int(after.cents.sum()) == int(first.cents.sum()) + 100
