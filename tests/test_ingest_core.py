"""Ingestion without presets: formats, encodings, the alias table, validation, strictness, re-loads."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from junshi import Shop
from junshi.errors import ConfigError, IngestError, StrictIngestError
from junshi.ingest.aliases import normalise

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def rows(shop: Shop, sql: str) -> list[tuple[object, ...]]:
    return shop.warehouse.con.execute(sql, [shop.shop_id]).fetchall()


def count(shop: Shop, table: str) -> int:
    return int(rows(shop, f"SELECT count(*) FROM {table} WHERE shop_id = ?")[0][0])


def test_chinese_headers_with_bom_map_through_the_alias_table(shop: Shop) -> None:
    """orders_zh_bom.csv: UTF-8 with BOM, headers 订单编号/买家会员名/订单创建时间/付款时间/买家实付金额/订单状态.

    A001 (128.50, paid) and A002 (66.00, unpaid) load: 194.50 in pay_amount, one paid order.
    A003 is paid an hour before it was created; A004's 订单创建时间 is 不是时间: both quarantined.
    """
    report = shop.ingest(FIXTURES / "orders_zh_bom.csv")
    assert report.files[0].encoding == "utf-8-sig"
    assert report.tables == {"orders": 2}
    assert rows(shop, "SELECT order_id, customer_id, status FROM orders WHERE shop_id = ? ORDER BY 1") == [
        ("A001", "小红", "交易成功"), ("A002", "小蓝", "等待买家付款")]
    assert rows(shop, "SELECT sum(pay_amount), count(paid_at) FROM orders WHERE shop_id = ?") == [
        (Decimal("194.50"), 1)]
    q = rows(shop, "SELECT source_line, reason, raw FROM quarantine WHERE shop_id = ? ORDER BY source_line")
    assert [(line, reason) for line, reason, _ in q] == [(3, "paid before created"),
                                                        (4, "not a date/time: created_at")]
    assert json.loads(str(q[1][2]))["订单创建时间"] == "不是时间"
    assert {(r.reason, r.rows) for r in report.quarantined} == {("paid before created", 1),
                                                              ("not a date/time: created_at", 1)}


def test_gbk_file_is_transcoded_not_mojibake(shop: Shop, tmp_path: Path) -> None:
    """The same Chinese text saved as GBK and as UTF-8 loads to identical rows."""
    text = ("订单编号,买家会员名,订单创建时间,买家实付金额\n"
            "B1,张三丰,2024-01-02 03:04:05,12.30\nB2,欧阳娜娜,2024-01-03,7\n")
    (tmp_path / "gbk.csv").write_bytes(text.encode("gbk"))
    (tmp_path / "utf8.csv").write_bytes(text.encode("utf-8"))
    report = shop.ingest(tmp_path / "gbk.csv")
    assert report.files[0].encoding == "gb18030"
    Shop(shop.warehouse, "u").ingest(tmp_path / "utf8.csv")
    sql = "SELECT order_id, customer_id, created_at, pay_amount FROM orders WHERE shop_id = ? ORDER BY 1"
    gbk = rows(shop, sql)
    assert gbk == shop.warehouse.con.execute(sql, ["u"]).fetchall()
    assert [r[1] for r in gbk] == ["张三丰", "欧阳娜娜"]


def test_latin1_text_is_refused_rather_than_read_as_chinese(shop: Shop, tmp_path: Path) -> None:
    """Latin-1 accents happen to be valid GBK byte pairs; the loader must not turn them into Chinese."""
    text = "order_id,customer_id,created_at\nX1,Amélie Gérard Noël,2024-01-01\nX2,Zoë Müller,2024-01-02\n"
    (tmp_path / "latin1.csv").write_bytes(text.encode("latin-1"))
    with pytest.raises(IngestError, match="encoding"):
        shop.ingest(tmp_path / "latin1.csv")
    assert count(shop, "orders") == 0


def test_every_format_loads_the_same_rows(shop: Shop, tmp_path: Path) -> None:
    """One order table as TSV, semicolon CSV, XLSX, Parquet and JSON Lines: 5 files x 2 rows = 10 orders."""
    header = ["order_id", "created_at", "pay_amount"]
    data = [["{p}1", "2024-02-01 08:00:00", "10.50"], ["{p}2", "2024-02-02 09:30:00", "4.25"]]

    def body(prefix: str) -> list[list[str]]:
        return [[v.format(p=prefix) for v in row] for row in data]

    (tmp_path / "a.tsv").write_text("\n".join("\t".join(r) for r in [header, *body("T")]) + "\n")
    (tmp_path / "b.csv").write_text("\n".join(";".join(r) for r in [header, *body("S")]) + "\n")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for r in [header, *body("X")]:
        sheet.append(r)
    book.save(tmp_path / "c.xlsx")
    cols = list(zip(*body("P"), strict=True))
    pq.write_table(pa.table({h: list(c) for h, c in zip(header, cols, strict=True)}), tmp_path / "d.parquet")
    (tmp_path / "e.jsonl").write_text("".join(json.dumps(dict(zip(header, r, strict=True))) + "\n"
                                              for r in body("J")))
    report = shop.ingest(tmp_path)
    assert len(report.files) == 5
    assert rows(shop, "SELECT count(*), sum(pay_amount) FROM orders WHERE shop_id = ?") == [(10, Decimal("73.75"))]
    assert rows(shop, "SELECT DISTINCT created_at FROM orders WHERE shop_id = ? AND order_id LIKE '%2'")[0][0] \
        .isoformat() == "2024-02-02T09:30:00"


def test_a_line_with_too_many_fields_is_named_and_nothing_is_lost(shop: Shop, tmp_path: Path) -> None:
    """Line 3 of the file (the second order) has four fields under a three-column header: the run names
    that line and its text, loads nothing, and the one order loaded earlier is still there."""
    (tmp_path / "ok.csv").write_text("order_id,created_at,pay_amount\nA0,2024-01-01 09:00:00,5.00\n")
    shop.ingest(tmp_path / "ok.csv")
    (tmp_path / "bad.csv").write_text(
        "order_id,created_at,pay_amount\nA1,2024-01-01 10:00:00,10.00\n"
        "A2,2024-01-02 10:00:00,20.00,extra\nA3,2024-01-03 10:00:00,30.00\n"
    )
    with pytest.raises(IngestError, match=r"1 malformed line.*line 3: .*Found: 4 \[A2,2024-01-02") as info:
        shop.ingest(tmp_path / "bad.csv")
    assert "Nothing was loaded" in info.value.en and "Fix or delete" in info.value.hint_en
    assert shop.table("orders").order_id.execute().tolist() == ["A0"]


def test_a_file_cut_off_in_its_last_row_says_so_once_and_nothing_is_lost(shop: Shop, tmp_path: Path) -> None:
    """An export of eight columns whose download stopped in its third row (no line break at the end): one error
    naming line 4 and the cut, not one per missing column; the order loaded before stays. With the line break
    back, the same short row is a malformed line, counted once."""
    header = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    (tmp_path / "ok.csv").write_text(header + "1,P1,A,1,2011-12-01 09:00:00,2.00,13001,France\n")
    shop.ingest(tmp_path / "ok.csv", preset="online-retail")
    cut = header + "2,P1,A,1,2011-12-02 09:00:00,2.00,13002,France\n3,P2,B,2,2011-12-02 10:00:00,3.00,13003,Fr\n" \
        "4,P2,CREAM CUPID HEARTS COA"
    (tmp_path / "cut.csv").write_text(cut)
    with pytest.raises(IngestError, match=r"cut.csv ends in the middle of a row \(line 4\)") as info:
        shop.ingest(tmp_path / "cut.csv", preset="online-retail")
    assert "Download the export again" in info.value.hint_en and "Nothing was loaded" in info.value.en
    (tmp_path / "cut.csv").write_text(cut + "\n")
    with pytest.raises(IngestError, match=r"has 1 malformed line\(s\).*line 4: .*Found: 3 \[4,P2,CREAM"):
        shop.ingest(tmp_path / "cut.csv", preset="online-retail")
    assert shop.table("orders").order_id.execute().tolist() == ["1"]


def test_offsets_and_unix_seconds_become_shop_local_time(shop: Shop, tmp_path: Path) -> None:
    """Shop in Asia/Shanghai (UTC+8): 00:00Z -> 08:00; 10:00 -0500 -> 23:00; 1700000000 (2023-11-14 22:13:20Z)
    -> 2023-11-15 06:13:20; a naive time stays as written."""
    (tmp_path / "t.csv").write_text(
        "order_id,created_at\nZ,2024-01-01T00:00:00Z\nN,2024-01-01 10:00:00 -0500\nU,1700000000\n"
        "L,2024-01-01 10:00:00\n")
    shop.ingest(tmp_path / "t.csv")
    got = {o: t.isoformat() for o, t in rows(shop, "SELECT order_id, created_at FROM orders WHERE shop_id = ?")}
    assert got == {"Z": "2024-01-01T08:00:00", "N": "2024-01-01T23:00:00", "U": "2023-11-15T06:13:20",
                   "L": "2024-01-01T10:00:00"}


def test_missing_columns_name_what_was_expected_and_found(shop: Shop, tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("foo,bar\n1,2\n")
    with pytest.raises(IngestError) as exc:
        shop.ingest(tmp_path / "x.csv")
    assert "order_id" in exc.value.en and "foo, bar" in exc.value.en and "foo, bar" in exc.value.zh
    (tmp_path / "y.csv").write_text("order_id,amount\n1,2\n")
    with pytest.raises(IngestError, match=r"orders needs order_id, created_at \(missing created_at\)"):
        shop.ingest(tmp_path / "y.csv", table="orders")


def test_map_option_overrides_the_alias_table(shop: Shop, tmp_path: Path) -> None:
    """'成交时刻' is no alias; --map 成交时刻=created_at makes the file loadable."""
    (tmp_path / "m.csv").write_text("单号,成交时刻,实付\nM1,2024-03-01 12:00,9.90\n")
    with pytest.raises(IngestError):
        shop.ingest(tmp_path / "m.csv")
    shop.ingest(tmp_path / "m.csv", mapping=["单号=order_id", "成交时刻=orders.created_at", "实付=pay_amount"])
    assert rows(shop, "SELECT order_id, pay_amount FROM orders WHERE shop_id = ?") == [("M1", Decimal("9.90"))]
    with pytest.raises(ConfigError):
        shop.ingest(tmp_path / "m.csv", mapping=["no-equals-sign"])
    with pytest.raises(ConfigError, match="not a column of orders"):
        shop.ingest(tmp_path / "m.csv", mapping=["单号=order_id", "成交时刻=created_at", "实付=pay_amout"])


def test_canonical_names_outside_the_alias_table_match(shop: Shop, tmp_path: Path) -> None:
    """visitor_id and address_hash have no aliases but their own names match; benchmarks needs --table."""
    (tmp_path / "v.csv").write_text("order_id,created_at,visitor_id,address_hash\nV1,2024-01-01,vis-9,ab12\n")
    (tmp_path / "b.csv").write_text("date,metric,level,value\n2024-01-01,conversion_rate,peer_avg,0.031\n")
    shop.ingest(tmp_path / "v.csv")
    shop.ingest(tmp_path / "b.csv", table="benchmarks")
    assert rows(shop, "SELECT visitor_id, address_hash FROM orders WHERE shop_id = ?") == [("vis-9", "ab12")]
    assert rows(shop, "SELECT metric, value FROM benchmarks WHERE shop_id = ?") == [("conversion_rate", 0.031)]


def test_order_items_rules_and_derived_line_numbers(shop: Shop, tmp_path: Path) -> None:
    """Lines without a line number get 1, 2, ... per order in file order; quantity -1 and 1.5 are rejected."""
    (tmp_path / "i.csv").write_text(
        "订单编号,商品ID,购买数量,单价\nO1,P1,2,3.00\nO1,P2,1,5.00\nO2,P1,-1,3.00\nO3,P1,1.5,3.00\nO3,P2,4,1.25\n")
    report = shop.ingest(tmp_path / "i.csv")
    assert rows(shop, "SELECT order_id, line_no, product_id FROM order_items WHERE shop_id = ? ORDER BY 1, 2") == [
        ("O1", 1, "P1"), ("O1", 2, "P2"), ("O3", 1, "P2")]
    assert {(r.reason, r.rows) for r in report.quarantined} == {("negative quantity", 1),
                                                              ("not a whole number: quantity", 1)}


def test_events_reviews_validation(shop: Shop, tmp_path: Path) -> None:
    """Event types go through their aliases (pv, 加购); 'teleport' is unknown. Ratings outside 1-5 rejected."""
    (tmp_path / "e.csv").write_text(
        "event_id,visitor_id,ts,event_type\n1,v,2024-01-01 00:00,pv\n2,v,2024-01-01 00:01,加购\n"
        "3,v,2024-01-01 00:02,teleport\n")
    (tmp_path / "r.csv").write_text("review_id,created_at,rating\nr1,2024-01-01,5\nr2,2024-01-01,0\n")
    report = shop.ingest([tmp_path / "e.csv", tmp_path / "r.csv"])
    assert rows(shop, "SELECT event_type FROM events WHERE shop_id = ? ORDER BY event_id") == [
        ("product_view",), ("add_to_cart",)]
    assert count(shop, "reviews") == 1
    assert {r.reason for r in report.quarantined} == {"unknown event type", "rating outside 1-5: rating"}


def test_duplicate_keys_in_one_file_keep_the_last_row(shop: Shop, tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("order_id,created_at,pay_amount\nD1,2024-01-01,1\nD1,2024-01-01,2\n")
    report = shop.ingest(tmp_path / "d.csv")
    assert rows(shop, "SELECT pay_amount FROM orders WHERE shop_id = ?") == [(Decimal("2.00"),)]
    assert [(r.reason, r.examples[0].source_line) for r in report.quarantined] == [("duplicate key", 1)]


def test_reload_is_idempotent_and_a_changed_file_updates_rows(shop: Shop, tmp_path: Path) -> None:
    """Same file twice: same counts (orders, quarantine). Then O2's amount changes 5 -> 6 and the bad row is
    fixed: orders updated in place, the file's old quarantine rows are gone."""
    f = tmp_path / "o.csv"
    f.write_text("order_id,created_at,pay_amount\nO1,2024-01-01,1\nO2,2024-01-02,5\nO3,oops,1\n")
    shop.ingest(f)
    shop.ingest(f)
    assert (count(shop, "orders"), count(shop, "quarantine"), count(shop, "loads")) == (2, 1, 2)
    assert rows(shop, "SELECT DISTINCT table_name, rows_loaded, rows_quarantined, preset FROM loads "
                      "WHERE shop_id = ?") == [("orders", 2, 1, None)]
    f.write_text("order_id,created_at,pay_amount\nO1,2024-01-01,1\nO2,2024-01-02,6\nO3,2024-01-03,1\n")
    shop.ingest(f)
    assert rows(shop, "SELECT order_id, pay_amount FROM orders WHERE shop_id = ? ORDER BY 1") == [
        ("O1", Decimal("1.00")), ("O2", Decimal("6.00")), ("O3", Decimal("1.00"))]
    assert count(shop, "quarantine") == 0
    shas = rows(shop, "SELECT count(DISTINCT file_sha256) FROM loads WHERE shop_id = ?")
    assert shas == [(2,)]


def test_strict_loads_nothing_and_raises_exit_code_3(shop: Shop) -> None:
    with pytest.raises(StrictIngestError) as exc:
        shop.ingest(FIXTURES / "orders_zh_bom.csv", strict=True)
    assert exc.value.exit_code == 3 and "2" in exc.value.en
    assert (count(shop, "orders"), count(shop, "quarantine"), count(shop, "shops"), count(shop, "loads")) == (
        0, 0, 0, 0)


def test_a_failing_file_rolls_back_the_whole_run(shop: Shop, tmp_path: Path) -> None:
    """good.csv loads first, then bad.csv has no usable columns: nothing of the run is kept."""
    shop.ingest(FIXTURES / "orders_zh_bom.csv")
    before = count(shop, "orders"), count(shop, "quarantine"), count(shop, "loads")
    (tmp_path / "a_good.csv").write_text("order_id,created_at\nG1,2024-01-01\n")
    (tmp_path / "b_bad.csv").write_text("nothing,useful\n1,2\n")
    with pytest.raises(IngestError):
        shop.ingest(tmp_path)
    assert (count(shop, "orders"), count(shop, "quarantine"), count(shop, "loads")) == before


def test_report_is_json_serialisable(shop: Shop) -> None:
    report = shop.ingest(FIXTURES / "orders_zh_bom.csv")
    data = json.loads(report.to_json())
    assert data["rows_loaded"] == 2 and data["rows_quarantined"] == 2 and data["committed"] is True
    assert data["quarantined"][0]["examples"][0]["source_file"].endswith("orders_zh_bom.csv")


def test_bad_paths_and_options_are_clear_errors(shop: Shop, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="No such file"):
        shop.ingest(tmp_path / "missing.csv")
    with pytest.raises(ConfigError, match="Unknown preset"):
        shop.ingest(FIXTURES / "orders_zh_bom.csv", preset="nope")
    with pytest.raises(ConfigError):
        shop.ingest(FIXTURES / "orders_zh_bom.csv", table="quarantine")
    (tmp_path / "broken.jsonl").write_text('{"order_id": "1"\n')
    with pytest.raises(IngestError, match="Cannot read"):
        shop.ingest(tmp_path / "broken.jsonl")


def test_header_normalisation() -> None:
    assert normalise(" Order_ID ") == normalise("order id") == "orderid"
    assert normalise("买家实际支付金额（元）") == "买家实际支付金额"


def test_utf16_tab_text_from_excel(shop: Shop, tmp_path: Path) -> None:
    """Excel's "Unicode text": UTF-16 with BOM, tab-separated."""
    text = "订单编号\t订单创建时间\t买家实付金额\nU1\t2024-06-01 10:00\t8.80\n"
    (tmp_path / "u.txt").write_bytes(text.encode("utf-16"))
    report = shop.ingest(tmp_path / "u.txt")
    assert report.files[0].encoding == "utf-16"
    assert rows(shop, "SELECT order_id, pay_amount FROM orders WHERE shop_id = ?") == [("U1", Decimal("8.80"))]


def test_docs_cover_every_preset_alias_and_reason() -> None:
    from junshi.ingest import PRESETS
    from junshi.ingest.aliases import ALIASES
    from junshi.ingest.reasons import ZH

    doc = (Path(__file__).parents[1] / "docs" / "ingest.md").read_text(encoding="utf-8")
    assert all(f"### `{name}`" in doc for name in PRESETS)
    assert all(alias in doc for cols in ALIASES.values() for names in cols.values() for alias in names)
    assert all(f"`{reason}" in doc or f"{reason}`" in doc for reason in ZH)


def test_blank_key_is_quarantined_not_a_crash(shop: Shop, tmp_path: Path) -> None:
    """A key of only spaces counts as missing; a price of spaces is missing too, not 'not a number'."""
    (tmp_path / "b.csv").write_text('order_id,created_at,pay_amount\n"   ",2024-01-01,1\nK2,2024-01-01,"  "\n')
    report = shop.ingest(tmp_path / "b.csv")
    assert [(r.reason, r.rows) for r in report.quarantined] == [("missing value: order_id", 1)]
    assert rows(shop, "SELECT order_id, pay_amount FROM orders WHERE shop_id = ?") == [("K2", None)]
