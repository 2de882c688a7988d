"""Review aspects and sentiment (junshi.service.aspects): negation and contrast, and precision and
recall per aspect on the labelled set tests/fixtures/reviews_zh.csv (dev part, used to write the
lexicon; hold-out part, never tuned on)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from junshi.service.aspects import aspects
from junshi.service.lexicon import ASPECTS

LABELLED = Path(__file__).parent / "fixtures" / "reviews_zh.csv"
ZH = {a.zh: a.id for a in ASPECTS}


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
    for a in ASPECTS:
        t, p, n = tp.get(a.id, 0), fp.get(a.id, 0), fn.get(a.id, 0)
        out[a.id] = (t / (t + p) if t + p else 0.0, t / (t + n) if t + n else 0.0, t + n)
    return out


def test_labelled_set_size() -> None:
    with LABELLED.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 200
    assert {r["split"] for r in rows} == {"dev", "hold"}
    assert len({r["text"] for r in rows}) == len(rows)  # no duplicates


def test_precision_recall_dev() -> None:
    """Every aspect >= 0.85 precision and recall on the dev part (each aspect has >= 10 gold mentions)."""
    for aspect, (p, r, n) in _scores("dev").items():
        assert n >= 10, aspect
        assert p >= 0.85 and r >= 0.85, (aspect, p, r)


def test_precision_recall_hold_out() -> None:
    """The hold-out part, never tuned on: measured 2026-11-26 >= 0.90 everywhere but price recall 0.82
    (see the report); the floor here is 0.8 so that a regression fails."""
    for aspect, (p, r, _) in _scores("hold").items():
        assert p >= 0.8 and r >= 0.8, (aspect, p, r)
