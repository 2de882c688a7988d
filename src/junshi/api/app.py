"""The FastAPI application: JSON API under /api, the dashboard's pages, static files, token access."""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from junshi import __version__
from junshi.api.auth import TokenAuth
from junshi.api.config import check_token
from junshi.api.engine import Engine, warm_up
from junshi.api.errors import install_error_handlers
from junshi.api.uploads import DEFAULT_MAX_UPLOAD_BYTES, BodyLimit
from junshi.web import STATIC_DIR, check_assets

DESCRIPTION = """The JSON API of Junshi (军师): every analysis of the Python API over HTTP.

Every call needs the access token: `Authorization: Bearer <token>`, `?token=<token>`, or the cookie
set by the dashboard's login. Errors share one shape: `{"error": {"type", "status", "message", "hint",
"en", "zh", "details"}}`. Add `?lang=en` or `?lang=zh` to choose the language of messages.
"""


def create_app(
    db: str | os.PathLike[str],
    token: str,
    *,
    shop: str = "default",
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    warm: bool = False,
) -> FastAPI:
    """The app serving one shop of the warehouse ``db``; every request must carry ``token``.

    ``warm``: compute the pages of the default period in the background at start-up (at low priority, never
    while a request is in progress: :func:`~junshi.api.engine.warm_up`), so that the first visits find them
    ready. Raises ConfigError, naming the file, when an asset the pages load is missing from the installed
    package.
    """
    from junshi.api.cli_route import router as cli_router
    from junshi.api.pages.registry import PAGES
    from junshi.api.routes import router as api_router
    from junshi.web.shells import router as page_router

    check_assets([STATIC_DIR / page.script for page in PAGES])

    engine = Engine(os.fspath(db), shop)
    if warm:
        engine.after_write = warm_up  # recompute what the first visit shows after every load

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm:
            threading.Thread(target=warm_up, args=(engine,), name="junshi-warm-up", daemon=True).start()
        yield
        engine.close()

    app = FastAPI(
        title="Junshi API",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.token = check_token(token)
    app.state.max_upload_bytes = max_upload_bytes
    install_error_handlers(app)
    app.include_router(api_router)
    app.include_router(cli_router)
    app.include_router(page_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    app.add_middleware(BodyLimit, max_bytes=max_upload_bytes)
    app.add_middleware(TokenAuth, token=app.state.token)
    app.add_middleware(Serving, engine=engine)
    return app


class Serving:
    """ASGI middleware marking each HTTP request in progress on the engine (the warm-up waits for none)."""

    def __init__(self, app: ASGIApp, engine: Engine) -> None:
        self.app, self.engine = app, engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self.engine.serving():
            await self.app(scope, receive, send)
