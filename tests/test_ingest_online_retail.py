"""The online-retail preset on the whole UCI Online Retail file, checked against plain-Python figures."""

from __future__ import annotations

import csv
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from junshi import Shop

FILE = "online_retail/online_retail_2010-12-01_2011-12-09.csv"


def _bad(row: dict[str, str]) -> bool:
    """The issue's quarantine rules, restated: A invoices, negative price, negative quantity outside C."""
    inv, qty, price = row["InvoiceNo"], int(row["Quantity"]), Decimal(row["UnitPrice"])
    return inv.startswith("A") or price < 0 or (qty < 0 and not inv.startswith("C"))


@pytest.mark.slow
def test_whole_online_retail_file(shop: Shop, shared_data: Path) -> None:
    path = shared_data / FILE
    with path.open(newline="", encoding="utf-8") as f:
        data = list(csv.DictReader(f))
    invoices = {r["InvoiceNo"] for r in data}
    total = sum(int(r["Quantity"]) * Decimal(r["UnitPrice"]) for r in data)
    assert (len(data), len(invoices), round(total, 2)) == (541_909, 25_900, Decimal("9747747.93"))
    good = [r for r in data if not _bad(r)]
    sale_invoices = {r["InvoiceNo"] for r in good if not r["InvoiceNo"].startswith("C")}
    cancel_rows = [r for r in good if r["InvoiceNo"].startswith("C")]
    dupes = sum(n - 1 for n in Counter(tuple(r.values()) for r in data).values() if n > 1)

    report = shop.ingest(path, preset="online-retail")
    con = shop.warehouse.con

    def q(sql: str) -> list[tuple[object, ...]]:
        return con.execute(sql).fetchall()

    assert report.tables["orders"] == len(sale_invoices) == q("SELECT count(*) FROM orders")[0][0]
    assert q("SELECT count(*) FROM refunds")[0][0] == len(cancel_rows)
    n_items, n_refunds, n_quarantine = (q(f"SELECT count(*) FROM {t}")[0][0]
                                        for t in ("order_items", "refunds", "quarantine"))
    assert n_items + n_refunds + n_quarantine == 541_909 and n_quarantine == len(data) - len(good)
    # every row of the file is somewhere exactly once: line numbers 1..541,909
    lines = q("SELECT count(DISTINCT l), min(l), max(l) FROM (SELECT line_no AS l FROM order_items UNION ALL "
              "SELECT CAST(split_part(refund_id, '-', 2) AS BIGINT) FROM refunds UNION ALL "
              "SELECT source_line FROM quarantine)")
    assert lines == [(541_909, 1, 541_909)] and dupes == 5_268
    # money reconciles: orders - refunds + quarantined = sum of Quantity x UnitPrice (per-invoice rounding
    # of the four 0.001 prices can move it by under a penny)
    paid = q("SELECT sum(pay_amount) FROM orders")[0][0]
    refunded = q("SELECT sum(amount) FROM refunds")[0][0]
    assert isinstance(paid, Decimal) and isinstance(refunded, Decimal)
    raws = [json.loads(str(r[0])) for r in q("SELECT raw FROM quarantine")]
    held = sum(int(r["Quantity"]) * Decimal(r["UnitPrice"]) for r in raws)
    assert abs(paid - refunded + held - total) < Decimal("0.01")
    assert {r.reason for r in report.quarantined} == {"negative quantity", "adjustment invoice",
                                                      "adjustment invoice; negative price"}
    assert q("SELECT customer_id, region FROM customers WHERE customer_id = '17850'") == [("17850", "United Kingdom")]
    assert q("SELECT count(*) FROM orders WHERE customer_id LIKE '%.%'") == [(0,)]
    assert q("SELECT name, category FROM products WHERE product_id = 'POST'") == [("POSTAGE", "non-product")]
    for code in ("85123A", "22138"):  # name = the last description in the file, trimmed; price = last sale's
        last = max((i, r["Description"].strip()) for i, r in enumerate(data)
                   if r["StockCode"] == code and r["Description"].strip())
        price = max((i, Decimal(r["UnitPrice"])) for i, r in enumerate(good)
                    if r["StockCode"] == code and not r["InvoiceNo"].startswith("C") and Decimal(r["UnitPrice"]) > 0)
        assert q(f"SELECT name, price FROM products WHERE product_id = '{code}'") == [(last[1], price[1])]
    assert shop.settings["currency"] == "GBP" and shop.settings["timezone"] == "Europe/London"
    # loading the same file again changes nothing
    again = shop.ingest(path, preset="online-retail")
    assert again.tables == report.tables
    assert [q(f"SELECT count(*) FROM {t}")[0][0] for t in ("order_items", "refunds", "quarantine")] == [
        n_items, n_refunds, n_quarantine]
