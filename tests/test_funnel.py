"""The funnel's step rates (junshi.analysis.funnel)."""

from __future__ import annotations

from junshi.analysis.funnel import step_rates


def test_funnel_step_rates() -> None:
    """100 visitors -> 20 add to cart (20%) -> 10 ordering buyers (50%) -> 5 paying buyers (50%); a step after an
    empty or zero step has no rate."""
    assert step_rates([100, 20, 10, 5]) == [None, 0.2, 0.5, 0.5]
    assert step_rates([0, 3, None, 1]) == [None, None, None, None] and step_rates([]) == []
