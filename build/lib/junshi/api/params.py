"""Query parameters shared by the routes and the pages: the period asked for and the language."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import Depends, Query, Request
from pydantic import AfterValidator

from junshi import periods
from junshi.api import views
from junshi.api.engine import Engine
from junshi.api.lang import request_lang
from junshi.api.state import EngineDep
from junshi.errors import MissingDataError
from junshi.i18n import Lang
from junshi.periods import Kind, Period

FIRST_DAY, LAST_DAY = dt.date(1990, 1, 1), dt.date(2999, 12, 31)


def in_range(day: dt.date | None) -> dt.date | None:
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"dates must lie between {FIRST_DAY} and {LAST_DAY}")
    return day


Day = Annotated[dt.date | None, AfterValidator(in_range)]
LangQ = Annotated[Literal["zh", "en"] | None, Query(description="Language of names and messages (default zh).")]


def lang_of(request: Request) -> Lang:
    """The request's language (``?lang=``, else its cookie, else zh)."""
    return request_lang(request)


LangDep = Annotated[Lang, Depends(lang_of)]


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
