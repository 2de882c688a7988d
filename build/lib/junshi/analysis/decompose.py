"""Exact decomposition of a change along a ratio chain (销售额 = 访客数 x 支付转化率 x 客单价).

A metric is the last of a chain of quantities ``q0 -> q1 -> ... -> qm`` (e.g. visitors -> paid buyers
-> sales). Its factors are ``q0`` and the ratios ``q_i / q_{i-1}`` (visitors, conversion, spend per
buyer), whose product telescopes back to ``qm``. The change ``qm(1) - qm(0)`` is split into one effect
per factor:

* **LMDI-I** (log-mean Divisia index) when every factor is positive in both periods:
  ``effect_k = L(S1, S0) * ln(f_k1 / f_k0)`` with ``L(a, b) = (a - b) / ln(a / b)`` (``L(a, a) = a``).
  The effects sum to ``S1 - S0`` exactly, are symmetric in time and independent of factor order.
* **Shapley** (the average marginal effect over every order of changing the factors) otherwise: when a
  cell appears or disappears, has visitors but no buyers, or a factor is negative (a gross margin).
  LMDI's logarithm is undefined there; Shapley stays exact for any signs and zeros.

Zeros: when a quantity is 0 in a period, the ratios after it are undefined; they take the other
period's value (no information, no effect), so a product that appears gets all its change as a
visitor effect and a source with visitors but no buyers as visitors and conversion effects. A
quantity of 0 followed by a non-zero one (buyers with no recorded visit) cannot be factored; it is
raised to the next quantity when that is a count (buyers without a visit count as visitors), else to
1, and a note says so. Effects are rounded to the quantum (cents) with a largest-remainder fix so that
they add up to the rounded change exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from itertools import combinations, pairwise
from typing import Literal

from junshi.errors import MetricError

Number = int | float | Decimal
Method = Literal["lmdi", "shapley"]
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Decomposition:
    """The change of a metric split into factor effects that sum to ``change`` exactly."""

    current: Decimal
    baseline: Decimal
    change: Decimal
    effects: dict[str, Decimal]
    factor_changes: dict[str, float | None]
    method: Method
    notes: list[str] = field(default_factory=list)

    @property
    def pct_change(self) -> float | None:
        """Relative change of the metric (None when the baseline is 0)."""
        return float(self.change / self.baseline) if self.baseline else None


def log_mean(a: float, b: float) -> float:
    """The logarithmic mean ``(a - b) / ln(a / b)``, ``a`` when equal; both must be positive."""
    if a == b:
        return a
    return (a - b) / math.log(a / b)


def _factors(q: list[float]) -> list[float | None]:
    """Factors of a chain: q0, then q_i / q_{i-1}; None after a zero (undefined)."""
    out: list[float | None] = [q[0]]
    dead = q[0] == 0
    for prev, cur in pairwise(q):
        out.append(None if dead else cur / prev)
        dead = dead or cur == 0
    return out


def _clamp(q: list[float], counts: int) -> tuple[list[float], bool]:
    """Raise a 0 followed by a non-zero quantity so the chain can be factored (see module doc)."""
    q = list(q)
    changed = False
    for i in range(len(q) - 2, -1, -1):
        if q[i] == 0 and q[i + 1] != 0:
            q[i] = abs(q[i + 1]) if i + 1 < counts else 1.0
            changed = True
    return q, changed


def shapley(f0: Sequence[float], f1: Sequence[float]) -> list[float]:
    """Shapley effects of each factor on the change of their product (exact for any signs)."""
    n = len(f0)
    weights = [Fraction(math.factorial(s) * math.factorial(n - s - 1), math.factorial(n)) for s in range(n)]
    effects = []
    for k in range(n):
        others = [j for j in range(n) if j != k]
        total = 0.0
        for size in range(n):
            for moved in combinations(others, size):
                rest = math.prod(f1[j] if j in moved else f0[j] for j in others)
                total += float(weights[size]) * rest * (f1[k] - f0[k])
        effects.append(total)
    return effects


def round_to_total(values: Sequence[float], total: Decimal, quantum: Decimal = CENT) -> list[Decimal]:
    """Round values to the quantum so that they sum to ``total`` exactly (largest remainder method)."""
    floors = [(Decimal(repr(v)) / quantum).to_integral_value(ROUND_FLOOR) for v in values]
    rests = [Decimal(repr(v)) / quantum - f for v, f in zip(values, floors, strict=True)]
    units = int((total / quantum).to_integral_value() - sum(floors, Decimal(0)))
    if values:
        order = sorted(range(len(values)), key=lambda i: rests[i], reverse=units > 0)
        for step in range(abs(units)):
            floors[order[step % len(order)]] += 1 if units > 0 else -1
    return [(f * quantum).quantize(quantum) for f in floors]


def _rel(new: float | None, old: float | None) -> float | None:
    """Relative change new/old - 1 (None when either is undefined or old is 0)."""
    return new / old - 1 if new is not None and old else None


def _dec(x: Number, quantum: Decimal) -> Decimal:
    return (x if isinstance(x, Decimal) else Decimal(repr(float(x)))).quantize(quantum)


def decompose(
    current: Sequence[Number],
    baseline: Sequence[Number],
    names: Sequence[str],
    *,
    counts: int = 2,
    quantum: Decimal = CENT,
) -> Decomposition:
    """Split ``current[-1] - baseline[-1]`` into one effect per factor of the chain.

    ``current`` and ``baseline`` are the chain's quantities (e.g. ``[visitors, buyers, sales]``);
    ``names`` names the factors (``["visitors", "conversion", "spend_per_buyer"]``); the first
    ``counts`` quantities are counts (used when a zero must be raised, see the module doc).
    """
    if not (len(current) == len(baseline) == len(names) >= 1):
        raise MetricError(
            "A decomposition needs one name per quantity in both periods.",
            "分解需要两期数量个数一致，且每个因子有名字。",
        )
    q1, raised1 = _clamp([float(x) for x in current], counts)
    q0, raised0 = _clamp([float(x) for x in baseline], counts)
    notes = []
    if raised1 or raised0:
        notes.append("raised_zero")
    f1, f0 = _factors(q1), _factors(q0)
    g1 = [a if a is not None else (b if b is not None else 1.0) for a, b in zip(f1, f0, strict=True)]
    g0 = [b if b is not None else (a if a is not None else 1.0) for a, b in zip(f1, f0, strict=True)]
    cur, base = _dec(current[-1], quantum), _dec(baseline[-1], quantum)
    change = cur - base
    method: Method
    if all(x > 0 for x in (*g0, *g1)):
        weight = log_mean(math.prod(g1), math.prod(g0))
        raw = [weight * math.log(a / b) for a, b in zip(g1, g0, strict=True)]
        method = "lmdi"
    else:
        raw = shapley(g0, g1)
        method = "shapley"
    effects = dict(zip(names, round_to_total(raw, change, quantum), strict=True))
    factor_changes = {n: _rel(a, b) for n, a, b in zip(names, f1, f0, strict=True)}
    return Decomposition(cur, base, change, effects, factor_changes, method, notes)
