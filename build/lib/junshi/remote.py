"""The CLI beside a running server: the endpoint file next to the warehouse, and the client that runs a
command through the server holding it.

DuckDB lets one process open a database file for writing, and no other process may open it meanwhile
(not even read-only), so while ``junshi serve`` runs, the server owns the warehouse. It writes an
endpoint file next to it, ``<warehouse>.server.json`` (mode 0600: only its owner may read the token),
holding ``{"url", "token", "pid", "db", "shop"}``, and removes it on shutdown. A command that opens the
same warehouse (:func:`junshi.cli.options.open_shop`) finds the file and, when its server answers, sends
the command and its parsed options to ``POST /api/cli``: the server runs the very same command against
its own connection and returns what it printed, so the output is the same as without a server, and a
load goes through the server's single-writer gate (a second load is refused, 409) and is on the
dashboard as soon as it commits. A file whose process is gone, or whose port does not answer, is stale:
it is removed and the command opens the warehouse itself.

This module imports only the standard library: it runs on every command's start.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUFFIX = ".server.json"
CLI_PATH = "/api/cli"


@dataclass(frozen=True)
class Endpoint:
    """A running server of a warehouse, as its endpoint file tells."""

    url: str
    token: str
    pid: int
    db: str
    shop: str


def endpoint_file(db_url: str) -> Path | None:
    """The endpoint file of a DuckDB warehouse URL (``shop.duckdb`` or ``duckdb:///…``); None for an
    in-memory database or another kind of warehouse, which no server shares."""
    path = db_url.removeprefix("duckdb://") if db_url.startswith("duckdb://") else db_url
    if not path or path == ":memory:" or "://" in path:
        return None
    return Path(os.path.abspath(path + SUFFIX))


def write_endpoint(db_url: str, url: str, token: str, shop: str) -> Path | None:
    """Write the endpoint file of this process's server (0600, replacing a stale one); its path."""
    file = endpoint_file(db_url)
    if file is None:
        return None
    data = {"url": url, "token": token, "pid": os.getpid(), "db": os.path.abspath(str(file)[: -len(SUFFIX)]),
            "shop": shop}
    partial = file.with_name(file.name + f".{os.getpid()}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    os.replace(partial, file)  # readers never see half a file
    return file


def remove_endpoint(file: Path | None) -> None:
    """Remove this process's endpoint file (not one another server wrote since)."""
    if file is None:
        return
    try:
        if json.loads(file.read_text(encoding="utf-8")).get("pid") == os.getpid():
            file.unlink()
    except (OSError, ValueError):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def _answers(url: str) -> bool:
    host, _, port = url.split("//", 1)[-1].split("/", 1)[0].rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=1.0):
            return True
    except (OSError, ValueError):
        return False


def find_server(db_url: str) -> Endpoint | None:
    """The live server holding the warehouse ``db_url``, if any; a stale endpoint file (its process gone,
    or its port not answering) is removed."""
    file = endpoint_file(db_url)
    if file is None or not file.is_file():
        return None
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        found = Endpoint(str(data["url"]), str(data["token"]), int(data["pid"]), str(data["db"]),
                         str(data.get("shop", "default")))
    except PermissionError:
        return None  # another user's server: opening the warehouse will say it is locked
    except (OSError, ValueError, KeyError, TypeError):
        found = None
    if found is not None and _alive(found.pid) and _answers(found.url):
        return found
    with contextlib.suppress(OSError):
        file.unlink()
    return None


class ServerHoldsWarehouse(Exception):
    """Raised by :func:`junshi.cli.options.open_shop` when a server holds the warehouse: the entry point
    then runs the command through it (:func:`run_remote`)."""

    def __init__(self, endpoint: Endpoint, request: dict[str, Any]) -> None:
        super().__init__(endpoint.url)
        self.endpoint, self.request = endpoint, request


def run_remote(endpoint: Endpoint, request: dict[str, Any]) -> int:
    """Send a command to the server, print what it printed (stdout, stderr) and return its exit code."""
    import urllib.error  # here: the HTTP client is not light, and every command's start imports this module
    import urllib.request

    from junshi.errors import WarehouseError

    body = json.dumps(request).encode()
    call = urllib.request.Request(
        endpoint.url.rstrip("/") + CLI_PATH, data=body, method="POST",
        headers={"Authorization": f"Bearer {endpoint.token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(call, timeout=24 * 3600) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            error = json.loads(exc.read())["error"]
            en, zh = error["en"], error["zh"]
        except (ValueError, KeyError, TypeError):
            en = zh = {"message": f"HTTP {exc.code}", "hint": ""}
        raise WarehouseError(
            f"The server holding this warehouse ({endpoint.url}) refused the command: {en['message']}",
            f"持有该数据仓库的服务（{endpoint.url}）拒绝了该命令：{zh['message']}",
            hint_en=en.get("hint") or "", hint_zh=zh.get("hint") or "",
        ) from exc
    except OSError as exc:
        raise WarehouseError(
            f"The server holding this warehouse ({endpoint.url}, process {endpoint.pid}) did not answer: {exc}",
            f"持有该数据仓库的服务（{endpoint.url}，进程 {endpoint.pid}）没有响应：{exc}",
            hint_en="Try again, or stop `junshi serve` (Ctrl-C) and run the command on its own.",
            hint_zh="请重试，或停止 `junshi serve`（Ctrl-C）后单独运行该命令。",
        ) from exc
    sys.stdout.write(answer["stdout"])
    sys.stdout.flush()
    sys.stderr.write(answer["stderr"])
    sys.stderr.flush()
    return int(answer["exit_code"])
