"""Shopify admin "Export orders" CSV: one row per line item; order fields are filled on the order's first row.

Per order (rows grouped by ``Name``, e.g. ``#1001``) -> ``orders``: order_id = Name, customer_id = Email
(lower case), created_at = Created at, paid_at = Paid at, shipped_at = Fulfilled at, cancelled_at =
Cancelled at, status = Financial Status, item_amount = Subtotal, discount_amount = Discount Amount,
shipping_fee = Shipping, pay_amount = Total, payment_method = Payment Method, source = Source,
region = Shipping Province (else Billing Province), city = Shipping City (else Billing City),
address_hash = SHA-256 of the shipping street, city, zip, province and country. Times carry the store's
UTC offset (``2024-03-01 10:15:00 -0500``) and are converted to the shop's time zone.

Per row -> ``order_items``: line_no = rank within the order (file order), product_id = Lineitem sku
(else Lineitem name), quantity = Lineitem quantity, unit_price = Lineitem price, amount = quantity x
price - Lineitem discount. ``products``: sku, Lineitem name, Lineitem price, Vendor.
Refunded Amount > 0 -> one ``refunds`` row (refund_id = Name-refund; the export has no refund time, so
created_at = Cancelled at, else Paid at, else Created at). ``customers``: Email with billing province/city.

Shop settings: the currency of the file's Currency column; the time zone stays the shop's (Asia/Shanghai
for a new shop, like every shop by default): set the store's zone first (``junshi shop set --timezone
America/New_York``), or afterwards with ``--shift-times``, which moves the loaded times to it.
"""

from __future__ import annotations

from pathlib import Path

from junshi.ingest.loader import Field, Loader
from junshi.ingest.presets.base import FileKind, Preset, require
from junshi.ingest.presets.currency import adopt_currency
from junshi.ingest.readers import RawTable
from junshi.ingest.rules import table_rules
from junshi.ingest.sqlfuncs import quote_ident

COLUMNS = ("Name", "Created at", "Lineitem quantity", "Lineitem price")


def _c(raw: RawTable, name: str) -> str:
    return f"r.{quote_ident(name)}" if name in raw.columns else "CAST(NULL AS VARCHAR)"


def load(loader: Loader, files: list[Path], mapping: dict[str, str]) -> None:
    for path in files:
        raw = loader.read(path, rename=mapping)
        require(raw, "shopify", COLUMNS)
        addr = ", ".join(_c(raw, f"Shipping {p}") for p in ("Street", "City", "Zip", "Province", "Country"))
        fields = [
            Field("order_id", "VARCHAR", _c(raw, "Name"), required=True),
            Field("customer_id", "VARCHAR", f"lower({_c(raw, 'Email')})"),
            Field("created_at", "TIMESTAMP", _c(raw, "Created at")),
            Field("paid_at", "TIMESTAMP", _c(raw, "Paid at")),
            Field("shipped_at", "TIMESTAMP", _c(raw, "Fulfilled at")),
            Field("cancelled_at", "TIMESTAMP", _c(raw, "Cancelled at")),
            Field("status", "VARCHAR", _c(raw, "Financial Status")),
            Field("currency", "VARCHAR", _c(raw, "Currency")),
            Field("item_amount", "DECIMAL(18,2)", _c(raw, "Subtotal")),
            Field("discount_amount", "DECIMAL(18,2)", _c(raw, "Discount Amount")),
            Field("shipping_fee", "DECIMAL(18,2)", _c(raw, "Shipping")),
            Field("pay_amount", "DECIMAL(18,2)", _c(raw, "Total")),
            Field("refunded", "DECIMAL(18,2)", _c(raw, "Refunded Amount")),
            Field("payment_method", "VARCHAR", _c(raw, "Payment Method")),
            Field("source", "VARCHAR", _c(raw, "Source")),
            Field("region", "VARCHAR", f"coalesce({_c(raw, 'Shipping Province')}, {_c(raw, 'Billing Province')})"),
            Field("city", "VARCHAR", f"coalesce({_c(raw, 'Shipping City')}, {_c(raw, 'Billing City')})"),
            Field("billing_region", "VARCHAR", _c(raw, "Billing Province")),
            Field("billing_city", "VARCHAR", _c(raw, "Billing City")),
            Field("address_hash", "VARCHAR", f"sha256(NULLIF(concat_ws('|', {addr}), ''))"),
            Field("quantity", "INTEGER", _c(raw, "Lineitem quantity"), required=True),
            Field("unit_price", "DECIMAL(18,2)", _c(raw, "Lineitem price"), required=True),
            Field("line_discount", "DECIMAL(18,2)", _c(raw, "Lineitem discount")),
            Field("product_id", "VARCHAR", f"coalesce({_c(raw, 'Lineitem sku')}, {_c(raw, 'Lineitem name')})",
                  required=True),
            Field("product_name", "VARCHAR", _c(raw, "Lineitem name")),
            Field("vendor", "VARCHAR", _c(raw, "Vendor")),
        ]
        names = [f.name for f in fields]
        rules = [*table_rules("orders", names), *table_rules("order_items", names),
                 ("min(created_at) OVER (PARTITION BY order_id) IS NULL", "missing value: created_at")]
        g = loader.check(raw, "order_items", fields, rules)
        adopt_currency(loader, g)
        first = ", ".join(f"max({c}) AS {c}" for c in (
            "customer_id", "paid_at", "shipped_at", "cancelled_at", "status", "item_amount", "discount_amount",
            "shipping_fee", "pay_amount", "payment_method", "source", "region", "city", "address_hash"))
        loader.write("orders", f"SELECT order_id, min(created_at) AS created_at, {first} FROM {g} GROUP BY order_id")
        loader.write("order_items", f"""SELECT order_id,
            row_number() OVER (PARTITION BY order_id ORDER BY __line) AS line_no, product_id, quantity, unit_price,
            quantity * unit_price - coalesce(line_discount, 0) AS amount FROM {g}""")
        loader.write("products", f"""SELECT product_id, arg_max(product_name, __line) AS name,
            arg_max(unit_price, __line) AS price, arg_max(vendor, __line) AS brand FROM {g} GROUP BY product_id""")
        loader.write("refunds", f"""SELECT order_id || '-refund' AS refund_id, order_id,
            coalesce(max(cancelled_at), max(paid_at), min(created_at)) AS created_at, max(refunded) AS amount
            FROM {g} GROUP BY order_id HAVING max(refunded) > 0""")
        loader.write("customers", f"""SELECT customer_id, arg_max(billing_region, __line) AS region,
            arg_max(billing_city, __line) AS city FROM {g} WHERE customer_id IS NOT NULL GROUP BY customer_id""")


PRESET = Preset("shopify", "Shopify orders export CSV", "Shopify 订单导出 CSV", "shopify", None, None, load,
                kinds=(FileKind(name="orders", zh="Shopify 订单导出", en="Shopify orders export", headers=COLUMNS,
                                names=("orders_export",)),))
