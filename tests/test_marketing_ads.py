"""Paid promotion (junshi.marketing.ads) and on-site search (junshi.marketing.search) on a tiny hand-made shop.

The period is Monday 2024-03-11 to Tuesday 2024-03-12; the period before is 2024-03-09 to 2024-03-10.
The expected arithmetic is in each docstring.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from cli_commands import run_cli
from junshi import Shop, rollup
from junshi.errors import MetricError, MissingDataError
from junshi.marketing.ads import _status, guard_rails, infer_stage, performance, settings
from junshi.marketing.search import groups, search_report
from junshi.warehouse import Warehouse, writable
from test_metrics import Rows, S, load_duckdb

P0, P1, D1, D2 = "2024-03-09", "2024-03-10", "2024-03-11", "2024-03-12"


def ad(date: str, channel: str, campaign: str, creative: str, cost: float, clicks: int, impressions: int,
       conversions: int, value: float, window: str | None = None) -> dict[str, Any]:
    setting = dict(attribution_model="展现+点击", attribution_basis="转化时间", attribution_window=window)
    return dict(date=date, channel=channel, campaign=campaign, creative=creative, cost=cost, clicks=clicks,
                impressions=impressions, conversions=conversions, conversion_value=value,
                **(setting if window else {}))


def shop_rows(costs: bool = True) -> Rows:
    """直通车 plan K: before, 03-09 图A cost 100 clicks 200 impressions 5,000, 1 conversion, sales 500; now, 03-11
    图A cost 150 clicks 250 impressions 6,000, 3 conversions, sales 500 and 03-12 图B cost 50 clicks 50 impressions
    4,000, 1 conversion, sales 100.
    万相台 plan W 海报 under 15天 (2 rows: the setting most rows use) and 7天 (1 row, never added): now 03-11 and
    03-12 each cost 100 clicks 100 impressions 20,000, 1 conversion, sales 300; 7天 03-11 cost 100 sales 999.
    Orders: o0 03-09 1,000 (v0); o1 03-11 10:00 2,000 (v1); o2 03-12 09:00 2,000 (v2); o3 03-13 09:00 500 (v3);
    lines cost half their amount (with ``costs``): the period's gross margin (4,000 - 2,000) / 4,000 = 0.5 (its
    refunds are 0: the one refund, 100 of o0, is of 03-09).
    """
    def order(oid: str, visitor: str, at: str, amount: float) -> dict[str, Any]:
        return dict(order_id=oid, customer_id="c" + oid, visitor_id=visitor, created_at=at, paid_at=at,
                    pay_amount=amount)

    def line(oid: str, amount: float) -> dict[str, Any]:
        return dict(order_id=oid, line_no=1, product_id="p1", quantity=1, amount=amount,
                    unit_cost=amount / 2 if costs else None)

    return {
        "ad_spend": [
            ad(P0, "直通车", "K", "图A", 100, 200, 5000, 1, 500),
            ad(D1, "直通车", "K", "图A", 150, 250, 6000, 3, 500),
            ad(D2, "直通车", "K", "图B", 50, 50, 4000, 1, 100),
            ad(D1, "万相台", "W", "海报", 100, 100, 20000, 1, 300, "15天"),
            ad(D2, "万相台", "W", "海报", 100, 100, 20000, 1, 300, "15天"),
            ad(D1, "万相台", "W", "海报", 100, 100, 20000, 5, 999, "7天"),
        ],
        "orders": [order("o0", "v0", f"{P0} 10:00", 1000), order("o1", "v1", f"{D1} 10:00", 2000),
                   order("o2", "v2", f"{D2} 09:00", 2000), order("o3", "v3", "2024-03-13 09:00", 500)],
        "order_items": [line("o0", 1000), line("o1", 2000), line("o2", 2000), line("o3", 500)],
        "refunds": [dict(refund_id="r0", order_id="o0", created_at=f"{P0} 12:00", amount=100)],
        "products": [dict(product_id="p1", name="碎花连衣裙"), dict(product_id="p2", name="真丝连衣裙")],
        "searches": [
            dict(search_id="q0", ts=f"{P1} 10:00", visitor_id="v5", query="连衣裙", results_count=10),
            dict(search_id="q1", ts=f"{D1} 09:00", visitor_id="v1", query="连衣裙", results_count=10,
                 clicked_product_id="p1"),
            dict(search_id="q2", ts=f"{D1} 12:00", visitor_id="v3", query="连衣裙", results_count=10,
                 clicked_product_id="p1"),
            dict(search_id="q3", ts=f"{D2} 08:00", visitor_id="v2", query="碎花连衣裙", results_count=5,
                 clicked_product_id="p2"),
            dict(search_id="q4", ts=f"{D2} 10:00", visitor_id="v3", query="汉服", results_count=0),
            dict(search_id="q5", ts=f"{D2} 11:00", visitor_id="v4", query="汉服", results_count=0),
            dict(search_id="q6", ts=f"{D2} 15:00", visitor_id="v1", query="碎花连衣裙", results_count=5),
        ],
        "inventory": [dict(date=D1, product_id="p1", stock=0), dict(date=D2, product_id="p1", stock=5),
                      dict(date=D2, product_id="p2", stock=3)],
    }


def _shop(costs: bool = True) -> Iterator[Shop]:
    warehouse = Warehouse(":memory:")
    load_duckdb(warehouse, shop_rows(costs))
    yield Shop(warehouse, S)
    warehouse.close()


@pytest.fixture(scope="module")
def shop() -> Iterator[Shop]:
    yield from _shop()


@pytest.fixture(scope="module")
def stored() -> Iterator[Shop]:
    """The same shop with its rollups built: the search terms read them instead of the searches."""
    for shop in _shop():
        rollup.refresh(writable(shop.warehouse).con, S)
        assert rollup.built_in(shop) is not None
        yield shop


@pytest.fixture(scope="module")
def costless() -> Iterator[Shop]:
    yield from _shop(costs=False)


def test_channels_exact(shop: Shop) -> None:
    """直通车 now: cost 150 + 50 = 200, clicks 300, impressions 10,000, 4 conversions, sales 600: CTR 0.03,
    CPC 200/300, CPM 20, ROAS 3, CPA 50; before: cost 100, sales 500 (change +100, +100%).
    万相台 (15天 only): cost 200, clicks 200, impressions 40,000, 2 conversions, sales 600: ROAS 3, CPA 100.
    Shop: ad cost 400, so each has a share of spend of 0.5; sales 2,000 + 2,000 = 4,000: spend ratio 0.1."""
    p = performance(shop, "channels", D1, D2, compare="previous")
    rows = {r["channel"]: r for r in p.rows}
    z = rows["直通车"]
    figures = ("ad_cost", "clicks", "impressions", "ad_conversions", "ad_sales")
    assert tuple(z[k] for k in figures) == (200, 300, 10000, 4, 600)
    assert z["ctr"] == pytest.approx(0.03) and z["cpc"] == pytest.approx(2 / 3) and z["cpm"] == pytest.approx(20)
    assert z["roas"] == pytest.approx(3) and z["cpa"] == pytest.approx(50) and z["spend_share"] == pytest.approx(0.5)
    assert z["ad_cost_previous"] == 100 and z["ad_cost_change_pct"] == pytest.approx(1.0)
    w = rows["万相台"]
    assert tuple(w[k] for k in figures) == (200, 200, 40000, 2, 600)
    assert w["cpa"] == pytest.approx(100) and w["spend_share"] == pytest.approx(0.5)
    assert p.total["ad_cost"] == 400 and p.total["sales"] == 4000 and p.total["spend_ratio"] == pytest.approx(0.1)
    assert (str(p.previous_start), str(p.previous_end)) == (P0, P1)


def test_settings_are_never_added(shop: Shop) -> None:
    """万相台 has 2 rows under 15天 and 1 under 7天: 15天 answers (cost 200, not 300; sales 600, not 1,599) and
    the report says so, with one other setting left out."""
    rows = {r["channel"]: r for r in performance(shop, "channels", D1, D2).rows}
    assert rows["万相台"]["ad_cost"] == 200 and rows["万相台"]["ad_sales"] == 600
    chosen = {s.channel: s for s in settings(shop)}
    assert chosen["万相台"].attribution_window == "15天" and chosen["万相台"].others == 1
    assert chosen["直通车"].attribution_window is None and chosen["直通车"].others == 0
    seven = performance(shop, "channels", D1, D1)  # a day: still never the 7天 row
    assert {r["channel"]: r["ad_cost"] for r in seven.rows}["万相台"] == 100


def test_creatives_and_campaigns(shop: Shop) -> None:
    """Creatives: 图A cost 150 (CTR 250/6,000), 图B cost 50 (CTR 50/4,000), 海报 cost 200; shares 0.375, 0.125,
    0.5. Campaigns K and W cost 200 each."""
    p = performance(shop, "creatives", D1, D2)
    got = {r["creative"]: (r["ad_cost"], r["ctr"], r["spend_share"]) for r in p.rows}
    assert got == {"图A": (150, pytest.approx(250 / 6000), 0.375), "图B": (50, pytest.approx(50 / 4000), 0.125),
                   "海报": (200, pytest.approx(0.005), 0.5)}
    assert p.by == ("channel", "campaign", "creative")
    assert {r["campaign"]: r["ad_cost"] for r in performance(shop, "campaigns", D1, D2).rows} == {"K": 200, "W": 200}
    assert performance(shop, "keywords", D1, D2).rows == []  # no keyword report loaded


def test_guard_rails_mature(shop: Shop) -> None:
    """Mature band 3-5%: spend ratio 400 / 4,000 = 10%, above. Keyword channel 直通车: 200 / 4,000 = 5%, within
    4-8%. Break-even ROAS 1 / 0.5 = 2. 直通车's marginal ROAS (600 - 500) / (200 - 100) = 1 < 2 with spend up:
    below break-even, and its advice cites the extra 100 spent for 100 more sales. 万相台 spent nothing before:
    no marginal return."""
    g = guard_rails(shop, D1, D2, stage="mature")
    assert (g.stage, g.stage_inferred, g.band) == ("mature", False, (0.03, 0.05))
    assert g.spend_ratio == pytest.approx(0.1) and g.spend_status == "above"
    assert g.keyword_channels == ["直通车"] and g.keyword_ratio == pytest.approx(0.05) and g.keyword_status == "within"
    assert g.gross_margin == pytest.approx(0.5) and g.break_even_roas == pytest.approx(2.0)
    checks = {c.channel: c for c in g.channels}
    assert checks["直通车"].marginal_roas == pytest.approx(1.0) and checks["直通车"].below_break_even is True
    assert checks["万相台"].marginal_roas is None and checks["万相台"].below_break_even is None
    rules = {a.rule: a for a in g.advice}
    assert set(rules) == {"ads_spend_ratio", "ads_marginal_roas"}
    m = rules["ads_marginal_roas"]
    assert m.subject == {"channel": "直通车"} and m.numbers["extra_cost"] == 100 and m.numbers["extra_sales"] == 100
    assert "¥100.00" in m.text.en and "1.00" in m.text.en and "2.00" in m.text.zh and "直通车" in m.text.zh
    s = rules["ads_spend_ratio"]
    assert "10.00%" in s.text.en and "3%" in s.text.en and "¥400.00" in s.text.zh and "成熟期" in s.text.zh
    assert json.dumps(g.as_dict(), ensure_ascii=False)  # JSON-ready


def test_stage_is_inferred(shop: Shop) -> None:
    """Sales began on 03-09, 4 days before 03-12 (< 90): launching, band 15-20%; 10% is below it."""
    assert infer_stage(shop, dt_date(D2)) == "launching"
    g = guard_rails(shop, D1, D2)
    assert g.stage == "launching" and g.stage_inferred and g.spend_status == "below"
    assert [a.rule for a in g.advice if a.priority == 3] == ["ads_spend_ratio"]


def test_break_even_unknown_without_costs(costless: Shop) -> None:
    """No line or product costs: gross margin unknown, so break-even and the marginal flags are unknown; the
    advice says to load costs."""
    g = guard_rails(costless, D1, D2, stage="mature")
    assert g.break_even_roas is None and all(c.below_break_even is None for c in g.channels)
    assert "ads_break_even_unknown" in {a.rule for a in g.advice}


def test_bands() -> None:
    assert [_status(x, (0.04, 0.08), 0.10) for x in (0.03, 0.04, 0.08, 0.09, 0.11, None)] == [
        "below", "within", "within", "above", "warning", None]


def test_bad_input(shop: Shop) -> None:
    with pytest.raises(MetricError):
        performance(shop, "plans")
    with pytest.raises(MetricError):
        performance(shop, "channels", compare="yesterday")
    with pytest.raises(MetricError):
        guard_rails(shop, stage="teenage")
    with pytest.raises(MetricError):
        performance(shop, "channels", D2, D1)
    empty = Warehouse(":memory:")
    with pytest.raises(MissingDataError):
        performance(Shop(empty, S))
    empty.close()


@pytest.mark.parametrize("kind", ["shop", "stored"])
def test_search_report(kind: str, request: pytest.FixtureRequest) -> None:
    """连衣裙: 2 searches by v1 and v3 (1 the period before: +1); v1 ordered at 10:00 after searching at 09:00,
    v3 only on 03-13, after the 1-day window: 1 buyer of 2 (0.5); of the two who clicked p1, v3 did not buy.
    碎花连衣裙: v2 (bought) and v1, whose order of 03-11 came before their search of 03-12 15:00: 1 buyer of 2 (0.5);
    v1 clicked nothing.
    汉服: 2 searches, both without results. Searches 6, searchers v1-v4.
    Risers: 汉服 and 碎花连衣裙 +2 (ties by query), then 连衣裙 +1.
    Group 连衣裙 = 连衣裙 + 碎花连衣裙: 4 searches, 2 buyers of 4.
    p1 had no stock on 03-11, when v1 and v3 clicked it from 连衣裙. The same from the raw searches and (``stored``)
    from the rollups."""
    shop: Shop = request.getfixturevalue(kind)
    r = search_report(shop, D1, D2, min_searchers=1)
    top = {x["query"]: x for x in r.top}
    assert (top["连衣裙"]["searches"], top["连衣裙"]["searchers"], top["连衣裙"]["buyers"]) == (2, 2, 1)
    assert top["连衣裙"]["conversion"] == 0.5 and top["连衣裙"]["searches_change"] == 1
    assert (top["碎花连衣裙"]["searchers"], top["碎花连衣裙"]["buyers"]) == (2, 1) and top["汉服"]["no_results"] == 2
    assert r.searches == 6 and r.searchers == 4 and r.no_result_share == pytest.approx(2 / 6)
    assert [(x["query"], x["no_results"], x["no_result_share"]) for x in r.no_results] == [("汉服", 2, 1.0)]
    assert [(x["query"], x["non_buyers"], x["product_id"], x["product_name"], x["product_visitors"])
            for x in r.no_purchase] == [("碎花连衣裙", 1, None, None, 0), ("连衣裙", 1, "p1", "碎花连衣裙", 1)]
    assert [(x["query"], x["product_id"], x["searches"], x["days"]) for x in r.out_of_stock] == [("连衣裙", "p1", 2, 1)]
    g = {x["group"]: x for x in r.groups}
    assert sorted(g["连衣裙"]["queries"]) == ["碎花连衣裙", "连衣裙"] and g["连衣裙"]["buyers"] == 2
    assert [(x["query"], x["searches_change"]) for x in r.risers] == [("汉服", 2), ("碎花连衣裙", 2), ("连衣裙", 1)]
    late = search_report(shop, D1, D2, window_days=3, min_searchers=1)  # v3's order of 03-13 now counts
    assert {x["query"]: x["buyers"] for x in late.top}["连衣裙"] == 2


def test_groups_share_a_word() -> None:
    got = groups(["连衣裙", "碎花连衣裙", "floral dress", "dress", "汉服"])
    assert got["碎花连衣裙"] == "连衣裙" and got["floral dress"] == "dress" and got["汉服"] == "汉服"


def test_cli(shop: Shop, tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI on a DuckDB file of the same rows: JSON as the Python API gives it, tables in both languages."""
    db = tmp_path / "ads.duckdb"
    w = Warehouse(str(db))
    load_duckdb(w, shop_rows())
    w.close()
    code, out, err = run_cli(capsys, "ads", "channels", "--from", D1, "--to", D2, "--compare", "previous",
                             "--format", "json", "--db", str(db), "--shop", S)
    assert code == 0, err
    assert {r["channel"]: r["ad_cost"] for r in json.loads(out)["rows"]} == {"直通车": 200, "万相台": 200}
    code, out, err = run_cli(capsys, "--lang", "zh", "ads", "guard", "--from", D1, "--to", D2, "--stage", "mature",
                             "--db", str(db), "--shop", S)
    assert code == 0 and "新增花费不赚钱" in out and "推广渠道" in out, err
    code, out, err = run_cli(capsys, "search", "no-results", "--from", D1, "--to", D2, "--format", "csv",
                             "--db", str(db), "--shop", S)
    assert code == 0 and "汉服,汉服,2,2,1.0" in out, err


def dt_date(value: str) -> Any:
    import datetime as dt

    return dt.date.fromisoformat(value)


def test_plan_and_keyword_reports_as_sellers_download_them(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """A 直通车 plan report (plan K: 03-11 cost 60, 03-12 cost 40, sales 300 + 200) and its keyword report (连衣裙
    cost 36 + 24 = 60, 裙子 24 + 16 = 40), loaded by junshi ingest, with orders of 1,000 a day. The plan's spend is
    100 (its plan rows, never plus its keyword rows: not 200); keywords 连衣裙 60 and 裙子 40 are 60% and 40% of the
    shop's ad spend; keyword spend ratio 100 / 2,000 = 5%."""
    ads_dir = tmp_path / "ads"
    ads_dir.mkdir()
    (ads_dir / "直通车_计划报表.csv").write_text(
        "日期,计划名字,展现量,点击量,花费,总成交笔数,总成交金额\n"
        f"{D1},K,3000,100,60.00,3,300.00\n{D2},K,2000,80,40.00,2,200.00\n", encoding="utf-8")
    (ads_dir / "直通车_关键词报表.csv").write_text(
        "日期,计划名字,单元名字,关键词,展现量,点击量,花费,总成交笔数,总成交金额\n"
        f"{D1},K,U,连衣裙,1800,60,36.00,2,200.00\n{D1},K,U,裙子,1200,40,24.00,1,100.00\n"
        f"{D2},K,U,连衣裙,1200,48,24.00,1,120.00\n{D2},K,U,裙子,800,32,16.00,1,80.00\n", encoding="utf-8")
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,customer_id,created_at,paid_at,pay_amount\n"
                      f"a,c1,{D1} 10:00,{D1} 10:00,1000\nb,c2,{D2} 10:00,{D2} 10:00,1000\n", encoding="utf-8")
    db = str(tmp_path / "tb.duckdb")
    for args in ([str(orders), "--table", "orders"], [str(ads_dir), "--preset", "alimama"]):
        code, _out, err = run_cli(capsys, "ingest", *args, "--db", db, "--shop", S, "--format", "json")
        assert code == 0, err
    code, out, err = run_cli(capsys, "ads", "keywords", "--from", D1, "--to", D2, "--format", "json", "--db", db,
                             "--shop", S)
    assert code == 0, err
    assert {r["keyword"]: (r["ad_cost"], r["spend_share"]) for r in json.loads(out)["rows"]} == {
        "连衣裙": (60, 0.6), "裙子": (40, 0.4)}
    code, out, err = run_cli(capsys, "ads", "campaigns", "--from", D1, "--to", D2, "--format", "json", "--db", db,
                             "--shop", S)
    assert [(r["campaign"], r["ad_cost"], r["ad_sales"]) for r in json.loads(out)["rows"]] == [("K", 100, 500)]
    code, out, err = run_cli(capsys, "ads", "guard", "--from", D1, "--to", D2, "--format", "json", "--db", db,
                             "--shop", S)
    g = json.loads(out)
    assert g["keyword_channels"] == ["直通车"] and g["keyword_ratio"] == pytest.approx(0.05)
    assert g["break_even_roas"] is None and "ads_break_even_unknown" in {a["rule"] for a in g["advice"]}
