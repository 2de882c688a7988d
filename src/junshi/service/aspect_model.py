"""A trained model of review aspects, for the wording the lexicon does not know.

The lexicon (:mod:`junshi.service.aspects`) is exact on the words it has, but buyers keep finding new
ones (缝得歪七扭八, 拍一拍就扁了, 一千多块买这个). The model learns from labelled reviews shipped with
Junshi (``data/reviews_train.csv``: the development reviews only, never a hold-out):

- **mention**: for each aspect a logistic regression over the character 1-3-grams of the review, which
  catch the morphemes new words are made of (质/耐/破, 码/号, 递/件/送), and its jieba words, which tell
  a word from the characters it shares with others (tf-idf each); balanced classes, as an aspect is in one
  review of six or so.
- **polarity** of a mention the lexicon did not find: the clause the aspect's model scores highest is
  read by the lexicon's opinion, negation and contrast rules (:func:`~junshi.service.aspects.clause_polarity`);
  when no opinion word is there, a logistic regression over the character 1-3-grams of that clause and of
  the whole review (trained on the best clause of every labelled mention) decides.

A review's aspects are the lexicon's, plus those the model finds with probability above
:data:`THRESHOLD` (their polarity as above). The features, C and the threshold were chosen by 5-fold
cross-validation on the training reviews (tests/test_service_aspects.py, docs/service.md). Training takes well under a
second; it happens at first use and is cached in the process: nothing is downloaded or stored.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from junshi.errors import ModelError
from junshi.service.aspects import clause_polarity, clauses, lexicon_aspects, segment
from junshi.vocab import REVIEW_ASPECTS

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path

    from scipy.sparse import csr_matrix

C = 30.0  # inverse regularisation of every logistic regression
THRESHOLD = 0.4  # a mention the lexicon missed: the aspect model's probability above this
ASPECTS = tuple(REVIEW_ASPECTS)
_BY_ZH = {a.name.zh: a.id for a in REVIEW_ASPECTS.values()}

Labelled = tuple[str, dict[str, int]]  # (review text, aspect -> polarity)


def parse_labels(labels: str) -> dict[str, int]:
    """``物流+;尺码-`` -> {"logistics": 1, "size": -1} (aspect names as in REVIEW_ASPECTS' zh names)."""
    out: dict[str, int] = {}
    for label in filter(None, labels.split(";")):
        name, sign = label[:-1], label[-1:]
        if name not in _BY_ZH or sign not in "+-":
            raise ModelError(f"review label {label!r}: not an aspect name followed by + or -",
                             f"评价标签 {label!r} 不是方面名称加 + 或 -",
                             hint_en=f"aspects: {', '.join(_BY_ZH)}", hint_zh=f"方面：{'、'.join(_BY_ZH)}")
        out[_BY_ZH[name]] = 1 if sign == "+" else -1
    return out


def read_labelled(path: Path, split: str | None = None) -> list[Labelled]:
    """Labelled reviews of a CSV (``text``, ``labels``; rows of ``split`` only when the file has a
    ``split`` column and one is given)."""
    with path.open(encoding="utf-8", newline="") as f:
        return [(row["text"], parse_labels(row["labels"])) for row in csv.DictReader(f)
                if split is None or row.get("split") == split]


def training_reviews() -> list[Labelled]:
    """The labelled reviews the shipped model learns from."""
    text = (files("junshi.service") / "data" / "reviews_train.csv").read_text(encoding="utf-8")
    return [(row["text"], parse_labels(row["labels"])) for row in csv.DictReader(io.StringIO(text, newline=""))]


def _char_ngrams() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)


def _words(text: str) -> list[str]:
    """jieba's words of a text without punctuation and emoji (a lone 。 is no aspect's word: counted as one,
    a short review's full stop outweighed its words and 整体满意。 read as 做工)."""
    return [w for w in segment(text) if any(c.isalnum() for c in w)]


def _chars_and_words() -> FeatureUnion:
    return FeatureUnion([("chars", _char_ngrams()), ("words", TfidfVectorizer(analyzer=_words, sublinear_tf=True))])


def _in_context(clause: str, review: str) -> str:
    """What the polarity classifier reads: the clause, then the whole review (the clause counts twice;
    the review's tone decides where the clause has none: 5-fold CV, 27 -> 16 wrong of 163)."""
    return f"{clause}。{review}"


def _logit(x: csr_matrix, y: Sequence[object], balanced: bool) -> LogisticRegression:
    # the dual problem: far fewer reviews than n-grams (0.06 s a fit against 1.1 s for the primal)
    return LogisticRegression(C=C, solver="liblinear", dual=True, max_iter=1000,
                              class_weight="balanced" if balanced else None, random_state=0).fit(x, np.asarray(y))


class AspectModel:
    """Mention and polarity models fitted on labelled reviews (deterministic: liblinear, fixed seed)."""

    def __init__(self, reviews: Iterable[Labelled]) -> None:
        reviews = list(reviews)
        self.vectorizer = _chars_and_words()
        x = self.vectorizer.fit_transform([text for text, _ in reviews])
        fits = [_logit(x, [aspect in labels for _, labels in reviews], balanced=True) for aspect in ASPECTS]
        self.coef = np.vstack([m.coef_ for m in fits])  # aspects x features
        self.intercept = np.concatenate([m.intercept_ for m in fits])
        said = [(_in_context(self._best_clause(parts, p, aspect), text), sign) for (text, labels), (parts, p) in
                zip(reviews, self._clauses([text for text, labels in reviews]), strict=True)
                for aspect, sign in labels.items()]
        self.polarity_vectorizer = _char_ngrams().fit([c for c, _ in said])
        self.polarity_model = _logit(self.polarity_vectorizer.transform([c for c, _ in said]), [s for _, s in said],
                                     balanced=False)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """texts x aspects: the probability that each text talks about each aspect."""
        scores = self.vectorizer.transform(texts) @ self.coef.T + self.intercept
        return np.asarray(expit(scores))

    def _clauses(self, texts: Sequence[str]) -> list[tuple[list[str], np.ndarray]]:
        """Each text's clauses and their probabilities (clauses x aspects), in one pass."""
        parts = [clauses(text) or [text] for text in texts]
        p = self.probabilities([c for cs in parts for c in cs])
        ends = np.cumsum([len(cs) for cs in parts])
        return list(zip(parts, np.split(p, ends[:-1]), strict=True))

    @staticmethod
    def _best_clause(parts: list[str], p: np.ndarray, aspect: str) -> str:
        return parts[int(np.argmax(p[:, ASPECTS.index(aspect)]))]

    def polarity(self, text: str, aspect: str) -> int:
        """The polarity of ``aspect`` in a review that talks about it (1 or -1)."""
        clause = self._best_clause(*self._clauses([text])[0], aspect)
        return clause_polarity(clause, aspect) or int(
            self.polarity_model.predict(self.polarity_vectorizer.transform([_in_context(clause, text)]))[0])

    def aspects_of(self, texts: Sequence[str]) -> list[dict[str, int]]:
        """Per text, aspect -> polarity: the lexicon's reading plus the mentions the model finds beyond it
        (the texts scored in one pass: a text at a time costs sklearn's checks each time)."""
        out = []
        for text, p in zip(texts, self.probabilities(texts), strict=True):
            found = lexicon_aspects(text)
            for aspect in (a for i, a in enumerate(ASPECTS) if p[i] > THRESHOLD and a not in found):
                found[aspect] = self.polarity(text, aspect)
            out.append({a: found[a] for a in ASPECTS if a in found})
        return out

    def aspects(self, text: str) -> dict[str, int]:
        """aspect -> polarity of one text (:meth:`aspects_of`)."""
        return self.aspects_of([text])[0]


@cache
def model() -> AspectModel:
    """The model fitted on the shipped training reviews (once per process)."""
    return AspectModel(training_reviews())
