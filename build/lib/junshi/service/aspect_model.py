"""A trained model of review aspects, for the wording the lexicon does not know.

The lexicon (:mod:`junshi.service.aspects`) is exact on the words it has, but buyers keep finding new
ones (缝得歪七扭八, 拍一拍就扁了, 一千多块买这个). The model learns from labelled reviews shipped with
Junshi (``data/reviews_train.csv``: the development reviews only, never a hold-out):

- **mention**: for each aspect a logistic regression over the character 1-3-grams of the review, which
  catch the morphemes new words are made of (质/耐/破, 码/号, 递/件/送), and its jieba words, which tell
  a word from the characters it shares with others (tf-idf each, terms of two training reviews or more);
  balanced classes, as an aspect is in one review of six or so.
- **polarity** of every mention, the lexicon's and the model's: the sign the lexicon's reading of the
  review and its opinion, negation and contrast rules on the clause the aspect's mention model scores
  highest agree on (:func:`~junshi.service.aspects.clause_polarity`); else one logistic regression over
  the character 1-3-grams of that clause and, apart, of the whole review, with those two verdicts as features,
  so it learns where the lexicon's opinion words mislead (客服说可以换，但运费自己出 is no praise of the
  service); trained on every labelled mention.

A review's aspects are the lexicon's, plus those the model gives a probability above :data:`THRESHOLD`.
The features, C and the threshold were chosen by 5-fold cross-validation on the training reviews
(tests/test_service_aspects.py, docs/service.md).

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

    from sklearn.feature_extraction.text import TfidfVectorizer

MENTION_C = 30.0  # inverse regularisation of the mention models' logistic regressions
POLARITY_C = 100.0  # and of the polarity model's
MIN_DF = 2  # a term in fewer training texts is no feature
THRESHOLD = 0.5  # a mention the lexicon missed: the aspect model's probability above this
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


class Linear(NamedTuple):
    """Logistic regressions over tf-idf blocks side by side (each block normalised on its own and reading
    its own string of an input): a row of coefficients per output."""

    blocks: dict[str, TfIdf]
    coef: np.ndarray  # outputs x features of all blocks
    intercept: np.ndarray  # per output

    def scores(self, inputs: Sequence[Sequence[str]]) -> np.ndarray:
        """inputs x outputs: the log-odds (an input: a string per block)."""
        offsets = np.cumsum([0] + [len(b.idf) for b in self.blocks.values()])  # each block's first column
        out = np.empty((len(inputs), len(self.intercept)))
        for row, strings in enumerate(inputs):
            parts = [b.features(s) for b, s in zip(self.blocks.values(), strings, strict=True)]
            columns = np.concatenate([c + offset for (c, _), offset in zip(parts, offsets, strict=False)])
            out[row] = self.coef[:, columns] @ np.concatenate([w for _, w in parts])
        return np.asarray(out + self.intercept)

    @classmethod
    def fit(cls, analyzers: dict[str, Callable[[str], list[str]]], inputs: Sequence[Sequence[str]],
            targets: Sequence[Sequence[object]], c: float, balanced: bool) -> Linear:
        """A logistic regression per target (its value per input) over the blocks' tf-idf (deterministic:
        liblinear, fixed seed; the dual problem, as there are far fewer inputs than n-grams)."""
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer  # fitting only (see TfIdf)
        from sklearn.linear_model import LogisticRegression

        vectorizers = {name: TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, min_df=MIN_DF)
                       for name, analyzer in analyzers.items()}
        x = hstack([v.fit_transform([strings[i] for strings in inputs])
                    for i, v in enumerate(vectorizers.values())]).tocsr()
        if any(len(set(y)) < 2 for y in targets):
            raise ModelError("the training reviews need examples of each kind: every aspect mentioned and not, "
                             "praised and criticised", "训练评价需要各类样本：每个方面都有提到与未提到、好评与差评",
                             hint_en="label more reviews", hint_zh="请标注更多评价")
        fits = [LogisticRegression(C=c, solver="liblinear", dual=True, max_iter=1000, random_state=0,
                                   class_weight="balanced" if balanced else None).fit(x, np.asarray(y))
                for y in targets]
        return cls({name: TfIdf.of(v) for name, v in vectorizers.items()},
                   np.vstack([f.coef_ for f in fits]), np.concatenate([f.intercept_ for f in fits]))


# what the mention models read (a review's character 1-3-grams and jieba words), and the polarity model
MENTION_FEATURES: dict[str, Callable[[str], list[str]]] = {"chars": char_grams, "words": jieba_words}
# the clause and the review apart: one tf-idf of both let a long review's words drown the clause's own
# (屏幕色准不错 in a review that goes on to complain read as criticism; 5-fold CV: polarity right 93.6 -> 93.9 %)
POLARITY_FEATURES: dict[str, Callable[[str], list[str]]] = {"clause_chars": char_grams, "review_chars": char_grams,
                                                             "verdicts": str.split}
_SIGNS = {1: "+", -1: "-", 0: "0", None: "none"}


def polarity_input(clause: str, review: str, aspect: str, lexicon_sign: int | None) -> tuple[str, str, str, int]:
    """What the polarity model reads of a mention: the clause, the whole review (its tone decides where the
    clause has none), and the lexicon's verdicts: its sign for
    the aspect in the review (``none``: it did not find it) and that of its rules on the clause alone,
    each also said of the aspect (the model learns where they mislead: 客服说可以换，但运费自己出). Last,
    the sign both verdicts agree on (0 when they do not), which stands without the model: a clause that
    praises one aspect and criticises another (价格便宜质量差) reads the same for both."""
    rule = clause_polarity(clause, aspect)
    verdicts = [f"lexicon{_SIGNS[lexicon_sign]}", f"rule{_SIGNS[rule]}"]
    return (clause, review, " ".join(verdicts + [f"{aspect}:{v}" for v in verdicts]),
            rule if rule and rule == lexicon_sign else 0)


class AspectModel(NamedTuple):
    """A review's mentions (per aspect, the probability that it talks about it) and their polarity."""

    mention: Linear  # an output per aspect of ASPECTS
    polarity: Linear  # one output: above 0 is praise

    @classmethod
    def fit(cls, reviews: Iterable[Labelled]) -> AspectModel:
        """Fitted on labelled reviews; the polarity model on every labelled mention, read in the clause the
        mention model scores highest for it."""
        reviews = list(reviews)
        texts = [text for text, _ in reviews]
        mention = Linear.fit(MENTION_FEATURES, [[text] * len(MENTION_FEATURES) for text in texts],
                             [[aspect in labels for _, labels in reviews] for aspect in ASPECTS], MENTION_C, True)
        said = [(polarity_input(best[aspect], text, aspect, found.get(aspect)), sign)
                for (text, labels), found, best in zip(reviews, map(lexicon_aspects, texts),
                                                       _best_clauses(mention, texts), strict=True)
                for aspect, sign in labels.items()]
        return cls(mention, Linear.fit(POLARITY_FEATURES, [i[:-1] for i, _ in said], [[s for _, s in said]],
                                       POLARITY_C, False))

    def save(self, directory: Path, training_sha256: str) -> None:
        """Write the weights as plain data (``aspect_model.json`` and ``.npz``) into ``directory``."""
        blocks = {**self.mention.blocks, **self.polarity.blocks}
        meta = {"training_sha256": training_sha256,
                "vocabularies": {name: list(b.vocabulary) for name, b in blocks.items()}}
        (directory / f"{WEIGHTS_FILE}.json").write_text(json.dumps(meta, ensure_ascii=False, separators=(",", ":")),
                                                        encoding="utf-8")
        arrays: dict[str, Any] = {f"{name}_{part}": getattr(linear, part) for name, linear in self._asdict().items()
                                  for part in ("coef", "intercept")}
        arrays.update({f"idf_{name}": b.idf for name, b in blocks.items()})
        np.savez_compressed(directory / f"{WEIGHTS_FILE}.npz", **arrays)  # Any: numpy's stubs type these as its flags

    @classmethod
    def load(cls, directory: Traversable) -> tuple[AspectModel, str]:
        """The model written by :meth:`save` and the SHA-256 of the reviews it was fitted on."""
        meta = json.loads((directory / f"{WEIGHTS_FILE}.json").read_text(encoding="utf-8"))
        with (directory / f"{WEIGHTS_FILE}.npz").open("rb") as f, np.load(f) as arrays:  # pickles refused
            def restore(name: str, analyzers: dict[str, Callable[[str], list[str]]]) -> Linear:
                blocks = {block: TfIdf(analyzer, {t: i for i, t in enumerate(meta["vocabularies"][block])},
                                       arrays[f"idf_{block}"])
                          for block, analyzer in analyzers.items()}
                return Linear(blocks, arrays[f"{name}_coef"], arrays[f"{name}_intercept"])

            model = cls(restore("mention", MENTION_FEATURES), restore("polarity", POLARITY_FEATURES))
        return model, str(meta["training_sha256"])

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """texts x aspects: the probability that each text talks about each aspect."""
        return _probabilities(self.mention, texts)

    def aspects_of(self, texts: Sequence[str]) -> list[dict[str, int]]:
        """Per text, aspect -> polarity: the aspects the lexicon finds and those the mention model gives a
        probability above :data:`THRESHOLD`; each one's sign where the lexicon and its clause rules agree,
        else the polarity model's."""
        out = []
        for text, p, best in zip(texts, self.probabilities(texts), _best_clauses(self.mention, texts), strict=True):
            found = lexicon_aspects(text)
            said = [a for i, a in enumerate(ASPECTS) if a in found or p[i] > THRESHOLD]
            inputs = [polarity_input(best[a], text, a, found.get(a)) for a in said]
            signs = self.polarity.scores([i[:-1] for i in inputs])[:, 0]
            out.append({a: agreed or (1 if s > 0 else -1)
                        for a, (*_, agreed), s in zip(said, inputs, signs, strict=True)})
        return out


def _probabilities(mention: Linear, texts: Sequence[str]) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-mention.scores([[t] * len(mention.blocks) for t in texts]))))


def _best_clauses(mention: Linear, texts: Sequence[str]) -> list[dict[str, str]]:
    """Per text, aspect -> the clause the mention model gives the highest probability of it (the clauses
    scored in one pass)."""
    parts = [clauses(text) or [text] for text in texts]
    p = _probabilities(mention, [c for cs in parts for c in cs])
    ends = np.cumsum([len(cs) for cs in parts])
    return [{a: cs[int(i)] for a, i in zip(ASPECTS, np.argmax(ps, axis=0), strict=True)}
            for cs, ps in zip(parts, np.split(p, ends[:-1]), strict=True)]


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
