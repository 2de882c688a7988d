"""Where the dashboard's access token lives: a JSON config file created on first start (as Jupyter does).

The file is ``$JUNSHI_CONFIG`` if set, else ``$XDG_CONFIG_HOME/junshi/config.json``, else
``~/.config/junshi/config.json``. It is created with mode 0600 and holds ``{"token": "..."}``.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from junshi.errors import ConfigError

MIN_TOKEN_LENGTH = 16


def config_path() -> Path:
    """The config file in force (see the module docstring)."""
    explicit = os.environ.get("JUNSHI_CONFIG")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "junshi" / "config.json"


def check_token(token: str) -> str:
    """A token given by the user must be long enough to resist guessing."""
    if len(token) < MIN_TOKEN_LENGTH or not token.isprintable() or " " in token:
        raise ConfigError(
            f"The token must be at least {MIN_TOKEN_LENGTH} printable characters without spaces.",
            f"令牌至少需要 {MIN_TOKEN_LENGTH} 个可打印字符，且不含空格。",
            hint_en="Leave --token out to have Junshi create a strong one.",
            hint_zh="不指定 --token 时 Junshi 会自动生成一个安全的令牌。",
        )
    return token


def load_or_create_token(path: Path | None = None) -> tuple[str, bool]:
    """The stored token, creating and storing a new one on first use. Returns (token, created)."""
    path = path or config_path()
    data: dict[str, object] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"Cannot read the config file {path}: {exc}",
                f"无法读取配置文件 {path}：{exc}",
                hint_en="Fix or delete the file; Junshi creates a new one with a new token.",
                hint_zh="请修正或删除该文件；Junshi 会重新生成一个带新令牌的配置文件。",
            ) from exc
        if isinstance(loaded, dict):
            data = loaded
        token = data.get("token")
        if isinstance(token, str) and token:
            return check_token(token), False
    token = secrets.token_hex(24)
    data["token"] = token
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
    return token, True
