"""The JSON API routes: validate, call the engine (through :mod:`junshi.api.views`), serialise.

Every read is cached per data version (see :class:`~junshi.api.engine.Engine`); queries take only
registered metric and dimension names, which the metric layer checks.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from pydantic import AfterValidator

from junshi.api import views
from junshi.api.errors import ERROR_RESPONSES
from junshi.api.lang import request_lang
from junshi.api.state import EngineDep
from junshi.api.uploads import save_upload, upload_folder
from junshi.errors import MetricError, MissingDataError
from junshi.i18n import Lang

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)

FIRST_DAY, LAST_DAY = dt.date(1990, 1, 1), dt.date(2999, 12, 31)


def _in_range(day: dt.date | None) -> dt.date | None:
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"dates must lie between {FIRST_DAY} and {LAST_DAY}")
    return day


def _vs(value: str) -> str:
    """``week``, ``previous`` or a valid date in range."""
    if value not in ("week", "previous"):
        _in_range(dt.date.fromisoformat(value))
    return value


Day = Annotated[dt.date | None, AfterValidator(_in_range)]
DateQ = Annotated[Day, Query(description="Shop-local day (default: the last day with orders).")]
VS_PATTERN = r"^(week|previous|\d{4}-\d{2}-\d{2})$"
LangQ = Annotated[Literal["zh", "en"] | None, Query(description="Language of names and messages (default zh).")]


def _lang(request: Request) -> Lang:
    return request_lang(request)


def _day(engine: EngineDep, date: dt.date | None) -> dt.date:
    """The day asked for, else the shop's last day with orders."""
    if date is not None:
        return date
    last = engine.cached(("shop_info",), views.shop_info)["last_day"]
    if last is None:
        raise MissingDataError(
            "This shop has no orders yet.",
            "该店铺还没有订单数据。",
            hint_en="Load data on the Data page or with `junshi ingest`, or give a date.",
            hint_zh="请在“数据”页面或用 `junshi ingest` 导入数据，或指定日期。",
        )
    return dt.date.fromisoformat(last)


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


@router.get("/shop", summary="The shop: settings and the days it has data for")
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


@router.get("/overview", summary="首页 Overview: KPI cards with changes, the KPI tree and 30-day trends of a day")
def get_overview(request: Request, engine: EngineDep, date: DateQ = None, lang: LangQ = None) -> dict[str, Any]:
    day = _day(engine, date)
    block = views.overview_block(day)
    numbers = engine.cached(("overview", block), lambda shop: views.overview_numbers(shop, block))
    return views.overview(numbers, day, _lang(request))


@router.get("/alerts", summary="The alerts of a day, worst first, each linked to its diagnosis")
def get_alerts(request: Request, engine: EngineDep, date: DateQ = None, lang: LangQ = None) -> list[dict[str, Any]]:
    day = _day(engine, date)
    return views.localise_alerts(engine.cached(("alerts", day), lambda shop: views.alerts(shop, day)), _lang(request))


@router.get("/advice", summary="Recommended actions of a day (建议), most urgent first, with the numbers behind them")
def get_advice(
    request: Request,
    engine: EngineDep,
    date: DateQ = None,
    product: Annotated[str | None, Query(max_length=128)] = None,
    lang: LangQ = None,
) -> list[dict[str, Any]]:
    day = _day(engine, date)
    items = views.localise_advice(engine.cached(("advice", day), lambda shop: views.advice(shop, day)), _lang(request))
    return [a for a in items if product is None or a["subject"].get("product") == product]


@router.get("/diagnosis", summary="诊断: why a metric moved between two days, split exactly by factor and dimension")
def get_diagnosis(
    request: Request,
    engine: EngineDep,
    date: DateQ = None,
    vs: Annotated[
        str, AfterValidator(_vs), Query(pattern=VS_PATTERN, description="week, previous or a date (YYYY-MM-DD).")
    ] = "week",
    metric: Literal["sales", "refund_amount", "gross_profit"] = "sales",
    depth: Annotated[int, Query(ge=0, le=5)] = 3,
    lang: LangQ = None,
) -> dict[str, Any]:
    day, chosen = _day(engine, date), _lang(request)
    key = ("diagnosis", day, vs, metric, depth, chosen)
    return engine.cached(key, lambda shop: views.diagnosis(shop, day, vs, metric, depth, chosen))


@router.get("/traffic", summary="流量 Traffic: sources, their trends and landing pages")
def get_traffic(engine: EngineDep, date: DateQ = None) -> dict[str, Any]:
    day = _day(engine, date)
    return engine.cached(("traffic", day), lambda shop: views.traffic(shop, day))


@router.get("/products", summary="商品 Products: product table, movers and advice")
def get_products(engine: EngineDep, date: DateQ = None) -> dict[str, Any]:
    day = _day(engine, date)
    return engine.cached(("products", day), lambda shop: views.products(shop, day))


@router.get("/transactions", summary="交易 Transactions: the funnel by source and device, orders and refunds")
def get_transactions(engine: EngineDep, date: DateQ = None) -> dict[str, Any]:
    day = _day(engine, date)
    return engine.cached(("transactions", day), lambda shop: views.transactions(shop, day))


@router.get("/service", summary="服务 Service: DSR, ratings, negative reviews, shipping times")
def get_service(request: Request, engine: EngineDep, date: DateQ = None, lang: LangQ = None) -> dict[str, Any]:
    day, chosen = _day(engine, date), _lang(request)
    return engine.cached(("service", day, chosen), lambda shop: views.service(shop, day, chosen))


@router.get("/customers", summary="客户 Customers: RFM groups and repurchase as of a day")
def get_customers(request: Request, engine: EngineDep, date: DateQ = None, lang: LangQ = None) -> dict[str, Any]:
    day, chosen = _day(engine, date), _lang(request)
    return engine.cached(("customers", day, chosen), lambda shop: views.customers(shop, day, chosen))


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
    files: Annotated[list[UploadFile], File(description="CSV, TSV, XLSX, Parquet or JSON Lines files.")],
    preset: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z0-9-]+$")] = None,
    table: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_]+$")] = None,
) -> dict[str, Any]:
    from starlette.concurrency import run_in_threadpool

    limit: int = request.app.state.max_upload_bytes
    with upload_folder() as folder:
        saved = [await save_upload(f, Path(folder), limit) for f in files]
        return await run_in_threadpool(engine.write, lambda shop: views.ingest(shop, saved, preset, table))
