"""服务 Service: DSR and shipping of the period, their trends, the rating distribution and negative reviews."""

from __future__ import annotations

from junshi import Shop
from junshi.analysis.reviews import negative_reviews, rating_counts
from junshi.api.models import Card, Model, Trend
from junshi.api.pages import Page, period_endpoint
from junshi.api.views import cards, series, trend_range
from junshi.i18n import Lang, Text
from junshi.periods import Period

SERVICE_CARDS = ("dsr_item", "dsr_service", "dsr_logistics", "positive_review_rate", "hours_to_ship", "days_to_deliver")
DSR = ("dsr_item", "dsr_service", "dsr_logistics")
SHIPPING = ("hours_to_ship", "days_to_deliver")


class RatingCount(Model):
    rating: int
    reviews: int


class NegativeReview(Model):
    created_at: str
    rating: int
    product: str | None
    text: str | None


class ServiceResponse(Model):
    cards: list[Card]
    start: str
    end: str
    dsr: Trend
    shipping: Trend
    ratings: list[RatingCount]
    negative: list[NegativeReview]


def service(shop: Shop, period: Period, lang: Lang) -> ServiceResponse:
    """DSR and shipping cards of the period and their trends; the rating distribution and the latest negative
    reviews of the trend's days (the period, and at least 30 days)."""
    start, end = trend_range(period)
    return ServiceResponse(
        cards=cards(shop, period, SERVICE_CARDS, lang),
        start=start.isoformat(), end=end.isoformat(),
        dsr=series(shop, DSR, period),
        shipping=series(shop, SHIPPING, period),
        ratings=[RatingCount(rating=k, reviews=v) for k, v in rating_counts(shop, start, end).items()],
        negative=[NegativeReview(created_at=r.created_at, rating=r.rating, product=r.product, text=r.text)
                  for r in negative_reviews(shop, start, end)],
    )


PAGE = Page(
    key="service", path="/service", title=Text("Service", "服务"),
    summary="服务 Service: DSR, ratings, negative reviews, shipping times",
    endpoint=period_endpoint("service", service), response=ServiceResponse,
    text={
        "dsr_trend": Text("DSR, 180-day rolling", "DSR 动态评分（近180天）"),
        "ratings": Text("Rating distribution", "评分分布"),
        "negative": Text("Latest negative reviews", "最新差评"),
        "shipping": Text("Shipping and delivery times", "发货与送达时长"),
    },
)
