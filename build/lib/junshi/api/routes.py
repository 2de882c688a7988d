"""The JSON API routes: validate, call the engine (through :mod:`junshi.api.views`), serialise.

Every read is cached per data version (see :class:`~junshi.api.engine.Engine`); queries take only
registered metric and dimension names, which the metric layer checks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from junshi.api import views
from junshi.api.errors import ERROR_RESPONSES
from junshi.api.marketing_models import AbTestResponse, AbTestsResponse, AttributionComparison, AttributionResponse
from junshi.api.models import (
    AdviceItem,
    AlertItem,
    Catalogue,
    IngestResponse,
    KpiResponse,
    QuarantinePage,
    ReportResponse,
    ShopInfo,
    Status,
)
from junshi.api.pages.registry import PAGES, page_api
from junshi.api.params import Day, LangQ, PeriodDep, lang_of, period_of
from junshi.api.state import EngineDep
from junshi.api.uploads import save_upload, upload_folder
from junshi.errors import MetricError

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)

def _names(raw: str, what: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in raw.split(",") if n.strip())
    if not names and what == "metrics":
        raise MetricError(
            "Name at least one metric.", "请至少指定一个指标。",
            hint_en="See /api/metrics.", hint_zh="指标列表见 /api/metrics。",
        )
    return names


def _filters(where: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in where:
        dim, sep, value = item.partition("=")
        if not sep or not dim.strip():
            raise MetricError(
                f"Invalid filter {item!r}.",
                f"无效的筛选条件 {item!r}。",
                hint_en="Write filters as dimension=value, e.g. where=source=直通车.",
                hint_zh="筛选条件的格式为 维度=值，如 where=source=直通车。",
            )
        out.setdefault(dim.strip(), []).append(value)
    return out


@router.get("/shop", summary="The shop: settings, the days it has data for and the period it opens on")
def get_shop(engine: EngineDep) -> ShopInfo:
    return engine.cached(("shop_info",), views.shop_info)


@router.get("/status", summary="Whether an ingest is running, and the data version (it moves on after each load)")
def get_status(engine: EngineDep) -> Status:
    return Status(ingesting=engine.ingesting, version=engine.version)


@router.get("/metrics", summary="The metric catalogue (口径) and the dimensions queries accept")
def get_metrics(request: Request, engine: EngineDep, lang: LangQ = None) -> Catalogue:
    chosen = lang_of(request)
    return engine.cached(("metrics", chosen), lambda shop: views.catalogue(shop, chosen))


@router.get("/kpi", summary="Metrics by dimensions over a period, optionally compared")
def get_kpi(
    engine: EngineDep,
    metrics: Annotated[str, Query(max_length=1000, description="Comma-separated metric ids, e.g. sales,uv.")],
    by: Annotated[str, Query(max_length=200, description="Comma-separated dimensions, e.g. day,source.")] = "",
    start: Day = None,
    end: Day = None,
    where: Annotated[list[str], Query(max_length=200, description="Filters as dimension=value (repeatable).")] = [],  # noqa: B006
    compare: Literal["previous", "week", "year", "peer"] | None = None,
) -> KpiResponse:
    m, b, f = _names(metrics, "metrics"), _names(by, "by"), _filters(where)
    key = ("kpi", m, b, start, end, tuple(sorted((k, tuple(v)) for k, v in f.items())), compare)
    return engine.cached(key, lambda shop: views.kpi(shop, m, b, start, end, f, compare))


@router.get("/alerts", summary="The alerts of a day (a period's last day), worst first, each linked to its diagnosis")
def get_alerts(request: Request, engine: EngineDep, period: PeriodDep, lang: LangQ = None) -> list[AlertItem]:
    day = period.end
    return views.localise_alerts(engine.cached(("alerts", day), lambda shop: views.alerts(shop, day)), lang_of(request))


@router.get("/advice", summary="Recommended actions (建议) as of a day (a period's last day), most urgent first")
def get_advice(
    request: Request,
    engine: EngineDep,
    period: PeriodDep,
    product: Annotated[str | None, Query(max_length=128)] = None,
    lang: LangQ = None,
) -> list[AdviceItem]:
    day = period.end
    found = engine.cached(("advice", day), lambda shop: views.advice(shop, day))
    items = views.localise_advice(found, lang_of(request))
    return [a for a in items if product is None or a.subject.get("product") == product]


@router.get("/quarantine", summary="Rows that could not be loaded, with file, line and reason")
def get_quarantine(
    engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> QuarantinePage:
    return engine.cached(("quarantine", limit, offset), lambda shop: views.quarantine(shop, limit, offset))


@router.post("/ingest", summary="Upload files and load them (one ingest at a time)")
async def post_ingest(
    request: Request,
    engine: EngineDep,
    files: Annotated[list[UploadFile], File(description="CSV, TSV, XLS, XLSX, Parquet or JSON Lines files.")],
    preset: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z0-9-]+$")] = None,
    table: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_]+$")] = None,
) -> IngestResponse:
    from starlette.concurrency import run_in_threadpool

    limit: int = request.app.state.max_upload_bytes
    with upload_folder() as folder:
        saved = [await save_upload(f, Path(folder), limit) for f in files]
        return await run_in_threadpool(engine.write, lambda shop: views.ingest(shop, saved, preset, table))


@router.get("/report", summary="A report of a day, week or month as HTML, PDF, Excel or JSON (docs/reports.md)",
            response_class=JSONResponse, response_model=ReportResponse, responses={200: {"content": {
                "text/html": {}, "application/pdf": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
def get_report(
    request: Request,
    engine: EngineDep,
    date: Annotated[Day, Query(description="Last day of the report (default: the shop's last complete day).")] = None,
    period: Annotated[Literal["day", "week", "month"], Query(
        description="day, or the calendar week or month up to date=.")] = "day",
    fmt: Annotated[Literal["html", "pdf", "xlsx", "json"], Query(alias="format")] = "html",
    lang: LangQ = None,
) -> Response:
    from junshi.reports import build_report
    from junshi.reports.render import MEDIA_TYPES, file_name, render

    day, chosen = period_of(engine, date, None, None, "day").end, lang_of(request)
    report = engine.cached(("report", day, period, chosen), lambda shop: build_report(shop, day, period, chosen))
    if fmt == "json":
        return JSONResponse(ReportResponse.model_validate(report.to_json()).model_dump(mode="json"))
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(render(report, fmt), media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'{disposition}; filename="{file_name(report, fmt)}"'})


AttributionModel = Literal["first", "last", "last_non_direct", "linear", "time_decay", "position", "markov",
                           "shapley"]
HalfLife = Annotated[float, Query(gt=0, le=365, description="Half-life of the time_decay model, in days.")]


@router.get("/attribution", summary="Multi-touch attribution of the period's paid orders to traffic sources, one model")
def get_attribution(engine: EngineDep, period: PeriodDep, model: AttributionModel = "markov",
                    half_life_days: HalfLife = 7.0) -> AttributionResponse:
    from junshi.marketing.attribution import attribute

    key = ("attribution", model, period.start, period.end, half_life_days)
    return AttributionResponse.model_validate(engine.cached(key, lambda shop: attribute(
        shop, model=model, start=period.start, end=period.end, half_life_days=half_life_days).as_dict()))


@router.get("/attribution/compare",
            summary="Every attribution model side by side per traffic source, with the ad platform's own figures")
def get_attribution_compare(engine: EngineDep, period: PeriodDep, half_life_days: HalfLife = 7.0
                            ) -> AttributionComparison:
    from junshi.marketing.attribution import compare

    key = ("attribution_compare", period.start, period.end, half_life_days)
    return AttributionComparison.model_validate(engine.cached(key, lambda shop: compare(
        shop, start=period.start, end=period.end, half_life_days=half_life_days).as_dict()))


@router.get("/abtests", summary="The period's side-by-side tests of plans within a traffic source, with verdicts")
def get_abtests(engine: EngineDep, period: PeriodDep) -> AbTestsResponse:
    from junshi.marketing.abtest import creative_tests

    key = ("abtests", period.start, period.end)
    return AbTestsResponse.model_validate(engine.cached(key, lambda shop: {
        "tests": [t.as_dict() for t in creative_tests(shop, period.start, period.end)]}))


@router.get("/abtest", summary="One A/B test's readout: conversion and revenue per visitor, ratios, sample-ratio "
            "check, always-valid p-values")
def get_abtest(
    engine: EngineDep, period: PeriodDep,
    control: Annotated[str, Query(max_length=200, description="The control's value of column.")],
    treatment: Annotated[str, Query(max_length=200, description="The treatment's value of column.")],
    column: Literal["campaign", "landing_page"] = "campaign",
    ratio: Annotated[float, Query(gt=0, le=100, description="Planned treatment visitors per control visitor.")] = 1.0,
    pre_days: Annotated[int, Query(ge=0, le=365, description="Days before the test for CUPED (0: none).")] = 28,
) -> AbTestResponse:
    from junshi.marketing.abtest import readout

    key = ("abtest", column, control, treatment, period.start, period.end, ratio, pre_days)
    return AbTestResponse.model_validate(engine.cached(key, lambda shop: readout(
        shop, column=column, control=control, treatment=treatment, start=period.start, end=period.end,
        ratio=ratio, pre_days=pre_days).as_dict()))


for _page in PAGES:  # each page's own call, /api/<key>, from its view module
    if (_api := page_api(_page)) is not None:
        router.add_api_route(_page.api_path.removeprefix("/api"), _api.endpoint, methods=["GET"],
                             response_model=_api.response, summary=_page.summary, name=f"get_{_page.key}")
