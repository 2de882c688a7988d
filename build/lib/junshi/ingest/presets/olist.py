"""Olist Brazilian e-commerce public dataset: a folder of CSV files, recognised by their columns.

- ``olist_customers_dataset``: customer_id -> customer_unique_id (the person; Olist gives a new
  customer_id to every order). ``customers``: customer_id = customer_unique_id, region =
  customer_state, city = customer_city.
- ``olist_orders_dataset`` -> ``orders``: order_id, customer_id = the customer_unique_id of the
  order's customer_id (the raw customer_id when the customers file is absent), status = order_status,
  created_at = order_purchase_timestamp, paid_at = order_approved_at, shipped_at =
  order_delivered_carrier_date, delivered_at = order_delivered_customer_date, promised_at =
  order_estimated_delivery_date (the day promised to the buyer; Olist names no carrier), region/city = the
  customer's state/city, item_amount = sum of item prices, shipping_fee = sum of freight_value,
  pay_amount = sum of payment_value, payment_method = the payment_type of the largest payment.
- ``olist_order_items_dataset`` -> ``order_items``: line_no = order_item_id, product_id, quantity 1
  (each row is one unit), unit_price = amount = price.
- ``olist_order_payments_dataset``: only summed into orders (pay_amount, payment_method).
- ``olist_order_reviews_dataset`` -> ``reviews``: review_id = ``review_id-order_id`` (Olist reuses a
  review_id across orders), rating = review_score, created_at = review_creation_date, text = title and
  message, customer_id from the order.
- ``olist_products_dataset`` + ``product_category_name_translation`` -> ``products``: category = the
  English category name (the Portuguese one when untranslated).
- ``olist_sellers_dataset`` and ``olist_geolocation_dataset`` have no canonical table and are skipped
  (listed in the report with 0 rows).

Shop settings: currency BRL, time zone America/Sao_Paulo (the timestamps are local, naive).
"""

from __future__ import annotations

from pathlib import Path

from junshi.errors import IngestError
from junshi.ingest.encoding import file_sha256
from junshi.ingest.loader import Field, Loader
from junshi.ingest.presets.base import FileKind, Preset, require
from junshi.ingest.report import FileLoad
from junshi.ingest.rules import table_rules

# kind -> (a column that identifies the file, the columns it must have)
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "orders": ("order_purchase_timestamp", ("order_id", "customer_id", "order_status", "order_purchase_timestamp",
                                            "order_approved_at", "order_delivered_carrier_date",
                                            "order_delivered_customer_date", "order_estimated_delivery_date")),
    "items": ("order_item_id", ("order_id", "order_item_id", "product_id", "price", "freight_value")),
    "payments": ("payment_sequential", ("order_id", "payment_sequential", "payment_type", "payment_value")),
    "reviews": ("review_score", ("review_id", "order_id", "review_score", "review_comment_title",
                                 "review_comment_message", "review_creation_date")),
    "customers": ("customer_unique_id", ("customer_id", "customer_unique_id", "customer_city", "customer_state")),
    "translation": ("product_category_name_english", ("product_category_name", "product_category_name_english")),
    "products": ("product_category_name", ("product_id", "product_category_name")),
    "sellers": ("seller_zip_code_prefix", ()),
    "geolocation": ("geolocation_lat", ()),
}


def _kind(path: Path) -> str:
    with path.open("rb") as f:
        header = f.readline().decode("utf-8-sig", "replace")
    cols = {c.strip().strip('"') for c in header.split(",")}
    for kind, (mark, _) in KINDS.items():
        if mark in cols:
            return kind
    raise IngestError(
        f"{path} is not a file of the Olist dataset (columns: {header.strip()}).",
        f"{path} 不是 Olist 数据集的文件（列：{header.strip()}）。",
        hint_en="Give the Olist folder or its CSV files (olist_orders_dataset.csv, ...).",
        hint_zh="请给出 Olist 文件夹或其中的 CSV 文件（olist_orders_dataset.csv 等）。",
    )


def load(loader: Loader, files: list[Path], mapping: dict[str, str]) -> None:
    by_kind: dict[str, Path] = {}
    for path in files:
        by_kind[_kind(path)] = path
    if "orders" not in by_kind:
        raise IngestError(
            "The Olist preset needs olist_orders_dataset.csv among the files.",
            "Olist 预设需要 olist_orders_dataset.csv 文件。",
            hint_en="Give the whole Olist folder.", hint_zh="请给出整个 Olist 文件夹。",
        )
    good: dict[str, str] = {}

    def check(kind: str, table: str, fields: list[Field], rules: list[tuple[str, str]]) -> None:
        raw = loader.read(by_kind[kind], rename=mapping)
        require(raw, "olist", KINDS[kind][1])
        good[kind] = loader.check(raw, table, fields, rules)

    for kind in ("sellers", "geolocation"):
        if kind in by_kind:
            p = by_kind[kind]
            loader.files[p] = FileLoad(str(p), file_sha256(p), "utf-8")
    if "customers" in by_kind:
        check("customers", "customers", [
            Field("customer_id", "VARCHAR", "r.customer_id", required=True),
            Field("unique_id", "VARCHAR", "r.customer_unique_id", required=True),
            Field("city", "VARCHAR", "r.customer_city"),
            Field("region", "VARCHAR", "r.customer_state"),
        ], [])
        loader.write("customers", f"""SELECT unique_id AS customer_id, arg_max(region, __line) AS region,
            arg_max(city, __line) AS city FROM {good['customers']} GROUP BY unique_id""")
    if "items" in by_kind:
        item_fields = [
            Field("order_id", "VARCHAR", "r.order_id", required=True),
            Field("line_no", "INTEGER", "r.order_item_id", required=True),
            Field("product_id", "VARCHAR", "r.product_id", required=True),
            Field("unit_price", "DECIMAL(18,2)", "r.price", required=True),
            Field("freight", "DECIMAL(18,2)", "r.freight_value"),
        ]
        check("items", "order_items", item_fields,
              [*table_rules("order_items", ["unit_price"]), ("freight < 0", "negative amount: freight_value")])
        loader.write("order_items", f"""SELECT order_id, line_no, product_id, 1 AS quantity, unit_price,
            unit_price AS amount FROM {good['items']}""")
    if "payments" in by_kind:
        check("payments", "orders", [
            Field("order_id", "VARCHAR", "r.order_id", required=True),
            Field("seq", "INTEGER", "r.payment_sequential"),
            Field("payment_type", "VARCHAR", "r.payment_type"),
            Field("value", "DECIMAL(18,2)", "r.payment_value", required=True),
        ], [("value < 0", "negative amount: payment_value")])
    order_fields = [
        Field("order_id", "VARCHAR", "r.order_id", required=True),
        Field("customer_id", "VARCHAR", "r.customer_id", required=True),
        Field("status", "VARCHAR", "r.order_status"),
        Field("created_at", "TIMESTAMP", "r.order_purchase_timestamp", required=True),
        Field("paid_at", "TIMESTAMP", "r.order_approved_at"),
        Field("shipped_at", "TIMESTAMP", "r.order_delivered_carrier_date"),
        Field("delivered_at", "TIMESTAMP", "r.order_delivered_customer_date"),
        Field("promised_at", "TIMESTAMP", "r.order_estimated_delivery_date"),
    ]
    check("orders", "orders", order_fields, table_rules("orders", [f.name for f in order_fields]))
    cust = (f"LEFT JOIN (SELECT customer_id, any_value(unique_id) AS unique_id, any_value(region) AS region, "
            f"any_value(city) AS city FROM {good['customers']} GROUP BY customer_id) c USING (customer_id)"
            if "customers" in good else
            "LEFT JOIN (SELECT NULL AS customer_id, NULL AS unique_id, NULL AS region, NULL AS city) c "
            "USING (customer_id)")
    items = (f"LEFT JOIN (SELECT order_id, sum(unit_price) AS item_amount, sum(freight) AS shipping_fee "
             f"FROM {good['items']} GROUP BY order_id) i USING (order_id)" if "items" in good else
             "LEFT JOIN (SELECT NULL AS order_id, NULL AS item_amount, NULL AS shipping_fee) i USING (order_id)")
    pays = (f"LEFT JOIN (SELECT order_id, sum(value) AS pay_amount, arg_max(payment_type, (value, -seq)) AS "
            f"payment_method FROM {good['payments']} GROUP BY order_id) p USING (order_id)" if "payments" in good
            else "LEFT JOIN (SELECT NULL AS order_id, NULL AS pay_amount, NULL AS payment_method) p USING (order_id)")
    orders = loader.temp_name("olist")
    loader.con.execute(f"""CREATE TEMP TABLE {orders} AS SELECT o.order_id,
        coalesce(c.unique_id, o.customer_id) AS customer_id, o.status, o.created_at, o.paid_at, o.shipped_at,
        o.delivered_at, o.promised_at, c.region, c.city, i.item_amount, i.shipping_fee, p.pay_amount, p.payment_method
        FROM {good['orders']} o {cust} {items} {pays}""")
    loader.write("orders", f"SELECT * FROM {orders}")
    if "reviews" in by_kind:
        check("reviews", "reviews", [
            Field("id", "VARCHAR", "r.review_id", required=True),
            Field("order_id", "VARCHAR", "r.order_id", required=True),
            Field("rating", "INTEGER", "r.review_score", required=True),
            Field("title", "VARCHAR", "r.review_comment_title"),
            Field("message", "VARCHAR", "r.review_comment_message"),
            Field("created_at", "TIMESTAMP", "r.review_creation_date", required=True),
        ], table_rules("reviews", ["rating"]))
        loader.write("reviews", f"""SELECT v.id || '-' || v.order_id AS review_id, v.order_id, o.customer_id,
            v.created_at, v.rating, NULLIF(concat_ws(E'\\n', v.title, v.message), '') AS text
            FROM {good['reviews']} v LEFT JOIN {orders} o USING (order_id)""")
    if "products" in by_kind:
        if "translation" in by_kind:
            check("translation", "products", [
                Field("pt", "VARCHAR", "r.product_category_name", required=True),
                Field("en", "VARCHAR", "r.product_category_name_english"),
            ], [])
        check("products", "products", [
            Field("product_id", "VARCHAR", "r.product_id", required=True),
            Field("category", "VARCHAR", "r.product_category_name"),
        ], [])
        tr = (f"LEFT JOIN (SELECT pt, any_value(en) AS en FROM {good['translation']} GROUP BY pt) t "
              "ON t.pt = p.category" if "translation" in good else
              "LEFT JOIN (SELECT NULL AS pt, NULL AS en) t ON t.pt = p.category")
        loader.write("products", f"""SELECT p.product_id, coalesce(t.en, p.category) AS category
            FROM {good['products']} p {tr}""")
    loader.con.execute(f"DROP TABLE {orders}")


PRESET = Preset("olist", "Olist Brazilian e-commerce dataset folder", "Olist 巴西电商公开数据集文件夹",
                "olist", "BRL", "America/Sao_Paulo", load,
                kinds=tuple(FileKind(name=kind, zh=f"Olist {kind} 文件", en=f"Olist {kind} file",
                                     headers=cols or (mark,), names=(f"olist_{kind}",))
                            for kind, (mark, cols) in KINDS.items()))
