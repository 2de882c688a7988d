"""Review aspects and sentiment (junshi.service.aspects): negation and contrast, and precision and
recall per aspect on the labelled set tests/fixtures/reviews_zh.csv.

Splits: ``dev`` (468 reviews the lexicon was written on: the first 144, 62 on price talk, then the second
(143) and third (119) hold-outs, each moved here after its one measurement), ``hold`` (88, written with the
first dev part, measured only in aggregate) and ``hold4`` (109, written before the last lexicon changes
and never looked at one by one)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from junshi.service.aspects import aspects
from junshi.vocab import REVIEW_ASPECTS

LABELLED = Path(__file__).parent / "fixtures" / "reviews_zh.csv"
ZH = {a.name.zh: a.id for a in REVIEW_ASPECTS.values()}


@pytest.mark.parametrize(("text", "expected"), [
    ("质量很好", {"quality": 1}),
    ("质量不好", {"quality": -1}),
    ("质量一点也不好", {"quality": -1}),
    ("物流一点都不慢", {"logistics": 1}),
    ("没有色差", {"color": 1}),
    ("有色差", {"color": -1}),
    ("色差不大", {"color": 1}),
    ("没有异味", {"smell": 1}),
    ("线头都没有", {"workmanship": 1}),
    ("性价比不高", {"price": -1}),
    ("价格不贵", {"price": 1}),
    ("物流不是很快", {"logistics": -1}),
    ("颜色没有图片上的好看", {"color": -1}),
    ("不起球", {"quality": 1}),
    ("物流信息好几天没更新", {"logistics": -1}),  # 好 of 好几天 is no praise
    ("客服也不回复", {"service": -1}),  # a reply that is not there is a complaint, a smell a praise
    ("精华液没什么香精味", {"smell": 1}),  # X味 is a smell complaint, negated here
    ("价格不优惠", {"price": -1}),
])
def test_negation(text: str, expected: dict[str, int]) -> None:
    assert aspects(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("质量很好，但是尺码偏大", {"quality": 1, "size": -1}),
    ("质量很好但是尺码偏大", {"quality": 1, "size": -1}),
    ("物流很快就是包装有点简陋", {"logistics": 1, "packaging": -1}),
    ("衣服很好看，就是有色差", {"color": -1}),
    ("价格不便宜，但是质量确实好", {"price": -1, "quality": 1}),
    ("物流不快，不过包装很好", {"logistics": -1, "packaging": 1}),
    ("物流不是很快，不过可以理解", {"logistics": -1}),  # the contrast's opinion is not the logistics'
    ("京东物流就是快", {"logistics": 1}),  # 就是 as emphasis carries the opinion
    ("价格便宜质量差", {"price": 1, "quality": -1}),
    ("物流和包装都很好", {"logistics": 1, "packaging": 1}),
    ("同样的东西别家便宜二十", {"price": -1}),  # another shop is cheaper: dearer here
    ("价格比实体店便宜多了", {"price": 1}),  # compared with 比: cheaper here
    ("价格涨了，之前买的便宜多了", {"price": -1}),
    ("卖家发货很及时", {"logistics": 1}),  # the seller is only the subject of the shipping
    ("快递员态度恶劣", {"logistics": -1}),  # the courier's manner is the logistics'
    ("客服态度恶劣", {"service": -1}),
    ("包装得严严实实的", {"packaging": 1}),  # AABB: 严实
])
def test_contrast_and_clauses(text: str, expected: dict[str, int]) -> None:
    assert aspects(text) == expected


def _scores(split: str) -> dict[str, tuple[float, float, int]]:
    """aspect -> (precision, recall, gold mentions): a mention is right when aspect and polarity are."""
    tp: dict[str, int] = {}
    fp: dict[str, int] = {}
    fn: dict[str, int] = {}
    with LABELLED.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["split"] != split:
                continue
            gold = {(ZH[lab[:-1]], 1 if lab[-1] == "+" else -1) for lab in row["labels"].split(";") if lab}
            got = set(aspects(row["text"]).items())
            for a, _ in gold & got:
                tp[a] = tp.get(a, 0) + 1
            for a, _ in got - gold:
                fp[a] = fp.get(a, 0) + 1
            for a, _ in gold - got:
                fn[a] = fn.get(a, 0) + 1
    out = {}
    for a in REVIEW_ASPECTS.values():
        t, p, n = tp.get(a.id, 0), fp.get(a.id, 0), fn.get(a.id, 0)
        out[a.id] = (t / (t + p) if t + p else 0.0, t / (t + n) if t + n else 0.0, t + n)
    return out


def test_labelled_set_size() -> None:
    with LABELLED.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 200
    assert {r["split"] for r in rows} == {"dev", "hold", "hold4"}
    assert len({r["text"] for r in rows}) == len(rows)  # no duplicates


def test_precision_recall_dev() -> None:
    """Every aspect >= 0.85 precision and recall on the dev part (each aspect has >= 10 gold mentions)."""
    for aspect, (p, r, n) in _scores("dev").items():
        assert n >= 10, aspect
        assert p >= 0.85 and r >= 0.85, (aspect, p, r)


@pytest.mark.parametrize(("split", "floor"), [("hold", 0.85), ("hold4", 0.45)])
def test_precision_recall_hold_out(split: str, floor: float) -> None:
    """The hold-out parts, measured 2026-11-26 (precision / recall): ``hold`` 1.00 / 1.00 for every aspect;
    ``hold4`` precision 0.83 (价格), 0.90 (尺码), 1.00 the rest; recall 0.50 (质量), 0.54 (物流), 0.58 (客服,
    包装), 0.69 (尺码), 0.77 (价格), 0.83 (颜色), 0.92 (做工), 1.00 (气味): phrasings the lexicon has not
    seen are missed (the third hold-out measured 0.54-0.88 before it joined dev). The floors make a
    regression fail."""
    for aspect, (p, r, _) in _scores(split).items():
        assert p >= floor and r >= floor, (aspect, p, r)
