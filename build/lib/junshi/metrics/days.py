"""A metric's values on a run of days, as a chart draws them: a day the metric layer returns no row for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from junshi.jsonable import num
from junshi.metrics.compiler import counts_rows


def daily_values(metric: str, by_day: Mapping[str, Any], days: Sequence[str]) -> list[float | int | None]:
    """The values of ``metric`` on ``days`` (YYYY-MM-DD) from ``{day: value}``. The metric layer returns only the
    days with rows: a day it does not return had none, so a count or sum that has values on other days is 0 on it
    (a day it returns with an empty value stays empty, e.g. a day a daily report does not cover)."""
    values = [num(by_day.get(d)) for d in days]
    if not counts_rows(metric) or all(v is None for v in values):
        return values
    return [0 if v is None and d not in by_day else v for d, v in zip(days, values, strict=True)]
