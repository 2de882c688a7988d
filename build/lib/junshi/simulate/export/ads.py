"""Alimama ad reports of a shop (GBK CSV, a 合计 row at the end): 直通车 plan reports for the search ads
(CPC) and 万相台 plan reports for the display ads (CPM), one row per plan (campaign) per day.

Made from ``ad_spend`` summed over units and creatives. Which report a channel goes to follows from how
its visits were bought (sessions.medium: cpc -> 直通车, cpm -> 万相台). Affiliate (淘宝客, CPS) costs come
from 淘宝联盟 reports, which are not written. The attributed sales are all written as direct (直接成交);
万相台 cart adds and favourites are those of the plan's visits that day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from junshi.simulate.export.files import Cell, count, money, number, percent, write_gbk_csv

ZTC_HEADER = ("日期", "场景ID", "场景名字", "计划ID", "计划名字", "展现量", "点击量", "花费", "直接成交金额",
              "间接成交金额", "总成交金额", "总成交笔数")
WXT_HEADER = ("日期", "效果模型", "统计口径", "转化周期", "计划ID", "计划名称", "消耗", "曝光量", "点击量", "点击率",
              "点击成本", "直接加购数", "间接加购数", "总加购数", "收藏宝贝量", "预售成交笔数", "预售成交金额",
              "直接成交笔数", "间接成交笔数", "总成交笔数", "直接成交金额", "间接成交金额", "总成交金额", "成交转化率",
              "投入产出比")
ZTC_SCENE = ("1", "日常推广")
WXT_SETTING = ("展现+点击", "触发时间", "15天")  # 效果模型, 统计口径, 转化周期 of the exported rows
TOTAL = "合计"
AD_REPORTS = {"cpc": "直通车", "cpm": "万相台"}
"""The report (and so the channel, once loaded) of the spend on visits bought per click and per impression."""

_PLANS_SQL = """
WITH medium AS (SELECT source, mode(medium) AS medium FROM sessions WHERE shop_id = $shop GROUP BY source),
acts AS (
  SELECT CAST(s.started_at AS DATE) AS date, s.campaign,
         count(*) FILTER (WHERE e.event_type = 'add_to_cart') AS carts,
         count(*) FILTER (WHERE e.event_type = 'favorite') AS favs
  FROM sessions s JOIN events e ON e.shop_id = s.shop_id AND e.session_id = s.session_id
  WHERE s.shop_id = $shop AND s.campaign IS NOT NULL GROUP BY ALL)
SELECT m.medium, a.date, a.campaign, sum(a.impressions) AS imp, sum(a.clicks) AS clk, sum(a.cost) AS cost,
       sum(a.conversions) AS conv, sum(a.conversion_value) AS value,
       any_value(coalesce(x.carts, 0)) AS carts, any_value(coalesce(x.favs, 0)) AS favs
FROM ad_spend a JOIN medium m ON m.source = a.channel
LEFT JOIN acts x ON x.date = a.date AND x.campaign = a.campaign
WHERE a.shop_id = $shop AND m.medium IN ('cpc', 'cpm')
GROUP BY ALL ORDER BY a.date, a.campaign
"""


def plan_id(campaign: str) -> str:
    """A 9-digit plan id (计划ID) that stays the same for the same plan name."""
    return str(100_000_000 + int(hashlib.sha256(campaign.encode()).hexdigest(), 16) % 900_000_000)


def _ratio(a: Any, b: Any) -> float | None:
    return float(a) / float(b) if b else None


def _ztc(rows: Sequence[tuple[Any, ...]]) -> list[list[Cell]]:
    out: list[list[Cell]] = [
        [date.isoformat(), *ZTC_SCENE, plan_id(c), c, count(imp), count(clk), money(cost), money(value), money(0),
         money(value), count(conv)] for date, c, imp, clk, cost, conv, value, _carts, _favs in rows]
    imp, clk, cost, conv, value = (sum(r[i] or 0 for r in rows) for i in (2, 3, 4, 5, 6))
    out.append([TOTAL, "", "", "", "", count(imp), count(clk), money(cost), money(value), money(0), money(value),
                count(conv)])
    return out


def _wxt_cells(imp: Any, clk: Any, cost: Any, conv: Any, value: Any, carts: Any, favs: Any) -> list[Cell]:
    return [money(cost), count(imp), count(clk), percent(_ratio(clk, imp)), money(_ratio(cost, clk) or 0),
            count(carts), 0, count(carts), count(favs), 0, money(0), count(conv), 0, count(conv), money(value),
            money(0), money(value), percent(_ratio(conv, clk)), number(_ratio(value, cost))]


def _wxt(rows: Sequence[tuple[Any, ...]]) -> list[list[Cell]]:
    out: list[list[Cell]] = [
        [date.isoformat(), *WXT_SETTING, plan_id(c), c, *_wxt_cells(imp, clk, cost, conv, value, carts, favs)]
        for date, c, imp, clk, cost, conv, value, carts, favs in rows]
    sums = [sum(r[i] or 0 for r in rows) for i in range(2, 9)]
    out.append([TOTAL, "", "", "", "", "", *_wxt_cells(*sums)])
    return out


def write_ad_reports(con: duckdb.DuckDBPyConnection, shop: str, folder: Path, start: dt.date, end: dt.date
                     ) -> list[Path]:
    """直通车 and 万相台 plan reports for ``start``..``end`` (a report with no plan is not written)."""
    plans = con.execute(_PLANS_SQL, {"shop": shop}).fetchall()
    period = f"{start.isoformat()}_{end.isoformat()}"
    out = []
    for medium, header, build in (("cpc", ZTC_HEADER, _ztc), ("cpm", WXT_HEADER, _wxt)):
        name = f"{AD_REPORTS[medium]}_计划报表_{period}.csv"
        rows = [r[1:] for r in plans if r[0] == medium and start <= r[1] <= end]
        if rows:
            out.append(write_gbk_csv(folder / name, header, build(rows)))
    return out
