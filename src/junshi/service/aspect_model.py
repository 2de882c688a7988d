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
cross-validation on the training reviews (tests/test_service_aspects.py, docs/service.md).

The fitted model ships as plain data beside the training reviews (``data/aspect_model.json``: the
vectorizers' vocabularies and the training file's SHA-256; ``data/aspect_model.npz``: idf weights and
coefficients; no pickle, which would run code on load) and is loaded at first use. After a change to the
training reviews or the features, ``python -m junshi.service.aspect_model --fit`` writes it anew; a test
checks that the shipped weights are those a fresh fit of the shipped reviews gives.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import re
from collections import Counter
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from junshi.errors import ModelError
from junshi.service.aspects import clause_polarity, clauses, lexicon_aspects, segment
from junshi.vocab import REVIEW_ASPECTS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from importlib.resources.abc import Traversable

    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

C = 30.0  # inverse regularisation of every logistic regression
THRESHOLD = 0.4  # a mention the lexicon missed: the aspect model's probability above this
ASPECTS = tuple(REVIEW_ASPECTS)
_BY_ZH = {a.name.zh: a.id for a in REVIEW_ASPECTS.values()}
TRAINING_FILE = "reviews_train.csv"
WEIGHTS_FILE = "aspect_model"  # .json (vocabularies, training file's hash) and .npz (arrays)

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


def _data() -> Traversable:
    return files("junshi.service") / "data"


def training_sha256() -> str:
    """The SHA-256 of the shipped training reviews' file (recorded with the weights fitted on it)."""
    return hashlib.sha256((_data() / TRAINING_FILE).read_bytes()).hexdigest()


def training_reviews() -> list[Labelled]:
    """The labelled reviews the shipped model learns from."""
    text = (_data() / TRAINING_FILE).read_text(encoding="utf-8")
    return [(row["text"], parse_labels(row["labels"])) for row in csv.DictReader(io.StringIO(text, newline=""))]


_SPACES = re.compile(r"\s+")


def char_grams(text: str) -> list[str]:
    """The character 1-3-grams of a text (lower-cased, runs of white space as one space)."""
    text = _SPACES.sub(" ", text.lower())
    return [text[i:i + n] for n in (1, 2, 3) for i in range(len(text) - n + 1)]


def jieba_words(text: str) -> list[str]:
    """jieba's words of a text without punctuation and emoji (a lone 。 is no aspect's word: counted as one,
    a short review's full stop outweighed its words and 整体满意。 read as 做工)."""
    return [w for w in segment(text) if any(c.isalnum() for c in w)]


# what each mention model reads (tf-idf of each, normalised on its own, side by side), and the polarity model
MENTION_FEATURES: dict[str, Callable[[str], list[str]]] = {"chars": char_grams, "words": jieba_words}
POLARITY_FEATURES = "polarity_chars"


class TfIdf(NamedTuple):
    """A fitted tf-idf vectorizer's transform: scikit-learn's TfidfVectorizer (sublinear tf, its idf, l2
    norm) fits it, but importing scikit-learn alone costs 1.4 s CPU, most of a first 服务 call; applying
    fitted weights is these few lines (a test checks they give scikit-learn's numbers)."""

    analyzer: Callable[[str], list[str]]
    vocabulary: dict[str, int]  # term -> column
    idf: np.ndarray

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The text's (columns, weights)."""
        counts = Counter(i for term in self.analyzer(text) if (i := self.vocabulary.get(term)) is not None)
        columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
        weights = np.array([1 + math.log(n) for n in counts.values()]) * self.idf[columns]
        norm = float(np.sqrt(weights @ weights))
        return columns, weights / norm if norm else weights

    @classmethod
    def of(cls, vectorizer: TfidfVectorizer) -> TfIdf:
        """The transform of a fitted scikit-learn vectorizer."""
        return cls(vectorizer.analyzer, {str(t): i for i, t in enumerate(vectorizer.get_feature_names_out())},
                   vectorizer.idf_)


def _tfidf(analyzer: Callable[[str], list[str]]) -> TfidfVectorizer:
    from sklearn.feature_extraction.text import TfidfVectorizer  # fitting only (see TfIdf)

    return TfidfVectorizer(analyzer=analyzer, sublinear_tf=True)


def _in_context(clause: str, review: str) -> str:
    """What the polarity classifier reads: the clause, then the whole review (the clause counts twice;
    the review's tone decides where the clause has none: 5-fold CV, 27 -> 16 wrong of 163)."""
    return f"{clause}。{review}"


def _logit(x: csr_matrix, y: Sequence[object], balanced: bool) -> LogisticRegression:
    from sklearn.linear_model import LogisticRegression  # fitting only (see TfIdf)

    # the dual problem: far fewer reviews than n-grams (0.06 s a fit against 1.1 s for the primal)
    return LogisticRegression(C=C, solver="liblinear", dual=True, max_iter=1000,
                              class_weight="balanced" if balanced else None, random_state=0).fit(x, np.asarray(y))


class AspectModel:
    """Mention and polarity models: tf-idf weights and the logistic regressions' coefficients."""

    def __init__(self, mention: Sequence[TfIdf], coef: np.ndarray, intercept: np.ndarray,
                 polarity: TfIdf, polarity_coef: np.ndarray, polarity_intercept: float) -> None:
        self.mention = tuple(mention)
        self._offsets = np.cumsum([0] + [len(t.idf) for t in self.mention])  # each one's first column
        self.coef = coef  # aspects x features of all mention vectorizers
        self.intercept = intercept  # per aspect
        self.polarity = polarity
        self.polarity_coef = polarity_coef  # per feature: above 0 is praise
        self.polarity_intercept = polarity_intercept

    @classmethod
    def fit(cls, reviews: Iterable[Labelled]) -> AspectModel:
        """Fitted on labelled reviews (deterministic: liblinear, fixed seed)."""
        from scipy.sparse import hstack

        reviews = list(reviews)
        texts = [text for text, _ in reviews]
        vectorizers = [_tfidf(analyzer) for analyzer in MENTION_FEATURES.values()]
        x = hstack([v.fit_transform(texts) for v in vectorizers]).tocsr()
        fits = [_logit(x, [aspect in labels for _, labels in reviews], balanced=True) for aspect in ASPECTS]
        model = cls([TfIdf.of(v) for v in vectorizers], np.vstack([m.coef_ for m in fits]),
                    np.concatenate([m.intercept_ for m in fits]), TfIdf(char_grams, {}, np.zeros(0)), np.zeros(0), 0.0)
        said = [(_in_context(cls._best_clause(parts, p, aspect), text), sign) for (text, labels), (parts, p) in
                zip(reviews, model._clauses(texts), strict=True) for aspect, sign in labels.items()]
        vectorizer = _tfidf(char_grams)
        polarity = _logit(vectorizer.fit_transform([c for c, _ in said]), [s for _, s in said], balanced=False)
        if polarity.classes_.tolist() != [-1, 1]:
            raise ModelError("the training reviews need both praise and complaints", "训练评价需要既有好评也有差评",
                             hint_en="label some of each (物流+, 物流-)", hint_zh="两种都要标注一些（物流+、物流-）")
        model.polarity = TfIdf.of(vectorizer)
        model.polarity_coef, model.polarity_intercept = polarity.coef_[0], float(polarity.intercept_[0])
        return model

    def _vectorizers(self) -> dict[str, TfIdf]:
        return {**dict(zip(MENTION_FEATURES, self.mention, strict=True)), POLARITY_FEATURES: self.polarity}

    def save(self, directory: Path, training_sha256: str) -> None:
        """Write the weights as plain data (``aspect_model.json`` and ``.npz``) into ``directory``."""
        meta = {"training_sha256": training_sha256,
                "vocabularies": {name: list(t.vocabulary) for name, t in self._vectorizers().items()}}
        (directory / f"{WEIGHTS_FILE}.json").write_text(json.dumps(meta, ensure_ascii=False, separators=(",", ":")),
                                                        encoding="utf-8")
        arrays: dict[str, Any] = {"coef": self.coef, "intercept": self.intercept, "polarity_coef": self.polarity_coef,
                  "polarity_intercept": np.array(self.polarity_intercept),
                  **{f"idf_{name}": t.idf for name, t in self._vectorizers().items()}}
        np.savez_compressed(directory / f"{WEIGHTS_FILE}.npz", **arrays)  # Any: numpy's stubs type these as its flags

    @classmethod
    def load(cls, directory: Traversable) -> tuple[AspectModel, str]:
        """The model written by :meth:`save` and the SHA-256 of the reviews it was fitted on."""
        meta = json.loads((directory / f"{WEIGHTS_FILE}.json").read_text(encoding="utf-8"))
        with (directory / f"{WEIGHTS_FILE}.npz").open("rb") as f, np.load(f) as arrays:  # pickles refused
            def restore(name: str, analyzer: Callable[[str], list[str]]) -> TfIdf:
                terms = meta["vocabularies"][name]
                return TfIdf(analyzer, dict(zip(terms, range(len(terms)), strict=True)), arrays[f"idf_{name}"])

            model = cls([restore(name, analyzer) for name, analyzer in MENTION_FEATURES.items()],
                        arrays["coef"], arrays["intercept"], restore(POLARITY_FEATURES, char_grams),
                        arrays["polarity_coef"], float(arrays["polarity_intercept"]))
        return model, str(meta["training_sha256"])

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """texts x aspects: the probability that each text talks about each aspect."""
        scores = np.empty((len(texts), len(ASPECTS)))
        for row, text in enumerate(texts):
            parts = [t.features(text) for t in self.mention]
            columns = np.concatenate([c + offset for (c, _), offset in zip(parts, self._offsets, strict=False)])
            scores[row] = self.coef[:, columns] @ np.concatenate([w for _, w in parts])
        return np.asarray(1 / (1 + np.exp(-(scores + self.intercept))))

    def _clauses(self, texts: Sequence[str]) -> list[tuple[list[str], np.ndarray]]:
        """Each text's clauses and their probabilities (clauses x aspects), in one pass."""
        parts = [clauses(text) or [text] for text in texts]
        p = self.probabilities([c for cs in parts for c in cs])
        ends = np.cumsum([len(cs) for cs in parts])
        return list(zip(parts, np.split(p, ends[:-1]), strict=True))

    @staticmethod
    def _best_clause(parts: list[str], p: np.ndarray, aspect: str) -> str:
        return parts[int(np.argmax(p[:, ASPECTS.index(aspect)]))]

    def polarity_of(self, text: str, aspect: str) -> int:
        """The polarity of ``aspect`` in a review that talks about it (1 or -1)."""
        clause = self._best_clause(*self._clauses([text])[0], aspect)
        if sign := clause_polarity(clause, aspect):
            return sign
        columns, weights = self.polarity.features(_in_context(clause, text))
        return 1 if float(self.polarity_coef[columns] @ weights) + self.polarity_intercept > 0 else -1

    def aspects_of(self, texts: Sequence[str]) -> list[dict[str, int]]:
        """Per text, aspect -> polarity: the lexicon's reading plus the mentions the model finds beyond it."""
        out = []
        for text, p in zip(texts, self.probabilities(texts), strict=True):
            found = lexicon_aspects(text)
            for aspect in (a for i, a in enumerate(ASPECTS) if p[i] > THRESHOLD and a not in found):
                found[aspect] = self.polarity_of(text, aspect)
            out.append({a: found[a] for a in ASPECTS if a in found})
        return out

    def aspects(self, text: str) -> dict[str, int]:
        """aspect -> polarity of one text (:meth:`aspects_of`)."""
        return self.aspects_of([text])[0]


@cache
def model() -> AspectModel:
    """The shipped model (loaded once per process)."""
    return AspectModel.load(_data())[0]


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m junshi.service.aspect_model --fit``: fit on the shipped training reviews and write the
    weights beside them (in the source tree this module is in)."""
    parser = argparse.ArgumentParser(prog="python -m junshi.service.aspect_model", description=main.__doc__)
    parser.add_argument("--fit", action="store_true", required=True, help="fit and write data/aspect_model.*")
    parser.parse_args(argv)
    AspectModel.fit(training_reviews()).save(Path(__file__).parent / "data", training_sha256())


if __name__ == "__main__":
    main()
