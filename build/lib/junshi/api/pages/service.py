"""服务 Service: DSR and shipping of the period, their trends, the rating distribution and negative reviews."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from junshi import Shop
from junshi.analysis.lookups import product_label, product_names
from junshi.analysis.reviews import negative_reviews, rating_counts
from junshi.api.models import Card, Model, Trend
from junshi.api.pages import PageApi, period_endpoint
from junshi.api.views import cards, series
from junshi.errors import MissingDataError
from junshi.i18n import Lang
from junshi.periods import Period
from junshi.service.dsr import dsr_forecast
from junshi.service.labels import aspects_note
from junshi.service.logistics import logistics
from junshi.service.reviews import review_aspects
from junshi.vocab import DELIVERY_STAGES, REVIEW_ASPECTS

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
    products: list[str] = Field(description="The products with the most negative mentions, as \"name (id)\".")
    example: str | None


class DsrForecastRow(Model):
    metric: str
    name: str
    current: float
    forecast: float
    low: float
    high: float
    method: Literal["model", "no_change"]
    peer: float | None
    alert: bool
    certainty: Literal["likely", "possible"] | None
    aspects: list[str]
    products: list[str] = Field(description="The products with the most low ratings, as \"name (id)\".")
    carriers: list[str]


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
    stage_name: str


class ServiceResponse(Model):
    cards: list[Card]
    start: str
    end: str
    dsr: Trend
    shipping: Trend
    ratings: list[RatingCount]
    negative: list[NegativeReview]
    aspects: list[AspectRow]
    aspects_note: str | None  # review texts not read (not in Chinese), or why those read name no aspect
    dsr_forecast: list[DsrForecastRow]
    late_share: float | None
    by_carrier: list[CarrierRow]
    overdue: list[OverdueRow]


def _named(names: dict[str, str], products: list[dict[str, Any]]) -> list[str]:
    """The first three products, named as the 商品 page names them."""
    return [product_label(names.get(p["product_id"]), p["product_id"]) for p in products[:3]]


def _aspects(shop: Shop, start: date, end: date, lang: Lang, names: dict[str, str]
             ) -> tuple[list[AspectRow], str | None]:
    """The aspect rows, and what they leave out (the CLI's message)."""
    try:
        data = review_aspects(shop, start, end)
    except MissingDataError:
        return [], None
    rows = [AspectRow(aspect=a["aspect"], name=REVIEW_ASPECTS[a["aspect"]].name.get(lang),
                      mentions=a["mentions"], negative=a["negative"], negative_share=a["negative_share"],
                      products=_named(names, a["products"]),
                      example=a["examples"][0]["text"] if a["examples"] else None) for a in data["aspects"]]
    return rows, aspects_note(data, lang)


def _dsr(shop: Shop, end: date, lang: Lang, names: dict[str, str]) -> list[DsrForecastRow]:
    try:
        data = dsr_forecast(shop, end)
    except MissingDataError:
        return []
    return [DsrForecastRow(metric=d["metric"], name=d["name_zh"] if lang == "zh" else d["name_en"],
                           current=d["current"], forecast=d["forecast"], low=d["low"], high=d["high"],
                           method=d["method"], peer=d["peer"], alert=d["alert"], certainty=d["certainty"],
                           aspects=[f"{REVIEW_ASPECTS[a['aspect']].name.get(lang)} {a['negative']}"
                                    for a in d["aspects"][:3]],
                           products=_named(names, d["products"]),
                           carriers=[c["carrier"] for c in d["carriers"][:3]])
            for d in data["scores"]]


def service(shop: Shop, period: Period, lang: Lang) -> ServiceResponse:
    """DSR and shipping cards of the period and their trends; the rating distribution and the latest negative
    reviews of the trend's days (the period, and at least 30 days)."""
    trend = period.trend()
    start, end = trend.start, trend.end
    logi = logistics(shop, start, end, end, breakdowns=("carrier",), ratings=False)  # what the page shows
    names = product_names(shop)
    aspects, aspects_note = _aspects(shop, start, end, lang, names)
    return ServiceResponse(
        cards=cards(shop, period, SERVICE_CARDS, lang),
        start=start.isoformat(), end=end.isoformat(),
        dsr=series(shop, DSR, period),
        shipping=series(shop, SHIPPING, period),
        ratings=[RatingCount(rating=k, reviews=v) for k, v in rating_counts(shop, start, end).items()],
        negative=[NegativeReview(created_at=r.created_at, rating=r.rating, text=r.text,
                                 product=None if r.product is None else product_label(names.get(r.product), r.product))
                  for r in negative_reviews(shop, start, end)],
        aspects=aspects, aspects_note=aspects_note,
        dsr_forecast=_dsr(shop, end, lang, names),
        late_share=logi.late_share,
        by_carrier=[CarrierRow(**{k: r[k] for k in ("carrier", "delivered_orders", "late_orders", "late_share")})
                    for r in logi.by_carrier],
        overdue=[OverdueRow(**{k: r[k] for k in ("order_id", "promised_at", "carrier", "days_overdue", "stage")},
                            stage_name=DELIVERY_STAGES[r["stage"]].name.get(lang))
                 for r in logi.overdue[:50]],
    )


API = PageApi(endpoint=period_endpoint("service", service), response=ServiceResponse)
