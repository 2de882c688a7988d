"""`junshi simulate --as taobao`: a shop written as the files a Taobao seller downloads.

Exact figures on a tiny hand-made shop (the arithmetic in the docstrings), then a simulated shop whose
files must agree with its raw tables, then the CLI as a user runs it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from junshi.errors import ConfigError
from junshi.simulate import simulate
from junshi.simulate.export import export_shop
from junshi.warehouse import Warehouse
from test_ingest_cli import run
from test_metrics import Rows, S, load_duckdb

D1, D2 = "2024-03-01", "2024-03-02"


def tiny_shop() -> Rows:
    """Two days, five visitors, three orders, one refund, four ad rows.

    sessions: s1 v1 D1 搜索 (organic); s2 v2 D1 直通车 (cpc, 计划A); s3 v1 D2 搜索; s4 v3 D2 钻展 (cpm, 计划B);
    s5 v4 D2 淘宝客 (cps). events: s1 views P1 and the home page and adds P1 to cart; s2 views P2 and
    favourites it; s3 views P1; s4 and s5 view the home page.
    orders: O1 (C1, s1) D1 paid, P1 x2 at 100, discount 10 -> pays 190; O2 (C2, s2) D1 unpaid, P2 x1 at 50;
    O3 (C1, s3) D2 paid, P1 + P2 -> 150. refund: 100 of O1's P1 on D2.
    ad_spend D1: 直通车 计划A 1000 imp/20 clicks/30.50 (1 order, 190) + 500/5/9.50; 钻展 计划B 2000/10/1234.56;
    淘宝客 5.00.
    """
    def ev(i: int, sid: str, vid: str, ts: str, kind: str, product: str | None = None) -> dict[str, Any]:
        return dict(event_id=f"e{i}", session_id=sid, visitor_id=vid, ts=ts, event_type=kind, product_id=product)

    def ses(sid: str, vid: str, ts: str, source: str, medium: str, campaign: str | None = None) -> dict[str, Any]:
        return dict(session_id=sid, visitor_id=vid, started_at=ts, source=source, medium=medium, campaign=campaign)

    def ad(channel: str, campaign: str, creative: str, imp: int, clicks: int, cost: str, conv: int = 0,
           value: str = "0") -> dict[str, Any]:
        return dict(date=D1, channel=channel, campaign=campaign, ad_group="g", creative=creative, impressions=imp,
                    clicks=clicks, cost=cost, conversions=conv, conversion_value=value)

    return {
        "shops": [dict(name="小店", currency="CNY", timezone="Asia/Shanghai")],
        "products": [dict(product_id="P1", name="连衣裙", price=100), dict(product_id="P2", name="面霜", price=50)],
        "sessions": [ses("s1", "v1", f"{D1} 10:00", "搜索", "organic"),
                     ses("s2", "v2", f"{D1} 11:00", "直通车", "cpc", "计划A"),
                     ses("s3", "v1", f"{D2} 09:00", "搜索", "organic"),
                     ses("s4", "v3", f"{D2} 10:00", "钻展", "cpm", "计划B"),
                     ses("s5", "v4", f"{D2} 11:00", "淘宝客", "cps", "通用")],
        "events": [ev(1, "s1", "v1", f"{D1} 10:00", "product_view", "P1"),
                   ev(2, "s1", "v1", f"{D1} 10:01", "page_view"),
                   ev(3, "s1", "v1", f"{D1} 10:02", "add_to_cart", "P1"),
                   ev(4, "s2", "v2", f"{D1} 11:00", "product_view", "P2"),
                   ev(5, "s2", "v2", f"{D1} 11:01", "favorite", "P2"),
                   ev(6, "s3", "v1", f"{D2} 09:00", "product_view", "P1"),
                   ev(7, "s4", "v3", f"{D2} 10:00", "page_view"), ev(8, "s5", "v4", f"{D2} 11:00", "page_view")],
        "orders": [
            dict(order_id="O1", customer_id="C1", visitor_id="v1", session_id="s1", created_at=f"{D1} 10:03",
                 paid_at=f"{D1} 10:04", status="交易成功", source="搜索", device="mobile", region="浙江", city="杭州",
                 item_amount=200, discount_amount=10, shipping_fee=0, pay_amount=190, address_hash="abcdef0123"),
            dict(order_id="O2", customer_id="C2", visitor_id="v2", session_id="s2", created_at=f"{D1} 11:05",
                 status="等待买家付款", source="直通车", item_amount=50, shipping_fee=0, pay_amount=50),
            dict(order_id="O3", customer_id="C1", visitor_id="v1", session_id="s3", created_at=f"{D2} 09:05",
                 paid_at=f"{D2} 09:06", status="买家已付款", source="搜索", item_amount=150, shipping_fee=0,
                 pay_amount=150)],
        "order_items": [dict(order_id="O1", line_no=1, product_id="P1", quantity=2, unit_price=100, amount=200),
                        dict(order_id="O2", line_no=1, product_id="P2", quantity=1, unit_price=50, amount=50),
                        dict(order_id="O3", line_no=1, product_id="P1", quantity=1, unit_price=100, amount=100),
                        dict(order_id="O3", line_no=2, product_id="P2", quantity=1, unit_price=50, amount=50)],
        "refunds": [dict(refund_id="R1", order_id="O1", product_id="P1", created_at=f"{D2} 12:00", amount=100)],
        "ad_spend": [ad("直通车", "计划A", "c1", 1000, 20, "30.50", 1, "190"),
                     ad("直通车", "计划A", "c2", 500, 5, "9.50"),
                     ad("钻展", "计划B", "c3", 2000, 10, "1234.56"), ad("淘宝客", "通用", "c4", 0, 0, "5.00")],
    }


def sheet(path: Path) -> list[list[Any]]:
    """The rows of a workbook's first sheet (empty rows kept as [])."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [[v for v in row if v is not None] if all(v is None for v in row) else list(row)
                for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def table(path: Path) -> list[dict[str, Any]]:
    """A 生意参谋 workbook's data rows by header (the header is the 4th row, under title, period and a gap)."""
    rows = sheet(path)
    return [dict(zip(rows[3], r, strict=True)) for r in rows[4:]]


def gbk_csv(path: Path) -> list[dict[str, str]]:
    """A GBK CSV as dicts (it must decode as GBK)."""
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("gbk"))))


@pytest.fixture(scope="module")
def tiny_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny")
    db = folder / "shop.duckdb"
    wh = Warehouse(db)
    load_duckdb(wh, tiny_shop())
    wh.close()
    files = export_shop(db, folder / "files", shop=S)
    assert all(f.parent == folder / "files" for f in files)
    return folder / "files"


def test_file_names_carry_the_period(tiny_files: Path) -> None:
    """One overview for D1..D2, 店铺来源 and 商品效果 per day, two order reports, 直通车 and 万相台 (no 淘宝客)."""
    assert sorted(p.name for p in tiny_files.iterdir()) == sorted([
        "【生意参谋平台】整体看板_取数_2024-03-01_2024-03-02.xlsx",
        "【生意参谋平台】店铺来源_2024-03-01_2024-03-01.xlsx", "【生意参谋平台】店铺来源_2024-03-02_2024-03-02.xlsx",
        "【生意参谋平台】商品效果_2024-03-01_2024-03-01.xlsx", "【生意参谋平台】商品效果_2024-03-02_2024-03-02.xlsx",
        "ExportOrderList202403030900.csv", "ExportOrderDetailList202403030900.csv",
        "直通车_计划报表_2024-03-01_2024-03-02.csv", "万相台_计划报表_2024-03-01_2024-03-02.csv"])
    rows = sheet(tiny_files / "【生意参谋平台】店铺来源_2024-03-02_2024-03-02.xlsx")
    assert rows[:3] == [["店铺来源"], ["统计时间：2024-03-02 ~ 2024-03-02"], []]


def test_overview(tiny_files: Path) -> None:
    """D1: visitors v1, v2; page views e1, e2, e4; O1 paid 190 by C1 (2 units); O1 and O2 ordered by two buyers.
    -> 访客数 2, 浏览量 3, 支付金额 190.00, 支付转化率 1/2 = 50.00%, 客单价 190.00, UV价值 95.00, 下单转化率 100.00%.
    D2: visitors v1, v3, v4 -> 3; O3 paid 150 (2 units); refund 100 -> 支付转化率 33.33%, UV价值 50.00."""
    got = table(tiny_files / "【生意参谋平台】整体看板_取数_2024-03-01_2024-03-02.xlsx")
    assert [r["统计日期"] for r in got] == [D1, D2]
    d1, d2 = got
    assert (d1["访客数"], d1["浏览量"], d1["支付金额"], d1["支付买家数"], d1["支付转化率"], d1["客单价"]) == (
        2, 3, "190.00", 1, "50.00%", "190.00")
    assert (d1["支付子订单数"], d1["支付件数"], d1["下单买家数"], d1["下单转化率"], d1["加购人数"], d1["收藏人数"],
            d1["UV价值"], d1["成功退款金额"]) == (1, 2, 2, "100.00%", 1, 1, "95.00", "0.00")
    assert (d2["访客数"], d2["浏览量"], d2["支付金额"], d2["支付转化率"], d2["支付件数"], d2["UV价值"],
            d2["成功退款金额"]) == (3, 3, "150.00", "33.33%", 2, "50.00", "100.00")


def test_sources(tiny_files: Path) -> None:
    """D1: 搜索 (淘内免费) v1 with 2 page views and O1's 190; 直通车 (付费流量) v2 with 1 page view, O2 ordered
    unpaid, a favourite. D2: 搜索 150, 钻展 and 淘宝客 one visitor each, both 付费流量; 钻展, the one source
    bought per impression, is named after the report its spend goes to: 万相台."""
    d1 = {r["来源明细"]: r for r in table(tiny_files / "【生意参谋平台】店铺来源_2024-03-01_2024-03-01.xlsx")}
    assert set(d1) == {"搜索", "直通车"}
    s, z = d1["搜索"], d1["直通车"]
    assert (s["流量来源"], s["访客数"], s["浏览量"], s["支付金额"], s["支付买家数"], s["支付转化率"]) == (
        "淘内免费", 1, 2, "190.00", 1, "100.00%")
    assert (z["流量来源"], z["访客数"], z["浏览量"], z["支付金额"], z["下单买家数"], z["下单转化率"], z["收藏人数"],
            z["客单价"]) == ("付费流量", 1, 1, "0.00", 1, "100.00%", 1, "0.00")
    d2 = {r["来源明细"]: r for r in table(tiny_files / "【生意参谋平台】店铺来源_2024-03-02_2024-03-02.xlsx")}
    assert {k: (r["流量来源"], r["访客数"], r["支付金额"]) for k, r in d2.items()} == {
        "搜索": ("淘内免费", 1, "150.00"), "万相台": ("付费流量", 1, "0.00"), "淘宝客": ("付费流量", 1, "0.00")}


def test_products(tiny_files: Path) -> None:
    """D1: P1 viewed by v1, carted, O1 pays 2 x 100 = 200.00 (a new buyer); P2 viewed and favourited by v2,
    ordered (O2) unpaid. D2: P1 viewed by v1, O3 pays 100 (C1 returns), the 100 refund; P2 not viewed but
    paid 50 in O3: 商品支付转化率 has no visitors to divide by (-). 商品ID is a 12-digit item id, 货号 the code."""
    d1 = {r["货号"]: r for r in table(tiny_files / "【生意参谋平台】商品效果_2024-03-01_2024-03-01.xlsx")}
    p1, p2 = d1["P1"], d1["P2"]
    assert (p1["统计日期"], p1["商品ID"], p1["商品名称"], p1["商品访客数"], p1["商品加购人数"], p1["支付件数"],
            p1["支付金额"], p1["商品支付转化率"], p1["支付新买家数"]) == (
        D1, "600000000001", "连衣裙", 1, 1, 2, "200.00", "100.00%", 1)
    assert (p2["商品ID"], p2["商品访客数"], p2["商品收藏人数"], p2["下单买家数"], p2["支付买家数"], p2["支付金额"]) == (
        "600000000002", 1, 1, 1, 0, "0.00")
    d2 = {r["货号"]: r for r in table(tiny_files / "【生意参谋平台】商品效果_2024-03-02_2024-03-02.xlsx")}
    assert (d2["P1"]["支付金额"], d2["P1"]["成功退款金额"], d2["P1"]["支付老买家数"], d2["P1"]["支付新买家数"]) == (
        "100.00", "100.00", 1, 0)
    assert (d2["P2"]["商品访客数"], d2["P2"]["支付金额"], d2["P2"]["商品支付转化率"]) == (0, "50.00", "-")


def test_order_reports(tiny_files: Path) -> None:
    """O1: goods 200, pays 190, refunded 100; O2 unpaid pays 0.00; ids are 19 digits behind ="..."; O3's
    second line is sub-order 4 + 0000000000000003 + 02; 商品ID is the item id of 商品效果."""
    orders = {r["订单编号"]: r for r in gbk_csv(tiny_files / "ExportOrderList202403030900.csv")}
    assert list(orders) == ['="3000000000000000001"', '="3000000000000000002"', '="3000000000000000003"']
    o1, o2 = orders['="3000000000000000001"'], orders['="3000000000000000002"']
    assert (o1["买家会员名"], o1["买家应付货款"], o1["总金额"], o1["买家实际支付金额"], o1["退款金额"],
            o1["订单创建时间"], o1["订单付款时间"], o1["收货地址"], o1["宝贝总数量"], o1["是否手机订单"]) == (
        "tb_C1", "200.00", "190.00", "190.00", "100.00", "2024-03-01 10:03:00", "2024-03-01 10:04:00",
        "浙江 杭州 ***区 abcdef****号", "2", "手机订单")
    assert (o2["订单状态"], o2["买家实际支付金额"], o2["订单付款时间"], o2["店铺名称"]) == ("等待买家付款", "0.00", "",
                                                                                        "小店")
    items = gbk_csv(tiny_files / "ExportOrderDetailList202403030900.csv")
    assert [(r["子订单编号"], r["主订单编号"], r["商家编码"], r["商品ID"], r["价格"], r["购买数量"], r["退款状态"])
            for r in items] == [
        ('="4000000000000000101"', '="3000000000000000001"', "P1", "600000000001", "100.00", "2", "退款成功"),
        ('="4000000000000000201"', '="3000000000000000002"', "P2", "600000000002", "50.00", "1", "没有申请退款"),
        ('="4000000000000000301"', '="3000000000000000003"', "P1", "600000000001", "100.00", "1", "没有申请退款"),
        ('="4000000000000000302"', '="3000000000000000003"', "P2", "600000000002", "50.00", "1", "没有申请退款")]


def test_ad_reports(tiny_files: Path) -> None:
    """直通车 计划A on D1: 1500 impressions, 25 clicks, 30.50 + 9.50 = 40.00, 1 order of 190.00; 合计 the same.
    万相台 计划B: 1,234.56 for 10 clicks of 2000 impressions: 点击率 0.50%, 点击成本 123.46, 投入产出比 0.00.
    淘宝客 (CPS) has no report here."""
    ztc = gbk_csv(tiny_files / "直通车_计划报表_2024-03-01_2024-03-02.csv")
    assert [(r["日期"], r["计划名字"], r["展现量"], r["点击量"], r["花费"], r["总成交金额"], r["总成交笔数"])
            for r in ztc] == [(D1, "计划A", "1500", "25", "40.00", "190.00", "1"),
                              ("合计", "", "1500", "25", "40.00", "190.00", "1")]
    assert ztc[0]["计划ID"].isdigit() and len(ztc[0]["计划ID"]) == 9
    wxt = gbk_csv(tiny_files / "万相台_计划报表_2024-03-01_2024-03-02.csv")
    assert [(r["日期"], r["计划名称"], r["消耗"], r["点击率"], r["点击成本"], r["投入产出比"], r["效果模型"])
            for r in wxt] == [(D1, "计划B", "1,234.56", "0.50%", "123.46", "0.00", "展现+点击"),
                              ("合计", "", "1,234.56", "0.50%", "123.46", "0.00", "")]


def test_empty_shop_is_refused(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "empty.duckdb")
    wh.ensure_shop("s")
    wh.close()
    with pytest.raises(ConfigError, match="no visits or orders"):
        export_shop(tmp_path / "empty.duckdb", tmp_path / "out", shop="s")


def test_simulated_shop_files_agree_with_its_tables(tmp_path: Path) -> None:
    """A simulated fortnight: the files' totals equal sums over the raw tables, computed here in SQL."""
    truth = simulate(tmp_path / "sim.duckdb", days=14, visitors_per_day=150, seed=3, end_date=dt.date(2024, 6, 30))
    files = export_shop(truth.db, tmp_path / "files")
    names = [f.name for f in files]
    assert sum(n.startswith("【生意参谋平台】店铺来源_") for n in names) == 14
    assert sum(n.startswith("【生意参谋平台】商品效果_") for n in names) == 14
    con = duckdb.connect(truth.db, read_only=True)
    try:
        def one(sql: str) -> Any:
            return con.execute(sql).fetchall()[0][0]

        overview = table(tmp_path / "files" / names[0])
        assert len(overview) == 14
        assert sum(Decimal(r["支付金额"].replace(",", "")) for r in overview) == one(
            "SELECT sum(pay_amount) FROM orders WHERE paid_at IS NOT NULL")
        assert sum(r["浏览量"] for r in overview) == one(
            "SELECT count(*) FROM events WHERE event_type IN ('page_view', 'product_view')")
        week = table(tmp_path / "files" / "【生意参谋平台】整体看板_最近7天_2024-06-24_2024-06-30.xlsx")
        assert len(week) == 1 and "统计日期" not in week[0]
        assert week[0]["访客数"] == one(
            "SELECT count(DISTINCT visitor_id) FROM events WHERE event_type IN ('page_view', 'product_view') "
            "AND ts >= '2024-06-24'")
        assert not any("最近30天" in n for n in names)  # 14 days do not make a 30-day period
        products = [r for f in files if f.name.startswith("【生意参谋平台】商品效果_") for r in table(f)]
        assert all(f"_{r['统计日期']}_" in n for f in files if "商品效果" in f.name
                   for n in [f.name] for r in table(f))
        assert sum(r["支付件数"] for r in products) == one(
            "SELECT sum(quantity) FROM order_items JOIN orders USING (shop_id, order_id) WHERE paid_at IS NOT NULL")
        orders = gbk_csv(next(f for f in files if f.name.startswith("ExportOrderList")))
        assert len(orders) == one("SELECT count(*) FROM orders")
        assert sum(Decimal(r["买家实际支付金额"].replace(",", "")) for r in orders) == one(
            "SELECT sum(pay_amount) FROM orders WHERE paid_at IS NOT NULL")
        assert sum(Decimal(r["退款金额"].replace(",", "")) for r in orders) == one("SELECT sum(amount) FROM refunds")
        items = gbk_csv(next(f for f in files if f.name.startswith("ExportOrderDetailList")))
        assert len({r["子订单编号"] for r in items}) == len(items) == one("SELECT count(*) FROM order_items")
        for report, channel in (("直通车", "直通车"), ("万相台", "钻展")):
            rows = gbk_csv(next(f for f in files if f.name.startswith(report)))
            cost = "花费" if report == "直通车" else "消耗"
            assert rows[-1]["日期"] == "合计"
            assert Decimal(rows[-1][cost].replace(",", "")) == sum(
                Decimal(r[cost].replace(",", "")) for r in rows[:-1]) == one(
                f"SELECT sum(cost) FROM ad_spend WHERE channel = '{channel}'")
    finally:
        con.close()


def test_cli_simulate_as_taobao(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`junshi simulate --as taobao --out DIR` simulates and writes the files; a wrong --as fails before
    simulating, naming the choice."""
    code, _out, err = run(capsys, "simulate", "--as", "jd", "--days", "2", "--db", str(tmp_path / "x.duckdb"))
    assert code != 0 and "--asmustbeoneoftaobao" in err
    assert not (tmp_path / "x.duckdb").exists()
    code, out, _err = run(capsys, "simulate", "--days", "3", "--visitors-per-day", "40", "--end-date", "2024-05-03",
                          "--db", str(tmp_path / "sim.duckdb"), "--as", "taobao", "--out", str(tmp_path / "tb"))
    assert code == 0
    written = sorted(p.name for p in (tmp_path / "tb").iterdir())
    assert "【生意参谋平台】整体看板_取数_2024-05-01_2024-05-03.xlsx" in written
    assert "ExportOrderList202405040900.csv" in written
    assert f"Wrote {len(written)} taobao files" in " ".join(out.split())
