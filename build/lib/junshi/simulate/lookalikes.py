"""Honest look-alikes of brushing, and other shapes of the brushing ring, planted into a simulated shop.

Run after :func:`junshi.simulate.simulate` (it rewrites that shop's fingerprints and visits in place):

- families: two to four honest buyers share a delivery address (half of the families also a device,
  the family tablet);
- offices: a dozen honest buyers order from one IP address;
- loyal one-page buyers: returning buyers who open the item page and buy at once (one view, no browsing);
- loyal chat buyers: returning buyers who pay from a link customer service sent in chat (a visit that opens
  no page at all);
- new accounts that buy once honestly: registered days before their only order (browsing first, or, for
  half of them, paying from a chat link without a page view).

:func:`reshape_ring` changes the planted ring: how many addresses and devices its accounts share, and
whether they open the item page before ordering (brushers told to "browse first"). Every look-alike is
recorded in ``sim_truth_lookalikes`` (kind, customer_id, order_id).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from junshi import rollup
from junshi.warehouse import Warehouse

TRUTH = "sim_truth_lookalikes"
FAMILY_SHARE = 0.08  # of honest buyers living with another buyer
OFFICES, OFFICE_SIZE = 2, 12
LOYAL_SHARE = 0.3  # of returning buyers' repeat orders placed from a one-page visit
CHAT_SHARE = 0.15  # of returning buyers' repeat orders paid from a chat link (no page viewed)
NEW_ACCOUNT_SHARE = 0.1  # of one-time buyers registered 1-30 days before their only order


def _honest_buyers(wh: Warehouse, shop: str) -> pd.DataFrame:
    return wh.con.execute("""
        SELECT customer_id, count(*) AS orders FROM orders
        WHERE shop_id = ? AND paid_at IS NOT NULL AND customer_id IS NOT NULL
          AND order_id NOT IN (SELECT order_id FROM sim_truth_fake_orders WHERE shop_id = ?)
          AND customer_id NOT IN (SELECT id FROM sim_truth_abuse WHERE shop_id = ? AND level = 'buyer')
        GROUP BY customer_id ORDER BY customer_id""", [shop, shop, shop]).df()


def _one_view_visits(wh: Warehouse, shop: str, orders: pd.DataFrame) -> None:
    """Each order's visit keeps one item view (its first product, 40 s before ordering) and no other view."""
    con = wh.con
    con.register("_one_view", orders[["order_id"]])
    con.execute("""
        DELETE FROM events WHERE shop_id = $1 AND event_type IN ('page_view', 'product_view')
          AND session_id IN (SELECT session_id FROM orders WHERE shop_id = $1
                             AND order_id IN (SELECT order_id FROM _one_view))""", [shop])
    con.execute("""
        INSERT INTO events (shop_id, event_id, session_id, visitor_id, customer_id, ts, event_type, product_id, page)
        SELECT o.shop_id, 'E1V' || o.order_id, o.session_id, o.visitor_id, o.customer_id,
               o.created_at - INTERVAL 40 SECOND, 'product_view', i.product_id, 'item/' || i.product_id
        FROM orders o JOIN order_items i ON i.shop_id = o.shop_id AND i.order_id = o.order_id AND i.line_no = 1
        WHERE o.shop_id = $1 AND o.order_id IN (SELECT order_id FROM _one_view) AND o.session_id IS NOT NULL""",
                [shop])
    con.unregister("_one_view")


def _no_view_visits(wh: Warehouse, shop: str, orders: pd.DataFrame) -> None:
    """Each order's visit loses its page and item views: the buyer paid from a link (chat, message)."""
    wh.con.register("_no_view", orders[["order_id"]])
    wh.con.execute("""
        DELETE FROM events WHERE shop_id = $1 AND event_type IN ('page_view', 'product_view')
          AND session_id IN (SELECT session_id FROM orders WHERE shop_id = $1
                             AND order_id IN (SELECT order_id FROM _no_view))""", [shop])
    wh.con.unregister("_no_view")


def _new_accounts(wh: Warehouse, shop: str, rng: np.random.Generator) -> pd.DataFrame:
    """One-time honest buyers registered 1-30 days before their order; half of them pay from a chat link.
    Returns (customer_id, order_id, chat)."""
    once = wh.con.execute("""
        SELECT customer_id, any_value(order_id) AS order_id, min(created_at) AS created_at FROM orders
        WHERE shop_id = ? AND customer_id IS NOT NULL AND session_id IS NOT NULL
          AND customer_id NOT IN (SELECT customer_id FROM sim_truth_fake_orders WHERE shop_id = ?)
          AND customer_id NOT IN (SELECT id FROM sim_truth_abuse WHERE shop_id = ? AND level = 'buyer')
        GROUP BY customer_id HAVING count(*) = 1 ORDER BY customer_id""", [shop, shop, shop]).df()
    picked = once[rng.random(len(once)) < NEW_ACCOUNT_SHARE].copy()
    picked["registered_at"] = picked["created_at"] - pd.to_timedelta(rng.uniform(1, 30, len(picked)), unit="D")
    picked["chat"] = rng.random(len(picked)) < 0.5
    wh.con.register("_new_acc", picked[["customer_id", "registered_at"]])
    wh.con.execute("""UPDATE customers SET registered_at = n.registered_at FROM _new_acc n
                      WHERE customers.shop_id = ? AND customers.customer_id = n.customer_id""", [shop])
    wh.con.unregister("_new_acc")
    _no_view_visits(wh, shop, picked[picked["chat"]])
    return picked[["customer_id", "order_id", "chat"]]


def _fewer_accounts(wh: Warehouse, shop: str, n: int) -> None:
    """The ring's orders (and their reviews and truth rows) move to its first ``n`` accounts."""
    ids = sorted(r[0] for r in wh.con.execute("SELECT DISTINCT customer_id FROM sim_truth_fake_orders WHERE "
                                               "shop_id = ?", [shop]).fetchall())
    moves = pd.DataFrame({"old": ids, "new": [ids[k % n] for k in range(len(ids))]})
    with wh.transaction() as con:
        con.register("_moves", moves)
        for table in ("orders", "reviews", "sim_truth_fake_orders"):
            con.execute(f"""UPDATE {table} t SET customer_id = m.new FROM _moves m WHERE t.shop_id = ?
                            AND t.customer_id = m.old AND t.order_id IN
                              (SELECT order_id FROM sim_truth_fake_orders WHERE shop_id = ?)""", [shop, shop])
        con.unregister("_moves")
        rollup.refresh(con, shop, ("orders", "reviews"))  # buyers moved: the rollups follow


def _fingerprint(shop: str, kind: str, key: object) -> str:
    import hashlib

    return hashlib.md5(f"{shop}:{kind}:lookalike:{key}".encode()).hexdigest()[:16]


def plant_lookalikes(db: str | os.PathLike[str], shop: str = "default", seed: int = 0) -> pd.DataFrame:
    """Plant families, offices and loyal one-page buyers among honest buyers; returns the truth rows."""
    rng = np.random.default_rng([seed, 18])
    wh = Warehouse(db)
    try:
        buyers = _honest_buyers(wh, shop)
        ids = rng.permutation(buyers["customer_id"].to_numpy())
        truth: list[tuple[str, str]] = []
        updates: list[tuple[str, str, str | None]] = []  # customer, address, device (None: keep)
        n_family, i, fam = int(len(ids) * FAMILY_SHARE), 0, 0
        while i < n_family:
            size = int(rng.integers(2, 5))
            tablet = _fingerprint(shop, "dev", f"f{fam}") if fam % 2 else None
            for cid in ids[i:i + size]:
                updates.append((str(cid), _fingerprint(shop, "addr", f"f{fam}"), tablet))
                truth.append(("family", str(cid)))
            i, fam = i + size, fam + 1
        ip_rows: list[tuple[str, str]] = []
        for office in range(OFFICES):
            for cid in ids[i:i + OFFICE_SIZE]:
                ip_rows.append((str(cid), _fingerprint(shop, "ip", f"o{office}")))
                truth.append(("office", str(cid)))
            i += OFFICE_SIZE
        con = wh.con
        with wh.transaction():
            con.register("_fam", pd.DataFrame(updates, columns=["customer_id", "addr", "dev"]))
            con.execute("""UPDATE orders SET address_hash = f.addr, device_hash = coalesce(f.dev, orders.device_hash)
                           FROM _fam f WHERE orders.shop_id = ? AND orders.customer_id = f.customer_id""", [shop])
            con.register("_ip", pd.DataFrame(ip_rows, columns=["customer_id", "ip"]))
            con.execute("""UPDATE orders SET ip_hash = f.ip FROM _ip f
                           WHERE orders.shop_id = ? AND orders.customer_id = f.customer_id""", [shop])
            repeat = con.execute("""
                SELECT order_id, customer_id FROM (
                    SELECT order_id, customer_id, row_number() OVER (PARTITION BY customer_id ORDER BY created_at) AS k
                    FROM orders WHERE shop_id = ? AND paid_at IS NOT NULL AND customer_id IS NOT NULL
                      AND session_id IS NOT NULL
                      AND order_id NOT IN (SELECT order_id FROM sim_truth_fake_orders WHERE shop_id = ?))
                WHERE k > 1 ORDER BY order_id""", [shop, shop]).df()
            draw = rng.random(len(repeat))
            loyal, chat = repeat[draw < LOYAL_SHARE], repeat[(draw >= LOYAL_SHARE) & (draw < LOYAL_SHARE + CHAT_SHARE)]
            _one_view_visits(wh, shop, loyal)
            _no_view_visits(wh, shop, chat)
            new = _new_accounts(wh, shop, rng)
            rows = pd.DataFrame(truth, columns=["kind", "customer_id"]).assign(order_id=None)
            rows = pd.concat([rows, loyal.assign(kind="loyal_one_page")[["kind", "customer_id", "order_id"]],
                              chat.assign(kind="loyal_chat")[["kind", "customer_id", "order_id"]],
                              new.assign(kind=np.where(new["chat"], "new_account_chat", "new_account"))[
                                  ["kind", "customer_id", "order_id"]]])
            con.execute(f"CREATE TABLE IF NOT EXISTS {TRUTH} (shop_id VARCHAR, kind VARCHAR, customer_id VARCHAR, "
                        "order_id VARCHAR)")
            con.execute(f"DELETE FROM {TRUTH} WHERE shop_id = ?", [shop])
            con.register("_truth", rows)
            con.execute(f"INSERT INTO {TRUTH} SELECT ?, kind, customer_id, order_id FROM _truth", [shop])
            for name in ("_fam", "_ip", "_truth"):
                con.unregister(name)
            rollup.refresh(con, shop, ("events", "orders", "customers"))  # visits and accounts changed: rollups follow
        return rows.reset_index(drop=True)
    finally:
        wh.close()


def reshape_ring(db: str | os.PathLike[str], shop: str = "default", *, addresses: int = 3, devices: int = 2,
                 browse: bool = False, accounts: int | None = None) -> None:
    """Give the ring's accounts ``addresses`` shared addresses and ``devices`` shared devices (account k gets
    address k mod addresses); ``browse``: each fake order's visit opens the item page first; ``accounts``: the
    ring's orders placed by its first ``accounts`` accounts only (account k's orders go to k mod accounts)."""
    wh = Warehouse(db)
    try:
        if accounts is not None:
            _fewer_accounts(wh, shop, accounts)
        fakes = wh.con.execute("SELECT order_id, customer_id FROM sim_truth_fake_orders WHERE shop_id = ? "
                               "ORDER BY order_id", [shop]).df()
        accounts_ = sorted(fakes["customer_id"].unique())
        rows = pd.DataFrame([(c, _fingerprint(shop, "addr", f"r{k % addresses}"),
                              _fingerprint(shop, "dev", f"r{k % devices}")) for k, c in enumerate(accounts_)],
                            columns=["customer_id", "addr", "dev"])
        con = wh.con
        with wh.transaction():
            con.register("_ring", rows)
            con.register("_fakes", fakes[["order_id"]])
            con.execute("""UPDATE orders SET address_hash = r.addr, device_hash = r.dev FROM _ring r
                           WHERE orders.shop_id = ? AND orders.customer_id = r.customer_id
                             AND orders.order_id IN (SELECT order_id FROM _fakes)""", [shop])
            con.execute("""UPDATE sim_truth_fake_orders t SET address_hash = r.addr, device_hash = r.dev FROM _ring r
                           WHERE t.shop_id = ? AND t.customer_id = r.customer_id""", [shop])
            if browse:
                _one_view_visits(wh, shop, fakes)
            rollup.refresh(con, shop, ("orders", "events") if browse else ("orders",))  # fingerprints moved
            con.unregister("_ring")
            con.unregister("_fakes")
    finally:
        wh.close()
