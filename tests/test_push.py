"""Push against local servers that play each channel: signatures checked, rate and size limits enforced,
error codes returned; e-mail through a local SMTP server; each delivery recorded once, secrets never shown."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import json
import logging
import socket
from collections.abc import Iterator
from email.message import Message as EmailMessage

import httpx
import pytest
from aiosmtpd.controller import Controller

from channel_servers import FakeClock, channel_server
from junshi import Shop
from junshi.cli import main
from junshi.push import Sender, message_of, push_failure, push_report
from junshi.push.ledger import history
from junshi.push.limits import RateLimiter
from junshi.reports.model import Card, Item, Report

SECRET = "SECabc123-very-secret"
DAY = dt.date(2026, 11, 9)


def sample_report(alerts: int = 2, text: str = "") -> Report:
    """A hand-made report: sales ¥450.00 vs ¥200.00 (+125%), one cause, ``alerts`` alerts, two actions."""
    cards = [Card("sales", "支付金额", "money", "up", 450.0, 200.0, 1.25),
             Card("uv", "访客数", "count", "up", 20.0, 10.0, 1.0),
             Card("payment_conversion_rate", "支付转化率", "ratio", "up", 0.15, 0.2, -0.25),
             Card("spend_per_buyer", "客单价", "money", "up", 150.0, 100.0, 0.5)]
    return Report(
        shop_id="default", shop_name="小店", currency="CNY", lang="zh", period="day", start=DAY, end=DAY,
        baseline_start=DAY - dt.timedelta(days=7), baseline_end=DAY - dt.timedelta(days=7),
        generated_at=dt.datetime(2026, 11, 10, 0, 30, tzinfo=dt.UTC), complete=True, status="已导入之后日期的数据。",
        cards=cards, tree=cards, waterfall=[("基期", 200.0), ("访客数", 138.6), ("转化率", -61.3), ("客单价", 172.7),
                                           ("本期", 450.0)],
        causes=["来源 搜索：+¥250.00（占变化 100%），主要是访客数 +100.0%"],
        alerts=[Item("高", "", f"预警 {i}：支付转化率 15.00%（-25.00%）{text}") for i in range(alerts)],
        advice=[Item("高", "提高转化", "转化率下降 25%：检查主图与价格。"),
                Item("中", "加大来源 搜索", "搜索 转化率 15%。")],
        dashboard_url="https://junshi.example/overview?date=2026-11-09")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sender(clock: FakeClock) -> Iterator[Sender]:
    with httpx.Client(timeout=5) as client:
        yield Sender(client=client, clock=clock.time, sleep=clock.sleep)


def test_dingtalk_signed_markdown_sent_once(shop: Shop, clock: FakeClock, sender: Sender) -> None:
    """加签 checked by the server; the markdown carries the headline, the cause, alerts and advice, the link;
    the same key again is not sent."""
    with channel_server("dingtalk", SECRET, clock) as ch:
        done = push_report(shop, sample_report(), "dingtalk", ch.url, SECRET, key="k1", sender=sender)
        again = push_report(shop, sample_report(), "dingtalk", ch.url, SECRET, key="k1", sender=sender)
    assert (done.status, done.attempts) == ("sent", 1) and not ch.refused
    assert again.status == "skipped" and len(ch.received) == 1
    text = ch.received[0]["markdown"]["text"]
    assert ch.received[0]["markdown"]["title"] == "小店 日报 2026-11-09"
    for part in ("支付金额 ¥450.00 (对比 +125.00%)", "**主要原因**: 来源 搜索", "**预警**", "1. [高] 预警 0",
                 "**建议**", "[打开数据看板](https://junshi.example/overview?date=2026-11-09)"):
        assert part in text, part
    assert ch.queries[0]["timestamp"] == str(int(clock.now * 1000))
    assert [r["status"] for r in history(shop.warehouse, "default")] == ["sent"]


def test_wrong_secret_fails_once_and_is_recorded(shop: Shop, clock: FakeClock, sender: Sender) -> None:
    """A signature error is not retried (it cannot get better); the failure is recorded."""
    with channel_server("dingtalk", SECRET, clock) as ch:
        done = push_report(shop, sample_report(), "dingtalk", ch.url, "wrong", key="k", sender=sender)
    assert (done.status, done.attempts) == ("failed", 1) and "310000" in done.error
    assert not clock.waits and ch.received == []
    row = history(shop.warehouse, "default")[0]
    assert (row["status"], row["attempts"]) == ("failed", 1) and "310000" in row["error"]


def test_rate_limit_queues_instead_of_being_refused(shop: Shop, clock: FakeClock, sender: Sender) -> None:
    """25 reports to one DingTalk robot (20 a minute): the sender waits, the server refuses none."""
    with channel_server("dingtalk", SECRET, clock) as ch:
        start = clock.now
        done = [push_report(shop, sample_report(), "dingtalk", ch.url, SECRET, key=f"k{i}", sender=sender)
                for i in range(25)]
    assert [d.status for d in done] == ["sent"] * 25 and not ch.refused
    assert ch.accepted_at[20] - ch.accepted_at[0] >= 60 and clock.now - start >= 60
    assert len(history(shop.warehouse, "default", limit=100)) == 25


def test_limiter_windows() -> None:
    """Feishu's 5 a second and 100 a minute: no 1 s window holds more than 5, no 60 s window more than 100."""
    clock = FakeClock()
    limiter = RateLimiter(100, 5, clock=clock.time, sleep=clock.sleep)
    times = []
    for _ in range(230):
        limiter.acquire()
        times.append(clock.now)
    assert max(sum(1 for t in times if s <= t < s + 1) for s in times) == 5
    assert max(sum(1 for t in times if s <= t < s + 60) for s in times) == 100


def test_retry_with_backoff_on_the_channels_codes(shop: Shop, clock: FakeClock, sender: Sender) -> None:
    """DingTalk 130101 (too fast), a 502 and a WeCom 45009 are retried after waiting; then sent, once."""
    with channel_server("dingtalk", SECRET, clock) as ch:
        ch.script = [(200, {"errcode": 130101, "errmsg": "send too fast"}, {}), (502, "", {})]
        done = push_report(shop, sample_report(), "dingtalk", ch.url, SECRET, key="k", sender=sender)
    assert (done.status, done.attempts) == ("sent", 3) and len(ch.received) == 1
    assert clock.waits[0] >= 60 and clock.waits[1] >= 4  # the code's window, then back-off 2 s x 2
    with channel_server("wecom", None, clock) as wc:
        wc.script = [(200, {"errcode": 45009, "errmsg": "api freq out of limit"}, {})]
        done = push_report(shop, sample_report(), "wecom", wc.url, None, key="w", sender=sender)
    assert (done.status, done.attempts) == ("sent", 2)


def test_gives_up_after_retries(shop: Shop, clock: FakeClock) -> None:
    """A channel that keeps failing: five attempts with growing waits, then recorded as failed."""
    with httpx.Client(timeout=5) as client, channel_server("slack", None, clock) as ch:
        ch.script = [(503, "", {})] * 10
        done = push_report(shop, sample_report(), "slack", ch.url, None, key="s",
                           sender=Sender(client=client, clock=clock.time, sleep=clock.sleep, retries=5))
    assert (done.status, done.attempts) == ("failed", 5) and done.error == "HTTP 503"
    assert clock.waits == [2.0, 4.0, 8.0, 16.0]
    assert history(shop.warehouse, "default")[0]["status"] == "failed"


def test_feishu_signed_card_within_20kb(shop: Shop, clock: FakeClock, sender: Sender) -> None:
    """The card's signature (in the body) is checked; a message over 20 KB drops alerts until it fits."""
    with channel_server("feishu", SECRET, clock) as ch:
        done = push_report(shop, sample_report(), "feishu", ch.url, SECRET, key="f1", sender=sender)
        big = sample_report(alerts=3, text="很长的说明" * 900)
        long = push_report(shop, big, "feishu", ch.url, SECRET, key="f2", sender=sender)
    assert done.status == "sent" and long.status == "sent" and not ch.refused
    card = ch.received[0]["card"]
    assert card["header"]["title"]["content"] == "小店 日报 2026-11-09"
    assert card["elements"][-1]["actions"][0]["url"] == "https://junshi.example/overview?date=2026-11-09"
    assert ch.received[0]["timestamp"] == str(int(clock.now)) or int(ch.received[0]["timestamp"]) <= clock.now
    assert len(json.dumps(ch.received[1], ensure_ascii=False).encode()) <= 20 * 1024
    assert "预警 0" in json.dumps(ch.received[1], ensure_ascii=False)


def test_wecom_markdown_and_slack_blocks(shop: Shop, clock: FakeClock, sender: Sender) -> None:
    """WeCom content within 4096 bytes; Slack blocks one a second (no 429), header and link button."""
    with channel_server("wecom", None, clock) as wc:
        done = push_report(shop, sample_report(alerts=3, text="说明" * 400), "wecom", wc.url, None, key="w",
                           sender=sender)
    assert done.status == "sent" and len(wc.received[0]["markdown"]["content"].encode()) <= 4096
    with channel_server("slack", None, clock) as sl:
        sent = [push_report(shop, sample_report(), "slack", sl.url, None, key=f"s{i}", sender=sender)
                for i in range(3)]
    assert [d.status for d in sent] == ["sent"] * 3 and not sl.refused
    blocks = sl.received[0]["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "小店 日报 2026-11-09"}}
    assert "<https://junshi.example/overview?date=2026-11-09|打开数据看板>" in blocks[-1]["text"]["text"]


def test_unsigned_channel_refuses_a_secret(shop: Shop, clock: FakeClock, sender: Sender) -> None:
    from junshi.errors import ConfigError

    with channel_server("wecom", None, clock) as wc, pytest.raises(ConfigError, match="not signed"):
        push_report(shop, sample_report(), "wecom", wc.url, SECRET, key="w", sender=sender)


def test_failure_notice(shop: Shop, clock: FakeClock, sender: Sender) -> None:
    """A report that cannot be made: the group gets a notice saying so, recorded as alerted."""
    with channel_server("feishu", SECRET, clock) as ch:
        done = push_failure(shop, "2026-11-09 的报表", "数据仓库被锁定", "zh", "feishu", ch.url, SECRET, key="x",
                            report_date=DAY, sender=sender)
    assert done.status == "alerted"
    card = ch.received[0]["card"]
    assert card["header"]["title"]["content"] == "2026-11-09 的报表：未发送"
    assert card["header"]["template"] == "orange" and "数据仓库被锁定" in json.dumps(card, ensure_ascii=False)


def test_secrets_never_logged_or_recorded(shop: Shop, clock: FakeClock, sender: Sender,
                                          caplog: pytest.LogCaptureFixture) -> None:
    """Neither the signing secret nor the webhook's token appears in logs, the ledger or the JSON result."""
    caplog.set_level(logging.DEBUG)
    with channel_server("dingtalk", SECRET, clock) as ch:
        ch.script = [(500, "", {})]
        ok = push_report(shop, sample_report(), "dingtalk", ch.url, SECRET, key="a", sender=sender)
        bad = push_report(shop, sample_report(), "dingtalk", ch.url, "wrong-secret", key="b", sender=sender)
    seen = caplog.text + json.dumps([ok.to_json(), bad.to_json()]) + json.dumps(
        history(shop.warehouse, "default"), default=str)
    assert ok.status == "sent" and bad.status == "failed"
    for secret in (SECRET, ch.token, "wrong-secret"):
        assert secret not in seen


class _Inbox:
    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.mails.append(email.message_from_bytes(envelope.content))  # type: ignore[attr-defined]  # aiosmtpd's
        return "250 OK"


def test_email_html_body_and_pdf(shop: Shop, clock: FakeClock, sender: Sender) -> None:
    """SMTP: the subject is the title, the HTML report is the body, the PDF is attached."""
    inbox = _Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd checks its own start by connecting to it)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        target = f"smtp://127.0.0.1:{port}?from=junshi@shop.example&to=boss@shop.example,ops@shop.example"
        done = push_report(shop, sample_report(), "email", target, None, key="m", sender=sender)
    finally:
        controller.stop()
    assert done.status == "sent" and len(inbox.mails) == 1
    mail = inbox.mails[0]
    assert str(email.header.make_header(email.header.decode_header(mail["Subject"]))) == "小店 日报 2026-11-09"
    assert mail["To"] == "boss@shop.example, ops@shop.example"
    parts = {p.get_content_type(): p for p in mail.walk()}
    html = parts["text/html"].get_payload(decode=True).decode()
    assert "核心指标" in html and "¥450.00" in html
    pdf = parts["application/pdf"]
    assert pdf.get_filename() == "junshi-default-day-2026-11-09.pdf"
    assert pdf.get_payload(decode=True).startswith(b"%PDF")


def test_cli_push(shop: Shop, db_path: object, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    """``junshi push`` to a signed DingTalk robot (an empty shop still gets its report), once."""
    shop.warehouse.ensure_shop("default")
    shop.close()
    with channel_server("dingtalk", SECRET, FakeClock(dt.datetime.now(dt.UTC).timestamp())) as ch:
        args = ["push", "--to", "dingtalk", "--webhook", ch.url, "--secret", SECRET, "--date", "2026-11-09",
                "--db", str(db_path), "--format", "json"]
        main(args)
        main(args)
    first, second = _two_json(capsys)
    assert first["status"] == "sent" and second["status"] == "skipped" and len(ch.received) == 1
    assert SECRET not in json.dumps([first, second])


def _two_json(capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, object], dict[str, object]]:
    decoder, text = json.JSONDecoder(), capsys.readouterr().out.strip()
    first, end = decoder.raw_decode(text)
    second, _ = decoder.raw_decode(text[end:].strip())
    return first, second


def test_message_of_report() -> None:
    """The headline: sales and its three factors with their changes; the first cause; three of each list."""
    m = message_of(dataclasses.replace(sample_report(alerts=5), complete=False, status="数据可能不完整"))
    assert m.headline[0] == "支付金额 ¥450.00 (对比 +125.00%)" and len(m.headline) == 4
    assert len(m.alerts) == 3 and m.status == "数据可能不完整"
    assert m.markdown().splitlines()[1] == "> 数据可能不完整"
