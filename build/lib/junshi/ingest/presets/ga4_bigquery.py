"""GA4 BigQuery export (``analytics_<property>.events_YYYYMMDD``, also ``events_intraday_``) saved as Parquet
or as JSON Lines (``bq extract --destination_format NEWLINE_DELIMITED_JSON``; INT64 values may be strings).

One row per event with the export's nested records: ``event_params`` (repeated ``key`` + ``value``
{string_value, int_value, float_value, double_value}), ``items`` (repeated item_id, item_name, item_brand,
item_category, price, quantity, item_revenue, ...), ``ecommerce``, ``device``, ``geo``, ``traffic_source``,
``collected_traffic_source``. ``event_timestamp`` (microseconds, UTC) is converted to the shop's time zone.

GA4 rewrites a day's table for up to three days as late events arrive, so **loading a day replaces that
day**: the GA4 sessions, events, orders, order lines and refunds of every ``event_date`` in the file are
deleted first, and the file's rows written (products and customers are updated, never deleted).

- ``sessions``: one per user_pseudo_id + ga_session_id (event param) + event_date (a visit that crosses
  midnight is one session per day, as the daily tables hold it; events without ga_session_id form one visit
  per user and day): session_id = ``ga4-DATE-PSEUDO-SESSION``, visitor_id = user_pseudo_id, customer_id =
  user_id, started_at = its first event, source / medium / campaign = the first event params ``source`` /
  ``medium`` / ``campaign`` (else collected_traffic_source.manual_*), device = device.category, landing_page
  = the first page_location, region = geo.region (else geo.country).
- ``events``: page_view -> page_view, view_item -> product_view, view_search_results / search -> search,
  add_to_cart, add_to_wishlist -> favorite, begin_checkout, purchase -> payment (other events, such as
  session_start, scroll and user_engagement, feed sessions only); product_id = the first item's item_id,
  page = page_location, query = search_term; event_id = ``ga4-DATE-PSEUDO-TIMESTAMP-NAME-k``.
- ``orders`` from purchase events: order_id = ecommerce.transaction_id (else the transaction_id param),
  created_at = paid_at = the event time, pay_amount = the ``value`` param (else ecommerce.purchase_revenue),
  shipping_fee = ecommerce.shipping_value (else the ``shipping`` param), item_amount = sum of item price x
  quantity, customer_id = user_id, visitor_id, session_id, source, device, region/city from the session and
  geo. The ``currency`` param sets the shop's currency. A purchase without a transaction id (or ``(not
  set)``) is quarantined, and so is a second purchase event with an id already seen ("repeated purchase
  event": GA4 records a reloaded thank-you page again).
- ``order_items``: the purchase's items: line_no = position, product_id = item_id (else item_name),
  quantity (1 when absent), unit_price = price, amount = item_revenue (else price x quantity).
- ``refunds`` from refund events: refund_id = ``ga4-DATE-TRANSACTION-k``, order_id = transaction_id,
  created_at = the event time, amount = the ``value`` param (else ecommerce.refund_value; without either, a
  full refund: its order's value, from the file's purchase or the stored order; with none of these it is
  quarantined, "missing value: value").
- ``products``: every item_id seen with its latest name, category, brand and price (a value the events lack
  keeps the stored one, e.g. a category loaded from the catalogue); ``customers``: every user_id with geo
  region/city and acquisition_source = traffic_source.source (the user's first source).

Shop settings: the purchases' currency; the time zone stays the shop's.
"""

from __future__ import annotations

import json
from pathlib import Path

from junshi.errors import IngestError
from junshi.ingest.encoding import file_sha256
from junshi.ingest.loader import Field, Loader
from junshi.ingest.presets.base import FileKind, Preset, require
from junshi.ingest.presets.currency import adopt_currency
from junshi.ingest.presets.reportfile import merge_products, taken_as
from junshi.ingest.readers import JSONL, PARQUET, RawTable, peek
from junshi.ingest.sqlfuncs import quote_ident, quote_str

NAME = "ga4-bigquery"
_MONEY = "VARCHAR"  # read as text so that 19.99 stays 19.99 (then parsed as money)
_ITEM = {"item_id": "VARCHAR", "item_name": "VARCHAR", "item_brand": "VARCHAR", "item_category": "VARCHAR",
         "price": _MONEY, "quantity": "VARCHAR", "item_revenue": _MONEY}
# The part of the export schema the preset reads (json_transform ignores the other fields).
SCHEMA = {
    "event_date": "VARCHAR", "event_timestamp": "VARCHAR", "event_name": "VARCHAR",
    "event_params": [{"key": "VARCHAR", "value": {"string_value": "VARCHAR", "int_value": "VARCHAR",
                                                  "float_value": "VARCHAR", "double_value": "VARCHAR"}}],
    "user_id": "VARCHAR", "user_pseudo_id": "VARCHAR",
    "device": {"category": "VARCHAR"},
    "geo": {"country": "VARCHAR", "region": "VARCHAR", "city": "VARCHAR"},
    "traffic_source": {"name": "VARCHAR", "medium": "VARCHAR", "source": "VARCHAR"},
    "collected_traffic_source": {"manual_source": "VARCHAR", "manual_medium": "VARCHAR",
                                 "manual_campaign_name": "VARCHAR"},
    "ecommerce": {"transaction_id": "VARCHAR", "purchase_revenue": _MONEY, "shipping_value": _MONEY,
                  "refund_value": _MONEY},
    "items": [_ITEM],
}
EVENT_TYPES = {"page_view": "page_view", "view_item": "product_view", "view_search_results": "search",
               "search": "search", "add_to_cart": "add_to_cart", "add_to_wishlist": "favorite",
               "begin_checkout": "begin_checkout", "purchase": "payment"}


KIND = FileKind(name="events", zh="GA4 BigQuery 事件导出", en="GA4 BigQuery events export",
                headers=("event_date", "event_timestamp", "event_name", "event_params", "user_pseudo_id"))


def _param(key: str) -> str:
    """The value of event param ``key`` as text (whichever of its typed values is set)."""
    v = f"list_filter(r.e.event_params, lambda p: p.key = {quote_str(key)})[1].value"
    return f"coalesce({v}.string_value, {v}.int_value, {v}.double_value, {v}.float_value)"


def _read(loader: Loader, path: Path) -> RawTable:
    """The file as one struct column ``e`` (the schema above), in file order."""
    suffix = path.suffix.lower()
    if suffix not in PARQUET | JSONL:
        raise IngestError(
            f"{path.name} is not a Parquet or JSON Lines file.", f"{path.name} 不是 Parquet 或 JSON Lines 文件。",
            hint_en="Export the GA4 table as Parquet or newline-delimited JSON.",
            hint_zh="请将 GA4 表导出为 Parquet 或 JSON Lines（每行一个 JSON）。",
        )
    head = peek(path).columns
    require(RawTable("", path, head, 0, "", ""), NAME, KIND.headers)
    if suffix in PARQUET:  # only the columns read: a real export has many more, some large (user_properties)
        picked = ", ".join(f"{c} := p.{quote_ident(c)}" for c in head if c in SCHEMA)
        src = f"SELECT to_json(struct_pack({picked})) AS j FROM read_parquet({quote_str(str(path))}) p"
    else:
        src = f"SELECT json AS j FROM read_json_objects({quote_str(str(path))}, format='newline_delimited')"
    name = loader.temp_name("ga4")
    try:
        loader.con.execute(f"CREATE TEMP TABLE {name} AS SELECT json_transform(j, {quote_str(json.dumps(SCHEMA))}) "
                           f"AS e FROM ({src})")
    except Exception as exc:  # DuckDB raises IO, invalid-input and conversion errors on damaged files
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise IngestError(
            f"Cannot read {path}: {detail}", f"无法读取 {path}：{detail}",
            hint_en="Check that the file is a complete GA4 BigQuery export.",
            hint_zh="请确认文件是完整的 GA4 BigQuery 导出。",
        ) from exc
    rows, base = loader.con.execute(f"SELECT count(*), coalesce(min(rowid), 0) FROM {name}").fetchall()[0]
    return loader.adopt(RawTable(name, path, ("e",), int(rows), "utf-8", file_sha256(path), int(base)))


def _delete_days(loader: Loader, good: str) -> None:
    """Remove the GA4 rows of the days the file holds (the file replaces them)."""
    shop = quote_str(loader.shop_id)
    for (day,) in loader.con.execute(f"SELECT DISTINCT event_date FROM {good}").fetchall():
        prefix = quote_str(f"ga4-{day}-%")
        orders = f"SELECT order_id FROM orders WHERE shop_id = {shop} AND session_id LIKE {prefix}"
        loader.delete("order_items", f"order_id IN ({orders})")
        for table, col in (("orders", "session_id"), ("events", "event_id"), ("sessions", "session_id"),
                           ("refunds", "refund_id")):
            loader.delete(table, f"{col} LIKE {prefix}")


def _fields(tz: str) -> list[Field]:
    """The typed fields of an event row (``r.e``); ``tz`` is the shop's time zone as a SQL literal."""
    e = "r.e"
    micros = f"TRY_CAST({e}.event_timestamp AS BIGINT)"
    bad_items = (f"len(list_filter({e}.items, lambda i: (i.price IS NOT NULL AND _ji_money(i.price) IS NULL) "
                 f"OR (i.quantity IS NOT NULL AND _ji_int(i.quantity) IS NULL)))")
    manual = f"{e}.collected_traffic_source.manual_"
    return [
        Field("event_date", "VARCHAR", f"{e}.event_date", required=True),
        Field("ts", "TIMESTAMP", f"CAST(timezone({tz}, make_timestamp({micros}) AT TIME ZONE 'UTC') AS VARCHAR)",
              required=True),
        Field("event_name", "VARCHAR", f"{e}.event_name", required=True),
        Field("visitor_id", "VARCHAR", f"{e}.user_pseudo_id", required=True),
        Field("customer_id", "VARCHAR", f"{e}.user_id"),
        Field("ga_session_id", "BIGINT", _param("ga_session_id")),
        Field("page", "VARCHAR", _param("page_location")),
        Field("query", "VARCHAR", _param("search_term")),
        Field("product_id", "VARCHAR", f"{e}.items[1].item_id"),
        Field("source", "VARCHAR", f"coalesce({_param('source')}, {manual}source)"),
        Field("medium", "VARCHAR", f"coalesce({_param('medium')}, {manual}medium)"),
        Field("campaign", "VARCHAR", f"coalesce({_param('campaign')}, {manual}campaign_name)"),
        Field("first_source", "VARCHAR", f"{e}.traffic_source.source"),
        Field("device", "VARCHAR", f"{e}.device.category"),
        Field("region", "VARCHAR", f"coalesce({e}.geo.region, {e}.geo.country)"),
        Field("city", "VARCHAR", f"{e}.geo.city"),
        Field("transaction_id", "VARCHAR",
              f"NULLIF(coalesce({e}.ecommerce.transaction_id, {_param('transaction_id')}), '(not set)')"),
        Field("value", "DECIMAL(18,2)",
              f"coalesce({_param('value')}, {e}.ecommerce.purchase_revenue, {e}.ecommerce.refund_value)"),
        Field("shipping", "DECIMAL(18,2)", f"coalesce({e}.ecommerce.shipping_value, {_param('shipping')})"),
        Field("currency", "VARCHAR", f"CASE WHEN {e}.event_name = 'purchase' THEN {_param('currency')} END"),
        Field("bad_items", "INTEGER", f"CAST({bad_items} AS VARCHAR)"),
    ]


_PURCHASE = "event_name = 'purchase'"
_REFUND = "event_name = 'refund'"
# A refund without a value refunds its whole order: the order's value in the same file
_ORDER_VALUE = f"max(value) FILTER (WHERE {_PURCHASE}) OVER (PARTITION BY transaction_id)"


def _rules(shop_id: str) -> list[tuple[str, str]]:
    """Quarantine rules; a refund needs an amount: its value, else its order's (in the file or stored)."""
    stored = (f"(SELECT pay_amount FROM orders o WHERE o.shop_id = {quote_str(shop_id)} "
              "AND o.order_id = transaction_id)")
    tx = "event_name IN ('purchase', 'refund')"
    return [
        ("NOT regexp_full_match(event_date, '\\d{8}')", "not a date/time: event_date"),
        (f"{tx} AND transaction_id IS NULL", "missing value: transaction_id"),
        (f"{tx} AND value < 0", "negative amount: value"),
        (f"{_REFUND} AND coalesce(value, {_ORDER_VALUE}, {stored}) IS NULL", "missing value: value"),
        (f"{_PURCHASE} AND bad_items > 0", "bad line item: items"),
        (f"{_PURCHASE} AND transaction_id IS NOT NULL AND row_number() OVER "
         "(PARTITION BY event_name, transaction_id ORDER BY ts, __line) > 1", "repeated purchase event"),
    ]


def _write_visits(loader: Loader, ev: str) -> str:
    """``sessions`` and ``events`` from the events ``ev``; returns the temp table of sessions (caller drops it)."""
    first = ", ".join(f"arg_min({c}, (ts, __line)) FILTER (WHERE {c} IS NOT NULL) AS {c}"
                      for c in ("source", "medium", "campaign", "device"))
    sessions = loader.temp_name("ga4se")
    loader.con.execute(f"""CREATE TEMP TABLE {sessions} AS SELECT session_id, any_value(visitor_id) AS visitor_id,
        max(customer_id) AS customer_id, min(ts) AS started_at, {first},
        arg_min(page, (ts, __line)) FILTER (WHERE event_name = 'page_view' AND page IS NOT NULL) AS landing_page,
        arg_min(region, (ts, __line)) FILTER (WHERE region IS NOT NULL) AS region
        FROM {ev} GROUP BY session_id""")
    loader.write("sessions", f"SELECT * FROM {sessions}")
    types = " ".join(f"WHEN {quote_str(k)} THEN {quote_str(v)}" for k, v in EVENT_TYPES.items())
    loader.write("events", f"""SELECT event_id, session_id, visitor_id, customer_id, ts,
        CASE event_name {types} END AS event_type, product_id, page, query FROM {ev}
        WHERE event_name IN ({', '.join(quote_str(k) for k in EVENT_TYPES)})""")
    return sessions


def _write_purchases(loader: Loader, raw: RawTable, ev: str, sessions: str) -> None:
    """``orders``, ``order_items`` and ``refunds`` from the purchase and refund events, ``products`` from every
    event's items."""
    items = loader.temp_name("ga4it")
    loader.con.execute(f"""CREATE TEMP TABLE {items} AS SELECT e.transaction_id AS order_id, e.ts, e.__line,
        e.event_name, i.pos AS line_no, i.item.item_id AS item_id, i.item.item_name AS name,
        i.item.item_category AS category, i.item.item_brand AS brand,
        CAST(_ji_money(i.item.price) AS DECIMAL(18,2)) AS unit_price,
        CAST(coalesce(_ji_int(i.item.quantity), 1) AS INTEGER) AS quantity,
        CAST(_ji_money(i.item.item_revenue) AS DECIMAL(18,2)) AS revenue
        FROM {ev} e JOIN {raw.name} r ON {raw.line} = e.__line,
             (SELECT unnest(r.e.items) AS item, generate_subscripts(r.e.items, 1) AS pos) i""")
    bought = f"SELECT * FROM {items} WHERE {_PURCHASE} AND coalesce(item_id, name) IS NOT NULL"
    loader.write("orders", f"""SELECT e.transaction_id AS order_id, e.customer_id, e.visitor_id, e.session_id,
        e.ts AS created_at, e.ts AS paid_at, s.source, e.device, e.region, e.city, i.item_amount,
        e.shipping AS shipping_fee, e.value AS pay_amount
        FROM {ev} e JOIN {sessions} s USING (session_id)
        LEFT JOIN (SELECT order_id, sum(unit_price * quantity) AS item_amount FROM ({bought}) GROUP BY order_id) i
          ON i.order_id = e.transaction_id
        WHERE e.{_PURCHASE}""")
    loader.write("order_items", f"""SELECT order_id, row_number() OVER (PARTITION BY order_id ORDER BY line_no)
        AS line_no, coalesce(item_id, name) AS product_id, quantity, unit_price,
        coalesce(revenue, unit_price * quantity) AS amount FROM ({bought})""")
    loader.write("refunds", f"""SELECT 'ga4-' || e.event_date || '-' || e.transaction_id || '-'
          || row_number() OVER (PARTITION BY e.event_date, e.transaction_id ORDER BY e.ts, e.__line) AS refund_id,
        e.transaction_id AS order_id, e.ts AS created_at, coalesce(e.value, e.order_value, o.pay_amount) AS amount
        FROM (SELECT *, {_ORDER_VALUE} AS order_value FROM {ev}) e
        LEFT JOIN orders o ON o.shop_id = {quote_str(loader.shop_id)} AND o.order_id = e.transaction_id
        WHERE e.{_REFUND}""")
    merge_products(loader, f"""SELECT item_id AS product_id, arg_max(name, (ts, __line)) AS name,
        arg_max(category, (ts, __line)) AS category, arg_max(brand, (ts, __line)) AS brand,
        arg_max(unit_price, (ts, __line)) FILTER (WHERE unit_price IS NOT NULL) AS price
        FROM {items} WHERE item_id IS NOT NULL GROUP BY item_id""")
    loader.con.execute(f"DROP TABLE {items}")


def load(loader: Loader, files: list[Path], mapping: dict[str, str]) -> None:
    tz = quote_str(str(loader.con.execute("SELECT timezone FROM shops WHERE shop_id = ?",
                                          [loader.shop_id]).fetchall()[0][0]))
    for path in files:
        raw = _read(loader, path)
        g = loader.check(raw, "events", _fields(tz), _rules(loader.shop_id))
        taken_as(loader, raw, NAME, KIND)
        adopt_currency(loader, g)
        _delete_days(loader, g)
        ev = loader.temp_name("ga4ev")
        session = "'ga4-' || event_date || '-' || visitor_id || coalesce('-' || CAST(ga_session_id AS VARCHAR), '')"
        loader.con.execute(f"""CREATE TEMP TABLE {ev} AS SELECT *, {session} AS session_id,
            'ga4-' || event_date || '-' || visitor_id || '-' || strftime(ts, '%Y%m%d%H%M%S%f') || '-' || event_name
              || '-' || row_number() OVER (PARTITION BY visitor_id, ts, event_name ORDER BY __line) AS event_id
            FROM {g}""")
        sessions = _write_visits(loader, ev)
        _write_purchases(loader, raw, ev, sessions)
        loader.write("customers", f"""SELECT customer_id, arg_max(region, (ts, __line)) AS region,
            arg_max(city, (ts, __line)) AS city, arg_min(first_source, (ts, __line)) AS acquisition_source
            FROM {ev} WHERE customer_id IS NOT NULL GROUP BY customer_id""")
        loader.con.execute(f"DROP TABLE {sessions}; DROP TABLE {ev}")


PRESET = Preset(NAME, "Google Analytics 4 BigQuery export (events_YYYYMMDD as Parquet or JSON Lines)",
                "Google Analytics 4 BigQuery 导出（events_YYYYMMDD，Parquet 或 JSON Lines）", "own", None, None, load,
                kinds=(KIND,))
