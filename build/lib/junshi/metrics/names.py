"""Metrics and dimensions asked for by their names: an operator types 支付金额 or "Payment conversion rate" as
readily as ``sales``; each is read as its id, and a name that is none of them gets the nearest ones suggested."""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from junshi.metrics.dimensions import REGISTRY as DIMENSION_REGISTRY
from junshi.metrics.registry import REGISTRY

if TYPE_CHECKING:
    from collections.abc import Mapping

    from junshi.metrics.compiler import Query

Kind = Literal["metric", "dimension"]


def _registry(kind: Kind) -> Mapping[str, Any]:
    """Every metric, or every dimension, by id."""
    return REGISTRY if kind == "metric" else DIMENSION_REGISTRY


def _key(name: str) -> str:
    """A name as compared: lower case, without spaces, hyphens or underscores ("Add-to-cart rate" is
    add_to_cart_rate)."""
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


@cache
def _names(kind: Kind) -> dict[str, str]:
    """Compared name -> id, of every public metric or every dimension: its id, English and Chinese names."""
    out: dict[str, str] = {}
    for item in _registry(kind).values():
        if kind == "dimension" or item.public:
            for said in (item.id, item.name.en, item.name.zh):
                out.setdefault(_key(said), item.id)
    return out


def _id(name: str, kind: Kind) -> str:
    """The id a name stands for; the name itself when it is an id, or none's (left for the check to report)."""
    return name if name in _registry(kind) else _names(kind).get(_key(name), name)


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


def did_you_mean(unknown: list[str], kind: Kind) -> tuple[str, str]:
    """"Did you mean" sentences (en, zh) naming the ids nearest to the unknown names, each with its Chinese name;
    empty when none is near."""
    near = list(dict.fromkeys(i for name in unknown for i in suggestions(name, kind)))
    if not near:
        return "", ""
    said = ", ".join(f"{i} ({_registry(kind)[i].name.zh})" for i in near)
    return f"Did you mean {said}? ", f"是否要找 {said}？"
