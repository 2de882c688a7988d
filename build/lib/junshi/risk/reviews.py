"""Templated review text: near-duplicates found with MinHash over character shingles (datasketch)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # datasketch is imported where used: the server starts without it
    from datasketch import MinHash

SHINGLE = 2
NEAR = 0.8  # Jaccard similarity of shingle sets above which two texts are the same template
PERMUTATIONS = 64


@lru_cache(maxsize=16384)  # a text's signature never changes: each scoring hashes only the texts new to it
def _minhash(text: str) -> MinHash:
    from datasketch import MinHash

    m = MinHash(num_perm=PERMUTATIONS, seed=1)
    s = "".join(text.split()).lower()
    for i in range(max(len(s) - SHINGLE + 1, 1)):
        m.update(s[i:i + SHINGLE].encode())
    return m


def template_buyers(reviews: pd.DataFrame) -> pd.Series:
    """For each review (index kept): how many other buyers wrote a near-duplicate text."""
    texts = reviews["text"].fillna("").astype(str)
    distinct = {t: _minhash(t) for t in texts.unique() if t.strip()}
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=NEAR, num_perm=PERMUTATIONS)
    for i, m in enumerate(distinct.values()):
        lsh.insert(str(i), m)
    keys = {str(i): t for i, t in enumerate(distinct)}
    similar = {t: [keys[k] for k in lsh.query(m)] for t, m in distinct.items()}
    buyers_of: dict[str, set[str]] = {t: set(g.dropna()) for t, g in reviews.groupby(texts)["customer_id"]}
    counts: dict[str, set[str]] = {}
    for t in distinct:
        counts[t] = set()
        for u in similar[t]:
            counts[t] |= buyers_of.get(u, set())
    return pd.Series([max(len(counts.get(t, set())) - 1, 0) for t in texts], index=reviews.index, dtype="int64")
