"""Schedules: stored in the warehouse, fired by one runner at shop-local times, each report sent once, after its
day's data (or marked incomplete), a failure notice instead of a wrong report."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from pathlib import Path

import httpx
import pytest

from channel_servers import FakeClock, channel_server
from junshi import Shop, connect
from junshi.cli import main
from junshi.errors import ConfigError
from junshi.push import Sender
from junshi.push.ledger import history
from junshi.schedules import add_schedule, list_schedules, make_schedule, runner
from junshi.schedules.runner import due, single_runner, tick
from tiny_shop import add_day

SECRET = "SEC-schedule-secret"
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D1 = dt.date(2026, 11, 9)


def local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    """A Shanghai wall-clock time as an aware UTC datetime (what the runner's clock gives)."""
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI).astimezone(dt.UTC)


def test_due() -> None:
    """Daily 08:30: before 08:30 the due firing is yesterday's (report of the day before it); at 08:30 today's.
    Weekly on Monday sends the week ending Sunday; a firing more than 36 hours old is not due any more."""
    s = make_schedule("default", "m", period="day", at="8:30", on="daily", channel="slack",
                      target="https://hooks.example/x")
    assert s.at_time == "08:30"
    assert due(s, dt.datetime(2026, 11, 10, 8, 29)) == (dt.datetime(2026, 11, 9, 8, 30), dt.date(2026, 11, 8))
    assert due(s, dt.datetime(2026, 11, 10, 8, 30)) == (dt.datetime(2026, 11, 10, 8, 30), dt.date(2026, 11, 9))
    w = make_schedule("default", "w", period="week", at="09:00", on="mon", channel="slack",
                      target="https://hooks.example/x")
    assert due(w, dt.datetime(2026, 11, 10, 12, 0)) == (dt.datetime(2026, 11, 9, 9, 0), dt.date(2026, 11, 8))
    assert due(w, dt.datetime(2026, 11, 12, 12, 0)) is None
    with pytest.raises(ConfigError):
        make_schedule("default", "x", period="day", at="25:00", on="daily", channel="slack", target="https://h/x")
    with pytest.raises(ConfigError):
        make_schedule("default", "x", period="day", at="08:00", on="31", channel="slack", target="https://h/x")
    with pytest.raises(ConfigError):
        make_schedule("default", "x", period="day", at="08:00", on="daily", channel="dingtalk", target="ftp://h/x")


def test_cli_add_list_remove(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Stored in the warehouse; the list masks the target and never shows the secret; names are unique."""
    hook = "https://oapi.dingtalk.com/robot/send?access_token=TOKEN-42"
    main(["--lang", "zh", "schedule", "add", "morning", "--to", "dingtalk", "--webhook", hook, "--secret", SECRET,
          "--at", "08:30", "--db", str(db_path)])
    with pytest.raises(SystemExit) as refused:
        main(["schedule", "add", "morning", "--to", "slack", "--webhook", "https://h/x", "--db", str(db_path)])
    assert refused.value.code == 2
    capsys.readouterr()
    main(["schedule", "list", "--format", "json", "--db", str(db_path)])
    listed = capsys.readouterr().out
    assert "TOKEN-42" not in listed and SECRET not in listed
    entry = json.loads(listed)["schedules"][0]
    assert entry == {"id": "morning", "period": "day", "at": "08:30", "on": "daily", "channel": "dingtalk",
                     "target": "https://oapi.dingtalk.com/…", "secret": True, "lang": "zh", "wait_hours": 3.0,
                     "dashboard_url": None}
    main(["schedule", "remove", "morning", "--db", str(db_path)])
    with connect(db_path) as shop:
        assert list_schedules(shop.warehouse) == []
    with pytest.raises(SystemExit):
        main(["schedule", "remove", "morning", "--db", str(db_path)])


@pytest.fixture
def scheduled(shop: Shop, db_path: Path) -> Shop:
    """D1 with orders until 09:00 only (not known to be complete); a daily 08:30 Feishu schedule, wait 3 h."""
    shop.warehouse.ensure_shop("default", name="小店")
    add_day(shop, D1 - dt.timedelta(days=7), 10, 2, 100)
    add_day(shop, D1, 20, 3, 150)
    return shop


def _schedule(shop: Shop, url: str, wait: float = 3.0) -> None:
    add_schedule(shop.warehouse, make_schedule("default", "morning", period="day", at="08:30", on="daily",
                                               channel="feishu", target=url, secret=SECRET, lang="zh",
                                               wait_hours=wait))


def test_waits_for_data_then_sends_once(scheduled: Shop, db_path: Path) -> None:
    """08:31: D1's data may be incomplete, so it waits; once an order of D1's last hour is loaded it sends;
    later passes send nothing more."""
    clock = FakeClock(local(D1 + dt.timedelta(days=1), 8, 31).timestamp())
    with httpx.Client() as client, channel_server("feishu", SECRET, clock) as ch:
        _schedule(scheduled, ch.url)
        scheduled.close()
        sender = Sender(client=client, clock=clock.time, sleep=clock.sleep)
        first = tick(str(db_path), local(D1 + dt.timedelta(days=1), 8, 31), sender)
        assert [(f.status, f.report_date) for f in first] == [("waiting", D1)] and ch.received == []
        with connect(db_path) as shop:
            add_day(shop, D1, 1, 1, 10, hour=23)
        second = tick(str(db_path), local(D1 + dt.timedelta(days=1), 8, 40), sender)
        third = tick(str(db_path), local(D1 + dt.timedelta(days=1), 9, 40), sender)
    assert [f.status for f in second] == ["sent"] and third == [] and len(ch.received) == 1
    card = json.dumps(ch.received[0], ensure_ascii=False)
    assert "小店 日报 2026-11-09" in card and "¥460.00" in card  # 3 x 150 + the 10.00 order of 23:00
    with connect(db_path) as shop:
        assert [(r["status"], r["schedule_id"]) for r in history(shop.warehouse, "default")] == [("sent", "morning")]


def test_incomplete_after_waiting(scheduled: Shop, db_path: Path) -> None:
    """After the wait the report goes out marked incomplete (orange card with the warning)."""
    clock = FakeClock(local(D1 + dt.timedelta(days=1), 11, 31).timestamp())
    with httpx.Client() as client, channel_server("feishu", SECRET, clock) as ch:
        _schedule(scheduled, ch.url)
        scheduled.close()
        fired = tick(str(db_path), local(D1 + dt.timedelta(days=1), 11, 31),
                     Sender(client=client, clock=clock.time, sleep=clock.sleep))
    assert [f.status for f in fired] == ["sent"]
    card = ch.received[0]["card"]
    assert card["header"]["template"] == "orange" and "可能不完整" in json.dumps(card, ensure_ascii=False)


def test_failure_sends_a_notice_not_a_report(scheduled: Shop, db_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A report that cannot be made (here: a bug in building it) becomes a notice, recorded as alerted."""
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(runner, "build_report", broken)
    clock = FakeClock(local(D1 + dt.timedelta(days=1), 8, 31).timestamp())
    with httpx.Client() as client, channel_server("feishu", SECRET, clock) as ch:
        _schedule(scheduled, ch.url, wait=0)
        scheduled.close()
        fired = tick(str(db_path), local(D1 + dt.timedelta(days=1), 8, 31),
                     Sender(client=client, clock=clock.time, sleep=clock.sleep))
    assert [(f.status, f.note) for f in fired] == [("alerted", "RuntimeError")]
    assert ch.received[0]["card"]["header"]["title"]["content"] == "2026-11-09 的报表：未发送"
    with connect(db_path) as shop:
        assert history(shop.warehouse, "default")[0]["status"] == "alerted"


def test_one_runner_per_warehouse(db_path: Path) -> None:
    with single_runner(str(db_path)), pytest.raises(ConfigError, match="Another junshi schedule run"), \
            single_runner(str(db_path)):
        pass


def test_cli_run_once(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``junshi schedule run --once`` sends what is due now (real clock) and exits; a second run sends nothing."""
    now = dt.datetime.now(SHANGHAI) - dt.timedelta(minutes=1)
    with connect(db_path) as shop:
        shop.warehouse.ensure_shop("default")
    with channel_server("slack", None, FakeClock()) as ch:
        main(["--lang", "en", "schedule", "add", "now", "--to", "slack", "--webhook", ch.url, "--at",
              now.strftime("%H:%M"), "--wait", "0", "--db", str(db_path)])
        main(["schedule", "run", "--once", "--db", str(db_path)])
        main(["schedule", "run", "--once", "--db", str(db_path)])
    assert len(ch.received) == 1
    assert "now " in capsys.readouterr().err
