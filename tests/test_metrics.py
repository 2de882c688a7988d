"""The metric layer on tiny hand-made tables, with the expected arithmetic in each docstring.

Every test runs on DuckDB, on a lake of Parquet files read by DuckDB, and on that lake read by Spark (PySpark
local mode, one session for the whole run), and must give the same numbers. Covers the classic BI traps: order
lines fanning out, distinct counts that do not add up, ratios from their parts, missing tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from junshi import Shop
from junshi.errors import ConfigError, MetricError, MissingDataError
from junshi.schema import TABLES
from junshi.warehouse import Warehouse, Writable

Rows = dict[str, list[dict[str, Any]]]
S = "s"  # the shop under test; rows of shop "other" must never count


def load_duckdb(warehouse: Writable, data: Rows) -> None:
    """Insert hand-made rows (dicts; missing columns null, shop_id defaulting to S) into the tables."""
    con = warehouse.con
    for table, rows in data.items():
        spec = TABLES[table]
        cols = spec.column_names
        frame = pd.DataFrame([{c: r.get(c, S if c == "shop_id" else None) for c in cols} for r in rows],
                             columns=list(cols)).astype(object)
        con.register("_rows", frame)
        select = ", ".join(f'CAST("{c.name}" AS {c.type}) AS "{c.name}"' for c in spec.columns)
        con.execute(f'INSERT INTO "{table}" SELECT {select} FROM _rows')
        con.unregister("_rows")


@pytest.fixture(scope="session")
def spark_warehouse(spark_session: Any) -> Iterator[Any]:
    """A Spark warehouse on the run's one Spark session (conftest.spark_session)."""
    from junshi.warehouse.spark import SparkWarehouse

    yield SparkWarehouse(session=spark_session)


@pytest.fixture(params=["duckdb", "lake", pytest.param("spark", marks=pytest.mark.spark)])
def make_shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """``make_shop(rows) -> Shop`` on the test's parameter: a DuckDB warehouse, a lake of Parquet files read by
    DuckDB (``lake:PATH``), or the same lake read by Spark (``--engine spark``; the run's one Spark session)."""
    from junshi.warehouse.lake import LakeWarehouse

    engine = request.param
    duck = Warehouse(":memory:") if engine == "duckdb" else LakeWarehouse(f"lake:{tmp_path / 'lake'}")

    def make(data: Rows) -> Shop:
        if isinstance(duck, LakeWarehouse):
            with duck.transaction():  # one commit of the rows as Parquet files
                load_duckdb(duck, data)
        else:
            load_duckdb(duck, data)
        if engine != "spark":
            return Shop(duck, S)
        from junshi.warehouse.lake_spark import SparkLakeWarehouse

        return Shop(SparkLakeWarehouse(duck.url, session=request.getfixturevalue("spark_warehouse").session), S)

    yield make
    duck.close()


def visits_data() -> Rows:
    """Three visitors over two days (2024-01-01 Mon, 2024-01-02 Tue), two sources.

    sessions: s1 v1 day1 a, s2 v2 day1 a, s3 v1 day2 b, s4 v3 day2 b (+ one of shop "other").
    events (page views): s1 has 3 page views at 10:00, 10:01, 10:05; s2 one; s3 two (10:00, 10:00:30);
    s4 only an add_to_cart. v1 adds to cart in s1. A visitor is someone with a page view (生意参谋): v3, who
    only added to cart, is not one.
    """
    def ev(i: int, sid: str, vid: str, ts: str, kind: str = "page_view",
           product: str | None = None) -> dict[str, Any]:
        return dict(event_id=f"e{i}", session_id=sid, visitor_id=vid, ts=ts, event_type=kind, product_id=product)

    return {
        "sessions": [
            dict(session_id="s1", visitor_id="v1", started_at="2024-01-01 10:00", source="a", device="mobile"),
            dict(session_id="s2", visitor_id="v2", started_at="2024-01-01 11:00", source="a", device="pc"),
            dict(session_id="s3", visitor_id="v1", started_at="2024-01-02 10:00", source="b", device="mobile"),
            dict(session_id="s4", visitor_id="v3", started_at="2024-01-02 12:00", source="b", device="mobile"),
            dict(shop_id="other", session_id="x1", visitor_id="v9", started_at="2024-01-01 10:00", source="a"),
        ],
        "events": [
            ev(1, "s1", "v1", "2024-01-01 10:00"), ev(2, "s1", "v1", "2024-01-01 10:01", "product_view", "p1"),
            ev(3, "s1", "v1", "2024-01-01 10:05", "product_view", "p2"),
            ev(4, "s1", "v1", "2024-01-01 10:06", "add_to_cart", "p1"),
            ev(5, "s2", "v2", "2024-01-01 11:00", "product_view", "p1"),
            ev(6, "s3", "v1", "2024-01-02 10:00"), ev(7, "s3", "v1", "2024-01-02 10:00:30"),
            ev(8, "s4", "v3", "2024-01-02 12:00", "add_to_cart", "p2"),
            dict(ev(9, "x1", "v9", "2024-01-01 10:00"), shop_id="other"),
        ],
    }


def orders_data() -> Rows:
    """Orders fanning out to lines (all paid 2024-01-01 unless said).

    o1: customer c1, source a, pay 100 = lines p1 60 + p2 30 + shipping 10; o2: c2, source b, pay 50 =
    line p1 50 (2 units); o3: c1, source a, pay 20 = line p2 20, paid 2024-01-02; o4: c3 placed
    2024-01-02 but never paid (line p1 40).
    """
    def order(oid: str, cust: str, src: str, pay: float, paid: str | None,
              created: str = "2024-01-01 09:00") -> dict[str, Any]:
        return dict(order_id=oid, customer_id=cust, source=src, pay_amount=pay, created_at=created, paid_at=paid,
                    shipping_fee=10 if oid == "o1" else 0)

    def line(oid: str, no: int, product: str, amount: float, qty: int = 1) -> dict[str, Any]:
        return dict(order_id=oid, line_no=no, product_id=product, quantity=qty, amount=amount, unit_price=amount / qty)

    return {
        "orders": [
            order("o1", "c1", "a", 100, "2024-01-01 09:05"), order("o2", "c2", "b", 50, "2024-01-01 12:00"),
            order("o3", "c1", "a", 20, "2024-01-02 08:00", "2024-01-02 07:00"),
            order("o4", "c3", "a", 40, None, "2024-01-02 09:00"),
            dict(order("x", "c9", "a", 999, "2024-01-01 09:05"), shop_id="other"),
        ],
        "order_items": [
            line("o1", 1, "p1", 60), line("o1", 2, "p2", 30), line("o2", 1, "p1", 50, 2),
            line("o3", 1, "p2", 20), line("o4", 1, "p1", 40),
        ],
        "products": [
            dict(product_id="p1", category="shoes", cost=20), dict(product_id="p2", category="hats", cost=5),
        ],
    }


def test_fanout_sales_by_product_and_source(make_shop: Any) -> None:
    """sales = 100 + 50 + 20 = 170 (pay_amount, never the sum over lines joined to orders).

    by source: a = 100 + 20 = 120, b = 50 (not 100 + 100 from o1's two lines).
    by product (line amounts): p1 = 60 + 50 = 110, p2 = 30 + 20 = 50; products add to 160 (no shipping).
    paid_orders by product: p1 {o1, o2} = 2, p2 {o1, o3} = 2; units p1 = 1 + 2 = 3.
    paid_buyers by product: p1 {c1, c2} = 2, p2 {c1} = 1.
    """
    shop = make_shop(orders_data())
    assert shop.kpi("sales,paid_orders,units").records() == [{"sales": 170.0, "paid_orders": 3, "units": 5}]
    by_source = shop.kpi("sales,paid_orders", by="source")
    assert by_source.records() == [{"source": "a", "sales": 120.0, "paid_orders": 2},
                                   {"source": "b", "sales": 50.0, "paid_orders": 1}]
    by_product = shop.kpi("sales,paid_orders,units,paid_buyers", by="product")
    assert by_product.records() == [
        {"product": "p1", "sales": 110.0, "paid_orders": 2, "units": 3, "paid_buyers": 2},
        {"product": "p2", "sales": 50.0, "paid_orders": 2, "units": 2, "paid_buyers": 1},
    ]
    assert any(n.code == "sales_by_product" for n in by_product.notes)


def test_order_lines_split_by_their_orders_dimensions_without_visits(make_shop: Any) -> None:
    """An orders-only shop (no sessions): a line's source is its order's. by product and source: (p1, a) = o1's
    line 60, (p1, b) = o2's 50, (p2, a) = o1's 30 + o3's 20 = 50; paying buyers (p1, a) {c1}, (p1, b) {c2},
    (p2, a) {c1}: 1 each. Before, the split looked for values in the visits' source and was left empty."""
    shop = make_shop(orders_data())
    r = shop.kpi("sales,paid_buyers", by="product,source")
    assert r.records() == [{"product": "p1", "source": "a", "sales": 60.0, "paid_buyers": 1},
                           {"product": "p1", "source": "b", "sales": 50.0, "paid_buyers": 1},
                           {"product": "p2", "source": "a", "sales": 50.0, "paid_buyers": 1}]


def test_category_comes_from_products(make_shop: Any) -> None:
    """by category: shoes = p1 = 110 sales, hats = p2 = 50."""
    shop = make_shop(orders_data())
    r = shop.kpi("sales", by="category")
    assert r.records() == [{"category": "hats", "sales": 50.0}, {"category": "shoes", "sales": 110.0}]


def test_distinct_counts_do_not_add_up(make_shop: Any) -> None:
    """uv (visitors with a page view) day1 = {v1, v2} = 2, day2 = {v1} = 1, but the week = {v1, v2} = 2 (not 3).

    by source: a = {v1, v2} = 2, b = {v1} = 1; the whole = 2. Visits do add: 2 + 2 = 4.
    """
    shop = make_shop(visits_data())
    days = shop.kpi("uv,visits", by="day")
    assert [(str(r["day"]), r["uv"], r["visits"]) for r in days.records()] == [
        ("2024-01-01", 2, 2), ("2024-01-02", 1, 2)]
    week = shop.kpi("uv,visits", by="week")
    assert [(str(r["week"]), r["uv"], r["visits"]) for r in week.records()] == [("2024-01-01", 2, 4)]
    assert shop.kpi("uv", by="source").to_pandas()["uv"].tolist() == [2, 1]
    assert shop.kpi("uv").value("uv") == 2
    assert any(n.code == "not_additive" and n.metric == "uv" for n in days.notes)


def test_ratios_are_computed_from_their_parts(make_shop: Any) -> None:
    """Day 1: 1 visitor, 1 paying buyer -> 100%; day 2: 4 visitors, no buyer -> 0%.

    The two days: 1 / 5 = 20%, not the mean of the daily rates (50%).
    spend_per_buyer = 30 / 1 = 30; uv_value = 30 / 5 = 6.
    """
    sessions = [dict(session_id="d1", visitor_id="v0", started_at="2024-01-01 10:00")] + [
        dict(session_id=f"d2{i}", visitor_id=f"w{i}", started_at="2024-01-02 10:00") for i in range(4)]
    orders = [dict(order_id="o", customer_id="v0", created_at="2024-01-01 10:10", paid_at="2024-01-01 10:20",
                   pay_amount=30)]
    shop = make_shop({"sessions": sessions, "orders": orders})
    daily = shop.kpi("payment_conversion_rate", by="day").to_pandas()["payment_conversion_rate"].tolist()
    assert daily == [1.0, 0.0]
    total = shop.kpi("payment_conversion_rate,spend_per_buyer,uv_value", start="2024-01-01", end="2024-01-02")
    assert total.records() == [{"payment_conversion_rate": 0.2, "spend_per_buyer": 30.0, "uv_value": 6.0}]


def test_missing_table_is_a_note_not_a_zero(make_shop: Any) -> None:
    """Only orders: sales = 170 is known; uv and payment conversion need sessions -> empty + note."""
    shop = make_shop(orders_data())
    r = shop.kpi("sales,uv,payment_conversion_rate,ad_cost")
    row = r.records()[0]
    assert row["sales"] == 170.0
    assert row["uv"] is None and row["payment_conversion_rate"] is None and row["ad_cost"] is None
    missing = {n.metric: n.en for n in r.notes if n.code == "missing_data"}
    assert "needs sessions and events data" in missing["uv"] and "ad_spend" in missing["ad_cost"]
    assert "sessions" in next(n.zh for n in r.notes if n.metric == "uv")
    r.require("sales")
    with pytest.raises(MissingDataError):
        r.require("uv")


def test_empty_period_is_zero_when_data_exists(make_shop: Any) -> None:
    """No order was paid in March 2024, but the shop has orders: sales 0, paid_buyers 0, conversion empty."""
    shop = make_shop(orders_data())
    r = shop.kpi("sales,paid_buyers,spend_per_buyer", start="2024-03-01", end="2024-03-31")
    assert r.records() == [{"sales": 0.0, "paid_buyers": 0, "spend_per_buyer": None}]


def test_traffic_metrics(make_shop: Any) -> None:
    """pv = 7 page/product views (e1,e2,e3,e5,e6,e7 and not the two add_to_cart) = 6.

    visits 4; bounced = s2 (one page view) = 1 (s4 has none, s1 three, s3 two) -> bounce_rate 1/4.
    second_click_rate = (6 - 3 visits with a page view) / 6 = 0.5. pages_per_visit = 6 / 4 = 1.5.
    avg_visit_seconds over visits with events: s1 360 s, s2 0, s3 30, s4 0 -> 390 / 4 = 97.5.
    add_to_cart_rate = {v1, v3} / {v1, v2} = 1 (v3 carted without viewing a page: not a visitor).
    """
    shop = make_shop(visits_data())
    row = shop.kpi("pv,visits,bounce_rate,second_click_rate,pages_per_visit,avg_visit_seconds,add_to_cart_rate,"
                   "favorite_rate").records()[0]
    assert row == {"pv": 6, "visits": 4, "bounce_rate": 0.25, "second_click_rate": 0.5, "pages_per_visit": 1.5,
                   "avg_visit_seconds": 97.5, "add_to_cart_rate": 1.0, "favorite_rate": 0.0}


def test_uv_by_product_counts_product_viewers(make_shop: Any) -> None:
    """Product visitors: p1 viewed by v1 (e2) and v2 (e5) = 2; p2 by v1 (e3) = 1 (v3 only carted it).

    cart visitors: p1 {v1} = 1, p2 {v3} = 1; visits cannot be split by product -> empty with a note.
    """
    shop = make_shop(visits_data())
    r = shop.kpi("uv,cart_visitors,visits", by="product")
    assert r.records() == [{"product": "p1", "uv": 2, "cart_visitors": 1, "visits": None},
                           {"product": "p2", "uv": 1, "cart_visitors": 1, "visits": None}]
    assert any(n.code == "unsupported_dimension" and n.metric == "visits" for n in r.notes)


def test_uv_falls_back_to_events(make_shop: Any) -> None:
    """Without sessions, uv = distinct visitor_id of page views = {v1, v2} = 2; visits = 4 session ids."""
    data = visits_data()
    del data["sessions"]
    assert make_shop(data).kpi("uv,visits").records() == [{"uv": 2, "visits": 4}]


def test_conversion_funnel(make_shop: Any) -> None:
    """Sessions: v1 d1, v2 d1 as c1/c2 buyers... Visitors: c1, c2, c3, c4 (4, all 2024-01-01/02).

    order_buyers = {c1, c2, c3} = 3 (o4 placed unpaid); paid_buyers = {c1, c2} = 2.
    order_conversion_rate = 3/4; payment_conversion_rate = 2/4; order_to_payment_rate = 2/3.
    spend_per_buyer = 170 / 2 = 85; avg_order_value = 170 / 3.
    """
    data = orders_data()
    data["sessions"] = [dict(session_id=f"s{i}", visitor_id=f"c{i}", started_at="2024-01-01 08:00")
                        for i in range(1, 5)]
    r = make_shop(data).kpi("order_buyers,paid_buyers,order_conversion_rate,payment_conversion_rate,"
                            "order_to_payment_rate,spend_per_buyer,avg_order_value")
    assert r.records() == [{"order_buyers": 3, "paid_buyers": 2, "order_conversion_rate": 0.75,
                            "payment_conversion_rate": 0.5, "order_to_payment_rate": pytest.approx(2 / 3),
                            "spend_per_buyer": 85.0, "avg_order_value": pytest.approx(170 / 3)}]


def test_new_and_returning_buyers(make_shop: Any) -> None:
    """c1 first paid 2024-01-01 (o1) and again 2024-01-02 (o3); c2 paid only 2024-01-01.

    Day 1: new {c1, c2} = 2, returning 0. Day 2: new 0, returning {c1} = 1, returning-buyer share = 1/1, but
    repurchase rate 0/1 (c1 paid once that day). Both days: c1 paid on two days -> repurchase = 1/2.
    By customer_type over both days: new = o1 + o2 = 150 sales, returning = o3 = 20.
    """
    shop = make_shop(orders_data())
    days = shop.kpi("new_buyers,returning_buyers,returning_buyer_share,repurchase_rate", by="day").records()
    assert [(r["new_buyers"], r["returning_buyers"], r["returning_buyer_share"], r["repurchase_rate"])
            for r in days] == [(2, 0, 0.0, 0.0), (0, 1, 1.0, 0.0)]
    both = shop.kpi("repeat_buyers,paid_buyers,repurchase_rate", start="2024-01-01", end="2024-01-02")
    assert both.records() == [{"repeat_buyers": 1, "paid_buyers": 2, "repurchase_rate": 0.5}]
    types = shop.kpi("sales", by="customer_type").records()
    assert types == [{"customer_type": "new", "sales": 150.0}, {"customer_type": "returning", "sales": 20.0}]


def test_refunds_costs_and_margin(make_shop: Any) -> None:
    """refund 30 on o1 (2024-01-01). sales 170, refund_rate 30/170, net_sales 140.

    cogs: o1 p1 1x20 + p2 1x5 (product cost), o2 p1 2 x 15 (line unit_cost), o3 p2 1x5 = 60.
    gross_profit = 140 - 60 = 80; gross_margin = 80 / 140.
    """
    data = orders_data()
    data["order_items"][2]["unit_cost"] = 15
    data["refunds"] = [dict(refund_id="r1", order_id="o1", product_id="p2", created_at="2024-01-01 15:00",
                            amount=30)]
    row = make_shop(data).kpi("refund_amount,refund_rate,net_sales,cogs,gross_profit,gross_margin").records()[0]
    assert row == {"refund_amount": 30.0, "refund_rate": pytest.approx(30 / 170), "net_sales": 140.0, "cogs": 60.0,
                   "gross_profit": 80.0, "gross_margin": pytest.approx(80 / 140)}


def test_a_margin_over_net_sales_not_above_zero_is_empty(make_shop: Any) -> None:
    """o1 (100) refunded whole on 2024-01-02, the day o3 sells 20: net sales that day 20 - 100 = -80, cogs 5 (p2),
    gross profit -85. -85 / -80 would read as a 106.25% margin and a 0.94 break-even ROAS: both are empty. Day 1:
    net sales 150, cogs 20 + 5 + 2 x 20 = 65, gross profit 85: margin 85 / 150, break-even ROAS 150 / 85."""
    data = orders_data()
    data["refunds"] = [dict(refund_id="r1", order_id="o1", created_at="2024-01-02 15:00", amount=100)]
    days = make_shop(data).kpi("net_sales,gross_profit,gross_margin,break_even_roas", by="day").records()
    assert days[0] == {"day": days[0]["day"], "net_sales": 150.0, "gross_profit": 85.0,
                       "gross_margin": pytest.approx(85 / 150), "break_even_roas": pytest.approx(150 / 85)}
    assert (days[1]["net_sales"], days[1]["gross_profit"]) == (-80.0, -85.0)
    assert pd.isna(days[1]["gross_margin"]) and pd.isna(days[1]["break_even_roas"]), days[1]


def test_cost_of_goods_without_any_cost_is_unknown_not_zero(make_shop: Any) -> None:
    """The orders of orders_data with products without a cost and lines without a unit cost: cogs is unknown (left
    empty with a missing_data note), so are gross profit and margin (not 170 and 100%); sales stay 170. (With some
    costs known, cogs is their sum: test_refunds_costs_and_margin.)"""
    data = orders_data()
    data["products"] = [dict(product_id="p1", category="shoes"), dict(product_id="p2", category="hats")]
    shop = make_shop(data)
    r = shop.kpi("sales,cogs,gross_profit,gross_margin")
    row = r.records()[0]
    assert row["sales"] == 170.0 and all(pd.isna(row[m]) for m in ("cogs", "gross_profit", "gross_margin")), row
    assert any(n.code == "missing_data" and n.metric == "cogs" for n in r.notes), r.notes


def test_ads(make_shop: Any) -> None:
    """直通车 day 1: 1000 impressions, 50 clicks, cost 25, 2 conversions worth 100; 钻展: 4000 imp, 20 clicks, cost 20.

    ctr = 70/5000; cpc = 45/70; cpm = 45/5000*1000 = 9; cpa = 45/2; roas = 100/45.
    By source 直通车 (ads channel, orders source): spend_ratio = 25 / 120 (sales of orders from 直通车).
    """
    data = orders_data()
    for o in data["orders"]:
        o["source"] = {"a": "直通车", "b": "search"}[o["source"]]
    data["ad_spend"] = [
        dict(date="2024-01-01", channel="直通车", campaign="c", ad_group="g", creative="x", impressions=1000,
             clicks=50, cost=25, conversions=2, conversion_value=100),
        dict(date="2024-01-01", channel="钻展", campaign="c", ad_group="g", creative="x", impressions=4000,
             clicks=20, cost=20, conversions=0, conversion_value=0),
    ]
    shop = make_shop(data)
    row = shop.kpi("impressions,clicks,ctr,ad_cost,cpc,cpm,cpa,roas").records()[0]
    assert row == {"impressions": 5000, "clicks": 70, "ctr": 70 / 5000, "ad_cost": 45.0, "cpc": pytest.approx(45 / 70),
                   "cpm": 9.0, "cpa": 22.5, "roas": pytest.approx(100 / 45)}
    r = shop.kpi("spend_ratio,ad_cost,sales", filters={"source": "直通车"})
    assert r.records() == [{"spend_ratio": pytest.approx(25 / 120), "ad_cost": 25.0, "sales": 120.0}]


def test_service_metrics(make_shop: Any) -> None:
    """Reviews: 2023-12-15 rating 1, 2024-06-01 item 5 service 4 logistics 3 rating 5, 2024-06-20 item 4
    service 4 logistics 4 rating 3. June (window 2024-01-03..06-30, 180 days): dsr_item (5+4)/2 = 4.5,
    positive_review_rate 1/2. By month: May's window (2023-12-04..2024-05-31) holds only the
    2023-12-15 review (dsr_item 1); June's holds the two June reviews.
    hours_to_ship: o1 paid 09:05 shipped 21:05 = 12 h; days_to_deliver: shipped -> delivered 2.5 days.
    """
    data = orders_data()
    data["orders"][0].update(shipped_at="2024-01-01 21:05", delivered_at="2024-01-04 09:05")
    data["reviews"] = [
        dict(review_id="r0", created_at="2023-12-15 10:00", rating=1, dsr_item=1, dsr_service=1, dsr_logistics=1),
        dict(review_id="r1", created_at="2024-06-01 10:00", rating=5, dsr_item=5, dsr_service=4, dsr_logistics=3),
        dict(review_id="r2", created_at="2024-06-20 10:00", rating=3, dsr_item=4, dsr_service=4, dsr_logistics=4),
    ]
    shop = make_shop(data)
    june = shop.kpi("dsr_item,dsr_service,dsr_logistics,positive_review_rate", start="2024-06-01", end="2024-06-30")
    assert june.records() == [{"dsr_item": 4.5, "dsr_service": 4.0, "dsr_logistics": 3.5, "positive_review_rate": 0.5}]
    months = shop.kpi("dsr_item", by="month", start="2024-05-01", end="2024-06-30").records()
    assert [(str(r["month"]), r["dsr_item"]) for r in months] == [("2024-05-01", 1.0), ("2024-06-01", 4.5)]
    ship = shop.kpi("hours_to_ship,days_to_deliver").records()
    assert ship == [{"hours_to_ship": 12.0, "days_to_deliver": 2.5}]


def test_compare_previous_and_week(make_shop: Any) -> None:
    """Period 2024-01-02 vs previous day 2024-01-01: sales 20 vs 150 (change -130, -86.67%).
    compare=year by month: January 2025 (no orders) against January 2024 (3 paid orders).

    By source with the previous period: a 20 vs 100; b 0 vs 50 (b had no sales on day 2 -> 0, not
    missing). compare=week by day: 2024-01-08 has no orders, compared with 2024-01-01 (150).
    """
    shop = make_shop(orders_data())
    r = shop.kpi("sales", start="2024-01-02", end="2024-01-02", compare="previous")
    assert r.records() == [{"sales": 20.0, "sales_previous": 150.0, "sales_change": -130.0,
                            "sales_change_pct": pytest.approx(-130 / 150)}]
    assert str(r.previous_start) == "2024-01-01"
    by = shop.kpi("sales", by="source", start="2024-01-02", end="2024-01-02", compare="previous").records()
    assert [(x["source"], x["sales"], x["sales_previous"]) for x in by] == [("a", 20.0, 100.0), ("b", 0.0, 50.0)]
    week = shop.kpi("sales", by="day", start="2024-01-08", end="2024-01-08", compare="week").records()
    assert [(str(x["day"]), x["sales"], x["sales_previous"]) for x in week] == [("2024-01-08", 0.0, 150.0)]
    year = shop.kpi("paid_orders", by="month", start="2025-01-01", end="2025-01-31", compare="year").records()
    assert [(str(x["month"]), x["paid_orders"], x["paid_orders_previous"]) for x in year] == [("2025-01-01", 0, 3)]


def test_compare_peer(make_shop: Any) -> None:
    """Benchmarks for payment conversion on 2024-01-01/02: peer_avg 0.1 and 0.3 (mean 0.2), peer_top 0.5.

    The shop's conversion: 2 buyers / 4 visitors = 0.5 -> +0.3 against the peer average (+150%).
    """
    data = orders_data()
    data["sessions"] = [dict(session_id=f"s{i}", visitor_id=f"c{i}", started_at="2024-01-01 08:00")
                        for i in range(1, 5)]
    data["benchmarks"] = [
        dict(date="2024-01-01", metric="payment_conversion_rate", level="peer_avg", value=0.1),
        dict(date="2024-01-02", metric="payment_conversion_rate", level="peer_avg", value=0.3),
        dict(date="2024-01-01", metric="payment_conversion_rate", level="peer_top", value=0.5),
    ]
    r = make_shop(data).kpi("payment_conversion_rate", start="2024-01-01", end="2024-01-02", compare="peer")
    assert r.records() == [{"payment_conversion_rate": 0.5, "payment_conversion_rate_peer_avg": pytest.approx(0.2),
                            "payment_conversion_rate_peer_top": 0.5,
                            "payment_conversion_rate_change": pytest.approx(0.3),
                            "payment_conversion_rate_change_pct": pytest.approx(1.5)}]


def test_compare_peer_adds_up_money_over_several_days(make_shop: Any) -> None:
    """Peer sales 100 on 2024-01-01 and 140 on 2024-01-02: over the two days the peer average sold 240 (not the
    mean 120), the shop's 2024-01-01..02 sales are compared with 240; by day each day keeps its own figure.
    Peer visitors 10 + 12 over the two days are a sum of daily distinct counts, and say so."""
    data = orders_data()
    data["sessions"] = [dict(session_id="s1", visitor_id="c1", started_at="2024-01-01 08:00")]
    data["benchmarks"] = [
        dict(date="2024-01-01", metric="sales", level="peer_avg", value=100.0),
        dict(date="2024-01-02", metric="sales", level="peer_avg", value=140.0),
        dict(date="2024-01-01", metric="uv", level="peer_avg", value=10.0),
        dict(date="2024-01-02", metric="uv", level="peer_avg", value=12.0),
    ]
    shop = make_shop(data)
    whole = shop.kpi("sales,uv", start="2024-01-01", end="2024-01-02", compare="peer")
    record = whole.records()[0]
    assert record["sales_peer_avg"] == pytest.approx(240.0)
    assert record["uv_peer_avg"] == pytest.approx(22.0)
    assert record["sales_change"] == pytest.approx(record["sales"] - 240.0)
    assert [n.metric for n in whole.notes if n.code == "peer_daily_sum"] == ["uv"]
    daily = shop.kpi("sales", by="day", start="2024-01-01", end="2024-01-02", compare="peer").records()
    assert [x["sales_peer_avg"] for x in daily] == [pytest.approx(100.0), pytest.approx(140.0)]


def test_presale_deposit_caveat(make_shop: Any) -> None:
    """A presale order placed 2024-01-02 still in its deposit period (unpaid): the result says that
    payment conversion understates demand and points to order_conversion_rate."""
    data = orders_data()
    data["orders"][3]["is_presale"] = True
    r = make_shop(data).kpi("payment_conversion_rate,paid_buyers", start="2024-01-02", end="2024-01-02")
    note = next(n for n in r.notes if n.code == "presale_deposit")
    assert note.metric == "payment_conversion_rate" and "order_conversion_rate" in note.en and "1 presale" in note.en


def test_filters_and_time_dimensions(make_shop: Any) -> None:
    """filters device=mobile: sessions s1, s3, s4 -> uv {v1} = 1 (v3 viewed no page), pv = s1 3 + s3 2 = 5.

    by hour on 2024-01-01: 10h: s1 (v1) -> uv 1; 11h: s2 (v2) -> 1. weekday: Mon 1 (2 uv), Tue 2 (1 uv).
    filtered to hour 10 of 2024-01-02: s3 (v1) -> uv 1.
    """
    shop = make_shop(visits_data())
    assert shop.kpi("uv,pv", filters={"device": "mobile"}).records() == [{"uv": 1, "pv": 5}]
    assert shop.kpi("uv", filters={"device": ["mobile", "pc"]}).value("uv") == 2
    hours = shop.kpi("uv", by="hour", start="2024-01-01", end="2024-01-01").records()
    assert hours == [{"hour": 10, "uv": 1}, {"hour": 11, "uv": 1}]
    assert shop.kpi("uv", filters={"hour": 10, "day": "2024-01-02"}).records() == [{"uv": 1}]
    assert shop.kpi("uv", by="weekday").records() == [{"weekday": 1, "uv": 2}, {"weekday": 2, "uv": 1}]


def test_other_shops_never_count(make_shop: Any) -> None:
    """Shop "other" has a visitor v9 on 2024-01-01 and a 999 order: our uv stays 2, sales 170."""
    data = visits_data()
    data.update(orders_data())
    assert make_shop(data).kpi("uv,sales").records() == [{"uv": 2, "sales": 170.0}]


def test_unknown_names_list_the_valid_ones(make_shop: Any) -> None:
    shop = make_shop(orders_data())
    with pytest.raises(MetricError) as bad_metric:
        shop.kpi("sales,gmv")
    assert "gmv" in bad_metric.value.en and "payment_conversion_rate" in bad_metric.value.hint_en
    with pytest.raises(MetricError) as bad_dim:
        shop.kpi("sales", by="sauce")
    assert "sauce" in bad_dim.value.en and "source" in bad_dim.value.hint_en
    with pytest.raises(MetricError):
        shop.kpi("sales", compare="previous")
    with pytest.raises(ConfigError, match="start '2024-13-01' is not a date"):  # junshi.periods.parse_day
        shop.kpi("sales", start="2024-13-01")


def test_metrics_and_dimensions_by_their_names(make_shop: Any) -> None:
    """支付金额 and "Paying buyers" are sales and paid_buyers, 流量来源 is source (case, spaces, hyphens and
    underscores aside), in splits and filters alike; an unknown name gets the nearest ids, with their Chinese names."""
    shop = make_shop(orders_data())
    by_id = shop.kpi("sales,paid_buyers", by="source").records()
    assert shop.kpi(["支付金额", "paying  BUYERS"], by="流量来源").records() == by_id
    assert shop.kpi("Spend-per-buyer").records() == shop.kpi("spend_per_buyer").records()
    source = by_id[0]["source"]
    assert shop.kpi("sales", filters={"流量来源": source}).records() == \
        shop.kpi("sales", filters={"source": source}).records()
    with pytest.raises(MetricError) as near:
        shop.kpi("转化率")
    assert near.value.hint_en.startswith("Did you mean order_conversion_rate (下单转化率), payment_conversion_rate "
                                         "(支付转化率)")
    with pytest.raises(MetricError) as typo:
        shop.kpi("selas")
    assert typo.value.hint_zh.startswith("是否要找 sales (支付金额)？")
    with pytest.raises(MetricError) as far:
        shop.kpi("xyzzy")
    assert far.value.hint_en.startswith("Valid metrics:")


@pytest.mark.spark
def test_spark_url_reuses_the_shared_session(spark_warehouse: Any) -> None:
    """``connect("spark://local")`` runs on the running Spark session and explains in Spark SQL;
    DuckDB-only writes say so."""
    from junshi import connect
    from junshi.errors import WarehouseError
    from junshi.metrics import explain
    from junshi.warehouse import writable

    duck = Warehouse(":memory:")
    load_duckdb(duck, {**orders_data(), **visits_data()})
    spark_warehouse.copy_from(duck)  # the session's own views (make_shop's lakes each have a session of their own)
    shop = connect("spark://local", shop=S)
    assert shop.warehouse.engine == "spark" and shop.warehouse.session is spark_warehouse.session
    sql = explain(shop.warehouse, S, "sales,uv", by="source")
    assert "GROUP BY" in sql and "`orders`" in sql
    assert not hasattr(shop.warehouse, "con")  # the read capability only
    with pytest.raises(WarehouseError, match="spark"):
        writable(shop.warehouse)


def test_visitors_count_on_each_day_they_viewed(make_shop: Any) -> None:
    """访客数 by view time (生意参谋). Visit m1 of v1 (source a) views at 23:50 on 01-01 and 00:10 on 01-02; visit
    m2 of v2 (source b) starts 01-01 23:58 with only an add_to_cart, then views at 00:05 on 01-02; visit m3 of v3
    (source a) runs 01-02 23:40 to 01-04 00:20, viewing on all three days (a long visit).

    day 01-01: {v1} = 1 (v2 had no view yet); 01-02: {v1, v2, v3} = 3; 01-03: {v3}; 01-04: {v3}.
    01-02 by source: a {v1, v3} = 2, b {v2} = 1. Visits still count on their start day: 01-01 2, 01-02 1.
    """
    def ev(i: int, sid: str, vid: str, ts: str, kind: str = "page_view") -> dict[str, Any]:
        return dict(event_id=f"m{i}", session_id=sid, visitor_id=vid, ts=ts, event_type=kind)

    shop = make_shop({
        "sessions": [
            dict(session_id="m1", visitor_id="v1", started_at="2024-01-01 23:50", source="a"),
            dict(session_id="m2", visitor_id="v2", started_at="2024-01-01 23:58", source="b"),
            dict(session_id="m3", visitor_id="v3", started_at="2024-01-02 23:40", source="a"),
        ],
        "events": [
            ev(1, "m1", "v1", "2024-01-01 23:50"), ev(2, "m1", "v1", "2024-01-02 00:10"),
            ev(3, "m2", "v2", "2024-01-01 23:58", "add_to_cart"), ev(4, "m2", "v2", "2024-01-02 00:05"),
            ev(5, "m3", "v3", "2024-01-02 23:40"), ev(6, "m3", "v3", "2024-01-03 12:00"),
            ev(7, "m3", "v3", "2024-01-04 00:20"),
        ],
    })
    days = shop.kpi("uv,visits", by="day").records()
    assert [(str(r["day"]), r["uv"], r["visits"]) for r in days] == [
        ("2024-01-01", 1, 2), ("2024-01-02", 3, 1), ("2024-01-03", 1, 0), ("2024-01-04", 1, 0)]
    by_source = shop.kpi("uv", by="source", start="2024-01-02", end="2024-01-02").records()
    assert by_source == [{"source": "a", "uv": 2}, {"source": "b", "uv": 1}]
    assert shop.kpi("uv", start="2024-01-01", end="2024-01-02").value("uv") == 3
