"""The suspect table written by ``junshi risk orders`` and the fact filter behind clean metrics.

``risk_suspects`` holds the suspects of the last scoring of each order (rescoring a period replaces
its orders). A warehouse opened with ``clean=True`` reads orders, order lines, refunds and reviews
without the suspects' rows, so every metric, analysis and report computed on it is the clean figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import ibis
import pandas as pd

from junshi.errors import MissingDataError

if TYPE_CHECKING:
    from junshi.risk.score import OrderRisk
    from junshi.warehouse import BaseWarehouse, Writable

SUSPECTS = "risk_suspects"
CLEANED = ("orders", "order_items", "refunds", "reviews")  # tables whose rows of a suspect order are left out
_DDL = f"""CREATE TABLE IF NOT EXISTS {SUSPECTS} (shop_id VARCHAR, order_id VARCHAR, score DOUBLE,
    reasons_en VARCHAR, reasons_zh VARCHAR, scored_at TIMESTAMP, PRIMARY KEY (shop_id, order_id))"""


def save_suspects(wh: Writable, shop_id: str, scored: Sequence[OrderRisk]) -> int:
    """Replace the suspects among the ``scored`` orders by those now suspect; returns how many."""
    rows = pd.DataFrame([(shop_id, o.order_id, o.score, "; ".join(r("en") for r in o.reasons),
                          "；".join(r("zh") for r in o.reasons)) for o in scored if o.suspect],
                        columns=["shop_id", "order_id", "score", "reasons_en", "reasons_zh"])
    ids = pd.DataFrame({"order_id": [o.order_id for o in scored]})
    with wh.transaction() as con:
        con.execute(_DDL)
        con.register("_risk_ids", ids)
        con.register("_risk_rows", rows)
        con.execute(f"DELETE FROM {SUSPECTS} WHERE shop_id = ? AND order_id IN (SELECT order_id FROM _risk_ids)",
                    [shop_id])
        con.execute(f"INSERT INTO {SUSPECTS} SELECT *, ? FROM _risk_rows", [dt.datetime.now()])
        con.unregister("_risk_ids")
        con.unregister("_risk_rows")
    return len(rows)


def suspect_orders(wh: Writable, shop_id: str) -> pd.DataFrame:
    """The saved suspects of a shop (order_id, score, reasons_en, reasons_zh, scored_at)."""
    wh.con.execute(_DDL)
    return wh.con.execute(f"SELECT * EXCLUDE (shop_id) FROM {SUSPECTS} WHERE shop_id = ? ORDER BY score DESC, "
                          "order_id", [shop_id]).df()


def without_suspects(wh: BaseWarehouse, name: str, t: ibis.Table) -> ibis.Table:
    """``t`` (canonical table ``name``) without the rows of suspect orders (tables outside CLEANED as they are)."""
    if name not in CLEANED:
        return t
    if wh.suspect_ids is not None:
        ids = ibis.memtable({"order_id": list(wh.suspect_ids)}, schema={"order_id": "string"})
        return t.anti_join(ids, t.order_id == ids.order_id)
    if not wh.has_table(SUSPECTS):
        raise MissingDataError(
            "Clean figures need the suspect orders: no order has been scored yet.",
            "剔除刷单后的数据需要先识别可疑订单：尚未给任何订单评分。",
            hint_en="Run `junshi risk orders` first (it scores the orders and saves the suspects).",
            hint_zh="请先运行 `junshi risk orders`（评分并保存可疑订单）。")
    s = wh.backend.table(SUSPECTS).select("shop_id", "order_id")
    return t.anti_join(s, [t.shop_id == s.shop_id, t.order_id == s.order_id])
