"""The exact decomposition on tiny hand-made numbers, with the arithmetic in the docstrings."""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from junshi.analysis.decompose import decompose, log_mean, round_to_total, shapley

NAMES = ["visitors", "conversion", "spend_per_buyer"]


def test_lmdi_by_hand() -> None:
    """Baseline 1000 visitors, 20 buyers, 2000.00; current 800 visitors, 20 buyers, 2400.00.

    L(2400, 2000) = 400 / ln(1.2) = 2193.90...; visitors: L*ln(0.8) = -489.56; conversion:
    L*ln(1.25) = 489.56; spend per buyer: L*ln(1.2) = 400.00. Sum: 400.00 = 2400 - 2000.
    """
    d = decompose([800, 20, Decimal("2400.00")], [1000, 20, Decimal("2000.00")], NAMES)
    assert d.method == "lmdi"
    weight = 400 / math.log(1.2)
    assert d.effects["visitors"] == Decimal(str(round(weight * math.log(0.8), 2)))
    assert d.effects["conversion"] == Decimal(str(round(weight * math.log(1.25), 2)))
    assert d.effects["spend_per_buyer"] == Decimal("400.00")
    assert sum(d.effects.values()) == d.change == Decimal("400.00")
    assert math.isclose(d.factor_changes["visitors"] or 0, -0.2)
    assert d.pct_change == 0.2


def test_no_change_gives_zero_effects_even_with_offsetting_factors() -> None:
    """Visitors halve, conversion doubles: L(S, S) = S, effects S*ln(0.5) and S*ln(2) cancel."""
    d = decompose([50, 10, 100], [100, 10, 100], NAMES)
    assert d.change == 0
    assert d.effects["visitors"] == -d.effects["conversion"] == Decimal("-69.31")
    assert d.effects["spend_per_buyer"] == 0


def test_cell_that_appears_is_all_visitor_effect() -> None:
    """Baseline has nothing: conversion and spend per buyer borrow the current values -> Shapley,
    and the whole 300.00 is the visitor effect."""
    d = decompose([100, 3, Decimal("300")], [0, 0, 0], NAMES)
    assert d.method == "shapley"
    assert d.effects == {"visitors": Decimal("300.00"), "conversion": 0, "spend_per_buyer": 0}


def test_cell_that_disappears_is_all_visitor_effect() -> None:
    d = decompose([0, 0, 0], [40, 2, Decimal("99.99")], NAMES)
    assert d.effects["visitors"] == Decimal("-99.99")
    assert sum(d.effects.values()) == Decimal("-99.99")


def test_visitors_but_no_buyers() -> None:
    """Baseline 100 visitors, 5 buyers, 500; current 120 visitors, 0 buyers, 0.

    Spend per buyer borrows 100 (no effect). Shapley of V*C: dV = 20, dC = -0.05;
    visitors: 20 * (0.05 + 0)/2 = 0.5 ... times P=100 -> 50.00; conversion: -0.05*(100+120)/2*100 = -550.00.
    """
    d = decompose([120, 0, 0], [100, 5, 500], NAMES)
    assert d.effects == {"visitors": Decimal("50.00"), "conversion": Decimal("-550.00"), "spend_per_buyer": 0}


def test_buyers_without_visits_are_raised_and_noted() -> None:
    d = decompose([0, 2, 200], [10, 1, 100], NAMES)
    assert "raised_zero" in d.notes
    assert sum(d.effects.values()) == Decimal("100.00")


def test_negative_factor_uses_shapley() -> None:
    """Gross profit chain with a negative margin: sales 1000 -> 800, profit 100 -> -40."""
    d = decompose([800, -40], [1000, 100], ["sales", "margin"], counts=0)
    assert d.method == "shapley"
    assert sum(d.effects.values()) == Decimal("-140.00")
    # sales effect: dS * (m0 + m1)/2 = -200 * (0.1 - 0.05)/2 = -5; margin: (800+1000)/2 * -0.15 = -135
    assert d.effects == {"sales": Decimal("-5.00"), "margin": Decimal("-135.00")}


def test_shapley_matches_hand_formula_for_two_factors() -> None:
    assert shapley([2.0, 3.0], [4.0, 5.0]) == [2.0 * (3 + 5) / 2, 2.0 * (2 + 4) / 2]


def test_log_mean() -> None:
    assert log_mean(5.0, 5.0) == 5.0
    assert math.isclose(log_mean(math.e, 1.0), math.e - 1)


def test_round_to_total_fixes_the_last_cent() -> None:
    """Three thirds of 1.00: 0.33 + 0.33 + 0.33 = 0.99, the largest remainder gets the extra cent."""
    assert round_to_total([1 / 3, 1 / 3, 1 / 3 + 1e-9], Decimal("1.00")) == [
        Decimal("0.33"), Decimal("0.33"), Decimal("0.34")]
    assert sum(round_to_total([-1 / 3] * 3, Decimal("-1.00"))) == Decimal("-1.00")


money = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
count = st.integers(min_value=0, max_value=10**5)


@given(v0=count, b0=count, s0=money, v1=count, b1=count, s1=money)
def test_effects_always_add_up_to_the_cent(v0: int, b0: int, s0: Decimal, v1: int, b1: int, s1: Decimal) -> None:
    d = decompose([v1, b1, s1], [v0, b0, s0], NAMES)
    assert sum(d.effects.values()) == s1 - s0 == d.change
    assert all(e == e.quantize(Decimal("0.01")) for e in d.effects.values())
