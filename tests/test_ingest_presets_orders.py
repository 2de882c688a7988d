"""The order and settlement presets of JD, Pinduoduo, Douyin, WooCommerce and the GA4 BigQuery export, on
small fixtures written from the platforms' published column lists (tests/fixtures/ingest) and, for GA4, on
files written here with the export's nested schema (Parquet by pyarrow, and JSON Lines)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from junshi import Shop
from junshi.errors import ConfigError, IngestError, StrictIngestError

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def rows(shop: Shop, sql: str) -> list[tuple[Any, ...]]:
    return shop.warehouse.con.execute(sql, [shop.shop_id]).fetchall()


def one(shop: Shop, sql: str) -> Any:
    return rows(shop, sql)[0][0]


def reasons(report: Any) -> set[tuple[str, str, int]]:
    return {(r.table, r.reason, r.rows) for r in report.quarantined}


# --- JD -------------------------------------------------------------------------------------------------------

def test_jd_orders_count_each_orders_money_once(shop: Shop) -> None:
    """GBK, 6 SKU rows of 4 orders. ...001 has 2 rows repeating 订单金额 217.00, 余额支付 10.00, 应付金额 187.00:
    pay_amount = 187.00 + 10.00 = 197.00 once (not twice), discount = 217.00 + 0.00 - 197.00 = 20.00.
    ...002: 59.00 + 运费 6.00 = 应付 65.00, discount 0. ...003: unpaid, 99.00, masked buyer and address.
    ...004: its two rows give 应付金额 88.00 and 80.00 -> both quarantined.
    pay_amount = 197.00 + 65.00 + 99.00 = 361.00 over 3 orders, 2 paid; lines 59.00 x 2 + 99.00 + 59.00 +
    99.00 = 375.00; buyers jd_buyerA, jd_buyerB (jd_**** identifies nobody)."""
    report = shop.ingest(FIXTURES / "jd_orders_gbk.csv", preset="jd-orders")
    assert report.files[0].encoding == "gb18030"
    assert reasons(report) == {("order_items", "order amounts differ between rows", 2)}
    assert rows(shop, "SELECT count(*), sum(pay_amount), count(paid_at) FROM orders WHERE shop_id = ?") == [
        (3, Decimal("361.00"), 2)]
    assert rows(shop, "SELECT customer_id, pay_amount, discount_amount, shipping_fee, region, city, delivered_at "
                      "FROM orders WHERE shop_id = ? ORDER BY order_id") == [
        ("jd_buyerA", Decimal("197.00"), Decimal("20.00"), Decimal("0.00"), "北京", "北京",
         dt.datetime(2024, 6, 4, 18)),
        ("jd_buyerB", Decimal("65.00"), Decimal("0.00"), Decimal("6.00"), "浙江省", "杭州市", None),
        (None, Decimal("99.00"), Decimal("0.00"), Decimal("0.00"), None, None, None)]
    assert one(shop, "SELECT count(*) FROM orders WHERE shop_id = ? AND address_hash IS NULL") == 1
    assert rows(shop, "SELECT count(*), sum(amount), sum(quantity) FROM order_items WHERE shop_id = ?") == [
        (4, Decimal("375.00"), 5)]
    assert rows(shop, "SELECT product_id, name FROM products WHERE shop_id = ? ORDER BY 1") == [
        ("100012345678", "保温杯 500ml 白色"), ("100012345679", "保温杯 1L 黑色")]
    assert rows(shop, "SELECT customer_id, region FROM customers WHERE shop_id = ? ORDER BY 1") == [
        ("jd_buyerA", "北京"), ("jd_buyerB", "浙江省")]


def test_jd_orders_reload_is_idempotent(shop: Shop) -> None:
    """Loading the same export twice leaves the same 3 orders and 4 lines."""
    for _ in range(2):
        shop.ingest(FIXTURES / "jd_orders_gbk.csv", preset="jd-orders")
    assert rows(shop, "SELECT (SELECT count(*) FROM orders WHERE shop_id = $1), "
                      "(SELECT count(*) FROM order_items WHERE shop_id = $1)") == [(3, 4)]


def test_jd_orders_refuses_another_export(shop: Shop) -> None:
    """A PDD export given as JD fails naming the columns, and nothing is loaded."""
    with pytest.raises(IngestError, match="missing columns 订购数量, 下单时间, 订单金额, 应付金额"):
        shop.ingest(FIXTURES / "pdd_orders_bom.csv", preset="jd-orders")
    assert one(shop, "SELECT count(*) FROM orders WHERE shop_id = ?") == 0


# --- Pinduoduo ------------------------------------------------------------------------------------------------

def test_pdd_orders_yuan_columns_unpaid_rows_and_masked_regions(shop: Shop) -> None:
    """UTF-8 with BOM, headers with (元). 4 rows: the 已取消 one has no 成交时间 -> quarantined.
    pay_amount = 84.00 + 55.00 + 1,200.00 = 1,339.00; discount of the first = 10.00 + 5.00 + 1.00 = 16.00;
    the 退款成功 order gives a refund of its 55.00; the **** region/city are NULL and its address unhashed;
    lines 100.00 + 50.00 + 1,200.00 = 1,350.00 (unit price 1,200.00 / 3 = 400.00). No buyer ids: no customers."""
    report = shop.ingest(FIXTURES / "pdd_orders_bom.csv", preset="pdd-orders")
    assert report.files[0].encoding == "utf-8-sig"
    assert reasons(report) == {("orders", "unpaid order without a time", 1)}
    assert rows(shop, "SELECT count(*), sum(pay_amount), sum(discount_amount), count(carrier) FROM orders "
                      "WHERE shop_id = ?") == [(3, Decimal("1339.00"), Decimal("16.00"), 3)]
    assert rows(shop, "SELECT region, city, carrier, delivered_at FROM orders WHERE shop_id = ? "
                      "AND order_id = '240601-012345678901234'") == [
        ("广东省", "深圳市", "中通快递", dt.datetime(2024, 6, 5, 11))]
    assert rows(shop, "SELECT region, city, address_hash FROM orders WHERE shop_id = ? "
                      "AND order_id = '240601-012345678901235'") == [(None, None, None)]
    assert rows(shop, "SELECT order_id, amount, quantity FROM refunds WHERE shop_id = ?") == [
        ("240601-012345678901235", Decimal("55.00"), 1)]
    assert rows(shop, "SELECT sum(amount), max(unit_price) FROM order_items WHERE shop_id = ?") == [
        (Decimal("1350.00"), Decimal("400.00"))]
    assert one(shop, "SELECT string_agg(product_id, ',' ORDER BY product_id) FROM products WHERE shop_id = ?") == \
        "612345678901,612345678902,612345678903"
    assert one(shop, "SELECT count(*) FROM customers WHERE shop_id = ?") == 0


def test_pdd_strict_keeps_nothing(shop: Shop) -> None:
    """--strict with the unpaid row: the run fails and not even the 3 good orders are kept."""
    with pytest.raises(StrictIngestError):
        shop.ingest(FIXTURES / "pdd_orders_bom.csv", preset="pdd-orders", strict=True)
    assert rows(shop, "SELECT (SELECT count(*) FROM orders WHERE shop_id = $1), "
                      "(SELECT count(*) FROM refunds WHERE shop_id = $1)") == [(0, 0)]


# --- Douyin ---------------------------------------------------------------------------------------------------

def test_douyin_orders_sub_orders_tab_ids_and_masked_buyers(shop: Shop) -> None:
    """4 sub-orders of 3 main orders; ids prefixed with a tab or ' (stripped, 19 digits kept exact).
    ...567 = subs ...568 (应付 179.00) + ...569 (110.00, 退款成功) = 289.00, discount 10 + 10 + 0 + 0 + 5 + 5 = 30.00;
    ...570 = 209.00 (运费 10.00), ...572 = 99.00 unpaid. pay_amount = 289 + 209 + 99 = 597.00, 2 paid.
    Buyers: the $$ token of ...567 and ...572 is one opaque customer; 138****0000 identifies nobody.
    商品金额 is the unit price: lines 199 x 1 + 60 x 2 + 199 x 1 + 99 x 1 = 617.00, item_amount of ...567 = 319.00;
    one refund of 110.00 (2 units of 3601234567890123457)."""
    report = shop.ingest(FIXTURES / "douyin_orders_bom.csv", preset="douyin-orders")
    assert report.rows_quarantined == 0
    assert rows(shop, "SELECT count(*), sum(pay_amount), count(paid_at), sum(discount_amount) FROM orders "
                      "WHERE shop_id = ?") == [(3, Decimal("597.00"), 2, Decimal("30.00"))]
    assert rows(shop, "SELECT order_id, customer_id, item_amount, carrier, region, address_hash IS NULL FROM orders "
                      "WHERE shop_id = ? ORDER BY order_id") == [
        ("6912345678901234567", "$$Zx9y8W7v$$", Decimal("319.00"), "中通快递", None, True),
        ("6912345678901234570", None, Decimal("199.00"), "顺丰速运", "广东省", False),
        ("6912345678901234572", "$$Zx9y8W7v$$", Decimal("99.00"), None, None, True)]
    assert rows(shop, "SELECT order_id, line_no, product_id, quantity, amount FROM order_items WHERE shop_id = ? "
                      "AND order_id = '6912345678901234567' ORDER BY line_no") == [
        ("6912345678901234567", 1, "3601234567890123456", 1, Decimal("199.00")),
        ("6912345678901234567", 2, "3601234567890123457", 2, Decimal("120.00"))]
    assert one(shop, "SELECT sum(amount) FROM order_items WHERE shop_id = ?") == Decimal("617.00")
    assert rows(shop, "SELECT refund_id, amount, quantity FROM refunds WHERE shop_id = ?") == [
        ("6912345678901234569-refund", Decimal("110.00"), 2)]
    assert rows(shop, "SELECT customer_id FROM customers WHERE shop_id = ?") == [("$$Zx9y8W7v$$",)]


def test_douyin_settlement_fees_and_refunds(shop: Shop) -> None:
    """The description row under the headers is skipped; DZ004 (方向 转账) is quarantined.
    amount = +150.00 (入账) - 110.00 (出账) + 199.00 = 239.00; platform fees 8.95 + 10.00 = 18.95 and
    commission 20.05 stored positive though written negative; 179.00 - 8.95 - 20.05 = 150.00 settled."""
    report = shop.ingest(FIXTURES / "douyin_settlement_bom.csv", preset="douyin-settlement")
    assert reasons(report) == {("settlements", "unknown direction (入账/出账)", 1)}
    assert report.files[0].rows_read == 5 and report.files[0].rows_loaded == 3
    assert rows(shop, "SELECT count(*), sum(amount), sum(platform_fee), sum(commission), sum(refund_amount) "
                      "FROM settlements WHERE shop_id = ?") == [
        (3, Decimal("239.00"), Decimal("18.95"), Decimal("20.05"), Decimal("110.00"))]
    assert rows(shop, "SELECT order_amount - platform_fee - commission FROM settlements WHERE shop_id = ? "
                      "AND settlement_id = 'DZ001'") == [(Decimal("150.00"),)]
    assert rows(shop, "SELECT refund_id, order_id, created_at, amount FROM refunds WHERE shop_id = ?") == [
        ("6912345678901234569-refund", "6912345678901234567", dt.datetime(2024, 6, 7, 9), Decimal("110.00"))]


@pytest.mark.parametrize("first", ["douyin-orders", "douyin-settlement"])
def test_douyin_refund_counted_once_whichever_file_comes_first(shop: Shop, first: str) -> None:
    """Both files name the refund of sub-order ...569: one refund row of 110.00 at the settlement's time
    (2024-06-07 09:00), with the order export's product and 2 units, in either load order."""
    files = {"douyin-orders": "douyin_orders_bom.csv", "douyin-settlement": "douyin_settlement_bom.csv"}
    for preset in sorted(files, key=lambda p: p != first):
        shop.ingest(FIXTURES / files[preset], preset=preset)
    assert rows(shop, "SELECT refund_id, created_at, amount, product_id, quantity FROM refunds WHERE shop_id = ?") == [
        ("6912345678901234569-refund", dt.datetime(2024, 6, 7, 9), Decimal("110.00"), "3601234567890123457", 2)]


# --- WooCommerce ----------------------------------------------------------------------------------------------

def test_woocommerce_webtoffee_packed_line_items(shop: Shop) -> None:
    """4 orders, items packed in line_item_N; 1003's quantity 'x' quarantines it.
    pay_amount = 45.00 + 50.00 + 20.00 = 115.00 (USD); 1002 refunded 50.00; lines 40.00 + 20.00 + 40.00 +
    20.00 = 120.00; the Cap has no sku so its product id is 13; e-mails in lower case."""
    report = shop.ingest(FIXTURES / "woocommerce_webtoffee.csv", preset="woocommerce")
    assert reasons(report) == {("orders", "bad line item: line_item_1", 1)}
    assert shop.settings["currency"] == "USD"
    assert rows(shop, "SELECT count(*), sum(pay_amount), count(paid_at) FROM orders WHERE shop_id = ?") == [
        (3, Decimal("115.00"), 3)]
    assert rows(shop, "SELECT order_id, amount FROM refunds WHERE shop_id = ?") == [("1002", Decimal("50.00"))]
    assert rows(shop, "SELECT count(*), sum(amount) FROM order_items WHERE shop_id = ?") == [(4, Decimal("120.00"))]
    assert rows(shop, "SELECT line_no, product_id, quantity FROM order_items WHERE shop_id = ? AND order_id = '1002' "
                      "ORDER BY line_no") == [(1, "13", 1), (2, "TS-1", 2)]
    assert rows(shop, "SELECT customer_id, region, city FROM customers WHERE shop_id = ? ORDER BY 1") == [
        ("alice@example.com", "CA", "San Jose"), ("bob@example.com", "WA", "Seattle"),
        ("carol@example.com", "OR", "Portland")]


def test_woocommerce_algolplus_rows_per_item(shop: Shop) -> None:
    """One row per product, order fields repeated: 2001 is 55.00 once (not 110.00), 2002 is 24.90; no paid date
    column, so processing/completed orders are paid at their order time. 2002's -1 Hoodie row is quarantined:
    lines 20.00 x 1 + 20.00 x 2 + 20.00 = 80.00; Berlin has no state, so the region is the country DE."""
    report = shop.ingest(FIXTURES / "woocommerce_algolplus.csv", preset="woocommerce")
    assert reasons(report) == {("order_items", "negative quantity", 1)}
    assert rows(shop, "SELECT order_id, pay_amount, discount_amount, paid_at, region FROM orders WHERE shop_id = ? "
                      "ORDER BY 1") == [
        ("2001", Decimal("55.00"), Decimal("5.00"), dt.datetime(2024, 5, 4, 10), "TX"),
        ("2002", Decimal("24.90"), Decimal("0.00"), dt.datetime(2024, 5, 5, 11), "DE")]
    assert rows(shop, "SELECT count(*), sum(amount) FROM order_items WHERE shop_id = ?") == [(3, Decimal("80.00"))]


def test_woocommerce_map_points_fields_at_other_headers(shop: Shop, tmp_path: Path) -> None:
    """A German export: --map names the headers; 19,90 + 5,00 are not numbers here but 19.90 + 5.00 = 24.90 are."""
    (tmp_path / "de.csv").write_text("Bestellnummer,Datum,Summe,Artikel,Menge\n"
                                     "D1,2024-05-06 09:00,19.90,MUG,1\nD2,2024-05-06 10:00,5.00,PEN,5\n")
    mapping = {"Bestellnummer": "order_id", "Datum": "created_at", "Summe": "pay_amount", "Artikel": "sku",
               "Menge": "quantity"}
    shop.ingest(tmp_path / "de.csv", preset="woocommerce", mapping=mapping)
    assert rows(shop, "SELECT count(*), sum(pay_amount) FROM orders WHERE shop_id = ?") == [(2, Decimal("24.90"))]
    assert rows(shop, "SELECT product_id, quantity FROM order_items WHERE shop_id = ? ORDER BY 1") == [
        ("MUG", 1), ("PEN", 5)]
    with pytest.raises(ConfigError, match="not a woocommerce field"):
        shop.ingest(tmp_path / "de.csv", preset="woocommerce", mapping={"Summe": "total_paid"})


# --- GA4 BigQuery ---------------------------------------------------------------------------------------------

PARAM = pa.struct([("key", pa.string()), ("value", pa.struct([
    ("string_value", pa.string()), ("int_value", pa.int64()), ("float_value", pa.float64()),
    ("double_value", pa.float64())]))])
ITEM = pa.struct([("item_id", pa.string()), ("item_name", pa.string()), ("item_brand", pa.string()),
                  ("item_category", pa.string()), ("price", pa.float64()), ("quantity", pa.int64()),
                  ("item_revenue", pa.float64())])
GA4_SCHEMA = pa.schema([
    ("event_date", pa.string()), ("event_timestamp", pa.int64()), ("event_name", pa.string()),
    ("event_params", pa.list_(PARAM)), ("user_id", pa.string()), ("user_pseudo_id", pa.string()),
    ("device", pa.struct([("category", pa.string())])),
    ("geo", pa.struct([("country", pa.string()), ("region", pa.string()), ("city", pa.string())])),
    ("traffic_source", pa.struct([("name", pa.string()), ("medium", pa.string()), ("source", pa.string())])),
    ("ecommerce", pa.struct([("transaction_id", pa.string()), ("purchase_revenue", pa.float64()),
                             ("shipping_value", pa.float64())])),
    ("items", pa.list_(ITEM)),
])
U1, U2 = "111.aaa", "222.bbb"


def _event(name: str, utc: str, pseudo: str, session: int, *, user: str | None = None,
           items: list[dict[str, Any]] | None = None, tx: str | None = None, **params: Any) -> dict[str, Any]:
    """One row of events_YYYYMMDD as the export nests it (typed param values, micro-second UTC timestamp)."""
    ts = dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)
    typed = [{"key": "ga_session_id", "value": {"int_value": session}}]
    for k, v in params.items():
        kind = "string_value" if isinstance(v, str) else "int_value" if isinstance(v, int) else "double_value"
        typed.append({"key": k, "value": {kind: v}})
    return {"event_date": ts.strftime("%Y%m%d"), "event_timestamp": int(ts.timestamp() * 1_000_000),
            "event_name": name, "event_params": typed, "user_id": user, "user_pseudo_id": pseudo,
            "device": {"category": "mobile"}, "geo": {"country": "United States", "region": "California",
                                                      "city": "San Jose"},
            "traffic_source": {"name": "(organic)", "medium": "organic", "source": "google"},
            "ecommerce": {"transaction_id": tx} if tx is not None else None, "items": items or []}


def _day1(changed: bool = False) -> list[dict[str, Any]]:
    s1, s2 = 1717207200, 1717210800
    mug = {"item_id": "SKU-1", "item_name": "Mug", "item_category": "Kitchen", "price": 12.5, "quantity": 1}
    day = [
        _event("session_start", "2024-06-01 02:00:00", U1, s1, page_location="https://shop.example/"),
        _event("page_view", "2024-06-01 02:00:00.500000", U1, s1, page_location="https://shop.example/",
               source="google", medium="organic"),
        _event("view_item", "2024-06-01 02:01:00", U1, s1, items=[mug]),
        _event("add_to_cart", "2024-06-01 02:02:00", U1, s1, items=[{**mug, "quantity": 2}]),
        _event("begin_checkout", "2024-06-01 02:03:00", U1, s1),
        _event("purchase", "2024-06-01 02:05:00", U1, s1, user="cust-1", tx="T1", value=30.0, currency="USD",
               shipping=5.0, items=[{**mug, "quantity": 2, "item_revenue": 25.0}]),
        _event("purchase", "2024-06-01 02:06:00", U1, s1, user="cust-1", tx="T1", value=30.0, currency="USD"),
    ]
    if changed:  # late events: a second purchase of u1; u2's visit is gone from the rewritten table
        return [*day, _event("purchase", "2024-06-01 02:30:00", U1, s1, user="cust-1", tx="T3", value=15.0,
                             currency="USD", items=[{**mug, "quantity": 1, "item_revenue": 12.5}])]
    return [*day,
            _event("page_view", "2024-06-01 03:00:00", U2, s2, page_location="https://shop.example/p/2"),
            _event("view_search_results", "2024-06-01 03:01:00", U2, s2, search_term="plate"),
            _event("scroll", "2024-06-01 03:02:00", U2, s2),
            _event("purchase", "2024-06-01 03:05:00", U2, s2, tx="T2", value=9.99, currency="USD",
                   items=[{"item_id": "SKU-2", "item_name": "Plate", "price": 9.99, "quantity": 1}]),
            _event("purchase", "2024-06-01 03:06:00", U2, s2, tx="(not set)", value=1.0, currency="USD")]


def _write(events: list[dict[str, Any]], path: Path) -> Path:
    if path.suffix == ".parquet":
        pq.write_table(pa.Table.from_pylist(events, schema=GA4_SCHEMA), path)
    else:  # BigQuery's JSON export writes INT64 values as strings
        def ints_as_text(e: dict[str, Any]) -> dict[str, Any]:
            params = [{"key": p["key"], "value": {k: str(v) if k == "int_value" else v
                                                   for k, v in p["value"].items()}} for p in e["event_params"]]
            return {**e, "event_timestamp": str(e["event_timestamp"]), "event_params": params}
        path.write_text("".join(json.dumps(ints_as_text(e)) + "\n" for e in events), encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_ga4_sessions_events_orders(shop: Shop, tmp_path: Path, suffix: str) -> None:
    """12 events of 2 visits on 2024-06-01. Quarantined: the second T1 purchase (repeated) and the (not set) one.
    events = 8 (session_start and scroll feed sessions only); orders T1 30.00 + T2 9.99 = 39.99 in USD, T1 paid
    at 02:05 UTC = 10:05 in Asia/Shanghai; lines 25.00 + 9.99 = 34.99; T1's item_amount 12.50 x 2 = 25.00."""
    report = shop.ingest(_write(_day1(), tmp_path / f"events_20240601{suffix}"), preset="ga4-bigquery")
    assert reasons(report) == {("events", "repeated purchase event", 1),
                               ("events", "missing value: transaction_id", 1)}
    assert shop.settings["currency"] == "USD"
    assert rows(shop, "SELECT session_id, visitor_id, started_at, source, medium, landing_page, device, region "
                      "FROM sessions WHERE shop_id = ? ORDER BY 1") == [
        (f"ga4-20240601-{U1}-1717207200", U1, dt.datetime(2024, 6, 1, 10), "google", "organic",
         "https://shop.example/", "mobile", "California"),
        (f"ga4-20240601-{U2}-1717210800", U2, dt.datetime(2024, 6, 1, 11), None, None,
         "https://shop.example/p/2", "mobile", "California")]
    assert rows(shop, "SELECT event_type, count(*) FROM events WHERE shop_id = ? GROUP BY 1 ORDER BY 1") == [
        ("add_to_cart", 1), ("begin_checkout", 1), ("page_view", 2), ("payment", 2), ("product_view", 1),
        ("search", 1)]
    assert rows(shop, "SELECT product_id, query FROM events WHERE shop_id = ? AND event_type IN "
                      "('product_view', 'search') ORDER BY 1") == [("SKU-1", None), (None, "plate")]
    assert rows(shop, "SELECT order_id, customer_id, paid_at, pay_amount, item_amount, shipping_fee, source "
                      "FROM orders WHERE shop_id = ? ORDER BY 1") == [
        ("T1", "cust-1", dt.datetime(2024, 6, 1, 10, 5), Decimal("30.00"), Decimal("25.00"), Decimal("5.00"),
         "google"),
        ("T2", None, dt.datetime(2024, 6, 1, 11, 5), Decimal("9.99"), Decimal("9.99"), None, None)]
    assert rows(shop, "SELECT order_id, line_no, product_id, quantity, unit_price, amount FROM order_items "
                      "WHERE shop_id = ? ORDER BY 1") == [
        ("T1", 1, "SKU-1", 2, Decimal("12.50"), Decimal("25.00")),
        ("T2", 1, "SKU-2", 1, Decimal("9.99"), Decimal("9.99"))]
    assert rows(shop, "SELECT product_id, name, category FROM products WHERE shop_id = ? ORDER BY 1") == [
        ("SKU-1", "Mug", "Kitchen"), ("SKU-2", "Plate", None)]
    assert rows(shop, "SELECT customer_id, acquisition_source FROM customers WHERE shop_id = ?") == [
        ("cust-1", "google")]


def test_ga4_reloading_a_day_replaces_it(shop: Shop, tmp_path: Path) -> None:
    """Day 1, then day 2 (one page view), then day 1 rewritten with late events: u2's visit gone, purchase T3 of
    15.00 added. Afterwards day 1 holds what the new file holds (1 session, 6 events: page_view, product_view,
    add_to_cart, begin_checkout, payment x 2; orders T1 + T3 = 45.00) and day 2 is untouched."""
    shop.ingest(_write(_day1(), tmp_path / "events_20240601.parquet"), preset="ga4-bigquery")
    day2 = [_event("page_view", "2024-06-02 01:00:00", U1, 1717290000, page_location="https://shop.example/")]
    shop.ingest(_write(day2, tmp_path / "events_20240602.parquet"), preset="ga4-bigquery")
    shop.ingest(_write(_day1(changed=True), tmp_path / "events_20240601.parquet"), preset="ga4-bigquery")
    assert rows(shop, "SELECT (SELECT count(*) FROM sessions WHERE shop_id = $1 AND session_id LIKE 'ga4-20240601-%'), "
                      "(SELECT count(*) FROM events WHERE shop_id = $1 AND event_id LIKE 'ga4-20240601-%'), "
                      "(SELECT count(*) FROM events WHERE shop_id = $1 AND event_id LIKE 'ga4-20240602-%'), "
                      "(SELECT string_agg(order_id, ',' ORDER BY order_id) FROM orders WHERE shop_id = $1), "
                      "(SELECT sum(pay_amount) FROM orders WHERE shop_id = $1), "
                      "(SELECT count(*) FROM order_items WHERE shop_id = $1)") == [
        (1, 6, 1, "T1,T3", Decimal("45.00"), 2)]


def test_ga4_refuses_a_csv_and_a_file_of_other_events(shop: Shop, tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text("event_date,event_name\n20240601,page_view\n")
    with pytest.raises(IngestError, match="not a Parquet or JSON Lines file"):
        shop.ingest(tmp_path / "events.csv", preset="ga4-bigquery")
    (tmp_path / "other.jsonl").write_text('{"event_date": "20240601", "event_name": "page_view"}\n')
    with pytest.raises(IngestError, match="missing columns event_timestamp, event_params, user_pseudo_id"):
        shop.ingest(tmp_path / "other.jsonl", preset="ga4-bigquery")


# --- Recognising the files, the report, the CLI ------------------------------------------------------------

@pytest.mark.parametrize(("fixture", "preset", "kind"), [
    ("jd_orders_gbk.csv", "jd-orders", "orders"), ("pdd_orders_bom.csv", "pdd-orders", "orders"),
    ("douyin_orders_bom.csv", "douyin-orders", "orders"),
    ("douyin_settlement_bom.csv", "douyin-settlement", "settlement"),
    ("woocommerce_webtoffee.csv", "woocommerce", "webtoffee"),
    ("woocommerce_algolplus.csv", "woocommerce", "algolplus"),
])
def test_each_export_is_recognised_by_its_headers_among_every_presets_kinds(fixture: str, preset: str,
                                                                             kind: str) -> None:
    """Of all presets' kinds, the one these headers match best is the file's own (no other preset claims it)."""
    from junshi.ingest.presets import PRESETS
    from junshi.ingest.presets.base import best_kind
    from junshi.ingest.readers import peek

    kinds = [(name, k) for name, p in PRESETS.items() for k in p.kinds]
    head = peek(FIXTURES / fixture)
    best = best_kind([k for _, k in kinds], head.columns, fixture)
    assert best is not None and [(n, k.name) for n, k in kinds if k is best] == [(preset, kind)]


def test_ga4_files_are_recognised_by_their_columns(tmp_path: Path) -> None:
    from junshi.ingest.presets import PRESETS
    from junshi.ingest.presets.base import best_kind
    from junshi.ingest.readers import peek

    kinds = [k for p in PRESETS.values() for k in p.kinds]
    for suffix in (".parquet", ".jsonl"):
        path = _write(_day1(), tmp_path / f"events_20240601{suffix}")
        assert best_kind(kinds, peek(path).columns, path.name) is PRESETS["ga4-bigquery"].kinds[0]


def test_report_says_what_each_file_was_taken_as(shop: Shop) -> None:
    """The settlement's description row is counted as skipped (5 read = 3 loaded + 1 quarantined + 1 skipped);
    the columns no field reads are listed (商家实收金额 has no canonical column)."""
    report = shop.ingest(FIXTURES / "douyin_settlement_bom.csv", preset="douyin-settlement")
    f = report.files[0]
    assert (f.preset, f.kind, f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_skipped) == (
        "douyin-settlement", "settlement", 5, 3, 1, 1)
    pdd = Shop(shop.warehouse, "pdd").ingest(FIXTURES / "pdd_orders_bom.csv", preset="pdd-orders").files[0]
    assert (pdd.preset, pdd.kind) == ("pdd-orders", "orders")
    assert "商家实收金额(元)" in pdd.ignored_columns and "用户实付金额(元)" not in pdd.ignored_columns


def test_cli_ingest_jd_orders_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`junshi ingest FILE --preset jd-orders --format json`: exit 0, 3 orders written, 2 rows quarantined."""
    from junshi.cli import main
    from junshi.i18n import set_lang

    try:
        main(["ingest", str(FIXTURES / "jd_orders_gbk.csv"), "--preset", "jd-orders", "--db",
              str(tmp_path / "w.duckdb"), "--format", "json"])
    except SystemExit as exc:
        assert not exc.code
    finally:
        set_lang(None)
    out = json.loads(capsys.readouterr().out)
    assert (out["tables"]["orders"], out["rows_quarantined"], out["committed"]) == (3, 2, True)


def test_ga4_a_failed_run_keeps_the_day_it_was_replacing(shop: Shop, tmp_path: Path) -> None:
    """Day 1 loaded (2 orders); a run with the rewritten day 1 and a damaged file fails: day 1 is as it was
    (the deletion of its rows is rolled back with the rest)."""
    shop.ingest(_write(_day1(), tmp_path / "events_20240601.parquet"), preset="ga4-bigquery")
    before = rows(shop, "SELECT (SELECT count(*) FROM events WHERE shop_id = $1), "
                        "(SELECT string_agg(order_id, ',' ORDER BY order_id) FROM orders WHERE shop_id = $1)")
    assert before == [(8, "T1,T2")]
    (tmp_path / "events_20240602.parquet").write_bytes(b"PAR1 not really parquet")
    with pytest.raises(IngestError, match="Cannot read"):
        shop.ingest([_write(_day1(changed=True), tmp_path / "events_20240601_late.parquet"),
                     tmp_path / "events_20240602.parquet"], preset="ga4-bigquery")
    assert rows(shop, "SELECT (SELECT count(*) FROM events WHERE shop_id = $1), "
                      "(SELECT string_agg(order_id, ',' ORDER BY order_id) FROM orders WHERE shop_id = $1)") == before


def test_jd_excel_protected_ids_and_dash_amounts(shop: Shop, tmp_path: Path) -> None:
    """Ids written ="…" (Excel), a tab-prefixed product id, and 余额支付 '-' (none): pay_amount = 应付 88.00 + 0."""
    header = ("订单号,商品ID,商品名称,订购数量,下单时间,京东价,订单金额,余额支付,应付金额,运费金额,付款确认时间,"
              "下单帐号\n")
    row = '="230000000000000009",\t100012345678,杯子,1,2024-06-05 10:00:00,88.00,88.00,-,88.00,0.00,,jd_x\n'
    (tmp_path / "jd.csv").write_bytes((header + row).encode("gbk"))
    report = shop.ingest(tmp_path / "jd.csv", preset="jd-orders")
    assert report.rows_quarantined == 0
    assert rows(shop, "SELECT o.order_id, i.product_id, o.pay_amount, o.paid_at FROM orders o "
                      "JOIN order_items i USING (shop_id, order_id) WHERE o.shop_id = ?") == [
        ("230000000000000009", "100012345678", Decimal("88.00"), None)]


def test_ga4_keeps_catalogue_values_its_items_lack(shop: Shop, tmp_path: Path) -> None:
    """The catalogue says SKU-2 is Tableware at 12.00; GA4's item has no category and a price of 9.99:
    the category stays, the price and name are GA4's latest."""
    (tmp_path / "catalogue.csv").write_text("product_id,name,category,price\nSKU-2,plate,Tableware,12.00\n")
    shop.ingest(tmp_path / "catalogue.csv", table="products")
    shop.ingest(_write(_day1(), tmp_path / "events_20240601.jsonl"), preset="ga4-bigquery")
    assert rows(shop, "SELECT name, category, price FROM products WHERE shop_id = ? AND product_id = 'SKU-2'") == [
        ("Plate", "Tableware", Decimal("9.99"))]


def test_jd_paid_then_cancelled_order_is_refunded_in_full(shop: Shop, tmp_path: Path) -> None:
    """J1 was paid (88.00 = 78.00 online + 10.00 balance) and is (删除)已取消: one refund of 88.00 at its payment
    time. J2 was cancelled unpaid: no refund. J3 is paid and 完成: no refund."""
    header = "订单号,商品ID,订购数量,下单时间,京东价,订单金额,余额支付,应付金额,付款确认时间,订单状态\n"
    lines = ["J1,100012345678,1,2024-06-05 10:00,88.00,88.00,10.00,78.00,2024-06-05 10:01,(删除)已取消",
             "J2,100012345678,1,2024-06-05 11:00,88.00,88.00,0.00,88.00,,已取消",
             "J3,100012345678,1,2024-06-05 12:00,88.00,88.00,0.00,88.00,2024-06-05 12:01,完成"]
    (tmp_path / "jd.csv").write_bytes((header + "\n".join(lines) + "\n").encode("gbk"))
    shop.ingest(tmp_path / "jd.csv", preset="jd-orders")
    assert rows(shop, "SELECT refund_id, order_id, created_at, amount FROM refunds WHERE shop_id = ?") == [
        ("J1-refund", "J1", dt.datetime(2024, 6, 5, 10, 1), Decimal("88.00"))]


def test_a_folder_of_mixed_chinese_exports_loads_without_a_preset(shop: Shop, tmp_path: Path) -> None:
    """JD, Pinduoduo and Douyin order exports and a Douyin settlement in one folder, no --preset: each file is
    recognised and loaded by its preset; orders = 3 (JD) + 3 (PDD) + 3 (Douyin) = 9; the refund of sub-order
    ...569 is counted once (its settlement amount 110.00), PDD's 55.00 is the other."""
    import shutil

    for name in ("jd_orders_gbk.csv", "pdd_orders_bom.csv", "douyin_orders_bom.csv", "douyin_settlement_bom.csv"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    report = shop.ingest(tmp_path)
    assert sorted((f.preset or "", f.kind or "") for f in report.files) == [
        ("douyin-orders", "orders"), ("douyin-settlement", "settlement"), ("jd-orders", "orders"),
        ("pdd-orders", "orders")]
    assert rows(shop, "SELECT (SELECT count(*) FROM orders WHERE shop_id = $1), "
                      "(SELECT sum(amount) FROM refunds WHERE shop_id = $1), "
                      "(SELECT count(*) FROM settlements WHERE shop_id = $1)") == [(9, Decimal("165.00"), 3)]


def test_woocommerce_analytics_orders_csv(shop: Shop, tmp_path: Path) -> None:
    """WooCommerce's own Analytics → Orders CSV: one row per order and no line items; Completed and Processing
    orders are paid at their order time; pay_amount = Net Sales 40.00 + 25.00 = 65.00; source = Attribution."""
    (tmp_path / "wc.csv").write_text(
        "Date,Order #,N. Revenue (formatted),Status,Customer,Customer type,Product(s),Items sold,Coupon(s),"
        "Net Sales,Attribution\n"
        '2024-05-01 10:00:00,1001,$40.00,Completed,Alice A,new,"2× Hoodie",2,,40.00,Organic: Google\n'
        '2024-05-02 11:00:00,1002,$25.00,Processing,Bob B,returning,"Cap, T-Shirt",2,SAVE5,25.00,Direct\n'
        "2024-05-02 12:00:00,1003,$9.00,Pending payment,Carol C,new,Cap,1,,9.00,Direct\n", encoding="utf-8")
    shop.ingest(tmp_path / "wc.csv", preset="woocommerce")
    assert rows(shop, "SELECT order_id, paid_at, pay_amount, source FROM orders WHERE shop_id = ? ORDER BY 1") == [
        ("1001", dt.datetime(2024, 5, 1, 10), Decimal("40.00"), "Organic: Google"),
        ("1002", dt.datetime(2024, 5, 2, 11), Decimal("25.00"), "Direct"),
        ("1003", None, Decimal("9.00"), "Direct")]
    assert one(shop, "SELECT count(*) FROM order_items WHERE shop_id = ?") == 0


def test_ga4_refund_events(shop: Shop, tmp_path: Path) -> None:
    """Day 2 refunds T1 in full (no value: its stored order value 30.00) and T2 in part (value 4.99); a refund
    of T9 without a value has no order to take it from -> quarantined. Refunds = 30.00 + 4.99 = 34.99."""
    shop.ingest(_write(_day1(), tmp_path / "events_20240601.parquet"), preset="ga4-bigquery")
    day2 = [_event("refund", "2024-06-02 01:00:00", U1, 1717290000, tx="T1", currency="USD"),
            _event("refund", "2024-06-02 02:00:00", U2, 1717293600, tx="T2", value=4.99, currency="USD"),
            _event("refund", "2024-06-02 03:00:00", U2, 1717293600, tx="T9", currency="USD")]
    report = shop.ingest(_write(day2, tmp_path / "events_20240602.jsonl"), preset="ga4-bigquery")
    assert reasons(report) == {("events", "missing value: value", 1)}
    assert rows(shop, "SELECT refund_id, order_id, created_at, amount FROM refunds WHERE shop_id = ? ORDER BY 1") == [
        ("ga4-20240602-T1-1", "T1", dt.datetime(2024, 6, 2, 9), Decimal("30.00")),
        ("ga4-20240602-T2-1", "T2", dt.datetime(2024, 6, 2, 10), Decimal("4.99"))]
