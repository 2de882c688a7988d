"""Periods of the faces (dashboard, API, CLI): one day, the last 7 or 30 days, a calendar week or month, or any
range of days; what each compares with; and the period a shop opens on.

As 生意参谋 offers them: 1天 (a day), 7天 / 30天 (the 7 or 30 days ending on a day), 周 (the calendar week, Monday
to Sunday) and 月 (the calendar month) holding a day, and 自定义 (any range). A week or month still running is
cut at the last complete day (本周 / 本月 to date) and compared with the same days of the week or month before.

The default period is the last *complete* day with paid sales: the last day before today (in the shop's time
zone) on which sales were paid, never the last day with any order (an unpaid order after the last sale opens on a
dead day). A small shop, with fewer than :data:`SMALL_SHOP_BUYERS` paying buyers a day over the 30 days to that
day, opens on the 7 days ending on it: a small shop's single day is noise.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args
from zoneinfo import ZoneInfo

from junshi.errors import ConfigError, MetricError, MissingDataError
from junshi.i18n import Lang, Text

if TYPE_CHECKING:
    from junshi.shop import Shop

Kind = Literal["day", "7d", "30d", "week", "month", "custom"]
SHORTCUTS: tuple[Kind, ...] = ("day", "7d", "30d", "week", "month")
KINDS: tuple[Kind, ...] = get_args(Kind)
SMALL_SHOP_BUYERS = 30  # paying buyers a day (average of the last 30 days) under which a shop opens on 7 days
SIZE_WINDOW = 30  # days over which the shop's size is judged
MAX_DAYS = 3 * 366  # the longest period a face computes (three years, so that a year compares with the one before)
TREND_DAYS = 30  # a trend shows at least this many days, ending on the period's last day

KIND_LABELS: dict[Kind, Text] = {
    "day": Text("Day", "1天"), "7d": Text("7 days", "7天"), "30d": Text("30 days", "30天"),
    "week": Text("Week", "周"), "month": Text("Month", "月"), "custom": Text("Custom", "自定义"),
}
PREVIOUS_LABELS: dict[Kind, Text] = {
    "day": Text("vs previous day", "较前一日"), "7d": Text("vs previous 7 days", "较前7天"),
    "30d": Text("vs previous 30 days", "较前30天"), "week": Text("vs previous week", "较上周"),
    "month": Text("vs previous month", "较上月"), "custom": Text("vs previous period", "较上一周期"),
}
YEAR_LABEL = Text("vs same period last year", "较去年同期")
WEEK_LABEL = Text("vs same day last week", "较上周同日")


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@dataclass(frozen=True)
class Period:
    """Shop-local days ``start`` .. ``end`` (both included) and the kind of choice that made them."""

    start: dt.date
    end: dt.date
    kind: Kind = "custom"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def shifted(self, days: int) -> Period:
        return Period(self.start - dt.timedelta(days=days), self.end - dt.timedelta(days=days), self.kind)

    def previous(self) -> Period:
        """The period just before: the day, week or month before, else the same number of days before. A month
        (to date) compares with the same days of the month before, a whole month with the whole month before."""
        if self.kind != "month":
            return self.shifted(7 if self.kind == "week" else self.days)
        last = self.start - dt.timedelta(days=1)
        first = last.replace(day=1)
        whole = self.end == _month_end(self.end)
        return Period(first, last if whole else first.replace(day=min(self.end.day, last.day)), "month")

    def year_before(self) -> Period:
        """The same dates a year before (29 February becomes the 28th)."""
        return Period(_year_before(self.start), _year_before(self.end), self.kind)

    def at_least(self, days: int) -> Period:
        """The period, and at least ``days`` days ending on its last day."""
        return Period(min(self.start, self.end - dt.timedelta(days=days - 1)), self.end, self.kind)

    def trend(self) -> Period:
        """The days a trend of the period shows: the period, and at least :data:`TREND_DAYS` days."""
        return self.at_least(TREND_DAYS)

    def dates(self) -> list[dt.date]:
        """Every day of the period, in order."""
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]

    def baseline(self, vs: str | None) -> Period:
        """What a diagnosis of the period compares with: ``previous``, ``week`` (7 days before), ``year`` or the
        period of the same length starting on a date (YYYY-MM-DD); by default ``week`` for a day, else
        ``previous``."""
        chosen = vs or ("week" if self.days == 1 else "previous")
        if chosen == "previous":
            return self.previous()
        if chosen == "week":
            return self.shifted(7)
        if chosen == "year":
            return self.year_before()
        first = dt.date.fromisoformat(chosen)
        return Period(first, first + dt.timedelta(days=self.days - 1))

    def label(self) -> str:
        return self.start.isoformat() if self.days == 1 else f"{self.start} ~ {self.end}"

    def comparisons(self, lang: Lang) -> dict[str, tuple[Period, str]]:
        """What the period's figures are compared with: name -> (period, label). A day also compares with the
        same weekday a week before (shops have weekly rhythms)."""
        out = {"previous": (self.previous(), PREVIOUS_LABELS[self.kind](lang))}
        if self.days == 1:
            out["week"] = (self.shifted(7), WEEK_LABEL(lang))
        out["year"] = (self.year_before(), YEAR_LABEL(lang))
        return out

    def to_dict(self, lang: Lang | None = None) -> dict[str, object]:
        out: dict[str, object] = {"start": self.start.isoformat(), "end": self.end.isoformat(), "kind": self.kind,
                                  "days": self.days, "label": self.label()}
        if lang is not None:
            out["kind_label"] = KIND_LABELS[self.kind](lang)
        return out


def change_pct(current: float | int | None, previous: float | int | None) -> float | None:
    """(current - previous) / |previous|: the change of a figure against its comparison, as the metric layer's
    ``<id>_change_pct`` defines it (None when undefined)."""
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / abs(previous)


def shortcut(kind: Kind, day: dt.date, until: dt.date | None = None) -> Period:
    """The period of a shortcut holding ``day``: the day itself, the 7 or 30 days ending on it, or its calendar
    week or month, cut at ``until`` (the last complete day) when still running."""
    if kind == "day":
        return Period(day, day, "day")
    if kind in ("7d", "30d"):
        return Period(day - dt.timedelta(days=int(kind[:-1]) - 1), day, kind)
    if kind == "week":
        start, end = day - dt.timedelta(days=day.weekday()), day + dt.timedelta(days=6 - day.weekday())
    elif kind == "month":
        start, end = day.replace(day=1), _month_end(day)
    else:
        raise MetricError(
            f"Unknown period {kind!r}.", f"未知的周期 {kind!r}。",
            hint_en=f"Use one of: {', '.join(SHORTCUTS)}, or start= and end=.",
            hint_zh=f"可选：{'、'.join(SHORTCUTS)}，或给出 start= 和 end=。",
        )
    if until is not None and start <= until < end:
        end = until
    return Period(start, end, kind)


def shop_today(shop: Shop) -> dt.date:
    """Today in the shop's time zone."""
    return dt.datetime.now(ZoneInfo(shop.settings.get("timezone") or "Asia/Shanghai")).date()


def default_period(shop: Shop, today: dt.date | None = None) -> Period:
    """The period a face opens on (see the module docstring): the last complete day with paid sales, or the 7
    days ending on it for a small shop. Raises MissingDataError when the shop has no paid sales before today."""
    yesterday = (today or shop_today(shop)) - dt.timedelta(days=1)
    rows = shop.kpi(["sales", "paid_buyers"], by=["day"], end=yesterday).records()
    sold = [r for r in rows if (r["sales"] or 0) > 0 and r["day"] is not None]
    if not sold:
        raise MissingDataError(
            "This shop has no paid sales before today yet.", "本店在今天之前还没有已付款的销售。",
            hint_en="Load orders on the Data page or with `junshi ingest`, or choose a date.",
            hint_zh="请在“数据”页面或用 `junshi ingest` 导入订单，或选择日期。",
        )
    last = max(as_day(r["day"]) for r in sold)
    window = last - dt.timedelta(days=SIZE_WINDOW - 1)
    buyers = sum(r["paid_buyers"] or 0 for r in sold if window <= as_day(r["day"]) <= last)
    return shortcut("7d" if buyers / SIZE_WINDOW < SMALL_SHOP_BUYERS else "day", last)


def parse_day(value: dt.date | str, what: str = "date") -> dt.date:
    """A day the user gave (a date, or an ISO ``YYYY-MM-DD`` string); a ConfigError naming ``what`` otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(
            f"{what} {value!r} is not a date.", f"{what} {value!r} 不是日期。",
            hint_en="Write dates as YYYY-MM-DD, e.g. 2026-11-25.", hint_zh="日期请写成 YYYY-MM-DD，例如 2026-11-25。",
        ) from None


def as_day(value: object) -> dt.date:
    """The day of a value the warehouse returned: a date, a datetime or timestamp, or an ISO string."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def choose(date: dt.date | None = None, start: dt.date | None = None, end: dt.date | None = None,
           kind: Kind | None = None, *, last_day: dt.date | None = None) -> Period | None:
    """The period asked for: ``date`` alone (one day), ``start`` and ``end`` (any range), or a shortcut ``kind``
    holding ``date`` (default: ``last_day``, which also cuts a running week or month). None when nothing was
    asked (the caller then uses :func:`default_period`). MetricError on contradictory or out-of-range asks."""
    if start is not None or end is not None:
        if date is not None or kind not in (None, "custom"):
            raise _invalid("Give either date= (with period=) or start= and end=, not both.",
                           "请只给出 date=（可加 period=），或只给出 start= 和 end=。")
        if start is None or end is None:
            raise _invalid("A range needs both start= and end=.", "自定义周期需要同时给出 start= 和 end=。")
        if start > end:
            raise _invalid(f"The period starts ({start}) after it ends ({end}).",
                           f"开始日期（{start}）晚于结束日期（{end}）。")
        chosen = Period(start, end, "custom")
    elif kind == "custom":
        raise _invalid("A custom period needs start= and end=.", "自定义周期需要给出 start= 和 end=。")
    elif date is None and kind is None:
        return None
    else:
        anchor = date or last_day
        if anchor is None:
            return None
        chosen = shortcut(kind or "day", anchor, last_day)
    if chosen.days > MAX_DAYS:
        raise _invalid(f"The period has {chosen.days} days; at most {MAX_DAYS} are shown at once.",
                       f"该周期有 {chosen.days} 天；一次最多显示 {MAX_DAYS} 天。")
    return chosen


def _invalid(en: str, zh: str) -> MetricError:
    examples = "?date=2024-11-20, ?period=7d&date=2024-11-20, ?start=2024-11-01&end=2024-11-30"
    return MetricError(en, zh, hint_en=f"For example {examples}.", hint_zh=f"例如 {examples}。")


__all__ = ["KINDS", "MAX_DAYS", "SHORTCUTS", "SMALL_SHOP_BUYERS", "Kind", "Period", "choose", "default_period",
           "shortcut"]
