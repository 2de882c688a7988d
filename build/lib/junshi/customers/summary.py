"""Purchases and the per-customer summary (frequency, recency, T, spend), built in the warehouse engine.

A *purchase* is a paid, not cancelled order of a known customer (``paid_at`` set, ``cancelled_at``
empty, ``customer_id`` present), dated by its shop-local payment day. As in the BTYD literature, the
customer models count *customer-days*: several purchases of one customer on one day are one
transaction whose value is their sum.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

import ibis
import pandas as pd

from junshi.errors import ConfigError, MissingDataError
from junshi.periods import parse_day


class TableSource(Protocol):
    """Anything that hands out a shop's canonical tables as Ibis tables (a :class:`junshi.Shop`)."""

    def table(self, name: str) -> ibis.Table: ...


# Columns of the summary frame (see customer_summary).
SUMMARY_COLUMNS = (
    "customer_id",
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "first_purchase",
    "last_purchase",
    "purchase_days",
    "revenue",
)


def purchases(orders: ibis.Table) -> ibis.Table:
    """Paid, not cancelled orders of known customers: customer_id, order_id, ts, day, hour, amount (float, for
    the models), money (the same amount as the warehouse holds it: decimal, summed exactly), source."""
    o = orders.filter(orders.paid_at.notnull() & orders.cancelled_at.isnull() & orders.customer_id.notnull())
    money = ibis.coalesce(o.pay_amount, o.item_amount, 0)
    return o.select(
        customer_id=o.customer_id,
        order_id=o.order_id,
        ts=o.paid_at,
        day=o.paid_at.date(),
        hour=o.paid_at.hour(),
        amount=money.cast("float64"),
        money=money,
        source=o.source,
    )


def purchase_days(purchases_: ibis.Table) -> ibis.Table:
    """One row per customer and day with a purchase: customer_id, day, amount (summed), orders."""
    p = purchases_
    return p.group_by(["customer_id", "day"]).aggregate(amount=p.amount.sum(), orders=p.count())


def summary_expr(
    days: ibis.Table,
    calibration_end: dt.date | str,
    *,
    unit_days: float = 7.0,
    holdout_end: dt.date | str | None = None,
) -> ibis.Table:
    """The summary as an Ibis expression over purchase days (columns customer_id, day, amount).

    For customers whose first purchase is on or before ``calibration_end`` (inclusive):
    frequency = purchase days - 1 (repeat transactions), recency = days from the first to the last
    purchase day, T = days from the first purchase day to ``calibration_end``, both divided by
    ``unit_days`` (7: weeks, as in the published CDNOW results); monetary_value = mean value of the
    repeat purchase days (0 without repeats). With ``holdout_end``: holdout_purchases (purchase days
    in (calibration_end, holdout_end]) and holdout_revenue.
    """
    end = parse_day(calibration_end, "calibration end")
    cal = days.filter(days.day <= end)
    agg = cal.group_by("customer_id").aggregate(
        first_purchase=cal.day.min(),
        last_purchase=cal.day.max(),
        purchase_days=cal.count(),
        revenue=cal.amount.sum(),
        first_amount=cal.amount.argmin(cal.day),
    )
    repeat = agg.purchase_days - 1
    out = agg.select(
        customer_id=agg.customer_id,
        frequency=repeat.cast("float64"),
        recency=agg.last_purchase.delta(agg.first_purchase, unit="day").cast("float64") / unit_days,
        T=ibis.literal(end).delta(agg.first_purchase, unit="day").cast("float64") / unit_days,
        monetary_value=ibis.ifelse(repeat > 0, (agg.revenue - agg.first_amount) / repeat.cast("float64"), 0.0),
        first_purchase=agg.first_purchase,
        last_purchase=agg.last_purchase,
        purchase_days=agg.purchase_days,
        revenue=agg.revenue,
    )
    if holdout_end is None:
        return out
    hend = parse_day(holdout_end, "holdout end")
    if hend <= end:
        raise ConfigError(
            f"The holdout end {hend} must be after the calibration end {end}.",
            f"验证期结束日 {hend} 必须晚于校准期结束日 {end}。",
            hint_en="Give --holdout-end later than --calibration-end.",
            hint_zh="请让 --holdout-end 晚于 --calibration-end。",
        )
    hold = days.filter((days.day > end) & (days.day <= hend))
    hagg = hold.group_by("customer_id").aggregate(holdout_purchases=hold.count(), holdout_revenue=hold.amount.sum())
    joined = out.left_join(hagg, "customer_id")
    return joined.select(
        *[joined[c] for c in SUMMARY_COLUMNS],
        holdout_purchases=joined.holdout_purchases.fill_null(0).cast("float64"),
        holdout_revenue=joined.holdout_revenue.fill_null(0.0),
    )


def customer_summary(
    orders: ibis.Table,
    calibration_end: dt.date | str,
    *,
    unit_days: float = 7.0,
    holdout_end: dt.date | str | None = None,
) -> pd.DataFrame:
    """Per-customer summary from a canonical ``orders`` table, computed in the warehouse engine.

    Columns: customer_id, frequency, recency, T (in units of ``unit_days``), monetary_value,
    first_purchase, last_purchase (dates), purchase_days, revenue; plus holdout_purchases and
    holdout_revenue when ``holdout_end`` is given. Sorted by customer_id.
    """
    expr = summary_expr(purchase_days(purchases(orders)), calibration_end, unit_days=unit_days, holdout_end=holdout_end)
    frame: pd.DataFrame = expr.order_by("customer_id").execute()
    if frame.empty:
        raise MissingDataError(
            f"No paid orders of known customers on or before {parse_day(calibration_end)}.",
            f"{parse_day(calibration_end)} 及之前没有已知客户的已付款订单。",
            hint_en="Load orders with customer_id and paid_at (junshi ingest), or choose a later date.",
            hint_zh="请导入含 customer_id 与 paid_at 的订单（junshi ingest），或选择更晚的日期。",
        )
    return frame


def last_purchase_day(orders: ibis.Table) -> dt.date:
    """The latest purchase day in the orders (the natural 'as of' date of an analysis)."""
    value: Any = purchases(orders).day.max().execute()
    if value is None or pd.isna(value):
        raise MissingDataError(
            "There are no paid orders of known customers.",
            "没有已知客户的已付款订单。",
            hint_en="Load orders with customer_id and paid_at first (junshi ingest).",
            hint_zh="请先导入含 customer_id 与 paid_at 的订单（junshi ingest）。",
        )
    return pd.Timestamp(value).date()


def require_rows(src: TableSource, tables: tuple[str, ...], what_en: str, what_zh: str) -> None:
    """A MissingDataError when the shop has no rows in any of ``tables``: an analysis by them would
    silently find nobody (an orders-only shop has no order lines, visits, reviews or customer attributes)."""
    if all(int(src.table(t).count().execute()) == 0 for t in tables):
        names = " / ".join(tables)
        raise MissingDataError(
            f"This shop has no {names} data, so {what_en} cannot be judged.",
            f"本店没有 {names} 数据，无法判断{what_zh}。",
            hint_en=f"Load a file with {names} (junshi ingest), or leave out what needs it.",
            hint_zh=f"请导入含 {names} 的文件（junshi ingest），或去掉需要它的条件。",
        )
