"""The metric layer on a shop as platforms give it: orders + daily reports + ad reports, no clickstream.

A tiny hand-made shop loaded with INSERTs; the expected arithmetic is in each docstring. Monday
2024-03-04 to Wednesday 2024-03-06.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from junshi import Shop
from junshi.analysis.diagnosis import OTHER
from junshi.metrics.reconcile import sales_mismatches
from junshi.warehouse import Warehouse
from test_metrics import Rows, S, load_duckdb, make_shop, spark_warehouse  # noqa: F401 (fixtures)

D1, D2, D3 = "2024-03-04", "2024-03-05", "2024-03-06"


def daily_data() -> Rows:
    """daily_shop (days = 1): uv 100 / 120 / 80, pv 300 / 360 / 200, sales 500 / 600 / 400, paid_buyers 5 / 6 / 4;
    period rows (the platform's own figure): 2024-03-04 + 3 days uv 250, + 2 days uv 190.

    daily_source on D1: 手淘搜索 uv 60 pv 180 paid_buyers 3 sales 300; 直通车 uv 45 pv 120 paid_buyers 2 sales 200
    (60 + 45 = 105 > 100: a visitor from two sources counts in both); on D2: 手淘搜索 uv 70, 直通车 uv 55.
    daily_product on D1: p1 uv 50 sales 300 paid_buyers 3; p2 uv 40 sales 200 paid_buyers 2.
    orders (no source, no lines): D1 c1 300 + c2 200 = 500; D2 c1 350.50 + c3 250 = 600.50 (0.50 more than the
    report); D3 c4 400.01 (one cent off: within tolerance). Shop "other" has a daily row that must not count.
    """
    def shop_day(date: str, days: int = 1, **m: Any) -> dict[str, Any]:
        return dict(date=date, days=days, **m)

    def src(date: str, s1: str, name: str, **m: Any) -> dict[str, Any]:
        return dict(date=date, days=1, source_1=s1, source=name, **m)

    def order(oid: str, cust: str, paid: str, amount: float) -> dict[str, Any]:
        return dict(order_id=oid, customer_id=cust, created_at=paid, paid_at=paid, pay_amount=amount)

    return {
        "daily_shop": [
            shop_day(D1, uv=100, pv=300, sales=500, paid_buyers=5, paid_orders=6, cart_visitors=20),
            shop_day(D2, uv=120, pv=360, sales=600, paid_buyers=6, paid_orders=6, cart_visitors=24),
            shop_day(D3, uv=80, pv=200, sales=400, paid_buyers=4, paid_orders=4, cart_visitors=10),
            shop_day(D1, 3, uv=250, paid_buyers=14),
            shop_day(D1, 2, uv=190),
            dict(shop_day(D1, uv=999, sales=999), shop_id="other"),
        ],
        "daily_source": [
            src(D1, "淘内免费", "手淘搜索", uv=60, pv=180, paid_buyers=3, sales=300),
            src(D1, "付费流量", "直通车", uv=45, pv=120, paid_buyers=2, sales=200),
            src(D2, "淘内免费", "手淘搜索", uv=70, pv=200, paid_buyers=4, sales=400),
            src(D2, "付费流量", "直通车", uv=55, pv=160, paid_buyers=2, sales=200),
        ],
        "daily_product": [
            dict(date=D1, days=1, product_id="p1", uv=50, sales=300, paid_buyers=3),
            dict(date=D1, days=1, product_id="p2", uv=40, sales=200, paid_buyers=2),
        ],
        "products": [dict(product_id="p1", category="shoes"), dict(product_id="p2", category="hats")],
        "orders": [
            order("o1", "c1", f"{D1} 10:00", 300), order("o2", "c2", f"{D1} 11:00", 200),
            order("o3", "c1", f"{D2} 09:00", 350.50), order("o4", "c3", f"{D2} 20:00", 250),
            order("o5", "c4", f"{D3} 12:00", 400.01),
        ],
    }


def ads_data() -> Rows:
    """万相台 plan A under two attribution settings (展现+点击 / 转化时间 / 15天 on 3 rows, 7天 on 2 rows):
    D1 A 15天 cost 50 clicks 100 sales 250, A 7天 cost 50 sales 180; D2 A 15天 cost 60 clicks 120 sales 300,
    B 15天 cost 40 clicks 50 sales 100, A 7天 cost 60 sales 200. 直通车 (no setting): D1 kw plan cost 30 sales 90,
    and its keyword report: 连衣裙 cost 20 clicks 40, 裙子 cost 10 clicks 20 (the same spend in detail).
    """
    def ad(date: str, channel: str, plan: str, cost: float, sales: float, window: str | None,
           clicks: int = 0) -> dict[str, Any]:
        setting = dict(attribution_model="展现+点击", attribution_basis="转化时间",
                       attribution_window=window) if window else {}
        return dict(date=date, channel=channel, campaign=plan, cost=cost, conversion_value=sales, clicks=clicks,
                    impressions=clicks * 20, **setting)

    return {"ad_spend": [
        ad(D1, "万相台", "A", 50, 250, "15天", 100), ad(D1, "万相台", "A", 50, 180, "7天", 100),
        ad(D2, "万相台", "A", 60, 300, "15天", 120), ad(D2, "万相台", "B", 40, 100, "15天", 50),
        ad(D2, "万相台", "A", 60, 200, "7天", 120), ad(D1, "直通车", "kw plan", 30, 90, None, 60),
        dict(ad(D1, "直通车", "kw plan", 20, 60, None, 40), keyword="连衣裙"),
        dict(ad(D1, "直通车", "kw plan", 10, 30, None, 20), keyword="裙子"),
    ]}


@pytest.fixture
def report_shop(make_shop: Any) -> Shop:  # noqa: F811 (make_shop is the fixture imported above)
    """The daily + ads shop on each engine (DuckDB, and Spark with -m spark)."""
    data = daily_data()
    data.update(ads_data())
    shop: Shop = make_shop(data)
    return shop


@pytest.fixture
def daily_shop() -> Any:
    warehouse = Warehouse(":memory:")
    data = daily_data()
    data.update(ads_data())
    load_duckdb(warehouse, data)
    yield Shop(warehouse, S)
    warehouse.close()


def test_by_day_mixes_daily_visitors_with_order_sales(report_shop: Shop) -> None:
    """uv and pv from report_shop (no events); sales and paid_buyers from orders (raw rows win).

    D1: uv 100, pv 300, sales 500, buyers {c1, c2} = 2 -> conversion 2/100, spend per buyer 250.
    D2: 120, 360, 600.50, 2 -> 2/120, 300.25. D3: 80, 200, 400.01, 1 -> 1/80, 400.01.
    """
    r = report_shop.kpi("uv,pv,sales,paid_buyers,payment_conversion_rate,spend_per_buyer", by="day",
                       start=D1, end=D3)
    rows = [(str(x["day"]), x["uv"], x["pv"], x["sales"], x["paid_buyers"], x["payment_conversion_rate"],
             x["spend_per_buyer"]) for x in r.records()]
    assert rows == [(D1, 100, 300, 500.0, 2, 0.02, 250.0), (D2, 120, 360, 600.5, 2, 2 / 120, 300.25),
                    (D3, 80, 200, 400.01, 1, 1 / 80, 400.01)]
    mixed = next(n for n in r.notes if n.code == "mixed_grain" and n.metric == "payment_conversion_rate")
    assert "daily_shop" in mixed.en and "orders" in mixed.en and "店铺日报" in mixed.zh
    assert not any(n.code == "daily_sum" for n in r.notes)  # every cell is one day


def test_period_visitors_are_the_platforms_period_figure(report_shop: Shop) -> None:
    """D1-D3: the 3-day row says 250 (not 100 + 120 + 80 = 300); D1-D2: the 2-day row, 190 (not 220).

    D2-D3 has no period row: 120 + 80 = 200 with a daily_sum note. By week (D1-D3 is the week's part in the
    period): 250. pv always adds the one-day rows: 300 + 360 + 200 = 860.
    """
    whole = report_shop.kpi("uv,pv", start=D1, end=D3)
    assert whole.records() == [{"uv": 250, "pv": 860}]
    assert not any(n.code == "daily_sum" for n in whole.notes)
    assert report_shop.kpi("uv", start=D1, end=D2).value("uv") == 190
    summed = report_shop.kpi("uv,uv_value", start=D2, end=D3)
    assert summed.value("uv") == 200
    notes = {n.metric: n for n in summed.notes if n.code == "daily_sum"}
    assert set(notes) == {"uv", "uv_value"} and "counts twice" in notes["uv"].en and "计两次" in notes["uv"].zh
    week = report_shop.kpi("uv", by="week", start=D1, end=D3)
    assert week.records() == [{"week": D1, "uv": 250}]


def test_split_by_source_uses_the_source_report(report_shop: Shop) -> None:
    """Orders carry no source, so every metric split by source comes from daily_source (来源明细).

    D1 手淘搜索: uv 60, sales 300, paid_buyers 3 -> conversion 3/60 = 0.05, spend per buyer 100;
    直通车: 45, 200, 2 -> 2/45, 100.
    """
    r = report_shop.kpi("uv,pv,sales,paid_buyers,payment_conversion_rate,spend_per_buyer", by="day,source",
                       start=D1, end=D1)
    rows = [(x["source"], x["uv"], x["pv"], x["sales"], x["paid_buyers"], x["payment_conversion_rate"],
             x["spend_per_buyer"]) for x in r.records()]
    assert rows == [("手淘搜索", 60, 180, 300.0, 3, 0.05, 100.0), ("直通车", 45, 120, 200.0, 2, 2 / 45, 100.0)]
    level1 = report_shop.kpi("pv", by="source_1", start=D1, end=D2).records()
    assert level1 == [{"source_1": "付费流量", "pv": 280}, {"source_1": "淘内免费", "pv": 380}]


def test_split_by_product_uses_the_product_report(report_shop: Shop) -> None:
    """No order lines: by product, p1 uv 50 sales 300 buyers 3; p2 40, 200, 2; category from products."""
    r = report_shop.kpi("uv,sales,paid_buyers", by="day,product", start=D1, end=D1)
    assert [(x["product"], x["uv"], x["sales"], x["paid_buyers"]) for x in r.records()] == [
        ("p1", 50, 300.0, 3), ("p2", 40, 200.0, 2)]
    cats = report_shop.kpi("sales", by="category", start=D1, end=D1).records()
    assert cats == [{"category": "hats", "sales": 200.0}, {"category": "shoes", "sales": 300.0}]


def test_visitors_summed_over_sources_carry_a_note(report_shop: Shop) -> None:
    """By source_1 over D1-D2: 淘内免费 uv 60 + 70 = 130, summed over two days: noted, never silent."""
    r = report_shop.kpi("uv", by="source_1", start=D1, end=D2)
    assert r.value("uv", source_1="淘内免费") == 130
    assert any(n.code == "daily_sum" and n.metric == "uv" for n in r.notes)


def test_explain_says_which_grain_answered(daily_shop: Shop) -> None:
    from junshi.metrics import explain

    text = explain(daily_shop.warehouse, S, "uv,sales", by="day")
    assert "-- uv: from daily_shop (店铺日报)" in text and "-- sales: from orders (订单)" in text


def test_ad_rows_of_one_attribution_setting(report_shop: Shop) -> None:
    """万相台 uses 15天 on 3 rows and 7天 on 2: the 15天 rows answer (never 15天 + 7天).

    D1: A cost 50 sales 250 -> roas 5; kw plan (直通车) 30, 90 -> 3. D2: A 60, 300 -> 5; B 40, 100 -> 2.5.
    spend_ratio D1 = (50 + 30) / orders' sales 500 = 0.16; orders carry no campaign, so by campaign it is the
    plan's spend over the shop's sales of the day: D1 A 50 / 500, kw plan 30 / 500; D2 A 60 / 600.50, B 40 / 600.50.
    Filtered to 7天: D1 A 50, 180; D2 A 60, 200.
    """
    r = report_shop.kpi("ad_cost,clicks,impressions,ad_sales,roas,spend_ratio", by="day,campaign", start=D1, end=D2)
    rows = [(str(x["day"]), x["campaign"], x["ad_cost"], x["clicks"], x["ad_sales"], x["roas"], x["spend_ratio"])
            for x in r.records()]
    assert rows == [(D1, "A", 50.0, 100, 250.0, 5.0, 0.1), (D1, "kw plan", 30.0, 60, 90.0, 3.0, 0.06),
                    (D2, "A", 60.0, 120, 300.0, 5.0, 60 / 600.5), (D2, "B", 40.0, 50, 100.0, 2.5, 40 / 600.5)]
    assert any(n.code == "whole_part" and n.metric == "spend_ratio" for n in r.notes)
    assert report_shop.kpi("spend_ratio", start=D1, end=D1).value("spend_ratio") == pytest.approx(0.16)
    plan_a = report_shop.kpi("spend_ratio", start=D1, end=D2, filters={"campaign": "A"})
    assert plan_a.value("spend_ratio") == pytest.approx(110 / 1100.5)
    note = next(n for n in r.notes if n.code == "attribution_setting")
    assert "万相台" in note.en and "15天" in note.en and "1 other setting" in note.en and "7天" not in note.en
    seven = report_shop.kpi("ad_cost,ad_sales", by="day", start=D1, end=D2,
                           filters={"attribution_window": "7天"}).records()
    assert [(str(x["day"]), x["ad_cost"], x["ad_sales"]) for x in seven] == [(D1, 50.0, 180.0), (D2, 60.0, 200.0)]


def test_a_plan_report_and_its_keyword_report_are_not_added(report_shop: Shop) -> None:
    """直通车 on D1: the plan row (30) answers; by keyword the keyword rows do (连衣裙 20, 裙子 10), never 30 + 30."""
    assert report_shop.kpi("ad_cost", start=D1, end=D1, filters={"source": "直通车"}).value("ad_cost") == 30.0
    by_keyword = report_shop.kpi("ad_cost,clicks", by="keyword", start=D1, end=D1).records()
    assert by_keyword == [{"keyword": "裙子", "ad_cost": 10.0, "clicks": 20},
                          {"keyword": "连衣裙", "ad_cost": 20.0, "clicks": 40}]
    one = report_shop.kpi("ad_cost", start=D1, end=D1, filters={"keyword": "连衣裙"})
    assert one.value("ad_cost") == 20.0


def test_orders_and_the_daily_report_disagree(daily_shop: Shop) -> None:
    """Orders' sales vs daily_shop.sales: D2 600.50 vs 600 (0.50 off) is listed; D3 400.01 vs 400 is a cent."""
    found = sales_mismatches(daily_shop.warehouse, S)
    assert [(m.day, m.orders, m.reported) for m in found] == [(dt.date(2024, 3, 5), 600.5, 600.0)]
    assert sales_mismatches(daily_shop.warehouse, S, start=D3, end=D3) == []


SOURCES = {"手淘搜索": ("淘内免费", 400, 0.03), "直通车": ("付费流量", 200, 0.025), "购物车": ("自主访问", 100, 0.08)}
LAST = dt.date(2024, 4, 4)


def month_data() -> Rows:
    """35 days (2024-03-01 .. 04-04) of a platform shop: daily_source per source (uv = base x 1.1 on weekends
    + day % 3, buyers = round(uv x conversion), 100 a buyer), daily_shop (uv 95% of the sources' sum: a visitor
    from two sources counts in both), daily_product, one 100 order per buyer (no source, one line), 直通车 spend.

    On the last day 手淘搜索 brings 40% of its visitors (conversion unchanged), and one more order of 100 was
    paid than the reports say (orders' sales 1,900 against the report's 1,800).
    """
    start = dt.date(2024, 3, 1)
    data: Rows = {k: [] for k in ("daily_shop", "daily_source", "daily_product", "orders", "order_items",
                                  "ad_spend")}
    n = 0
    for i in range((LAST - start).days + 1):
        day = start + dt.timedelta(days=i)
        uv_all = buyers_all = 0
        for name, (level1, base, rate) in SOURCES.items():
            drop = 0.4 if (day == LAST and name == "手淘搜索") else 1.0
            uv = int(base * (1.1 if day.weekday() >= 5 else 1.0) * drop) + i % 3
            buyers = max(1, round(uv * rate))
            data["daily_source"].append(dict(date=day, days=1, source_1=level1, source=name, uv=uv, pv=uv * 3,
                                             paid_buyers=buyers, paid_orders=buyers, sales=buyers * 100))
            uv_all, buyers_all = uv_all + uv, buyers_all + buyers
        extra = 1 if day == LAST else 0
        for _ in range(buyers_all + extra):
            n += 1
            data["orders"].append(dict(order_id=f"o{n}", customer_id=f"c{n % 500}", created_at=f"{day} 10:00",
                                       paid_at=f"{day} 10:05", pay_amount=100))
            data["order_items"].append(dict(order_id=f"o{n}", line_no=1, product_id=f"p{n % 2 + 1}", quantity=1,
                                            amount=100, unit_price=100))
        data["daily_shop"].append(dict(date=day, days=1, uv=int(uv_all * 0.95), pv=uv_all * 3,
                                       paid_buyers=buyers_all, paid_orders=buyers_all, sales=buyers_all * 100))
        for product in ("p1", "p2"):
            data["daily_product"].append(dict(date=day, days=1, product_id=product, uv=uv_all // 3,
                                              sales=buyers_all * 50, paid_buyers=buyers_all // 2))
        data["ad_spend"].append(dict(date=day, channel="直通车", campaign="plan A", cost=150, clicks=200,
                                     impressions=4000, conversion_value=500))
    data["products"] = [dict(product_id="p1", category="shoes", cost=40), dict(product_id="p2", category="hats",
                                                                                  cost=30)]
    return data


@pytest.fixture(scope="module")
def month_shop() -> Any:
    warehouse = Warehouse(":memory:")
    load_duckdb(warehouse, month_data())
    yield Shop(warehouse, S)
    warehouse.close()


def test_diagnosis_by_source_uses_the_source_report(month_shop: Shop) -> None:
    """Last day vs a week before: sales = visitors x conversion x spend per buyer, with visitors from the
    reports (no "needs sessions"); by source, 手淘搜索 lost 700 (12 buyers -> 5), mostly through its visitors;
    the extra order no source report knows is the (not allocated) +100."""
    d = month_shop.diagnose(LAST)
    assert d.factors == ("visitors", "conversion", "spend_per_buyer") and "needs_sessions" not in d.notes
    cells = {c.value: c for c in d.dimensions["source"]}
    assert set(cells) == {*SOURCES, OTHER} and float(cells[OTHER].contribution) == 100.0
    search = cells["手淘搜索"]
    assert (float(search.current), float(search.baseline), float(search.contribution)) == (500.0, 1200.0, -700.0)
    assert search.effects["visitors"] < -650 and d.path[0].value == "手淘搜索"


def test_alerts_and_advice_on_a_report_shop(month_shop: Shop) -> None:
    """The source drop is a visitors alert of 手淘搜索; the extra order is a sales_mismatch alert (1,900 vs 1,800);
    advice compares the sources' conversion with the shop's from the reports' visitors."""
    alerts = month_shop.alerts(LAST)
    assert any(a.level == "source" and a.key == "手淘搜索" and a.metric == "uv" for a in alerts)
    mismatch = next(a for a in alerts if a.code == "sales_mismatch")
    assert mismatch.kind == "data_quality" and mismatch.numbers == {"orders": 1900.0, "reported": 1800.0,
                                                                   "difference": 100.0}
    assert "¥1,900.00" in mismatch.text.en and "日报" in mismatch.text.zh
    advice = month_shop.advise(LAST)
    sources = [a for a in advice if "source" in a.subject]
    assert sources and all(a.numbers["visitors"] > 0 for a in sources)


def test_a_figure_the_report_does_not_give_stays_empty(report_shop: Shop) -> None:
    """daily_product has no cart visitors (the column is empty) and no row for D2: empty, never 0.
    report_shop gives cart visitors on D1: 20."""
    r = report_shop.kpi("cart_visitors,uv", by="day,product", start=D1, end=D2).records()
    assert [(str(x["day"]), x["product"], x["cart_visitors"], x["uv"]) for x in r] == [
        (D1, "p1", None, 50), (D1, "p2", None, 40)]
    assert report_shop.kpi("cart_visitors", start=D1, end=D1).value("cart_visitors") == 20
    assert report_shop.kpi("uv", start="2024-05-01", end="2024-05-31").value("uv") is None


def test_plans_reported_at_different_levels_all_count(daily_shop: Shop) -> None:
    """Plan P has only keyword rows (5 + 7) and plan Q only its plan row (4) on D3: both count, 16."""
    daily_shop.warehouse.con.execute(f"""INSERT INTO ad_spend (shop_id, date, channel, campaign, keyword, cost)
        VALUES ('{S}', '{D3}', '直通车', 'P', 'x', 5), ('{S}', '{D3}', '直通车', 'P', 'y', 7),
               ('{S}', '{D3}', '直通车', 'Q', NULL, 4)""")
    assert daily_shop.kpi("ad_cost", start=D3, end=D3).value("ad_cost") == 16.0
