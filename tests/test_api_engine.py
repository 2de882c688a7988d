"""The engine functions the API's views call, on a tiny hand-made shop (real DuckDB; arithmetic in docstrings)."""

from __future__ import annotations

import datetime as dt

from junshi import Shop
from junshi.analysis.advice import AdviceSettings
from junshi.analysis.lookups import order_days, product_names, quarantined
from junshi.analysis.reviews import negative_reviews, rating_counts
from junshi.analysis.stock import days_of_cover, stock_on
from junshi.periods import change_pct

D1, D2 = dt.date(2024, 3, 1), dt.date(2024, 3, 2)


def _fill(shop: Shop) -> None:
    shop.warehouse.ensure_shop("default")
    con = shop.warehouse.con
    con.execute("""INSERT INTO products (shop_id, product_id, name, stock) VALUES
        ('default', 'P1', 'Tea', 30), ('default', 'P2', NULL, NULL), ('default', 'P3', 'Cup', 4)""")
    con.execute("INSERT INTO inventory VALUES ('default', DATE '2024-03-02', 'P1', 12), "
                "('default', DATE '2024-03-01', 'P3', 9)")
    con.execute("""INSERT INTO reviews (shop_id, review_id, product_id, created_at, rating, text) VALUES
        ('default', 'R1', 'P1', TIMESTAMP '2024-03-01 09:00', 1, 'cold'),
        ('default', 'R2', 'P1', TIMESTAMP '2024-03-02 10:30', 2, 'late'),
        ('default', 'R3', 'P3', TIMESTAMP '2024-03-02 11:00', 3, 'ok'),
        ('default', 'R4', 'P3', TIMESTAMP '2024-03-02 12:00', 5, 'great'),
        ('default', 'R5', 'P3', TIMESTAMP '2024-03-03 12:00', 1, 'after the range'),
        ('default', 'R6', 'P3', TIMESTAMP '2024-03-02 13:00', NULL, 'no rating')""")
    con.execute("""INSERT INTO orders (shop_id, order_id, created_at) VALUES
        ('default', 'O1', TIMESTAMP '2024-03-01 08:00'), ('default', 'O2', TIMESTAMP '2024-03-02 23:59')""")
    con.execute("""INSERT INTO quarantine (shop_id, table_name, source_file, source_line, reason, raw) VALUES
        ('default', 'orders', 'b.csv', 2, 'bad date', '{}'), ('default', 'orders', 'a.csv', 7, 'no id', NULL),
        ('default', 'orders', 'a.csv', 3, 'no id', NULL)""")


def test_stock_and_days_of_cover(shop: Shop) -> None:
    """On 2024-03-02: P1 has an inventory row of that day (12, not the catalogue's 30); P3's inventory row is of
    another day, so the catalogue's 4; P2 has no stock. 12 units on hand, 6 sold over 3 days (2 a day): 6.0 days;
    4 on hand, 3 sold in 7 days: 4 / (3 / 7) = 9.333 -> 9.3; no sales or no stock: None."""
    _fill(shop)
    assert stock_on(shop, D2) == {"P1": 12, "P3": 4}
    assert stock_on(shop, D1) == {"P1": 30, "P3": 9}
    assert days_of_cover(12, 6, 3) == 6.0
    assert days_of_cover(4, 3, 7) == 9.3
    assert days_of_cover(None, 3, 7) is None and days_of_cover(4, 0, 7) is None


def test_reviews_count_by_rating_and_list_the_negative_ones(shop: Shop) -> None:
    """2024-03-01 .. 03-02: ratings 1, 2, 3, 5 once each (R5 is after the range, R6 has no rating). Negative
    (at most 2 stars by default): R2 then R1, newest first; with negative_rating 3 also R3, first."""
    _fill(shop)
    assert rating_counts(shop, D1, D2) == {1: 1, 2: 1, 3: 1, 5: 1}
    assert [(r.created_at, r.rating, r.text) for r in negative_reviews(shop, D1, D2)] == [
        ("2024-03-02 10:30", 2, "late"), ("2024-03-01 09:00", 1, "cold")]
    stricter = negative_reviews(shop, D1, D2, settings=AdviceSettings(negative_rating=3))
    assert [r.text for r in stricter] == ["ok", "late", "cold"]
    assert [r.text for r in negative_reviews(shop, D1, D2, limit=1)] == ["late"]


def test_lookups(shop: Shop) -> None:
    """Orders on 03-01 and 03-02; named products P1 and P3; quarantine by file then line, paged."""
    _fill(shop)
    assert order_days(shop) == (D1, D2)
    assert product_names(shop) == {"P1": "Tea", "P3": "Cup"}
    total, rows = quarantined(shop, 2, 1)
    assert total == 3
    assert [(r["source_file"], r["source_line"], r["reason"], r["table"]) for r in rows] == [
        ("a.csv", 7, "no id", "orders"), ("b.csv", 2, "bad date", "orders")]


def test_change_pct_as_the_metric_layer_defines_it() -> None:
    """(120 - 100) / 100 = 0.2; (-30 - -20) / |-20| = -0.5; against 0 or a missing value: None."""
    assert change_pct(120, 100) == 0.2
    assert change_pct(-30, -20) == -0.5
    assert change_pct(5, 0) is None and change_pct(None, 3) is None and change_pct(3, None) is None
