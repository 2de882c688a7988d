"""A funnel: registered metrics in order (visitors -> add to cart -> ordering buyers -> paying buyers), each step
with its rate from the step before."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from junshi.jsonable import num


def step_rates(values: Sequence[object]) -> list[float | None]:
    """Each step's value over the step before's: None for the first step and after an empty or zero step."""
    numbers = [num(v) for v in values]
    rates: list[float | None] = [None] * min(len(numbers), 1)
    for before, now in pairwise(numbers):
        rates.append(None if not before or now is None else now / before)
    return rates
