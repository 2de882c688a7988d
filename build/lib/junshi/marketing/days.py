"""The period a marketing report covers: the days asked for, by default the 30 days up to the last day with data."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from junshi.errors import MetricError, MissingDataError

if TYPE_CHECKING:
    from junshi.shop import Shop

DEFAULT_DAYS = 30


def report_days(shop: Shop, table: str, column: str, start: dt.date | str | None, end: dt.date | str | None,
                missing: MissingDataError) -> tuple[dt.date, dt.date]:
    """``start``..``end``; a missing end is the last day of ``table.column``, a missing start 30 days before it.
    ``missing`` is raised when the table has no rows for the shop."""
    from junshi.metrics.query import fetch
    from junshi.periods import parse_day

    last = fetch(shop.warehouse, ("report last day", shop.shop_id, table, column),
                 lambda *_: shop.table(table).aggregate(last=shop.table(table)[column].max())).column("last")[0].as_py()
    if last is None or last != last:  # no rows: None or NaT
        raise missing
    last_day = last.date() if isinstance(last, dt.datetime) else last
    end_day = parse_day(end) if end is not None else last_day
    start_day = parse_day(start) if start is not None else end_day - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start_day > end_day:
        raise MetricError(f"The period starts ({start_day}) after it ends ({end_day}).",
                          f"开始日期（{start_day}）晚于结束日期（{end_day}）。",
                          hint_en="Swap --from and --to.", hint_zh="请交换 --from 和 --to。")
    return start_day, end_day
