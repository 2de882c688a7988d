"""What buyers talk about: review aspects per aspect (mentions, negative mentions, share, monthly
trend, products most affected, example reviews). The JSON contract of ``junshi service reviews``.

A text's aspects are those tagged when its reviews were loaded (``rollup_review_tags``, of this tagger's version:
:mod:`junshi.rollup.review_tags`): when every text of the days has them, the reviews are counted per aspect,
polarity, product and month in DuckDB, joined with their texts' tags. A text without them (rollups not built, a
tagger upgraded since) is tagged here (Python: jieba, the lexicon and the model), each distinct text once (platform
reviews repeat a lot: 好评！, 满意 ...), and its reviews counted in pandas, to the same counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt
import pandas as pd
from ibis import _

from junshi.errors import MissingDataError
from junshi.service.aspects import Tags, aspects_of, decode_tags, encode_tags, is_chinese
from junshi.vocab import REVIEW_ASPECTS

if TYPE_CHECKING:
    from collections.abc import Iterable

    from junshi.shop import Shop

EXAMPLES = 3
PRODUCTS = 5


TAGGED_TEXTS = 65536  # distinct texts whose aspects are kept between calls
_tagged: dict[str, Tags] = {}


def _tag(shop: Shop, texts: Iterable[str], start: date | None, end: date | None) -> dict[str, Tags]:
    """text -> its (aspect, polarity) pairs for texts of the reviews from ``start`` to ``end``: those stored at load
    time, else tagged here, only the texts not seen before (in one pass). The answer is this call's own dict:
    another request clearing the shared cache meanwhile cannot take a text out of it."""
    stored = _stored_tags(shop, start, end)
    known = {t: stored[t] if t in stored else _tagged.get(t) for t in texts}
    new = [t for t, tags in known.items() if tags is None]
    fresh = dict(zip(new, (tuple(a.items()) for a in aspects_of(new)), strict=True)) if new else {}
    if len(_tagged) + len(fresh) > TAGGED_TEXTS:
        _tagged.clear()
    _tagged.update(fresh)
    return {t: fresh[t] if tags is None else tags for t, tags in known.items()}


def _stored_tags(shop: Shop, start: date | None, end: date | None) -> dict[str, Tags]:
    """text -> its tags stored by the loads of the reviews from ``start`` to ``end`` (``rollup_review_tags``, this
    tagger's version); none where the shop's rollups are not built in DuckDB."""
    from junshi import rollup
    from junshi.rollup.tables import REVIEW_TAGS
    from junshi.service.aspects import tagger_version
    from junshi.versioned import kept

    con = rollup.built_in(shop, all_orders=False)  # reviews: no suspect orders to leave out
    if con is None:
        return {}

    version = tagger_version()

    def read() -> dict[str, Tags]:
        rows = con.execute(
            f"SELECT text, any_value(tags) FROM {REVIEW_TAGS.name} WHERE shop_id = ? AND model = ? "
            "AND date >= coalesce(?, date) AND date <= coalesce(?, date) GROUP BY text",
            [shop.shop_id, version, start, end]).fetchall()
        return {text: decode_tags(tags) for text, tags in rows}

    return kept(shop, ("review_tags", version, start, end), read)


def _reviews(shop: Shop, start: date | None, end: date | None) -> ibis.Table:
    r = shop.table("reviews")
    r = r.filter(r.text.notnull() & (r.text.strip() != ""))
    if start is not None:
        r = r.filter(r.created_at.date() >= start)
    if end is not None:
        r = r.filter(r.created_at.date() <= end)
    return r


def _text_queries(shop: Shop, start: date | None, end: date | None) -> dict[str, ibis.Table]:
    r = _reviews(shop, start, end)
    cells = r.group_by("text", "product_id", month=r.created_at.strftime("%Y-%m")).aggregate(n=r.count())
    order = ibis.window(group_by="text", order_by=[r.created_at.desc(), r.review_id])
    ranked = r.mutate(rank=ibis.row_number().over(order))
    newest = ranked.filter(ranked["rank"] < EXAMPLES).select("review_id", "product_id", "created_at", "rating", "text")
    return {"cells": cells, "newest": newest}


def text_frames(shop: Shop, start: date | None = None, end: date | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The shop's review texts from ``start`` to ``end`` (shop-local days), counted in the warehouse engine:
    ``cells`` (text, product_id, month, n: its reviews) and ``newest`` (each text's newest ``EXAMPLES`` reviews:
    review_id, product_id, created_at, rating, text; newest first). A text's aspects are the same in every review
    of it, so what a review's aspects add up to is known from these without reading every review."""
    from junshi.metrics.query import run_dated

    got = run_dated(shop.warehouse, shop.shop_id, "review_texts", lambda a, b: _text_queries(shop, a, b), start, end)
    newest = got["newest"].sort_values(["created_at", "review_id"], ascending=[False, True], ignore_index=True)
    return got["cells"], newest


def mention_frame(cells: pd.DataFrame, tags: dict[str, Tags]) -> pd.DataFrame:
    """One row per row of ``cells`` (a frame with a ``text`` column) and aspect its text names (``tags``: each
    text's): its columns, aspect, polarity (texts without an aspect drop out)."""
    texts = [str(t) for t in cells["text"].unique()]
    m = pd.DataFrame([(t, a, p) for t in texts for a, p in tags[t]], columns=["text", "aspect", "polarity"])
    return cells.merge(m, on="text", sort=False)


@dataclass(frozen=True)
class Counted:
    """The reviews with a text of some days counted per aspect their text names: ``reviews`` (all of them),
    ``read`` (those in Chinese), ``mentions`` (aspect, polarity, product_id, month, n: reviews) and ``examples``
    (each aspect and polarity's newest ``EXAMPLES`` reviews, newest first: aspect, polarity, review_id,
    product_id, created_at, rating, text, tags: the text's, encoded)."""

    reviews: int
    read: int
    mentions: pd.DataFrame
    examples: pd.DataFrame


def counted(shop: Shop, start: date | None, end: date | None) -> Counted:
    """The reviews from ``start`` to ``end`` counted per aspect: in DuckDB from the tags stored at load time when
    every text has them, else from the texts' cells tagged here (the same counts). Kept per data version and tagger
    version: the aspects and the DSR forecast ask for the same days."""
    from junshi.service.aspects import tagger_version
    from junshi.versioned import kept

    return kept(shop, ("review_aspects", tagger_version(), start, end), lambda: _counted_stored(shop, start, end)
                or _counted_here(shop, start, end))


def _counted_stored(shop: Shop, start: date | None, end: date | None) -> Counted | None:
    """:class:`Counted` from the reviews joined with their day's stored tags (``rollup_review_tags``, this tagger's
    version); None when a text of the days has none (or the shop's rollups are not built in DuckDB)."""
    from junshi import rollup
    from junshi.metrics.query import run_dated
    from junshi.service.aspects import tagger_version

    if rollup.built_in(shop, all_orders=False) is None:  # reviews: no suspect orders to leave out
        return None
    version = tagger_version()
    got = run_dated(shop.warehouse, shop.shop_id, f"review_aspects:{version}",
                    lambda a, b: _stored_queries(shop, version, a, b), start, end)
    cover = got["cover"].iloc[0]
    if int(cover["untagged"]):
        return None
    return Counted(int(cover["reviews"]), int(cover["read"]), got["mentions"], got["examples"])


def _stored_queries(shop: Shop, version: str, start: date | None, end: date | None) -> dict[str, ibis.Table]:
    """The reviews left-joined with their day's stored tags: how many have none (``cover``); their tags counted per
    aspect, polarity, product and month (``mentions``); each aspect and polarity's newest reviews (``examples``).
    Both group the reviews by their text's tags first (a few hundred distinct tag lists), so that the tags are split
    and the aspects named on those groups rather than on every review."""
    from junshi.rollup.tables import REVIEW_TAGS

    r = _reviews(shop, start, end)
    t = shop.warehouse.backend_table(REVIEW_TAGS.name)
    t = t.filter(t.shop_id == shop.shop_id, t.model == version)
    if start is not None:
        t = t.filter(t.date >= start)
    if end is not None:
        t = t.filter(t.date <= end)
    t = t.select(_day="date", _text="text", _read="read", tags="tags")
    j = r.left_join(t, [r.created_at.date() == t._day, r.text == t._text])
    cover = j.aggregate(reviews=j.count(), read=j.count(where=j._read), untagged=j.count(where=j._text.isnull()))
    j = j.filter(j.tags != "")
    cells = j.group_by("tags", "product_id", month=j._day.strftime("%Y-%m")).aggregate(n=j.count())
    mentions = _aspects_of(cells).group_by("aspect", "polarity", "product_id", "month").aggregate(n=_.n.sum())
    newest = j.group_by("tags").aggregate(ex=_newest(_example_of(j), _newest_first(j), EXAMPLES))
    newest = newest.select(ex=newest.ex.unnest())
    newest = _aspects_of(newest.select(*(newest.ex[c].name(c) for c in EXAMPLE.names)))
    newest = newest.group_by("aspect", "polarity").aggregate(
        ex=_newest(_example_of(newest), _newest_first(newest), EXAMPLES))
    examples = newest.select("aspect", "polarity", ex=newest.ex.unnest())
    examples = examples.select("aspect", "polarity", *(examples.ex[c].name(c) for c in EXAMPLE.names))
    return {"cover": cover, "mentions": mentions, "examples": examples}


def _aspects_of(t: ibis.Table) -> ibis.Table:
    """A row of ``t`` per tag in its ``tags`` (``encode_tags``), with the tag's aspect and polarity."""
    u = t.mutate(_tag=t.tags.split(" ").unnest())
    return u.mutate(aspect=u._tag.substr(0, u._tag.length() - 1),
                    polarity=ibis.ifelse(u._tag.right(1) == "+", 1, -1).cast("int64")).drop("_tag")


EXAMPLE = dt.Struct({"review_id": "string", "product_id": "string", "created_at": "timestamp", "rating": "int32",
                     "text": "string", "tags": "string"})


def _example_of(t: ibis.Table) -> ibis.Value:
    return ibis.struct({c: t[c] for c in EXAMPLE.names})


def _newest_first(t: ibis.Table) -> ibis.Value:
    return ibis.struct({"t": -t.created_at.epoch_seconds(), "r": t.review_id})


@ibis.udf.agg.builtin(name="min_by", signature=((EXAMPLE, dt.Struct({"t": "float64", "r": "string"}), dt.int64),
                                                dt.Array(EXAMPLE)))  # type: ignore[untyped-decorator]
def _newest(arg: Any, key: Any, n: int) -> Any:  # the types are the signature's (Ibis's decorator is untyped)
    """DuckDB's ``min_by(arg, key, n)``: the ``arg`` of the ``n`` rows of least ``key`` (with ``_newest_first``:
    the newest reviews, then by review_id; the top of each group without sorting all its rows). The newest of
    an aspect are among the newest of each tag list naming it."""


def _counted_here(shop: Shop, start: date | None, end: date | None) -> Counted:
    """:class:`Counted` from the texts' cells and newest reviews (:func:`text_frames`), tagged here."""
    cells, newest = text_frames(shop, start, end)
    per_text = cells.groupby("text").n.sum()
    read = int(sum(n for t, n in per_text.items() if is_chinese(str(t))))
    tags = _tag(shop, [str(t) for t in per_text.index], start, end)
    mentions = (mention_frame(cells, tags).groupby(["aspect", "polarity", "product_id", "month"], dropna=False)
                .n.sum().reset_index())
    found = mention_frame(newest, tags).sort_values(["created_at", "review_id"], ascending=[False, True])
    examples = found.groupby(["aspect", "polarity"], sort=False).head(EXAMPLES)
    examples = examples.assign(tags=[encode_tags(tags[str(t)]) for t in examples["text"]])
    return Counted(int(per_text.sum()), read, mentions, examples.reset_index(drop=True))


def negative_mentions(shop: Shop, start: date, end: date) -> dict[str, int]:
    """Negative mentions per aspect in the reviews from ``start`` to ``end``: the most first, ties in the order
    the newest review first names them."""
    c = counted(shop, start, end)
    negative = c.mentions[c.mentions["polarity"] < 0].groupby("aspect").n.sum()
    first: dict[str, tuple[int, str, int]] = {}  # the newest review naming the aspect, its place in the text
    for e in c.examples[c.examples["polarity"] < 0].to_dict("records"):
        key = (-pd.Timestamp(e["created_at"]).value, str(e["review_id"]),
               [a for a, _ in decode_tags(str(e["tags"]))].index(e["aspect"]))
        first[str(e["aspect"])] = min(key, first.get(str(e["aspect"]), key))
    order = sorted(negative.index, key=lambda a: (-int(negative[a]), first[str(a)]))
    return {str(a): int(negative[a]) for a in order}


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
    c = counted(shop, start, end)
    if not c.reviews:
        raise MissingDataError(
            "This shop has no review texts in these days.", "本店在所选日期没有评价内容。",
            hint_en="Load reviews (with their text) first, or choose other days.",
            hint_zh="请先导入带内容的评价，或选择其他日期。",
        )
    # summed in plain Python: a few thousand counted rows, where 18 pandas group-bys cost ~0.15 s CPU on any shop
    totals: dict[str, list[int]] = {}  # aspect -> [mentions, negative]
    months: dict[str, dict[str, list[int]]] = {}
    products: dict[str, dict[str, list[int]]] = {}
    for r in c.mentions.to_dict("records"):
        aspect, n = str(r["aspect"]), int(r["n"])
        sums = (n, n if r["polarity"] < 0 else 0)
        for key, into in ((aspect, totals), (r["month"], months.setdefault(aspect, {})),
                          (r["product_id"], products.setdefault(aspect, {}))):
            if not pd.isna(key):  # as a group-by, which leaves out missing keys
                got = into.setdefault(str(key), [0, 0])
                got[0], got[1] = got[0] + sums[0], got[1] + sums[1]
    said: dict[str, list[dict[Any, Any]]] = {}
    for e in c.examples.to_dict("records"):
        said.setdefault(str(e["aspect"]), []).append(e)
    out: list[dict[str, Any]] = []
    for a in REVIEW_ASPECTS.values():
        if a.id not in totals:
            continue
        mentions, negative = totals[a.id]
        prods = sorted(((p, m, neg) for p, (m, neg) in products[a.id].items() if neg > 0),
                       key=lambda x: (-x[2], -x[1], x[0]))[:PRODUCTS]
        ex = [e for e in said.get(a.id, []) if not negative or e["polarity"] < 0]
        ex.sort(key=lambda e: (-pd.Timestamp(e["created_at"]).value, str(e["review_id"])))
        out.append({
            "aspect": a.id, "name_zh": a.name.zh, "name_en": a.name.en,
            "mentions": mentions, "negative": negative,
            "negative_share": round(negative / mentions, 4),
            "share": round(mentions / c.read, 4),
            "trend": [{"month": k, "mentions": v[0], "negative": v[1]} for k, v in sorted(months[a.id].items())],
            "products": [{"product_id": p, "mentions": m, "negative": neg} for p, m, neg in prods],
            "examples": [_example(r) for r in ex[:EXAMPLES]],
        })
    out.sort(key=lambda x: (-x["negative"], -x["mentions"]))
    return {
        "reviews": c.reviews,
        "read": c.read,
        "start": None if start is None else start.isoformat(),
        "end": None if end is None else end.isoformat(),
        "aspects": out,
    }
