"""诊断 Diagnosis: why a metric moved between two days or periods, split exactly by factor and cell."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from pydantic import AfterValidator, Field

from junshi import Shop
from junshi.analysis import service as analysis
from junshi.analysis.diagnosis import DIMENSIONS, to_json
from junshi.analysis.diagnosis import Period as DiagnosisPeriod
from junshi.api.lang import request_lang
from junshi.api.models import Model
from junshi.api.pages import PageApi
from junshi.api.params import LangQ, PeriodDep, in_range
from junshi.api.state import EngineDep
from junshi.i18n import Lang
from junshi.metrics.dimensions import dimension_label
from junshi.periods import Period
from junshi.vocab import FACTORS

VS_PATTERN = r"^(week|previous|year|\d{4}-\d{2}-\d{2})$"
Effects = dict[str, float | None]


def _vs(value: str | None) -> str | None:
    """``week``, ``previous``, ``year`` or a valid date in range."""
    if value is not None and value not in ("week", "previous", "year"):
        in_range(dt.date.fromisoformat(value))
    return value


class Periods(Model):
    current: str
    baseline: str


class Significance(Model):
    history_days: int
    fdr: float | None = Field(description="False discovery rate of the cells' flags (Benjamini-Hochberg).")
    cells_tested: int
    cells_significant: int


class DiagnosisCell(Model):
    value: str
    display: str = Field(description="How the page shows the value: a product as \"name (id)\", others as they are.")
    current: float
    baseline: float
    contribution: float
    share: float | None
    effects: Effects
    factor_changes: dict[str, float | None]
    significant: bool | None = Field(description="Beyond the cell's normal variation (null: not tested).")
    p_value: float | None
    paid: bool | None = Field(None, description="Cells of the source dimension: whether the source is paid.")


class DiagnosisDimension(Model):
    name: str
    label: str
    cells: list[DiagnosisCell]


class DiagnosisStep(Model):
    dimension: str
    label: str
    value: str
    display: str = Field(description="How the page shows the value (as the cells').")
    contribution: float
    share: float | None
    current: float
    baseline: float
    main_factor: str
    main_factor_change: float | None
    effects: Effects
    facts: dict[str, Any]
    significant: bool | None


class DiagnosisResponse(Model):
    metric: str
    period: Periods
    current: float
    baseline: float
    change: float
    pct_change: float | None
    method: str
    factors: list[str] = Field(description="The factors the change was split into, in the formula's order "
                               "(visitors, conversion, spend_per_buyer; without visits buyers, spend_per_buyer).")
    effects: Effects = Field(description="Effect of each factor on the change (exact: they add up to it).")
    factor_changes: dict[str, float | None]
    significant: bool | None = Field(description="The change is beyond normal variation (null: too little "
                                     "history, or not assessed: a period longer than a day).")
    expected: float | None
    expected_range: list[float | None] | None = Field(description="[low, high] of the normal range.")
    significance: Significance | None = Field(description="How the cells were tested (null: not assessed).")
    dimensions: list[DiagnosisDimension]
    path: list[DiagnosisStep] = Field(description="The drill-down path: the main cause at each level.")
    notes: list[str]
    factor_labels: dict[str, str] = Field(description="Factor id -> its name in the request's language.")


def diagnosis(shop: Shop, period: Period, vs: str | None, metric: str, depth: int, lang: Lang) -> DiagnosisResponse:
    """Why ``metric`` moved over ``period`` against its baseline (the exact decomposition of :mod:`junshi.analysis`)."""
    other = period.baseline(vs)
    found = analysis.diagnose_periods(
        shop, DiagnosisPeriod(period.start, period.end), DiagnosisPeriod(other.start, other.end), metric, depth)
    out: dict[str, Any] = to_json(found)
    labels = {name: dimension_label(name, lang) for name in DIMENSIONS}
    for d in out["dimensions"]:
        d["label"] = labels.get(d["name"], d["name"])
    for step in out["path"]:
        step["label"] = labels.get(step["dimension"], step["dimension"])
    out["factor_labels"] = {k: f.name(lang) for k, f in FACTORS.items()}
    return DiagnosisResponse.model_validate(out)


def get_diagnosis(
    request: Request,
    engine: EngineDep,
    period: PeriodDep,
    vs: Annotated[
        str | None, AfterValidator(_vs), Query(
            pattern=VS_PATTERN, description="previous, week (7 days before), year, or the first day (YYYY-MM-DD) of "
            "a baseline as long as the period; default week for one day, previous for a longer period.")
    ] = None,
    metric: Literal["sales", "refund_amount", "gross_profit"] = "sales",
    depth: Annotated[int, Query(ge=0, le=5)] = 3,
    lang: LangQ = None,
) -> DiagnosisResponse:
    chosen = request_lang(request)
    key = ("diagnosis", period.start, period.end, vs, metric, depth, chosen)
    return engine.cached(key, lambda shop: diagnosis(shop, period, vs, metric, depth, chosen))


API = PageApi(endpoint=get_diagnosis, response=DiagnosisResponse)
