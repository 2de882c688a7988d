"""Order risk scores: each signal that fires adds its weight and a reason (zh and en); ranked by score.

Signals (what canonical tables and platform exports leave unmasked):
- ``no_browse``: the order's visit has no page or item view before the order (brushing accounts go straight
  to the order; so do honest buyers paying from a link sent in chat, hence its small weight).
- ``ring``: the buyer is in a component of the fingerprint graph (shared address or device) of
  :data:`~junshi.risk.graph.RING_MIN_BUYERS` buyers or more (a family shares an address and maybe a tablet
  among fewer buyers; an office shares an IP, which links no ring).
- ``new_account``: the account was registered days before its first order but never visited in between.
- ``burst``: the product's orders that day are far above its usual daily orders.
- ``template_review``: a quick five-star review whose text is a near-duplicate of many other buyers'.

No single signal reaches the default threshold alone, and the signals honest buyers also show (all but
``ring``) reach it only all four together. :data:`DEFAULT_THRESHOLD` was chosen on labelled simulations
(seeds 0 and 1, every ring shape, look-alikes planted; bench/risk_eval.py, docs/risk.md): the lowest threshold
with pooled precision 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from junshi.i18n import Lang, Text, get_lang
from junshi.risk.graph import Component, components, fingerprint_graph
from junshi.risk.reviews import template_buyers
from junshi.warehouse import Writable

DEFAULT_THRESHOLD = 0.5
WEIGHTS = {"no_browse": 0.2, "ring": 0.35, "new_account": 0.1, "burst": 0.15, "template_review": 0.05}
BURST_FACTOR = 3.0  # orders of a product in a day above this many times its median day (and 5 more)
TEMPLATE_BUYERS = 5  # a review text shared (near-duplicate) with this many other buyers is a template
QUICK_REVIEW_DAYS = 2
RING_IP_BUYERS = 5  # an IP shared by this many buyers is named in the reasons (never scored alone)


@dataclass(frozen=True)
class OrderRisk:
    """One order's score (0-1), whether it is a suspect at the threshold, and the reasons that fired."""

    order_id: str
    score: float
    suspect: bool
    reasons: list[Text] = field(default_factory=list)
    signals: list[str] = field(default_factory=list)
    pay_amount: float | None = None
    customer_id: str | None = None
    component: int | None = None

    def reasons_text(self, lang: Lang | None = None) -> list[str]:
        """The reasons in ``lang`` (default: the interface language)."""
        return [r(lang or get_lang()) for r in self.reasons]

    def as_dict(self, lang: Lang | None = None) -> dict[str, object]:
        """The JSON form: order_id, score, suspect, reasons (in ``lang``), reasons_zh/en, signals."""
        return {"order_id": self.order_id, "score": round(self.score, 4), "suspect": self.suspect,
                "reasons": self.reasons_text(lang),
                "reasons_zh": [r("zh") for r in self.reasons], "reasons_en": [r("en") for r in self.reasons],
                "signals": self.signals, "customer_id": self.customer_id, "pay_amount": self.pay_amount,
                "ring": self.component}


def _orders(wh: Writable, shop_id: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Every order up to ``end`` (the fingerprint graph and first orders need them all) with the account's age,
    and for the orders from ``start`` on (the ones scored) the item views of their visit before ordering."""
    has_events = bool(wh.con.execute("SELECT count(*) FROM (SELECT 1 FROM events WHERE shop_id = ? LIMIT 1)",
                                     [shop_id]).fetchall()[0][0])
    views = ("(SELECT count(*) FROM events e WHERE e.shop_id = o.shop_id AND e.session_id = o.session_id "
             "AND e.event_type IN ('page_view', 'product_view') AND e.ts <= o.created_at)"
             if has_events else "NULL")
    return wh.con.execute(f"""
        SELECT o.order_id, o.customer_id, o.created_at, o.paid_at, o.pay_amount, o.session_id,
               o.address_hash, o.ip_hash, o.device_hash, c.registered_at,
               CASE WHEN o.session_id IS NULL OR o.created_at < ? THEN NULL ELSE {views} END AS views,
               min(o.created_at) OVER (PARTITION BY o.customer_id) AS first_order_at
        FROM orders o LEFT JOIN customers c ON c.shop_id = o.shop_id AND c.customer_id = o.customer_id
        WHERE o.shop_id = ? AND o.created_at < ?""", [start, shop_id, end + dt.timedelta(days=1)]).df()


def _bursts(wh: Writable, shop_id: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """(order_id, product_id, n, usual) for orders of a product on a day far above its usual day."""
    days = wh.con.execute("""
        SELECT i.order_id, i.product_id, CAST(o.created_at AS DATE) AS day
        FROM order_items i JOIN orders o ON o.shop_id = i.shop_id AND o.order_id = i.order_id
        WHERE i.shop_id = ? AND o.created_at >= ? AND o.created_at < ?""",
        [shop_id, start - dt.timedelta(days=28), end + dt.timedelta(days=1)]).df()
    if days.empty:
        return pd.DataFrame(columns=["order_id", "product_id", "n", "usual"])
    per_day = days.groupby(["product_id", "day"]).size().rename("n").reset_index()
    usual = per_day.groupby("product_id")["n"].median().rename("usual")
    per_day = per_day.join(usual, on="product_id")
    hot = per_day[per_day["n"] >= BURST_FACTOR * per_day["usual"] + 5]
    return days.merge(hot, on=["product_id", "day"])[["order_id", "product_id", "n", "usual"]]


def _reviews(wh: Writable, shop_id: str, end: dt.date) -> pd.DataFrame:
    rows = wh.con.execute("""
        SELECT r.order_id, r.customer_id, r.rating, r.text,
               date_diff('hour', o.delivered_at, r.created_at) / 24.0 AS days_after
        FROM reviews r LEFT JOIN orders o ON o.shop_id = r.shop_id AND o.order_id = r.order_id
        WHERE r.shop_id = ? AND r.created_at < ?""", [shop_id, end + dt.timedelta(days=31)]).df()
    if rows.empty:
        return rows.assign(template=pd.Series(dtype="int64"))
    return rows.assign(template=template_buyers(rows))


def score_orders(wh: Writable, shop_id: str, start: dt.date, end: dt.date,
                 threshold: float = DEFAULT_THRESHOLD) -> list[OrderRisk]:
    """Risk of every order placed from ``start`` to ``end`` (shop-local days), highest score first."""
    orders = _orders(wh, shop_id, start, end)
    comp = components(fingerprint_graph(orders))
    # looked up once per scored order: dicts, not DataFrame.loc
    bursts = _bursts(wh, shop_id, start, end).drop_duplicates("order_id").set_index("order_id").to_dict("index")
    reviews = _reviews(wh, shop_id, end).drop_duplicates("order_id").set_index("order_id").to_dict("index")
    ip_buyers = orders.dropna(subset=["ip_hash", "customer_id"]).groupby("ip_hash")["customer_id"].nunique().to_dict()
    lo, hi = pd.Timestamp(start), pd.Timestamp(end + dt.timedelta(days=1))
    scored = orders[(orders["created_at"] >= lo) & (orders["created_at"] < hi)]
    out = []
    for r in scored.to_dict("records"):
        risk = _score_one(r, comp, bursts, reviews, ip_buyers)
        out.append(OrderRisk(str(r["order_id"]), risk[0], risk[0] >= threshold, risk[2], risk[1],
                             None if pd.isna(r["pay_amount"]) else float(r["pay_amount"]),
                             r["customer_id"] if isinstance(r["customer_id"], str) else None, risk[3]))
    out.sort(key=lambda o: (-o.score, o.order_id))
    return out



Rows = dict[Hashable, dict[Hashable, Any]]


def _score_one(r: dict[Any, Any], comp: dict[str, Component], bursts: Rows, reviews: Rows,
               ip_buyers: dict[Hashable, int]) -> tuple[float, list[str], list[Text], int | None]:
    """(score, signals, reasons, ring id) of one order row."""
    signals: list[str] = []
    reasons: list[Text] = []
    no_browse = pd.notna(r["views"]) and r["views"] == 0
    if no_browse:
        signals.append("no_browse")
        reasons.append(Text("No page or item viewed before ordering", "下单前未浏览任何页面或商品"))
    c = comp.get(r["customer_id"]) if isinstance(r["customer_id"], str) else None
    if c is not None and c.ring:
        signals.append("ring")
        en = " and ".join({"address_hash": "addresses", "device_hash": "devices"}[k] for k in sorted(c.kinds))
        zh = "与".join({"address_hash": "地址", "device_hash": "设备"}[k] for k in sorted(c.kinds))
        n = len(c.buyers)
        reasons.append(Text(f"Shares {en} with {n - 1} other buyers (group of {n}, density {c.density:.2f})",
                            f"与其他 {n - 1} 名买家共用{zh}（团伙 {n} 人，密度 {c.density:.2f}）"))
    if no_browse and pd.notna(r["registered_at"]) and r["created_at"] == r["first_order_at"]:
        age = (r["created_at"] - r["registered_at"]).total_seconds() / 86400
        if 0.5 <= age <= 30:
            signals.append("new_account")
            reasons.append(Text(f"First order from an account registered {age:.0f} days before, with no visit",
                                f"注册 {age:.0f} 天后首次下单且此前无浏览"))
    b = bursts.get(r["order_id"])
    if b is not None:
        signals.append("burst")
        reasons.append(Text(f"{b['n']} orders of {b['product_id']} that day (usually {b['usual']:.0f})",
                            f"商品 {b['product_id']} 当天 {b['n']} 单（平时 {b['usual']:.0f} 单）"))
    rv = reviews.get(r["order_id"])
    if rv is not None:
        days, similar = rv["days_after"], rv["template"]
        if rv["rating"] == 5 and pd.notna(days) and days <= QUICK_REVIEW_DAYS and similar >= TEMPLATE_BUYERS:
            signals.append("template_review")
            reasons.append(Text(f"Five stars {days:.1f} days after delivery, text like {similar} other buyers'",
                                f"签收 {days:.1f} 天后五星好评，内容与 {similar} 名其他买家雷同"))
    ip = r["ip_hash"] if isinstance(r["ip_hash"], str) else None
    if signals and ip is not None and ip_buyers.get(ip, 0) >= RING_IP_BUYERS:
        reasons.append(Text(f"Its IP is shared by {ip_buyers[ip]} buyers", f"其 IP 被 {ip_buyers[ip]} 名买家共用"))
    score = min(round(sum(WEIGHTS[s] for s in signals), 4), 1.0)  # rounded: 0.35 + 0.15 is 0.5, not 0.4999...
    return score, signals, reasons, c.id if c is not None and c.ring else None
