"""Payment and after-sale risk (支付与售后风险): buyers and addresses with far more unpaid orders, refunds or
quick negative reviews than the shop's usual share explains.

Three checks, one method. For each buyer (and each address shared by two or more buyers: one person
behind several accounts), ``count`` of ``total`` is tested against the shop's own share ``rate`` (the
shop's count over its total, with half an event of prior): the p-value is the binomial chance of ``count``
or more at that rate. ``score`` is ``-log10(p)`` (3: a one-in-a-thousand chance), so lists are ranked and
scores compare across shops. A buyer or address is a suspect when, among all those with ``MIN_COUNT``
or more in ``total`` (those that could be flagged at all), Benjamini-Hochberg keeps the false discovery
rate at :data:`FDR`, and the count is at least :data:`MIN_COUNT`; bad reviewers also need
:data:`MIN_PRODUCTS` products. One honest return, a family address with a few returns, or a buyer
unhappy twice stay within the shop's usual variation.

- ``payments`` (拍下不付款): orders placed in the period left unpaid (cancelled, or still unpaid a day
  later), of the orders placed (presale deposits left out).
- ``refunds`` (恶意退款): paid orders of the period with a refund, of the paid orders.
- ``reviewers`` (职业差评师): reviews of the period rated 1-2 stars within :data:`QUICK_DAYS` days of
  delivery, of the reviews, across products.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import ibis
import numpy as np
import pandas as pd

from junshi.formats import format_value
from junshi.i18n import Lang, Text, get_lang
from junshi.warehouse import BaseWarehouse, Writable

Check = Literal["payments", "refunds", "reviewers"]
CHECKS: tuple[Check, ...] = ("payments", "refunds", "reviewers")
Level = Literal["buyer", "address"]
FDR = 0.01
MIN_COUNT = 3
MIN_PRODUCTS = 3
QUICK_DAYS = 3
NEGATIVE = 2  # ratings up to this are negative



@dataclass(frozen=True, kw_only=True)
class AbuseRisk:
    """One buyer or address: ``count`` of ``total`` against the shop's ``rate``, scored and explained."""

    check: Check
    level: Level
    id: str
    score: float
    p_value: float
    suspect: bool
    count: int
    total: int
    rate: float
    buyers: int
    products: int
    amount: float
    reasons: list[Text] = field(default_factory=list)

    def reasons_text(self, lang: Lang | None = None) -> list[str]:
        return [r(lang or get_lang()) for r in self.reasons]

    def as_dict(self, lang: Lang | None = None) -> dict[str, object]:
        """The JSON form (reasons in ``lang``, and in both languages)."""
        return {"level": self.level, "id": self.id, "score": round(self.score, 3), "p_value": self.p_value,
                "suspect": self.suspect, "count": self.count, "total": self.total, "rate": round(self.rate, 5),
                "buyers": self.buyers, "products": self.products, "amount": round(self.amount, 2),
                "reasons": self.reasons_text(lang), "reasons_zh": [r("zh") for r in self.reasons],
                "reasons_en": [r("en") for r in self.reasons]}


def _window(t: ibis.Table, column: str, start: dt.date, end: dt.date) -> ibis.Table:
    lo, hi = dt.datetime.combine(start, dt.time()), dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    return t.filter(t[column] >= lo, t[column] < hi)


_ZERO = ibis.literal(0, type="decimal(18, 2)")
"""Amounts stay decimal until summed (exact sums), as the money columns are."""


def _payments(wh: BaseWarehouse, shop_id: str, start: dt.date, end: dt.date, kept: ibis.Table | None = None
              ) -> ibis.Table:
    o = _window(wh.table("orders", shop_id) if kept is None else kept, "created_at", start, end)
    o = o.filter(~o.is_presale.fill_null(False))
    closed = o.cancelled_at.notnull() | (o.created_at < dt.datetime.combine(end, dt.time()))
    flagged = o.paid_at.isnull() & closed
    return o.select(buyer=o.customer_id, address=o.address_hash, product=ibis.null("string"), hit=flagged,
                    amount=ibis.ifelse(flagged, o.pay_amount.fill_null(_ZERO), _ZERO))


def _refunds(wh: BaseWarehouse, shop_id: str, start: dt.date, end: dt.date, kept: ibis.Table | None = None
             ) -> ibis.Table:
    """The orders paid on the days with their refunds (``kept``: stored with them)."""
    if kept is not None:
        o = _window(kept, "paid_at", start, end)
        return o.select(buyer=o.customer_id, address=o.address_hash, product=ibis.null("string"), hit=o.refunded,
                        amount=o.refund_amount.fill_null(_ZERO))
    o = _window(wh.table("orders", shop_id), "paid_at", start, end)
    r = wh.table("refunds", shop_id)
    per = r.group_by(_oid=r.order_id).aggregate(_refunded=r.amount.sum())
    j = o.left_join(per, o.order_id == per._oid)
    return j.select(buyer=j.customer_id, address=j.address_hash, product=ibis.null("string"), hit=j._oid.notnull(),
                    amount=j._refunded.fill_null(_ZERO))


def _reviewers(wh: BaseWarehouse, shop_id: str, start: dt.date, end: dt.date, kept: ibis.Table | None = None
               ) -> ibis.Table:
    """The rated reviews of the days with their order's address and delivery (``kept``: stored with them)."""
    rv = _window(wh.table("reviews", shop_id) if kept is None else kept, "created_at", start, end)
    j = rv = rv.filter(rv.rating.notnull())
    if kept is None:
        o = wh.table("orders", shop_id).select("order_id", "address_hash", "delivered_at")
        j = rv.left_join(o, rv.order_id == o.order_id)
    quick = (j.created_at.epoch_seconds() - j.delivered_at.epoch_seconds()) <= QUICK_DAYS * 86400
    hit = (j.rating <= NEGATIVE) & quick.fill_null(False)
    return j.select(buyer=j.customer_id, address=j.address_hash, product=j.product_id, hit=hit, amount=_ZERO)


_ROWS = {"payments": _payments, "refunds": _refunds, "reviewers": _reviewers}


_KEPT: dict[Check, str] = {"payments": "rollup_repeat_orders", "refunds": "rollup_repeat_orders",
                           "reviewers": "rollup_repeat_reviews"}
"""The rows of each check's repeat buyers and addresses (``junshi.rollup.risk``)."""


def _per(rows: ibis.Table, key: str, least: int) -> ibis.Table:
    """Per value of ``key`` (buyer or address) with ``least`` rows or more: hits (``count``), rows (``total``),
    amount, buyers and the products of the hits."""
    r = rows.filter(rows[key].notnull())
    per = r.group_by(id=r[key]).aggregate(
        count=r.hit.sum().cast("int64"), total=r.count(), amount=r.amount.sum().cast("float64"),
        buyers=r.buyer.nunique(), products=r.product.nunique(where=r.hit))
    return per.filter(per.total >= least) if least > 1 else per


def _queries(wh: BaseWarehouse, shop_id: str, check: Check, start: dt.date, end: dt.date, least: int,
             stored: bool = False) -> dict[str, ibis.Table]:
    """The check's rows counted (``all``: hits and rows) and aggregated per buyer and per address. ``stored``: the
    rollups are built, and the shop-wide count is not here (it is summed from ``rollup_checks``); when ``least`` is
    as many rows or more as the repeat tables keep, only the rows of the buyers and addresses they keep (those with
    that many rows in the whole history, the only ones that can have them in the period) are read for each level,
    from ``rollup_repeat_orders`` or ``rollup_repeat_reviews``."""
    from junshi.rollup.risk import REPEAT_ROWS

    def rows(level: Level | None = None) -> ibis.Table:
        kept = None
        if level is not None and stored and least >= REPEAT_ROWS:
            t = wh.backend_table(_KEPT[check])
            kept = t.filter(t.shop_id == shop_id, t.buyer_kept if level == "buyer" else t.address_kept)
        got = _ROWS[check](wh, shop_id, start, end, kept)
        return got.mutate(hit=got.hit.fill_null(False))

    levels = {"buyer": _per(rows("buyer"), "buyer", least), "address": _per(rows("address"), "address", least)}
    if stored:  # the shop-wide count is summed from the days kept (:func:`_shop_wide`)
        return levels
    every = rows()
    return {"all": every.aggregate(hits=every.hit.sum().cast("int64"), n=every.count()), **levels}


def _shop_wide(wh: Writable, shop_id: str, check: Check, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The check's hits and rows over the days (``rollup_checks``: each day's, its last day's hits on the last)."""
    from junshi.rollup.tables import CHECK_DAYS

    return wh.con.execute(
        "SELECT CAST(coalesce(sum(CASE WHEN date = $end THEN last_hits ELSE hits END), 0) AS BIGINT) AS hits, "
        f"CAST(coalesce(sum(total), 0) AS BIGINT) AS n FROM {CHECK_DAYS.name} WHERE shop_id = $shop "
        "AND kind = $check AND date BETWEEN $start AND $end",
        {"shop": shop_id, "check": check, "start": start, "end": end}).df()


def _aggregates(wh: BaseWarehouse, shop_id: str, check: Check, start: dt.date, end: dt.date, least: int
                ) -> dict[str, pd.DataFrame]:
    """The :func:`_queries` run, their SQL compiled by Ibis once per check and shape and given each call's days
    (``junshi.metrics.query.run_dated``: kept beside the warehouse for the next process), reading the repeat
    buyers' and addresses' rows and the days' shop-wide counts when the shop's rollups are built (not for clean
    figures: the rollups hold the suspects' rows)."""
    from junshi import rollup
    from junshi.metrics.query import run_dated

    kept = wh if isinstance(wh, Writable) and wh.engine == "duckdb" and not wh.clean else None
    stored = kept is not None and rollup.built(kept.con, shop_id)
    got = run_dated(wh, shop_id, f"aftersale {check} {least} {'stored' if stored else 'raw'}",
                    lambda first, last: _queries(wh, shop_id, check, first or start, last or end, least, stored),
                    start, end)
    return {"all": _shop_wide(kept, shop_id, check, start, end), **got} if kept is not None and stored else got


def _reasons(check: Check, level: Level, r: pd.Series, rate: float, currency: str) -> list[Text]:
    k, n, amount = int(r["count"]), int(r["total"]), format_value(float(r["amount"]), "money", currency)
    if check == "payments":
        text = Text(en=f"{k} of {n} orders left unpaid ({amount}; shop: {rate:.1%})",
                    zh=f"{n} 笔订单中 {k} 笔拍下未付款（{amount}；全店 {rate:.1%}）")
    elif check == "refunds":
        text = Text(en=f"{k} of {n} paid orders refunded ({amount} back; shop: {rate:.1%})",
                    zh=f"{n} 笔已付款订单中 {k} 笔退款（退回 {amount}；全店 {rate:.1%}）")
    else:
        p = int(r["products"])
        text = Text(en=f"{k} of {n} reviews rated 1-2 stars within {QUICK_DAYS} days of delivery, on {p} products "
                       f"(shop: {rate:.1%})",
                    zh=f"{n} 条评价中 {k} 条为签收 {QUICK_DAYS} 天内的差评（1-2 星），"
                       f"涉及 {p} 个商品（全店 {rate:.1%}）")
    out = [text]
    if level == "address":
        b = int(r["buyers"])
        out.insert(0, Text(en=f"{b} buyers at one delivery address", zh=f"同一收货地址有 {b} 名买家"))
    return out


def abuse_risk(wh: BaseWarehouse, shop_id: str, check: Check, start: dt.date, end: dt.date, *,
               currency: str = "CNY", suspects_only: bool = False) -> list[AbuseRisk]:
    """Buyers, and addresses shared by two or more buyers, of one check, highest score first (``suspects_only``:
    the suspects alone, without explaining every other buyer)."""
    from junshi.analysis.significance import bh_adjusted, binomial_sf  # scipy.stats' operations, not its import

    # listing suspects only: those that could not be tested (fewer than MIN_COUNT) are left in the engine
    got = _aggregates(wh, shop_id, check, start, end, MIN_COUNT if suspects_only else 1)
    hits, n = got["all"].iloc[0]
    if not n:
        return []
    rate = (float(hits) + 0.5) / (n + 1.0)
    frames = []
    for level in ("buyer", "address"):
        per = got[level].set_index("id").fillna({"products": 0}).astype({"products": "int64"})
        if level == "address":
            per = per[per["buyers"] >= 2]
        frames.append(per.assign(level=level))
    every = pd.concat(frames).rename_axis("id").reset_index()
    every["p"] = binomial_sf(every["count"] - 1, every["total"], rate)
    tested = every["total"] >= MIN_COUNT
    every["q"] = 1.0
    if tested.any():
        every.loc[tested, "q"] = bh_adjusted(every.loc[tested, "p"].to_numpy())
    every["suspect"] = tested & (every["q"] <= FDR) & (every["count"] >= MIN_COUNT)
    if check == "reviewers":
        every["suspect"] &= every["products"] >= MIN_PRODUCTS
    every["score"] = -np.log10(every["p"].clip(lower=1e-300))
    shown = every["suspect"] if suspects_only else every["count"] > 0
    listed = every[shown].sort_values(["suspect", "score", "id"], ascending=[False, False, True])
    return [AbuseRisk(check=check, level=r["level"], id=str(r["id"]), score=float(r["score"]),
                      p_value=float(r["p"]), suspect=bool(r["suspect"]), count=int(r["count"]),
                      total=int(r["total"]), rate=rate, buyers=int(r["buyers"]), products=int(r["products"]),
                      amount=float(r["amount"]), reasons=_reasons(check, r["level"], r, rate, currency))
            for _, r in listed.iterrows()]
