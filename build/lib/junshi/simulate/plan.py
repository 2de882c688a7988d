"""The calendar of a simulation: the promotion and the planted events, and each day's effects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from junshi.simulate.catalog import Catalog, Creative
from junshi.simulate.vocab import SOURCE_INDEX, SOURCES

WEEKDAY_TRAFFIC = (0.95, 0.93, 0.95, 0.98, 1.02, 1.09, 1.08)  # Monday first
WEEKDAY_CONVERSION = (1.0, 1.0, 1.0, 1.0, 0.97, 1.04, 1.05)
PRESALE_DAYS = 10
PULL_FORWARD_DAYS = 7
AFTER_DAYS = 3


@dataclass(frozen=True)
class PlantedEvent:
    """One planted event, as written to ``sim_truth_events``.

    ``effect`` is the planted multiplier of ``metric`` on the days start..end (inclusive): 0.5 halves it.
    ``source`` and ``product_id`` say where it happens (None: everywhere).
    """

    event_id: str
    kind: str
    start: dt.date
    end: dt.date
    metric: str
    effect: float
    source: str | None = None
    product_id: str | None = None
    note_en: str = ""
    note_zh: str = ""


@dataclass(frozen=True)
class Promotion:
    """The big promotion on ``day``: presale (deposits) from ``presale_start``, demand held back from
    ``pull_forward_start``, a hangover until ``end``. Its window for incremental sales is presale_start..end."""

    name: str
    day: dt.date
    presale_start: dt.date
    pull_forward_start: dt.date
    end: dt.date
    traffic: float = 3.5
    conversion: float = 2.2
    pull_forward: float = 0.7
    after: float = 0.8


@dataclass
class DayEffects:
    """Everything planted that acts on one day."""

    traffic: np.ndarray  # per source
    conversion: np.ndarray  # per source
    product_conversion: np.ndarray  # per product
    stock_zero: list[int] = field(default_factory=list)  # products forced out of stock this day
    promo_day: bool = False
    presale: bool = False  # presale window open (presale items sold by deposit)
    promo_phase: str = ""  # pull_forward, presale, promo, after or ""
    courier_delay_days: float = 0.0  # extra delivery days for orders shipped today
    fake_orders: int = 0


def pick_promotion(start: dt.date, end: dt.date) -> Promotion | None:
    """The last 11.11 or 618 with room for its presale before and 3 days after; else the middle day."""
    lead = PRESALE_DAYS + 2
    candidates = []
    for year in range(start.year, end.year + 1):
        for month, day, name in ((6, 18, "618"), (11, 11, "双11")):
            d = dt.date(year, month, day)
            if start + dt.timedelta(days=lead) <= d <= end - dt.timedelta(days=AFTER_DAYS + 1):
                candidates.append((d, name))
    if candidates:
        d, name = candidates[-1]
    elif (end - start).days >= 2 * lead:
        d, name = start + dt.timedelta(days=(end - start).days // 2 + lead // 2), "大促"
    else:
        return None
    return Promotion(name, d, d - dt.timedelta(days=PRESALE_DAYS), d - dt.timedelta(days=PULL_FORWARD_DAYS),
                     d + dt.timedelta(days=AFTER_DAYS))


class Plan:
    """Dates of every planted event, and the per-day effects that the day generator applies."""

    def __init__(self, start: dt.date, end: dt.date, catalog: Catalog, creatives: list[Creative],
                 lang: str = "zh") -> None:
        self.start, self.end = start, end
        self.catalog = catalog
        self.promotion = pick_promotion(start, end)
        self.events: list[PlantedEvent] = []
        self.fake_days: set[dt.date] = set()
        self.ring_product: int | None = None
        busy: set[dt.date] = set()
        if self.promotion:
            p = self.promotion
            busy = {p.presale_start + dt.timedelta(days=i) for i in range(-4, (p.end - p.presale_start).days + 3)}
        # the first week is left alone (a baseline); events do not overlap each other or the promotion
        free = [d for d in self._days() if d not in busy and d > start + dt.timedelta(days=6)]
        zh = lang == "zh"
        cpc, search = SOURCE_INDEX["直通车"], SOURCE_INDEX["搜索"]
        hero = next(c.landing for c in creatives if c.source == cpc)
        hero_share = sum(c.click_share for c in creatives if c.source == cpc and c.landing == hero)
        order = np.argsort(-catalog.popularity)
        prod = catalog.ids[int(next(i for i in order[4:] if not catalog.is_presale[i]))]
        ring = int(next(i for i in order[8:] if not catalog.is_presale[i]))
        hero_id, ring_id = catalog.ids[hero], catalog.ids[ring]
        specs = [  # kind, days, metric, effect, source, product, note en, note zh
            ("landing_stockout", 3, "payment_conversion_rate", round(1 - hero_share, 3), cpc, hero_id,
             f"直通车 (CPC ads) main landing product {hero_id} is out of stock; the channel keeps paying for clicks "
             f"that cannot convert ({hero_share:.0%} of its clicks)",
             f"直通车主推落地商品 {hero_id} 断货，广告照常扣费但无法成交（占该渠道 {hero_share:.0%} 的点击）"),
            ("product_conversion", 14, "payment_conversion_rate", 0.4, None, prod,
             f"Product {prod} converts at 40% of its usual rate for new visitors (bad main image after a redesign)",
             f"商品 {prod} 对新访客的转化率降为平时的 40%（改版后主图变差）"),
            ("traffic_drop", 5, "uv", 0.5, search, None,
             "Organic search traffic halves (ranking penalty)", "自然搜索流量减半（搜索降权）"),
            ("courier_delay", 5, "dsr_logistics", 4.0, None, None,
             "Parcels shipped on these days arrive 4 days late (courier backlog); logistics scores dip",
             "这几天发出的包裹晚到 4 天（快递爆仓），物流评分下降"),
            ("fake_orders", 7, "paid_orders", 0.0, None, ring_id,
             f"A brushing ring of fake orders on {ring_id}: shared addresses and devices, no browsing before "
             "buying, 5-star reviews",
             f"刷单团伙针对 {ring_id}：共用地址与设备，下单前无浏览，五星好评"),
        ]
        free_set = set(free)
        gap = max(2, (len(free) - sum(s[1] for s in specs)) // (len(specs) + 1))
        k = gap
        for kind, length, metric, effect, src, product, note_en, note_zh in specs:
            while k < len(free) and not all(free[k] + dt.timedelta(days=i) in free_set for i in range(length)):
                k += 1
            if k + length > len(free):
                break
            s, e = free[k], free[k] + dt.timedelta(days=length - 1)
            source = None if src is None else (SOURCES[src].zh if zh else SOURCES[src].en)
            self.events.append(PlantedEvent(f"E{len(self.events) + 1}", kind, s, e, metric, effect, source, product,
                                            note_en, note_zh))
            if kind == "fake_orders":
                self.fake_days = {s + dt.timedelta(days=i) for i in range(length)}
                self.ring_product = ring
            k += length + gap

    def _days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def effects(self, day: dt.date, *, with_promotion: bool = True) -> DayEffects:
        """The planted effects acting on ``day`` (``with_promotion=False``: the no-promotion counterfactual)."""
        n_src, n_prod = len(SOURCES), len(self.catalog)
        wd = day.weekday()
        fx = DayEffects(np.full(n_src, WEEKDAY_TRAFFIC[wd]), np.full(n_src, WEEKDAY_CONVERSION[wd]), np.ones(n_prod))
        for ev in self.events:
            if not ev.start <= day <= ev.end:
                continue
            if ev.kind == "landing_stockout" and ev.product_id:
                fx.stock_zero.append(self.catalog.ids.index(ev.product_id))
            elif ev.kind == "traffic_drop" and ev.source:
                fx.traffic[SOURCE_INDEX[ev.source]] *= ev.effect
            elif ev.kind == "product_conversion" and ev.product_id:
                fx.product_conversion[self.catalog.ids.index(ev.product_id)] *= ev.effect
            elif ev.kind == "courier_delay":
                fx.courier_delay_days = ev.effect
        if day in self.fake_days:
            fx.fake_orders = 6 + (day.toordinal() % 5)
        p = self.promotion
        if p is None or not with_promotion or not p.presale_start <= day <= p.end:
            return fx
        fx.presale = p.presale_start <= day < p.day
        if day == p.day:
            fx.promo_day, fx.promo_phase = True, "promo"
            fx.traffic *= p.traffic
            fx.conversion *= p.conversion
        elif day > p.day:
            fx.promo_phase = "after"
            fx.conversion *= p.after
        elif day >= p.pull_forward_start:
            fx.promo_phase = "pull_forward"
            fx.conversion *= p.pull_forward
            fx.traffic *= 1.15
        else:
            fx.promo_phase = "presale"
        return fx
