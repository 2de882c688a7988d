"""The dashboard's pages: each page is declared in :mod:`junshi.api.pages.registry` (a :class:`Page`) and, when it
has its own call, answered by its view module here (the view, its response model and an ``API``).

A page is its declaration, its view module (optional), its ES module ``web/static/pages/<key>.js`` (``export
default async function``) and its template ``web/templates/<key>.html``. Routes (the page and ``/api/<key>``), the
navigation, cache keys, the assets checked at start-up and the browser tests' page list all come from the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel

from junshi import Shop
from junshi.api.lang import request_lang
from junshi.api.params import LangQ, PeriodDep
from junshi.api.state import EngineDep
from junshi.i18n import Lang, Text
from junshi.periods import Period

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, kw_only=True)
class Page:
    """One page of the dashboard.

    ``path`` is the page's address; ``text`` is the page's own interface text (panel titles), merged into the
    common text its template and ES module read; ``api``: its view module answers ``/api/<key>`` (False: the page
    uses other calls).
    """

    key: str
    path: str
    title: Text
    summary: str = ""
    text: Mapping[str, Text] = field(default_factory=dict)
    needs_period: bool = True  # False: the page works without data (it shows no figures of a period)
    needs: tuple[str, ...] = ()  # the tables its figures come from: when none holds a row of the shop, it says
    missing: Text | None = None  # what to load then (an orders-only shop's 流量 page is not broken, just unfed)
    api: bool = True

    @property
    def template(self) -> str:
        """The page's Jinja template, in ``web/templates``."""
        return f"{self.key}.html"

    @property
    def script(self) -> str:
        """The page's ES module, under ``web/static``."""
        return f"pages/{self.key}.js"

    @property
    def api_path(self) -> str:
        return f"/api/{self.key}"


@dataclass(frozen=True)
class PageApi:
    """A page's own call, ``/api/<key>``: its endpoint and the pydantic model of its answer (``API`` of its view
    module)."""

    endpoint: Callable[..., Any]
    response: type[BaseModel]


PERIOD_VIEWS: dict[str, Callable[[Shop, Period, Lang], Any]] = {}
"""The views of :func:`period_endpoint` pages by key (the server's warm-up computes them into the cache)."""


def period_endpoint(key: str, view: Callable[[Shop, Period, Lang], M]) -> Callable[..., M]:
    """The endpoint of a page whose figures depend on the period and the language only: ``view(shop, period,
    lang)``, cached per data version under ``(key, start, end, lang)``."""
    PERIOD_VIEWS[key] = view

    def endpoint(request: Request, engine: EngineDep, period: PeriodDep, lang: LangQ = None) -> M:
        chosen = request_lang(request)
        return engine.cached((key, period.start, period.end, chosen), lambda shop: view(shop, period, chosen))

    endpoint.__name__ = f"get_{key}"
    return endpoint

