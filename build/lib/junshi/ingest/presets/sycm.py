"""生意参谋 (Taobao/Tmall Business Advisor) report downloads: shop overview, traffic sources, products.

Files are ``.xls`` (legacy Excel), ``.xlsx`` or CSV (GBK or UTF-8), often with a preamble (title,
``统计时间：2026-03-01 ~ 2026-03-01``) above the header. Each file's kind is recognised from its headers:

- shop overview (首页 整体看板 / 取数; has 访客数 and 支付金额) -> ``daily_shop``: 访客数 uv, 浏览量 pv,
  支付金额 sales, 支付买家数 paid_buyers, 支付子订单数 paid_orders, 支付件数 units, 下单买家数
  order_buyers, 下单笔数 placed_orders, 下单金额 order_amount, 加购人数 cart_visitors, 收藏人数
  favorite_visitors, 新访客数 new_visitors, 老访客数 returning_visitors, 支付新买家数 new_buyers,
  支付老买家数 returning_buyers, 成功退款金额 refund_amount, 平均停留时长 avg_visit_seconds,
  跳失率 bounce_rate (``"45.20%"`` -> 0.452). An overview split by 终端 keeps its 所有终端 rows (the others
  are skipped: the shop's visitors are not the sum of its terminals').
- traffic sources (流量 -> 店铺来源; has 流量来源, 来源明细 and 访客数) -> ``daily_source``: 流量来源 source_1,
  来源明细 source, 三级来源 source_3, 终端 device (a 终端 column, else 无线 / PC in the preamble or file
  name; 所有终端 = all, null); 访客数 uv, 浏览量 pv, 支付金额 sales, 支付买家数 paid_buyers, 支付子订单数
  paid_orders, 下单买家数 order_buyers, 加购人数 cart_visitors, 收藏人数 favorite_visitors, 新访客数
  new_visitors. A row without 来源明细 is its 流量来源's subtotal when that source has detail rows
  (skipped), else the source itself (source = 流量来源).
- products (品类 -> 商品效果 / 商品360; has 商品访客数 and 支付金额) -> ``daily_product``: 商品ID product_id
  (kept as text; a 商品360 file without the column takes the id from the preamble or file name),
  商品访客数 uv, 商品浏览量 pv, 平均停留时长 avg_visit_seconds, 商品详情页跳出率 bounce_rate,
  商品收藏人数 favorite_visitors, 商品加购件数 cart_units, 商品加购人数 cart_visitors, 下单买家数
  order_buyers, 下单件数 order_units, 下单金额 order_amount, 支付买家数 paid_buyers, 支付子订单数
  paid_orders, 支付件数 units, 支付金额 sales, 支付新买家数 new_buyers, 支付老买家数 returning_buyers,
  成功退款金额 refund_amount, 搜索引导访客数 search_uv, 搜索引导支付买家数 search_paid_buyers;
  ``products``: 商品名称 name, 类目 / 叶子类目 category (stored values of other columns are kept).

The date: 统计日期 (or 日期) per row; else the 统计时间 line; else the file name. A report over several
days without a per-row date is one row for the period (date = first day, days = its length): the
platform's own distinct counts for the period. Rates (支付转化率, 客单价, UV价值, 下单转化率, ...) are
derived from the stored counts and not stored; other columns (商品状态, 货号, 竞争力评分, 年/月累计 ...)
are listed as ignored in the report.

Shop settings: currency CNY, time zone Asia/Shanghai.
"""

from __future__ import annotations

from pathlib import Path

from junshi.ingest.loader import Field, Loader
from junshi.ingest.presets.base import FileKind, Preset
from junshi.ingest.presets.reportfile import (
    NULL,
    cell,
    header,
    hint,
    item_id,
    kind_of,
    load_daily,
    merge_products,
    taken_as,
)
from junshi.ingest.readers import RawTable
from junshi.ingest.sqlfuncs import quote_str

OVERVIEW = FileKind(name="overview", zh="生意参谋 整体看板/取数（店铺日报）",
                    en="生意参谋 shop overview (整体看板 / 取数)", headers=("访客数", "支付金额"),
                    names=("整体看板", "取数", "整体"))
SOURCES = FileKind(name="sources", zh="生意参谋 店铺来源（流量来源日报）",
                   en="生意参谋 traffic sources (店铺来源)", headers=("流量来源", "来源明细", "访客数"),
                   names=("店铺来源", "流量来源"))
PRODUCTS = FileKind(name="products", zh="生意参谋 商品效果/商品360（商品日报）",
                    en="生意参谋 products (商品效果 / 商品360)",
                    headers=("商品访客数", "支付金额"), names=("商品效果", "商品360", "商品"))
KINDS = (OVERVIEW, SOURCES, PRODUCTS)
DATE_HEADERS = ("统计日期", "日期")

SHOP_MEASURES = {
    "uv": ("访客数",), "pv": ("浏览量",), "sales": ("支付金额",), "paid_buyers": ("支付买家数",),
    "paid_orders": ("支付子订单数", "支付订单数"), "units": ("支付件数", "支付商品件数"),
    "order_buyers": ("下单买家数",), "placed_orders": ("下单笔数", "下单子订单数"), "order_amount": ("下单金额",),
    "cart_visitors": ("加购人数",), "favorite_visitors": ("收藏人数",), "new_visitors": ("新访客数",),
    "returning_visitors": ("老访客数",), "new_buyers": ("支付新买家数",), "returning_buyers": ("支付老买家数",),
    "refund_amount": ("成功退款金额",), "avg_visit_seconds": ("平均停留时长",), "bounce_rate": ("跳失率",),
}
SOURCE_MEASURES = {
    "uv": ("访客数",), "pv": ("浏览量",), "sales": ("支付金额",), "paid_buyers": ("支付买家数",),
    "paid_orders": ("支付子订单数",), "order_buyers": ("下单买家数",), "cart_visitors": ("加购人数",),
    "favorite_visitors": ("收藏人数",), "new_visitors": ("新访客数",),
}
PRODUCT_MEASURES = {
    "uv": ("商品访客数",), "pv": ("商品浏览量",), "avg_visit_seconds": ("平均停留时长",),
    "bounce_rate": ("商品详情页跳出率", "跳出率"), "favorite_visitors": ("商品收藏人数",),
    "cart_units": ("商品加购件数",), "cart_visitors": ("商品加购人数",), "order_buyers": ("下单买家数",),
    "order_units": ("下单件数",), "order_amount": ("下单金额",), "paid_buyers": ("支付买家数",),
    "paid_orders": ("支付子订单数",), "units": ("支付件数",), "sales": ("支付金额",),
    "new_buyers": ("支付新买家数",), "returning_buyers": ("支付老买家数",), "refund_amount": ("成功退款金额",),
    "search_uv": ("搜索引导访客数",), "search_paid_buyers": ("搜索引导支付买家数",),
}
ALL_DEVICES = ("所有终端", "全部终端", "全部", "汇总")
TERMINAL = ("终端", "终端类型", "设备")


def _device(raw: RawTable) -> str:
    """SQL text of the terminal: a 终端 column, else a hint in the preamble or file name, else all (null)."""
    col = cell(raw, *TERMINAL)
    if col == NULL:
        m = hint(raw, r"无线|移动|(?<![A-Za-z])(?:PC|pc)(?![A-Za-z])|所有终端|全部终端")
        col = quote_str(m.group(0)) if m else NULL
    alls = ", ".join(quote_str(a) for a in ALL_DEVICES)
    return f"(CASE WHEN {col} IN ({alls}) THEN NULL WHEN upper({col}) LIKE 'PC%' THEN 'PC' " \
           f"WHEN {col} LIKE '移动%' OR {col} LIKE '无线%' THEN '无线' ELSE {col} END)"


def _overview(loader: Loader, raw: RawTable) -> None:
    """daily_shop is the whole shop: of an overview split by terminal, only the all-terminals rows are loaded."""
    split = header(raw, *TERMINAL) is not None
    load_daily(loader, raw, "daily_shop", [], SHOP_MEASURES, DATE_HEADERS, where=f"{_device(raw)} IS NULL" if split
               else None)


def _sources(loader: Loader, raw: RawTable) -> None:
    level1, detail = cell(raw, "流量来源"), cell(raw, "来源明细")
    subtotal = (f"NOT ({detail} IS NULL AND EXISTS (SELECT 1 FROM {raw.name} r2 WHERE "
                f"{cell(raw, '流量来源', alias='r2')} = {level1} AND {cell(raw, '来源明细', alias='r2')} IS NOT NULL))")
    dims = [Field("device", "VARCHAR", _device(raw)), Field("source_1", "VARCHAR", level1),
            Field("source", "VARCHAR", f"coalesce({detail}, {level1})", required=True),
            Field("source_3", "VARCHAR", cell(raw, "三级来源"))]
    load_daily(loader, raw, "daily_source", dims, SOURCE_MEASURES, DATE_HEADERS, where=subtotal)


def _product_id(raw: RawTable) -> str:
    if header(raw, "商品ID", "宝贝ID") is not None:
        return item_id(raw, "商品ID", "宝贝ID")
    m = hint(raw, r"(?<!\d)\d{9,13}(?!\d)")  # 商品360 of one item: its id above the header or in the file name
    return quote_str(m.group(0)) if m else NULL


def _products(loader: Loader, raw: RawTable) -> None:
    extra = (Field("name", "VARCHAR", cell(raw, "商品名称", "宝贝名称")),
             Field("category", "VARCHAR", cell(raw, "类目", "叶子类目")))
    dims = [Field("product_id", "VARCHAR", _product_id(raw), required=True)]
    good = load_daily(loader, raw, "daily_product", dims, PRODUCT_MEASURES, DATE_HEADERS, extra=extra)
    merge_products(loader, f"""SELECT product_id, arg_max(name, (date, __line)) AS name,
        arg_max(category, (date, __line)) AS category FROM {good} GROUP BY product_id""")


LOADERS = {"overview": _overview, "sources": _sources, "products": _products}


def load(loader: Loader, files: list[Path], mapping: dict[str, str]) -> None:
    for path in files:
        raw = loader.read(path, rename=mapping)
        kind = kind_of(raw, KINDS, "sycm")
        taken_as(loader, raw, "sycm", kind)
        LOADERS[kind.name](loader, raw)


PRESET = Preset("sycm", "生意参谋 reports: shop overview, traffic sources, products (.xls/.xlsx/.csv)",
                "生意参谋报表：整体看板、店铺来源、商品效果（.xls/.xlsx/.csv）", "taobao", "CNY", "Asia/Shanghai", load,
                kinds=KINDS)
