"""``junshi schedule run``: the one process that fires the schedules of a warehouse.

Each minute it opens the warehouse, sends what is due and closes it again (so ingests can write in
between); while ``junshi serve`` holds the warehouse, each pass runs inside the server instead
(``schedule run --once`` through :mod:`junshi.remote`, on the server's own connection). A schedule's report
waits for its day's data (up to the schedule's ``wait_hours``, then it is sent marked incomplete); a report
that cannot be made is replaced by a failure notice; a delivery that fails after its retries is recorded and
logged as an error. A lock file keeps a second runner out: run it
from systemd or cron, never inside each web worker.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import time
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from junshi.errors import ConfigError, JunshiError
from junshi.i18n import tr
from junshi.push.deliver import Sender, push_failure, push_report
from junshi.reports.build import build_report
from junshi.reports.readiness import data_status
from junshi.schedules.store import Schedule, list_schedules
from junshi.shop import Shop
from junshi.warehouse import Warehouse, Writable, writable
from junshi.warehouse.connection import resolve_db

log = logging.getLogger("junshi.schedule")
MAX_LATE = dt.timedelta(hours=36)  # a runner that was down sends what it missed, up to this late
LOOKBACK_DAYS = 31


@dataclass(frozen=True)
class Fired:
    """What one schedule did on one tick."""

    shop_id: str
    schedule_id: str
    report_date: dt.date
    status: Literal["sent", "alerted", "failed", "skipped", "waiting"]
    note: str = ""


def due(schedule: Schedule, now: dt.datetime) -> tuple[dt.datetime, dt.date] | None:
    """The latest firing of ``schedule`` at or before ``now`` (shop-local, naive) and the last day of the
    report it sends (the day before); None when there is none within :data:`MAX_LATE`."""
    for back in range(LOOKBACK_DAYS + 1):
        day = now.date() - dt.timedelta(days=back)
        firing = dt.datetime.combine(day, schedule.time)
        if schedule.fires_on(day) and firing <= now:
            return (firing, day - dt.timedelta(days=1)) if now - firing <= MAX_LATE else None
    return None


def delivery_key(schedule: Schedule, report_date: dt.date) -> str:
    return f"schedule:{schedule.id}:{schedule.period}:{report_date.isoformat()}"


def _sent_before(shop: Shop, key: str) -> bool:
    rows = writable(shop.warehouse).con.execute(
        "SELECT count(*) FROM deliveries WHERE shop_id = ? AND delivery_key = ?", [shop.shop_id, key]).fetchall()
    return bool(rows[0][0])


def fire(shop: Shop, schedule: Schedule, now: dt.datetime, sender: Sender) -> Fired | None:
    """Send ``schedule``'s report if it is due and not sent yet (``now`` shop-local)."""
    found = due(schedule, now)
    if found is None:
        return None
    firing, day = found
    key = delivery_key(schedule, day)
    if _sent_before(shop, key):
        return None
    status = data_status(shop, day, schedule.lang)
    if not status.complete and now < firing + dt.timedelta(hours=schedule.wait_hours):
        return Fired(shop.shop_id, schedule.id, day, "waiting", status.reason)
    what = tr("Report of {d}", "{d} 的报表", schedule.lang, d=day)
    try:
        report = build_report(shop, day, schedule.period, schedule.lang, schedule.dashboard_url)
    except Exception as exc:  # any failure: a notice instead of a wrong report
        error = exc.message(schedule.lang) if isinstance(exc, JunshiError) else type(exc).__name__
        log.exception("schedule %s: the report of %s could not be made", schedule.id, day)
        d = push_failure(shop, what, error, schedule.lang, schedule.channel, schedule.target, schedule.secret,
                         key=key, report_date=day, schedule_id=schedule.id, link=schedule.dashboard_url,
                         sender=sender)
        return Fired(shop.shop_id, schedule.id, day, d.status if d.status != "sent" else "alerted", error)
    d = push_report(shop, report, schedule.channel, schedule.target, schedule.secret, key=key,
                    schedule_id=schedule.id, sender=sender)
    return Fired(shop.shop_id, schedule.id, day, d.status, d.error or status.reason)


def tick(db: str, now_utc: dt.datetime, sender: Sender, shop_id: str | None = None) -> list[Fired]:
    """One pass over every shop's (or one shop's) schedules in the warehouse at ``now_utc`` (aware)."""
    fired: list[Fired] = []
    with _opened(db) as warehouse:
        shops = sorted({s.shop_id for s in list_schedules(warehouse, shop_id)})
        for shop_id in shops:
            shop = Shop(warehouse, shop_id)
            zone = zoneinfo.ZoneInfo(str(shop.settings.get("timezone") or "Asia/Shanghai"))
            now = now_utc.astimezone(zone).replace(tzinfo=None)
            for schedule in list_schedules(warehouse, shop_id):
                result = fire(shop, schedule, now, sender)
                if result is not None:
                    fired.append(result)
    return fired


@contextmanager
def _opened(db: str) -> Iterator[Writable]:
    """The warehouse for one pass: inside the server holding it, the server's connection of this thread; else
    opened for the pass and closed after it."""
    from junshi.cli.served import current

    hosted = current()
    if hosted is not None:
        yield writable(hosted.engine.shop().warehouse)
        return
    warehouse = Warehouse(db)
    try:
        yield warehouse
    finally:
        warehouse.close()


def _through_server(db: str, shop_id: str | None) -> int | None:
    """Run one pass inside the server holding ``db`` (it prints what it fired); its exit code, or None when
    no server holds it (or this already runs inside it)."""
    from junshi.cli.served import current, request_for
    from junshi.remote import find_server, run_remote

    endpoint = None if current() is not None else find_server(db)
    if endpoint is None:
        return None
    request = request_for(shop_id or "default")
    request["argv"] = ["schedule", "run", "--once", "--db", db, *(["--shop", shop_id] if shop_id else [])]
    return run_remote(endpoint, request)


@contextmanager
def single_runner(db: str) -> Iterator[None]:
    """Hold ``<db>.schedule.lock`` while running: a second runner on the same warehouse is refused."""
    path = Path(f"{os.path.abspath(db)}.schedule.lock")
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                f"Another junshi schedule run is running on {db}.", f"已有一个 junshi schedule run 在处理 {db}。",
                hint_en="Run one per warehouse (a systemd service or a cron job), not one per web worker.",
                hint_zh="每个数据仓库只运行一个（systemd 服务或 cron 任务），不要每个 Web 进程各跑一个。") from None
        handle.write(str(os.getpid()))
        handle.flush()
        yield


def run(db: str | None, *, once: bool = False, interval: float = 60.0, sender: Sender | None = None,
        report: Callable[[Fired], None] | None = None, clock: Callable[[], dt.datetime] | None = None,
        shop_id: str | None = None) -> list[Fired]:
    """Fire due schedules (of one shop, or of all) every ``interval`` seconds (or once); returns what the last
    pass did."""
    path = resolve_db(db)
    sender = sender or Sender()
    now = clock or (lambda: dt.datetime.now(dt.UTC))
    from junshi.cli.served import current

    with nullcontext() if current() is not None else single_runner(path):  # hosted: the client holds the lock
        while True:
            code = None
            try:
                code = _through_server(path, shop_id)
                fired = tick(path, now(), sender, shop_id) if code is None else []
            except JunshiError as exc:  # e.g. an ingest holds the warehouse: try again next time
                if once:
                    raise
                log.warning("schedule pass skipped: %s", exc)
                fired = []
            if code and once:  # the server printed what failed
                raise SystemExit(code)
            for f in fired:
                if report is not None:
                    report(f)
            if once:
                return fired
            time.sleep(interval - time.time() % interval)  # on the minute
