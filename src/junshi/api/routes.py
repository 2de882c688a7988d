"""The JSON API routes: validate, call the engine (through :mod:`junshi.api.views`), serialise.

Every read is cached per data version (see :class:`~junshi.api.engine.Engine`); queries take only
registered metric and dimension names, which the metric layer checks.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from pydantic import AfterValidator

from junshi import periods
from junshi.api import overview, views
from junshi.api.engine import Engine
from junshi.api.errors import ERROR_RESPONSES
from junshi.api.lang import request_lang
from junshi.api.state import EngineDep
from junshi.api.uploads import save_upload, upload_folder
from junshi.errors import MetricError, MissingDataError
from junshi.i18n import Lang
from junshi.periods import Kind, Period

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)

FIRST_DAY, LAST_DAY = dt.date(1990, 1, 1), dt.date(2999, 12, 31)


def _in_range(day: dt.date | None) -> dt.date | None:
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"dates must lie between {FIRST_DAY} and {LAST_DAY}")
    return day


def _vs(value: str | None) -> str | None:
    """``week``, ``previous``, ``year`` or a valid date in range."""
    if value is not None and value not in ("week", "previous", "year"):
        _in_range(dt.date.fromisoformat(value))
    return value


Day = Annotated[dt.date | None, AfterValidator(_in_range)]
VS_PATTERN = r"^(week|previous|year|\d{4}-\d{2}-\d{2})$"
LangQ = Annotated[Literal["zh", "en"] | None, Query(description="Language of names and messages (default zh).")]


def _lang(request: Request) -> Lang:
    return request_lang(request)


def period_of(engine: Engine, date: dt.date | None, start: dt.date | None, end: dt.date | None,
              kind: Kind | None) -> Period:
    """The period asked for (:func:`junshi.periods.choose`), else the shop's default period."""
    default = views.default_of(engine.cached(("shop_info",), views.shop_info))
    chosen = periods.choose(date, start, end, kind, last_day=default.end if default else None) or default
    if chosen is None:
        raise MissingDataError(
            "This shop has no paid sales yet.",
            "该店铺还没有已付款的销售。",
            hint_en="Load data on the Data page or with `junshi ingest`, or give a date.",
            hint_zh="请在“数据”页面或用 `junshi ingest` 导入数据，或指定日期。",
        )
    return chosen


def _asked_period(
    engine: EngineDep,
    date: Annotated[Day, Query(description="One shop-local day (with period=: a day of the period).")] = None,
    start: Annotated[Day, Query(description="First day of a custom period (with end=).")] = None,
    end: Annotated[Day, Query(description="Last day of a custom period, included (with start=).")] = None,
    period: Annotated[Kind | None, Query(
        description="A shortcut holding date=: day, 7d, 30d (the days ending on it), week or month (the calendar "
        "week or month). Without date=, start= or end=: the shop's default period (the last complete day with "
        "paid sales; the last 7 days for a shop with under 30 paying buyers a day)."
    )] = None,
) -> Period:
    return period_of(engine, date, start, end, period)


PeriodDep = Annotated[Period, Depends(_asked_period)]


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
def get_shop(engine: EngineDep) -> dict[str, Any]:
    return engine.cached(("shop_info",), views.shop_info)


@router.get("/status", summary="Whether an ingest is running, and the data version (it moves on after each load)")
def get_status(engine: EngineDep) -> dict[str, Any]:
    return {"ingesting": engine.ingesting, "version": engine.version}


@router.get("/metrics", summary="The metric catalogue (口径) and the dimensions queries accept")
def get_metrics(request: Request, engine: EngineDep, lang: LangQ = None) -> dict[str, Any]:
    chosen = _lang(request)
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
) -> dict[str, Any]:
    m, b, f = _names(metrics, "metrics"), _names(by, "by"), _filters(where)
    key = ("kpi", m, b, start, end, tuple(sorted((k, tuple(v)) for k, v in f.items())), compare)
    return engine.cached(key, lambda shop: views.kpi(shop, m, b, start, end, f, compare))


@router.get("/overview", summary="首页 Overview: KPI cards of a day or period, compared; the KPI tree; trends")
def get_overview(request: Request, engine: EngineDep, period: PeriodDep, lang: LangQ = None) -> dict[str, Any]:
    return overview.overview(engine, period, _lang(request))


@router.get("/alerts", summary="The alerts of a day (a period's last day), worst first, each linked to its diagnosis")
def get_alerts(request: Request, engine: EngineDep, period: PeriodDep, lang: LangQ = None) -> list[dict[str, Any]]:
    day = period.end
    return views.localise_alerts(engine.cached(("alerts", day), lambda shop: views.alerts(shop, day)), _lang(request))


@router.get("/advice", summary="Recommended actions (建议) as of a day (a period's last day), most urgent first")
def get_advice(
    request: Request,
    engine: EngineDep,
    period: PeriodDep,
    product: Annotated[str | None, Query(max_length=128)] = None,
    lang: LangQ = None,
) -> list[dict[str, Any]]:
    day = period.end
    items = views.localise_advice(engine.cached(("advice", day), lambda shop: views.advice(shop, day)), _lang(request))
    return [a for a in items if product is None or a["subject"].get("product") == product]


@router.get(
    "/diagnosis", summary="诊断: why a metric moved between two days or periods, split exactly by factor and cell",
)
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
) -> dict[str, Any]:
    chosen = _lang(request)
    key = ("diagnosis", period.start, period.end, vs, metric, depth, chosen)
    return engine.cached(key, lambda shop: views.diagnosis(shop, period, vs, metric, depth, chosen))


@router.get("/traffic", summary="流量 Traffic: sources, their trends and landing pages")
def get_traffic(engine: EngineDep, period: PeriodDep) -> dict[str, Any]:
    return engine.cached(("traffic", period.start, period.end), lambda shop: views.traffic(shop, period))


@router.get("/products", summary="商品 Products: product table, movers and advice")
def get_products(engine: EngineDep, period: PeriodDep) -> dict[str, Any]:
    return engine.cached(("products", period.start, period.end), lambda shop: views.products(shop, period))


@router.get("/transactions", summary="交易 Transactions: the funnel by source and device, orders and refunds")
def get_transactions(engine: EngineDep, period: PeriodDep) -> dict[str, Any]:
    return engine.cached(("transactions", period.start, period.end), lambda shop: views.transactions(shop, period))


@router.get("/service", summary="服务 Service: DSR, ratings, negative reviews, shipping times")
def get_service(request: Request, engine: EngineDep, period: PeriodDep, lang: LangQ = None) -> dict[str, Any]:
    chosen = _lang(request)
    key = ("service", period.start, period.end, chosen)
    return engine.cached(key, lambda shop: views.service(shop, period, chosen))


@router.get("/customers", summary="客户 Customers: RFM groups as of a period's last day and repurchase over it")
def get_customers(request: Request, engine: EngineDep, period: PeriodDep, lang: LangQ = None) -> dict[str, Any]:
    chosen = _lang(request)
    key = ("customers", period.start, period.end, chosen)
    return engine.cached(key, lambda shop: views.customers(shop, period, chosen))


@router.get("/quarantine", summary="Rows that could not be loaded, with file, line and reason")
def get_quarantine(
    engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    return engine.cached(("quarantine", limit, offset), lambda shop: views.quarantine(shop, limit, offset))


@router.post("/ingest", summary="Upload files and load them (one ingest at a time)")
async def post_ingest(
    request: Request,
    engine: EngineDep,
    files: Annotated[list[UploadFile], File(description="CSV, TSV, XLS, XLSX, Parquet or JSON Lines files.")],
    preset: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z0-9-]+$")] = None,
    table: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_]+$")] = None,
) -> dict[str, Any]:
    from starlette.concurrency import run_in_threadpool

    limit: int = request.app.state.max_upload_bytes
    with upload_folder() as folder:
        saved = [await save_upload(f, Path(folder), limit) for f in files]
        return await run_in_threadpool(engine.write, lambda shop: views.ingest(shop, saved, preset, table))
