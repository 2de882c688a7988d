"""Alibaba Tianchi UserBehavior (淘宝用户行为): ``user_id,item_id,category_id,behavior_type,timestamp``.

Header optional; timestamp in Unix seconds, converted to Asia/Shanghai.

- ``events``: one per row: pv -> product_view, cart -> add_to_cart, fav -> favorite, buy -> payment;
  visitor_id = customer_id = user_id; product_id = item_id; event_id = ``user-item-type-time-k``
  (k numbers identical rows, so a row keeps its id when files are split or re-loaded).
- ``sessions``: a user's events with gaps of at most 30 minutes form one visit; session_id =
  ``user-start time``; events get their session_id.
- ``orders``: one per buy row: order_id = ``buy-`` + event_id, created_at = paid_at = its time,
  amounts null (the data has none); one ``order_items`` line (the item, quantity 1).
- ``products``: item_id with its category_id (latest seen); ``customers``: every user_id.
- quarantine: unknown behavior types, timestamps that are not Unix seconds, missing ids.

Shop settings: currency CNY, time zone Asia/Shanghai.
"""

from __future__ import annotations

from pathlib import Path

from junshi.ingest.loader import Field, Loader
from junshi.ingest.presets.base import FileKind, Preset, require

COLUMNS = ("user_id", "item_id", "category_id", "behavior_type", "timestamp")
GAP = "INTERVAL 30 MINUTE"


def _has_header(path: Path) -> bool:
    with path.open("rb") as f:
        first = f.readline().decode("utf-8", "replace").lower()
    return "user" in first or "behavior" in first


def load(loader: Loader, files: list[Path], mapping: dict[str, str]) -> None:
    for path in files:
        header = _has_header(path)
        raw = loader.read(path, rename=mapping, header=header, columns=None if header else COLUMNS, delim=",")
        require(raw, "taobao-userbehavior", COLUMNS)
        fields = [
            Field("user_id", "VARCHAR", "r.user_id", required=True),
            Field("item_id", "VARCHAR", "r.item_id", required=True),
            Field("category_id", "VARCHAR", "r.category_id"),
            Field("behavior", "VARCHAR", "lower(trim(r.behavior_type))", required=True),
            Field("ts", "TIMESTAMP", "CASE WHEN regexp_full_match(trim(r.timestamp), '\\d+') THEN r.timestamp "
                  "ELSE 'not unix seconds: ' || r.timestamp END", required=True),
        ]
        rules = [("behavior NOT IN ('pv', 'cart', 'fav', 'buy')", "unknown event type")]
        g = loader.check(raw, "events", fields, rules)
        ev = loader.temp_name("ub")
        loader.con.execute(f"""CREATE TEMP TABLE {ev} AS
            WITH k AS (
              SELECT *, CASE behavior WHEN 'pv' THEN 'product_view' WHEN 'cart' THEN 'add_to_cart'
                                      WHEN 'fav' THEN 'favorite' ELSE 'payment' END AS event_type,
                     user_id || '-' || item_id || '-' || behavior || '-' || strftime(ts, '%Y%m%d%H%M%S') || '-' ||
                       row_number() OVER (PARTITION BY user_id, item_id, behavior, ts ORDER BY __line) AS event_id,
                     coalesce(ts - lag(ts) OVER (PARTITION BY user_id ORDER BY ts, __line) > {GAP}, true) AS new_visit
              FROM {g}),
            v AS (SELECT *, sum(CAST(new_visit AS INTEGER)) OVER (PARTITION BY user_id ORDER BY ts, __line
                                                               ROWS UNBOUNDED PRECEDING) AS visit_no FROM k)
            SELECT *, user_id || '-' || strftime(min(ts) OVER (PARTITION BY user_id, visit_no), '%Y%m%d%H%M%S')
                        AS session_id
            FROM v""")
        loader.write("events", f"""SELECT event_id, session_id, user_id AS visitor_id, user_id AS customer_id, ts,
            event_type, item_id AS product_id FROM {ev}""")
        loader.write("sessions", f"""SELECT session_id, any_value(user_id) AS visitor_id,
            any_value(user_id) AS customer_id, min(ts) AS started_at FROM {ev} GROUP BY session_id""")
        buys = f"FROM {ev} WHERE behavior = 'buy'"
        loader.write("orders", f"""SELECT 'buy-' || event_id AS order_id, user_id AS customer_id,
            user_id AS visitor_id, session_id, ts AS created_at, ts AS paid_at {buys}""")
        loader.write("order_items", f"""SELECT 'buy-' || event_id AS order_id, 1 AS line_no,
            item_id AS product_id, 1 AS quantity {buys}""")
        loader.write("products", f"""SELECT item_id AS product_id, arg_max(category_id, (ts, __line)) AS category
            FROM {ev} GROUP BY item_id""")
        loader.write("customers", f"SELECT DISTINCT user_id AS customer_id FROM {ev}")
        loader.con.execute(f"DROP TABLE {ev}")


PRESET = Preset("taobao-userbehavior", "Alibaba Tianchi UserBehavior (user_id,item_id,category_id,behavior_type,"
                "timestamp)", "阿里天池淘宝用户行为数据集 UserBehavior", "taobao", "CNY", "Asia/Shanghai", load,
                kinds=(FileKind(name="behavior", zh="淘宝用户行为（带表头）", en="Taobao user behaviour (with header)",
                                headers=COLUMNS, names=("UserBehavior",)),))
