"""流量 Traffic: sources over the period, their daily visitors and the landing pages."""

from __future__ import annotations

from junshi import Shop
from junshi.api.models import Model, Row, Trend
from junshi.api.pages import PageApi, period_endpoint
from junshi.api.views import series
from junshi.i18n import Lang
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


API = PageApi(endpoint=period_endpoint("traffic", traffic), response=TrafficResponse)
