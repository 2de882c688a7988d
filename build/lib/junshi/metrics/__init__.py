"""The metric layer (口径): one registry of metric definitions, compiled to Ibis, queried by any dimension.

The names below load on first use (PEP 562): a module that needs only a declaration of this package (such as
``junshi.metrics.dimensions``, which the dashboard's page shells read) does not import Ibis, pandas and the
compiler. The registry's quick rules are checked when the query layer loads (:mod:`junshi.metrics.query`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from junshi.metrics.compiler import all_dimensions
    from junshi.metrics.model import Metric
    from junshi.metrics.notes import Note
    from junshi.metrics.query import COMPARES, explain, kpi
    from junshi.metrics.registry import REGISTRY
    from junshi.metrics.result import KpiResult, MetricInfo

_HOMES = {
    "all_dimensions": "compiler", "Metric": "model", "Note": "notes", "COMPARES": "query", "explain": "query",
    "kpi": "query", "REGISTRY": "registry", "KpiResult": "result", "MetricInfo": "result",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'junshi.metrics' has no attribute {name!r}")
    value = globals()[name] = getattr(importlib.import_module(f"junshi.metrics.{_HOMES[name]}"), name)
    return value  # cached: later lookups skip this hook


def public_metrics() -> list[Metric]:
    """The metrics listed to users (building blocks of other metrics excluded)."""
    return [m for m in __getattr__("REGISTRY").values() if m.public]


__all__ = ["COMPARES", "REGISTRY", "KpiResult", "Metric", "MetricInfo", "Note", "all_dimensions", "explain",
           "kpi", "public_metrics"]
