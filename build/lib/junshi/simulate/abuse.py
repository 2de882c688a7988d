"""Payment and after-sale abuse planted into a simulated shop, with honest look-alikes, and their truth.

Run by :func:`junshi.simulate.simulate` after the days are written (before the rollups are built), in the
last :data:`WINDOW_DAYS` days. Each case is a few honest buyers turned abusive (their new orders copy one of
their own orders: same address, device, city), or a delivery address shared by several new accounts:

- ``payments``: many orders placed and left unpaid (closed a day later);
- ``refunds``: many paid orders, nearly all refunded;
- ``reviewers`` (职业差评师): delivered orders of different products, each reviewed with one star within
  two days of delivery.

Honest look-alikes: ``one_return`` (a buyer's only order refunded), ``family_returns`` (four buyers of one
family on one address, with several returns among their orders), ``unhappy`` (two negative reviews),
``hesitant`` (one or two unpaid orders). Every case is in ``sim_truth_abuse`` (case_id, kind, honest,
level, id): the buyers and addresses a detector may name.
"""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np
import pandas as pd

from junshi.simulate.vocab import GENERIC_REVIEWS, REFUND_REASONS, STATUSES

TRUTH = "sim_truth_abuse"
WINDOW_DAYS = 28
BUYER_CASES = 3  # abusive buyers per kind
GROUP_ACCOUNTS = 3  # accounts of the one abusive address per kind
US_DAY = 86_400_000_000


def _hash(shop: str, key: str) -> str:
    return hashlib.md5(f"{shop}:abuse:{key}".encode()).hexdigest()[:16]


class _Planter:
    """Adds orders, refunds and reviews to one shop, and collects the truth rows."""

    def __init__(self, con: duckdb.DuckDBPyConnection, shop: str, lang: str, rng: np.random.Generator) -> None:
        self.con, self.shop, self.rng = con, shop, rng
        self.zh = lang == "zh"
        first, last = con.execute("SELECT min(created_at), max(created_at) FROM orders WHERE shop_id = ?",
                                  [shop]).fetchall()[0]
        self.end = pd.Timestamp(last).normalize() + pd.Timedelta(days=1)
        self.start = max(pd.Timestamp(first), self.end - pd.Timedelta(days=WINDOW_DAYS))
        self.next = {k: int(con.execute(f"SELECT coalesce(max(TRY_CAST(substr({col}, {len(k) + 1}) AS BIGINT)), 0) "
                                        f"FROM {t} WHERE shop_id = ?", [shop]).fetchall()[0][0]) + 1
                     for k, (t, col) in {"O": ("orders", "order_id"), "R": ("refunds", "refund_id"),
                                         "RV": ("reviews", "review_id"), "S": ("sessions", "session_id"),
                                         "E": ("events", "event_id")}.items()}
        direct = con.execute("SELECT source FROM sessions WHERE shop_id = ? AND medium = 'direct' LIMIT 1",
                             [shop]).fetchall()
        self.direct = str(direct[0][0]) if direct else None
        self.truth: list[tuple[str, str, bool, str, str]] = []
        self.taken: set[str] = set()
        self.products = [r[0] for r in con.execute("SELECT product_id FROM products WHERE shop_id = ? "
                                                   "ORDER BY product_id", [shop]).fetchall()]

    def _id(self, kind: str) -> str:
        self.next[kind] += 1
        return f"{kind}{self.next[kind] - 1}"

    def buyers(self, n: int, *, min_orders: int = 1, max_orders: int = 10**6) -> list[tuple[str, str]]:
        """``n`` honest buyers not used yet and never refunded, with their first delivered order: (customer,
        order); ``min_orders``/``max_orders``: how many delivered orders they have."""
        rows = self.con.execute("""
            SELECT customer_id, arg_min(order_id, created_at), count(*) FROM orders
            WHERE shop_id = ? AND customer_id IS NOT NULL AND delivered_at IS NOT NULL AND cancelled_at IS NULL
              AND order_id NOT IN (SELECT order_id FROM sim_truth_fake_orders WHERE shop_id = ?)
              AND customer_id NOT IN (SELECT customer_id FROM sim_truth_fake_orders WHERE shop_id = ?)
              AND customer_id NOT IN (SELECT o.customer_id FROM refunds r JOIN orders o
                                      ON o.shop_id = r.shop_id AND o.order_id = r.order_id WHERE r.shop_id = ?)
            GROUP BY 1 HAVING count(*) BETWEEN ? AND ? ORDER BY 1""",
                                [self.shop, self.shop, self.shop, self.shop, min_orders, max_orders]).fetchall()
        free = [(str(c), str(o)) for c, o, _ in rows if str(c) not in self.taken]
        picked = [free[i] for i in sorted(self.rng.choice(len(free), size=min(n, len(free)), replace=False))]
        self.taken |= {c for c, _ in picked}
        return picked

    def _when(self, n: int, *, last_days: int = 0) -> list[pd.Timestamp]:
        span = (self.end - pd.Timedelta(days=last_days) - self.start).total_seconds()
        return sorted(self.start + pd.Timedelta(seconds=float(s)) for s in self.rng.uniform(0, span, n))

    def copy_orders(self, rows: list[dict[str, object]]) -> None:
        """New orders copying a template order of the same buyer (all its lines), with the given times,
        status, product (None: the template's), address (None: the template's); each placed in a direct
        visit of its own (the item viewed, the order and its payment as events)."""
        m = pd.DataFrame(rows, columns=["new", "old", "created_at", "paid_at", "shipped_at", "delivered_at",
                                        "cancelled_at", "status", "product", "address"])
        m["sid"] = [self._id("S") for _ in range(len(m))]
        m["eid"] = [self._id("E") for _ in range(len(m))]
        con = self.con
        con.register("_abuse_new", m)
        con.execute("""
            INSERT INTO orders BY NAME SELECT o.* REPLACE (m.new AS order_id, m.sid AS session_id,
                coalesce(?, o.source) AS source,
                m.created_at::TIMESTAMP AS created_at, m.paid_at::TIMESTAMP AS paid_at,
                m.shipped_at::TIMESTAMP AS shipped_at, m.delivered_at::TIMESTAMP AS delivered_at,
                m.cancelled_at::TIMESTAMP AS cancelled_at, m.status AS status,
                CAST(m.paid_at::TIMESTAMP + INTERVAL 4 DAY AS DATE) AS promised_at,
                coalesce(m.address::VARCHAR, o.address_hash) AS address_hash)
            FROM orders o JOIN _abuse_new m ON o.order_id = m.old WHERE o.shop_id = ?""", [self.direct, self.shop])
        con.execute("""
            INSERT INTO sessions BY NAME SELECT s.* REPLACE (m.sid AS session_id, o.customer_id AS customer_id,
                m.created_at::TIMESTAMP - INTERVAL 3 MINUTE AS started_at, coalesce(?, s.source) AS source,
                CASE WHEN ? IS NULL THEN s.medium ELSE 'direct' END AS medium, NULL AS campaign,
                'item/' || coalesce(m.product::VARCHAR, i.product_id) AS landing_page)
            FROM _abuse_new m JOIN orders o ON o.shop_id = ? AND o.order_id = m.new
            JOIN sessions s ON s.shop_id = o.shop_id AND s.session_id = (
                SELECT session_id FROM orders WHERE shop_id = o.shop_id AND order_id = m.old)
            JOIN order_items i ON i.shop_id = o.shop_id AND i.order_id = m.old AND i.line_no = 1""",
                    [self.direct, self.direct, self.shop])
        con.execute("""
            INSERT INTO events (shop_id, event_id, session_id, visitor_id, customer_id, ts, event_type, product_id,
                                page)
            SELECT o.shop_id, m.eid || '.' || k, o.session_id, o.visitor_id, o.customer_id,
                   CASE k WHEN 1 THEN o.created_at - INTERVAL 2 MINUTE WHEN 2 THEN o.created_at ELSE o.paid_at END,
                   CASE k WHEN 1 THEN 'product_view' WHEN 2 THEN 'order' ELSE 'payment' END,
                   coalesce(m.product::VARCHAR, i.product_id),
                   CASE WHEN k = 1 THEN 'item/' || coalesce(m.product::VARCHAR, i.product_id) END
            FROM _abuse_new m JOIN orders o ON o.shop_id = ? AND o.order_id = m.new
            JOIN order_items i ON i.shop_id = o.shop_id AND i.order_id = m.old AND i.line_no = 1,
            range(1, 4) AS r(k) WHERE k < 3 OR o.paid_at IS NOT NULL""", [self.shop])
        con.execute("""
            INSERT INTO order_items BY NAME SELECT i.* REPLACE (m.new AS order_id,
                coalesce(m.product::VARCHAR, i.product_id) AS product_id)
            FROM order_items i JOIN _abuse_new m ON i.order_id = m.old WHERE i.shop_id = ?""", [self.shop])
        con.unregister("_abuse_new")

    def order(self, old: str, when: pd.Timestamp, *, paid: bool, product: str | None = None,
              address: str | None = None) -> dict[str, object]:
        """An order row for :meth:`copy_orders`: unpaid (closed a day later) or paid, shipped and delivered."""
        def at(days: float) -> pd.Timestamp | None:
            t = when + pd.Timedelta(days=days)
            return t if t < self.end else None

        closed = at(1) if not paid else None
        delivered = at(3) if paid else None
        status = ("completed" if delivered is not None else "paid") if paid else (
            "closed" if closed is not None else "pending")
        return {"new": self._id("O"), "old": old, "created_at": when, "paid_at": when + pd.Timedelta(minutes=2)
                if paid else None, "shipped_at": at(1) if paid else None, "delivered_at": delivered,
                "cancelled_at": closed, "status": STATUSES[status][0 if self.zh else 1], "product": product,
                "address": address}

    def refund(self, orders: list[str]) -> None:
        """A full refund of each order, a day after delivery (or after payment when not delivered)."""
        reasons = [r[0 if self.zh else 1] for r in REFUND_REASONS]
        for oid in orders:
            self.con.execute("""
                INSERT INTO refunds (shop_id, refund_id, order_id, product_id, created_at, amount, quantity, reason)
                SELECT o.shop_id, ?, o.order_id, i.product_id,
                       least(coalesce(o.delivered_at, o.paid_at) + INTERVAL 1 DAY, ?::TIMESTAMP - INTERVAL 1 SECOND),
                       o.pay_amount, i.quantity, ?
                FROM orders o JOIN order_items i ON i.shop_id = o.shop_id AND i.order_id = o.order_id
                  AND i.line_no = 1
                WHERE o.shop_id = ? AND o.order_id = ?""",
                [self._id("R"), self.end, reasons[int(self.rng.integers(len(reasons)))], self.shop, oid])

    def review(self, oid: str, rating: int) -> None:
        """A review of a delivered order within two days of delivery."""
        text = GENERIC_REVIEWS[rating][int(self.rng.integers(len(GENERIC_REVIEWS[rating])))][0 if self.zh else 1]
        hours = float(self.rng.uniform(2, 40))
        self.con.execute("""
            INSERT INTO reviews (shop_id, review_id, order_id, product_id, customer_id, created_at, rating, dsr_item,
                                 dsr_service, dsr_logistics, text)
            SELECT o.shop_id, ?, o.order_id, i.product_id, o.customer_id,
                   least(o.delivered_at + to_microseconds(CAST(? * 3600e6 AS BIGINT)),
                         ?::TIMESTAMP - INTERVAL 1 SECOND), ?, ?, ?, ?, ?
            FROM orders o JOIN order_items i ON i.shop_id = o.shop_id AND i.order_id = o.order_id AND i.line_no = 1
            WHERE o.shop_id = ? AND o.order_id = ? AND o.delivered_at IS NOT NULL""",
            [self._id("RV"), hours, self.end, rating, rating, min(rating + 1, 5), rating, text, self.shop, oid])

    def note(self, case: str, kind: str, honest: bool, level: str, ids: list[str]) -> None:
        self.truth += [(case, kind, honest, level, i) for i in ids]


def _abusers(p: _Planter, kind: str, orders: tuple[int, int], paid: bool, plant: str) -> None:
    """``BUYER_CASES`` buyers and one address of ``GROUP_ACCOUNTS`` accounts doing ``kind``."""
    cases = [[b] for b in p.buyers(BUYER_CASES)]
    group = p.buyers(GROUP_ACCOUNTS)
    address = _hash(p.shop, f"{kind}-group")
    for i, members in enumerate([*cases, group]):
        rows = []
        for _, old in members:
            n = int(p.rng.integers(*orders)) if len(members) == 1 else 3
            products = p.rng.choice(p.products, size=n, replace=False) if plant == "review" else [None] * n
            for when, product in zip(p._when(n, last_days=4), products, strict=True):
                rows.append(p.order(old, when, paid=paid, product=product,
                                    address=address if len(members) > 1 else None))
        p.copy_orders(rows)
        new = [str(r["new"]) for r in rows]
        if plant == "refund":
            p.refund(new)
        elif plant == "review":
            for oid in new:
                p.review(oid, 1)
        case = f"{kind}-{i}"
        p.note(case, kind, False, "buyer", [c for c, _ in members])
        addresses = [address] if len(members) > 1 else [r[0] for r in p.con.execute(
            "SELECT DISTINCT address_hash FROM orders WHERE shop_id = ? AND order_id IN (SELECT unnest(?)) "
            "AND address_hash IS NOT NULL", [p.shop, new]).fetchall()]
        p.note(case, kind, False, "address", addresses)


def _lookalikes(p: _Planter) -> None:
    """Honest buyers that look a little like abusers."""
    for cid, old in p.buyers(15, max_orders=1):
        p.refund([old])
        p.note(f"one_return-{cid}", "one_return", True, "buyer", [cid])
    for fam in range(2):
        members = p.buyers(4, min_orders=2)
        address = _hash(p.shop, f"family-{fam}")
        p.con.execute("UPDATE orders SET address_hash = ? WHERE shop_id = ? AND customer_id IN (SELECT unnest(?))",
                      [address, p.shop, [c for c, _ in members]])
        p.refund([old for _, old in members[:3]])
        p.note(f"family_returns-{fam}", "family_returns", True, "address", [address])
        p.note(f"family_returns-{fam}", "family_returns", True, "buyer", [c for c, _ in members])
    for cid, old in p.buyers(5, min_orders=2):
        for oid in [old, *p.con.execute("SELECT order_id FROM orders WHERE shop_id = ? AND customer_id = ? "
                                        "AND delivered_at IS NOT NULL AND order_id <> ? ORDER BY order_id LIMIT 1",
                                        [p.shop, cid, old]).fetchall()[0]]:
            p.con.execute("DELETE FROM reviews WHERE shop_id = ? AND order_id = ?", [p.shop, oid])
            p.review(oid, 2)
        p.note(f"unhappy-{cid}", "unhappy", True, "buyer", [cid])
    for cid, old in p.buyers(10):
        n = int(p.rng.integers(1, 3))
        p.copy_orders([p.order(old, when, paid=False) for when in p._when(n, last_days=2)])
        p.note(f"hesitant-{cid}", "hesitant", True, "buyer", [cid])


def plant_abuse(con: duckdb.DuckDBPyConnection, shop: str, lang: str, seed: int) -> None:
    """Plant the abusers and their honest look-alikes into a simulated shop; write ``sim_truth_abuse``."""
    p = _Planter(con, shop, lang, np.random.default_rng([seed, 1818]))
    if len(p.products) < 10:
        return
    _abusers(p, "payments", (8, 13), False, "none")
    _abusers(p, "refunds", (7, 11), True, "refund")
    _abusers(p, "reviewers", (5, 8), True, "review")
    _lookalikes(p)
    con.register("_abuse_truth", pd.DataFrame(p.truth, columns=["case_id", "kind", "honest", "level", "id"]))
    con.execute(f"INSERT INTO {TRUTH} SELECT ?, * FROM _abuse_truth", [shop])
    con.unregister("_abuse_truth")
