"""The demo shop simulator: internal consistency of every table, and the planted effects in the data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from junshi.simulate import GroundTruth
from junshi.simulate.truth import read_connection


@pytest.fixture(scope="module")
def con(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with read_connection(str(demo_db)) as c:
        yield c


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> Any:
    row = con.execute(sql, params or []).fetchone()
    assert row is not None
    return row[0]


def test_every_table_is_filled(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("shops", "products", "customers", "sessions", "events", "orders", "order_items", "refunds",
                  "reviews", "ad_spend", "searches", "inventory", "benchmarks"):
        assert one(con, f"SELECT count(*) FROM {table} WHERE shop_id = 'default'") > 0, table


def test_keys_are_unique(con: duckdb.DuckDBPyConnection) -> None:
    from junshi.schema import TABLES

    for name, table in TABLES.items():
        if name in ("quarantine", "loads"):
            continue
        keys = ", ".join(table.key)
        dupes = one(con, f"SELECT count(*) FROM (SELECT {keys} FROM {name} GROUP BY ALL HAVING count(*) > 1)")
        assert dupes == 0, name


def test_order_amounts_add_up(con: duckdb.DuckDBPyConnection) -> None:
    """item_amount = sum of line amounts; pay_amount = item - discount + shipping; line = qty x price."""
    assert one(con, """SELECT count(*) FROM orders o JOIN (SELECT order_id, sum(amount) s FROM order_items
                       GROUP BY 1) i USING (order_id) WHERE o.item_amount <> i.s""") == 0
    assert one(con, "SELECT count(*) FROM orders WHERE pay_amount <> item_amount - discount_amount + shipping_fee") == 0
    assert one(con, "SELECT count(*) FROM order_items WHERE amount <> quantity * unit_price") == 0
    assert one(con, "SELECT count(*) FROM orders WHERE order_id NOT IN (SELECT order_id FROM order_items)") == 0


def test_order_times_are_in_order(con: duckdb.DuckDBPyConnection, demo_truth: GroundTruth) -> None:
    assert one(con, "SELECT count(*) FROM orders WHERE paid_at < created_at") == 0
    assert one(con, "SELECT count(*) FROM orders WHERE shipped_at IS NOT NULL AND NOT shipped_at > paid_at") == 0
    assert one(con, "SELECT count(*) FROM orders WHERE delivered_at IS NOT NULL AND NOT delivered_at > shipped_at") == 0
    end = dt.datetime.combine(demo_truth.end + dt.timedelta(days=1), dt.time())
    for col in ("created_at", "paid_at", "shipped_at", "delivered_at", "cancelled_at"):
        assert one(con, f"SELECT count(*) FROM orders WHERE {col} >= ?", [end]) == 0, col
    assert one(con, "SELECT min(started_at)::DATE FROM sessions") == demo_truth.start
    assert one(con, "SELECT max(ts) FROM events") < end


def test_reviews_and_refunds_follow_their_orders(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, """SELECT count(*) FROM reviews r LEFT JOIN orders o USING (order_id)
                       WHERE o.delivered_at IS NULL OR r.created_at < o.delivered_at
                          OR r.customer_id IS DISTINCT FROM o.customer_id""") == 0
    assert one(con, """SELECT count(*) FROM refunds r LEFT JOIN orders o USING (order_id)
                       WHERE o.paid_at IS NULL OR r.created_at < o.paid_at OR r.amount > o.pay_amount""") == 0
    assert one(con, "SELECT count(*) FROM reviews WHERE NOT (rating BETWEEN 1 AND 5 AND dsr_item BETWEEN 1 AND 5 "
                    "AND dsr_service BETWEEN 1 AND 5 AND dsr_logistics BETWEEN 1 AND 5)") == 0


def test_events_reference_visits_products_and_visitors(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, """SELECT count(*) FROM events e LEFT JOIN sessions s USING (session_id)
                       WHERE s.session_id IS NULL OR e.visitor_id <> s.visitor_id
                          OR e.customer_id IS DISTINCT FROM s.customer_id OR e.ts < s.started_at""") == 0
    assert one(con, "SELECT count(*) FROM events WHERE product_id NOT IN (SELECT product_id FROM products)") == 0
    assert one(con, "SELECT count(*) FROM orders WHERE session_id NOT IN (SELECT session_id FROM sessions)") == 0
    assert one(con, "SELECT count(*) FROM orders WHERE customer_id NOT IN (SELECT customer_id FROM customers)") == 0
    # one order event per order, one payment event per paid order (presale balances in their own visit)
    assert one(con, "SELECT count(*) FROM events WHERE event_type = 'order'") == one(con, "SELECT count(*) FROM orders")
    assert one(con, "SELECT count(*) FROM events WHERE event_type = 'payment'") == one(
        con, "SELECT count(*) FROM orders WHERE paid_at IS NOT NULL")
    assert one(con, """SELECT count(*) FROM orders o JOIN events e ON e.session_id = o.session_id
                       AND e.event_type = 'order' WHERE e.ts <> o.created_at""") == 0


def test_searches_match_search_events(con: duckdb.DuckDBPyConnection) -> None:
    searches = one(con, "SELECT count(*) FROM events WHERE event_type = 'search'")
    assert one(con, "SELECT count(*) FROM searches") == searches
    assert one(con, "SELECT count(*) FROM searches WHERE results_count = 0") > 0
    assert one(con, "SELECT count(*) FROM searches WHERE results_count = 0 AND clicked_product_id IS NOT NULL") == 0


def test_inventory_never_negative_and_paid_clicks_match(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT count(*) FROM inventory WHERE stock < 0") == 0
    assert one(con, """SELECT count(*) FROM (SELECT date, channel, sum(clicks) c FROM ad_spend GROUP BY ALL) a
                       FULL JOIN (SELECT started_at::DATE date, source channel, count(*) c FROM sessions
                                  WHERE medium IN ('cpc', 'cpm', 'cps') GROUP BY ALL) s USING (date, channel)
                       WHERE a.c IS DISTINCT FROM s.c""") == 0


def test_landing_stockout_kills_the_channels_conversion(con: duckdb.DuckDBPyConnection,
                                                        demo_truth: GroundTruth) -> None:
    """Paid orders per visit of the channel during the stock-out vs the two weeks before and after it."""
    ev = demo_truth.event("landing_stockout")
    rows = dict(con.execute("""
        SELECT s.started_at::DATE BETWEEN $2 AND $3, count(DISTINCT o.order_id) / count(*) FROM sessions s
        LEFT JOIN orders o ON o.session_id = s.session_id AND o.paid_at IS NOT NULL
        WHERE s.source = $1 AND s.started_at::DATE BETWEEN $2 - INTERVAL 14 DAY AND $3 + INTERVAL 14 DAY
        GROUP BY 1""", [ev.source, ev.start, ev.end]).fetchall())
    assert rows[True] < 0.5 * rows[False]
    assert ev.effect < 0.5
    stock = con.execute("SELECT stock FROM inventory WHERE product_id = ? AND date BETWEEN ? AND ?",
                        [ev.product_id, ev.start, ev.end]).fetchall()
    assert stock == [(0,)] * 3


def test_traffic_drop_and_promotion_spike(con: duckdb.DuckDBPyConnection, demo_truth: GroundTruth) -> None:
    ev = demo_truth.event("traffic_drop")
    visits = dict(con.execute("SELECT started_at::DATE, count(*) FROM sessions WHERE source = ? GROUP BY 1",
                              [ev.source]).fetchall())
    during = sum(v for d, v in visits.items() if ev.start <= d <= ev.end) / 5
    before = sum(v for d, v in visits.items() if ev.start - dt.timedelta(days=14) <= d < ev.start) / 14
    assert 0.35 < during / before < 0.65
    promo = demo_truth.promotion
    assert promo is not None and promo.day == dt.date(2024, 11, 11)
    sales = dict(con.execute("SELECT paid_at::DATE, sum(pay_amount) FROM orders WHERE paid_at IS NOT NULL "
                             "GROUP BY 1").fetchall())
    ordinary = sorted(float(v) for d, v in sales.items() if d < promo.presale_start)
    assert float(sales[promo.day]) > 4 * ordinary[len(ordinary) // 2]
    assert demo_truth.incremental_sales > 0
    days = demo_truth.promotion_days()
    assert abs(float(days["incremental_sales"].sum()) - demo_truth.incremental_sales) < 0.01


def test_presale_orders(con: duckdb.DuckDBPyConnection, demo_truth: GroundTruth) -> None:
    """Presale orders: created in the presale window, a deposit, paid (balance) on the promotion day or never."""
    promo = demo_truth.promotion
    assert promo is not None
    rows = con.execute("""SELECT min(created_at)::DATE, max(created_at)::DATE, count(*), count(paid_at),
                          count(DISTINCT paid_at::DATE), min(paid_at)::DATE, bool_and(deposit_amount > 0)
                          FROM orders WHERE is_presale""").fetchone()
    assert rows is not None
    first, last, n, paid, paid_days, paid_day, deposits = rows
    assert promo.presale_start <= first and last <= promo.day  # a visit may run past midnight
    assert n > 10 and 0.8 * n < paid <= n and paid_days == 1 and paid_day == promo.day and deposits
    assert one(con, "SELECT count(*) FROM orders WHERE is_presale AND paid_at IS NULL AND cancelled_at IS NULL") == 0


def test_fake_order_ring(con: duckdb.DuckDBPyConnection, demo_truth: GroundTruth) -> None:
    fakes = demo_truth.fake_orders()
    assert len(fakes) == len(demo_truth.fake_order_ids) > 20
    assert fakes["address_hash"].nunique() == 3 and fakes["device_hash"].nunique() == 2
    ids = demo_truth.fake_order_ids
    browsed = one(con, """SELECT count(*) FROM orders o JOIN events e ON e.session_id = o.session_id
                          WHERE o.order_id IN (SELECT unnest(?)) AND e.event_type IN ('page_view', 'product_view')""",
                  [ids])
    assert browsed == 0
    ratings = con.execute("SELECT DISTINCT rating FROM reviews WHERE order_id IN (SELECT unnest(?))", [ids]).fetchall()
    assert ratings == [(5,)]
    shared = one(con, "SELECT count(*) FROM orders WHERE address_hash IN (SELECT address_hash FROM orders "
                      "WHERE order_id IN (SELECT unnest(?))) AND order_id NOT IN (SELECT unnest(?))", [ids, ids])
    assert shared == 0


def test_courier_delay_dips_logistics_scores(con: duckdb.DuckDBPyConnection, demo_truth: GroundTruth) -> None:
    ev = demo_truth.event("courier_delay")
    rows = dict(con.execute("""SELECT o.shipped_at::DATE BETWEEN ? AND ?, avg(r.dsr_logistics) FROM reviews r
                               JOIN orders o USING (order_id) WHERE r.order_id NOT IN (SELECT unnest(?))
                               GROUP BY 1""", [ev.start, ev.end, demo_truth.fake_order_ids]).fetchall())
    assert rows[True] < rows[False] - 1.0


def test_product_conversion_change(con: duckdb.DuckDBPyConnection, demo_truth: GroundTruth) -> None:
    """Buyers of the product / its viewers (per day) falls in the planted window (diluted by repeat buyers)."""
    ev = demo_truth.event("product_conversion")
    rows = dict(con.execute("""
        WITH v AS (SELECT DISTINCT ts::DATE d, visitor_id FROM events
                   WHERE event_type = 'product_view' AND product_id = $3),
             b AS (SELECT DISTINCT o.paid_at::DATE d, o.visitor_id FROM orders o JOIN order_items i USING (order_id)
                   WHERE i.product_id = $3 AND o.paid_at IS NOT NULL AND NOT o.is_presale)
        SELECT v.d BETWEEN $1 AND $2, count(b.visitor_id) / count(*) FROM v LEFT JOIN b USING (d, visitor_id)
        WHERE v.d < $2 + INTERVAL 14 DAY GROUP BY 1""", [ev.start, ev.end, ev.product_id]).fetchall())
    assert rows[True] < 0.75 * rows[False]


def test_customers_follow_btyd(con: duckdb.DuckDBPyConnection, demo_truth: GroundTruth) -> None:
    """Each BTYD customer's paid orders = 1 + recorded repeat purchases; parameters look like their priors."""
    truth = demo_truth.customers()
    assert len(truth) > 1000
    paid = dict(con.execute("SELECT customer_id, count(*) FROM orders WHERE paid_at IS NOT NULL "
                            "GROUP BY 1").fetchall())
    mismatch = sum(paid.get(c, 0) != 1 + n for c, n in zip(truth["customer_id"], truth["repeat_purchases"],
                                                           strict=True))
    assert mismatch <= 0.01 * len(truth)
    b = demo_truth.btyd
    assert abs(truth["lambda_per_day"].mean() / (b.r / b.alpha) - 1) < 0.15
    assert abs(truth["p_dropout"].mean() / (b.a / (b.a + b.b)) - 1) < 0.15
    assert (truth["dropped_at"].notna() == ~truth["alive_at_end"]).all()


def test_bg_nbd_fit_recovers_the_planted_parameters(con: duckdb.DuckDBPyConnection, demo_truth: GroundTruth) -> None:
    """An independent maximum-likelihood fit of BG/NBD (Fader, Hardie & Lee 2005, eq. 6) on the paid orders
    finds the population parameters the simulator drew the customers from."""
    import numpy as np
    from scipy.optimize import minimize
    from scipy.special import betaln, gammaln

    end = dt.datetime.combine(demo_truth.end + dt.timedelta(days=1), dt.time())
    rows = con.execute("""
        SELECT date_diff('second', min(o.paid_at), max(o.paid_at)) / 86400, date_diff('second', min(o.paid_at), ?)
               / 86400, count(*) - 1
        FROM orders o JOIN sim_truth_customers USING (customer_id) WHERE o.paid_at IS NOT NULL GROUP BY o.customer_id
        """, [end]).fetchall()
    tx, big_t, x = (np.array(c, dtype=float) for c in zip(*rows, strict=True))

    def nll(log_params: np.ndarray) -> float:
        r, alpha, a, b = np.exp(log_params)
        alive = -(r + x) * np.log(alpha + big_t)
        with np.errstate(divide="ignore", invalid="ignore"):
            dropped = np.where(x > 0, np.log(a) - np.log(b + x - 1) - (r + x) * np.log(alpha + tx), -np.inf)
        ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
        return float(-np.sum(ll + np.logaddexp(alive, dropped)))

    fit = minimize(nll, np.log([1.0, 50.0, 1.0, 1.0]), method="Nelder-Mead", options={"maxiter": 4000})
    r, alpha, a, b = np.exp(fit.x)
    truth = demo_truth.btyd
    assert len(x) > 2000
    assert abs((r / alpha) / (truth.r / truth.alpha) - 1) < 0.15
    assert abs(r / truth.r - 1) < 0.3
    assert abs((a / (a + b)) / (truth.a / (truth.a + truth.b)) - 1) < 0.25
