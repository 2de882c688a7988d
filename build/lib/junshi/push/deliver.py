"""Delivery: wait for the channel's rate limit, send, retry with back-off on its temporary errors, and
record the outcome, so that a report is neither sent twice nor lost without a record and an alert."""

from __future__ import annotations

import datetime as dt
import logging
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any, Literal

import httpx

from junshi.errors import ConfigError
from junshi.i18n import Lang
from junshi.push import ledger
from junshi.push.channels import CHANNELS, Outcome
from junshi.push.limits import RateLimiter
from junshi.push.message import Message, failure_message, message_of
from junshi.warehouse import writable

if TYPE_CHECKING:
    from junshi.reports.model import Report
    from junshi.shop import Shop

log = logging.getLogger("junshi.push")
ChannelName = Literal["dingtalk", "wecom", "feishu", "slack", "email"]
CHANNEL_NAMES: tuple[ChannelName, ...] = ("dingtalk", "wecom", "feishu", "slack", "email")
TIMEOUT = 15.0


class _MaskUrls(logging.Filter):
    """httpx logs each request's URL at INFO level; webhook URLs hold tokens and signatures: mask them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(ledger.mask(str(a)) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


if not any(isinstance(f, _MaskUrls) for f in logging.getLogger("httpx").filters):
    logging.getLogger("httpx").addFilter(_MaskUrls())


def channel_name(value: str) -> ChannelName:
    for name in CHANNEL_NAMES:
        if value.lower() == name:
            return name
    raise ConfigError(f"Unknown channel {value!r}.", f"未知的推送渠道 {value!r}。",
                      hint_en="Use one of: " + ", ".join(CHANNEL_NAMES), hint_zh="可选：" + "、".join(CHANNEL_NAMES))


def check_target(channel: ChannelName, target: str) -> None:
    """A webhook is an http(s) URL; an e-mail target an smtp(s):// URL with a sender and recipients."""
    if channel == "email":
        from junshi.push.email import mailbox

        mailbox(target)
    elif urllib.parse.urlsplit(target).scheme not in ("http", "https"):
        raise ConfigError(f"The {channel} webhook must be an http(s) URL.",
                          f"{channel} 的 webhook 必须是 http(s) 地址。",
                          hint_en="Copy the robot's webhook URL from the group's settings.",
                          hint_zh="请从群设置中复制机器人的 webhook 地址。")


@dataclass
class Delivery:
    """What happened to one delivery. ``payload`` is the last JSON body posted (never the signed URL)."""

    key: str
    channel: str
    target: str  # masked
    status: Literal["sent", "failed", "alerted", "skipped"]
    attempts: int = 0
    error: str = ""
    payload: dict[str, Any] | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "channel": self.channel, "target": self.target, "status": self.status,
                "attempts": self.attempts, "error": self.error}


class Sender:
    """Sends messages with retries; one rate limiter per target for as long as the sender lives."""

    def __init__(self, *, client: httpx.Client | None = None, retries: int = 5, backoff: float = 2.0,
                 max_wait: float = 300.0, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client or httpx.Client(timeout=TIMEOUT)
        self.retries, self.backoff, self.max_wait = retries, backoff, max_wait
        self.clock, self.sleep = clock, sleep
        self._limiters: dict[str, RateLimiter] = {}

    def _limiter(self, channel: str, target: str, per_minute: int, per_second: int | None) -> RateLimiter:
        key = f"{channel}:{ledger.fingerprint(target)}"
        if key not in self._limiters:
            self._limiters[key] = RateLimiter(per_minute, per_second, clock=self.clock, sleep=self.sleep)
        return self._limiters[key]

    def _attempts(self, what: str, target: str, once: Callable[[], Outcome]) -> tuple[Outcome, int]:
        outcome, attempt = Outcome(False, "not tried"), 0
        for attempt in range(1, self.retries + 1):
            outcome = once()
            if outcome.ok or outcome.retry_after is None or attempt == self.retries:
                break
            wait = min(max(outcome.retry_after, self.backoff * 2 ** (attempt - 1)), self.max_wait)
            log.warning("%s to %s: %s; retry %d in %.0f s", what, ledger.mask(target), outcome.error, attempt, wait)
            self.sleep(wait)
        return outcome, attempt

    def post(self, channel: str, webhook: str, secret: str | None, message: Message
             ) -> tuple[Outcome, int, dict[str, Any]]:
        """Post ``message`` to a webhook channel (shortened to its size limit)."""
        ch = CHANNELS[channel]
        while ch.body_size(message) > ch.max_body:
            shorter = message.shorter()
            if shorter is None:
                break
            message = shorter
        limiter = self._limiter(channel, webhook, ch.per_minute, ch.per_second)
        sent: dict[str, Any] = {}

        def once() -> Outcome:
            limiter.acquire()
            url, body = ch.request(webhook, secret, message, self.clock())
            sent.clear()
            sent.update(body)
            try:
                return ch.outcome(self.client.post(url, json=body))
            except httpx.HTTPError as exc:  # the message names the URL, which holds the token: not logged
                return Outcome(False, type(exc).__name__, 2.0)

        outcome, attempts = self._attempts(channel, webhook, once)
        return outcome, attempts, sent

    def mail(self, target: str, secret: str | None, subject: str, html: str, attachment: tuple[str, bytes] | None
             ) -> tuple[Outcome, int]:
        from junshi.push.email import compose, mailbox, send_mail

        box = mailbox(target)
        mail = compose(box, subject, html, attachment)
        return self._attempts("email", target, lambda: send_mail(box, secret, mail))


def _deliver(shop: Shop, key: str, channel: ChannelName, target: str, secret: str | None, report_date: dt.date,
             send: Callable[[], tuple[Outcome, int, dict[str, Any] | None]], *, ok_status: Literal["sent", "alerted"],
             schedule_id: str | None, again: bool) -> Delivery:
    masked = ledger.mask(target)
    before = ledger.claim(writable(shop.warehouse), shop.shop_id, key, channel=channel, target=target,
                          report_date=report_date, schedule_id=schedule_id, again=again)
    if before is not None:
        log.info("%s to %s: already %s (key %s), not sent again", channel, masked, before, key)
        return Delivery(key, channel, masked, "skipped", error=before)
    try:
        outcome, attempts, payload = send()
    except BaseException as exc:  # recorded before it propagates: the ledger never keeps a stale "sending"
        ledger.finish(writable(shop.warehouse), shop.shop_id, key, "failed", 0, type(exc).__name__)
        raise
    status: Literal["sent", "alerted", "failed"] = ok_status if outcome.ok else "failed"
    ledger.finish(writable(shop.warehouse), shop.shop_id, key, status, attempts, outcome.error)
    if outcome.ok:
        log.info("%s to %s: %s after %d attempt(s)", channel, masked, status, attempts)
    else:
        log.error("%s to %s FAILED after %d attempt(s): %s (key %s)", channel, masked, attempts, outcome.error, key)
    return Delivery(key, channel, masked, status, attempts, outcome.error, payload)


def push_report(shop: Shop, report: Report, channel: ChannelName, target: str, secret: str | None, *, key: str,
                schedule_id: str | None = None, again: bool = False, sender: Sender | None = None) -> Delivery:
    """Deliver ``report`` once under ``key``: a chat message, or for e-mail the HTML report with its PDF."""
    sender = sender or Sender()

    def send() -> tuple[Outcome, int, dict[str, Any] | None]:
        if channel == "email":
            from junshi.reports.html import render_html, title
            from junshi.reports.pdf import render_pdf
            from junshi.reports.render import file_name

            outcome, attempts = sender.mail(target, secret, title(report), render_html(report),
                                            (file_name(report, "pdf"), render_pdf(report)))
            return outcome, attempts, None
        return sender.post(channel, target, secret, message_of(report))

    return _deliver(shop, key, channel, target, secret, report.end, send, ok_status="sent",
                    schedule_id=schedule_id, again=again)


def push_failure(shop: Shop, what: str, error: str, lang: Lang, channel: ChannelName, target: str,
                 secret: str | None, *, key: str, report_date: dt.date, schedule_id: str | None = None,
                 link: str | None = None, sender: Sender | None = None) -> Delivery:
    """Tell the recipients that the report could not be made (instead of sending a wrong one)."""
    sender = sender or Sender()
    message = failure_message(what, error, lang, link)

    def send() -> tuple[Outcome, int, dict[str, Any] | None]:
        if channel == "email":
            outcome, attempts = sender.mail(target, secret, message.title, f"<p>{escape(message.status)}</p>", None)
            return outcome, attempts, None
        return sender.post(channel, target, secret, message)

    return _deliver(shop, key, channel, target, secret, report_date, send, ok_status="alerted",
                    schedule_id=schedule_id, again=False)
