"""Each preset on its data: CDNOW on the real files, the others on small fixtures written from the
platforms' published column lists (tests/fixtures/ingest)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from junshi import Shop
from junshi.errors import IngestError

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def rows(shop: Shop, sql: str) -> list[tuple[object, ...]]:
    return shop.warehouse.con.execute(sql, [shop.shop_id]).fetchall()


def one(shop: Shop, sql: str) -> object:
    return rows(shop, sql)[0][0]


def test_cdnow_sample_matches_the_published_totals(shop: Shop, shared_data: Path) -> None:
    """The sample's 5th column summed and its 1st column counted independently with plain Python."""
    path = shared_data / "cdnow" / "CDNOW_sample.txt"
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    customers, total = {p[0] for p in lines}, sum(Decimal(p[4]) for p in lines)
    assert (len(customers), total) == (2357, Decimal("244091.94"))
    report = shop.ingest(path, preset="cdnow")
    assert report.rows_quarantined == 0
    assert rows(shop, "SELECT count(DISTINCT customer_id), sum(pay_amount), count(*), count(paid_at) "
                      "FROM orders WHERE shop_id = ?") == [(2357, total, len(lines), len(lines))]
    assert one(shop, "SELECT sum(quantity) FROM order_items WHERE shop_id = ?") == sum(int(p[3]) for p in lines)
    assert shop.settings["currency"] == "USD" and shop.settings["timezone"] == "America/New_York"


def test_cdnow_master_with_header_agrees_with_the_sample(shop: Shop, shared_data: Path) -> None:
    """Every sample order id appears in the master (same customer ids, same day numbering)."""
    master = shared_data / "cdnow" / "CDNOW_master.txt"
    data = [ln.split() for ln in master.read_text().splitlines()[1:] if ln.strip()]
    shop.ingest(master, preset="cdnow")
    assert rows(shop, "SELECT count(*), count(DISTINCT customer_id), sum(pay_amount) FROM orders "
                      "WHERE shop_id = ?") == [(len(data), len({p[0] for p in data}),
                                                 sum(Decimal(p[3]) for p in data))]
    Shop(shop.warehouse, "sample").ingest(shared_data / "cdnow" / "CDNOW_sample.txt", preset="cdnow")
    missing = shop.warehouse.con.execute(
        "SELECT count(*) FROM orders s WHERE s.shop_id = 'sample' AND NOT EXISTS "
        "(SELECT 1 FROM orders m WHERE m.shop_id = 'default' AND m.order_id = s.order_id "
        "AND m.pay_amount = s.pay_amount)").fetchall()[0][0]
    assert missing == 0


def test_taobao_orders_gbk_order_and_item_reports(shop: Shop) -> None:
    """Order report (GBK): 5 orders; 3105...348 is paid an hour before it was created -> quarantine.
    Loaded pay_amount: 158.00 + 309.00 + 0.00 (unpaid) + 1,299.00 = 1,766.00; one refund of 50.00;
    4 buyers (小明爱购物's closed order is the quarantined one). Item report: 5 lines, the -1 strap is
    rejected; 79.00 x 2 + 299.00 + 88.00 + 1,299.00 = 1,844.00."""
    report = shop.ingest([FIXTURES / "taobao_orders_gbk.csv", FIXTURES / "taobao_items_gbk.csv"],
                         preset="taobao-orders")
    assert {f.encoding for f in report.files} == {"gb18030"}
    assert rows(shop, "SELECT count(*), sum(pay_amount), count(paid_at) FROM orders WHERE shop_id = ?") == [
        (4, Decimal("1766.00"), 3)]
    assert rows(shop, "SELECT order_id, customer_id, region, city FROM orders WHERE shop_id = ? "
                      "AND order_id = '3105123456789012345'") == [
        ("3105123456789012345", "小明爱购物", "浙江省", "杭州市")]
    assert rows(shop, "SELECT order_id, amount FROM refunds WHERE shop_id = ?") == [
        ("3105123456789012346", Decimal("50.00"))]
    assert one(shop, "SELECT count(*) FROM customers WHERE shop_id = ?") == 4
    assert rows(shop, "SELECT count(*), sum(amount) FROM order_items WHERE shop_id = ?") == [(4, Decimal("1844.00"))]
    assert one(shop, "SELECT name FROM products WHERE shop_id = ? AND product_id = 'TS-WHITE-L'") == "纯棉T恤 白色 L"
    assert {(r.table, r.reason) for r in report.quarantined} == {("orders", "paid before created"),
                                                                ("order_items", "negative quantity")}


def test_taobao_orders_newer_exports(shop: Shop, tmp_path: Path) -> None:
    """Newer exports: the order report adds 发货时间 and 物流公司 (a 交易关闭 order is cancelled, when it was
    paid for want of a closing time); the item report has 子订单编号 and 主订单编号
    (no 订单编号), repeats 买家实际支付金额 and carries the item id 商品ID, which wins over 商家编码 so that
    lines meet 生意参谋's 商品效果 rows. Two lines of order 3105000000000000001: 2 x 79.00 + 1 x 20.00."""
    orders = tmp_path / "ExportOrderList202403030900.csv"
    orders.write_bytes(
        "订单编号,买家会员名,买家应付货款,买家实际支付金额,订单状态,订单创建时间,订单付款时间,发货时间,物流公司\r\n"
        '="3105000000000000001",tb_a,178.00,178.00,卖家已发货,2024-03-01 10:00:00,2024-03-01 10:01:00,'
        "2024-03-01 18:30:00,中通快递\r\n"
        '="3105000000000000002",tb_b,50.00,50.00,交易关闭,2024-03-02 09:00:00,2024-03-02 09:01:00,,\r\n'
        .encode("gbk"))
    items = tmp_path / "ExportOrderDetailList202403030900.csv"
    items.write_bytes(
        "子订单编号,主订单编号,标题,价格,购买数量,商家编码,买家实际支付金额,订单状态,商品ID\r\n"
        '="4000000000000000101",="3105000000000000001",连衣裙,79.00,2,DR-1,158.00,卖家已发货,612345678901\r\n'
        '="4000000000000000102",="3105000000000000001",发圈,20.00,1,HR-2,20.00,卖家已发货,\r\n'.encode("gbk"))
    shop.ingest([orders, items], preset="taobao-orders", strict=True)
    assert rows(shop, "SELECT shipped_at, carrier, cancelled_at FROM orders WHERE shop_id = ? ORDER BY order_id") == [
        (dt.datetime(2024, 3, 1, 18, 30), "中通快递", None), (None, None, dt.datetime(2024, 3, 2, 9, 1))]
    assert rows(shop, "SELECT order_id, line_no, product_id, amount FROM order_items WHERE shop_id = ? "
                      "ORDER BY line_no") == [("3105000000000000001", 1, "612345678901", Decimal("158.00")),
                                              ("3105000000000000001", 2, "HR-2", Decimal("20.00"))]


def test_taobao_userbehavior_events_sessions_orders(shop: Shop) -> None:
    """10 rows: user 1 views, carts (+10 min), buys (+20 min), then after 90 min views and favourites item 101;
    user 2 views twice at the same second (kept as two events) and buys 30 min 1 s later (a new visit).
    User 3's 'click' and non-numeric timestamp are quarantined. Sessions: 2 + 2 = 4; orders = 2 buys."""
    report = shop.ingest(FIXTURES / "userbehavior.csv", preset="taobao-userbehavior")
    local = dt.datetime.fromtimestamp(1511658000, ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    assert one(shop, "SELECT min(ts) FROM events WHERE shop_id = ?") == local
    assert rows(shop, "SELECT event_type, count(*) FROM events WHERE shop_id = ? GROUP BY 1 ORDER BY 1") == [
        ("add_to_cart", 1), ("favorite", 1), ("payment", 2), ("product_view", 4)]
    assert rows(shop, "SELECT visitor_id, count(*) FROM sessions WHERE shop_id = ? GROUP BY 1 ORDER BY 1") == [
        ("1", 2), ("2", 2)]
    assert one(shop, "SELECT count(DISTINCT session_id) FROM events WHERE shop_id = ? AND visitor_id = '1' "
                     "AND ts < TIMESTAMP '2017-11-26 10:00:00'") == 1
    assert rows(shop, "SELECT count(*), count(paid_at), count(pay_amount) FROM orders WHERE shop_id = ?") == [
        (2, 2, 0)]
    assert rows(shop, "SELECT product_id, category FROM products WHERE shop_id = ? ORDER BY 1") == [
        ("100", "10"), ("101", "11"), ("102", "10")]
    assert {r.reason for r in report.quarantined} == {"unknown event type", "not a date/time: ts"}
    shop.ingest(FIXTURES / "userbehavior.csv", preset="taobao-userbehavior")
    assert one(shop, "SELECT count(*) FROM events WHERE shop_id = ?") == 8


def test_shopify_orders_export(shop: Shop) -> None:
    """#1001: 2 lines (Mug 2 x 20, Tea 1 x 10), total 55.00, created 10:15 -0500 = 23:15 in Shanghai.
    #1002: 3 teas less a 3.00 discount, total 27.00, refunded 27.00. #1003 unpaid, 20.00.
    #1004 has quantity -1 -> quarantined. pay_amount 55 + 27 + 20 = 102.00; currency USD from the file."""
    report = shop.ingest(FIXTURES / "shopify_orders.csv", preset="shopify")
    assert rows(shop, "SELECT count(*), sum(pay_amount), count(paid_at) FROM orders WHERE shop_id = ?") == [
        (3, Decimal("102.00"), 2)]
    assert rows(shop, "SELECT created_at, customer_id, region FROM orders WHERE shop_id = ? AND order_id = '#1001'"
                ) == [(dt.datetime(2024, 3, 1, 23, 15), "ann@example.com", "MA")]
    assert rows(shop, "SELECT order_id, line_no, product_id, amount FROM order_items WHERE shop_id = ? "
                      "ORDER BY 1, 2") == [("#1001", 1, "MUG-1", Decimal("40.00")), ("#1001", 2, "TEA-1",
                                           Decimal("10.00")), ("#1002", 1, "TEA-1", Decimal("27.00")),
                                           ("#1003", 1, "MUG-1", Decimal("20.00"))]
    assert rows(shop, "SELECT order_id, amount FROM refunds WHERE shop_id = ?") == [("#1002", Decimal("27.00"))]
    assert one(shop, "SELECT customer_id FROM orders WHERE shop_id = ? AND order_id = '#1002'") == "bob@example.com"
    assert shop.settings["currency"] == "USD"
    assert report.quarantined[0].rows == 1 and "negative quantity" in report.quarantined[0].reason


def test_olist_folder(shop: Shop) -> None:
    """o1 (customer c1 = person u1): 1 item 58.90 + freight 13.29, paid 72.19. o2 (c2 = u1 again): 2 x 100.00,
    freight 20.00, paid 200.00 by card + 20.00 voucher = 220.00. o3 canceled, never paid. o4 approved before it
    was placed -> quarantine. Reviews: r1/o1, r2 reused for o2 and o1 -> 3 reviews; r3 scores 7 -> quarantine."""
    report = shop.ingest(FIXTURES / "olist", preset="olist")
    got = rows(shop, "SELECT order_id, customer_id, item_amount, shipping_fee, pay_amount, payment_method, region "
                     "FROM orders WHERE shop_id = ? ORDER BY 1")
    assert got == [("o1", "u1", Decimal("58.90"), Decimal("13.29"), Decimal("72.19"), "credit_card", "SP"),
                   ("o2", "u1", Decimal("200.00"), Decimal("20.00"), Decimal("220.00"), "credit_card", "SP"),
                   ("o3", "u2", Decimal("58.90"), Decimal("13.29"), None, None, "RJ")]
    assert one(shop, "SELECT count(*) FROM customers WHERE shop_id = ?") == 2
    assert rows(shop, "SELECT review_id, rating, customer_id FROM reviews WHERE shop_id = ? ORDER BY 1") == [
        ("r1-o1", 4, "u1"), ("r2-o1", 5, "u1"), ("r2-o2", 5, "u1")]
    assert rows(shop, "SELECT product_id, category FROM products WHERE shop_id = ? ORDER BY 1") == [
        ("p1", "bed_bath_table"), ("p2", "beleza_saude")]
    assert {(r.table, r.reason) for r in report.quarantined} == {("orders", "paid before created"),
                                                                ("reviews", "rating outside 1-5: rating")}
    assert len(report.files) == 9
    assert shop.settings["currency"] == "BRL" and shop.settings["timezone"] == "America/Sao_Paulo"


def test_preset_names_missing_columns(shop: Shop, tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("InvoiceNo,StockCode\n1,2\n")
    with pytest.raises(IngestError) as exc:
        shop.ingest(tmp_path / "r.csv", preset="online-retail")
    assert "missing columns Description" in exc.value.en and "Found: InvoiceNo, StockCode" in exc.value.en


def test_preset_currency_conflict_with_existing_data(shop: Shop, shared_data: Path) -> None:
    shop.ingest(FIXTURES / "userbehavior.csv", preset="taobao-userbehavior")
    with pytest.raises(IngestError, match="--shop"):
        shop.ingest(shared_data / "cdnow" / "CDNOW_sample.txt", preset="cdnow")
