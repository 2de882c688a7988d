"""Cohorts (同期群): customers grouped by the month or week of their first purchase, followed over the
later periods: the share buying in each period, the share that has bought again, and the cumulative
revenue per customer; optionally broken down by acquisition source, first product or first category."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import ibis
import pandas as pd

from junshi.customers.summary import (
    TableSource,
    last_purchase_day,
    purchase_days,
    purchases,
    require_rows,
)
from junshi.errors import ConfigError, MissingDataError
from junshi.periods import parse_day

Period = Literal["month", "week"]
Breakdown = Literal["source", "first_product", "first_category"]
BREAKDOWNS: tuple[str, ...] = ("source", "first_product", "first_category")

COHORT_COLUMNS = (
    "segment",
    "cohort",
    "period",
    "customers",
    "active",
    "active_share",
    "repeat_customers",
    "repeat_share",
    "revenue",
    "cum_revenue_per_customer",
)


def _period_index(day: ibis.Value, first: ibis.Value, period: Period) -> ibis.Value:
    if period == "month":
        return (day.year() * 12 + day.month()) - (first.year() * 12 + first.month())
    return day.truncate("W").delta(first.truncate("W"), unit="day") // 7


def _segments(src: TableSource, p: ibis.Table, by: Breakdown) -> ibis.Table:
    """customer_id -> segment (the breakdown value; 'unknown' when missing)."""
    first = p.group_by("customer_id").aggregate(first_order=p.order_id.argmin(p.ts), first_source=p.source.argmin(p.ts))
    if by == "source":
        cust = src.table("customers").select("customer_id", "acquisition_source")
        j = first.left_join(cust, "customer_id")
        return j.select(
            customer_id=j.customer_id,
            segment=ibis.coalesce(j.acquisition_source, j.first_source, ibis.literal("unknown")),
        )
    require_rows(src, ("order_items",), "first products", "首购商品")
    items = src.table("order_items")
    lines = items.group_by("order_id").aggregate(product_id=items.product_id.argmin(items.line_no))
    j = first.left_join(lines, first.first_order == lines.order_id)
    if by == "first_product":
        return j.select(customer_id=j.customer_id, segment=ibis.coalesce(j.product_id, ibis.literal("unknown")))
    require_rows(src, ("products",), "first categories", "首购类目")
    products = src.table("products").select("product_id", "category")
    k = j.left_join(products, j.product_id == products.product_id)
    return k.select(customer_id=k.customer_id, segment=ibis.coalesce(k.category, ibis.literal("unknown")))


def cohorts(
    src: TableSource,
    *,
    period: Period = "month",
    as_of: dt.date | str | None = None,
    by: Breakdown | None = None,
) -> pd.DataFrame:
    """Cohort table, one row per (segment, cohort, period 0, 1, ... up to ``as_of``).

    Columns: segment ('all' without ``by``), cohort (first day of the first-purchase month/week),
    period (months/weeks since it), customers (cohort size), active (customers buying in that period),
    active_share, repeat_customers (customers whose second purchase day fell in period <= this one),
    repeat_share, revenue (in that period), cum_revenue_per_customer (periods 0..this / customers).
    The last period of each cohort may be incomplete (it ends at ``as_of``).
    """
    if period not in ("month", "week"):
        raise ConfigError(
            f"Unknown cohort period {period!r}.",
            f"未知的同期群周期 {period!r}。",
            hint_en="Use month or week.",
            hint_zh="请使用 month 或 week。",
        )
    if by is not None and by not in BREAKDOWNS:
        raise ConfigError(
            f"Unknown breakdown {by!r}.",
            f"未知的细分维度 {by!r}。",
            hint_en="Use one of: " + ", ".join(BREAKDOWNS),
            hint_zh="可用：" + "、".join(BREAKDOWNS),
        )
    orders = src.table("orders")
    end = parse_day(as_of, "as-of date") if as_of is not None else last_purchase_day(orders)
    p = purchases(orders)
    p = p.filter(p.day <= end)
    d = purchase_days(p)
    w = ibis.window(group_by="customer_id", order_by="day")
    d = d.mutate(first=d.day.min().over(ibis.window(group_by="customer_id")), nth=ibis.row_number().over(w))
    d = d.mutate(
        cohort=d.first.truncate("M" if period == "month" else "W"), period=_period_index(d.day, d.first, period)
    )
    if by is None:
        d = d.mutate(segment=ibis.literal("all"))
    else:
        seg = _segments(src, p, by)
        d = d.left_join(seg, "customer_id").drop("customer_id_right")
    keys = ["segment", "cohort", "period"]
    act = d.group_by(keys).aggregate(active=d.customer_id.nunique(), revenue=d.amount.sum())
    firsts, seconds = d.filter(d.nth == 0), d.filter(d.nth == 1)
    size = firsts.group_by(["segment", "cohort"]).aggregate(customers=firsts.count())
    second = seconds.group_by(keys).aggregate(second=seconds.count())
    act_df: pd.DataFrame = act.execute()
    size_df: pd.DataFrame = size.execute()
    if size_df.empty:
        raise MissingDataError(
            f"No paid orders of known customers on or before {end}.",
            f"{end} 及之前没有已知客户的已付款订单。",
            hint_en="Load orders (junshi ingest) or choose a later date.",
            hint_zh="请导入订单（junshi ingest）或选择更晚的日期。",
        )
    second_df: pd.DataFrame = second.execute()
    return _assemble(act_df, size_df, second_df, end, period)


def _assemble(
    act: pd.DataFrame, size: pd.DataFrame, second: pd.DataFrame, end: dt.date, period: Period
) -> pd.DataFrame:
    """Fill the (segment, cohort, period) grid and derive shares and cumulative revenue."""
    rows: list[tuple[str, pd.Timestamp, int, int]] = []
    end_ts = pd.Timestamp(end)
    for seg, cohort, n in size[["segment", "cohort", "customers"]].itertuples(index=False):
        start = pd.Timestamp(cohort)
        if period == "month":
            last = (end_ts.year * 12 + end_ts.month) - (start.year * 12 + start.month)
        else:
            last = (end_ts - end_ts.weekday() * pd.Timedelta(days=1) - start).days // 7
        rows.extend((seg, start, k, int(n)) for k in range(last + 1))
    grid = pd.DataFrame(rows, columns=["segment", "cohort", "period", "customers"])
    for frame in (act, second):
        frame["cohort"] = pd.to_datetime(frame["cohort"])
        frame["period"] = frame["period"].astype(int)
    out = grid.merge(act, on=["segment", "cohort", "period"], how="left").merge(
        second, on=["segment", "cohort", "period"], how="left"
    )
    out[["active", "revenue", "second"]] = out[["active", "revenue", "second"]].fillna(0)
    out = out.sort_values(["segment", "cohort", "period"]).reset_index(drop=True)
    grp = out.groupby(["segment", "cohort"], sort=False)
    out["active"] = out.active.astype(int)
    out["active_share"] = out.active / out.customers
    out["repeat_customers"] = grp.second.cumsum().astype(int)
    out["repeat_share"] = out.repeat_customers / out.customers
    out["cum_revenue_per_customer"] = grp.revenue.cumsum() / out.customers
    out["cohort"] = out.cohort.dt.date
    return out[list(COHORT_COLUMNS)]
