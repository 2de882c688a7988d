"""Start the server: choose the token, refuse unsafe bindings, print the login URL, run uvicorn."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable

from junshi.api.config import check_token, config_path, load_or_create_token
from junshi.errors import ConfigError
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


def login_url(host: str, port: int, token: str) -> str:
    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
    shown = f"[{shown}]" if ":" in shown and not shown.startswith("[") else shown
    return f"http://{shown}:{port}/?token={token}"


def serve(
    db: str | os.PathLike[str] | None,
    *,
    shop: str = "default",
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    token: str | None = None,
    say: Callable[[str], None] = print,
) -> None:
    """Serve the dashboard and JSON API of one shop until interrupted."""
    import uvicorn

    from junshi.api.app import create_app
    from junshi.warehouse.connection import resolve_db

    chosen = resolve_token(host, token, say)
    app = create_app(resolve_db(db), chosen, shop=shop, warm=True)
    say(tr("Junshi dashboard: open {url}", "军师数据中心已启动，请打开 {url}", url=login_url(host, port, chosen)))
    say(tr("Press Ctrl-C to stop.", "按 Ctrl-C 停止。"))
    uvicorn.run(app, host=host, port=port, log_level="warning")
