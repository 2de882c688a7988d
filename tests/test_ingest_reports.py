"""Platform report presets (sycm, alimama, jd-shangzhi) on small files written from the platforms' published
column lists (/work/shared/PLATFORMS.md): .xls, .xlsx, GBK and UTF-8-with-BOM CSV, preambles, totals."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlwt

from junshi import Shop
from junshi.errors import IngestError

Row = Sequence[object]


def write_xls(path: Path, rows: Sequence[Row]) -> Path:
    """A legacy BIFF .xls, as 生意参谋 downloads are (numbers as number cells, dates as date cells)."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("sheet1")
    day = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if isinstance(v, dt.date):
                sheet.write(i, j, v, day)
            elif v is not None:
                sheet.write(i, j, v)
    book.save(str(path))
    return path


def write_xlsx(path: Path, rows: Sequence[Row]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def write_csv(path: Path, rows: Sequence[Row], encoding: str) -> Path:
    """A CSV as Excel saves it: every row padded to the widest (preamble rows too)."""
    width = max(len(r) for r in rows)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(
        [["" if v is None else v for v in r] + [""] * (width - len(r)) for r in rows])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def words(text: str) -> list[str]:
    """Headers written as one space-separated string."""
    return text.split()


def rows(shop: Shop, sql: str) -> list[tuple[object, ...]]:
    return shop.warehouse.con.execute(sql, [shop.shop_id]).fetchall()


# ---------------------------------------------------------------------------------------------------- sycm

OVERVIEW_HEAD = words("统计日期 访客数 浏览量 支付金额 支付买家数 支付转化率 客单价 支付子订单数 支付件数 "
                      "加购人数 收藏人数 成功退款金额 老访客数 新访客数 跳失率")


def overview_rows() -> list[Row]:
    return [
        ["生意参谋 整体看板"],
        ["统计时间：2026-03-01 ~ 2026-03-03"],
        [],
        OVERVIEW_HEAD,
        [dt.date(2026, 3, 1), 1200, 3600, "1,234.50", 30, "2.50%", "41.15", 32, 40, 150, 80, "100.00", 400, 800,
         "45.20%"],
        [dt.date(2026, 3, 2), 1000, 2900, 980.25, 25, "2.50%", "39.21", 26, 31, 120, "-", "-", 350, 650, "50.00%"],
        ["2026-03-03", 800.0, 2000, "2,000.00", 20, "2.50%", "100.00", 20, 22, 90, 60, 0, 300, 500, "40.00%"],
        ["合计", 3000, 8500, "4,214.75", 75, "", "", 78, 93, 360, 140, "100.00", 1050, 1950, ""],
    ]


def test_sycm_overview_xls_with_preamble_and_total_row(shop: Shop, tmp_path: Path) -> None:
    """Three days of 整体看板 in a legacy .xls below a 3-row preamble, then a 合计 row (skipped).

    uv 1200 + 1000 + 800 = 3000; sales 1,234.50 + 980.25 + 2,000.00 = 4,214.75; paid_buyers 30 + 25 + 20 = 75;
    favorites 80 + (none) + 60 = 140 from two days; bounce 45.20% -> 0.452. Rates (支付转化率, 客单价) are not stored.
    """
    path = write_xls(tmp_path / "生意参谋_整体看板_2026-03-01_2026-03-03.xls", overview_rows())
    report = shop.ingest(path, preset="sycm")
    f = report.files[0]
    assert (f.preset, f.kind, f.rows_read, f.rows_loaded, f.rows_skipped) == ("sycm", "overview", 4, 3, 1)
    assert set(f.ignored_columns) == {"支付转化率", "客单价"}
    assert rows(shop, "SELECT count(*), sum(uv), sum(pv), sum(sales), sum(paid_buyers), sum(paid_orders), "
                      "sum(units), count(favorite_visitors), sum(favorite_visitors), sum(refund_amount), "
                      "min(days), max(days) FROM daily_shop WHERE shop_id = ?") == [
        (3, 3000, 8500, Decimal("4214.75"), 75, 78, 93, 2, 140, Decimal("100.00"), 1, 1)]
    assert rows(shop, "SELECT date, bounce_rate, new_visitors, returning_visitors FROM daily_shop "
                      "WHERE shop_id = ? ORDER BY date") == [
        (dt.date(2026, 3, 1), pytest.approx(0.452), 800, 400), (dt.date(2026, 3, 2), pytest.approx(0.5), 650, 350),
        (dt.date(2026, 3, 3), pytest.approx(0.4), 500, 300)]
    assert shop.settings["currency"] == "CNY" and shop.settings["timezone"] == "Asia/Shanghai"


SOURCE_HEAD = words("流量来源 来源明细 访客数 浏览量 支付金额 支付买家数 支付转化率 客单价 UV价值 加购人数 "
               "收藏人数 下单买家数 下单转化率")


def source_rows() -> list[Row]:
    return [
        ["店铺来源"],
        ["终端：无线"],
        SOURCE_HEAD,
        ["淘内免费", "", "900", "2,700", "1,500.00", "30", "3.33%", "50.00", "1.67", "100", "40", "35", "3.89%"],
        ["淘内免费", "手淘搜索", "600", "1,800", "1,000.00", "20", "3.33%", "50.00", "1.67", "70", "30", "24", "4.00%"],
        ["淘内免费", "手淘推荐", "400", "900", "500.00", "10", "2.50%", "50.00", "1.25", "30", "10", "11", "2.75%"],
        ["付费流量", "直通车", "300", "600", "450.50", "9", "3.00%", "50.06", "1.50", "25", "5", "10", "3.33%"],
        ["淘外流量", "", "50", "80", "-", "0", "0.00%", "-", "0.00", "2", "1", "0", "0.00%"],
        ["自主访问", "购物车", "200", "500", "800.00", "16", "8.00%", "50.00", "4.00", "-", "-", "18", "9.00%"],
    ]


def test_sycm_sources_gbk_csv_date_in_file_name(shop: Shop, tmp_path: Path) -> None:
    """店铺来源 as a GBK CSV; the date is only in the file name, the terminal (无线) only in the preamble.

    The 淘内免费 row without 来源明细 is the subtotal of its two detail rows: skipped. 淘外流量 has no detail
    rows: kept as source 淘外流量. uv 600 + 400 + 300 + 50 + 200 = 1550 (visitors from two sources count in
    both, so this is not the shop's uv); sales 1,000 + 500 + 450.50 + (none) + 800 = 2,750.50 from 4 rows;
    pv 1,800 + 900 + 600 + 80 + 500 = 3,880.
    """
    path = write_csv(tmp_path / "生意参谋_店铺来源_2026-03-05_2026-03-05.csv", source_rows(), "gbk")
    report = shop.ingest(path, preset="sycm")
    f = report.files[0]
    assert (f.encoding, f.kind, f.rows_loaded, f.rows_skipped) == ("gb18030", "sources", 5, 1)
    assert rows(shop, "SELECT DISTINCT date, days, device FROM daily_source WHERE shop_id = ?") == [
        (dt.date(2026, 3, 5), 1, "无线")]
    assert rows(shop, "SELECT sum(uv), sum(sales), sum(pv), count(sales) FROM daily_source WHERE shop_id = ?") == [
        (1550, Decimal("2750.50"), 3880, 4)]
    assert rows(shop, "SELECT source_1, source, uv FROM daily_source WHERE shop_id = ? ORDER BY uv DESC") == [
        ("淘内免费", "手淘搜索", 600), ("淘内免费", "手淘推荐", 400), ("付费流量", "直通车", 300),
        ("自主访问", "购物车", 200), ("淘外流量", "淘外流量", 50)]


PRODUCT_HEAD = words("商品ID 商品名称 货号 商品状态 商品访客数 商品浏览量 平均停留时长 商品详情页跳出率 "
                "商品收藏人数 商品加购件数 商品加购人数 下单买家数 下单件数 下单金额 下单转化率 支付买家数 "
                "支付件数 支付金额 商品支付转化率 支付新买家数 支付老买家数 成功退款金额 搜索引导访客数 "
                "搜索引导支付买家数")


def product_rows() -> list[Row]:
    return [
        ["商品效果"],
        ["统计时间：2026-03-01 ~ 2026-03-07"],
        PRODUCT_HEAD,
        [650123456789, "春季连衣裙", "QZ-001", "当前在线", 5000, 12000, 35.5, "60.00%", 300, 420, 380, 150, 170,
         "25,500.00", "3.00%", 120, 135, "20,250.00", "2.40%", 100, 20, "1,500.00", 2000, 50],
        ["650123456790", "纯棉T恤", "TX-002", "当前在线", 2000, 4000, "20", "55.50%", 100, 150, 140, 60, 80,
         "6,400.00", "3.00%", 50, 70, "5,600.00", "2.50%", 45, 5, "-", 800, 20],
    ]


def test_sycm_products_xlsx_period_row_and_long_ids(shop: Shop, tmp_path: Path) -> None:
    """A 7-day 商品效果 (.xlsx) without a per-row date: one period row per item (date 2026-03-01, days 7).

    The first id is a number cell in the workbook: it must stay 650123456789 (never 6.5e11 or ...789.0).
    sales 20,250.00 + 5,600.00 = 25,850.00; units 135 + 70 = 205; bounce 60.00% -> 0.6.
    """
    path = write_xlsx(tmp_path / "商品效果.xlsx", product_rows())
    shop.ingest(path, preset="sycm")
    assert rows(shop, "SELECT product_id, date, days, uv, units, sales, bounce_rate, avg_visit_seconds, "
                      "refund_amount FROM daily_product WHERE shop_id = ? ORDER BY product_id") == [
        ("650123456789", dt.date(2026, 3, 1), 7, 5000, 135, Decimal("20250.00"), pytest.approx(0.6), 35.5,
         Decimal("1500.00")),
        ("650123456790", dt.date(2026, 3, 1), 7, 2000, 70, Decimal("5600.00"), pytest.approx(0.555), 20.0, None)]
    assert rows(shop, "SELECT product_id, name FROM products WHERE shop_id = ? ORDER BY 1") == [
        ("650123456789", "春季连衣裙"), ("650123456790", "纯棉T恤")]


def test_sycm_products_keep_stored_price(shop: Shop, tmp_path: Path) -> None:
    """A report names a product but has no price: the price stored before is kept, the name updated."""
    shop.warehouse.con.execute("INSERT INTO products (shop_id, product_id, name, price) VALUES "
                               "(?, '650123456789', 'old', 199.00)", [shop.shop_id])
    shop.ingest(write_xlsx(tmp_path / "商品效果.xlsx", product_rows()), preset="sycm")
    assert rows(shop, "SELECT name, price FROM products WHERE shop_id = ? AND product_id = '650123456789'") == [
        ("春季连衣裙", Decimal("199.00"))]


def test_sycm_utf8_bom_daily_rows_replace_on_reload(shop: Shop, tmp_path: Path) -> None:
    """UTF-8-with-BOM overview CSV with per-row 统计日期: loading it twice keeps 3 rows (replaced by key)."""
    data = [r for r in overview_rows()[3:] if r[0] != "合计"]
    path = write_csv(tmp_path / "取数.csv", [[str(v) for v in r] for r in data], "utf-8-sig")
    shop.ingest(path, preset="sycm")
    report = shop.ingest(path, preset="sycm")
    assert report.files[0].encoding == "utf-8-sig"
    assert rows(shop, "SELECT count(*), sum(uv) FROM daily_shop WHERE shop_id = ?") == [(3, 3000)]


def test_sycm_bad_values_are_quarantined_not_stored(shop: Shop, tmp_path: Path) -> None:
    """A visitor count of 'abc' and a negative sales figure are quarantined; the good day loads."""
    data = [OVERVIEW_HEAD[:5],
            ["2026-03-01", "100", "300", "50.00", "2"],
            ["2026-03-02", "abc", "300", "50.00", "2"],
            ["2026-03-03", "100", "300", "-5.00", "2"]]
    report = shop.ingest(write_csv(tmp_path / "o.csv", data, "utf-8"), preset="sycm")
    assert {(r.reason, r.rows) for r in report.quarantined} == {("not a whole number: uv", 1),
                                                              ("negative value: sales", 1)}
    assert rows(shop, "SELECT date, uv FROM daily_shop WHERE shop_id = ?") == [(dt.date(2026, 3, 1), 100)]


def test_report_without_a_date_is_refused(shop: Shop, tmp_path: Path) -> None:
    """No date column, no 统计时间 line, no date in the file name: refused with that reason, nothing kept."""
    data = [["访客数", "支付金额"], ["100", "50.00"]]
    with pytest.raises(IngestError, match="date cannot be found") as e:
        shop.ingest(write_csv(tmp_path / "overview.csv", data, "utf-8"), preset="sycm")
    assert "统计时间" in e.value.zh
    assert rows(shop, "SELECT count(*) FROM daily_shop WHERE shop_id = ?") == [(0,)]


def test_sycm_file_of_no_known_kind_names_the_missing_headers(shop: Shop, tmp_path: Path) -> None:
    data = [["统计日期", "浏览量"], ["2026-03-01", "100"]]
    with pytest.raises(IngestError) as e:
        shop.ingest(write_csv(tmp_path / "x.csv", data, "utf-8"), preset="sycm")
    assert "sycm/overview" in e.value.en and "访客数" in e.value.en and "来源明细" in e.value.en


def test_sycm_id_in_scientific_notation_is_quarantined(shop: Shop, tmp_path: Path) -> None:
    """A CSV once saved by a spreadsheet has 6.50123E+11 for the id: its digits are lost, so it is refused."""
    data = [["统计日期", "商品ID", "商品访客数", "支付金额"], ["2026-03-01", "6.50123E+11", "10", "1.00"],
            ["2026-03-01", "650123456790", "10", "1.00"]]
    report = shop.ingest(write_csv(tmp_path / "p.csv", data, "utf-8"), preset="sycm")
    assert [r.reason for r in report.quarantined] == ["id in scientific notation: product_id"]
    assert rows(shop, "SELECT product_id FROM daily_product WHERE shop_id = ?") == [("650123456790",)]
