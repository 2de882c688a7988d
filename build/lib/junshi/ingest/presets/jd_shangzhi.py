"""京东商智 (JD Business Intelligence) downloads: the SKU daily report and traffic sources.

- SKU report (商品 -> 商品明细; has SKU, SKU名称 and 成交金额) -> ``daily_product``: 时间 (or 日期; else the
  统计时间 line or the file name) date, SKU product_id (text), 商品访客数 uv, 商品浏览量 pv, 加购客户数
  cart_visitors, 加购商品件数 cart_units, 下单客户数 order_buyers, 下单商品件数 order_units, 下单金额
  order_amount, 成交客户数 paid_buyers, 成交单量 paid_orders, 成交商品件数 units, 成交金额 sales, 取消及售后退款金额
  refund_amount (JD's figure includes cancelled orders). ``products``: SKU名称 name, 一级/二级/三级类目 category
  (``一级 > 二级 > 三级``). Not stored: 搜索曝光次数, 搜索点击次数, 商品曝光次数, 商品曝光人数, 下单单量 (no column),
  rates. The 合计 row is skipped.
- Traffic sources (流量 -> 流量来源; has 一级来源, 二级来源 and 访客数) -> ``daily_source``: 一级来源 source_1, 二级来源
  source, 三级来源 source_3, 终端 / 渠道 device; 访客数 uv, 浏览量 pv, 成交金额 sales, 成交客户数 paid_buyers, 成交单量
  paid_orders, 下单客户数 order_buyers, 加购客户数 cart_visitors, 新访客数 new_visitors.

Shop settings: currency CNY, time zone Asia/Shanghai; platform jd.
"""

from __future__ import annotations

from pathlib import Path

from junshi.ingest.loader import Field, Loader
from junshi.ingest.presets.base import FileKind, Preset
from junshi.ingest.presets.reportfile import (
    cell,
    item_id,
    kind_of,
    load_daily,
    merge_products,
    taken_as,
)
from junshi.ingest.readers import RawTable

SKU = FileKind(name="sku", zh="京东商智 SKU 日报", en="京东商智 SKU daily report", headers=("SKU", "SKU名称",
                                                                                            "成交金额"),
               names=("商智", "商品明细", "SKU"))
SOURCES = FileKind(name="sources", zh="京东商智 流量来源", en="京东商智 traffic sources",
                   headers=("一级来源", "二级来源", "访客数"), names=("来源",))
KINDS = (SKU, SOURCES)
DATE_HEADERS = ("时间", "日期", "统计日期")

SKU_MEASURES = {
    "uv": ("商品访客数",), "pv": ("商品浏览量",), "cart_visitors": ("加购客户数",), "cart_units": ("加购商品件数",),
    "order_buyers": ("下单客户数",), "order_units": ("下单商品件数",), "order_amount": ("下单金额",),
    "paid_buyers": ("成交客户数",), "paid_orders": ("成交单量",), "units": ("成交商品件数",), "sales": ("成交金额",),
    "refund_amount": ("取消及售后退款金额",),
}
SOURCE_MEASURES = {
    "uv": ("访客数",), "pv": ("浏览量",), "sales": ("成交金额",), "paid_buyers": ("成交客户数",),
    "paid_orders": ("成交单量",), "order_buyers": ("下单客户数",), "cart_visitors": ("加购客户数",),
    "new_visitors": ("新访客数",),
}


def _sku(loader: Loader, raw: RawTable) -> None:
    levels = ", ".join(cell(raw, f"{n}级类目") for n in "一二三")
    extra = (Field("name", "VARCHAR", cell(raw, "SKU名称")),
             Field("category", "VARCHAR", f"NULLIF(concat_ws(' > ', {levels}), '')"))
    dims = [Field("product_id", "VARCHAR", item_id(raw, "SKU"), required=True)]
    good = load_daily(loader, raw, "daily_product", dims, SKU_MEASURES, DATE_HEADERS, extra=extra)
    merge_products(loader, f"""SELECT product_id, arg_max(name, (date, __line)) AS name,
        arg_max(category, (date, __line)) AS category FROM {good} GROUP BY product_id""")


def _sources(loader: Loader, raw: RawTable) -> None:
    dims = [Field("device", "VARCHAR", cell(raw, "终端", "渠道")),
            Field("source_1", "VARCHAR", cell(raw, "一级来源")),
            Field("source", "VARCHAR", f"coalesce({cell(raw, '二级来源')}, {cell(raw, '一级来源')})", required=True),
            Field("source_3", "VARCHAR", cell(raw, "三级来源"))]
    load_daily(loader, raw, "daily_source", dims, SOURCE_MEASURES, DATE_HEADERS)


def load(loader: Loader, files: list[Path], mapping: dict[str, str]) -> None:
    for path in files:
        raw = loader.read(path, rename=mapping)
        kind = kind_of(raw, KINDS, "jd-shangzhi")
        taken_as(loader, raw, "jd-shangzhi", kind)
        (_sku if kind is SKU else _sources)(loader, raw)


PRESET = Preset("jd-shangzhi", "京东商智 SKU daily report and traffic sources", "京东商智 SKU 日报与流量来源", "jd",
                "CNY",
                "Asia/Shanghai", load, kinds=KINDS)
