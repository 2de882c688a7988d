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
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from junshi.i18n import Lang, Text, get_lang
from junshi.risk.graph import Component, ring_components
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


def _orders(wh: Writable, shop_id: str, start: dt.date, end: dt.date,
            only: tuple[list[str], float] | None = None) -> pd.DataFrame:
    """The orders placed from ``start`` to ``end`` with the account's registration, the buyer's first order and
    the burst each is in (``burst_product``, ``burst_n``, ``burst_usual``; none out of a burst: an order with two
    hot products, its first line's). ``only`` (ring buyers, threshold): those that could reach the threshold with
    every signal not read yet (the visit's views, a new account, the review): the ring buyers' orders, the first
    orders of accounts registered about 0.5-30 days before, and the orders of the bursts' days only where a burst
    without a new account could reach it. A shop with rollups reads the buyers' first orders
    (``rollup_first_orders``) and the products' daily lines (``rollup_placed``), then only the lines of these
    orders on the hot days."""
    from junshi import rollup
    from junshi.rollup.risk import first_orders_sql, placed_lines_sql
    from junshi.rollup.tables import FIRST_ORDERS, PLACED

    buyers, threshold = only or ([], 0.0)
    later = _LATER - WEIGHTS["new_account"]
    params = {"shop": shop_id, "lo": start, "hi": end + dt.timedelta(days=1), "from": start - dt.timedelta(days=28),
              "factor": BURST_FACTOR, "all": only is None, "buyers": buyers, "ring": WEIGHTS["ring"],
              "burst": WEIGHTS["burst"], "later": later, "new": WEIGHTS["new_account"], "threshold": threshold}
    stored = rollup.built(wh.con, shop_id)
    lines = placed_lines_sql("o.created_at >= $from AND o.created_at < $hi")
    per = (f"SELECT product_id, date AS day, lines AS n FROM {PLACED.name} WHERE shop_id = $shop AND date >= $from "
           f"AND date < $hi" if stored else f"SELECT product_id, day, count(*) AS n FROM ({lines}) GROUP BY ALL")

    def firsts(buyers: str) -> str:  # the first orders and registrations of the buyers meeting SQL ``buyers``
        return (f"SELECT customer_id, first_at, registered_at FROM {FIRST_ORDERS.name} WHERE shop_id = $shop "
                f"AND {buyers}" if stored else first_orders_sql(buyers))

    young = "(epoch({at}) - epoch(registered_at)) / 86400 BETWEEN 0.5 - 1e-6 AND 30 + 1e-6"
    columns = "order_id, customer_id, created_at, pay_amount, session_id, ip_hash"
    placed = "shop_id = $shop AND created_at >= $lo AND created_at < $hi"
    picked = [f"SELECT {columns} FROM orders WHERE {placed}"]  # every order
    if only is not None:
        some = ["customer_id IN (SELECT unnest($buyers::VARCHAR[]))"] if buyers else []
        if WEIGHTS["burst"] + later >= threshold - 1e-9:  # a burst out of a ring can reach it without a new account
            some.append("CAST(created_at AS DATE) IN (SELECT day FROM hot)")
        picked = [f"SELECT {columns} FROM orders WHERE {placed} AND ({' OR '.join(some) or 'FALSE'})",
                  f"SELECT {', '.join(f'o.{c}' for c in columns.split(', '))} FROM orders o JOIN "
                  f"(SELECT customer_id, first_at FROM ({firsts('TRUE')}) WHERE first_at >= $lo AND first_at < $hi "
                  f"AND {young.format(at='first_at')}) y ON o.customer_id = y.customer_id "
                  "AND o.created_at = y.first_at WHERE o.shop_id = $shop"]
    new = f"coalesce(created_at = first_at AND {young.format(at='created_at')}, FALSE)"
    return wh.con.execute(f"""
        WITH per AS ({per}),
             hot AS (SELECT product_id, day, n, usual FROM per
                     JOIN (SELECT product_id, median(n) AS usual FROM per GROUP BY 1) USING (product_id)
                     WHERE n >= $factor * usual + 5),
             c AS MATERIALIZED ({" UNION ".join(picked)}),
             b AS (SELECT DISTINCT ON (l.order_id) l.order_id, l.product_id AS burst_product, h.n AS burst_n,
                          h.usual AS burst_usual
                   FROM (SELECT i.order_id, i.line_no, i.product_id, CAST(c.created_at AS DATE) AS day
                         FROM order_items i JOIN c USING (order_id) WHERE i.shop_id = $shop
                         AND i.product_id IN (SELECT product_id FROM hot)
                         AND CAST(c.created_at AS DATE) IN (SELECT day FROM hot)) l
                   JOIN hot h USING (product_id, day) ORDER BY l.order_id, l.line_no, l.product_id)
        SELECT c.*, f.registered_at, f.first_at AS first_order_at, b.burst_product, b.burst_n, b.burst_usual
        FROM c LEFT JOIN b USING (order_id)
        LEFT JOIN ({firsts("customer_id IN (SELECT customer_id FROM c)")}) f USING (customer_id)
        WHERE $all OR coalesce(customer_id IN (SELECT unnest($buyers::VARCHAR[])), FALSE)::INT * $ring
              + (burst_n IS NOT NULL)::INT * $burst + $later + {new}::INT * $new >= $threshold - 1e-9
        ORDER BY order_id""", params).df()


def placed_per_day(wh: Writable, shop_id: str, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    """Orders placed per shop-local day from ``start`` to ``end`` (days without orders left out)."""
    rows = wh.con.execute("SELECT CAST(created_at AS DATE), count(*) FROM orders WHERE shop_id = ? "
                          "AND created_at >= ? AND created_at < ? GROUP BY 1",
                          [shop_id, start, end + dt.timedelta(days=1)]).fetchall()
    return {d: int(n) for d, n in rows}


def _views(wh: Writable, shop_id: str, orders: pd.DataFrame) -> pd.Series:
    """Page or item views of each order's visit before the order was placed (NaN: no visit, or a shop without
    events), read only for ``orders`` (their sessions' events up to the last order's time)."""
    out = pd.Series(float("nan"), index=orders.index)
    visits = orders.loc[orders["session_id"].notna(), ["order_id", "session_id", "created_at"]]
    has_events = bool(wh.con.execute("SELECT count(*) FROM (SELECT 1 FROM events WHERE shop_id = ? LIMIT 1)",
                                     [shop_id]).fetchall()[0][0])
    if visits.empty or not has_events:
        return out
    wh.con.register("_risk_visits", visits)
    try:
        counts = wh.con.execute("""
            SELECT r.order_id, count(e.session_id) AS views FROM _risk_visits r
            LEFT JOIN (SELECT session_id, ts FROM events WHERE shop_id = $shop
                       AND event_type IN ('page_view', 'product_view') AND ts <= $last
                       AND session_id IN (SELECT session_id FROM _risk_visits)) e
                   ON e.session_id = r.session_id AND e.ts <= r.created_at
            GROUP BY 1""", {"shop": shop_id, "last": visits["created_at"].max()}).df()
    finally:
        wh.con.unregister("_risk_visits")
    views = counts.set_index("order_id")["views"]
    return out.fillna(orders["order_id"].map(views).astype("float64"))


def _reviews(wh: Writable, shop_id: str, end: dt.date) -> pd.DataFrame:
    rows = wh.con.execute("""
        SELECT r.order_id, r.customer_id, r.rating, r.text,
               date_diff('hour', o.delivered_at, r.created_at) / 24.0 AS days_after
        FROM reviews r LEFT JOIN orders o ON o.shop_id = r.shop_id AND o.order_id = r.order_id
        WHERE r.shop_id = ? AND r.created_at < ?""", [shop_id, end + dt.timedelta(days=31)]).df()
    if rows.empty:
        return rows.assign(template=pd.Series(dtype="int64"))
    return rows.assign(template=template_buyers(rows))


def _quick_five_stars(wh: Writable, shop_id: str, end: dt.date, order_ids: pd.Series) -> bool:
    """Whether any of the orders has a five-star review within the quick-review days of delivery (only then can
    a templated review add to its score)."""
    found = wh.con.execute("""
        SELECT count(*) FROM reviews r JOIN orders o ON o.shop_id = r.shop_id AND o.order_id = r.order_id
        WHERE r.shop_id = ? AND r.created_at < ? AND r.rating = 5 AND r.order_id IN (SELECT unnest(?::VARCHAR[]))
        AND date_diff('hour', o.delivered_at, r.created_at) / 24.0 <= ?""",
        [shop_id, end + dt.timedelta(days=31), order_ids.astype(str).tolist(), QUICK_REVIEW_DAYS]).fetchall()
    return bool(found[0][0])


def _ip_buyers(wh: Writable, shop_id: str, end: dt.date, ips: pd.Series) -> dict[str, int]:
    """Buyers per IP (every order up to ``end``; a shop with rollups: its stored fingerprints), for the given IPs."""
    from junshi import rollup
    from junshi.rollup.risk import prints_sql
    from junshi.rollup.tables import PRINTS

    prints = (f"SELECT * FROM {PRINTS.name} WHERE shop_id = $shop AND kind = 'ip_hash' AND first_at < $hi"
              if rollup.built(wh.con, shop_id) else prints_sql(lambda _: "created_at < $hi", ("ip_hash",)))
    rows = wh.con.execute(f"SELECT value, count(*) FROM ({prints}) WHERE value IN (SELECT unnest($ips::VARCHAR[])) "
                          "GROUP BY 1", {"shop": shop_id, "hi": end + dt.timedelta(days=1),
                                         "ips": ips.dropna().unique().tolist()}).fetchall()
    return {str(ip): int(n) for ip, n in rows}


SIGNALS = tuple(WEIGHTS)
"""The signals in the order they add up and are explained."""
_LATER = WEIGHTS["no_browse"] + WEIGHTS["new_account"] + WEIGHTS["template_review"]
"""What the signals read last (the visit's views, the review texts) can add to an order's score."""


def score_frame(wh: Writable, shop_id: str, start: dt.date, end: dt.date, threshold: float = DEFAULT_THRESHOLD,
                *, every: bool = True) -> pd.DataFrame:
    """Every order placed from ``start`` to ``end`` (shop-local days), highest score first: ``order_id``, ``day``,
    ``customer_id``, ``pay_amount``, ``score``, ``suspect``, ``component`` (its ring), a column per signal and
    what its reason says.

    ``every=False``: only the orders that could be suspects (what a page listing the suspects needs, without
    reading every order and visit of the period; :func:`placed_per_day` counts them all). The visit's views and
    the review add at most ``_LATER`` to a score, so an order neither in a ring nor in a burst is not read at all
    (when that is below ``threshold``), and one that cannot reach it even with them is not read for them: the
    suspects and their scores are those of scoring every order.
    """
    rings = ring_components(wh, shop_id, end)
    ring_of = {b: c for c in rings for b in c.buyers}
    some = not every and threshold - 1e-9 > _LATER  # an order with neither cannot reach the threshold
    orders = _orders(wh, shop_id, start, end, (list(ring_of), threshold) if some else None)
    orders["day"] = orders["created_at"].dt.date
    comp = orders["customer_id"].map(ring_of)
    orders["component"] = comp.map(lambda c: c.id, na_action="ignore").astype("Int64")
    orders["ring"] = comp.notna()
    orders["burst"] = orders["burst_n"].notna()
    partial = orders["ring"] * WEIGHTS["ring"] + orders["burst"] * WEIGHTS["burst"]
    asked = orders.index if every else orders.index[partial + _LATER >= threshold - 1e-9]
    views = _views(wh, shop_id, orders.loc[asked])
    orders["no_browse"] = (views == 0).reindex(orders.index, fill_value=False)
    age = (orders["created_at"] - orders["registered_at"]).dt.total_seconds() / 86400
    orders["age"] = age
    orders["new_account"] = (orders["no_browse"] & orders["registered_at"].notna()
                             & (orders["created_at"] == orders["first_order_at"]) & age.between(0.5, 30))
    partial += orders["no_browse"] * WEIGHTS["no_browse"] + orders["new_account"] * WEIGHTS["new_account"]
    near = orders.index if every else orders.index[partial + WEIGHTS["template_review"] >= threshold - 1e-9]
    orders["template_review"], orders["review_days"], orders["review_similar"] = False, float("nan"), 0
    if len(near) and (every or _quick_five_stars(wh, shop_id, end, orders.loc[near, "order_id"])):
        rv = _reviews(wh, shop_id, end).drop_duplicates("order_id")
        rv = orders[["order_id"]].merge(rv, on="order_id", how="left")
        hit = ((rv["rating"] == 5) & rv["days_after"].notna() & (rv["days_after"] <= QUICK_REVIEW_DAYS)
               & (rv["template"] >= TEMPLATE_BUYERS)).to_numpy()
        orders["template_review"] = hit & orders.index.isin(near)
        orders["review_days"], orders["review_similar"] = rv["days_after"].to_numpy(), rv["template"].to_numpy()
    raw = sum((orders[s] * WEIGHTS[s] for s in SIGNALS), pd.Series(0.0, index=orders.index))
    # rounded as Python rounds (0.35 + 0.15 is 0.5, not 0.4999...), once per distinct sum
    orders["score"] = raw.map({x: min(round(x, 4), 1.0) for x in raw.unique()})
    orders["suspect"] = orders["score"] >= threshold
    signalled = orders.loc[orders[list(SIGNALS)].any(axis=1), "ip_hash"]
    orders["ip_buyers"] = orders["ip_hash"].map(_ip_buyers(wh, shop_id, end, signalled)).fillna(0).astype("int64")
    orders.attrs["rings"] = {c.id: c for c in rings}
    return orders.sort_values(["score", "order_id"], ascending=[False, True], ignore_index=True)


def score_orders(wh: Writable, shop_id: str, start: dt.date, end: dt.date,
                 threshold: float = DEFAULT_THRESHOLD) -> list[OrderRisk]:
    """Risk of every order placed from ``start`` to ``end`` (shop-local days), highest score first."""
    return order_risks(score_frame(wh, shop_id, start, end, threshold))


def order_risks(frame: pd.DataFrame) -> list[OrderRisk]:
    """The rows of a :func:`score_frame` (or a part of it) as scores with their reasons."""
    rings: dict[int, Component] = frame.attrs["rings"]
    return [OrderRisk(str(r["order_id"]), float(r["score"]), bool(r["suspect"]), _reasons(r, rings),
                      [s for s in SIGNALS if r[s]],
                      None if pd.isna(r["pay_amount"]) else float(r["pay_amount"]),
                      r["customer_id"] if isinstance(r["customer_id"], str) else None,
                      None if pd.isna(r["component"]) else int(r["component"]))
            for r in frame.to_dict("records")]


def _reasons(r: dict[Any, Any], rings: dict[int, Component]) -> list[Text]:
    """The reasons of one scored order, in the order of its signals."""
    reasons: list[Text] = []
    if r["no_browse"]:
        reasons.append(Text("No page or item viewed before ordering", "下单前未浏览任何页面或商品"))
    if r["ring"]:
        c = rings[int(r["component"])]
        en = " and ".join({"address_hash": "addresses", "device_hash": "devices"}[k] for k in sorted(c.kinds))
        zh = "与".join({"address_hash": "地址", "device_hash": "设备"}[k] for k in sorted(c.kinds))
        n = len(c.buyers)
        reasons.append(Text(f"Shares {en} with {n - 1} other buyers (group of {n}, density {c.density:.2f})",
                            f"与其他 {n - 1} 名买家共用{zh}（团伙 {n} 人，密度 {c.density:.2f}）"))
    if r["new_account"]:
        age = r["age"]
        reasons.append(Text(f"First order from an account registered {age:.0f} days before, with no visit",
                            f"注册 {age:.0f} 天后首次下单且此前无浏览"))
    if r["burst"]:
        n, product, usual = int(r["burst_n"]), r["burst_product"], float(r["burst_usual"])
        reasons.append(Text(f"{n} orders of {product} that day (usually {usual:.0f})",
                            f"商品 {product} 当天 {n} 单（平时 {usual:.0f} 单）"))
    if r["template_review"]:
        days, similar = float(r["review_days"]), int(r["review_similar"])
        reasons.append(Text(f"Five stars {days:.1f} days after delivery, text like {similar} other buyers'",
                            f"签收 {days:.1f} 天后五星好评，内容与 {similar} 名其他买家雷同"))
    if reasons and r["ip_buyers"] >= RING_IP_BUYERS:
        k = r["ip_buyers"]
        reasons.append(Text(f"Its IP is shared by {k} buyers", f"其 IP 被 {k} 名买家共用"))
    return reasons
