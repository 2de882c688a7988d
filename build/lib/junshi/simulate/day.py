"""One simulated day, vectorised: visits, events, searches, orders, items, refunds, reviews, ad spend.

:func:`generate_day` reads the state and returns the day's rows (numpy columns, ids already global)
plus the changes to apply; :func:`commit` applies them. Generating without committing gives the
no-promotion counterfactual used for the promotion's true incremental sales.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from junshi.simulate.catalog import Catalog, Creative
from junshi.simulate.plan import DayEffects
from junshi.simulate.service import ServicePlan, arrived_late, carriers, grievances, review_aspects
from junshi.simulate.state import BTYD, State
from junshi.simulate.vocab import (
    CATEGORIES,
    DEVICE_CONVERSION,
    DEVICE_SHARE,
    KEYWORDS,
    PAYMENT_SHARE,
    REGIONS,
    SOURCE_INDEX,
    SOURCES,
)

US_SEC = 1_000_000
US_HOUR = 3600 * US_SEC
US_DAY = 24 * US_HOUR
NULL = -1

EVENT_TYPES = ("page_view", "product_view", "search", "add_to_cart", "favorite", "begin_checkout", "order",
               "payment")
PV, PRODUCT_VIEW, SEARCH, ADD_TO_CART, FAVORITE, CHECKOUT, ORDER, PAYMENT = range(8)
PAGE_HOME, PAGE_SEARCH, PAGE_ACTIVITY, PAGE_BALANCE = range(4)
KIND_NEW, KIND_REPEAT, KIND_BALANCE, KIND_FAKE = range(4)
STATUS_CODES = ("pending", "paid", "shipped", "completed", "closed", "deposit")
ST_PENDING, ST_PAID, ST_SHIPPED, ST_COMPLETED, ST_CLOSED, ST_DEPOSIT = range(6)

HOUR_WEIGHTS = np.array([2, 1, .6, .4, .3, .4, .8, 1.5, 2.5, 3.2, 3.6, 3.8, 4, 3.8, 3.6, 3.6, 3.8, 4,
                         4.4, 5, 5.8, 6.4, 6, 4])
HOUR_WEIGHTS = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()
# where returning customers come from when they buy again
BROWSE_PER_PURCHASE = 2.0
REPEAT_SOURCES = np.array([0.25, 0.2, 0.4, 0, 0, 0, 0, 0.15])
CITIES = [(ri, cz, ce) for ri, (_pz, _pe, _w, cities, _d) in enumerate(REGIONS) for cz, ce in cities]
CITY_REGION = np.array([c[0] for c in CITIES])
CITY_WEIGHT = np.array([REGIONS[ri][2] / len(REGIONS[ri][3]) for ri, _z, _e in CITIES])
CITY_WEIGHT = CITY_WEIGHT / CITY_WEIGHT.sum()
REGION_DAYS = np.array([r[4] for r in REGIONS])
KW_WEIGHT = np.array([1.0 if cat >= 0 else 0.45 for _z, _e, cat in KEYWORDS])
KW_WEIGHT = KW_WEIGHT / KW_WEIGHT.sum()
KW_CAT = np.array([cat for _z, _e, cat in KEYWORDS])


def page_names(catalog: Catalog) -> list[str]:
    """The page dictionary: fixed pages, then one per category, then one per product."""
    cats = [f"category/{c[1].lower().replace(' ', '-')}" for c in CATEGORIES]
    return ["home", "search", "activity", "pay-balance", *cats, *[f"item/{p}" for p in catalog.ids]]


@dataclass
class Day:
    """The rows of one day, table name -> column name -> numpy array (ids are global integers)."""

    tables: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    sales_cents: int = 0  # paid on this day (pay_amount of orders whose paid_at falls on it)
    uv: int = 0
    paid_buyers: int = 0
    n_events: int = 0
    # state changes
    sold: np.ndarray | None = None
    new_customers: dict[str, np.ndarray] = field(default_factory=dict)
    repeat_updates: dict[str, np.ndarray] = field(default_factory=dict)
    new_pending: dict[str, np.ndarray] = field(default_factory=dict)
    pool_add: np.ndarray | None = None
    pool_remove: np.ndarray | None = None
    counters: dict[str, int] = field(default_factory=dict)
    customers_rows: dict[str, np.ndarray] = field(default_factory=dict)
    fake_orders: np.ndarray | None = None  # ids of the brushing ring's orders
    ring: dict[str, np.ndarray] | None = None


@dataclass
class Browse:
    """Per visit (new, then repeat): what it looked at; ``k``, ``m``, ``c`` count searches, further product
    pages and category pages; ``focus`` is the product it is about (NULL: none)."""

    src: np.ndarray
    bounce: np.ndarray
    landing: np.ndarray
    page: np.ndarray
    land_item: np.ndarray
    k: np.ndarray
    m: np.ndarray
    c: np.ndarray
    q_last: np.ndarray
    clicked: np.ndarray
    first_item: np.ndarray
    focus: np.ndarray


@dataclass
class Events:
    """A day's events (index arrays; ``e_sess`` is the visit's position in the day) and its searches."""

    e_type: np.ndarray
    e_prod: np.ndarray
    e_page: np.ndarray
    e_query: np.ndarray
    e_sess: np.ndarray
    e_ts: np.ndarray
    s_start: np.ndarray  # visit starts, moved earlier where a visit would run past the end of the period
    search_pos: np.ndarray  # position of each search event
    search_sess: np.ndarray
    search_query: np.ndarray
    search_results: np.ndarray
    search_clicked: np.ndarray


def _stock_cap(prod: np.ndarray, qty: np.ndarray, prio: np.ndarray, ts: np.ndarray, avail: np.ndarray
               ) -> np.ndarray:
    """Which order lines the stock allows: per product, lines with ``prio`` False first (they are never
    refused), then the others in time order while the stock lasts."""
    if not len(prod):
        return np.ones(0, bool)
    srt = np.lexsort((ts, prio, prod))
    p_s, q_s = prod[srt], qty[srt]
    cum = np.cumsum(q_s)
    new_group = np.r_[True, p_s[1:] != p_s[:-1]]
    group = np.cumsum(new_group) - 1
    before = (cum - q_s)[new_group][group]
    ok = np.empty(len(srt), bool)
    ok[srt] = (cum - before <= avail[p_s]) | ~prio[srt]
    return ok


def _seg_index(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of the given sizes: the group of each element and its index within the group."""
    rep = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return rep, np.arange(len(rep)) - starts[rep]


class DayGenerator:
    """Generates days for one shop; holds what does not change from day to day."""

    def __init__(self, catalog: Catalog, creatives: list[Creative], btyd: BTYD, visitors_per_day: float,
                 start_us: int, end_us: int, courier: tuple[int, int, float] | None,
                 promo_us: int | None, ring_product: int | None) -> None:
        self.cat = catalog
        self.creatives = creatives
        self.btyd = btyd
        self.vpd = visitors_per_day
        self.start_us, self.end_us = start_us, end_us  # end_us: end of the last day (exclusive)
        self.courier = courier  # (ship window start us, end us, extra days)
        self.service = ServicePlan.for_catalog(catalog)
        self.promo_us = promo_us  # start of the promotion day
        self.ring_product = ring_product
        self.n_cat = len(CATEGORIES)
        self.cat_products = [np.flatnonzero(catalog.category == c) for c in range(self.n_cat)]
        self.cat_count = np.array([len(x) for x in self.cat_products])
        self.page_item0 = 4 + self.n_cat
        self.by_source = {s: [i for i, c in enumerate(creatives) if c.source == s] for s in range(len(SOURCES))}
        self.expected_units = catalog.popularity * visitors_per_day * 0.03 * 1.2  # units a day, roughly

    # ------------------------------------------------------------------ sessions of each kind
    def _new_sessions(self, st: State, day_us: int, fx: DayEffects, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Visits of not-yet-buying visitors: per source Poisson counts, creative and landing, device, city, time."""
        shares = np.array([s.share for s in SOURCES])
        counts = rng.poisson(self.vpd * shares * fx.traffic * float(np.exp(rng.normal(0, 0.04))))
        src = np.repeat(np.arange(len(SOURCES)), counts)
        n = len(src)
        returning = rng.random(n) < (0.2 if len(st.pool) else 0.0)
        vid = np.where(returning, st.pool[rng.integers(0, max(len(st.pool), 1), n)] if len(st.pool) else 0, 0)
        new_mask = ~returning
        vid[new_mask] = st.next_visitor + np.arange(int(new_mask.sum()))
        creative = np.full(n, NULL)
        landing = np.full(n, NULL)  # landing product (NULL: a non-item page)
        page = np.full(n, PAGE_HOME)
        for s, idx in self.by_source.items():
            sel = np.flatnonzero(src == s)
            if not idx or not len(sel):
                continue
            probs = np.array([self.creatives[i].click_share for i in idx])
            pick = np.array(idx)[rng.choice(len(idx), len(sel), p=probs / probs.sum())]
            creative[sel] = pick
            landing[sel] = np.array([c.landing for c in self.creatives])[pick]
        organic = creative == NULL
        item_land_p = np.array([0.7, 0.85, 0.25, 0, 0, 0, 0.8, 0.3])[src]
        draw = organic & (rng.random(n) < item_land_p)
        landing[draw] = rng.choice(len(self.cat), int(draw.sum()), p=self.cat.popularity)
        page[organic & ~draw & (src == SOURCE_INDEX["短信/邮件"])] = PAGE_ACTIVITY
        bounce = rng.random(n) < np.array([s.bounce for s in SOURCES])[src]
        return {"kind": np.full(n, KIND_NEW), "src": src, "vid": vid, "returning": returning,
                "cid": np.full(n, NULL), "creative": creative, "landing": landing, "page": page,
                "bounce": bounce, "device": rng.choice(3, n, p=DEVICE_SHARE),
                "city": rng.choice(len(CITIES), n, p=CITY_WEIGHT),
                "start": day_us + (rng.choice(24, n, p=HOUR_WEIGHTS) * US_HOUR
                                   + rng.integers(0, US_HOUR, n))}

    def _repeat_sessions(self, st: State, day_idx: int, day_us: int, rng: np.random.Generator
                         ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Purchases of customers alive under BTYD whose next purchase falls on this day."""
        pop = st.customers
        next_t, alive_now = pop.next_t.copy(), np.isnan(pop.death_t)
        death_t, n_rep = pop.death_t.copy(), pop.n_repeat.copy()
        who: list[np.ndarray] = []
        when: list[np.ndarray] = []
        while True:
            due = np.flatnonzero(alive_now & (next_t < day_idx + 1))
            if not len(due):
                break
            who.append(due)
            when.append(next_t[due])
            n_rep[due] += 1
            drop = rng.random(len(due)) < pop.p[due]
            death_t[due[drop]] = next_t[due[drop]]
            alive_now[due[drop]] = False
            keep = due[~drop]
            next_t[keep] = next_t[keep] + rng.exponential(1 / pop.lam[keep])
        buying = np.concatenate(who) if who else np.zeros(0, np.int64)
        t = np.concatenate(when) if when else np.zeros(0)
        # customers alive at the start of the day also visit without buying, at BROWSE_PER_PURCHASE x their rate
        alive_before = np.flatnonzero(np.isnan(pop.death_t) & (pop.birth_t < day_idx))
        browse = alive_before[rng.random(len(alive_before)) < -np.expm1(-BROWSE_PER_PURCHASE * pop.lam[alive_before])]
        idx = np.concatenate([buying, browse])
        n, n_buy = len(idx), len(buying)
        buy = np.arange(n) < n_buy
        updates = {"next_t": next_t, "death_t": death_t, "n_repeat": n_rep}
        src = rng.choice(len(SOURCES), n, p=REPEAT_SOURCES)
        land_item = rng.random(n) < 0.6
        start = np.r_[self.start_us + (t * US_DAY).astype(np.int64) - rng.integers(60, 900, n_buy) * US_SEC,
                      day_us + rng.choice(24, n - n_buy, p=HOUR_WEIGHTS) * US_HOUR
                      + rng.integers(0, US_HOUR, n - n_buy)]
        bounce = ~buy & (rng.random(n) < np.array([s.bounce for s in SOURCES])[src])
        sess = {"kind": np.full(n, KIND_REPEAT), "src": src, "vid": pop.vid[idx], "returning": np.ones(n, bool),
                "cid": pop.cid[idx], "creative": np.full(n, NULL), "landing": np.full(n, NULL),
                "page": np.full(n, PAGE_HOME), "bounce": bounce, "device": pop.device[idx],
                "city": pop.city[idx], "start": np.maximum(start, day_us), "land_item": land_item & ~bounce,
                "buy": buy}
        return sess, updates

    # ------------------------------------------------------------------ the day
    def generate(self, st: State, day_idx: int, fx: DayEffects, rng: np.random.Generator) -> Day:
        """Day ``day_idx`` under the effects ``fx``: visits of new visitors, of customers (BTYD purchases and
        browsing), presale balance payments on the promotion day and the brushing ring's orders, with all
        their rows. Reads ``st`` without changing it (see :func:`commit`)."""
        cat = self.cat
        day_us = self.start_us + day_idx * US_DAY
        avail = st.stock.copy()
        avail[fx.stock_zero] = 0
        new = self._new_sessions(st, day_us, fx, rng)
        rep, rep_updates = self._repeat_sessions(st, day_idx, day_us, rng)
        n_new, n_rep = len(new["src"]), len(rep["src"])

        # balance payments of presale orders and fake orders
        pend = st.pending
        bal_sel = np.zeros(0, np.int64)
        if fx.promo_day and pend:
            bal_sel = np.flatnonzero(pend["paid"] >= 0)
        n_bal = len(bal_sel)
        n_fake = fx.fake_orders if self.ring_product is not None else 0
        fake_start = day_us + rng.integers(9 * US_HOUR, 23 * US_HOUR, n_fake)

        # -------- focus product and browsing of new and repeat sessions
        n_br = n_new + n_rep
        br = self._browse(new, rep, avail, fx, rng)
        src, bounce, landing, page, land_item = br.src, br.bounce, br.landing, br.page, br.land_item
        k, m, c, q_last, clicked, first_item, focus = br.k, br.m, br.c, br.q_last, br.clicked, br.first_item, br.focus

        # -------- ordering: new visits convert by chance, repeat visits always buy
        device = np.concatenate([new["device"], rep["device"]])
        conv = np.array([s.conversion / (1 - s.bounce) for s in SOURCES])[src] * fx.conversion[src]
        f0 = np.maximum(focus, 0)
        conv = conv * cat.conversion[f0] * fx.product_conversion[f0] * np.array(DEVICE_CONVERSION)[device]
        returning = np.concatenate([new["returning"], rep["returning"]])
        conv = np.where(returning, conv * 1.3, conv)
        presale_item = cat.is_presale[f0]
        orderable = (focus >= 0) & (avail[f0] > 0) & ~bounce
        order = np.zeros(n_br, bool)
        order[:n_new] = orderable[:n_new] & (rng.random(n_new) < np.minimum(conv[:n_new], 0.9))
        order[n_new:] = rep["buy"]
        is_presale = order & presale_item & fx.presale
        kind = np.concatenate([new["kind"], rep["kind"]])

        start = np.concatenate([new["start"], rep["start"]])
        o_sess, lines = self._order_lines(rng, order, is_presale, src, focus, kind, start, avail, fx)
        l_ord, l_prod, l_qty, l_no = lines
        n_ord_br = len(o_sess)

        # -------- funnel flags of the browsing visits
        conv_c = np.minimum(conv, 0.3)
        atc = order | (~bounce & (focus >= 0) & (rng.random(n_br) < 2.2 * conv_c))
        fav = ~bounce & (focus >= 0) & (rng.random(n_br) < 0.05 + 0.6 * conv_c)
        chk = order | (atc & (rng.random(n_br) < 0.2))
        pay_p = 0.95 if fx.promo_day else 0.9
        pay = order & ~is_presale & ((kind == KIND_REPEAT) | (rng.random(n_br) < pay_p))

        # -------- all sessions: browsing, balance payments, fake orders
        n_s = n_br + n_bal + n_fake
        sid = st.next_session + np.arange(n_s)
        kind_all = np.concatenate([kind, np.full(n_bal, KIND_BALANCE), np.full(n_fake, KIND_FAKE)])
        gap = rng.integers(8, 90, n_s) * US_SEC
        bal_paid = pend["paid"][bal_sel] if n_bal else np.zeros(0, np.int64)
        ring = self._ring(st, rng, n_fake, n_new_vis=int((~new['returning']).sum()), day_us=day_us)
        s_src = np.concatenate([src, np.full(n_bal + n_fake, SOURCE_INDEX["直接访问"])])
        s_vid = np.concatenate([new["vid"], rep["vid"], pend["vid"][bal_sel] if n_bal else np.zeros(0, np.int64),
                                ring["vid"]])
        s_cid = np.concatenate([new["cid"], rep["cid"], pend["cid"][bal_sel] if n_bal else np.zeros(0, np.int64),
                                ring["cid"]])
        s_start = np.concatenate([start, bal_paid - gap[n_br:n_br + n_bal], fake_start])
        s_device = np.concatenate([device, pend["device"][bal_sel] if n_bal else np.zeros(0, np.int64),
                                   ring["device"]])
        s_city = np.concatenate([new["city"], rep["city"], pend["city"][bal_sel] if n_bal else np.zeros(0, np.int64),
                                 ring["city"]])
        s_page = np.concatenate([page, np.full(n_bal, PAGE_BALANCE), np.full(n_fake, NULL)])
        s_creative = np.concatenate([new["creative"], rep["creative"], np.full(n_bal + n_fake, NULL)])
        # new customers: visitors who ordered for the first time
        new_buyer = order & (kind == KIND_NEW)
        n_newc = int(new_buyer.sum())
        new_cid = st.next_customer + len(ring["cid_new"]) + np.arange(n_newc)
        s_cid[np.flatnonzero(new_buyer)] = new_cid

        # -------- events, scattered in visit order
        one = np.ones(n_s, np.int64)
        pad = np.zeros(n_bal + n_fake, np.int64)
        land_prod = np.concatenate([np.where(land_item, landing, NULL), np.full(n_bal + n_fake, NULL)])
        land_pview = (land_prod >= 0).astype(np.int64)
        # one event per page load: a product landing page is its product_view, any other page a page_view
        land_pv = np.where((kind_all == KIND_FAKE) | (land_pview > 0), 0, one)
        blocks = [  # (count per visit, events per unit)
            (land_pv, 1), (land_pview, 1), (np.concatenate([k, pad]), 2), (np.concatenate([m, pad]), 1),
            (np.concatenate([c, pad]), 1), (np.concatenate([fav, pad]).astype(np.int64), 1),
            (np.concatenate([atc, pad]).astype(np.int64), 1), (np.concatenate([chk, pad]).astype(np.int64), 1),
            (np.concatenate([order, np.zeros(n_bal, bool), np.ones(n_fake, bool)]).astype(np.int64), 1),
            (np.concatenate([pay, np.ones(n_bal + n_fake, bool)]).astype(np.int64), 1),
        ]
        focus_all = np.concatenate([focus, np.full(n_bal, NULL), np.full(n_fake, self.ring_product or 0)])
        if n_bal:
            focus_all[n_br:n_br + n_bal] = pend["product"][bal_sel]
        ev = self._events(rng, blocks, s_start, gap, s_page, land_prod, focus_all,
                          np.r_[first_item, pad], q_last, np.r_[clicked, np.full(n_bal + n_fake, NULL)])
        s_start, n_ev = ev.s_start, len(ev.e_type)
        e_type, e_sess, e_ts, rs = ev.e_type, ev.e_sess, ev.e_ts, ev.search_sess
        eid = st.next_event + np.arange(n_ev)

        # -------- orders
        o_all = np.concatenate([o_sess, n_br + n_bal + np.arange(n_fake)])
        n_o = len(o_all)
        oid = st.next_order + np.arange(n_o)
        ev_order = np.flatnonzero(e_type == ORDER)
        ev_pay = np.flatnonzero(e_type == PAYMENT)
        created = np.full(n_s, NULL)
        created[e_sess[ev_order]] = e_ts[ev_order]
        paid_s = np.full(n_s, NULL)
        paid_s[e_sess[ev_pay]] = e_ts[ev_pay]
        o_created = created[o_all]
        o_paid = paid_s[o_all].copy()
        fake_lines = np.arange(n_ord_br, n_o)
        l_ord = np.concatenate([l_ord, fake_lines])
        l_prod = np.concatenate([l_prod, np.full(n_fake, self.ring_product or 0)])
        l_qty = np.concatenate([l_qty, np.ones(n_fake, np.int64)])
        l_no = np.concatenate([l_no, np.ones(n_fake, np.int64)])
        o_presale = np.concatenate([is_presale[o_sess], np.zeros(n_fake, bool)])
        unit = cat.price_cents[l_prod]
        l_amt = unit * l_qty
        item = np.bincount(l_ord, weights=l_amt, minlength=n_o).astype(np.int64)
        o_src = s_src[o_all]
        disc = np.where(fx.promo_day | o_presale, (item // 30000) * 4000, 0)  # 满300减40
        coupon = (item >= 9900) & (rng.random(n_o) < np.where(o_src == SOURCE_INDEX["短信/邮件"], 0.5, 0.15))
        disc = np.where((disc == 0) & coupon, np.where(o_src == SOURCE_INDEX["短信/邮件"], 2000, 1000), disc)
        ship_fee = np.where(item >= 9900, 0, 800)
        pay_amt = item - disc + ship_fee
        deposit = np.where(o_presale, (pay_amt // 500) * 100, NULL)
        if o_presale.any() and self.promo_us:
            pays = rng.random(n_o) < 0.92
            bal_t = self.promo_us + rng.choice([0, 1, 2, 9, 20], n_o, p=[.45, .2, .1, .15, .1]) * US_HOUR \
                + rng.integers(0, 55 * 60, n_o) * US_SEC
            o_paid = np.where(o_presale, np.where(pays, bal_t, NULL), o_paid)
        # shipping and delivery
        hours = rng.lognormal(np.log(16), 0.5, n_o) * US_HOUR
        ship_from = o_paid.copy()
        if self.promo_us:
            ship_from = np.where(o_presale, self.promo_us + US_DAY, ship_from)
        shipped = np.where(o_paid >= 0, ship_from + hours.astype(np.int64), NULL)
        region = CITY_REGION[s_city[o_all]]
        travel = REGION_DAYS[region] * rng.lognormal(0, 0.25, n_o) + 0.3
        srng = rng.spawn(1)[0]  # couriers and review aspects: their own draws, the rest of the day unchanged
        carrier, speed, backlog = carriers(srng, n_o)
        travel = travel * speed + backlog
        late = np.zeros(n_o)
        if self.courier:
            late = np.where((shipped >= self.courier[0]) & (shipped < self.courier[1]), self.courier[2], 0.0)
        delivered = np.where(shipped >= 0, shipped + ((travel + late) * US_DAY).astype(np.int64), NULL)
        main_prod = np.full(n_o, NULL)
        main_prod[l_ord[l_no == 1]] = l_prod[l_no == 1]
        qual = cat.quality[main_prod]
        is_fake = np.arange(n_o) >= n_ord_br
        # refunds
        clothing = ~np.array([CATEGORIES[ci][3] for ci in range(self.n_cat)])[cat.category[main_prod]]
        refund = (o_paid >= 0) & ~is_fake & (rng.random(n_o) < 0.03 + 0.25 * (1 - qual) + 0.05 * clothing)
        early = refund & (rng.random(n_o) < 0.35)
        early_t = o_paid + rng.integers(1, 12, n_o) * US_HOUR
        early &= early_t < shipped
        late_ref = refund & ~early
        late_t = delivered + rng.integers(1, 6, n_o) * US_DAY + rng.integers(0, US_DAY, n_o)
        r_time = np.where(early, early_t, late_t)
        has_ref = (early | (late_ref & (delivered >= 0))) & (r_time < self.end_us)
        cancelled = np.where(early & has_ref, early_t, NULL)
        shipped = np.where(cancelled >= 0, NULL, shipped)
        delivered = np.where(cancelled >= 0, NULL, delivered)
        unpaid = (o_paid < 0) & ~o_presale
        cancelled = np.where(unpaid & (o_created + US_DAY < self.end_us), o_created + US_DAY, cancelled)
        if self.promo_us:
            cancelled = np.where(o_presale & (o_paid < 0), self.promo_us + US_DAY - US_SEC, cancelled)
        shipped = np.where(shipped < self.end_us, shipped, NULL)
        delivered = np.where((delivered < self.end_us) & (shipped >= 0), delivered, NULL)
        o_paid_final = np.where(o_paid < self.end_us, o_paid, NULL)
        status = np.select(
            [cancelled >= 0, delivered >= 0, shipped >= 0, o_paid_final >= 0, o_presale],
            [ST_CLOSED, ST_COMPLETED, ST_SHIPPED, ST_PAID, ST_DEPOSIT], ST_PENDING)
        l_amt_first = np.zeros(n_o, np.int64)
        l_amt_first[l_ord[l_no == 1]] = l_amt[l_no == 1]
        qty_first = np.zeros(n_o, np.int64)
        qty_first[l_ord[l_no == 1]] = l_qty[l_no == 1]
        reason = np.where(early, 2, rng.choice([0, 1, 3, 4], n_o, p=[0.45, 0.25, 0.2, 0.1]))
        rf = np.flatnonzero(has_ref)
        refunds = {"refund_id": st.next_refund + np.arange(len(rf)), "order_id": oid[rf],
                   "product": main_prod[rf], "created_at": r_time[rf],
                   "amount": np.where(early[rf], pay_amt[rf], np.minimum(l_amt_first[rf], pay_amt[rf])),
                   "quantity": qty_first[rf], "reason": reason[rf]}
        reviews, rv = self._reviews(rng, st.next_review, oid, main_prod, s_cid[o_all], o_paid,
                                    delivered, REGION_DAYS[region] + 1.5, ~has_ref, is_fake,
                                    grievances(srng, self.service, main_prod, o_paid, delivered))
        reviews.update(self._review_service(srng, reviews, rv, carrier, o_paid, delivered))
        addr_key = np.r_[s_cid[o_sess], ring["addr"]]
        dev_key = np.r_[s_vid[o_sess], ring["dev"]]
        orders = {"order_id": oid, "customer": s_cid[o_all], "visitor": s_vid[o_all], "session": sid[o_all],
                  "created_at": o_created, "paid_at": o_paid_final, "shipped_at": shipped,
                  "delivered_at": delivered, "cancelled_at": cancelled, "status": status, "source": o_src,
                  "device": s_device[o_all], "city": s_city[o_all], "item": item, "discount": disc,
                  "shipping": ship_fee, "pay": pay_amt, "is_presale": o_presale, "deposit": deposit,
                  "method": rng.choice(3, n_o, p=PAYMENT_SHARE), "addr_key": addr_key, "dev_key": dev_key,
                  "fake": is_fake, "carrier": carrier}
        items = {"order_id": oid[l_ord], "line_no": l_no, "product": l_prod, "quantity": l_qty, "unit_price": unit,
                 "amount": l_amt, "unit_cost": cat.cost_cents[l_prod]}

        # -------- ad spend per creative: clicks are the paid visits
        ads = self._ad_spend(rng, s_creative[:n_new], o_all, o_paid_final, pay_amt, day_us)

        day = Day()
        day.tables = {
            "sessions": {"session_id": sid, "visitor": s_vid, "customer": s_cid, "started_at": s_start,
                         "source": s_src, "creative": s_creative, "device": s_device, "page": s_page,
                         "city": s_city},
            "events": {"event_id": eid, "session": sid[e_sess], "visitor": s_vid[e_sess],
                       "customer": s_cid[e_sess], "ts": e_ts, "type": e_type, "product": ev.e_prod,
                       "page": ev.e_page, "query": ev.e_query},
            "searches": {"search_id": eid[ev.search_pos], "ts": e_ts[ev.search_pos],
                         "visitor": s_vid[rs], "session": sid[rs], "query": ev.search_query,
                         "results": ev.search_results, "clicked": ev.search_clicked},
            "orders": orders, "order_items": items, "refunds": refunds, "reviews": reviews, "ad_spend": ads,
        }
        day.n_events = n_ev
        in_day = (o_paid_final >= day_us) & (o_paid_final < day_us + US_DAY)
        day.sales_cents = int(pay_amt[in_day & ~o_presale].sum())
        if n_bal:
            day.sales_cents += int(pend["pay"][bal_sel].sum())
        buyers = np.r_[s_cid[o_all][in_day & ~o_presale], pend["cid"][bal_sel] if n_bal else []]
        day.paid_buyers = len(np.unique(buyers))
        fresh = np.flatnonzero(~new["returning"])  # new visitors are distinct: only the others need np.unique
        day.uv = len(fresh) + len(np.unique(np.delete(s_vid, fresh)))
        sold = np.zeros(len(cat), np.int64)
        counted = (o_paid >= 0) | o_presale
        np.add.at(sold, l_prod[counted[l_ord]], l_qty[counted[l_ord]])
        day.sold = sold
        # new BTYD customers: first paid order (presale: when the balance is paid)
        b = self.btyd
        born = np.flatnonzero(~is_fake & (o_paid >= 0) & (kind_all[o_all] == KIND_NEW))
        lam = rng.gamma(b.r, 1 / b.alpha, len(born))
        birth = (o_paid[born] - self.start_us) / US_DAY
        day.new_customers = {
            "cid": s_cid[o_all][born], "vid": s_vid[o_all][born], "city": s_city[o_all][born],
            "device": s_device[o_all][born], "lam": lam, "p": rng.beta(b.a, b.b, len(born)), "birth_t": birth,
            "next_t": birth + rng.exponential(1 / lam), "death_t": np.full(len(born), np.nan),
            "n_repeat": np.zeros(len(born), np.int64)}
        day.customers_rows = {  # every account created today (buyers, unpaid orderers, fake accounts)
            "cid": np.r_[ring["cid_new"], new_cid],
            "registered_at": np.r_[ring["registered"], s_start[:n_br][new_buyer]],
            "city": np.r_[ring["city_new"], s_city[:n_br][new_buyer]],
            "source": np.r_[np.full(len(ring["cid_new"]), SOURCE_INDEX["直接访问"]), src[new_buyer]],
        }
        n_acc = len(day.customers_rows["cid"])
        day.customers_rows["gender"] = rng.choice(3, n_acc, p=[0.88, 0.1, 0.02])
        day.customers_rows["birth_year"] = np.clip(np.rint(rng.normal(1994, 7, n_acc)), 1960, 2007).astype(np.int64)
        day.repeat_updates = rep_updates
        ps = o_presale & (o_paid >= 0)
        day.new_pending = {"order": oid[ps], "cid": s_cid[o_all][ps], "vid": s_vid[o_all][ps],
                           "city": s_city[o_all][ps], "device": s_device[o_all][ps], "paid": o_paid[ps],
                           "pay": pay_amt[ps], "product": main_prod[ps]}
        day.pool_add = s_vid[:n_new][~order[:n_new]]
        day.counters = {"next_session": n_s, "next_event": n_ev, "next_order": n_o, "next_refund": len(rf),
                        "next_review": len(reviews["review_id"]),
                        "next_visitor": int((~new["returning"]).sum()) + len(ring["cid_new"]),
                        "next_customer": len(ring["cid_new"]) + n_newc}
        day.pool_remove = s_vid[:n_new][order[:n_new]]
        day.ring = ring if len(ring["cid_new"]) else None
        day.fake_orders = oid[is_fake]
        return day

    def _order_lines(self, rng: np.random.Generator, order: np.ndarray, is_presale: np.ndarray, src: np.ndarray,
                     focus: np.ndarray, kind: np.ndarray, start: np.ndarray, avail: np.ndarray, fx: DayEffects
                     ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """The ordering visits and their lines (order index, product, quantity, line number): 1-3 units of
        the focus product, sometimes a cross-sold second line; lines the stock cannot serve are refused
        (repeat purchases first, then in time order) and an order whose first line is refused is not placed.
        ``order`` and ``is_presale`` are updated in place."""
        cat = self.cat
        o_sess = np.flatnonzero(order)
        qty1 = rng.choice([1, 2, 3], len(o_sess), p=[0.82, 0.14, 0.04])
        cross = rng.random(len(o_sess)) < np.array([s.cross_sell for s in SOURCES])[src[o_sess]]
        cross_p = rng.choice(len(cat), len(o_sess), p=cat.popularity)
        cross &= (cross_p != focus[o_sess]) & ~cat.is_presale[cross_p] & ~is_presale[o_sess]
        l_ord = np.concatenate([np.arange(len(o_sess)), np.flatnonzero(cross)])
        l_prod = np.concatenate([focus[o_sess], cross_p[cross]])
        l_qty = np.concatenate([qty1, np.ones(int(cross.sum()), np.int64)])
        l_no = np.concatenate([np.ones(len(o_sess), np.int64), np.full(int(cross.sum()), 2)])
        prio = (kind[o_sess] != KIND_REPEAT)[l_ord]
        ok = _stock_cap(l_prod, l_qty, prio, start[o_sess][l_ord], np.where(cat.is_presale & fx.presale, 10**9, avail))
        main_ok = np.ones(len(o_sess), bool)
        main_ok[l_ord[(l_no == 1) & ~ok]] = False
        keep_line = ok & main_ok[l_ord]
        order[o_sess[~main_ok]] = False
        is_presale &= order
        remap = np.cumsum(main_ok) - 1
        return o_sess[main_ok], (remap[l_ord[keep_line]], l_prod[keep_line], l_qty[keep_line], l_no[keep_line])

    def _browse(self, new: dict[str, np.ndarray], rep: dict[str, np.ndarray], avail: np.ndarray,
                fx: DayEffects, rng: np.random.Generator) -> Browse:
        """What each visit looks at: landing page, searches, product and category pages, and the product it
        is about (``focus``: the landing product, else the first product viewed). Repeat purchases get a
        product in stock."""
        cat = self.cat
        n_new = len(new["src"])
        n_br = n_new + len(rep["src"])
        src = np.concatenate([new["src"], rep["src"]])
        bounce = np.concatenate([new["bounce"], rep["bounce"]])
        landing = np.concatenate([new["landing"], rep["landing"]])
        # repeat purchases land on an item in stock (their purchase must happen)
        rep_land = np.flatnonzero(rep["land_item"]) + n_new
        buyable = np.flatnonzero((avail > 50) & ~cat.is_presale)
        if not len(buyable):
            buyable = np.flatnonzero(avail > 0)
        pop_b = cat.popularity[buyable] / cat.popularity[buyable].sum()
        landing[rep_land] = buyable[rng.choice(len(buyable), len(rep_land), p=pop_b)]
        page = np.concatenate([new["page"], rep["page"]])
        land_item = landing >= 0
        page[land_item] = self.page_item0 + landing[land_item]
        search_p = np.where(src == SOURCE_INDEX["搜索"], 0.35, 0.18)
        k = np.where(bounce, 0, (rng.random(n_br) < search_p) * rng.geometric(0.6, n_br))
        m = np.where(bounce, 0, rng.geometric(0.42, n_br) - land_item.astype(np.int64))
        m = np.maximum(m, 0)
        c = np.where(bounce, 0, rng.poisson(0.4, n_br))
        # the last search of a visit may lead to a product of its category
        q_last = rng.choice(len(KEYWORDS), n_br, p=KW_WEIGHT)
        kw_cat = KW_CAT[q_last]
        results = np.where(kw_cat >= 0, self.cat_count[np.maximum(kw_cat, 0)], 0)
        clicked = np.full(n_br, NULL)
        click = (k > 0) & (results > 0) & (m > 0) & (rng.random(n_br) < 0.6)
        if click.any():
            ci = kw_cat[click]
            pick = (rng.random(int(click.sum())) * self.cat_count[ci]).astype(np.int64)
            clicked[click] = np.array([self.cat_products[a][b] for a, b in zip(ci, pick, strict=True)])
        first_item = np.where(click, clicked, rng.choice(len(cat), n_br, p=cat.popularity))
        focus = np.where(land_item, landing, np.where(m > 0, first_item, NULL))
        # repeat purchases need a buyable focus: replace out-of-stock picks
        rep_idx = n_new + np.flatnonzero(rep["buy"])
        f_rep = np.maximum(focus[rep_idx], 0)
        # a product converting worse also loses repeat buyers to other products (their timing is unchanged)
        put_off = rng.random(len(rep_idx)) > np.minimum(fx.product_conversion[f_rep], 1.0)
        bad = rep_idx[(focus[rep_idx] < 0) | (avail[f_rep] <= 50) | cat.is_presale[f_rep] | put_off]
        if len(bad):
            repl = buyable[rng.choice(len(buyable), len(bad), p=pop_b)]
            focus[bad] = repl
            m[bad] = np.maximum(m[bad], (~land_item[bad]).astype(np.int64))
            fix = bad[land_item[bad]]
            landing[fix] = focus[fix]
            page[fix] = self.page_item0 + focus[fix]
            fi = bad[~land_item[bad]]
            first_item[fi] = focus[fi]
            clicked[fi] = NULL
        return Browse(src, bounce, landing, page, land_item, k, m, c, q_last, clicked, first_item, focus)

    def _events(self, rng: np.random.Generator, blocks: list[tuple[np.ndarray, int]], s_start: np.ndarray,
                gap: np.ndarray, s_page: np.ndarray, land_prod: np.ndarray, focus: np.ndarray,
                first_item: np.ndarray, q_last: np.ndarray, clicked: np.ndarray) -> Events:
        """Scatter each visit's events into one array, in visit order, a visit's events ``gap`` apart.

        ``blocks`` are (count per visit, events per unit) in this order: landing page view, landing product
        view, searches (search + results page), product pages (one product_view each), category pages,
        favorite, add_to_cart, begin_checkout, order, payment.
        """
        cat = self.cat
        land_pv, land_pview = blocks[0][0], blocks[1][0]
        per_visit = np.sum([cnt * u for cnt, u in blocks], axis=0)
        offs = np.cumsum(per_visit) - per_visit
        # nothing happens after the end of the period
        s_start = np.minimum(s_start, self.end_us - 1 - np.maximum(per_visit - 1, 0) * gap)
        n_ev = int(per_visit.sum())
        e_type = np.zeros(n_ev, np.int8)
        e_prod = np.full(n_ev, NULL, np.int32)
        e_page = np.full(n_ev, NULL, np.int16)
        e_query = np.full(n_ev, NULL, np.int16)
        e_sess = np.repeat(np.arange(len(per_visit)), per_visit)
        base = offs.copy()
        # landing page view
        pos = base[land_pv > 0]
        e_type[pos], e_page[pos] = PV, s_page[land_pv > 0]
        e_prod[pos] = land_prod[land_pv > 0]
        base += land_pv
        pos = base[land_pview > 0]
        e_type[pos], e_prod[pos] = PRODUCT_VIEW, land_prod[land_pview > 0]
        e_page[pos] = s_page[land_pview > 0]
        base += land_pview
        # searches: a search event, then the results page; the last search may lead to the next product
        kk = blocks[2][0]
        rs, js = _seg_index(kk)
        pos = base[rs] + 2 * js
        qry = rng.choice(len(KEYWORDS), len(rs), p=KW_WEIGHT)
        last = js == kk[rs] - 1
        qry[last] = q_last[rs[last]]
        e_type[pos], e_query[pos], e_page[pos] = SEARCH, qry, PAGE_SEARCH
        e_type[pos + 1], e_page[pos + 1] = PV, PAGE_SEARCH
        results = np.where(KW_CAT[qry] >= 0, self.cat_count[np.maximum(KW_CAT[qry], 0)], 0)
        search_pos, search_clicked = pos, np.where(last, clicked[rs], NULL)
        base += 2 * kk
        # product pages: one product_view each
        mm = blocks[3][0]
        rm, jm = _seg_index(mm)
        prods = rng.choice(len(cat), len(rm), p=cat.popularity)
        first = jm == 0
        prods[first] = first_item[rm[first]]
        pos = base[rm] + jm
        e_type[pos], e_prod[pos], e_page[pos] = PRODUCT_VIEW, prods, self.page_item0 + prods
        base += mm
        cc = blocks[4][0]
        rc, jc = _seg_index(cc)
        pos = base[rc] + jc
        e_type[pos], e_page[pos] = PV, 4 + rng.integers(0, self.n_cat, len(rc))
        base += cc
        for (cnt, _u), etype in zip(blocks[5:], (FAVORITE, ADD_TO_CART, CHECKOUT, ORDER, PAYMENT), strict=True):
            sel = cnt > 0
            pos = base[sel]
            e_type[pos], e_prod[pos] = etype, focus[sel]
            base += cnt
        e_ts = s_start[e_sess] + (np.arange(n_ev) - offs[e_sess]) * gap[e_sess]
        return Events(e_type, e_prod, e_page, e_query, e_sess, e_ts, s_start, search_pos, rs, qry, results,
                      search_clicked)

    def _reviews(self, rng: np.random.Generator, first_id: int, oid: np.ndarray, product: np.ndarray,
                 customer: np.ndarray, paid: np.ndarray, delivered: np.ndarray, expected_days: np.ndarray,
                 eligible: np.ndarray, fake: np.ndarray, drops: tuple[np.ndarray, np.ndarray]
                 ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Reviews of delivered orders (and their order indexes): rating and DSR rise with quality, fall with
        lateness (logistics most), share the buyer's mood and lose ``drops`` (item points, points of every
        score: the planted problems); the brushing ring reviews every order with five stars."""
        n_o = len(oid)
        qual = self.cat.quality[product]
        excess = np.where(delivered >= 0, (delivered - paid) / US_DAY - expected_days, 0)
        mood = rng.normal(0, 0.35, n_o)
        item_drop, all_drop = drops
        d_item = 1.6 + 3.6 * qual + mood + rng.normal(0, 0.4, n_o) - item_drop - all_drop
        d_serv = 4.6 + mood + rng.normal(0, 0.35, n_o) - 0.15 * np.maximum(excess, 0) - all_drop
        d_log = 4.9 + mood + rng.normal(0, 0.35, n_o) - 0.55 * np.maximum(excess, 0) - all_drop
        rating = 0.55 * d_item + 0.25 * d_log + 0.2 * d_serv + rng.normal(0, 0.3, n_o)
        rv_t = delivered + (rng.exponential(1.5, n_o) * US_DAY).astype(np.int64)
        review = (delivered >= 0) & (rv_t < self.end_us) & eligible & ((rng.random(n_o) < 0.35) | fake)
        rv = np.flatnonzero(review)

        def score(x: np.ndarray) -> np.ndarray:
            return np.where(fake[rv], 5, np.clip(np.rint(x[rv]), 1, 5)).astype(np.int64)

        return {"review_id": first_id + np.arange(len(rv)),
                "order_id": oid[rv], "product": product[rv], "customer": customer[rv], "created_at": rv_t[rv],
                "rating": score(rating), "dsr_item": score(d_item), "dsr_service": score(d_serv),
                "dsr_logistics": score(d_log), "fake": fake[rv], "pick": rng.integers(0, 1000, len(rv))}, rv

    def _review_service(self, rng: np.random.Generator, reviews: dict[str, np.ndarray], rv: np.ndarray,
                        carrier: np.ndarray, paid: np.ndarray, delivered: np.ndarray) -> dict[str, np.ndarray]:
        """The courier of each reviewed order (``rv``: order indexes) and the aspects its review talks
        about (none for fake ones)."""
        said = review_aspects(rng, self.service, self.cat, reviews["product"], arrived_late(paid, delivered)[rv],
                              carrier[rv], reviews["dsr_item"], reviews["dsr_service"], reviews["dsr_logistics"],
                              reviews["rating"])
        said[reviews["fake"]] = 0
        return {"carrier": carrier[rv], "aspects": said}

    # ------------------------------------------------------------------ helpers
    def _ring(self, st: State, rng: np.random.Generator, n_fake: int, *, n_new_vis: int, day_us: int
              ) -> dict[str, np.ndarray]:
        """The brushing ring: 12 accounts on 3 addresses and 2 devices; each fake order picks an account."""
        empty = np.zeros(0, np.int64)
        if not n_fake:
            return {"vid": empty, "cid": empty, "device": empty, "city": empty, "addr": empty, "dev": empty,
                    "cid_new": empty, "registered": empty, "city_new": empty}
        accounts = st.ring
        fresh = accounts is None
        if accounts is None:
            n = 12
            accounts = {"cid": st.next_customer + np.arange(n), "vid": st.next_visitor + n_new_vis + np.arange(n),
                        "city": np.full(n, int(rng.integers(len(CITIES)))), "device": np.zeros(n, np.int64),
                        "addr": -1 - np.arange(n) % 3, "dev": -1 - np.arange(n) % 2,
                        "registered": day_us - rng.integers(1, 5, n) * US_DAY - rng.integers(0, US_DAY, n)}
        who = rng.integers(0, len(accounts["cid"]), n_fake)
        out = {key: accounts[key][who] for key in ("vid", "cid", "device", "city", "addr", "dev")}
        out["cid_new"] = accounts["cid"] if fresh else empty
        out["registered"] = accounts["registered"] if fresh else empty
        out["city_new"] = accounts["city"] if fresh else empty
        if fresh:
            out["accounts"] = accounts["cid"]
            for key, values in accounts.items():
                out["acct_" + key] = values
        return out

    def _ad_spend(self, rng: np.random.Generator, creative: np.ndarray, o_all: np.ndarray, paid: np.ndarray,
                  pay: np.ndarray, day_us: int) -> dict[str, np.ndarray]:
        """One row per creative: clicks are its visits, impressions follow its CTR, cost its pricing."""
        n_cr = len(self.creatives)
        clicks = np.bincount(creative[creative >= 0], minlength=n_cr)
        o_cr = np.where(o_all < len(creative), creative[np.minimum(o_all, len(creative) - 1)], NULL)
        won = (o_cr >= 0) & (paid >= day_us) & (paid < day_us + US_DAY)
        conversions = np.bincount(o_cr[won], minlength=n_cr)
        value = np.bincount(o_cr[won], weights=pay[won], minlength=n_cr).astype(np.int64)
        ctr = np.array([c.ctr for c in self.creatives]) * rng.lognormal(0, 0.06, n_cr)
        impressions = np.maximum(np.rint(clicks / ctr), clicks).astype(np.int64)
        price = np.array([c.price for c in self.creatives]) * rng.lognormal(0, 0.05, n_cr)
        pricing = np.array([SOURCES[c.source].pricing for c in self.creatives])
        cost = np.select([pricing == "cpc", pricing == "cpm"],
                         [clicks * price * 100, impressions / 1000 * price * 100], value * price)
        return {"creative": np.arange(n_cr), "impressions": impressions, "clicks": clicks,
                "cost": np.rint(cost).astype(np.int64), "conversions": conversions, "value": value}


def commit(st: State, day: Day, day_idx: int, expected_units: np.ndarray) -> None:
    """Apply a generated day to the state: counters, stock and restocks, visitors, customers, presales."""
    for name, inc in day.counters.items():
        setattr(st, name, getattr(st, name) + inc)
    assert day.sold is not None and day.pool_add is not None and day.pool_remove is not None
    st.stock = np.maximum(st.stock - day.sold, 0)
    arrive = st.restock_day == day_idx
    st.stock[arrive] += (expected_units[arrive] * 30).astype(np.int64) + 50
    st.restock_day[arrive] = -1
    low = (st.stock < expected_units * 7) & (st.restock_day < 0)
    st.restock_day[low] = day_idx + 3
    pool = np.concatenate([st.pool, day.pool_add])
    pool = pool[~np.isin(pool, day.pool_remove)]
    st.pool = pool[-max(3 * len(day.pool_add), 1000):]
    pop = st.customers
    for name, values in day.repeat_updates.items():
        getattr(pop, name)[:] = values
    pop.extend(**day.new_customers)
    if day.ring is not None:
        st.ring = {key.removeprefix("acct_"): v for key, v in day.ring.items() if key.startswith("acct_")}
    if day.new_pending.get("order") is not None and len(day.new_pending["order"]):
        st.pending = {k: np.concatenate([st.pending.get(k, np.zeros(0, v.dtype)), v])
                      for k, v in day.new_pending.items()}
