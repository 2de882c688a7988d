"""Local HTTP servers that play DingTalk, WeCom, Feishu and Slack webhooks: they check signatures, enforce the
channels' rate limits and size limits on a shared (fake) clock, and answer with the channels' error codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeClock:
    """Wall-clock seconds that only move when someone sleeps; ``waits`` records every sleep."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self.now = start
        self.waits: list[float] = []
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.waits.append(seconds)
            self.now += max(seconds, 0.0)


LIMITS = {"dingtalk": [(60.0, 20)], "wecom": [(60.0, 20)], "feishu": [(60.0, 100), (1.0, 5)], "slack": [(1.0, 1)]}


@dataclass
class Channel:
    """One played channel: what it received (JSON bodies, query strings), what it refused, scripted answers."""

    kind: str
    secret: str | None
    clock: FakeClock
    token: str = "tok-SECRET-123"
    received: list[dict[str, Any]] = field(default_factory=list)
    queries: list[dict[str, str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    script: list[tuple[int, Any, dict[str, str]]] = field(default_factory=list)  # answers given first
    accepted_at: list[float] = field(default_factory=list)
    url: str = ""

    def _limited(self, now: float) -> bool:
        return any(sum(1 for t in self.accepted_at if now - t < span) >= limit for span, limit in LIMITS[self.kind])

    def answer(self, path: str, query: dict[str, str], raw: bytes) -> tuple[int, Any, dict[str, str]]:
        if self.script:
            return self.script.pop(0)
        now = self.clock.time()
        body = json.loads(raw)
        self.queries.append(query)
        refusal = getattr(self, f"_{self.kind}")(path, query, body, raw, now)
        if refusal is not None:
            self.refused.append(json.dumps(refusal[1], ensure_ascii=False) if refusal[1] != "" else str(refusal[0]))
            return refusal
        self.accepted_at.append(now)
        self.received.append(body)
        if self.kind == "slack":
            return 200, "ok", {}
        if self.kind == "feishu":
            return 200, {"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}, "msg": "success"}, {}
        return 200, {"errcode": 0, "errmsg": "ok"}, {}

    def _dingtalk(self, path: str, q: dict[str, str], body: Any, raw: bytes, now: float) -> Any:
        if q.get("access_token") != self.token:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}, {}
        if self.secret:
            ts = q.get("timestamp", "")
            want = base64.b64encode(hmac.new(self.secret.encode(), f"{ts}\n{self.secret}".encode(),
                                             hashlib.sha256).digest()).decode()
            if not ts.isdigit() or abs(int(ts) - now * 1000) > 3_600_000:
                return 200, {"errcode": 310000, "errmsg": "invalid timestamp"}, {}
            if q.get("sign") != want:
                return 200, {"errcode": 310000, "errmsg": "sign not match"}, {}
        if body.get("msgtype") != "markdown" or not body["markdown"].get("title") or not body["markdown"].get("text"):
            return 200, {"errcode": 40035, "errmsg": "missing markdown title or text"}, {}
        if self._limited(now):
            return 200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}, {}
        return None

    def _wecom(self, path: str, q: dict[str, str], body: Any, raw: bytes, now: float) -> Any:
        if q.get("key") != self.token:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}, {}
        if len(body.get("markdown", {}).get("content", "").encode()) > 4096:
            return 200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}, {}
        if self._limited(now):
            return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}, {}
        return None

    def _feishu(self, path: str, q: dict[str, str], body: Any, raw: bytes, now: float) -> Any:
        if not path.endswith("/" + self.token):
            return 200, {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}, {}
        if len(raw) > 20 * 1024:
            return 200, {"code": 9499, "msg": "Bad Request"}, {}
        if self.secret:
            ts = str(body.get("timestamp", ""))
            want = base64.b64encode(hmac.new(f"{ts}\n{self.secret}".encode(), b"", hashlib.sha256).digest()).decode()
            if not ts.isdigit() or abs(int(ts) - now) > 3600 or body.get("sign") != want:
                return 200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}, {}
        if body.get("msg_type") != "interactive" or "header" not in body.get("card", {}):
            return 200, {"code": 9499, "msg": "Bad Request"}, {}
        if self._limited(now):
            return 200, {"code": 11232, "msg": "frequency limited psm"}, {}
        return None

    def _slack(self, path: str, q: dict[str, str], body: Any, raw: bytes, now: float) -> Any:
        if not path.endswith("/" + self.token):
            return 404, "no_service", {}
        if not body.get("blocks") or not body.get("text"):
            return 400, "invalid_blocks", {}
        if self._limited(now):
            return 429, "rate_limited", {"Retry-After": "1"}
        return None


@contextmanager
def channel_server(kind: str, secret: str | None, clock: FakeClock) -> Iterator[Channel]:
    """A running server for ``kind``; ``channel.url`` is its webhook (token included)."""
    channel = Channel(kind, secret, clock)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parts.query))
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, payload, headers = channel.answer(parts.path, query, raw)
            data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    channel.url = {
        "dingtalk": f"http://127.0.0.1:{port}/robot/send?access_token={channel.token}",
        "wecom": f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key={channel.token}",
        "feishu": f"http://127.0.0.1:{port}/open-apis/bot/v2/hook/{channel.token}",
        "slack": f"http://127.0.0.1:{port}/services/T000/B000/{channel.token}",
    }[kind]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield channel
    finally:
        server.shutdown()
        server.server_close()
