"""The promotion analyses' numbers: daily series from the metric layer and record look-ups (stock, presale
orders). No metric is defined here: figures are asked of the registry by id."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from junshi.analysis.source import kpi_frame
from junshi.errors import ConfigError, MissingDataError

if TYPE_CHECKING:
    from junshi.shop import Shop


def check_range(start: date, end: date) -> None:
    if end < start:
        raise ConfigError(f"The end {end} is before the start {start}.", f"结束日 {end} 早于开始日 {start}。",
                          hint_en="Give --start before --end.", hint_zh="请让 --start 早于 --end。")


def daily(shop: Shop, metrics: list[str], start: date, end: date, by: list[str] | None = None) -> pd.DataFrame:
    """Metrics per day (and ``by``) over start..end; a day without rows is absent (callers fill zeros)."""
    return kpi_frame(shop, metrics, ["day", *(by or [])], start=start, end=end)


def series(frame: pd.DataFrame, column: str, days: list[date]) -> np.ndarray:
    """A column of a per-day frame on ``days`` (0 on a day without a row)."""
    s = frame.groupby("day")[column].sum() if len(frame) else pd.Series(dtype=float)
    return np.array([float(s.get(d, 0.0)) for d in days])


def paid_span(shop: Shop) -> tuple[date, date]:
    """The first and the last shop-local day with a paid order (kept while the shop's data is unchanged: a
    promotion's review and plan ask five times)."""
    from junshi import versioned

    return versioned.kept(shop, "paid_span", lambda: _paid_span(shop))


def _paid_span(shop: Shop) -> tuple[date, date]:
    from junshi.metrics.query import run_dated

    def span(*_: date | None) -> dict[str, Any]:
        o = shop.table("orders")
        return {"span": o.filter(o.paid_at.notnull()).aggregate(lo=o.paid_at.min(), hi=o.paid_at.max())}

    f = run_dated(shop.warehouse, shop.shop_id, "promo paid span", span, None, None)["span"]
    lo, hi = (f[c].iloc[0] if len(f) else None for c in ("lo", "hi"))
    if lo is None or hi is None or lo != lo:
        raise MissingDataError("This shop has no paid orders.", "本店没有已支付订单。",
                               hint_en="Load orders first (junshi ingest).", hint_zh="请先导入订单（junshi ingest）。")
    return pd.Timestamp(lo).date(), pd.Timestamp(hi).date()


def stock_frame(shop: Shop, start: date, end: date) -> pd.DataFrame:
    """End-of-day stock per product and day over start..end (empty when the shop keeps no inventory)."""
    from junshi.metrics.query import run_dated

    def rows(first: date | None, last: date | None) -> dict[str, Any]:
        inv = shop.table("inventory")
        return {"stock": inv.filter((inv.date >= first) & (inv.date <= last)).select("date", "product_id", "stock")}

    f = run_dated(shop.warehouse, shop.shop_id, "promo stock", rows, start, end)["stock"]
    f["date"] = pd.to_datetime(f["date"]).dt.date
    return f


def stock_on(shop: Shop, day: date) -> dict[str, int]:
    """Each product's stock at the end of ``day`` (its last known stock up to then)."""
    from junshi.metrics.query import run_dated

    def rows(_first: date | None, last: date | None) -> dict[str, Any]:
        inv = shop.table("inventory")
        upto = inv.filter(inv.date <= last)
        w = upto.group_by("product_id").aggregate(d=upto.date.max())
        return {"stock": upto.join(w, [upto.product_id == w.product_id, upto.date == w.d])
                .select(upto.product_id, upto.stock)}

    f = run_dated(shop.warehouse, shop.shop_id, "promo stock on", rows, None, day)["stock"]
    return {str(p): int(s) for p, s in zip(f["product_id"], f["stock"], strict=True)}


def out_of_stock_days(shop: Shop, days: list[date]) -> dict[str, list[date]]:
    """Per product, the days of ``days`` it ended with no stock."""
    if not days:
        return {}
    f = stock_frame(shop, days[0], days[-1])
    f = f[f["stock"] <= 0]
    return {str(p): sorted(g["date"]) for p, g in f.groupby("product_id")}


def presale_orders(shop: Shop, start: date, end: date) -> dict[str, Any]:
    """Presale orders created in start..end: count, deposits, balances paid, cancelled (deposit kept)."""
    from junshi.metrics.query import run_dated

    def totals(first: date | None, last: date | None) -> dict[str, Any]:
        o = shop.table("orders")
        o = o.filter(o.is_presale.fill_null(False) & (o.created_at.date() >= first) & (o.created_at.date() <= last))
        paid = o.paid_at.notnull()
        deposit = o.deposit_amount.fill_null(0)
        return {"presale": o.aggregate(
            orders=o.order_id.nunique(),
            deposits=deposit.sum(),
            paid_orders=paid.sum(),
            balance_paid=(paid.ifelse(o.pay_amount - deposit, 0)).sum(),
            cancelled_orders=(~paid).sum(),
            deposits_unpaid=((~paid).ifelse(deposit, 0)).sum(),
        )}

    f = run_dated(shop.warehouse, shop.shop_id, "promo presale orders", totals, start, end)["presale"]
    r = f.iloc[0].to_dict() if len(f) else {}
    return {k: (0 if r.get(k) is None or r.get(k) != r.get(k) else float(r[k]) if "deposit" in k or "balance" in k
                else int(r[k]))
            for k in ("orders", "deposits", "paid_orders", "balance_paid", "cancelled_orders", "deposits_unpaid")}
