"""Work-chat webhooks: each channel's message format, signature, limits and error codes.

DingTalk (钉钉) custom robot: markdown; 加签 adds ``timestamp`` (ms) and ``sign`` =
base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")) to the URL; 20 messages a minute; errcode 130101 =
sending too fast. WeCom (企业微信) group robot: markdown up to 4096 bytes; 20 a minute; errcode 45009 =
over the limit. Feishu (飞书) custom bot: interactive card; signature in the body: ``timestamp`` (s) and
``sign`` = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg="")); 100 a minute, 5 a second, 20 KB a
body; code 11232 = frequency limited. Slack incoming webhook: Block Kit; about 1 a second; HTTP 429 with
Retry-After.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

import httpx

from junshi.errors import ConfigError
from junshi.push.message import Message


@dataclass(frozen=True)
class Outcome:
    """How a request went: ``ok``, or an error that may be retried after ``retry_after`` seconds."""

    ok: bool
    error: str = ""
    retry_after: float | None = None  # None: retrying will not help


SENT = Outcome(True)


def _hmac_b64(key: bytes, msg: bytes) -> str:
    return base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _http_outcome(response: httpx.Response) -> Outcome | None:
    """Transport-level answers every channel treats alike: rate limited, server errors."""
    if response.status_code == 429:
        after = response.headers.get("Retry-After", "")
        return Outcome(False, "HTTP 429", float(after) if after.replace(".", "", 1).isdigit() else 1.0)
    if response.status_code >= 500:
        return Outcome(False, f"HTTP {response.status_code}", 2.0)
    return None


class Channel:
    """A webhook channel: builds the request for a message, and reads the answer."""

    name = ""
    per_minute: int = 20
    per_second: int | None = None
    max_body: int = 20_000  # bytes of the JSON body
    signs = False
    retry_codes: frozenset[int] = frozenset()

    def payload(self, message: Message) -> dict[str, Any]:
        raise NotImplementedError

    def body_size(self, message: Message) -> int:
        return len(json.dumps(self.payload(message), ensure_ascii=False).encode())

    def request(self, webhook: str, secret: str | None, message: Message, now: float) -> tuple[str, dict[str, Any]]:
        """The URL and JSON body to post (signed when ``secret`` is given)."""
        if secret and not self.signs:
            raise ConfigError(f"{self.name} webhooks are not signed: leave out --secret.",
                              f"{self.name} 的 webhook 不需要签名：请去掉 --secret。")
        return webhook, self.payload(message)

    def outcome(self, response: httpx.Response) -> Outcome:
        """Errors are ``errcode``/``code`` in a JSON answer; the rate-limit codes are worth a retry."""
        transport = _http_outcome(response)
        if transport is not None:
            return transport
        data = _json(response)
        code = data.get("errcode", data.get("code", data.get("StatusCode")))
        if response.status_code == 200 and code == 0:
            return SENT
        text = str(data.get("errmsg", data.get("msg", data.get("StatusMessage", response.text[:200]))))
        return Outcome(False, f"{code}: {text}", 60.0 if code in self.retry_codes else None)


class DingTalk(Channel):
    name, per_minute, signs, retry_codes = "dingtalk", 20, True, frozenset({130101})

    def payload(self, message: Message) -> dict[str, Any]:
        return {"msgtype": "markdown", "markdown": {"title": message.title, "text": message.markdown()}}

    def request(self, webhook: str, secret: str | None, message: Message, now: float) -> tuple[str, dict[str, Any]]:
        url, body = super().request(webhook, secret, message, now)
        if secret:
            timestamp = str(int(now * 1000))
            sign = _hmac_b64(secret.encode(), f"{timestamp}\n{secret}".encode())
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode({"timestamp": timestamp, "sign": sign})
        return url, body


class WeCom(Channel):
    name, per_minute, max_body, retry_codes = "wecom", 20, 4096, frozenset({45009})

    def payload(self, message: Message) -> dict[str, Any]:
        return {"msgtype": "markdown", "markdown": {"content": message.markdown()}}

    def body_size(self, message: Message) -> int:
        return len(message.markdown().encode())  # the limit is on the content


class Feishu(Channel):
    name, per_minute, per_second, signs, retry_codes = "feishu", 100, 5, True, frozenset({11232})

    def payload(self, message: Message) -> dict[str, Any]:
        def md(text: str) -> dict[str, Any]:
            return {"tag": "div", "text": {"tag": "lark_md", "content": text}}

        elements: list[dict[str, Any]] = []
        if message.status:
            elements.append(md(f"**{message.status}**"))
        if message.headline:
            elements.append(md("\n".join([*message.headline, *([message.signal] if message.signal else [])])))
        if message.cause:
            elements.append(md(f"**{message.label('cause')}**: {message.cause}"))
        for key, items in (("alerts", message.alerts), ("advice", message.advice)):
            if items:
                elements += [{"tag": "hr"}, md(f"**{message.label(key)}**\n"
                                               + "\n".join(f"{i}. {t}" for i, t in enumerate(items, 1)))]
        if message.link:
            elements.append({"tag": "action", "actions": [{
                "tag": "button", "type": "primary", "url": message.link,
                "text": {"tag": "plain_text", "content": message.label("link")}}]})
        header = {"title": {"tag": "plain_text", "content": message.title},
                  "template": "orange" if message.status else "blue"}
        return {"msg_type": "interactive", "card": {"config": {"wide_screen_mode": True}, "header": header,
                                                    "elements": elements}}

    def request(self, webhook: str, secret: str | None, message: Message, now: float) -> tuple[str, dict[str, Any]]:
        url, body = super().request(webhook, secret, message, now)
        if secret:
            timestamp = str(int(now))
            body = {"timestamp": timestamp, "sign": _hmac_b64(f"{timestamp}\n{secret}".encode(), b""), **body}
        return url, body


class Slack(Channel):
    name, per_minute, per_second, max_body = "slack", 60, 1, 40_000

    def payload(self, message: Message) -> dict[str, Any]:
        def section(text: str) -> dict[str, Any]:
            return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}

        blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text",
                                                                    "text": message.title[:150]}}]
        if message.status:
            blocks.append(section(f":warning: *{message.status}*"))
        if message.headline:
            blocks.append(section("\n".join([*(f"• {h}" for h in message.headline),
                                              *([message.signal] if message.signal else [])])))
        if message.cause:
            blocks.append(section(f"*{message.label('cause')}*: {message.cause}"))
        for key, items in (("alerts", message.alerts), ("advice", message.advice)):
            if items:
                blocks.append(section(f"*{message.label(key)}*\n"
                                      + "\n".join(f"{i}. {t}" for i, t in enumerate(items, 1))))
        if message.link:
            blocks.append(section(f"<{message.link}|{message.label('link')}>"))
        return {"text": message.title, "blocks": blocks}

    def outcome(self, response: httpx.Response) -> Outcome:
        transport = _http_outcome(response)
        if transport is not None:
            return transport
        if response.status_code == 200:
            return SENT
        return Outcome(False, f"HTTP {response.status_code}: {response.text[:200]}")


CHANNELS: dict[str, Channel] = {c.name: c for c in (DingTalk(), WeCom(), Feishu(), Slack())}
