"""阿里妈妈 ad reports: 万相台 plan/unit reports, item reports (商品报表), 直通车 (关键词推广) and 引力魔方 plan
reports, keyword reports -> ``ad_spend``, one row per day, channel, plan, unit, keyword, item and attribution setting.

Kinds, recognised from the headers: 万相台 plan/unit report (计划名称 + 消耗), item report (主体ID + 花费: an item
has one row per plan per day with the "商品, 计划" breakdown, kept per plan), plan report (计划名字 + 花费: 直通车 /
关键词推广, 引力魔方), keyword report (关键词 + 花费).

- date: 日期 (else the 统计时间 line or the file name); ad rows are days, so a row covering several days is
  quarantined.
- channel: 万相台, 直通车 or 引力魔方 from the file name or preamble (万相台; 直通车 / 关键词推广; 引力魔方 / 人群推广),
  else a 场景名字 column (关键词推广 -> 直通车, 人群推广 -> 引力魔方), else the kind's own (万相台 for 万相台 and item
  reports, 直通车 for plan and keyword reports).
- campaign = 计划名称 / 计划名字, campaign_id = 计划ID, ad_group = 单元名称 / 单元名字 / 推广单元, creative = 创意名称,
  keyword = 关键词, product_id = 主体ID (item reports) / 宝贝ID / 商品ID.
- attribution_model = 效果模型, attribution_basis = 统计口径, attribution_window = 转化周期: columns, else
  ``效果模型：点击`` style text in the preamble or file name. The same plan reports different sales under another
  setting; the setting is part of the key, so rows of different settings are kept apart.
- cost = 消耗 / 花费 (required), impressions = 展现量 / 曝光量, clicks = 点击量, conversions = 总成交笔数 (成交笔数),
  conversion_value = 总成交金额 (成交金额; else 直接 + 间接), direct_conversion_value = 直接成交金额,
  indirect_conversion_value = 间接成交金额, cart_adds = 总购物车数 / 总加购数, favorites = 收藏宝贝数 / 收藏宝贝量.
- Not stored (derived or out of scope): 点击率, 点击成本 / 平均点击花费, 千次展现花费, 成交转化率, 投入产出比 /
  实际投产比, 净成交金额, 预售成交笔数/金额, 直接/间接加购数 and 成交笔数 (the totals are stored).
- 合计 / 总计 rows are skipped.

Shop settings: currency CNY, time zone Asia/Shanghai.
"""

from __future__ import annotations

from pathlib import Path

from junshi.ingest.loader import Field, Loader
from junshi.ingest.presets.base import FileKind, Preset
from junshi.ingest.presets.reportfile import (
    NULL,
    cell,
    duplicate_rule,
    finish,
    header,
    hint,
    id_rules,
    item_id,
    kind_of,
    measure_fields,
    measure_rules,
    not_total,
    period_fields,
    taken_as,
)
from junshi.ingest.readers import RawTable
from junshi.ingest.sqlfuncs import quote_ident, quote_str
from junshi.schema import TABLES

WANXIANGTAI = FileKind(name="wanxiangtai", zh="万相台 计划/单元报表", en="万相台 plan / unit report",
                       headers=("计划名称", "消耗"), names=("万相台",))
ITEMS = FileKind(name="items", zh="阿里妈妈 商品报表（商品 × 计划）", en="Alimama item report (item x plan)",
                 headers=("主体ID", "花费"), names=("商品",))
PLANS = FileKind(name="plans", zh="直通车/引力魔方 计划报表", en="直通车 / 引力魔方 plan report",
                 headers=("计划名字", "花费"), names=("直通车", "关键词推广", "引力魔方"))
KEYWORDS = FileKind(name="keywords", zh="直通车 关键词报表", en="直通车 keyword report",
                    headers=("关键词", "花费"), names=("关键词",))
KINDS = (WANXIANGTAI, ITEMS, PLANS, KEYWORDS)
DEFAULT_CHANNEL = {"wanxiangtai": "万相台", "items": "万相台", "plans": "直通车", "keywords": "直通车"}
CHANNEL_HINTS = (("万相台", "万相台"), ("直通车", "直通车"), ("关键词推广", "直通车"), ("引力魔方", "引力魔方"),
                 ("人群推广", "引力魔方"))
SETTINGS = {"attribution_model": "效果模型", "attribution_basis": "统计口径", "attribution_window": "转化周期"}
MEASURES = {
    "cost": ("消耗", "花费"), "impressions": ("展现量", "曝光量"), "clicks": ("点击量",),
    "conversions": ("总成交笔数", "成交笔数"), "conversion_value": ("总成交金额", "成交金额"),
    "direct_conversion_value": ("直接成交金额",), "indirect_conversion_value": ("间接成交金额",),
    "cart_adds": ("总购物车数", "总加购数", "加购数"), "favorites": ("收藏宝贝数", "收藏宝贝量", "收藏数"),
}
KEY = [k for k in TABLES["ad_spend"].key if k != "shop_id"]


def _channel(raw: RawTable, kind: FileKind) -> str:
    """SQL text of the channel: file name / preamble, else 场景名字, else the kind's default."""
    for word, channel in CHANNEL_HINTS:
        if hint(raw, word):
            return quote_str(channel)
    scene = cell(raw, "场景名字", "场景名称")
    default = quote_str(DEFAULT_CHANNEL[kind.name])
    if scene == NULL:
        return default
    return (f"(CASE WHEN {scene} LIKE '%关键词%' THEN '直通车' WHEN {scene} LIKE '%人群%' THEN '引力魔方' "
            f"ELSE {default} END)")


def _setting(raw: RawTable, name: str) -> str:
    """SQL text of an attribution setting: its column, else ``效果模型：…`` in the preamble or file name."""
    if header(raw, name) is not None:
        return cell(raw, name)
    m = hint(raw, name + r"\s*[：:=_-]?\s*([^\s,，;；_：:]+)")
    return quote_str(m.group(1)) if m else NULL


def load(loader: Loader, files: list[Path], mapping: dict[str, str]) -> None:
    for path in files:
        raw = loader.read(path, rename=mapping)
        kind = kind_of(raw, KINDS, "alimama")
        taken_as(loader, raw, "alimama", kind)
        values = measure_fields(raw, "ad_spend", MEASURES)
        if header(raw, *MEASURES["conversion_value"]) is None and header(raw, "直接成交金额", "间接成交金额"):
            both = [cell(raw, n) for n in ("直接成交金额", "间接成交金额") if header(raw, n)]
            total = " + ".join(f"coalesce(_ji_money({c}), 0)" for c in both)
            given = " OR ".join(f"{c} IS NOT NULL" for c in both)
            values.append(Field("conversion_value", "DECIMAL(18,2)",
                                f"(CASE WHEN {given} THEN CAST({total} AS VARCHAR) END)"))
        fields = [
            *period_fields(raw, "日期", "统计日期"),
            Field("channel", "VARCHAR", _channel(raw, kind), required=True),
            Field("campaign", "VARCHAR", cell(raw, "计划名称", "计划名字")),
            Field("campaign_id", "VARCHAR", item_id(raw, "计划ID")),
            Field("ad_group", "VARCHAR", cell(raw, "单元名称", "单元名字", "推广单元")),
            Field("creative", "VARCHAR", cell(raw, "创意名称", "创意")),
            Field("keyword", "VARCHAR", cell(raw, "关键词", "关键字", "关键词名称")),
            Field("product_id", "VARCHAR", item_id(raw, "主体ID", "宝贝ID", "商品ID")),
            *(Field(col, "VARCHAR", _setting(raw, name)) for col, name in SETTINGS.items()),
            *values,
        ]
        rules = [("last_day > date", "several days in one row"), ("cost IS NULL", "missing value: cost"),
                 *measure_rules(values), *id_rules("product_id"), duplicate_rule(KEY)]
        good = loader.check(raw, "ad_spend", fields, rules, where=not_total(raw))
        cols = ", ".join(quote_ident(f.name) for f in fields if f.name != "last_day")
        loader.write("ad_spend", f"SELECT {cols} FROM {good}")
        finish(loader, raw, fields)


PRESET = Preset("alimama", "阿里妈妈 ad reports: 万相台, 直通车 / 关键词推广, 引力魔方 (plan, unit, item, keyword)",
                "阿里妈妈推广报表：万相台、直通车/关键词推广、引力魔方（计划、单元、商品、关键词）", "taobao", "CNY",
                "Asia/Shanghai", load, kinds=KINDS)
