"""``POST /api/cli``: run a ``junshi`` command for a client on this machine (see :mod:`junshi.remote`).

The command runs in a worker thread against the server's warehouse and answers what it printed and its
exit code, so ``junshi kpi``, ``ingest``, ``diagnose`` ... print the same with or without a server. Only
clients on this machine are served (they read the token from the endpoint file, mode 0600): a command
reads the client's files. Commands that open a warehouse of their own (serve, demo, simulate) are refused.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from junshi.api.errors import ERROR_RESPONSES
from junshi.api.state import EngineDep
from junshi.errors import ConfigError

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES, include_in_schema=False)
OWN_WAREHOUSE = frozenset({"serve", "demo", "simulate"})
ROOT_OPTIONS_WITH_VALUE = frozenset({"--lang"})


class CliCall(BaseModel):
    """A command line and what the client's process knew: folder, language, shop, terminal."""

    argv: list[str] = Field(max_length=1000)
    cwd: str
    lang: str = "en"
    shop: str = "default"
    width: int = Field(default=80, ge=20, le=1000)
    terminal: bool = False
    color_system: str | None = None
    err_width: int = Field(default=80, ge=20, le=1000)


class CliAnswer(BaseModel):
    stdout: str
    stderr: str
    exit_code: int


def _command(argv: list[str]) -> str:
    """The subcommand's name (after the root options)."""
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] in ROOT_OPTIONS_WITH_VALUE else 1
    return argv[i] if i < len(argv) else ""


def _is_local(request: Request) -> bool:
    """A client on this machine: a loopback address, or the server's own address (a server on one
    address of the machine is reached from it at that address)."""
    host = request.client.host if request.client else ""
    server = request.scope.get("server") or ("", 0)
    try:
        return ipaddress.ip_address(host).is_loopback or host == server[0]
    except ValueError:
        return False


@router.post("/cli", summary="Run a junshi command for a client on this machine")
async def post_cli(request: Request, engine: EngineDep, call: CliCall) -> dict[str, Any]:
    from starlette.concurrency import run_in_threadpool

    from junshi.cli.served import run_hosted

    if not _is_local(request):
        raise ConfigError(
            "Commands are only run for clients on the server's machine.",
            "只为服务所在机器上的客户端运行命令。",
            hint_en="Run junshi on the machine of `junshi serve`, or use the JSON API.",
            hint_zh="请在运行 `junshi serve` 的机器上运行 junshi，或使用 JSON API。",
        )
    name = _command(call.argv)
    if name in OWN_WAREHOUSE:
        raise ConfigError(
            f"`junshi {name}` opens a warehouse of its own; the server holds this one.",
            f"`junshi {name}` 需要独占打开数据仓库，而该数据仓库正由服务持有。",
            hint_en="Stop `junshi serve` (Ctrl-C) first, or give this command another --db.",
            hint_zh="请先停止 `junshi serve`（Ctrl-C），或为该命令指定其他 --db。",
        )
    answer: dict[str, Any] = await run_in_threadpool(run_hosted, engine, call.model_dump())
    return CliAnswer(**answer).model_dump()
