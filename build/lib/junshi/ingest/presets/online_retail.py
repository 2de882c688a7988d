"""UCI Online Retail (a UK gift-ware retailer, 2010-12-01..2011-12-09), one CSV/XLSX row per invoice line.

Source columns: InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country.

- ``orders``: one per invoice not starting with C: order_id = InvoiceNo, created_at = paid_at =
  the invoice's first InvoiceDate, item_amount = pay_amount = sum of Quantity x UnitPrice over its
  loaded lines (rounded to the penny), customer_id = CustomerID as an integer string (null when
  missing), region = Country.
- ``order_items``: one per row of those invoices: line_no = the row's position in the file (so exact
  duplicate rows are kept as distinct lines), product_id = StockCode, amount = Quantity x UnitPrice.
- ``refunds``: one per row of a C invoice: refund_id = InvoiceNo-line, product_id = StockCode,
  amount = -(Quantity x UnitPrice), quantity = -Quantity, order_id null (the source does not say which
  invoice was cancelled).
- ``products``: StockCode, the trimmed Description of its last row in the file (the file is in time
  order), the UnitPrice of its last sale with a positive price; non-product codes (POST, DOT, C2, M,
  D, S, B, BANK CHARGES, AMAZONFEE, CRUK and gift vouchers gift_*) are kept as lines and flagged
  with category ``non-product``.
- ``customers``: CustomerID with the Country of their last row in the file.
- quarantine: rows of A invoices ("adjustment invoice"), negative UnitPrice, negative Quantity
  outside a C invoice, positive Quantity inside one, and unparsable values.

Shop settings: currency GBP, time zone Europe/London.
"""

from __future__ import annotations

from pathlib import Path

from junshi.ingest.loader import Field, Loader
from junshi.ingest.presets.base import FileKind, Preset, require

COLUMNS = ("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country")
NON_PRODUCT = r"^(POST|DOT|C2|M|D|S|B|BANK CHARGES|AMAZONFEE|CRUK|gift_.*)$"


def load(loader: Loader, files: list[Path], mapping: dict[str, str]) -> None:
    for path in files:
        raw = loader.read(path, rename=mapping)
        require(raw, "online-retail", COLUMNS)
        fields = [
            Field("invoice", "VARCHAR", "r.InvoiceNo", required=True, trim=False),
            Field("stock_code", "VARCHAR", "r.StockCode", required=True, trim=False),
            Field("description", "VARCHAR", "r.Description", trim=False),  # trimmed when products are built
            Field("quantity", "BIGINT", "r.Quantity", required=True),
            Field("invoice_date", "TIMESTAMP", "r.InvoiceDate", required=True),
            Field("unit_price", "DECIMAL(18,4)", "r.UnitPrice", required=True),
            Field("customer_id", "BIGINT", "r.CustomerID"),
            Field("country", "VARCHAR", "r.Country", trim=False),
        ]
        rules = [
            ("invoice LIKE 'A%'", "adjustment invoice"),
            ("unit_price < 0", "negative price"),
            ("quantity < 0 AND invoice NOT LIKE 'C%'", "negative quantity"),
            ("quantity > 0 AND invoice LIKE 'C%'", "positive quantity in a cancellation"),
        ]
        g = loader.check(raw, "order_items", fields, rules)
        sale, cancel = f"FROM {g} WHERE invoice NOT LIKE 'C%'", f"FROM {g} WHERE invoice LIKE 'C%'"
        loader.write("orders", f"""
            SELECT invoice AS order_id, CAST(min(customer_id) AS VARCHAR) AS customer_id,
                   min(invoice_date) AS created_at, min(invoice_date) AS paid_at, min(country) AS region,
                   round(sum(quantity * unit_price), 2) AS item_amount,
                   round(sum(quantity * unit_price), 2) AS pay_amount
            {sale} GROUP BY invoice""")
        loader.write("order_items", f"""
            SELECT invoice AS order_id, __line AS line_no, stock_code AS product_id, quantity,
                   unit_price, round(quantity * unit_price, 2) AS amount
            {sale}""")
        loader.write("refunds", f"""
            SELECT invoice || '-' || __line AS refund_id, stock_code AS product_id, invoice_date AS created_at,
                   round(-quantity * unit_price, 2) AS amount, -quantity AS quantity
            {cancel}""")
        loader.write("products", f"""
            SELECT stock_code AS product_id,
                   trim(arg_max(description, __line) FILTER (trim(description) <> '')) AS name,
                   CASE WHEN regexp_matches(stock_code, '{NON_PRODUCT}') THEN 'non-product' END AS category,
                   arg_max(unit_price, __line) FILTER (invoice NOT LIKE 'C%' AND unit_price > 0) AS price
            FROM {g} GROUP BY stock_code""")
        loader.write("customers", f"""
            SELECT CAST(customer_id AS VARCHAR) AS customer_id,
                   arg_max(country, __line) AS region
            FROM {g} WHERE customer_id IS NOT NULL GROUP BY customer_id""")


PRESET = Preset(
    "online-retail", "UCI Online Retail (UK gift-ware retailer) invoice lines",
    "UCI Online Retail（英国礼品零售商）发票明细", "own", "GBP", "Europe/London", load,
    kinds=(FileKind(name="invoice_lines", zh="UCI Online Retail 发票明细", en="UCI Online Retail invoice lines",
                    headers=COLUMNS[:6], names=("online_retail",)),),
)
