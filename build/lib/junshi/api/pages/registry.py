"""The page registry: the dashboard's pages in navigation order, each declared here (its address, titles, interface
text and the tables its figures come from). A page with its own call, ``/api/<key>``, has a view module
:mod:`junshi.api.pages`.<key> declaring ``API`` (the endpoint and its typed response). The declarations import no
analysis, so the pages' shells are served before any view module is imported: the view modules load with the
API (:func:`junshi.api.app.mount_api`). See docs/dashboard.md, "Adding a page"."""

from __future__ import annotations

import importlib

from junshi.api.pages import Page, PageApi
from junshi.i18n import Text
from junshi.marketing.ads import MARGINAL_ROAS, SPEND_SHARE
from junshi.metrics.dimensions import REGISTRY as DIMENSIONS
from junshi.service.labels import LISTS, field_name
from junshi.vocab import CHECK_NAMES, CLEAN

PAGES: tuple[Page, ...] = (
    Page(
        key="overview", path="/", title=Text("Overview", "首页"),
        summary="首页 Overview: KPI cards of a day or period, compared; the KPI tree; trends",
        text={
            "kpi_tree": Text("KPI tree: sales = visitors × conversion × spend per buyer",
                             "指标树：销售额 = 访客数 × 支付转化率 × 客单价"),
            "trend": Text("Daily trend", "每日趋势"),
            "alerts": Text("Alerts of the day", "当日预警"),
        },
    ),
    Page(
        key="traffic", path="/traffic", title=Text("Traffic", "流量"),
        summary="流量 Traffic: sources, their trends and landing pages",
        needs=("events", "sessions", "daily_source", "daily_shop"),
        missing=Text("No visit data is loaded for this shop, so this page is empty: load a traffic report "
                     "(生意参谋 流量来源, 京东商智), GA4 or Shopify sessions, or event logs with junshi ingest "
                     "(the Data page lists the exports Junshi reads).",
                     "本店尚未导入访问数据，本页为空：请用 junshi ingest 导入流量报表（生意参谋流量来源、京东商智）、"
                     "GA4 或 Shopify 会话、或埋点日志（「数据」页列出军师能读的导出文件）。"),
        text={
            "sources": DIMENSIONS["source"].name,
            "source_trend": Text("Visitors per source", "各来源访客趋势"),
            "landing": DIMENSIONS["landing_page"].name,
        },
    ),
    Page(
        key="products", path="/products", title=Text("Products", "商品分析"),
        summary="商品 Products: product table, movers and advice",
        text={
            "stock": Text("Stock", "库存"),
            "days_of_cover": Text("Days of cover", "可售天数"),
            "movers_up": Text("Movers up", "上升商品"),
            "movers_down": Text("Movers down", "下降商品"),
        },
    ),
    Page(
        key="transactions", path="/transactions", title=Text("Transactions", "交易"),
        summary="交易 Transactions: the funnel by source and device, orders and refunds",
        text={
            "funnel": Text("Funnel", "转化漏斗"),
            "by_source": Text("By source", "按来源"),
            "by_device": Text("By device", "按终端"),
            "orders_refunds": Text("Orders, refunds and presale", "订单、退款与预售"),
        },
    ),
    Page(
        key="diagnosis", path="/diagnosis", title=Text("Diagnosis", "诊断"),
        summary="诊断: why a metric moved between two days or periods, split exactly by factor and cell",
        text={
            "waterfall": Text("Why sales moved", "销售额变化归因"),
            "compare_with": Text("Compared with", "对比基期"),
            "drill_hint": Text("Click a bar to drill down.", "点击柱形可下钻。"),
            "path": Text("Main causes", "主要原因"),
            "no_dimensions": Text("No dimension splits the shop's figures (each has one value, or none is known).",
                                  "店铺数据没有可拆分的维度（每个维度只有一个取值，或取值未知）。"),
            "no_path": Text("No single cell explains the change: it is spread across the shop.",
                            "没有单个维度值能解释这次变化：变化分散在全店。"),
            "factors": Text("Factors ({formula})", "因素（{formula}）"),
            "dimension": Text("Dimension", "维度"),
            "too_little_history": Text("Too little history to tell normal variation from a real change",
                                       "历史数据不足，无法判断是否超出正常波动"),
            "beyond_normal": Text("Beyond normal variation", "超出正常波动"),
            "within_normal": Text("Within normal variation", "在正常波动范围内"),
            "expected_range": Text(": expected {expected} (normal range {low} ~ {high})",
                                   "：预期 {expected}（正常区间 {low} ~ {high}）"),
            "cells_beyond": Text(". Beyond their normal variation: {cells}", "。超出自身正常波动的：{cells}"),
            "no_cell_beyond": Text(". No cell moved beyond its normal variation", "。没有任何维度值超出其正常波动"),
            "paid": Text(" (paid)", "（付费）"),
            "list_separator": Text(", ", "、"),
            "others": Text("Others", "其他"),
        },
    ),
    Page(
        key="marketing", path="/marketing", title=Text("Marketing", "推广"),
        summary="推广 Marketing: paid channels with guard rails, spend ratio against the stage's band, attribution "
                "models side by side, creatives, search terms",
        needs=("ad_spend", "searches", "events", "sessions"),
        missing=Text("No ad spend, search terms or visits are loaded for this shop, so this page is empty: load the "
                     "ad platforms' reports (万相台, 直通车, 引力魔方, 京准通 ...), a search-terms report or visit "
                     "data with junshi ingest.",
                     "本店尚未导入推广花费、搜索词或访问数据，本页为空：请用 junshi ingest 导入推广平台报表"
                     "（万相台、直通车、引力魔方、京准通等）、搜索词报表或访问数据。"),
        text={
            "channels": Text("Paid channels (under each channel's own attribution setting)",
                             "推广渠道（按各渠道自身的归因设置）"),
            "spend_band": Text("Promotion spend ratio against the stage's band", "推广费占比与店铺阶段的合理区间"),
            "ads_advice": Text("Budget advice", "预算建议"),
            "attribution": Text("Attribution models side by side (paid orders per source)",
                                "归因模型对比（各来源的成交笔数）"),
            "creatives": DIMENSIONS["creative"].name,
            "creative_tests": Text("Creative tests (plans side by side within a source)",
                                   "创意测试（同一来源内的计划横向对比）"),
            "control": Text("Control", "对照"),
            "treatment": Text("Treatment", "实验"),
            "visitors_split": Text("Visitors (control : treatment)", "访客（对照 : 实验）"),
            "lift": Text("Conversion lift (95% CI)", "转化率提升（95% 置信区间）"),
            "verdict": Text("Verdict", "结论"),
            "search_top": Text("Top search terms", "热搜词"),
            "search_no_results": Text("Searches with no results", "无结果搜索词"),
            "search_no_purchase": Text("Searched but did not buy", "搜了没买的词"),
            "setting": Text("Attribution setting", "归因设置"),
            "flags": Text("Guard rails", "预警"),
            "flag_below_break_even": Text("extra spend below break-even", "新增花费低于盈亏平衡"),
            "flag_roas_below_break_even": Text("ROAS below break-even", "投入产出低于盈亏平衡"),
            "flag_keyword_over_band": Text("keyword spend above band", "关键词花费超区间"),
            "spend_share": SPEND_SHARE,
            "marginal_roas": MARGINAL_ROAS,
            "band": Text("Band", "合理区间"),
            "stage": Text("Stage", "店铺阶段"),
            "inferred": Text("inferred", "自动判断"),
            "unknown": Text("unknown (no product costs)", "未知（没有商品成本）"),
            "keyword_ratio": Text("Keyword spend ratio", "关键词推广费占比"),
            "model": Text("Model", "模型"),
            "group": Text("Group", "词组"),
            "searches": Text("Searches", "搜索次数"),
            "searchers": Text("Searchers", "搜索人数"),
            "buyers": Text("Buyers", "成交人数"),
            "search_conversion": Text("Search conversion", "搜索转化率"),
            "no_results": Text("No results", "无结果"),
            "non_buyers": Text("Did not buy", "未成交人数"),
            "looked_at": Text("Product they looked at", "看过的商品"),
            "looked_visitors": Text("Non-buyers who looked at it", "看过它的未成交人数"),
            "change": Text("Change", "变化"),
        },
    ),
    Page(
        key="service", path="/service", title=Text("Service", "服务"),
        summary="服务 Service: DSR, ratings, negative reviews, shipping times",
        needs=("reviews",),
        missing=Text("No reviews are loaded for this shop: DSR, ratings and review aspects stay empty (the shipping "
                     "panels need ship and delivery times in the orders). Load the platform's review export with "
                     "junshi ingest.",
                     "本店尚未导入评价：DSR、评分与评价方面为空（发货与物流面板需要订单中的发货、签收时间）。"
                     "请用 junshi ingest 导入平台的评价导出文件。"),
        text={
            "dsr_trend": Text("DSR, 180-day rolling", "DSR 动态评分（近180天）"),
            "ratings": Text("Rating distribution", "评分分布"),
            "reviews": Text("Reviews", "评价数"),
            "negative": Text("Latest negative reviews", "最新差评"),
            "shipping": Text("Shipping and delivery times", "发货与送达时长"),
            "product": DIMENSIONS["product"].name,
            "aspects": LISTS["aspects"],
            "dsr_forecast": LISTS["dsr_forecast"],
            "carriers": LISTS["by_carrier"],
            "overdue": LISTS["overdue"],
            **{f"f_{f}": field_name(f) for f in (
                "aspect", "mentions", "negative", "negative_share", "affected_products", "example", "score", "current",
                "forecast", "interval", "method", "model", "no_change", "peer", "alert", "likely", "possible",
                "negative_aspects", "low_products", "low_carriers", "carrier", "delivered_orders", "late_orders",
                "late_share", "order_id", "promised_at", "days_overdue", "stage")},
        },
    ),
    Page(
        key="customers", path="/customers", title=Text("Customers", "客户"),
        summary="客户 Customers: RFM groups as of a period's last day and repurchase over it",
        text={
            "customers_rfm": Text("RFM groups", "RFM 客户分层"),
            "customers": Text("Customers", "客户数"),
            "action": Text("What to do", "运营动作"),
            "repurchase": Text("Repurchase (customers by number of orders)", "复购（按购买次数的客户分布）"),
            "median_gap": Text("median days between purchases", "购买间隔中位数"),
        },
    ),
    Page(
        key="risk", path="/risk", title=Text("Risk", "风控"),
        summary="风控 Risk: suspect (刷单) orders with reasons, the ring's fingerprint graph, daily suspect share, "
                "key figures with and without suspects; unpaid-order, refund and bad-review abuse by buyer and address",
        text={
            "with_suspects": Text("Key figures as recorded", "原始数据"),
            "without_suspects": CLEAN.name,
            "share": Text("Share of suspect orders by day", "每日可疑订单占比"),
            "share_series": Text("Suspect share", "可疑订单占比"),
            "jumps": Text("Days the suspect share jumped", "可疑订单占比突增的日子"),
            "ring": Text("Largest ring: buyers and the addresses and devices they share",
                         "最大团伙：买家及其共用的地址与设备"),
            "suspects": Text("Suspect orders (score, reasons)", "可疑订单（风险分与原因）"),
            "buyer": Text("Buyer", "买家"), "address": Text("Address", "地址"), "device": DIMENSIONS["device"].name,
            "score": Text("Score", "风险分"), "order": Text("Order", "订单"), "amount": DIMENSIONS["pay_amount"].name,
            "no_suspects": Text("No suspect order in this period.", "本期没有可疑订单。"),
            "no_ring": Text("No ring among this period's suspect orders.", "本期可疑订单中没有团伙。"),
            **CHECK_NAMES,
            "level": Text("Buyer or address", "买家或地址"), "id": Text("Buyer / address", "买家 / 地址"),
            "count": Text("Count", "次数"), "total": Text("Of", "总数"),
            "no_abuse": Text("No suspect in these days.", "这段时间没有可疑对象。"),
        },
    ),
    Page(
        key="promo", path="/promo", title=Text("Promotions", "活动"),
        summary="活动 Promotions: post-mortem of the last big shopping day, its pace by hour, the plan of the next",
        text={
            "waterfall": Text("What the promotion added (post-mortem)", "活动带来了什么（复盘）"),
            "daily": Text("Daily sales against the counterfactual", "每日销售额与无活动基线"),
            "phases": Text("By phase", "分阶段"),
            "presale": Text("Presale: deposits and balances", "预售：定金与尾款"),
            "new_customers": Text("New customers and their repurchase", "新客及其复购"),
            "stockouts": Text("Out of stock during the promotion", "活动期间断货的商品"),
            "live": Text("Main day pace by hour", "大促当天分时进度"),
            "plan": Text("Plan of the next promotion", "下一次大促计划"),
            "plan_sources": Text("Visitors per source and paid spend", "各来源访客与推广花费"),
            "plan_days": Text("Day by day", "每日计划"),
            "plan_products": Text("Stock needed", "备货需求"),
            "baseline": Text("Baseline (no promotion)", "基线（无活动）"),
            "baseline_def": Text("Sales the days would have made without the promotion: the shop's own weeks before, "
                                 "forecast with weekday effects and a trend.",
                                 "没有活动时这些天的销售额：用活动前几周的数据（含星期效应与趋势）预测。"),
            "pull_forward": Text("Pulled forward", "需求前移"),
            "main_lift": Text("Main day lift", "大促当天增量"),
            "hangover": Text("Hangover", "活动后透支"),
            "actual": Text("Actual sales", "实际销售额"),
            "incremental": Text("Incremental sales", "增量销售额"),
            "incremental_def": Text("Sales of the promotion's days minus their baseline, warm-up dip and hangover "
                                    "netted out.", "活动期间销售额减去基线，已扣除预热期需求前移和活动后透支。"),
            "interval": Text("Interval", "区间"),
            "low": Text("Lower bound", "下限"), "high": Text("Upper bound", "上限"),
            "phase": Text("Phase", "阶段"),
            "lift": Text("Lift", "增量"),
            "days": DIMENSIONS["day"].name,
            "hour": DIMENSIONS["hour"].name,
            "cumulative": Text("Cumulative sales", "累计销售额"),
            "planned": Text("Plan", "计划"),
            "projection": Text("Projected close", "预计全天"),
            "target": Text("Target", "目标"),
            "target_default": Text("default: the last promotion's main day", "默认：上次大促当天销售额"),
            "pace": Text("Pace", "进度"),
            "orders": Text("Orders", "订单数"),
            "deposits": DIMENSIONS["deposit_amount"].name,
            "balance_paid": Text("Balances paid", "已付尾款"),
            "cancelled": Text("Cancelled (deposit kept)", "未付尾款（定金不退）"),
            "acquired": Text("New customers", "新客数"),
            "promo_customers": Text("Acquired in the promotion", "活动期间的新客"),
            "group": Text("Customers", "客群"),
            "item": Text("Item", "项目"), "value": Text("Value", "数值"),
            "repurchase": Text("Repurchase within {n} days", "{n} 天内复购率"),
            "ordinary": Text("Ordinary new customers", "平时的新客"),
            "product": DIMENSIONS["product"].name,
            "days_out": Text("Days out", "断货天数"),
            "first_day": Text("First day out", "首次断货日"),
            "lost_sales": Text("Lost sales", "损失销售额"),
            "forecast_units": Text("Forecast units", "预测件数"),
            "upper_units": Text("Upper (90%)", "上限（90%）"),
            "stock": Text("Stock", "库存"),
            "presale_units": Text("Presale units", "预售件数"),
            "stock_needed": Text("Stock needed", "需补货"),
            "stockout_risk": Text("Stock-out risk", "断货概率"),
            "share": Text("Share", "占比"),
            "basis_past_event": Text("rates of the last promotion's main day", "按上次大促当天的转化率与客单价"),
            "basis_ordinary_days": Text("rates of ordinary days (no past promotion)",
                                        "按平时的转化率与客单价（无往期大促）"),
            "cannibalisation": Text("Products not on promotion against their baseline", "未参加活动的商品与其基线"),
            "no_promotion": Text("No promotion to review up to this day.", "截至这一天没有可复盘的活动。"),
        },
    ),
    Page(
        key="data", path="/data", title=Text("Data", "数据"), needs_period=False, api=False,
        text={
            "upload": Text("Upload files", "上传文件"),
            "drop_here": Text("Drop files here or click to choose", "将文件拖到此处，或点击选择"),
            "preset": Text("Preset", "预设格式"),
            "preset_auto": Text("Automatic (match column names)", "自动（按列名匹配）"),
            "table": Text("Table", "数据表"),
            "load_summary": Text("Load summary", "导入结果"),
            "quarantine": Text("Quarantined rows", "隔离的数据行"),
            "quarantine_hint": Text(
                "The first 50 by file and line; `junshi quarantine --limit N --format csv` lists them all.",
                "此处为按文件和行号的前 50 行；`junshi quarantine --limit N --format csv` 可列出全部。"),
            "catalogue": Text("Metric catalogue (口径)", "指标口径"),
            "metric": Text("Metric", "指标"),
            "definition": Text("Definition", "定义"),
            "unit": Text("Unit", "单位"),
            "needs": Text("Needs tables", "所需数据表"),
            "file": Text("File", "文件"),
            "line": DIMENSIONS["line_no"].name,
        },
    ),
)


def page(key: str) -> Page:
    """The page declared as ``key``."""
    return next(p for p in PAGES if p.key == key)


def page_api(declared: Page) -> PageApi | None:
    """The call of a page, from its view module (imported now); None for a page without one."""
    if not declared.api:
        return None
    api = importlib.import_module(f"junshi.api.pages.{declared.key}").API
    if not isinstance(api, PageApi):
        raise TypeError(f"junshi.api.pages.{declared.key}.API must be a PageApi")
    return api
