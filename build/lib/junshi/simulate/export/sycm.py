"""生意参谋 downloads of a shop: 整体看板 (取数), 店铺来源 and 商品效果, computed by the metric registry.

Every figure is the registry's metric on the shop's raw tables (same 口径 as ``junshi kpi``), so a shop
loaded from these files answers with the figures of the shop they were made from. The overview is one
file with a row per day (统计日期); 店铺来源 has no date column (the day is in the file name and the
preamble) and 商品效果 is one file per day, as the platform downloads them. The overview of the last 7 and
30 days is written too, as one row for the period: the platform's own distinct counts for it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from junshi.periods import as_day
from junshi.shop import Shop
from junshi.simulate.export.ads import AD_REPORTS
from junshi.simulate.export.files import Cell, count, item_id, money, percent, sycm_name, write_sycm_xlsx

Format = Callable[[Any], Cell]
Column = tuple[str, str, Format]  # header, metric id, how the platform writes it

# 来源明细 is the visit's source (see source_names); its level 1 (流量来源) follows from how it was bought
LEVEL_1 = {"organic": "淘内免费", "cpc": "付费流量", "cpm": "付费流量", "cps": "付费流量", "direct": "自主访问",
           "social": "淘外流量", "email": "淘外流量"}
OTHER_LEVEL_1 = "其他来源"

OVERVIEW: tuple[Column, ...] = (
    ("访客数", "uv", count), ("浏览量", "pv", count), ("支付金额", "sales", money),
    ("支付买家数", "paid_buyers", count), ("支付转化率", "payment_conversion_rate", percent),
    ("客单价", "spend_per_buyer", money), ("支付子订单数", "paid_orders", count), ("支付件数", "units", count),
    ("下单买家数", "order_buyers", count), ("下单转化率", "order_conversion_rate", percent),
    ("加购人数", "cart_visitors", count), ("收藏人数", "favorite_visitors", count), ("UV价值", "uv_value", money),
    ("成功退款金额", "refund_amount", money),
)
SOURCES: tuple[Column, ...] = (
    ("访客数", "uv", count), ("浏览量", "pv", count), ("支付金额", "sales", money),
    ("支付买家数", "paid_buyers", count), ("支付转化率", "payment_conversion_rate", percent),
    ("客单价", "spend_per_buyer", money), ("UV价值", "uv_value", money), ("加购人数", "cart_visitors", count),
    ("收藏人数", "favorite_visitors", count), ("下单买家数", "order_buyers", count),
    ("下单转化率", "order_conversion_rate", percent),
)
PRODUCTS: tuple[Column, ...] = (
    ("商品访客数", "uv", count), ("商品浏览量", "pv", count), ("商品收藏人数", "favorite_visitors", count),
    ("商品加购人数", "cart_visitors", count), ("下单买家数", "order_buyers", count),
    ("下单转化率", "order_conversion_rate", percent), ("支付买家数", "paid_buyers", count),
    ("支付件数", "units", count), ("支付金额", "sales", money), ("商品支付转化率", "payment_conversion_rate", percent),
    ("访客平均价值", "uv_value", money), ("支付新买家数", "new_buyers", count),
    ("支付老买家数", "returning_buyers", count), ("成功退款金额", "refund_amount", money),
)
PERIODS = (7, 30)  # the 最近7天 / 最近30天 periods sellers download beside the daily figures
# rows where all of these are zero are not listed (the platform lists what had traffic or sales)
ACTIVITY = ("uv", "pv", "paid_buyers", "order_buyers", "refund_amount")


def _kpi(shop: Shop, columns: tuple[Column, ...], by: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
    frame = shop.kpi([metric for _h, metric, _f in columns], by=by, start=start, end=end).to_pandas()
    active = frame[[m for m in ACTIVITY if m in frame.columns]].fillna(0).ne(0).any(axis=1)
    return frame[active]


def _cells(row: Any, columns: tuple[Column, ...]) -> list[Cell]:
    return [fmt(row[metric]) for _h, metric, fmt in columns]


def write_overview(shop: Shop, folder: Path, start: dt.date, end: dt.date) -> list[Path]:
    """整体看板 取数: one row per day from ``start`` to ``end``."""
    frame = _kpi(shop, OVERVIEW, ["day"], start, end).sort_values("day")
    rows = ([as_day(r["day"]).isoformat(), *_cells(r, OVERVIEW)] for _i, r in frame.iterrows())
    header = ["统计日期", *(h for h, _m, _f in OVERVIEW)]
    return [write_sycm_xlsx(folder / sycm_name("整体看板_取数", start, end), "整体看板", start, end, header, rows)]


def write_overview_periods(shop: Shop, folder: Path, start: dt.date, end: dt.date) -> list[Path]:
    """整体看板 of the last 7 and 30 days up to ``end`` (those the data covers): one row without a date, the
    platform's own figures for the period, distinct visitors and buyers counted once."""
    out = []
    for days in PERIODS:
        first = end - dt.timedelta(days=days - 1)
        if first < start:
            continue
        result = shop.kpi([metric for _h, metric, _f in OVERVIEW], start=first, end=end)
        row = [fmt(result.value(metric)) for _h, metric, fmt in OVERVIEW]
        name = sycm_name(f"整体看板_最近{days}天", first, end)
        out.append(write_sycm_xlsx(folder / name, "整体看板", first, end, [h for h, _m, _f in OVERVIEW], [row]))
    return out


def write_sources(shop: Shop, folder: Path, start: dt.date, end: dt.date) -> list[Path]:
    """店铺来源: one file per day, a row per source (来源明细) under its level 1 (流量来源)."""
    names = source_names(shop)
    frame = _kpi(shop, SOURCES, ["day", "source"], start, end)
    header = ["流量来源", "来源明细", *(h for h, _m, _f in SOURCES)]
    out = []
    for day, rows in frame.groupby("day", sort=True):
        d = as_day(day)
        rows = rows[rows["source"].notna()]
        rows = rows.assign(_name=rows["source"].map(lambda s: names.get(s, (s, OTHER_LEVEL_1))[0]),
                           _l1=rows["source"].map(lambda s: names.get(s, (s, OTHER_LEVEL_1))[1]))
        cells = ([r["_l1"], r["_name"], *_cells(r, SOURCES)] for _i, r in rows.sort_values(["_l1", "_name"])
                 .iterrows())
        out.append(write_sycm_xlsx(folder / sycm_name("店铺来源", d, d), "店铺来源", d, d, header, cells))
    return out


def write_products(shop: Shop, folder: Path, start: dt.date, end: dt.date) -> list[Path]:
    """商品效果: one file per day, a row per item with traffic or sales that day."""
    products = shop.table("products").select("product_id", "name").to_pyarrow().to_pylist()
    names = {r["product_id"]: r["name"] for r in products}
    frame = _kpi(shop, PRODUCTS, ["day", "product"], start, end)
    frame = frame[frame["product"].notna()]  # shop pages that are no item's
    header = ["统计日期", "商品ID", "商品名称", "货号", "商品状态", *(h for h, _m, _f in PRODUCTS)]
    out = []
    for day, rows in frame.groupby("day", sort=True):
        d = as_day(day)
        cells = ([d.isoformat(), item_id(r["product"]), names.get(r["product"], r["product"]), r["product"],
                  "当前在线", *_cells(r, PRODUCTS)] for _i, r in rows.sort_values("product").iterrows())
        out.append(write_sycm_xlsx(folder / sycm_name("商品效果", d, d), "商品效果", d, d, header, cells))
    return out


def source_names(shop: Shop) -> dict[str, tuple[str, str]]:
    """Each visit source's 来源明细 and 流量来源. A bought source is named after the ad report its spend is in
    (the only source bought by CPM is 万相台), so that the loaded shop's spend and visitors meet."""
    s = shop.table("sessions")
    found = s.filter(s.source.notnull()).group_by("source").aggregate(medium=s.medium.mode()).to_pyarrow()
    rows = [(r["source"], r["medium"]) for r in found.to_pylist()]
    per_medium = Counter(str(medium) for _s, medium in rows)
    return {source: (AD_REPORTS[str(medium)] if str(medium) in AD_REPORTS and per_medium[str(medium)] == 1
                     else source, LEVEL_1.get(str(medium), OTHER_LEVEL_1)) for source, medium in rows}
