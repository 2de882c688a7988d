"""Diagnosis arithmetic on a tiny hand-made shop (a visitor-level frame with its own tiny metric layer)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from junshi.analysis.diagnosis import OTHER, Diagnoser, Fetch, History, Period, pair_of, to_json
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


def _history(cells: dict[str, tuple[float, float, float]], days: int = 42, end: date = D1) -> pd.DataFrame:
    """Every day before ``end``: each source with constant (uv, paid_buyers, sales)."""
    return pd.DataFrame([
        {"day": end - timedelta(days=i), "source": k, "uv": uv, "paid_buyers": b, "sales": s}
        for i in range(1, days + 1) for k, (uv, b, s) in cells.items()
    ])


def _hist_fn(frame: pd.DataFrame) -> History:
    def history(metrics: Sequence[str], dim: str | None, start: date, end: date) -> pd.DataFrame:
        f = frame[(frame["day"] >= start) & (frame["day"] <= end)]
        if dim is None:
            return f.groupby("day", as_index=False)[list(metrics)].sum()
        return f[["day", dim, *metrics]]

    return history


def test_diagnosis_says_whether_the_total_and_each_cell_moved_beyond_normal_variation() -> None:
    """History: 42 days of source A at 100 visitors, 10 buyers, 1000.00 and B at 100, 5, 1000.00 (the
    fixture's D0). Today (D1) A has 60 visitors and 6 buyers (sales 1600.00 in all): A's visitors are
    60 against 100 +- 10 (p ~ 1e-5): flagged; B is unchanged: not flagged.
    The total's expected sales are 2000.00; its spread is the compound Poisson floor
    2000 x sqrt(1 + 0.6^2) / sqrt(15 buyers) = 602.218, so the range is 2000 -+ 3 x 602.218 =
    [193.35, 3806.65] and 1600.00 is within normal variation."""
    today = pd.DataFrame([{"day": D1, "source": "A", "uv": 60, "paid_buyers": 6, "sales": 600.0},
                          {"day": D1, "source": "B", "uv": 100, "paid_buyers": 5, "sales": 1000.0}])
    frame = pd.concat([_history({"A": (100, 10, 1000.0), "B": (100, 5, 1000.0)}), today])
    diag = Diagnoser(pair_of(make_fetch(_shop())), dimensions=["source"], history=_hist_fn(frame)).run(
        "sales", Period(D1, D1), Period(D0, D0))
    assert diag.signal is not None and diag.signal.significant is False
    assert (diag.signal.low, diag.signal.high) == pytest.approx((2000 - 3 * 602.2181, 2000 + 3 * 602.2181))
    cells = {c.value: c for c in diag.dimensions["source"]}
    assert cells["A"].significant and not cells["B"].significant
    assert cells["A"].p_value is not None and cells["A"].p_value < 1e-4
    j = to_json(diag)
    assert j["significant"] is False and j["expected_range"] == pytest.approx([193.35, 3806.65], abs=0.01)
    assert j["significance"] == {"history_days": 42, "fdr": 0.05, "cells_tested": 2, "cells_significant": 1}
    assert [(c["value"], c["significant"]) for c in j["dimensions"][0]["cells"]] == [("A", True), ("B", False)]
    assert j["path"][0]["significant"] is True
    assert np.isclose(j["dimensions"][0]["cells"][0]["p_value"], cells["A"].p_value)


def test_short_history_says_it_cannot_tell() -> None:
    """Ten days of history (21 needed): the total's significance is unknown (null) and noted."""
    frame = _history({"A": (100, 10, 1000.0), "B": (100, 5, 1000.0)}, days=10)
    diag = Diagnoser(pair_of(make_fetch(_shop())), dimensions=["source"], history=_hist_fn(frame)).run(
        "sales", Period(D1, D1), Period(D0, D0))
    j = to_json(diag)
    assert j["significant"] is None and j["expected_range"] is None and "short_history" in j["notes"]


def _recorded(calls: list[tuple[tuple[str, ...], str | None, tuple[str, ...]]]) -> Fetch:
    base = make_fetch(_shop())

    def fetch(metrics: Sequence[str], dim: str | None, period: Period, filters: Mapping[str, str]) -> pd.DataFrame:
        calls.append((tuple(metrics), dim, tuple(filters)))
        return base(metrics, dim, period, filters)

    return fetch


def test_drill_down_ranks_without_visitors_and_decomposes_the_chosen_cell() -> None:
    """With ``splits``, the level below source A is split by device without visitors (paid buyers and sales rank
    the cells); the chosen cell, mobile under A (60 -> 20 visitors, 10 -> 6 buyers: -400.00 all of it a visitor
    effect), is asked for its visitors alone, and the path is the one without ``splits``, effect for effect."""
    plain_calls: list[tuple[tuple[str, ...], str | None, tuple[str, ...]]] = []
    plain = Diagnoser(pair_of(_recorded(plain_calls)), dimensions=["source", "device"]).run(
        "sales", Period(D1, D1), Period(D0, D0))
    calls: list[tuple[tuple[str, ...], str | None, tuple[str, ...]]] = []
    asked: list[tuple[str, str, tuple[str, ...]]] = []

    def splits(metric: str, dim: str, period: Period, filters: Mapping[str, str]) -> bool:
        asked.append((metric, dim, tuple(filters)))
        return True

    lazy = Diagnoser(pair_of(_recorded(calls)), dimensions=["source", "device"], splits=splits).run(
        "sales", Period(D1, D1), Period(D0, D0))
    assert to_json(lazy) == to_json(plain)
    assert [(s.dimension, s.value, s.effects["visitors"]) for s in lazy.path] == [
        ("source", "A", Decimal("-400.00")), ("device", "mobile", Decimal("-400.00"))]
    assert ("uv", "paid_buyers", "sales") in [m for m, _, f in plain_calls if f]
    below = [(m, d) for m, d, f in calls if f]
    assert below == [(("paid_buyers", "sales"), "device")] * 2 + [(("uv", "paid_buyers", "sales"), None)] * 2
    assert asked == [("uv", "device", ("source",))]


def test_drill_down_leaves_out_what_visitors_cannot_be_split_by() -> None:
    """A dimension ``splits`` refuses for visitors is not a candidate below the first level (as when its split with
    visitors failed): the path stops at source A."""
    diag = Diagnoser(pair_of(make_fetch(_shop())), dimensions=["source", "device"],
                     splits=lambda metric, dim, period, filters: dim != "device").run(
        "sales", Period(D1, D1), Period(D0, D0))
    assert [(s.dimension, s.value) for s in diag.path] == [("source", "A")]
