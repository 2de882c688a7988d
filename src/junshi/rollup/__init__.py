"""Rollups: exact daily aggregates Junshi computes from raw rows, kept up to date by every load.

Per shop x day x (source, device, region) they hold the additive measures (page views, sales, paid
orders) and the exact sets of visitors and paying buyers as Roaring bitmaps over a dense integer
dictionary of ids, so that a distinct count over several days or cells is the size of the union of
their sets: exact, without the raw rows, never sampled or estimated. The metric layer reads them when
a query's dimensions and filters allow (``junshi.metrics.rollups``), raw rows otherwise.
"""

from junshi.rollup.build import built, days_of, rebuild, refresh, stamp

__all__ = ["built", "days_of", "rebuild", "refresh", "stamp"]
