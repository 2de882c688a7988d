"""Reviews over a range of days: how many of each rating, and the latest negative ones.

A negative review is one rated at most :attr:`AdviceSettings.negative_rating` stars, the threshold the advice on
negative reviews uses too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from junshi.analysis.advice import AdviceSettings

if TYPE_CHECKING:
    from junshi.shop import Shop

LATEST = 20  # negative reviews listed


@dataclass(frozen=True, kw_only=True)
class Review:
    created_at: str  # shop-local, to the minute
    rating: int
    product: str | None
    text: str | None


def rating_counts(shop: Shop, start: dt.date, end: dt.date) -> dict[int, int]:
    """Reviews per rating created from ``start`` to ``end`` (shop-local days, inclusive), ratings ascending."""
    reviews = shop.table("reviews")
    window = reviews.filter(reviews.created_at.date().between(start, end) & reviews.rating.notnull())
    frame = window.group_by("rating").aggregate(reviews=window.count()).order_by("rating").execute()
    return {int(r.rating): int(r.reviews) for r in frame.itertuples()}


def negative_reviews(shop: Shop, start: dt.date, end: dt.date, *, limit: int = LATEST,
                     settings: AdviceSettings | None = None) -> list[Review]:
    """The latest reviews rated at most ``settings.negative_rating`` created from ``start`` to ``end``, newest
    first."""
    worst = (settings or AdviceSettings()).negative_rating
    reviews = shop.table("reviews")
    frame = (
        reviews.filter(reviews.created_at.date().between(start, end) & (reviews.rating <= worst))
        .order_by(reviews.created_at.desc())
        .select("created_at", "rating", product="product_id", text="text")
        .limit(limit)
        .execute()
    )
    return [
        Review(created_at=str(r.created_at)[:16], rating=int(r.rating), product=r.product, text=r.text)
        for r in frame.itertuples()
    ]
