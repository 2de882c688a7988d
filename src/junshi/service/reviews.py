"""What buyers talk about: review aspects per aspect (mentions, negative mentions, share, monthly
trend, products most affected, example reviews). The JSON contract of ``junshi service reviews``.

Review texts are read into this process (the tagging is Python: jieba, the lexicon and the model); each distinct
text is tagged once (platform reviews repeat a lot: 好评！, 满意 ...).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from junshi.errors import MissingDataError
from junshi.service.aspects import aspects_of, is_chinese
from junshi.vocab import REVIEW_ASPECTS

if TYPE_CHECKING:
    from collections.abc import Iterable

    from junshi.shop import Shop

EXAMPLES = 3
PRODUCTS = 5


TAGGED_TEXTS = 65536  # distinct texts whose aspects are kept between calls
_tagged: dict[str, tuple[tuple[str, int], ...]] = {}


def _tag(texts: Iterable[str]) -> dict[str, tuple[tuple[str, int], ...]]:
    """text -> its (aspect, polarity) pairs, tagging only the texts not seen before (in one pass). The answer is
    this call's own dict: another request clearing the shared cache meanwhile cannot take a text out of it."""
    known = {t: _tagged.get(t) for t in texts}
    new = [t for t, tags in known.items() if tags is None]
    fresh = dict(zip(new, (tuple(a.items()) for a in aspects_of(new)), strict=True)) if new else {}
    if len(_tagged) + len(fresh) > TAGGED_TEXTS:
        _tagged.clear()
    _tagged.update(fresh)
    return {t: fresh[t] if tags is None else tags for t, tags in known.items()}


def review_frame(shop: Shop, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """The shop's reviews with a text, from ``start`` to ``end`` (shop-local days), newest first."""
    r = shop.table("reviews")
    r = r.filter(r.text.notnull() & (r.text.strip() != ""))
    if start is not None:
        r = r.filter(r.created_at.date() >= start)
    if end is not None:
        r = r.filter(r.created_at.date() <= end)
    f: pd.DataFrame = r.select("review_id", "product_id", "created_at", "rating", "text").order_by(
        [r.created_at.desc(), "review_id"]).execute()
    return f


def mention_frame(reviews: pd.DataFrame) -> pd.DataFrame:
    """One row per (review, aspect): review_id, product_id, created_at, rating, text, aspect, polarity."""
    texts = [str(t) for t in reviews["text"]]
    tags = _tag(texts)
    rows = [(i, a, p) for i, text in zip(reviews.index, texts, strict=True) for a, p in tags[text]]
    m = pd.DataFrame(rows, columns=["_i", "aspect", "polarity"])
    return reviews.join(m.set_index("_i"), how="inner")


def _example(r: dict[Any, Any]) -> dict[str, Any]:
    return {"review_id": str(r["review_id"]),
            "product_id": None if pd.isna(r["product_id"]) else str(r["product_id"]),
            "created_at": pd.Timestamp(r["created_at"]).isoformat(sep=" "),
            "rating": None if pd.isna(r["rating"]) else int(r["rating"]), "text": str(r["text"]),
            "polarity": int(r["polarity"])}


def review_aspects(shop: Shop, start: date | None = None, end: date | None = None) -> dict[str, Any]:
    """Per aspect (most negative mentions first): mentions, negative, negative_share, share (of the
    reviews read), monthly trend, products most affected (most negative mentions), examples (the newest
    negative reviews, else the newest). ``reviews`` counts the review texts of the days, ``read`` those in
    Chinese (the others are not read: :func:`junshi.service.aspects.is_chinese`)."""
    reviews = review_frame(shop, start, end)
    if reviews.empty:
        raise MissingDataError(
            "This shop has no review texts in these days.", "本店在所选日期没有评价内容。",
            hint_en="Load reviews (with their text) first, or choose other days.",
            hint_zh="请先导入带内容的评价，或选择其他日期。",
        )
    read = int(reviews["text"].map(lambda t: is_chinese(str(t))).sum())
    m = mention_frame(reviews)
    m["month"] = pd.to_datetime(m["created_at"]).dt.strftime("%Y-%m")
    m["neg"] = (m["polarity"] < 0).astype(int)
    out: list[dict[str, Any]] = []
    for a in REVIEW_ASPECTS.values():
        g = m[m["aspect"] == a.id]
        if g.empty:
            continue
        trend = g.groupby("month").agg(mentions=("neg", "size"), negative=("neg", "sum")).reset_index()
        prods = (g[g["product_id"].notna()].groupby("product_id")
                 .agg(mentions=("neg", "size"), negative=("neg", "sum")).reset_index()
                 .sort_values(["negative", "mentions", "product_id"], ascending=[False, False, True]))
        prods = prods[prods["negative"] > 0].head(PRODUCTS)
        negative = g[g["neg"] == 1]
        ex = (negative if not negative.empty else g).head(EXAMPLES)
        out.append({
            "aspect": a.id, "name_zh": a.name.zh, "name_en": a.name.en,
            "mentions": len(g), "negative": int(g["neg"].sum()),
            "negative_share": round(float(g["neg"].mean()), 4),
            "share": round(len(g) / read, 4),
            "trend": [{"month": r["month"], "mentions": int(r["mentions"]), "negative": int(r["negative"])}
                      for r in trend.to_dict("records")],
            "products": [{"product_id": str(r["product_id"]), "mentions": int(r["mentions"]),
                          "negative": int(r["negative"])} for r in prods.to_dict("records")],
            "examples": [_example(r) for r in ex.to_dict("records")],
        })
    out.sort(key=lambda x: (-x["negative"], -x["mentions"]))
    return {
        "reviews": len(reviews),
        "read": read,
        "start": None if start is None else start.isoformat(),
        "end": None if end is None else end.isoformat(),
        "aspects": out,
    }
