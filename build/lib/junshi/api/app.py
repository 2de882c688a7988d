"""The FastAPI application: JSON API under /api, the dashboard's pages, static files, token access."""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio.to_thread import run_sync
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
    from junshi.api.pages.registry import PAGES
    from junshi.web.shells import router as page_router

    check_assets([STATIC_DIR / page.script for page in PAGES])

    engine = Engine(os.fspath(db), shop)
    if warm:
        engine.after_write = warm_up  # recompute what the first visit shows after every load

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm:
            threading.Thread(target=_warm_up, args=(app,), name="junshi-warm-up", daemon=True).start()
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
    app.state.api = api = LazyApi(app)
    app.include_router(page_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(ApiGate, api=api)
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    app.add_middleware(BodyLimit, max_bytes=max_upload_bytes)
    app.add_middleware(TokenAuth, token=app.state.token)
    app.add_middleware(Serving, engine=engine)
    return app


def _warm_up(app: FastAPI) -> None:
    """The API's routes in (the view modules the warm-up computes with), then :func:`warm_up`; both only once no
    request is in progress or just ended."""
    engine: Engine = app.state.engine
    engine.wait_idle()
    mount_api(app)
    warm_up(engine)


def mount_api(app: FastAPI) -> None:
    """Add the JSON API's routes to ``app`` now, if they are not there yet (see :class:`LazyApi`)."""
    api: LazyApi = app.state.api
    api.mount()


class LazyApi:
    """The JSON API's routes (``/api/*``: the routes, each page's call from its view module, the CLI's), added to the
    app when first needed: the page shells, the login and the static files answer at once, without importing the
    views, the analyses, pandas and Ibis's backend (server start to the first page); an ``/api`` request or
    ``/openapi.json`` waits for them (:class:`ApiGate`), and they start loading in the background as soon as the
    first page is answered, while its browser fetches the scripts (:meth:`soon`). The OpenAPI document and every
    route are those of an app that had them from the start (they take the place they had: before the pages)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.mounted = False
        self._at = len(app.router.routes)  # after FastAPI's own (/openapi.json), before the pages
        self._lock = threading.Lock()
        self._started = False

    def mount(self) -> None:
        with self._lock:
            if self.mounted:
                return
            from fastapi import APIRouter

            from junshi.api.cli_route import router as cli_router
            from junshi.api.routes import router as api_router

            staged = APIRouter()
            staged.include_router(api_router)
            staged.include_router(cli_router)
            routes = self.app.router.routes
            self.app.router.routes = [*routes[:self._at], *staged.routes, *routes[self._at:]]  # one swap
            self.mounted = True

    def soon(self) -> None:
        """Start :meth:`mount` in a background thread (once)."""
        with self._lock:
            if self._started or self.mounted:
                return
            self._started = True
        threading.Thread(target=self.mount, name="junshi-api-import", daemon=True).start()


class ApiGate:
    """ASGI middleware: an ``/api`` request or ``/openapi.json`` waits until the API's routes are in (:class:`LazyApi`,
    mounted in a worker thread, the event loop serving on); after any other request they start loading."""

    def __init__(self, app: ASGIApp, api: LazyApi) -> None:
        self.app, self.api = app, api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.api.mounted:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == "/openapi.json" or path == "/api" or path.startswith("/api/"):
            await run_sync(self.api.mount)
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, send)
        self.api.soon()


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
