"""The Roaring set helpers against Python sets: a union is exact whether its sets are OR-ed one by one (fewer than
``bitmaps.MANY``) or all at once, with empty sets (None) among them."""

from __future__ import annotations

import random

import pytest

from junshi.rollup import bitmaps


@pytest.mark.parametrize("count", [0, 1, 2, bitmaps.MANY - 1, bitmaps.MANY, 3 * bitmaps.MANY])
def test_union_equals_python_sets(count: int) -> None:
    rng = random.Random(count)
    sets = [set(rng.sample(range(200_000), rng.randint(0, 5_000))) for _ in range(count)]
    blobs: list[bytes | None] = [bitmaps.serialize(s) for s in sets]
    blobs[::4] = [None] * len(blobs[::4])  # every fourth day had nobody
    expected = set().union(*(s for s, b in zip(sets, blobs, strict=True) if b is not None))
    assert set(bitmaps.union(blobs)) == expected
    assert bitmaps.union_count(blobs) == len(expected)


def test_union_leaves_its_sets_unchanged() -> None:
    """The first set is OR-ed into in place: a blob read twice gives the same set both times."""
    a, b = bitmaps.serialize([1, 2]), bitmaps.serialize([3])
    assert bitmaps.union_count([a, b]) == 3
    assert bitmaps.union_count([a]) == 2
