"""WooCommerce order CSVs: the plugins' exports differ, so each field is found through a documented list of
headers (the first one the file has wins; headers compare like the alias table: case, spaces, ``_ - .``
and bracketed units ignored, so ``Order Number`` = ``order_number``), and ``--map HEADER=FIELD`` points a
field at any other header (FIELD is a name of the table below).

The defaults cover WooCommerce's own CSV (Analytics → Orders: one row per order, orders only, pay_amount =
Net Sales), "Order Export & Order Import for WooCommerce" (WebToffee), "Advanced Order Export For WooCommerce"
(AlgolPlus) and "Customer/Order CSV Export" (SkyVerge). Line items come either one per row
(``sku``/``item_name`` + ``quantity`` columns; the order's fields may repeat on each row or fill only its
first) or packed in ``line_item_1``, ``line_item_2``, ... cells
(``name:Hoodie|product_id:12|sku:HD-1|quantity:2|total:40.00``).

-> ``orders`` per order_id: created_at (required), paid_at (without a paid date: the order time when the
status is processing, completed or refunded, ``wc-`` prefix ignored), shipped_at (completed), status,
customer_id (e-mail in lower case, else the customer user id; ``0`` = guest = NULL), item_amount, discount_amount,
shipping_fee, pay_amount, payment_method, source, region/city (shipping, else billing; the country where
there is no state), address_hash (SHA-256 of the shipping street, postcode, city and country). A currency
column sets the shop's currency. refunded > 0 -> ``refunds`` (refund_id = order_id-refund, created_at = the
payment time, else the order time). -> ``order_items``: product_id = sku, else the product id, else the
name; quantity, unit_price (else total / quantity), amount = line total (else unit_price x quantity).
``products``: id, name, unit price. ``customers``: customer_id with region and city.

Shop settings: the currency of the file's currency column; the time zone stays the shop's (the export's
times are the site's local time: set the shop's zone to the site's first, ``junshi shop set --timezone``).
"""

from __future__ import annotations

from pathlib import Path

from junshi.errors import ConfigError
from junshi.ingest.loader import Field, Loader
from junshi.ingest.presets.base import FileKind, Preset, best_kind
from junshi.ingest.presets.currency import adopt_currency
from junshi.ingest.presets.export_columns import Columns
from junshi.ingest.presets.reportfile import finish, taken_as
from junshi.ingest.readers import RawTable
from junshi.ingest.rules import table_rules
from junshi.ingest.sqlfuncs import quote_ident, quote_str

NAME = "woocommerce"
# field -> headers tried in order (--map HEADER=FIELD points the field at HEADER instead)
ORDER_FIELDS: dict[str, tuple[str, ...]] = {
    "order_id": ("order_number", "Order Number", "Order #", "order_id", "Order ID", "id"),
    "created_at": ("order_date", "Order Date", "date_created", "Date Created", "Date"),
    "paid_at": ("paid_date", "Paid Date", "date_paid", "Order Paid Date"),
    "shipped_at": ("completed_date", "Completed Date", "date_completed", "Order Completed Date"),
    "status": ("status", "order_status", "Order Status"),
    "email": ("customer_email", "billing_email", "Email (Billing)", "Customer Email", "Email"),
    "customer_user": ("customer_id", "customer_user", "Customer User ID", "Customer ID"),
    "currency": ("order_currency", "currency", "Order Currency"),
    "item_amount": ("order_subtotal", "Order Subtotal Amount", "Order Subtotal", "subtotal"),
    "discount_amount": ("discount_total", "cart_discount", "Cart Discount Amount", "Order Discount Amount"),
    "shipping_fee": ("shipping_total", "order_shipping", "Order Shipping Amount", "Shipping Total"),
    "pay_amount": ("order_total", "Order Total Amount", "Order Total", "total", "Net Sales"),
    "refunded": ("refunded_total", "order_refund", "Order Refund Amount", "Refunded Amount", "Refunded"),
    "payment_method": ("payment_method_title", "Payment Method Title", "payment_method", "Payment Method"),
    "source": ("Origin", "Attribution", "utm_source", "created_via", "Order Source"),
    "state": ("shipping_state", "State Code (Shipping)", "State (Shipping)", "billing_state",
              "State Code (Billing)", "State (Billing)"),
    "country": ("shipping_country", "Country Code (Shipping)", "Country (Shipping)", "billing_country",
                "Country Code (Billing)", "Country (Billing)"),
    "city": ("shipping_city", "City (Shipping)", "billing_city", "City (Billing)"),
    "street": ("shipping_address_1", "Address 1&2 (Shipping)", "Address 1 (Shipping)"),
    "postcode": ("shipping_postcode", "Postcode (Shipping)"),
}
LINE_FIELDS: dict[str, tuple[str, ...]] = {
    "sku": ("sku", "SKU", "Item SKU", "product_sku"),
    "product_ref": ("product_id", "Product Id", "Product ID"),
    "item_name": ("item_name", "Item Name", "Product Name", "product_name"),
    "quantity": ("quantity", "item_quantity", "Quantity", "Quantity (- Refund)", "Qty"),
    "unit_price": ("item_price", "Item Cost", "Item Price", "Price"),
    "line_total": ("item_total", "line_total", "Item Total", "Line Total"),
}
FIELDS = {**ORDER_FIELDS, **LINE_FIELDS}
# WooCommerce statuses of an order that was paid (its time is the order time when no paid date is exported)
PAID_STATUSES = ("processing", "completed", "refunded")
_PACKED = "line_item_"
_MONEY = "DECIMAL(18,2)"
_TYPES = {"created_at": "TIMESTAMP", "paid_at": "TIMESTAMP", "shipped_at": "TIMESTAMP", "quantity": "INTEGER",
          **{f: _MONEY for f in ("item_amount", "discount_amount", "shipping_fee", "pay_amount", "refunded",
                                 "unit_price", "line_total")}}


# The plugin exports recognised by their headers (a file mapped with --map is taken as MAPPED).
KINDS = (FileKind(name="webtoffee", zh="WooCommerce 订单导出（WebToffee）", en="WooCommerce order export (WebToffee)",
                  headers=("order_number", "order_date", "order_total")),
         FileKind(name="algolplus", zh="WooCommerce 订单导出（Advanced Order Export）",
                  en="WooCommerce order export (Advanced Order Export)",
                  headers=("Order Number", "Order Date", "Order Total Amount")))
MAPPED = FileKind(name="mapped", zh="按 --map 映射的订单导出", en="order export mapped with --map", headers=())


def _check_mapping(mapping: dict[str, str]) -> None:
    bad = [dst for dst in mapping.values() if dst not in FIELDS]
    if bad:
        raise ConfigError(
            f"--map target {bad[0]!r} is not a woocommerce field.", f"--map 目标 {bad[0]!r} 不是 woocommerce 字段。",
            hint_en="Fields: " + ", ".join(FIELDS), hint_zh="字段：" + "、".join(FIELDS),
        )


def _headers(field: str, mapping: dict[str, str]) -> tuple[str, ...]:
    """The headers tried for ``field``: the one --map points at it, then the defaults."""
    return ((field,) if field in mapping.values() else ()) + FIELDS[field]


def _packed(raw: RawTable) -> list[str]:
    """The ``line_item_N`` columns, in N order."""
    cols = [c for c in raw.columns if c.lower().startswith(_PACKED) and c[len(_PACKED):].isdigit()]
    return sorted(cols, key=lambda c: int(c[len(_PACKED):]))


def _part(expr: str, key: str) -> str:
    """One ``key:value`` part of a packed line item."""
    return f"NULLIF(trim(regexp_extract({expr}, '(?:^|\\|)\\s*{key}:([^|]*)', 1)), '')"


def _write_orders(loader: Loader, good: str) -> None:
    """``orders``, ``refunds`` and ``customers`` from the good rows (an order's fields may repeat on its rows)."""
    customer = "coalesce(lower(email), CASE WHEN customer_user NOT IN ('', '0') THEN customer_user END)"
    address = "CASE WHEN street IS NOT NULL THEN sha256(concat_ws('|', lower(street), postcode, city, country)) END"
    paid = ("coalesce(max(paid_at), CASE WHEN max(regexp_replace(lower(status), '^wc-', '')) IN "
            f"({', '.join(quote_str(s) for s in PAID_STATUSES)}) THEN min(created_at) END)")
    per_order = ", ".join(f"max({x}) AS {x}" for x in (
        "shipped_at", "status", "item_amount", "discount_amount", "shipping_fee", "pay_amount", "payment_method",
        "source", "city"))
    orders = loader.temp_name("woo")
    loader.con.execute(f"""CREATE TEMP TABLE {orders} AS SELECT order_id, min(created_at) AS created_at,
        {paid} AS paid_at, {per_order}, max({customer}) AS customer_id, max(coalesce(state, country)) AS region,
        max({address}) AS address_hash, max(refunded) AS refunded FROM {good} GROUP BY order_id""")
    loader.write("orders", f"SELECT * EXCLUDE (refunded) FROM {orders}")
    loader.write("refunds", f"""SELECT order_id || '-refund' AS refund_id, order_id,
        coalesce(paid_at, created_at) AS created_at, refunded AS amount FROM {orders} WHERE refunded > 0""")
    loader.write("customers", f"""SELECT customer_id, arg_max(region, created_at) AS region,
        arg_max(city, created_at) AS city FROM {orders} WHERE customer_id IS NOT NULL GROUP BY customer_id""")
    loader.con.execute(f"DROP TABLE {orders}")


def _lines(good: str, packed: int) -> str:
    """SQL of the line items of the good rows: one per row, or one per filled ``line_item_N`` cell."""
    if not packed:
        return f"""SELECT order_id, __line, 0 AS slot, sku, product_ref, item_name, quantity, unit_price, line_total
            FROM {good} WHERE coalesce(sku, product_ref, item_name) IS NOT NULL"""
    slots = ", ".join(quote_ident(f"li_{i}") for i in range(packed))
    li = "u.li"
    return f"""SELECT order_id, __line, slot, {_part(li, 'sku')} AS sku, {_part(li, 'product_id')} AS product_ref,
        {_part(li, 'name')} AS item_name, CAST(_ji_int({_part(li, 'quantity')}) AS INTEGER) AS quantity,
        CAST(NULL AS {_MONEY}) AS unit_price, CAST(_ji_money({_part(li, 'total')}) AS {_MONEY}) AS line_total
        FROM (SELECT order_id, __line, unnest([{slots}]) AS li, generate_subscripts([{slots}], 1) AS slot
              FROM {good}) u WHERE u.li IS NOT NULL"""


def _write_lines(loader: Loader, lines: str) -> None:
    """``order_items`` and ``products`` from the line items ``lines`` (numbered in file order per order)."""
    items = loader.temp_name("wooline")
    loader.con.execute(f"""CREATE TEMP TABLE {items} AS SELECT order_id,
        row_number() OVER (PARTITION BY order_id ORDER BY __line, slot) AS line_no,
        coalesce(sku, product_ref, item_name) AS product_id, item_name, quantity,
        coalesce(unit_price, CASE WHEN quantity > 0 THEN line_total / quantity END) AS unit_price,
        coalesce(line_total, unit_price * quantity) AS amount FROM ({lines})""")
    loader.write("order_items", f"SELECT * EXCLUDE (item_name) FROM {items}")
    loader.write("products", f"""SELECT product_id, arg_max(item_name, (order_id, line_no)) AS name,
        arg_max(unit_price, (order_id, line_no)) AS price FROM {items} GROUP BY product_id""")
    loader.con.execute(f"DROP TABLE {items}")


def load(loader: Loader, files: list[Path], mapping: dict[str, str]) -> None:
    _check_mapping(mapping)
    for path in files:
        raw = loader.read(path, rename=mapping)
        c = Columns(raw)
        c.require(NAME, [_headers("order_id", mapping), _headers("created_at", mapping)])
        packed = _packed(raw)
        per_row = not packed and c.has(*_headers("quantity", mapping))
        fields = [Field(f, _TYPES.get(f, "VARCHAR"), c.sql(*_headers(f, mapping)),
                        required=f in ("order_id", "quantity")) for f in (FIELDS if per_row else ORDER_FIELDS)]
        fields += [Field(f"li_{i}", "VARCHAR", c.sql(col)) for i, col in enumerate(packed)]
        names = [f.name for f in fields]
        rules = [*table_rules("orders", names), ("refunded < 0", "negative amount: refunded"),
                 ("min(created_at) OVER (PARTITION BY order_id) IS NULL", "missing value: created_at")]
        if per_row:
            rules += table_rules("order_items", names)
        for i, col in enumerate(packed):
            li = quote_ident(f"li_{i}")
            rules.append((f"{li} IS NOT NULL AND (_ji_int({_part(li, 'quantity')}) IS NULL OR "
                          f"({_part(li, 'total')} IS NOT NULL AND _ji_money({_part(li, 'total')}) IS NULL))",
                          f"bad line item: {col}"))
        g = loader.check(raw, "order_items" if per_row else "orders", fields, rules)
        taken_as(loader, raw, NAME, best_kind(KINDS, raw.columns, path.name) or MAPPED)
        finish(loader, raw, fields)
        adopt_currency(loader, g)
        _write_orders(loader, g)
        if per_row or packed:
            _write_lines(loader, _lines(g, len(packed)))


PRESET = Preset(NAME, "WooCommerce order CSV (plugin exports; documented default mapping, --map overrides)",
                "WooCommerce 订单 CSV（各插件导出；有文档的默认映射，可用 --map 覆盖）", "woocommerce", None, None,
                load, kinds=KINDS)
