"""Metrics and dimensions asked for by their names: an operator types 支付金额 or "Payment conversion rate" as
readily as ``sales``; each is read as its id, and a name that is none of them gets the nearest ones suggested."""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING, Literal

from junshi.metrics.dimensions import REGISTRY as DIMENSION_REGISTRY
from junshi.metrics.registry import REGISTRY

if TYPE_CHECKING:
    from junshi.metrics.compiler import Query

Kind = Literal["metric", "dimension"]


def _key(name: str) -> str:
    """A name as compared: lower case, without spaces, hyphens or underscores ("Add-to-cart rate" is
    add_to_cart_rate)."""
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


@cache
def _names(kind: Kind) -> dict[str, str]:
    """Compared name -> id, of every public metric or every dimension: its id, English and Chinese names."""
    items = ([(m.id, m.name) for m in REGISTRY.values() if m.public] if kind == "metric"
             else [(d.id, d.name) for d in DIMENSION_REGISTRY.values()])
    out: dict[str, str] = {}
    for ident, name in items:
        for said in (ident, name.en, name.zh):
            out.setdefault(_key(said), ident)
    return out


def _id(name: str, kind: Kind) -> str:
    """The id a name stands for; the name itself when it is an id, or none's (left for the check to report)."""
    known = REGISTRY if kind == "metric" else DIMENSION_REGISTRY
    return name if name in known else _names(kind).get(_key(name), name)


def resolve(q: Query) -> Query:
    """``q`` with every metric and dimension (split or filter) named by its id."""
    return replace(q, metrics=tuple(_id(m, "metric") for m in q.metrics), by=tuple(_id(d, "dimension") for d in q.by),
                   filters=tuple((_id(d, "dimension"), values) for d, values in q.filters))


def suggestions(name: str, kind: Kind, limit: int = 3) -> list[str]:
    """The ids nearest to an unknown name: those whose id or names hold it (转化率, conversion), then the
    closest spellings (difflib)."""
    names, key = _names(kind), _key(name)
    holding = [i for k, i in names.items() if len(key) >= 2 and key in k]
    close = [names[k] for k in difflib.get_close_matches(key, names, n=limit, cutoff=0.6)]
    return list(dict.fromkeys([*holding, *close]))[:limit]
