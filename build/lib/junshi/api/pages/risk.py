"""风控 Risk: the period's suspect orders with reasons, the fingerprint graph of the largest ring, the daily
share of suspect orders (with the days it jumps), and the key figures with and without suspects."""

from __future__ import annotations

import datetime as dt

from junshi import Shop
from junshi.analysis.alerts import AlertSettings
from junshi.api.models import Card, Model
from junshi.api.pages import PageApi, period_endpoint
from junshi.api.views import cards
from junshi.i18n import Lang
from junshi.periods import Period
from junshi.risk.aftersale import CHECKS, Check
from junshi.risk.score import order_risks, placed_per_day, score_frame
from junshi.risk.service import aftersale_risk, daily_suspects, period_of, ring_edges, share_jumps
from junshi.warehouse.base import writable

RISK_CARDS = ("sales", "paid_orders", "paid_buyers", "payment_conversion_rate", "spend_per_buyer")
SUSPECT_ROWS = 200


class SuspectOrder(Model):
    order_id: str
    day: str
    score: float
    customer_id: str | None
    pay_amount: float | None
    reasons: str


class AbuseRow(Model):
    """A buyer or a delivery address shared by several buyers, of one payment or after-sale check."""

    level: str  # buyer or address
    id: str
    score: float
    count: int
    total: int
    amount: float
    reasons: str


class GraphNode(Model):
    id: str
    kind: str  # buyer, address or device


class GraphLink(Model):
    source: str
    target: str


class RiskResponse(Model):
    start: str
    end: str
    cards: list[Card]
    clean_cards: list[Card]
    suspects: int
    orders: int
    suspect_orders: list[SuspectOrder]
    days: list[str]
    share: list[float | None]
    jumps: list[str]
    ring_nodes: list[GraphNode]
    ring_links: list[GraphLink]
    payments: list[AbuseRow]
    refunds: list[AbuseRow]
    reviewers: list[AbuseRow]


def _abuse(shop: Shop, check: Check, start: dt.date, end: dt.date, lang: Lang) -> list[AbuseRow]:
    """The suspects of one payment or after-sale check over the trend's days."""
    sep = "；" if lang == "zh" else "; "
    return [AbuseRow(level=r.level, id=r.id, score=round(r.score, 2), count=r.count, total=r.total,
                     amount=r.amount, reasons=sep.join(r.reasons_text(lang)))
            for r in aftersale_risk(shop.warehouse, shop.shop_id, check, start, end, suspects_only=True)][:SUSPECT_ROWS]


def risk(shop: Shop, period: Period, lang: Lang) -> RiskResponse:
    """Orders of the trend's days scored (not saved: saving is `junshi risk orders`; only those that could be
    suspects are read); cards of the period with and without the suspects found; the
    largest ring among the period's suspects as a graph; the buyers and addresses abusing payment, refunds and
    reviews over the trend's days."""
    trend = period.trend()
    start, end = trend.start, trend.end
    wh = writable(shop.warehouse)  # scoring reads through the DuckDB connection (a clear error on other engines)
    history = start - dt.timedelta(weeks=AlertSettings().anomaly.weeks)  # the days the jumps are tested against
    lo, hi = period_of(wh, shop.shop_id, history, end)
    scored = score_frame(wh, shop.shop_id, lo, hi, every=False)  # the orders that could be suspects
    placed = placed_per_day(wh, shop.shop_id, lo, hi)
    days = [history + dt.timedelta(days=i) for i in range((end - history).days + 1)]
    orders, suspected = daily_suspects(scored, placed, history, end)
    first = (start - history).days
    share = [k / n if n else None for k, n in zip(suspected[first:], orders[first:], strict=True)]
    in_period = scored[scored["day"].between(period.start, period.end)]
    found = in_period[in_period["suspect"]]
    suspects = order_risks(found)
    created = dict(zip(found["order_id"], found["day"], strict=True))
    rings: dict[int, set[str]] = {}
    for o in suspects:
        if o.component is not None and o.customer_id is not None:
            rings.setdefault(o.component, set()).add(o.customer_id)
    biggest = sorted(sorted(rings.values(), key=len)[-1]) if rings else []
    edges = ring_edges(wh, shop.shop_id, biggest)
    nodes = [GraphNode(id=b, kind="buyer") for b in biggest]
    nodes += [GraphNode(id=f, kind=k) for k, f in sorted({(k, f) for _, k, f in edges})]
    shown = cards(shop, period, RISK_CARDS, lang)
    clean = Shop(shop.warehouse.without_suspects([o.order_id for o in suspects]), shop.shop_id)  # none: the same
    return RiskResponse(
        start=start.isoformat(), end=end.isoformat(),
        cards=shown, clean_cards=cards(clean, period, RISK_CARDS, lang) if suspects else shown,
        suspects=len(suspects), orders=sum(n for d, n in placed.items() if period.start <= d <= period.end),
        suspect_orders=[SuspectOrder(order_id=o.order_id, day=created[o.order_id].isoformat(), score=o.score,
                                     customer_id=o.customer_id, pay_amount=o.pay_amount,
                                     reasons=("；" if lang == "zh" else "; ").join(o.reasons_text(lang)))
                      for o in suspects[:SUSPECT_ROWS]],
        days=[d.isoformat() for d in days[first:]], share=share,
        jumps=[d.isoformat() for d in share_jumps(days, orders, suspected, first)],
        ring_nodes=nodes, ring_links=[GraphLink(source=b, target=f) for b, _, f in edges],
        **{check: _abuse(shop, check, start, end, lang) for check in CHECKS},
    )


API = PageApi(endpoint=period_endpoint("risk", risk), response=RiskResponse)
