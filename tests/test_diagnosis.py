"""Diagnosis arithmetic on a tiny hand-made shop (a visitor-level frame with its own tiny metric layer)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from junshi.analysis.diagnosis import OTHER, Diagnoser, Fetch, Period, pair_of, to_json
from junshi.errors import MetricError, MissingDataError

D0, D1 = date(2026, 11, 1), date(2026, 11, 8)


def _visitors(day: date, source: str, device: str, n: int, buyers: int, spend: int) -> list[dict[str, object]]:
    return [
        {"day": day, "source": source, "device": device, "visitor": f"{day}-{source}-{device}-{i}",
         "paid": i < buyers, "amount": Decimal(spend) if i < buyers else Decimal(0)}
        for i in range(n)
    ]


def _shop() -> pd.DataFrame:
    """Baseline D0: A 100 visitors (50 mobile, 50 pc), 10 buyers x 100.00; B 100 mobile visitors, 5 x 200.00.

    Current D1: A's mobile visitors fall 50 -> 10 with 5 -> 1 buyers; everything else unchanged.
    Sales 2000.00 -> 1600.00: change -400.00, all of it in source A, device mobile.
    """
    rows: list[dict[str, object]] = []
    for day, a_mobile, a_mobile_buyers in ((D0, 50, 5), (D1, 10, 1)):
        rows += _visitors(day, "A", "mobile", a_mobile, a_mobile_buyers, 100)
        rows += _visitors(day, "A", "pc", 50, 5, 100)
        rows += _visitors(day, "B", "mobile", 100, 5, 200)
    return pd.DataFrame(rows)


def make_fetch(facts: pd.DataFrame, missing: Sequence[str] = ()) -> Fetch:
    def fetch(metrics: Sequence[str], dim: str | None, period: Period, filters: Mapping[str, str]) -> pd.DataFrame:
        for m in metrics:
            if m in missing:
                raise MissingDataError(f"{m} needs sessions data", "需要访问数据")
        if dim not in (None, "source", "device"):
            raise MetricError("unknown dimension", "未知维度")
        f = facts[(facts.day >= period.start) & (facts.day <= period.end)]
        for k, v in filters.items():
            f = f[f[k] == v]
        keys = [dim] if dim else []
        g = f.assign(buyer=f.visitor.where(f.paid)).groupby(keys) if keys else None
        if g is None:
            out = pd.DataFrame({"uv": [f.visitor.nunique()], "paid_buyers": [f.visitor[f.paid].nunique()],
                                "sales": [f.amount.sum()]})
        else:
            out = g.agg(uv=("visitor", "nunique"), paid_buyers=("buyer", "nunique"), sales=("amount", "sum"))
            out = out.reset_index()
        return out[[*keys, *metrics]]

    return fetch


def test_total_effects_and_cells_add_up() -> None:
    """Total: 300 -> 260 visitors, 15 -> 11 buyers, 2000 -> 1600. Source A: -400, source B: 0."""
    diag = Diagnoser(pair_of(make_fetch(_shop())), dimensions=["source", "device", "product"]).run(
        "sales", Period(D1, D1), Period(D0, D0))
    assert diag.total.change == Decimal("-400.00")
    assert sum(diag.total.effects.values()) == Decimal("-400.00")
    src = {c.value: c for c in diag.dimensions["source"]}
    assert src["A"].contribution == Decimal("-400.00") and src["B"].contribution == 0
    assert sum(c.contribution for c in diag.dimensions["device"]) == Decimal("-400.00")
    assert "no_dimension:product" in diag.notes
    # source A: 100 -> 60 visitors, 10 -> 6 buyers: only the visitor factor moved
    assert src["A"].effects["visitors"] == Decimal("-400.00")
    assert src["A"].effects["conversion"] == 0


def test_path_finds_source_then_device() -> None:
    diag = Diagnoser(pair_of(make_fetch(_shop())), dimensions=["source", "device"]).run(
        "sales", Period(D1, D1), Period(D0, D0), depth=3)
    steps = [(s.dimension, s.value, s.contribution, s.share) for s in diag.path]
    # both source=A and device=mobile explain all -400; A is picked first (its excess -400 + 2000/3*... ):
    # excess(A) = -400 - 1000/2000*-400 = -200; excess(mobile) = -400 - 1500/2000*-400 = -100.
    assert steps == [("source", "A", Decimal("-400.00"), 1.0), ("device", "mobile", Decimal("-400.00"), 1.0)]
    assert diag.path[0].main_factor == "visitors"
    j = to_json(diag)
    assert set(j) >= {"metric", "current", "baseline", "change", "effects", "dimensions", "path"}
    assert set(j["effects"]) >= {"visitors", "conversion", "spend_per_buyer"}
    assert j["path"][0] == {**j["path"][0], "dimension": "source", "value": "A", "contribution": -400.0, "share": 1.0}
    cell = j["dimensions"][0]["cells"][0]
    assert set(cell) >= {"value", "current", "baseline", "contribution", "effects"}


def test_missing_visits_falls_back_to_buyers_and_says_so() -> None:
    diag = Diagnoser(pair_of(make_fetch(_shop(), missing=["uv"])), dimensions=["source"]).run(
        "sales", Period(D1, D1), Period(D0, D0))
    assert "needs_sessions" in diag.notes
    assert set(diag.total.effects) == {"buyers", "spend_per_buyer"}
    j = to_json(diag)
    assert j["effects"]["visitors"] is None and j["effects"]["conversion"] is None
    assert sum(diag.total.effects.values()) == Decimal("-400.00")


def test_unallocated_cell_closes_the_gap() -> None:
    """A dimension whose cells miss 100.00 of the current sales gets a (not allocated) cell of it."""
    base = make_fetch(_shop())

    def fetch(metrics: Sequence[str], dim: str | None, period: Period, filters: Mapping[str, str]) -> pd.DataFrame:
        out = base(metrics, dim, period, filters)
        if dim == "device" and period.start == D1:
            out.loc[out.device == "pc", "sales"] -= 100
        return out

    diag = Diagnoser(pair_of(fetch), dimensions=["device"]).run("sales", Period(D1, D1), Period(D0, D0))
    cells = {c.value: c for c in diag.dimensions["device"]}
    assert cells[OTHER].contribution == Decimal("100.00")
    assert sum(c.contribution for c in cells.values()) == diag.total.change


def test_unknown_metric_is_a_clear_error() -> None:
    with pytest.raises(MetricError, match="ratio-tree"):
        Diagnoser(pair_of(make_fetch(_shop()))).run("uv", Period(D1, D1), Period(D0, D0))
