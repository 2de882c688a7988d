"""The scores saved by ``junshi risk orders`` and the fact filter behind clean metrics.

``risk_suspects`` (a canonical table) holds the last score of every scored order, with ``suspect`` set for
those at or above the threshold (rescoring a period replaces its orders). A warehouse opened with
``clean=True`` reads orders, order lines, refunds and reviews without the suspects' rows, so every metric,
analysis and report computed on it is the clean figure.
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


def save_suspects(wh: Writable, shop_id: str, scored: Sequence[OrderRisk]) -> int:
    """Replace the saved scores of the ``scored`` orders; returns how many are suspects."""
    rows = pd.DataFrame([(shop_id, o.order_id, o.score, "; ".join(r("en") for r in o.reasons),
                          "；".join(r("zh") for r in o.reasons), o.suspect) for o in scored],
                        columns=["shop_id", "order_id", "score", "reasons_en", "reasons_zh", "suspect"])
    with wh.transaction() as con:
        con.register("_risk_rows", rows)
        con.execute(f"DELETE FROM {SUSPECTS} WHERE shop_id = ? AND order_id IN (SELECT order_id FROM _risk_rows)",
                    [shop_id])
        con.execute(f"INSERT INTO {SUSPECTS} BY NAME SELECT * EXCLUDE (suspect), ? AS scored_at, suspect "
                    "FROM _risk_rows", [dt.datetime.now()])
        con.unregister("_risk_rows")
    return int(rows["suspect"].sum())


def suspect_orders(wh: Writable, shop_id: str) -> pd.DataFrame:
    """The saved suspects of a shop (order_id, score, reasons_en, reasons_zh, scored_at)."""
    return wh.con.execute(f"SELECT * EXCLUDE (shop_id, suspect) FROM {SUSPECTS} WHERE shop_id = ? AND suspect "
                          "ORDER BY score DESC, order_id", [shop_id]).df()


def without_suspects(wh: BaseWarehouse, name: str, t: ibis.Table, shop_id: str | None) -> ibis.Table:
    """``t`` (canonical table ``name``) without the rows of suspect orders (tables outside CLEANED as they are)."""
    if name not in CLEANED:
        return t
    if wh.suspect_ids is not None:
        ids = ibis.memtable({"order_id": list(wh.suspect_ids)}, schema={"order_id": "string"})
        return t.anti_join(ids, t.order_id == ids.order_id)
    if not _scored(wh, shop_id):
        raise MissingDataError(
            "Clean figures need the suspect orders: no order has been scored yet.",
            "剔除刷单后的数据需要先识别可疑订单：尚未给任何订单评分。",
            hint_en="Run `junshi risk orders` first (it scores the orders and saves the suspects).",
            hint_zh="请先运行 `junshi risk orders`（评分并保存可疑订单）。")
    s = wh.backend.table(SUSPECTS)
    s = s.filter(s.suspect).select("shop_id", "order_id")
    return t.anti_join(s, [t.shop_id == s.shop_id, t.order_id == s.order_id])


def _scored(wh: BaseWarehouse, shop_id: str | None) -> bool:
    """Whether the shop (any shop: None) has scored orders; a yes is remembered per warehouse object (scores are
    only ever added), so a clean query does not ask again for each table it reads. Not per Ibis backend: backends
    made of two connections compare equal (another warehouse's yes would be taken)."""
    known: set[str | None] = wh.__dict__.setdefault("_scored_shops", set())
    if shop_id in known:
        return True
    if not wh.has_table(SUSPECTS):
        return False
    s = wh.backend.table(SUSPECTS)
    if shop_id is not None:
        s = s.filter(s.shop_id == shop_id)
    if not wh.execute(s.count()):
        return False
    known.add(shop_id)
    return True
