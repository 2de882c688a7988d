"""Aspects and sentiment of Chinese reviews: which aspects (物流, 尺码, 质量 ...) a review talks about and
whether each mention is positive or negative.

A review is cut into clauses at punctuation and at contrast words (但是, 就是, 不过 ...); each clause is
segmented with jieba (the lexicon's words added to its dictionary). Walking the words, an aspect term
waits for the next opinion word of its clause (``物流和包装都很好``: both positive); a term that is a
complaint by itself (色差, 偏小, 线头) is one unless an opinion follows (色差不大) or it is negated
(没有色差, 线头都没有); a negator (不, 没有, 一点也不 ...) flips an opinion up to four words later; an
opinion before any term waits for the next term of its clause (没有难闻的味道); a term left without an
opinion takes that of the next clause when that clause names no aspect (京东物流就是快). An agent
(卖家, 快递员) right before another term is only its subject (卖家发货: 物流); 态度/服务 belong to the agent
before them. A price opinion said of another shop or an earlier time (别家便宜, 之前买的便宜) is the
opposite for this one, unless compared with 比. One aspect mentioned both ways in a review counts as
negative (the complaint is what an operator acts on).
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, NamedTuple

from junshi.service.lexicon import (
    ABSENT,
    ATTRIBUTE_TERMS,
    BY_ASPECT,
    COMPARE,
    COMPETITORS,
    CONTRASTS,
    FILLERS,
    NEGATIVE,
    NEGATORS,
    POSITIVE,
    PRESENCE,
    RATIO_TERMS,
    TERMS,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import jieba

DEGREE = frozenset(("很", "非常", "太", "特别", "超", "超级", "有点", "有些", "比较", "挺", "真的", "好", "也",
                    "都", "还", "更", "最", "十分", "蛮", "完全", "实在", "了", "的", "得", "就", "有点儿",
                    "略", "稍", "稍微", "偏"))
AFTER_DEGREE = frozenset(("多", "很多", "不少", "许多"))  # 便宜多了: much cheaper, not a complaint
NEGATION_REACH = 4  # words after a negator that it can still flip
_SEGMENTS = re.compile(r"[，。！？；,.!?;～~、…\s]+")
_CONTRAST = re.compile("(?=" + "|".join(CONTRASTS) + ")")


# who does something: right before another aspect's term they are only its subject (卖家发货: 物流)
AGENTS = frozenset(("卖家", "店家", "商家", "掌柜", "客服", "快递", "快递员", "快递小哥", "顺丰", "圆通", "中通",
                    "申通", "韵达", "京东物流", "邮政", "顺丰速运", "中通快递", "圆通速递", "韵达快递", "申通快递",
                    "EMS", "京东快递", "极兔"))
# words that may stand between an agent and the term it is the subject of (卖家当天就发货)
BETWEEN = frozenset(("当天", "当日", "第二天", "次日", "马上", "立刻", "立马", "隔天", "今天", "已经"))
# a word ending in 味 that jieba does not know (橡胶味, 香精味) is a smell complaint, except these
NOT_SMELL = frozenset(("口味", "美味", "风味", "趣味", "品味", "韵味", "人情味", "意味", "滋味", "回味", "调味"))


def _term(word: str, before: str = "") -> tuple[str, int] | None:
    """(aspect, own polarity) of a term; 态度/服务 take the aspect of the agent named right before them."""
    if word in ATTRIBUTE_TERMS:
        return (TERMS[before][0] if before in AGENTS else "service"), 0
    if word in TERMS:
        return TERMS[word]
    if len(word) >= 2 and word.endswith("味") and word not in NOT_SMELL:
        return "smell", -1
    return None


def _known(word: str) -> bool:
    return word in TERMS or word in POSITIVE or word in NEGATIVE or word in BY_ASPECT or word in NEGATORS \
        or word in DEGREE or word in PRESENCE or word in ATTRIBUTE_TERMS or word in FILLERS


def words(clause: str) -> list[str]:
    """jieba's words of a clause; a word jieba joined from a lexicon word and a degree word, negator or
    other lexicon word (很快, 不高, 价格比) is cut back into them, so that each is seen."""
    out: list[str] = []
    for w in segment(clause):
        if w == "味" and out and not _known(out[-1]):  # 香精 + 味
            out[-1] += w
            continue
        if len(w) == 4 and w[0] == w[1] and w[2] == w[3] and _known(w[0] + w[2]):  # 严严实实: 严实
            w = w[0] + w[2]
        if _known(w) or len(w) < 2:
            out.append(w)
            continue
        cut = next(((w[:k], w[k:]) for k in range(1, len(w)) if _known(w[:k]) and (_known(w[k:]) or w[:k] in TERMS)),
                   None)
        out.extend(cut if cut else (w,))
    return out


class Mention(NamedTuple):
    aspect: str
    polarity: int  # 1 positive, -1 negative
    term: str


@cache
def _tokenizer() -> jieba.Tokenizer:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    for word in (*TERMS, *POSITIVE, *NEGATIVE, *NEGATORS, *BY_ASPECT, *PRESENCE, *ATTRIBUTE_TERMS, *FILLERS):
        tok.add_word(word, freq=200000)
    return tok


def segment(text: str) -> list[str]:
    """jieba's words of a text as they come (the lexicon's words in its dictionary; spaces dropped)."""
    return [w for w in _tokenizer().lcut(text) if w.strip()]


def clauses(text: str) -> list[str]:
    """Clauses of a review: split at punctuation, then before each contrast word."""
    out: list[str] = []
    for seg in _SEGMENTS.split(text):
        out.extend(p for p in _CONTRAST.split(seg) if p)
    return out


def _opinion(word: str, aspect: str | None, term: str | None) -> int:
    """The polarity of ``word`` said of ``aspect`` (0: not an opinion there)."""
    if word in POSITIVE:
        return 1
    if word in NEGATIVE:
        return -1
    by = BY_ASPECT.get(word)
    if by is None or aspect is None:
        return 0
    if term in RATIO_TERMS:
        return {"高": 1, "低": -1}.get(word, 0)
    return by.get(aspect, 0)


class _Clause:
    """Mentions of one clause, and the aspects it leaves without an opinion."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self.mentions: list[Mention] = []
        self.pending: list[tuple[str, str, bool]] = []  # (aspect, term, preceded by 有 ...)
        self.loose: list[tuple[str, int]] = []  # opinion words before any term: (word, sign)
        self.names_aspect = any(_term(w) for w in words)
        self.skip: set[int] = set()  # opinion words already read with the term before them
        # a contrast (但是, 不过 ...) starts a new opinion; 就是 may carry the one before (物流就是快)
        self.contrast = bool(words) and any(words[0].startswith(c) for c in CONTRASTS if c != "就是")

    def run(self) -> _Clause:
        neg_at: int | None = None
        for i, w in enumerate(self.words):
            if i in self.skip:
                continue
            flip = -1 if neg_at is not None and i - neg_at <= NEGATION_REACH else 1
            if w in NEGATORS:
                neg_at = i
                continue
            prev = self.words[i - 1] if i else ""
            term = _term(w, prev)
            if term:
                aspect, own = term
                if self.pending and self.pending[-1][1] in AGENTS and self.pending[-1][0] != aspect and all(
                        x in DEGREE or x in BETWEEN for x in self.words[self._at(self.pending[-1][1], i) + 1:i]):
                    self.pending.pop()  # the agent is only the subject of this term (卖家发货, 卖家当天就发货)
                if own:
                    self._resolve(aspect, self._own(i, aspect, own) * flip, w)
                    neg_at = None
                else:
                    absent = ABSENT.get(w, ABSENT.get(aspect))
                    if flip == -1 and absent:
                        self.mentions.append(Mention(aspect, absent, w))  # 没(什么)味道, 不回复
                        neg_at = None
                    else:
                        self.pending.append((aspect, w, prev in PRESENCE))
                continue
            sign = self._sign(w)
            if sign:
                self._resolve_word(w, flip)
                neg_at = None
        self._competitor()
        return self

    def _competitor(self) -> None:
        """``别家便宜``: a price opinion said of another shop is the opposite for this one (not ``比别家便宜``)."""
        rival = next((i for i, w in enumerate(self.words) if w in COMPETITORS), None)
        if rival is None or COMPARE in "".join(self.words[:rival]):
            return
        self.mentions = [m._replace(polarity=-m.polarity) if m.aspect == "price" else m for m in self.mentions]

    def _at(self, word: str, before: int) -> int:
        """The index of the last ``word`` before index ``before``."""
        return before - 1 - self.words[:before][::-1].index(word)

    def _own(self, i: int, aspect: str, own: int) -> int:
        """The polarity of a term that has one (色差, 线头, 便宜), read with the words right after it:
        a negator ending the clause flips it (线头都没有); an opinion right after it decides
        (色差不大, 色差严重)."""
        after = [x for x in self.words[i + 1:] if x not in DEGREE and x not in AFTER_DEGREE]
        flip = 1
        if after and after[0] in NEGATORS:
            if len(after) == 1:
                return -own
            flip, after = -1, after[1:]
        p = _opinion(after[0], aspect, self.words[i]) if after else 0
        if p:
            self.skip.add(i + 1 + self.words[i + 1:].index(after[0]))
            return p * flip
        return own

    def _sign(self, word: str) -> int:
        if word in POSITIVE or word in NEGATIVE:
            return 1
        return 1 if word in BY_ASPECT else 0

    def _resolve(self, aspect: str, polarity: int, term: str) -> None:
        """A term with a polarity of its own: a mention; pending terms of its aspect take it."""
        same = [p for p in self.pending if p[0] == aspect]
        self.pending = [p for p in self.pending if p[0] != aspect]
        self.mentions.extend(Mention(aspect, polarity, t) for _, t, _ in same)
        self.mentions.append(Mention(aspect, polarity, term))

    def _resolve_word(self, word: str, flip: int) -> None:
        if not self.pending:
            self.loose.append((word, flip))
            return
        left = []
        for aspect, term, presence in self.pending:
            p = _opinion(word, aspect, term)
            if p:
                self.mentions.append(Mention(aspect, p * flip, term))
            else:
                left.append((aspect, term, presence))
        self.pending = left

    def close(self, following: _Clause | None) -> None:
        """Terms still without an opinion: a loose opinion before them, 有 + 味道/色差 (a complaint), or
        the opinion of the next clause when it names no aspect."""
        for aspect, term, presence in self.pending:
            p = next((_opinion(w, aspect, term) * f for w, f in self.loose if _opinion(w, aspect, term)), 0)
            if not p and presence and aspect in ("smell", "color"):
                p = -1
            if not p and following is not None and not following.names_aspect and not following.contrast:
                p = next((_opinion(w, aspect, term) * f for w, f in following.loose
                          if _opinion(w, aspect, term)), 0)
            if p:
                self.mentions.append(Mention(aspect, p, term))
        self.pending = []


def mentions(text: str) -> list[Mention]:
    """Every aspect mention of a review, in order."""
    parts = [_Clause(words(c)).run() for c in clauses(text or "")]
    for i, part in enumerate(parts):
        part.close(parts[i + 1] if i + 1 < len(parts) else None)
    return [m for part in parts for m in part.mentions]


def lexicon_aspects(text: str) -> dict[str, int]:
    """aspect -> polarity of a review by the lexicon alone (1 positive, -1 negative; negative when
    mentioned both ways)."""
    out: dict[str, int] = {}
    for m in mentions(text):
        out[m.aspect] = min(out.get(m.aspect, 1), m.polarity)
    return out


def clause_polarity(clause: str, aspect: str) -> int:
    """The lexicon's opinion of ``aspect`` in a clause that talks about it in words the lexicon does not
    know as a term (做工: 缝得歪七扭八的): the clause is read as if it opened with the aspect's term
    (negation, contrast and other shops as in :func:`mentions`); 0 when no opinion word is found."""
    part = _Clause(words(clause))
    part.pending.append((aspect, "", False))
    part.run().close(None)
    found = [m.polarity for m in part.mentions if m.aspect == aspect]
    return min(found, default=0)


def aspects(text: str) -> dict[str, int]:
    """aspect -> polarity of a review (1 positive, -1 negative; negative when mentioned both ways): the
    lexicon's reading, and the aspects a trained model finds that it misses
    (:mod:`junshi.service.aspect_model`); none for a review that is not in Chinese."""
    return aspects_of([text])[0]


_HAN = re.compile(r"[\u4e00-\u9fff]")


def is_chinese(text: str) -> bool:
    """Whether a review is one Junshi can read: it holds a Chinese character. The lexicon and the model know
    Chinese only, and on other languages they find aspects that are not there ("not great quality" read as
    praise of 质量), so those reviews are not read at all."""
    return _HAN.search(text) is not None


def aspects_of(texts: Sequence[str]) -> list[dict[str, int]]:
    """:func:`aspects` of many reviews at once (the model scores them in one pass); a review that is not in
    Chinese (:func:`is_chinese`) has none."""
    from junshi.service.aspect_model import model  # scikit-learn: imported where used

    read = [t for t in texts if is_chinese(t)]
    found = iter(model().aspects_of(read) if read else [])
    return [next(found) if is_chinese(t) else {} for t in texts]


@cache
def tagger_version() -> str:
    """A digest of what decides a text's aspects: this module, the lexicon, the model's code and shipped weights and
    jieba's version (its dictionary cuts the words). Stored with each text's tags (``rollup_review_tags``): tags of
    another version are not read, and the next refresh tags those texts anew."""
    from importlib.metadata import version

    root = files("junshi.service")
    digest = hashlib.sha256(f"jieba {version('jieba')}".encode())
    for name in ("aspects.py", "lexicon.py", "aspect_model.py", "data/aspect_model.json", "data/aspect_model.npz"):
        digest.update((root / name).read_bytes())
    return digest.hexdigest()[:16]


Tags = tuple[tuple[str, int], ...]
"""A text's aspects with their polarity (1 praise, -1 complaint), in the order :func:`aspects` gives them."""


def encode_tags(tags: Tags) -> str:
    """``(("logistics", 1), ("quality", -1))`` -> ``"logistics+ quality-"`` (as ``rollup_review_tags`` stores them)."""
    return " ".join(f"{aspect}{'+' if polarity > 0 else '-'}" for aspect, polarity in tags)


def decode_tags(stored: str) -> Tags:
    """The tags :func:`encode_tags` wrote."""
    return tuple((t[:-1], 1 if t[-1] == "+" else -1) for t in stored.split())
