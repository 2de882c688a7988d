"""The dashboard's pages: shells rendered on the server, one per page of the registry
(:mod:`junshi.api.pages.registry`), each filled by its ES module from the JSON API."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from junshi import Shop
from junshi.api.auth import set_token_cookie
from junshi.api.lang import LANG_COOKIE, request_lang
from junshi.api.pages import Page
from junshi.api.pages.registry import PAGES
from junshi.api.params import period_of
from junshi.api.state import engine_of, token_of
from junshi.api.views import presets, shop_info
from junshi.errors import JunshiError
from junshi.formats import format_spec
from junshi.i18n import Lang
from junshi.periods import KIND_LABELS, KINDS, Kind
from junshi.schema import TABLES
from junshi.versioned import stored
from junshi.web import TEMPLATE_DIR
from junshi.web.strings import ui_text

templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
router = APIRouter(include_in_schema=False)


def _render(request: Request, template: str, context: dict[str, object], status: int = 200,
            page: Page | None = None) -> HTMLResponse:
    lang = request_lang(request)
    text = ui_text(lang, page.text if page else {})
    response = templates.TemplateResponse(request, template, {"lang": lang, "t": text, **context}, status_code=status)
    if "lang" in request.query_params:
        response.set_cookie(LANG_COOKIE, lang, samesite="strict", path="/", max_age=365 * 24 * 3600)
    return response


def _period_context(request: Request, asked: dict[str, str], date: dt.date | None, start: dt.date | None,
                    end: dt.date | None, kind: Kind | None) -> dict[str, object]:
    """The date picker's state: the period shown, its API query, the choices, the comparisons."""
    lang = request_lang(request)
    try:
        period = period_of(engine_of(request), date, start, end, kind)
    except JunshiError as exc:  # no data yet, or a contradictory address: the page says so, the picker stays
        said = f"{exc.message(lang)} {exc.hint(lang)}".strip()
        return {"period": None, "anchor": "", "period_error": said, "api_query": {}, "nav_query": "",
                "kinds": _kinds(lang), "comparisons": []}
    if period.kind == "custom":
        query = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    else:
        anchor = date or period.end  # the day chosen, which a week or month holds (the picker keeps it)
        query = {**({"period": period.kind} if period.kind != "day" else {}), "date": anchor.isoformat()}
    comparisons = period.comparisons(lang)
    order = ["week", "previous", "year"] if "week" in comparisons else ["previous", "year"]
    return {
        "period": period.to_dict(lang),
        "anchor": query.get("date", period.end.isoformat()),
        "period_error": "",
        "api_query": query,
        "nav_query": urlencode(query) if asked else "",  # links keep a chosen period; the default stays live
        "kinds": _kinds(lang),
        "comparisons": [(key, comparisons[key][1]) for key in order],
    }


def loaded_tables(shop: Shop) -> frozenset[str]:
    """Which of the tables the pages need (:attr:`Page.needs`) hold a row of the shop, in one query (kept beside
    the warehouse for the data version, as the shop's info is)."""
    needed = sorted({t for p in PAGES for t in p.needs})

    def probe() -> frozenset[str]:
        from junshi.metrics.query import having_rows

        return frozenset(having_rows({n: shop.table(n) for n in needed}))

    return stored(shop, ("loaded_tables", *needed), probe, sorted, frozenset)


def _unfed(request: Request, page: Page, lang: Lang) -> str:
    """What to load, when none of the tables the page's figures come from has a row of the shop."""
    if page.missing is None or set(page.needs) & engine_of(request).cached(("loaded_tables",), loaded_tables):
        return ""
    return page.missing(lang)


def _kinds(lang: Lang) -> list[tuple[str, str]]:
    return [(k, KIND_LABELS[k](lang)) for k in KINDS]


def _page(page: Page) -> None:
    def handler(
        request: Request,
        date: Annotated[dt.date | None, Query()] = None,
        start: Annotated[dt.date | None, Query()] = None,
        end: Annotated[dt.date | None, Query()] = None,
        period: Annotated[Kind | None, Query()] = None,
    ) -> Response:
        lang = request_lang(request)
        info = engine_of(request).cached(("shop_info",), shop_info)
        asked = {k: v for k, v in request.query_params.items() if k in {"date", "start", "end", "period"}}
        context: dict[str, object] = {
            "page": page.key,
            "needs_period": page.needs_period,
            "script": f"/static/{page.script}",
            "title": page.title(lang),
            "pages": [(p.key, p.path, p.title(lang)) for p in PAGES],
            "shop": info,
            "formats": {**format_spec(lang), "currency": info.currency or "CNY"},
            "first_day": info.first_day,
            "last_day": info.last_day,
            "presets": presets,  # called by the data page's template only (the ingest presets' import is not light)
            "tables": [name for name in TABLES if name not in {"shops", "quarantine"}],
            "unfed": _unfed(request, page, lang),
            **_period_context(request, asked, date, start, end, period),
        }
        return _render(request, page.template, context, page=page)

    router.add_api_route(page.path, handler, methods=["GET"], response_class=HTMLResponse, name=f"page_{page.key}")


for _registered in PAGES:
    _page(_registered)


def _safe_next(target: str) -> str:
    """Only a local path may follow the login (no open redirect)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/", failed: str = "") -> Response:
    return _render(request, "login.html", {"next": _safe_next(next), "failed": bool(failed)})


@router.post("/login")
async def login(request: Request, token: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    if not secrets.compare_digest(token.encode(), token_of(request).encode()):
        return _render(request, "login.html", {"next": _safe_next(next), "failed": True}, status=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_token_cookie(response, token_of(request))
    return response
