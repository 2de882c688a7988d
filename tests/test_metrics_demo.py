"""The metric layer on the simulated demo shop: identities that must hold, and independent SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from junshi import Shop
from junshi.warehouse import Warehouse

START, END = "2024-10-01", "2024-10-31"


@pytest.fixture(scope="module")
def demo(demo_db: Path) -> Iterator[Shop]:
    # the default configuration: DuckDB refuses a read-only connection beside a read-write one in the process
    warehouse = Warehouse(demo_db)
    yield Shop(warehouse, "default")
    warehouse.close()


def test_sales_equals_visitors_x_conversion_x_spend_per_buyer(demo: Shop) -> None:
    """The operator's formula holds exactly in every cell (source, device) because the ratios are
    computed from their parts: sales = uv x payment_conversion_rate x spend_per_buyer."""
    for dim in ("source", "device"):
        frame = demo.kpi("sales,uv,payment_conversion_rate,spend_per_buyer", by=dim, start=START, end=END).to_pandas()
        rebuilt = frame.uv * frame.payment_conversion_rate * frame.spend_per_buyer.fillna(0)
        assert (rebuilt - frame.sales).abs().max() < 1e-6
        assert frame.sales.sum() > 0


def test_additive_and_distinct_totals(demo: Shop) -> None:
    """Sales of the days add up to the month's; visitors of the days add to more than the month's."""
    total = demo.kpi("sales,uv", start=START, end=END)
    days = demo.kpi("sales,uv", by="day", start=START, end=END).to_pandas()
    assert len(days) == 31
    assert days.sales.sum() == pytest.approx(total.value("sales"))
    assert days.uv.sum() > total.value("uv")


def test_matches_hand_written_sql(demo_db: Path, demo: Shop) -> None:
    """Sales, paying buyers and visitors by source, against SQL written independently of the registry.

    Visitors (生意参谋): distinct visitors with a page view in the period, by view time, in visits of the source.
    """
    sql = f"""
        WITH paid AS (SELECT source, sum(pay_amount)::DOUBLE AS sales, count(DISTINCT customer_id) AS buyers
                      FROM orders WHERE shop_id = 'default' AND paid_at >= DATE '{START}'
                        AND paid_at < DATE '{END}' + 1 GROUP BY source),
             vis AS (SELECT s.source, count(DISTINCT s.visitor_id) AS uv
                     FROM events e JOIN sessions s ON s.shop_id = e.shop_id AND s.session_id = e.session_id
                     WHERE e.shop_id = 'default' AND e.event_type IN ('page_view', 'product_view')
                       AND e.ts >= DATE '{START}' AND e.ts < DATE '{END}' + 1 GROUP BY s.source)
        SELECT coalesce(vis.source, paid.source) AS source, coalesce(sales, 0) AS sales,
               coalesce(buyers, 0) AS buyers, coalesce(uv, 0) AS uv
        FROM vis FULL JOIN paid ON vis.source IS NOT DISTINCT FROM paid.source ORDER BY 1"""
    with demo.warehouse.con.cursor() as con:
        expected = con.execute(sql).fetchall()
    got = demo.kpi("sales,paid_buyers,uv", by="source", start=START, end=END).records()
    assert [(r["source"], pytest.approx(r["sales"]), r["paid_buyers"], r["uv"]) for r in got] == expected


def test_visitors_by_day_are_counted_on_each_day_they_viewed(demo_db: Path, demo: Shop) -> None:
    """uv by day and by device against SQL over the page views themselves (not the visits' start days)."""
    views = """FROM events e JOIN sessions s ON s.shop_id = e.shop_id AND s.session_id = e.session_id
               WHERE e.shop_id = 'default' AND e.event_type IN ('page_view', 'product_view')"""
    with demo.warehouse.con.cursor() as con:
        by_day = con.execute(f"""SELECT CAST(e.ts AS DATE), count(DISTINCT s.visitor_id) {views}
            AND e.ts >= DATE '{START}' AND e.ts < DATE '{END}' + 1 GROUP BY 1 ORDER BY 1""").fetchall()
        by_device = con.execute(f"""SELECT s.device, count(DISTINCT s.visitor_id) {views}
            AND e.ts >= DATE '{START}' AND e.ts < DATE '{END}' + 1 GROUP BY 1 ORDER BY 1""").fetchall()
    got = demo.kpi("uv", by="day", start=START, end=END).records()
    assert [(dt.date.fromisoformat(r["day"]), r["uv"]) for r in got] == by_day
    assert [(r["device"], r["uv"]) for r in demo.kpi("uv", by="device", start=START, end=END).records()] == by_device


def test_presale_caveat_during_the_deposit_period(demo: Shop) -> None:
    """Before 双11, presale orders wait for their balance: payment conversion carries the caveat."""
    r = demo.kpi("payment_conversion_rate,order_conversion_rate", start="2024-11-01", end="2024-11-10")
    assert any(n.code == "presale_deposit" for n in r.notes)
    assert r.value("order_conversion_rate") > r.value("payment_conversion_rate")


def test_peer_and_week_comparisons(demo: Shop) -> None:
    peer = demo.kpi("payment_conversion_rate,uv_value", start=START, end=END, compare="peer")
    assert peer.value("payment_conversion_rate_peer_avg") is not None
    assert peer.value("payment_conversion_rate_peer_top") > peer.value("payment_conversion_rate_peer_avg")
    daily = demo.kpi("payment_conversion_rate", by="day", start=START, end=END, compare="peer").to_pandas()
    assert len(daily) == 31 and daily.payment_conversion_rate_peer_avg.notna().all()
    assert daily.payment_conversion_rate_peer_avg.mean() == pytest.approx(
        peer.value("payment_conversion_rate_peer_avg"))
    week = demo.kpi("sales,uv", by="source", start="2024-10-08", end="2024-10-14", compare="week").to_pandas()
    assert week.sales_previous.sum() == pytest.approx(
        demo.kpi("sales", start="2024-10-01", end="2024-10-07").value("sales"))


def test_every_metric_computes_on_the_demo(demo: Shop) -> None:
    """All public metrics at once, by month: every one has a value (the demo has every table)."""
    from junshi.metrics import public_metrics

    ids = [m.id for m in public_metrics()]
    r = demo.kpi(ids, by="month", start="2024-09-01", end="2024-10-31")
    frame = r.to_pandas()
    assert len(frame) == 2
    empty = [m for m in ids if frame[m].isna().any()]
    assert empty == [], (empty, [n.en for n in r.notes])
