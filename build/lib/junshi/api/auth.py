"""Token access for every page and API call (as Jupyter does).

A request is let in when it carries the token as ``Authorization: Bearer <token>``, as ``?token=``, or
in the ``junshi_token`` cookie. A page opened with ``?token=`` sets the cookie and redirects to the same
address without it, so the token does not stay in the address bar or the history. Without a valid
token, API calls get a 401 in the one error shape and pages redirect to ``/login``.
"""

from __future__ import annotations

import secrets
from urllib.parse import quote, urlencode

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from junshi.api.errors import error_response

COOKIE = "junshi_token"
OPEN_PATHS = frozenset({"/login"})


def _is_api(path: str) -> bool:
    return path.startswith("/api/") or path in {"/openapi.json", "/docs", "/redoc"}


class TokenAuth:
    """ASGI middleware enforcing the token on every path but the login page."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    def valid(self, given: str | None) -> bool:
        return given is not None and secrets.compare_digest(given.encode(), self.token.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        header = request.headers.get("authorization", "")
        bearer = header[7:] if header.lower().startswith("bearer ") else None
        in_query = request.query_params.get("token")
        given = bearer or in_query or request.cookies.get(COOKIE)
        path = scope["path"]
        response: Response
        if not self.valid(given):
            if _is_api(path):
                response = error_response(
                    request,
                    401,
                    "AccessError",
                    (
                        "A valid token is required.",
                        "Open the login URL printed by `junshi serve`, or send Authorization: Bearer <token>.",
                    ),
                    (
                        "需要有效的访问令牌。",
                        "请打开 `junshi serve` 打印的登录地址，或发送 Authorization: Bearer <令牌>。",
                    ),
                    headers={"WWW-Authenticate": "Bearer"},
                )
            else:
                target = path + (f"?{request.url.query}" if request.url.query else "")
                query = {"next": target} if given is None else {"next": target, "failed": "1"}
                response = RedirectResponse("/login?" + urlencode(query, quote_via=quote), status_code=303)
            await response(scope, receive, send)
            return
        if in_query and not bearer and not _is_api(path) and scope["method"] == "GET":
            clean = URL(scope=scope).remove_query_params("token")
            response = RedirectResponse(clean.path + (f"?{clean.query}" if clean.query else ""), status_code=303)
            set_token_cookie(response, self.token)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def set_token_cookie(response: Response, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/", max_age=30 * 24 * 3600)
