"""The JSON API (FastAPI) and the server behind the dashboard."""

from junshi.api.app import create_app
from junshi.api.config import config_path, load_or_create_token

__all__ = ["config_path", "create_app", "load_or_create_token"]
