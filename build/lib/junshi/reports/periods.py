"""The days a report covers and the days it is compared with (shop-local), as :mod:`junshi.periods` defines
them for every face."""

from __future__ import annotations

import datetime as dt

from junshi.errors import ConfigError
from junshi.periods import shortcut
from junshi.reports.model import PERIODS, PeriodKind


def period_kind(value: str) -> PeriodKind:
    """``day``, ``week`` or ``month``; a clear error otherwise."""
    for kind in PERIODS:
        if value == kind:
            return kind
    raise ConfigError(f"Unknown report period {value!r}.", f"未知的报表周期 {value!r}。",
                      hint_en="Use --period day, week or month.", hint_zh="请使用 --period day、week 或 month。")


def report_period(day: dt.date, kind: PeriodKind) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """(start, end, baseline start, baseline end) of the report of ``kind`` that ends on ``day``.

    day: ``day`` against the same weekday a week before (what operators compare, and the diagnosis
    default); week: the calendar week (Monday ..) up to ``day`` against the same days of the week before;
    month: the month up to ``day`` (all of it when ``day`` is its last) against the same days of the month
    before (the whole month before for a whole month).
    """
    period = shortcut(kind, day, until=day)
    base = period.shifted(7) if kind == "day" else period.previous()
    return period.start, period.end, base.start, base.end
