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


# ------------------------------------------------------------------------------------------------- alimama

WXT_HEAD = words("日期 效果模型 统计口径 转化周期 计划ID 计划名称 消耗 曝光量 点击量 点击率 点击成本 "
                 "直接加购数 间接加购数 总加购数 收藏宝贝量 直接成交笔数 间接成交笔数 总成交笔数 "
                 "直接成交金额 间接成交金额 总成交金额 投入产出比")


def test_alimama_wanxiangtai_gbk_keeps_settings_apart_and_drops_total(shop: Shop, tmp_path: Path) -> None:
    """万相台 plan report (GBK CSV). Plan 春季上新 on 03-01 under 转化周期 15天 and 7天: two rows (the setting is part
    of the key, never added together). A 合计 row is skipped.

    cost 1,200.50 + 1,200.50 + 300.00 = 2,701.00 over 3 rows; under 15天 only: 1,200.50 + 300.00 = 1,500.50;
    conversion_value 15天: 5,000.00 + 900.00 = 5,900.00. cart_adds = 总加购数 (12 + 3), favorites = 收藏宝贝量.
    """
    data = [WXT_HEAD,
            ["2026-03-01", "展现+点击", "触发时间", "15天", "100000001", "春季上新", "1,200.50", "50,000", "1,000",
             "2.00%", "1.20", 10, 2, 12, 8, 20, 5, 25, "4,000.00", "1,000.00", "5,000.00", "4.16"],
            ["2026-03-01", "展现+点击", "触发时间", "7天", "100000001", "春季上新", "1,200.50", "50,000", "1,000",
             "2.00%", "1.20", 9, 1, 10, 8, 18, 4, 22, "3,600.00", "800.00", "4,400.00", "3.67"],
            ["2026-03-01", "展现+点击", "触发时间", "15天", "100000002", "清仓", "300.00", "8,000", "200", "2.50%",
             "1.50", 3, 0, 3, 1, 5, 1, 6, "800.00", "100.00", "900.00", "3.00"],
            ["合计", "", "", "", "", "", "2,701.00", "108,000", "2,200", "", "", 22, 3, 25, 17, 43, 10, 53, "", "",
             "", ""]]
    report = shop.ingest(write_csv(tmp_path / "万相台_计划报表_2026-03-01_2026-03-01.csv", data, "gbk"),
                         preset="alimama")
    f = report.files[0]
    assert (f.kind, f.rows_loaded, f.rows_skipped, report.rows_quarantined) == ("wanxiangtai", 3, 1, 0)
    assert rows(shop, "SELECT count(*), sum(cost), sum(impressions), sum(clicks) FROM ad_spend WHERE shop_id = ?") == [
        (3, Decimal("2701.00"), 108000, 2200)]
    assert rows(shop, "SELECT sum(cost), sum(conversion_value), sum(conversions), sum(cart_adds), sum(favorites) "
                      "FROM ad_spend WHERE shop_id = ? AND attribution_window = '15天'") == [
        (Decimal("1500.50"), Decimal("5900.00"), 31, 15, 9)]
    assert rows(shop, "SELECT DISTINCT channel, attribution_model, attribution_basis FROM ad_spend "
                      "WHERE shop_id = ?") == [("万相台", "展现+点击", "触发时间")]
    assert rows(shop, "SELECT campaign_id, direct_conversion_value, indirect_conversion_value FROM ad_spend "
                      "WHERE shop_id = ? AND campaign = '清仓'") == [("100000002", Decimal("800.00"),
                                                                      Decimal("100.00"))]


def test_alimama_item_report_one_row_per_item_and_plan(shop: Shop, tmp_path: Path) -> None:
    """商品报表 (UTF-8 with BOM) with the 商品, 计划 breakdown: item 650123456789 in two plans on 03-02 -> two rows.

    cost 80.00 + 20.00 + 50.00 = 150.00; conversion_value = 总成交金额 400 + 0 + 250 = 650.00; the item's cost 100.00.
    """
    head = words("日期 主体ID 主体名称 主体类型 计划ID 计划名称 展现量 点击量 花费 点击率 平均点击花费 千次展现花费 "
                 "直接成交金额 间接成交金额 总成交金额 净成交金额 实际投产比 总购物车数 收藏宝贝数")
    data = [head,
            ["2026-03-02", "650123456789", "春季连衣裙", "商品", "1001", "计划A", "4000", "100", "80.00", "2.50%",
             "0.80",
             "20.00", "300.00", "100.00", "400.00", "380.00", "5.00", "12", "4"],
            ["2026-03-02", "650123456789", "春季连衣裙", "商品", "1002", "计划B", "1000", "25", "20.00", "2.50%",
             "0.80",
             "20.00", "0.00", "0.00", "0.00", "0.00", "0.00", "2", "-"],
            ["2026-03-02", "650123456790", "纯棉T恤", "商品", "1001", "计划A", "3000", "60", "50.00", "2.00%", "0.83",
             "16.67", "200.00", "50.00", "250.00", "250.00", "5.00", "5", "1"],
            ["总计", "", "", "", "", "", "8000", "185", "150.00", "", "", "", "", "", "650.00", "", "", "19", "5"]]
    report = shop.ingest(write_csv(tmp_path / "商品报表_20260302.csv", data, "utf-8-sig"), preset="alimama")
    assert (report.files[0].kind, report.files[0].rows_skipped) == ("items", 1)
    assert rows(shop, "SELECT sum(cost), sum(conversion_value), count(*) FROM ad_spend WHERE shop_id = ?") == [
        (Decimal("150.00"), Decimal("650.00"), 3)]
    assert rows(shop, "SELECT campaign, cost, favorites FROM ad_spend WHERE shop_id = ? "
                      "AND product_id = '650123456789' ORDER BY campaign") == [
        ("计划A", Decimal("80.00"), 4), ("计划B", Decimal("20.00"), None)]
    assert rows(shop, "SELECT DISTINCT channel FROM ad_spend WHERE shop_id = ?") == [("万相台",)]


def test_alimama_ztc_plan_report_xls_and_yinli_settings_in_preamble(shop: Shop, tmp_path: Path) -> None:
    """A 直通车 plan report (.xls, 合计 row) and a 引力魔方 one whose settings are in the preamble.

    直通车: cost 100.00 + 60.00 = 160.00, 总成交金额 500.00 + 0.00; 引力魔方 cost 40.00 with 效果模型 点击,
    统计口径 转化时间, 转化周期 7天; the channel of each comes from its file name.
    """
    head = words("日期 场景ID 场景名字 计划ID 计划名字 展现量 点击量 花费 直接成交金额 间接成交金额 总成交金额 "
                 "总成交笔数")
    ztc = write_xls(tmp_path / "直通车_计划报表_2026-03-03_2026-03-03.xls", [
        head, ["2026-03-03", 1, "日常推广", 200000001, "连衣裙-搜索", 10000, 300, 100.0, 400.0, 100.0, 500.0, 5],
        ["2026-03-03", 1, "日常推广", 200000002, "T恤-搜索", 5000, 100, "60.00", "0.00", "0.00", "0.00", 0],
        ["合计", "", "", "", "", 15000, 400, 160.0, 400.0, 100.0, 500.0, 5]])
    yinli = write_csv(tmp_path / "引力魔方_计划报表.csv", [
        ["效果模型：点击 统计口径：转化时间 转化周期：7天"],
        ["统计时间：2026-03-03 ~ 2026-03-03"],
        head[3:9],
        ["300000001", "拉新人群", "20000", "150", "40.00", "120.00"]], "gbk")
    report = shop.ingest([ztc, yinli], preset="alimama")
    assert [f.kind for f in report.files] == ["plans", "plans"]
    assert rows(shop, "SELECT channel, sum(cost), sum(conversion_value), count(*) FROM ad_spend WHERE shop_id = ? "
                      "GROUP BY channel ORDER BY channel") == [
        ("引力魔方", Decimal("40.00"), Decimal("120.00"), 1), ("直通车", Decimal("160.00"), Decimal("500.00"), 2)]
    assert rows(shop, "SELECT date, campaign_id, attribution_model, attribution_basis, attribution_window "
                      "FROM ad_spend WHERE shop_id = ? AND channel = '引力魔方'") == [
        (dt.date(2026, 3, 3), "300000001", "点击", "转化时间", "7天")]


def test_alimama_period_without_daily_rows_is_quarantined(shop: Shop, tmp_path: Path) -> None:
    """Ad rows are days: a report for 03-01 ~ 03-07 without a 日期 column cannot be split into days."""
    data = [["统计时间：2026-03-01 ~ 2026-03-07"], ["计划名称", "消耗"], ["春季上新", "700.00"]]
    report = shop.ingest(write_csv(tmp_path / "万相台.csv", data, "utf-8"), preset="alimama")
    assert [r.reason for r in report.quarantined] == ["several days in one row"]
    assert rows(shop, "SELECT count(*) FROM ad_spend WHERE shop_id = ?") == [(0,)]


# --------------------------------------------------------------------------------------------- jd-shangzhi

JD_HEAD = words("时间 SKU SKU名称 一级类目 二级类目 三级类目 成交金额 成交商品件数 成交单量 成交客户数 "
                "商品访客数 商品浏览量 搜索曝光次数 搜索点击次数 商品曝光次数 商品曝光人数 加购客户数 "
                "下单金额 下单单量 下单客户数 取消及售后退款金额")


def test_jd_shangzhi_sku_daily_xls_with_total_row(shop: Shop, tmp_path: Path) -> None:
    """SKU daily (.xls; SKUs as number cells): 2 SKUs x 2 days and a 合计 row (skipped).

    sales 1,999.00 + 299.00 + 3,998.00 + 0.00 = 6,296.00; units 1 + 1 + 2 + 0 = 4; paid_orders 1 + 1 + 2 + 0 = 4;
    refunds 299.00 on 03-01 (取消及售后退款金额); category 一级 > 二级 > 三级.
    """
    data = [JD_HEAD,
            ["2026-03-01", 100012345678, "智能手表 黑色", "数码", "智能设备", "智能手表", "1,999.00", 1, 1, 1, 300, 900,
             5000, 200, 8000, 3000, 20, "3,998.00", 2, 2, "0.00"],
            ["2026-03-01", 100012345679, "表带 白色", "数码", "智能设备", "配件", "299.00", 1, 1, 1, 100, 150, 800, 30,
             1200, 600, 5, "299.00", 1, 1, "299.00"],
            ["2026-03-02", 100012345678, "智能手表 黑色", "数码", "智能设备", "智能手表", "3,998.00", 2, 2, 2, 400,
             1000,
             5200, 210, 8100, 3100, 25, "3,998.00", 2, 2, "-"],
            ["2026-03-02", 100012345679, "表带 白色", "数码", "智能设备", "配件", "0.00", 0, 0, 0, 50, 60, 700, 10,
             1000,
             500, 1, "0.00", 0, 0, "0.00"],
            ["合计", "", "", "", "", "", "6,296.00", 4, 4, 4, 850, 2110, "", "", "", "", 51, "8,295.00", 5, 5,
             "299.00"]]
    report = shop.ingest(write_xls(tmp_path / "商智_商品明细_2026-03-01_2026-03-02.xls", data), preset="jd-shangzhi")
    f = report.files[0]
    assert (f.preset, f.kind, f.rows_loaded, f.rows_skipped) == ("jd-shangzhi", "sku", 4, 1)
    assert rows(shop, "SELECT sum(sales), sum(units), sum(paid_orders), sum(refund_amount), sum(uv), min(days), "
                      "max(days) FROM daily_product WHERE shop_id = ?") == [
        (Decimal("6296.00"), 4, 4, Decimal("299.00"), 850, 1, 1)]
    assert rows(shop, "SELECT product_id, name, category FROM products WHERE shop_id = ? ORDER BY 1") == [
        ("100012345678", "智能手表 黑色", "数码 > 智能设备 > 智能手表"), ("100012345679", "表带 白色",
                                                                          "数码 > 智能设备 > 配件")]
    assert shop.settings["currency"] == "CNY"


def test_jd_shangzhi_sources(shop: Shop, tmp_path: Path) -> None:
    """Traffic sources by 一级/二级来源, the date in the file name: uv 500 + 120 = 620, sales 800.00 + 150.50."""
    data = [words("一级来源 二级来源 三级来源 访客数 浏览量 成交金额 成交客户数"),
            ["京东站内", "搜索", "关键词搜索", "500", "1,500", "800.00", "4"],
            ["京东站外", "广告", "-", "120", "200", "150.50", "1"]]
    shop.ingest(write_csv(tmp_path / "流量来源_2026-03-04.csv", data, "utf-8-sig"), preset="jd-shangzhi")
    assert rows(shop, "SELECT date, source_1, source, source_3, uv, sales FROM daily_source WHERE shop_id = ? "
                      "ORDER BY uv DESC") == [
        (dt.date(2026, 3, 4), "京东站内", "搜索", "关键词搜索", 500, Decimal("800.00")),
        (dt.date(2026, 3, 4), "京东站外", "广告", None, 120, Decimal("150.50"))]


# ------------------------------------------------------------------------------ a folder without --preset

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def mixed_folder(folder: Path) -> Path:
    """生意参谋 overview (.xls) and sources (GBK CSV), a 万相台 report, a 京东商智 SKU report, a Taobao order
    report and a plain orders file for the alias table."""
    folder.mkdir()
    write_xls(folder / "生意参谋_整体看板_2026-03-01_2026-03-03.xls", overview_rows())
    write_csv(folder / "生意参谋_店铺来源_2026-03-05_2026-03-05.csv", source_rows(), "gbk")
    write_csv(folder / "万相台_计划报表.csv", [WXT_HEAD[:7], ["2026-03-01", "点击", "转化时间", "7天", "1", "计划",
                                                              "9.90"]],
              "gbk")
    write_csv(folder / "商品明细.csv", [JD_HEAD[:7], ["2026-03-01", "100012345678", "手表", "数码", "-", "-", "10.00"]],
              "utf-8-sig")
    (folder / "taobao_orders_gbk.csv").write_bytes((FIXTURES / "taobao_orders_gbk.csv").read_bytes())
    (folder / "my_orders.csv").write_text("order_id,created_at,pay_amount\nM1,2026-03-01 10:00,5.50\n")
    return folder


def test_a_folder_of_mixed_exports_loads_without_a_preset(shop: Shop, tmp_path: Path) -> None:
    """Each file is taken as its kind; the figures are the ones the presets load (sums as in the tests above:
    uv 3000 over 3 days, 1550 over the sources; 万相台 cost 9.90; JD sales 10.00; Taobao pay 1,766.00 + 5.50)."""
    report = shop.ingest(mixed_folder(tmp_path / "exports"))
    taken = {Path(f.source_file).name: (f.preset, f.kind, f.tables) for f in report.files}
    assert taken == {
        "生意参谋_整体看板_2026-03-01_2026-03-03.xls": ("sycm", "overview", ["daily_shop"]),
        "生意参谋_店铺来源_2026-03-05_2026-03-05.csv": ("sycm", "sources", ["daily_source"]),
        "万相台_计划报表.csv": ("alimama", "wanxiangtai", ["ad_spend"]),
        "商品明细.csv": ("jd-shangzhi", "sku", ["daily_product", "products"]),
        "taobao_orders_gbk.csv": ("taobao-orders", "orders", ["orders", "refunds", "customers"]),
        "my_orders.csv": (None, None, ["orders"]),
    }
    assert rows(shop, "SELECT (SELECT sum(uv) FROM daily_shop WHERE shop_id = $1), "
                      "(SELECT sum(uv) FROM daily_source WHERE shop_id = $1), "
                      "(SELECT sum(cost) FROM ad_spend WHERE shop_id = $1), "
                      "(SELECT sum(sales) FROM daily_product WHERE shop_id = $1), "
                      "(SELECT sum(pay_amount) FROM orders WHERE shop_id = $1)") == [
        (3000, 1550, Decimal("9.90"), Decimal("10.00"), Decimal("1771.50"))]
    assert rows(shop, "SELECT DISTINCT preset FROM loads WHERE shop_id = ? ORDER BY 1") == [
        ("alimama",), ("jd-shangzhi",), ("sycm",), ("taobao-orders",), (None,)]


def test_a_file_of_no_known_kind_names_the_kinds_and_their_missing_headers(shop: Shop, tmp_path: Path) -> None:
    """One unknown file in the folder: the run fails naming the kinds compared and what each lacked; nothing of
    the other files is kept."""
    folder = mixed_folder(tmp_path / "exports")
    write_csv(folder / "unknown.csv", [["统计日期", "曝光人数"], ["2026-03-01", "5"]], "utf-8")
    with pytest.raises(IngestError) as e:
        shop.ingest(folder)
    text = e.value.en
    assert "unknown.csv" in text and "sycm/overview" in text and "alimama/wanxiangtai" in text
    assert "jd-shangzhi/sku (京东商智 SKU daily report) lacks SKU, SKU名称, 成交金额" in text
    assert "曝光人数" in text and "不是任何已知的文件类型" in e.value.zh
    assert rows(shop, "SELECT (SELECT count(*) FROM daily_shop WHERE shop_id = $1) + "
                      "(SELECT count(*) FROM orders WHERE shop_id = $1)") == [(0,)]


def test_files_of_shops_in_different_currencies_are_refused(shop: Shop, tmp_path: Path) -> None:
    """Online Retail (GBP, Europe/London) beside 生意参谋 (CNY, Asia/Shanghai): different shops."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "retail.csv").write_text("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,"
                                       "Country\n536365,85123A,HEART,6,2010-12-01 08:26,2.55,17850,United Kingdom\n")
    write_xls(folder / "整体看板_2026-03-01_2026-03-03.xls", overview_rows())
    with pytest.raises(IngestError, match="different currencies"):
        shop.ingest(folder)


def test_existing_presets_are_recognised_too(shop: Shop, tmp_path: Path) -> None:
    """The Olist fixture folder without --preset writes what the olist preset writes; a CDNOW master file with
    its header (whitespace-separated) is taken as cdnow."""
    Shop(shop.warehouse, "preset").ingest(FIXTURES / "olist", preset="olist")
    report = shop.ingest(FIXTURES / "olist")
    assert {f.preset for f in report.files} == {"olist"}
    sql = ("SELECT (SELECT count(*) FROM orders WHERE shop_id = $1), (SELECT sum(pay_amount) FROM orders "
           "WHERE shop_id = $1), (SELECT count(*) FROM reviews WHERE shop_id = $1)")
    assert rows(shop, sql) == shop.warehouse.con.execute(sql, ["preset"]).fetchall()
    cd = tmp_path / "CDNOW_master.txt"
    cd.write_text(" customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n")
    other = Shop(shop.warehouse, "cd")
    report = other.ingest(cd)
    assert (report.files[0].preset, report.files[0].kind) == ("cdnow", "master")
    assert other.settings["currency"] == "USD"


def test_docs_list_every_kind_of_file() -> None:
    """docs/ingest.md has the table of every preset's kinds (what a folder without --preset is compared with);
    refresh it with ``python -c "from junshi.ingest.detect import kinds_table; print(kinds_table())"``."""
    from junshi.ingest.detect import kinds_table

    doc = (Path(__file__).parents[1] / "docs" / "ingest.md").read_text(encoding="utf-8")
    assert kinds_table() in doc


def test_sycm_row_ranges_chinese_dates_and_one_item_360(shop: Shop, tmp_path: Path) -> None:
    """Per-row 统计日期 as a range (a 7-day row) or in 年月日; a 商品360 file of one item with its id only in the
    file name, on the PC terminal (a 店铺来源 hint does not apply to products). Item ids ``…791.0`` lose the ``.0``.

    daily_shop: 2026-03-01 (7 days, uv 700) and 2026-03-08 (1 day, uv 90): 790 visitors over 2 rows.
    """
    overview = [["统计日期", "访客数", "支付金额"], ["2026-03-01 ~ 2026-03-07", "700", "70.00"],
                ["2026年3月8日", "90", "9.00"]]
    item = [["统计日期", "商品访客数", "支付金额"], ["2026-03-01", "30", "3.00"], ["2026-03-02", "40", "4.00"]]
    ids = [["统计日期", "商品ID", "商品访客数", "支付金额"], ["2026-03-03", "650123456791.0", "5", "0.50"]]
    shop.ingest([write_csv(tmp_path / "整体.csv", overview, "utf-8"),
                 write_csv(tmp_path / "商品360_650123456789_PC.csv", item, "gbk"),
                 write_csv(tmp_path / "商品效果.csv", ids, "utf-8")], preset="sycm")
    assert rows(shop, "SELECT date, days, uv FROM daily_shop WHERE shop_id = ? ORDER BY date") == [
        (dt.date(2026, 3, 1), 7, 700), (dt.date(2026, 3, 8), 1, 90)]
    assert rows(shop, "SELECT product_id, count(*), sum(uv) FROM daily_product WHERE shop_id = ? GROUP BY 1 "
                      "ORDER BY 1") == [("650123456789", 2, 70), ("650123456791", 1, 5)]


def test_a_sycm_xls_uploads_through_the_api(db_path: Path, tmp_path: Path) -> None:
    """The dashboard's upload takes a legacy .xls (OLE2) like the CLI: 3 days of 整体看板, uv 3000."""
    from fastapi.testclient import TestClient

    from junshi import connect
    from junshi.api import create_app

    with connect(db_path):
        pass
    xls = write_xls(tmp_path / "整体看板_2026-03-01_2026-03-03.xls", overview_rows()).read_bytes()
    with TestClient(create_app(db_path, "t" * 32)) as client:
        r = client.post("/api/ingest", headers={"Authorization": "Bearer " + "t" * 32},
                        files=[("files", ("整体看板_2026-03-01_2026-03-03.xls", xls, "application/vnd.ms-excel"))])
    assert r.status_code == 200, r.text
    assert [(f["preset"], f["kind"], f["rows_loaded"]) for f in r.json()["files"]] == [("sycm", "overview", 3)]
    with connect(db_path) as shop:
        assert rows(shop, "SELECT sum(uv) FROM daily_shop WHERE shop_id = ?") == [(3000,)]


def test_sycm_overview_split_by_terminal_keeps_the_whole_shop(shop: Shop, tmp_path: Path) -> None:
    """An overview with a 终端 column: the shop is the 所有终端 row (uv 150), not 无线 + PC (120 + 40 = 160, as a
    visitor on both counts twice); the two terminal rows are skipped."""
    data = [["统计日期", "终端", "访客数", "支付金额"], ["2026-03-01", "所有终端", "150", "30.00"],
            ["2026-03-01", "无线", "120", "25.00"], ["2026-03-01", "PC", "40", "5.00"]]
    report = shop.ingest(write_csv(tmp_path / "取数.csv", data, "utf-8"), preset="sycm")
    assert (report.files[0].rows_loaded, report.files[0].rows_skipped) == (1, 2)
    assert rows(shop, "SELECT uv, sales FROM daily_shop WHERE shop_id = ?") == [(150, Decimal("30.00"))]


def test_a_title_above_the_header_of_any_file(shop: Shop, tmp_path: Path) -> None:
    """The header row is found below a preamble for the alias table too (a GBK CSV and an .xlsx of orders);
    a pandas-style file whose header has a blank first name keeps row 0 as its header.

    Orders: T1 10.00 + T2 20.00 (CSV) + X1 5.00 (xlsx) = 35.00; P1 and P2 from the pandas file: 1.00 + 2.00.
    """
    head = ["订单编号", "下单时间", "实付金额"]
    write_csv(tmp_path / "a.csv", [["订单导出"], ["导出时间：2026-03-02 09:00"], [], head,
                                   ["T1", "2026-03-01 10:00", "10.00"], ["T2", "2026-03-01 11:00", "20.00"]], "gbk")
    write_xlsx(tmp_path / "b.xlsx", [["订单导出"], head, ["X1", "2026-03-01 12:00", 5]])
    (tmp_path / "c.csv").write_text(",order_id,created_at,pay_amount\n0,P1,2026-03-01,1.00\n1,P2,2026-03-01,2.00\n")
    report = shop.ingest(tmp_path)
    assert report.rows_loaded == 5 and report.rows_quarantined == 0
    assert rows(shop, "SELECT sum(pay_amount) FILTER (order_id NOT LIKE 'P%'), sum(pay_amount) FILTER "
                      "(order_id LIKE 'P%') FROM orders WHERE shop_id = ?") == [(Decimal("35.00"), Decimal("3.00"))]


def test_an_xls_that_is_a_web_page_is_refused_with_what_to_do(shop: Shop, tmp_path: Path) -> None:
    path = tmp_path / "商品效果_2026-03-01_2026-03-01.xls"
    path.write_text("<html><body><table><tr><td>商品ID</td></tr></table></body></html>", encoding="utf-8")
    with pytest.raises(IngestError, match="web page") as e:
        shop.ingest(path)
    assert "另存为 .xlsx" in e.value.hint_zh
