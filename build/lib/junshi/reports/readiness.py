"""Whether a day's data has finished loading, so that a report of it is not a report of half a day."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from junshi.i18n import Lang, tr
from junshi.periods import as_day

if TYPE_CHECKING:
    from junshi.shop import Shop

LAST_HOUR = 23  # an order placed in the day's last hour: the export covers the whole day


@dataclass(frozen=True)
class DataStatus:
    """``complete`` and why (or why not), in the language asked for."""

    complete: bool
    reason: str


def _max(shop: Shop, table: str, column: str) -> Any:
    t = shop.table(table)
    value = t[column].max().execute()
    return None if value is None or value != value else value  # None or NaT


def data_status(shop: Shop, day: dt.date, lang: Lang) -> DataStatus:
    """Is ``day`` (shop-local) fully loaded? Yes when there is data of a later day, an order placed in the
    day's last hour, or a load that finished after the day ended; otherwise it may be incomplete."""
    last_order = _max(shop, "orders", "created_at")
    last_daily = _max(shop, "daily_shop", "date")
    if (last_order is not None and as_day(last_order) > day) or (
            last_daily is not None and as_day(last_daily) > day):
        return DataStatus(True, tr("Data of later days is loaded.", "已导入之后日期的数据。", lang))
    if last_daily is not None and as_day(last_daily) == day:
        return DataStatus(True, tr("The platform's daily report of {d} is loaded.", "已导入平台 {d} 的日报。",
                                   lang, d=day))
    if last_order is not None and as_day(last_order) == day and last_order.hour >= LAST_HOUR:
        return DataStatus(True, tr("Orders up to {t} are loaded.", "已导入截至 {t} 的订单。", lang,
                                   t=str(last_order)[:16]))
    finished = _max(shop, "loads", "finished_at")  # UTC
    zone = zoneinfo.ZoneInfo(str(shop.settings.get("timezone") or "Asia/Shanghai"))
    day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    if finished is not None and finished.replace(tzinfo=dt.UTC) >= day_end and last_order is not None \
            and as_day(last_order) == day:
        return DataStatus(True, tr("A load finished after the day ended.", "当天结束后已完成导入。", lang))
    latest = str(last_order)[:16] if last_order is not None else tr("none", "无", lang)
    return DataStatus(False, tr("The data of {d} may be incomplete (latest order: {t}).",
                                "{d} 的数据可能不完整（最新订单时间：{t}）。", lang, d=day, t=latest))
