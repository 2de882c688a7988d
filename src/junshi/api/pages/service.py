"""服务 Service: DSR and shipping of the period, their trends, the rating distribution and negative reviews."""

from __future__ import annotations

from datetime import date

from junshi import Shop
from junshi.analysis.reviews import negative_reviews, rating_counts
from junshi.api.models import Card, Model, Trend
from junshi.api.pages import Page, period_endpoint
from junshi.api.views import cards, series, trend_range
from junshi.errors import MissingDataError
from junshi.i18n import Lang, Text
from junshi.periods import Period
from junshi.service.dsr import dsr_forecast
from junshi.service.logistics import logistics
from junshi.service.reviews import review_aspects

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


class AspectRow(Model):
    aspect: str
    name: str
    mentions: int
    negative: int
    negative_share: float
    products: list[str]
    example: str | None


class DsrForecastRow(Model):
    metric: str
    name: str
    current: float
    forecast: float
    peer: float | None
    alert: bool


class CarrierRow(Model):
    carrier: str
    delivered_orders: int
    late_orders: int
    late_share: float | None


class OverdueRow(Model):
    order_id: str
    promised_at: str
    carrier: str | None
    days_overdue: int
    stage: str


class ServiceResponse(Model):
    cards: list[Card]
    start: str
    end: str
    dsr: Trend
    shipping: Trend
    ratings: list[RatingCount]
    negative: list[NegativeReview]
    aspects: list[AspectRow]
    dsr_forecast: list[DsrForecastRow]
    late_share: float | None
    by_carrier: list[CarrierRow]
    overdue: list[OverdueRow]


def _aspects(shop: Shop, start: date, end: date, lang: Lang) -> list[AspectRow]:
    try:
        data = review_aspects(shop, start, end)
    except MissingDataError:
        return []
    return [AspectRow(aspect=a["aspect"], name=a["name_zh"] if lang == "zh" else a["name_en"],
                      mentions=a["mentions"], negative=a["negative"], negative_share=a["negative_share"],
                      products=[p["product_id"] for p in a["products"][:3]],
                      example=a["examples"][0]["text"] if a["examples"] else None) for a in data["aspects"]]


def _dsr(shop: Shop, end: date, lang: Lang) -> list[DsrForecastRow]:
    try:
        data = dsr_forecast(shop, end)
    except MissingDataError:
        return []
    return [DsrForecastRow(metric=d["metric"], name=d["name_zh"] if lang == "zh" else d["name_en"],
                           current=d["current"], forecast=d["forecast"], peer=d["peer"], alert=d["alert"])
            for d in data["scores"]]


def service(shop: Shop, period: Period, lang: Lang) -> ServiceResponse:
    """DSR and shipping cards of the period and their trends; the rating distribution and the latest negative
    reviews of the trend's days (the period, and at least 30 days)."""
    start, end = trend_range(period)
    logi = logistics(shop, start, end, end)
    return ServiceResponse(
        cards=cards(shop, period, SERVICE_CARDS, lang),
        start=start.isoformat(), end=end.isoformat(),
        dsr=series(shop, DSR, period),
        shipping=series(shop, SHIPPING, period),
        ratings=[RatingCount(rating=k, reviews=v) for k, v in rating_counts(shop, start, end).items()],
        negative=[NegativeReview(created_at=r.created_at, rating=r.rating, product=r.product, text=r.text)
                  for r in negative_reviews(shop, start, end)],
        aspects=_aspects(shop, start, end, lang),
        dsr_forecast=_dsr(shop, end, lang),
        late_share=logi.late_share,
        by_carrier=[CarrierRow(**{k: r[k] for k in ("carrier", "delivered_orders", "late_orders", "late_share")})
                    for r in logi.by_carrier],
        overdue=[OverdueRow(**{k: r[k] for k in ("order_id", "promised_at", "carrier", "days_overdue", "stage")})
                 for r in logi.overdue[:50]],
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
        "aspects": Text("What buyers talk about (review aspects)", "评价方面（买家在说什么）"),
        "dsr_forecast": Text("DSR in 30 days against peers", "30天后 DSR 预测与同行"),
        "carriers": Text("Late deliveries by carrier", "各物流公司延迟送达"),
        "overdue": Text("Overdue orders (not delivered by the promised day)", "超时未签收订单"),
    },
)
