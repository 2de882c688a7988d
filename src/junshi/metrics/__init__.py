"""The metric layer (口径): one registry of metric definitions, compiled to Ibis, queried by any dimension."""

from junshi.metrics.compiler import all_dimensions
from junshi.metrics.model import Metric
from junshi.metrics.notes import Note
from junshi.metrics.query import COMPARES, explain, kpi
from junshi.metrics.registry import METRICS, REGISTRY
from junshi.metrics.result import KpiResult, MetricInfo
from junshi.metrics.validate import AT_IMPORT, check

check(METRICS, AT_IMPORT)  # at load, the quick rules (every problem at once); the tests check every rule


def public_metrics() -> list[Metric]:
    """The metrics listed to users (building blocks of other metrics excluded)."""
    return [m for m in REGISTRY.values() if m.public]


__all__ = ["COMPARES", "REGISTRY", "KpiResult", "Metric", "MetricInfo", "Note", "all_dimensions", "explain",
           "kpi", "public_metrics"]
