"""The page registry: the dashboard's pages in navigation order, one line each (the module under
:mod:`junshi.api.pages` that declares the page's ``PAGE``). See docs/dashboard.md, "Adding a page"."""

from __future__ import annotations

import importlib

from junshi.api.pages import Page

PAGE_MODULES = (
    "overview",
    "traffic",
    "products",
    "transactions",
    "diagnosis",
    "marketing",
    "service",
    "customers",
    "risk",
    "promo",
    "data",
)


def _load(name: str) -> Page:
    page = importlib.import_module(f"junshi.api.pages.{name}").PAGE
    if not isinstance(page, Page) or page.key != name:
        raise TypeError(f"junshi.api.pages.{name}.PAGE must be a Page with key {name!r}")
    return page


PAGES: tuple[Page, ...] = tuple(_load(name) for name in PAGE_MODULES)
