"""Rollups: exact daily aggregates Junshi computes from raw rows, kept up to date by every load.

Per shop x day x (source, device, region) they hold the additive measures (page views, sales, paid
orders) and the exact sets of visitors and paying buyers as Roaring bitmaps over a dense integer
dictionary of ids, so that a distinct count over several days or cells is the size of the union of
their sets: exact, without the raw rows, never sampled or estimated. The metric layer reads them when
a query's dimensions and filters allow (``junshi.metrics.rollups``), raw rows otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from junshi.rollup.state import built, built_in, stamp

if TYPE_CHECKING:
    from junshi.rollup.build import days_of, rebuild, refresh

__all__ = ["built", "built_in", "days_of", "rebuild", "refresh", "stamp"]


def __getattr__(name: str) -> Any:
    """The builder's names load on first use (PEP 562): reading the rollups' state needs DuckDB alone."""
    if name in ("days_of", "rebuild", "refresh"):
        from junshi.rollup import build

        value = globals()[name] = getattr(build, name)
        return value
    raise AttributeError(f"module 'junshi.rollup' has no attribute {name!r}")
