"""Repurchase (复购): the share of buyers who bought again, the time between purchases, and how many
orders customers place. The rates are the metric registry's (复购率 ``repurchase_rate``, 老买家占比
``returning_buyer_share``), asked of the metric layer: one definition wherever they are shown."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from junshi.customers.ledger import purchase_days
from junshi.customers.summary import last_purchase_day
from junshi.errors import MissingDataError
from junshi.periods import parse_day

if TYPE_CHECKING:
    from junshi.shop import Shop

GAP_BINS = (0, 7, 14, 30, 60, 90, 180, 365)


@dataclass(frozen=True)
class Repurchase:
    """Repurchase over purchases from ``start`` to ``end`` (inclusive).

    From the metric registry: ``buyers`` (paid_buyers), ``repeat_buyers`` (paid on 2+ days of the period),
    ``repurchase_rate`` (复购率 = repeat_buyers / buyers) and ``returning_buyer_share`` (老买家占比: buyers who
    had paid before the period's day). ``customers``: known customers with a purchase (paid, not cancelled),
    whose order counts make ``order_counts``. Days between purchases are between consecutive purchase *days*
    of a customer (same-day orders are one visit to the shop).
    ``order_counts``: [{"orders": n, "customers": c, "share": s}] with the last row "10+" pooled;
    ``gap_histogram``: [{"from_days", "to_days" (None = open), "gaps"}].
    """

    start: str | None
    end: str
    buyers: int
    repeat_buyers: int
    repurchase_rate: float | None
    returning_buyer_share: float | None
    customers: int
    orders: int
    orders_per_customer: float
    gaps: int
    mean_days_between: float | None
    median_days_between: float | None
    days_between_quantiles: dict[str, float]
    order_counts: list[dict[str, Any]]
    gap_histogram: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


REPURCHASE_DAYS = 90
"""Repurchase shown for a period is measured over the period, and at least this many days ending on its last day
(a shorter span has too few second purchases)."""


def repurchase(
    src: Shop, start: dt.date | str | None = None, end: dt.date | str | None = None, *, max_orders: int = 10
) -> Repurchase:
    """Repurchase rate, time between purchases and order-count distribution, from the warehouse (the purchase
    days of :mod:`junshi.customers.ledger`)."""
    stop = parse_day(end, "end date") if end is not None else last_purchase_day(src.table("orders"))
    begin = parse_day(start, "start date") if start is not None else None
    days = purchase_days(src).upto(stop, begin)
    per = days.per_customer()[2]
    if not len(per):
        raise MissingDataError(
            "No paid orders of known customers in the period.",
            "该时间段内没有已知客户的已付款订单。",
            hint_en="Choose another period or load orders (junshi ingest).",
            hint_zh="请选择其他时间段或导入订单（junshi ingest）。",
        )
    n, found = np.unique(per, return_counts=True)
    counts = pd.DataFrame({"n": n, "customers": found})
    gaps = days.gaps().astype(np.float64)
    customers = int(counts.customers.sum())
    n_orders = int((counts.n * counts.customers).sum())
    rates = src.kpi("paid_buyers,repeat_buyers,repurchase_rate,returning_buyer_share", start=begin, end=stop)
    pooled = counts.assign(bucket=np.minimum(counts.n, max_orders)).groupby("bucket").customers.sum()
    order_counts = [
        {"orders": f"{k}+" if k == max_orders else str(k), "customers": int(v), "share": int(v) / customers}
        for k, v in pooled.items()
    ]
    edges = [*GAP_BINS, np.inf]
    hist, _ = np.histogram(gaps, bins=edges)
    gap_histogram = [
        {"from_days": int(lo), "to_days": None if np.isinf(hi) else int(hi), "gaps": int(c)}
        for lo, hi, c in zip(edges[:-1], edges[1:], hist, strict=True)
    ]
    quant = {f"p{int(q * 100)}": float(np.quantile(gaps, q)) for q in (0.1, 0.25, 0.5, 0.75, 0.9)} if len(gaps) else {}
    return Repurchase(
        start=begin.isoformat() if begin else None,
        end=stop.isoformat(),
        buyers=int(rates.value("paid_buyers") or 0),
        repeat_buyers=int(rates.value("repeat_buyers") or 0),
        repurchase_rate=rates.value("repurchase_rate"),
        returning_buyer_share=rates.value("returning_buyer_share"),
        customers=customers,
        orders=n_orders,
        orders_per_customer=n_orders / customers,
        gaps=len(gaps),
        mean_days_between=float(gaps.mean()) if len(gaps) else None,
        median_days_between=float(np.median(gaps)) if len(gaps) else None,
        days_between_quantiles=quant,
        order_counts=order_counts,
        gap_histogram=gap_histogram,
    )
