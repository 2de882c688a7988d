"""Schedules in the warehouse: what to send (a report period), when (shop-local), to whom (a channel)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from junshi.errors import ConfigError
from junshi.i18n import Lang, parse_lang
from junshi.push.deliver import ChannelName, channel_name, check_target
from junshi.push.ledger import mask
from junshi.reports.model import PeriodKind
from junshi.reports.periods import period_kind
from junshi.warehouse import Writable

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_WAIT_HOURS = 3.0


@dataclass(frozen=True)
class Schedule:
    """One schedule. It fires at ``at_time`` on the days ``on_days`` names and sends the report of
    ``period`` that ends the day before (the morning's report of yesterday, Monday's of last week ...)."""

    shop_id: str
    id: str
    period: PeriodKind
    at_time: str
    on_days: str
    channel: ChannelName
    target: str
    secret: str | None
    lang: Lang
    wait_hours: float
    dashboard_url: str | None

    def fires_on(self, day: dt.date) -> bool:
        if self.on_days == "daily":
            return True
        if self.on_days in WEEKDAYS:
            return WEEKDAYS[day.weekday()] == self.on_days
        return day.day == int(self.on_days)

    @property
    def time(self) -> dt.time:
        hour, minute = self.at_time.split(":")
        return dt.time(int(hour), int(minute))

    def public(self) -> dict[str, Any]:
        """For lists and the JSON API: the target masked, the secret only as whether there is one."""
        return {"id": self.id, "period": self.period, "at": self.at_time, "on": self.on_days,
                "channel": self.channel, "target": mask(self.target), "secret": bool(self.secret),
                "lang": self.lang, "wait_hours": self.wait_hours, "dashboard_url": self.dashboard_url}


def make_schedule(shop_id: str, name: str, *, period: str, at: str, on: str, channel: str, target: str,
                  secret: str | None = None, lang: str = "zh", wait_hours: float = DEFAULT_WAIT_HOURS,
                  dashboard_url: str | None = None) -> Schedule:
    """A checked schedule: every problem is a clear error before anything is stored."""
    if not NAME.fullmatch(name):
        raise ConfigError(f"Schedule name {name!r} is not valid.", f"任务名 {name!r} 无效。",
                          hint_en="Use letters, digits, '_', '-' or '.', e.g. morning-dingtalk.",
                          hint_zh="请使用字母、数字、_、- 或 .，例如 morning-dingtalk。")
    match = TIME.fullmatch(at.strip())
    if not match:
        raise ConfigError(f"Time {at!r} is not HH:MM.", f"时间 {at!r} 不是 HH:MM 格式。",
                          hint_en="e.g. --at 08:30 (shop-local).", hint_zh="例如 --at 08:30（店铺时区）。")
    on = on.strip().lower()
    if not (on == "daily" or on in WEEKDAYS or (on.isdigit() and 1 <= int(on) <= 28)):
        raise ConfigError(f"--on {on!r} is not daily, a weekday or a day 1-28.",
                          f"--on {on!r} 不是 daily、星期几或 1-28 日。",
                          hint_en="e.g. --on daily, --on mon, --on 1.", hint_zh="例如 --on daily、--on mon、--on 1。")
    if wait_hours < 0 or wait_hours > 24:
        raise ConfigError("--wait must be between 0 and 24 hours.", "--wait 须在 0 到 24 小时之间。")
    chan = channel_name(channel)
    check_target(chan, target)
    return Schedule(shop_id, name, period_kind(period), f"{int(match[1]):02d}:{match[2]}", on, chan, target,
                    secret or None, parse_lang(lang), float(wait_hours), dashboard_url)


def add_schedule(warehouse: Writable, schedule: Schedule, *, replace: bool = False) -> None:
    """Store ``schedule``; a name already in use is refused unless ``replace``."""
    s = schedule
    with warehouse.transaction() as con:
        exists = con.execute("SELECT count(*) FROM schedules WHERE shop_id = ? AND schedule_id = ?",
                             [s.shop_id, s.id]).fetchall()[0][0]
        if exists and not replace:
            raise ConfigError(f"A schedule named {s.id!r} exists.", f"已存在名为 {s.id!r} 的任务。",
                              hint_en="Choose another name, or --replace it.",
                              hint_zh="请换一个名字，或用 --replace 替换。")
        con.execute("DELETE FROM schedules WHERE shop_id = ? AND schedule_id = ?", [s.shop_id, s.id])
        con.execute("INSERT INTO schedules VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [s.shop_id, s.id, s.period, s.at_time, s.on_days, s.channel, s.target, s.secret, s.lang,
                     s.wait_hours, s.dashboard_url, dt.datetime.now(dt.UTC).replace(tzinfo=None)])


def list_schedules(warehouse: Writable, shop_id: str | None = None) -> list[Schedule]:
    """The schedules of one shop (or of every shop), by name."""
    where, args = ("WHERE shop_id = ?", [shop_id]) if shop_id is not None else ("", [])
    rows = warehouse.con.execute(
        "SELECT shop_id, schedule_id, period, at_time, on_days, channel, target, secret, lang, wait_hours, "
        f"dashboard_url FROM schedules {where} ORDER BY shop_id, schedule_id", args).fetchall()
    return [Schedule(r[0], r[1], period_kind(r[2]), r[3], r[4], channel_name(r[5]), r[6], r[7],
                     parse_lang(r[8] or "zh"), DEFAULT_WAIT_HOURS if r[9] is None else float(r[9]), r[10])
            for r in rows]


def remove_schedule(warehouse: Writable, shop_id: str, name: str) -> None:
    """Delete a schedule (its delivery records stay)."""
    if not any(s.id == name for s in list_schedules(warehouse, shop_id)):
        raise ConfigError(f"No schedule named {name!r}.", f"没有名为 {name!r} 的任务。",
                          hint_en="See junshi schedule list.", hint_zh="请查看 junshi schedule list。")
    warehouse.con.execute("DELETE FROM schedules WHERE shop_id = ? AND schedule_id = ?", [shop_id, name])
