"""Review aspects and sentiment (junshi.service.aspects, junshi.service.aspect_model): negation and
contrast, and precision and recall per aspect on the labelled set tests/fixtures/reviews_zh.csv.

Splits: ``dev`` (24,299 reviews, the model's training data, shipped as junshi/service/data/reviews_train.csv):
468 the lexicon was written on (the first 144, 62 on price talk, then the second (143) and third (119)
hold-outs, each moved here after its one measurement), then 400 written for the model by another engineer
in other product categories and styles (electronics, food, books, irony; never read by the lexicon's
author) and 78 written with the model (durability outside clothing, delivery speed, service, price;
reviews that name no aspect), then the fifth hold-out (219 reviews written independently, many in product
categories dev barely had: pets, tools, jewellery, garden, car), moved here after its one measurement
(665372e: P 0.68-0.96, R 0.38-0.96), then 1837 written for the model by four writers to the labelling
conventions, by product category (600 clothing, shoes, bags, jewellery; 600 electronics, tools, car, sport,
toys; 637 food, cosmetics, baby, pets, home, garden; 2 labels fixed: a broken drill and 用了半年没出问题
are 质量), then the sixth hold-out (300 reviews written independently across all product kinds), moved
here after its one measurement (90da67a: 质量 0.75/0.72, 包装 0.73/0.81, 客服 0.82/0.89), then 4200
written for the model to the conventions (seven files of 600, every product kind, emphasis on 质量, 包装,
客服; 8 labels fixed: 5 质量 dropped from goods broken in transit where the packaging is blamed, 1 fading
moved to 颜色, 2 质量 added: 粉质细腻, a rusting kettle), then 16,797 written for the model by 21 writers
(800 each, every product kind, 45% of them on 质量 in concrete words; 3 near a hold8 text dropped). The 质量
labels of the first 7,502 are those of three annotators' vote (the writer's, a second annotator's blind
to it, and a third's where they differed: 323 changed). ``hold`` (88, written with the first dev part,
measured only in aggregate) and ``hold4`` (109, written before the last lexicon changes and never looked
at one by one) are measured with the model, never tuned on. ``hold7`` (300 reviews written independently
across all product kinds) was opened once the model trained on the first 7,502 was final and committed
(acb171f), and measured once (P 0.67-0.97, R 0.76-0.97: 0.85 on 8 of 9 aspects, 质量 0.67/0.76); nothing
tuned on it. After it, the demo shop's test found two faults, fixed and hold7 measured again:
a lexicon mention the model gave below 0.1 was dropped, which lost clear ones it rarely saw (品质不错), so
that veto is gone, and the threshold went 0.4 -> 0.5 (线头有点多 read as 质量 at 0.48). ``hold8`` (400 reviews
by two more independent writers, every product kind; 质量 labelled again blind by an annotator: P 0.91 / R
0.98 against the writers) was opened once the model trained on the 24,299 was committed (3a1cb53) and
measured once (the floors: 0.85 on 7 of 9 aspects, 质量 0.80/0.83, 颜色 0.86/0.84). After it, the lexicon
learnt the negators 毫无, 并不是, 木有 ... (3a757e4; three of hold8's colour sign errors were of them, so hold8 says
little of that change). ``hold9`` (400 reviews by two more independent writers, every product kind) was
labelled again blind by a second annotator (all nine aspects; 14 reviews differed), a third annotator labelled
those 14 mixed with 60 others (equal to both on 58 of the 60), and each label is the majority of the three (10
labels changed), as written down before hold9 existed; it was opened once that model was committed and
measured once (0.85 on 8 of 9 aspects, 质量 0.79/0.82; against the writers' labels alone 0.78/0.85). Model
choices (features, C, threshold, the polarity model) were made by 5-fold cross-validation on ``dev`` only."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import KFold

from junshi.errors import ModelError
from junshi.service.aspect_model import (
    MENTION_FEATURES,
    AspectModel,
    Labelled,
    TfIdf,
    char_grams,
    jieba_words,
    model,
    parse_labels,
    read_labelled,
    training_reviews,
    training_sha256,
)
from junshi.service.aspects import aspects
from junshi.vocab import REVIEW_ASPECTS

LABELLED = Path(__file__).parent / "fixtures" / "reviews_zh.csv"
Scores = dict[str, tuple[float, float, int]]


@pytest.mark.parametrize(("text", "expected"), [
    ("质量很好", {"quality": 1}),
    ("质量不好", {"quality": -1}),
    ("质量一点也不好", {"quality": -1}),
    ("物流一点都不慢", {"logistics": 1}),
    ("没有色差", {"color": 1}),
    ("毫无色差", {"color": 1}),
    ("木有色差", {"color": 1}),  # 木有: internet spelling of 没有
    ("毫无异味", {"smell": 1}),
    ("颜色并不是很好看", {"color": -1}),
    ("从不掉色", {"color": 1}),
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


Predicted = list[tuple[dict[str, int], dict[str, int]]]  # (gold, predicted) per review
# (precision, recall) floors below 0.85: the figures measured 2026-11-27, truncated to two decimals
DEV_FLOORS: dict[str, tuple[float, float]] = {}
HOLD_FLOORS: dict[str, dict[str, tuple[float, float]]] = {
    "hold": {},
    "hold4": {"quality": (0.76, 0.92), "price": (0.84, 0.84)},
    "hold7": {"quality": (0.74, 0.86)},
    "hold8": {"quality": (0.80, 0.82), "color": (0.85, 0.84)},
    "hold9": {"quality": (0.78, 0.82)},
}


def _scores(predicted: Predicted) -> Scores:
    """aspect -> (precision, recall, gold mentions): a mention is right when aspect and polarity are."""
    tp: dict[str, int] = {}
    fp: dict[str, int] = {}
    fn: dict[str, int] = {}
    for gold_labels, got_labels in predicted:
        gold, got = set(gold_labels.items()), set(got_labels.items())
        for a, _ in gold & got:
            tp[a] = tp.get(a, 0) + 1
        for a, _ in got - gold:
            fp[a] = fp.get(a, 0) + 1
        for a, _ in gold - got:
            fn[a] = fn.get(a, 0) + 1
    out = {}
    for aspect in REVIEW_ASPECTS:
        t, p, n = tp.get(aspect, 0), fp.get(aspect, 0), fn.get(aspect, 0)
        out[aspect] = (t / (t + p) if t + p else 0.0, t / (t + n) if t + n else 0.0, t + n)
    return out


@cache
def _cross_validated() -> Predicted:
    """5-fold cross-validation on ``dev``: each review tagged by a model fitted on the other folds."""
    dev = read_labelled(LABELLED, "dev")
    out: Predicted = []
    for train, test in KFold(5, shuffle=True, random_state=0).split(dev):
        fitted = AspectModel.fit(dev[i] for i in train)
        out.extend(zip([dev[i][1] for i in test], fitted.aspects_of([dev[i][0] for i in test]), strict=True))
    return out


def _predicted(split: str) -> Predicted:
    """A hold-out split tagged by the shipped model."""
    return [(gold, aspects(text)) for text, gold in read_labelled(LABELLED, split)]


def _assert_floors(scores: Scores, floors: dict[str, tuple[float, float]]) -> None:
    """0.85 precision and recall, or the measured figure where it is lower (so a regression fails)."""
    for aspect, (p, r, n) in scores.items():
        assert n >= 10, aspect
        p_floor, r_floor = floors.get(aspect, (0.85, 0.85))
        assert p >= p_floor and r >= r_floor, (aspect, p, r)


def test_labelled_set_size() -> None:
    with LABELLED.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 200
    assert {r["split"] for r in rows} == {"dev", "hold", "hold4", "hold7", "hold8", "hold9"}
    assert len({r["text"] for r in rows}) == len(rows)  # no duplicates


def test_training_data_is_dev() -> None:
    """The shipped training reviews are exactly the ``dev`` split: no hold-out review is learnt from."""
    assert training_reviews() == read_labelled(LABELLED, "dev")


def test_fit_is_deterministic() -> None:
    reviews: list[Labelled] = training_reviews()[:300]
    a, b = AspectModel.fit(reviews), AspectModel.fit(reviews)
    for x, y in ((a.mention, b.mention), (a.polarity, b.polarity)):
        assert np.array_equal(x.coef, y.coef) and np.array_equal(x.intercept, y.intercept)


def test_shipped_weights_are_those_of_the_shipped_reviews() -> None:
    """The weights in junshi/service/data were fitted on reviews_train.csv as it is (its SHA-256 recorded
    with them), with the features of this code: a fresh fit has the same vocabularies and coefficients and
    tags a sample of reviews alike. Fails after a change to either without
    ``python -m junshi.service.aspect_model --fit``."""
    from importlib.resources import files

    shipped, sha256 = AspectModel.load(files("junshi.service") / "data")
    assert sha256 == training_sha256()
    fresh = AspectModel.fit(training_reviews())
    for ours, theirs in ((shipped.mention, fresh.mention), (shipped.polarity, fresh.polarity)):
        assert ours.blocks.keys() == theirs.blocks.keys()
        for name, block in ours.blocks.items():
            assert block.vocabulary == theirs.blocks[name].vocabulary, name
            assert np.allclose(block.idf, theirs.blocks[name].idf, rtol=1e-12), name
        assert np.allclose(ours.coef, theirs.coef, rtol=1e-9, atol=1e-12)
        assert np.allclose(ours.intercept, theirs.intercept, rtol=1e-9, atol=1e-12)
    sample = [text for text, _ in read_labelled(LABELLED)[::7]]
    assert np.allclose(shipped.probabilities(sample), fresh.probabilities(sample), rtol=1e-9)
    assert shipped.aspects_of(sample) == fresh.aspects_of(sample)
    assert model().aspects_of(sample) == shipped.aspects_of(sample)


@pytest.mark.parametrize("analyzer", [*MENTION_FEATURES.values()])
def test_tfidf_is_scikit_learns(analyzer: object) -> None:
    """The model applies tf-idf weights itself (scikit-learn fits them but is not imported to apply them):
    the same numbers as scikit-learn's transform, on texts it was fitted on and on others."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [text for text, _ in read_labelled(LABELLED)]
    fitted = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True).fit(texts[:400])
    ours, theirs = TfIdf.of(fitted), fitted.transform(texts[:400:4] + texts[-100:]).toarray()
    for text, row in zip(texts[:400:4] + texts[-100:], theirs, strict=True):
        columns, weights = ours.features(text)
        mine = np.zeros(len(row))
        mine[columns] = weights
        assert np.allclose(mine, row, rtol=1e-12, atol=1e-15), text


def test_features_of_a_text() -> None:
    assert char_grams("质量 好\n") == ["质", "量", " ", "好", " ",
                                      "质量", "量 ", " 好", "好 ", "质量 ", "量 好", " 好 "]
    assert jieba_words("质量很好。👍") == ["质量", "很", "好"]


def test_model_finds_what_the_lexicon_misses() -> None:
    """Words no lexicon entry has: the model's mention, the clause's opinion read by the lexicon."""
    assert aspects("缝得歪七扭八的") == {"workmanship": -1}
    assert aspects("电水壶用了不到一个月底座就漏水了") == {"quality": -1}


def test_bad_label_is_a_clear_error() -> None:
    with pytest.raises(ModelError, match="尺寸"):
        parse_labels("物流+;尺寸-")


def test_precision_recall_dev_cross_validated() -> None:
    """5-fold cross-validation on ``dev`` (measured 2026-11-27, see docs/service.md): the floors are
    0.85 where that holds and the measured figure where it does not."""
    _assert_floors(_scores(_cross_validated()), DEV_FLOORS)


@pytest.mark.parametrize("split", ["hold", "hold4", "hold7", "hold8", "hold9"])
def test_precision_recall_hold_out(split: str) -> None:
    """The hold-out parts with the shipped model (3a757e4), measured 2026-11-27 (docs/service.md); ``hold9``
    once, after that model was committed."""
    _assert_floors(_scores(_predicted(split)), HOLD_FLOORS[split])
