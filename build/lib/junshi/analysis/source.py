"""Where the analyses get their numbers: the metric layer (``shop.kpi``), as pandas frames.

No metric is defined here: every figure is asked of the registry by id. Record-level look-ups that are
not metrics (stock of a product on a day, the text of a negative review) read the canonical tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from junshi.analysis.diagnosis import History, PairFetch, Period, Splits
from junshi.errors import MetricError, MissingDataError

if TYPE_CHECKING:
    from junshi.shop import Shop


def kpi_frame(
    shop: Shop,
    metrics: Sequence[str],
    by: Sequence[str] = (),
    *,
    start: date | None,
    end: date | None,
    filters: Mapping[str, Any] | None = None,
    compare: str | None = None,
) -> pd.DataFrame:
    """``shop.kpi`` as a pandas frame with one column per dimension and per metric id.

    A metric whose data this shop lacks is dropped from the frame (its column would be all empty);
    ``frame.attrs["missing"]`` maps them to the metric layer's note (en, zh); ``attrs["unsupported"]``
    likewise for metrics that cannot be split by a dimension asked for.
    """
    result: Any = shop.kpi(
        metrics=list(metrics), by=list(by), start=start, end=end, filters=dict(filters or {}), compare=compare
    )
    frame: pd.DataFrame = result.to_pandas()
    missing = {n.metric: (n.en, n.zh) for n in result.notes if n.code == "missing_data" and n.metric}
    unsplit = {n.metric: (n.en, n.zh) for n in result.notes if n.code == "unsupported_dimension" and n.metric}
    frame = frame.drop(columns=[m for m in (*missing, *unsplit) if m in frame.columns])
    frame.attrs["missing"] = missing
    frame.attrs["unsupported"] = unsplit
    if "day" in frame.columns:
        frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame


def _check(frame: pd.DataFrame, metrics: Sequence[str], dim: str | None) -> pd.DataFrame:
    for m in metrics:
        if m in frame.attrs["unsupported"]:
            en, zh = frame.attrs["unsupported"][m]
            raise MetricError(en, zh)
        if m not in frame.columns:
            en, zh = frame.attrs["missing"].get(m, (f"{m}: no data.", f"{m}：没有数据。"))
            raise MissingDataError(en, zh, hint_en="Load the table it needs (junshi ingest).",
                                   hint_zh="请导入它需要的数据表（junshi ingest）。")
    return frame


def kpi_fetch(shop: Shop) -> PairFetch:
    """A diagnosis :data:`PairFetch` backed by the metric layer: one query for two single days."""

    def fetch(metrics: Sequence[str], dim: str | None, cur: Period, base: Period, filters: Mapping[str, str]
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
        by = [dim] if dim else []
        if cur.start == cur.end and base.start == base.end:
            lo, hi = min(cur.start, base.start), max(cur.start, base.start)
            both = kpi_frame(shop, metrics, ["day", *by], start=lo, end=hi,
                             filters={**filters, "day": [cur.start.isoformat(), base.start.isoformat()]})
            _check(both, metrics, dim)
            return (both[both["day"] == cur.start].drop(columns="day"),
                    both[both["day"] == base.start].drop(columns="day"))
        f1 = kpi_frame(shop, metrics, by, start=cur.start, end=cur.end, filters=filters)
        f0 = kpi_frame(shop, metrics, by, start=base.start, end=base.end, filters=filters)
        return _check(f1, metrics, dim), _check(f0, metrics, dim)

    return fetch


def kpi_splits(shop: Shop) -> Splits:
    """A diagnosis :data:`Splits` backed by the metric layer: whether the metric's plan for the split (compiled, or
    taken from the compiled plans) has it available, as :func:`kpi_frame` would find it."""
    from junshi.metrics.query import build_query, compile_kpi

    def splits(metric: str, dim: str, period: Period, filters: Mapping[str, str]) -> bool:
        q = build_query([metric], [dim], period.start, period.end, filters)
        return metric not in compile_kpi(shop.warehouse, shop.shop_id, q)[0].unavailable

    return splits


def kpi_history(shop: Shop) -> History:
    """A diagnosis :data:`History` backed by the metric layer: one query per dimension for every day."""

    def history(metrics: Sequence[str], dim: str | None, start: date, end: date) -> pd.DataFrame:
        frame = kpi_frame(shop, metrics, ["day", dim] if dim else ["day"], start=start, end=end)
        return _check(frame, metrics, dim)

    return history


def table_frame(shop: Shop, name: str, **where: object) -> pd.DataFrame:
    """Rows of a canonical table of this shop (optionally ``column=value`` filtered) as pandas: a copy of the
    rows kept while the shop's data is unchanged (:func:`junshi.versioned.kept`; the catalogue and the stock are
    read by several analyses of every page)."""
    from junshi import versioned

    def read() -> pd.DataFrame:
        t = shop.table(name)
        for col, value in where.items():
            t = t.filter(t[col] == value)
        out: pd.DataFrame = t.execute()
        return out

    kept: pd.DataFrame = versioned.kept(shop, ("table_frame", name, tuple(sorted(where.items()))), read)
    return kept.copy()
