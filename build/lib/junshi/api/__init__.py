"""The JSON API (FastAPI) and the server behind the dashboard.

The names below load on first use (PEP 562): ``junshi serve --help`` and the server's settings in
``junshi.api.server`` do not import FastAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from junshi.api.app import create_app
    from junshi.api.config import config_path, load_or_create_token

__all__ = ["config_path", "create_app", "load_or_create_token"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from junshi.api import app

        value = globals()[name] = app.create_app  # cached: later lookups skip this hook
        return value
    if name in ("config_path", "load_or_create_token"):
        from junshi.api import config

        value = globals()[name] = getattr(config, name)
        return value
    raise AttributeError(f"module 'junshi.api' has no attribute {name!r}")
