"""流量 Traffic: sources over the period, their daily visitors and the landing pages."""

from __future__ import annotations

from junshi import Shop
from junshi.api.models import Model, Row, Trend
from junshi.api.pages import Page, period_endpoint
from junshi.api.views import series
from junshi.i18n import Lang, Text
from junshi.metrics.dimensions import REGISTRY as DIMENSIONS
from junshi.periods import Period

SOURCE_METRICS = ("uv", "payment_conversion_rate", "spend_per_buyer", "uv_value", "visitor_cost", "roas", "sales")
LANDING_METRICS = ("uv", "bounce_rate", "second_click_rate")
LANDING_ROWS = 20


class TrafficResponse(Model):
    start: str
    end: str
    metrics: list[str]
    sources: list[Row]
    trend: Trend
    landing_metrics: list[str]
    landing: list[Row]


def traffic(shop: Shop, period: Period, lang: Lang) -> TrafficResponse:
    """Sources over the period (most visitors first), visitors per source per day, the top landing pages."""
    start, end = period.start, period.end
    sources = shop.kpi(metrics=list(SOURCE_METRICS), by=["source"], start=start, end=end).records()
    sources.sort(key=lambda r: -(r.get("uv") or 0))
    landing = shop.kpi(metrics=list(LANDING_METRICS), by=["landing_page"], start=start, end=end).records()
    landing.sort(key=lambda r: -(r.get("uv") or 0))
    return TrafficResponse(
        start=start.isoformat(), end=end.isoformat(), metrics=list(SOURCE_METRICS), sources=sources,
        trend=series(shop, ["uv"], period, by="source"),
        landing_metrics=list(LANDING_METRICS), landing=landing[:LANDING_ROWS],
    )


PAGE = Page(
    key="traffic", path="/traffic", title=Text("Traffic", "流量"),
    summary="流量 Traffic: sources, their trends and landing pages",
    endpoint=period_endpoint("traffic", traffic), response=TrafficResponse,
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
)
