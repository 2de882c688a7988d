"""Start the server: choose the token, refuse unsafe bindings, print the login URL, run uvicorn."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable

from junshi.api.config import check_token, config_path, load_or_create_token
from junshi.errors import ConfigError, WarehouseError
from junshi.i18n import tr

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def is_local(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_token(host: str, token: str | None, say: Callable[[str], None] = print) -> str:
    """The token in force: ``token`` if given, else the stored one (created on first start).

    Listening beyond this machine needs a token chosen on purpose (``--token`` or ``JUNSHI_TOKEN``).
    """
    if token:
        return check_token(token)
    if not is_local(host):
        raise ConfigError(
            f"Refusing to listen on {host} without an explicit token.",
            f"未指定令牌时拒绝在 {host} 上监听。",
            hint_en="Pass --token (at least 16 characters) or set JUNSHI_TOKEN, or listen on 127.0.0.1.",
            hint_zh="请用 --token 指定令牌（至少 16 个字符）或设置 JUNSHI_TOKEN，或仅在 127.0.0.1 上监听。",
        )
    stored, created = load_or_create_token()
    if created:
        say(tr("Created an access token in {path}", "已生成访问令牌并保存在 {path}", path=config_path()))
    return stored


def base_url(host: str, port: int) -> str:
    """The address of the server as a client on this machine reaches it."""
    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
    shown = f"[{shown}]" if ":" in shown and not shown.startswith("[") else shown
    return f"http://{shown}:{port}"


def login_url(host: str, port: int, token: str) -> str:
    return f"{base_url(host, port)}/?token={token}"


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (bound before start-up, so the endpoint file is only
    written once clients can reach the server)."""
    bare = host.strip("[]")
    family = socket.AF_INET6 if ":" in bare else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((bare, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"Cannot listen on {host}:{port}: {exc.strerror or exc}",
            f"无法在 {host}:{port} 上监听：{exc.strerror or exc}",
            hint_en="Another program uses this port: choose another with --port.",
            hint_zh="该端口已被其他程序占用：请用 --port 换一个端口。",
        ) from exc
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(
    db: str | os.PathLike[str] | None,
    *,
    shop: str = "default",
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    token: str | None = None,
    say: Callable[[str], None] = print,
) -> None:
    """Serve the dashboard and JSON API of one shop until interrupted.

    While it runs, the server owns the warehouse: its endpoint file next to it (``<db>.server.json``,
    :mod:`junshi.remote`) lets every other ``junshi`` command on the same warehouse run through it. The
    file is removed on shutdown. The first pages are served at once; the warm-up runs behind them."""
    import uvicorn

    from junshi.api.app import create_app
    from junshi.remote import find_server, remove_endpoint, write_endpoint
    from junshi.warehouse.connection import resolve_db

    url = resolve_db(db)
    running = find_server(url)
    if running is not None:
        raise WarehouseError(
            f"junshi serve already serves {url} at {running.url} (process {running.pid}).",
            f"junshi serve 已在 {running.url} 提供 {url}（进程 {running.pid}）。",
            hint_en="Open that address (other junshi commands on this warehouse go through it), or stop it first.",
            hint_zh="请打开该地址（该数据仓库上的其他 junshi 命令会经由它运行），或先停止它。",
        )
    chosen = resolve_token(host, token, say)
    app = create_app(url, chosen, shop=shop, warm=True)
    sock = bind(host, port)
    endpoint = write_endpoint(url, base_url(host, port), chosen, shop)
    try:
        say(tr("Junshi dashboard: open {url}", "军师数据中心已启动，请打开 {url}", url=login_url(host, port, chosen)))
        say(tr("Press Ctrl-C to stop.", "按 Ctrl-C 停止。"))
        uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning")).run(sockets=[sock])
    finally:
        remove_endpoint(endpoint)
        sock.close()
