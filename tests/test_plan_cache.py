"""Compiled plans are kept per query shape (dates and filter values put back into the SQL per call): a plan
compiled for one period answers any other period of the same shape with the figures a plan compiled for
that period's own dates gives, and a new shape is the only thing Ibis compiles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from junshi import Shop, connect
from junshi.metrics import query
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
        monkeypatch.setattr(query, "_compile_kpi", counting)
        _call(shop, spec, DAY)
        first = len(compiled)
        assert first >= 1
        days = [DAY - dt.timedelta(days=n) for n in (1, 9, 40)]
        cached = [_call(shop, spec, day) for day in days]
        calendar = any(query.REGISTRY[m].rolling_days for m in spec["metrics"]) and "day" in spec["by"]
        assert len(compiled) == (first * 4 if calendar else first)  # a calendar in memory: compiled per period
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


def test_a_plan_with_a_calendar_in_memory_is_kept_per_connection(demo_db: Path) -> None:
    """Such a plan runs through Ibis on the connection it was compiled with, so each cursor of the database (a
    server thread's) compiles and keeps its own: Ibis backends of one database compare equal, and a cache keyed
    by the backend handed one thread's plan to another, whose calls then ran on the first thread's connection
    (DuckDB refused them while it was busy: the 服务 page failed during the server's warm-up)."""
    spec = CALLS[4]
    with connect(demo_db) as base:
        one, two = (Shop(base.warehouse.cursor(), base.shop_id) for _ in range(2))  # as two server threads
        assert one.warehouse.backend == two.warehouse.backend  # Ibis's equality: the same database
        frames = [_call(s, spec, DAY) for s in (one, two, one)]
        for s in (one, two):
            plan, _ = query.compile_kpi(s.warehouse, s.shop_id, query.build_query(
                spec["metrics"], spec["by"], DAY - dt.timedelta(days=spec["days"] - 1), DAY, None))
            sources = plan.expr.op().find(lambda op: hasattr(op, "source"))
            assert sources and all(op.source is s.warehouse.backend for op in sources)
        one.close()
        two.close()
    pd.testing.assert_frame_equal(frames[0], frames[1])
