"""The language of a request: ``?lang=``, else the ``junshi_lang`` cookie, else zh (the dashboard's default)."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from junshi.i18n import Lang

LANG_COOKIE = "junshi_lang"


def request_lang(request: HTTPConnection) -> Lang:
    value = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "zh"
    return "en" if value.lower().startswith("en") else "zh"
