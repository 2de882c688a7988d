"""Write simulated days into the canonical tables: numpy columns -> Arrow -> DuckDB, in chunks.

Codes become strings through Arrow dictionary arrays; ids ('S12', 'O7' ...) and fingerprints are made by
DuckDB in the INSERT, so no Python loop touches a row.

DuckDB's own compression of the string columns is most of the cost of a simulation. The tables of a
chunk are inserted by two threads at once, each with its own cursor, while the caller generates the next
days, so both cores stay busy. (Measured on 2 cores: cutting chunks into smaller pieces, or a third
writer thread, costs more CPU than it gains.)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from queue import SimpleQueue
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from junshi.simulate.catalog import Catalog, Creative
from junshi.simulate.day import CITIES, EVENT_TYPES, STATUS_CODES, page_names
from junshi.simulate.service import ASPECT_CODES, PROMISE_DAYS, review_texts
from junshi.simulate.vocab import (
    CARRIERS,
    DEVICES,
    FAKE_REVIEW_TEXTS,
    KEYWORDS,
    PAYMENT_METHODS,
    REFUND_REASONS,
    REGIONS,
    SOURCE_INDEX,
    SOURCES,
    STATUSES,
)


def money(cents: np.ndarray) -> pa.Array:
    """Exact DECIMAL(18,2) from integer cents (negative cents: null)."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    words = np.empty((len(cents), 2), np.int64)
    words[:, 0], words[:, 1] = cents, cents >> 63
    valid = cents >= 0
    bitmap = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(pa.decimal128(18, 2), len(cents), [bitmap, pa.py_buffer(words)])


def ts(us: np.ndarray) -> pa.Array:
    us = np.asarray(us, np.int64)
    return pa.array(us.view("datetime64[us]"), mask=us < 0)


def ints(values: np.ndarray, null_below: int | None = 0) -> pa.Array:
    values = np.asarray(values, np.int64)
    return pa.array(values, mask=None if null_below is None else values < null_below)


def codes(values: np.ndarray, names: Sequence[str | None]) -> pa.Array:
    """A dictionary array: code i -> names[i]; negative codes are null."""
    values = np.asarray(values, np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(values, mask=values < 0), pa.array(list(names), pa.string()))


N_WRITERS = 2
ROW_GROUP = 122_880  # DuckDB's rows per row group
MAX_PENDING = 2  # chunks queued before the generator waits (bounds memory)


class Writer:
    """Turns the columns of simulated days into rows of the canonical tables of one shop.

    Inserts run in the background; ``flush`` waits for them and raises the first error. Use it as a
    context manager: leaving it waits for every running insert (never close the connection under one).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, shop: str, lang: str, catalog: Catalog,
                 creatives: list[Creative]) -> None:
        self.shop = shop
        self.cursors: SimpleQueue[duckdb.DuckDBPyConnection] = SimpleQueue()
        for _ in range(N_WRITERS):
            cur = con.cursor()
            cur.execute("SET enable_progress_bar = false")
            self.cursors.put(cur)
        self.pool = ThreadPoolExecutor(max_workers=N_WRITERS, thread_name_prefix="sim-writer")
        self.queued: list[Future[None]] = []  # inserts of the chunk being queued
        self.pending: deque[list[Future[None]]] = deque()  # one list of inserts per queued chunk
        self.carry: dict[str, tuple[pa.Table, str]] = {}  # per table: rows held back for the next chunk
        zh = lang == "zh"
        self.zh = zh
        self.products = catalog.ids
        self.pages = page_names(catalog)
        self.sources = [s.zh if zh else s.en for s in SOURCES]
        self.media = [s.medium for s in SOURCES]
        self.cities = [cz if zh else ce for _r, cz, ce in CITIES]
        self.regions = [(REGIONS[r][0] if zh else REGIONS[r][1]) for r, _z, _e in CITIES]
        self.queries = [z if zh else e for z, e, _c in KEYWORDS]
        self.statuses = [STATUSES[c][0 if zh else 1] for c in STATUS_CODES]
        self.methods = [m[0 if zh else 1] for m in PAYMENT_METHODS]
        self.reasons = [r[0 if zh else 1] for r in REFUND_REASONS]
        self.campaigns = [c.campaign for c in creatives]
        self.ad_groups = [c.ad_group for c in creatives]
        self.creatives = [c.name for c in creatives]
        self.channels = [self.sources[c.source] for c in creatives]
        email = "会员日短信" if zh else "member day SMS"
        self.session_campaigns = [*self.campaigns, email]
        self.fake_texts = [t[0 if zh else 1] for t in FAKE_REVIEW_TEXTS]
        self.carriers = [c[0] if zh else c[1] for c in CARRIERS]

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        while not self.cursors.empty():
            self.cursors.get().close()

    def _insert(self, table: str, data: dict[str, pa.Array], select: str) -> None:
        """Queue the INSERT of one table's chunk, in whole row groups: the rest waits for the next chunk.

        DuckDB writes whole row groups of a large INSERT straight to the file, compressed; a partial one
        goes to the write-ahead log and is compressed again at the next checkpoint (measured: 5% of a run).
        """
        arrow = pa.table(data)
        if table in self.carry:
            arrow = pa.concat_tables([self.carry.pop(table)[0], arrow])
        whole = arrow.num_rows - arrow.num_rows % ROW_GROUP
        if whole < arrow.num_rows:
            self.carry[table] = (arrow.slice(whole), select)
        if whole:
            self._submit(table, arrow.slice(0, whole), select)

    def _submit(self, table: str, arrow: pa.Table, select: str) -> None:
        self.queued.append(self.pool.submit(self._execute, table, arrow, select))

    def _execute(self, table: str, arrow: pa.Table, select: str) -> None:
        cur = self.cursors.get()  # a cursor no other thread is using
        name = f"_sim_{table}"
        try:
            cur.register(name, arrow)
            cur.execute(f'INSERT INTO "{table}" SELECT {select} FROM "{name}"', [self.shop])
        finally:
            cur.unregister(name)
            self.cursors.put(cur)

    def _end_chunk(self, max_pending: int) -> None:
        """Close the chunk being queued; wait while more than ``max_pending`` chunks are being written."""
        if self.queued:
            self.pending.append(self.queued)
            self.queued = []
        while len(self.pending) > max_pending:
            for future in self.pending.popleft():
                future.result()

    def flush(self) -> None:
        """Queue the rows held back, wait for every queued insert; raise the first error."""
        for table, (arrow, select) in self.carry.items():
            self._submit(table, arrow, select)
        self.carry = {}
        self._end_chunk(0)

    def write(self, tables: dict[str, list[dict[str, np.ndarray]]]) -> None:
        """Queue the buffered days (table -> list of per-day column dicts) for insertion."""
        for name, parts in tables.items():
            if not parts:
                continue
            cols = parts[0] if len(parts) == 1 else {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
            getattr(self, "_" + name)(cols)
        self._end_chunk(MAX_PENDING)

    def _sessions(self, c: dict[str, np.ndarray]) -> None:
        email = SOURCE_INDEX["短信/邮件"]  # e-mail/SMS visits carry the member-day campaign
        campaign = np.where(c["creative"] >= 0, c["creative"],
                            np.where(c["source"] == email, len(self.campaigns), -1))
        self._insert("sessions", {
            "sid": ints(c["session_id"]), "vid": ints(c["visitor"]), "cid": ints(c["customer"], 1),
            "started_at": ts(c["started_at"]), "source": codes(c["source"], self.sources),
            "medium": codes(c["source"], self.media), "campaign": codes(campaign, self.session_campaigns),
            "device": codes(c["device"], DEVICES), "page": codes(c["page"], self.pages),
            "region": codes(c["city"], self.regions),
        }, "$1, 'S' || sid, 'V' || vid, 'C' || cid, started_at, source, medium, campaign, device, page, region")

    def _events(self, c: dict[str, np.ndarray]) -> None:
        self._insert("events", {
            "eid": ints(c["event_id"]), "sid": ints(c["session"]), "vid": ints(c["visitor"]),
            "cid": ints(c["customer"], 1), "ts": ts(c["ts"]), "type": codes(c["type"], EVENT_TYPES),
            "product": codes(c["product"], self.products), "page": codes(c["page"], self.pages),
            "query": codes(c["query"], self.queries),
        }, "$1, 'E' || eid, 'S' || sid, 'V' || vid, 'C' || cid, ts, type, product, page, query")

    def _searches(self, c: dict[str, np.ndarray]) -> None:
        self._insert("searches", {
            "qid": ints(c["search_id"]), "ts": ts(c["ts"]), "vid": ints(c["visitor"]), "sid": ints(c["session"]),
            "query": codes(c["query"], self.queries), "results": ints(c["results"], None),
            "clicked": codes(c["clicked"], self.products),
        }, "$1, 'Q' || qid, ts, 'V' || vid, 'S' || sid, query, results::INTEGER, clicked")

    def _orders(self, c: dict[str, np.ndarray]) -> None:
        self._insert("orders", {
            "oid": ints(c["order_id"]), "cid": ints(c["customer"], 1), "vid": ints(c["visitor"]),
            "sid": ints(c["session"]), "created_at": ts(c["created_at"]), "paid_at": ts(c["paid_at"]),
            "shipped_at": ts(c["shipped_at"]), "delivered_at": ts(c["delivered_at"]),
            "cancelled_at": ts(c["cancelled_at"]), "status": codes(c["status"], self.statuses),
            "source": codes(c["source"], self.sources), "device": codes(c["device"], DEVICES),
            "region": codes(c["city"], self.regions), "city": codes(c["city"], self.cities),
            "item": money(c["item"]), "discount": money(c["discount"]), "shipping": money(c["shipping"]),
            "pay": money(c["pay"]), "presale": pa.array(c["is_presale"]), "deposit": money(c["deposit"]),
            "method": codes(c["method"], self.methods), "addr": ints(c["addr_key"], None),
            "dev": ints(c["dev_key"], None), "carrier": codes(c["carrier"], self.carriers),
        }, "$1, 'O' || oid, 'C' || cid, 'V' || vid, 'S' || sid, created_at, paid_at, shipped_at, delivered_at, "
           "cancelled_at, status, source, device, region, city, item, discount, shipping, pay, presale, deposit, "
           "method, left(md5($1 || ':addr:' || addr), 16), left(md5($1 || ':ip:' || sid), 16), "
           f"left(md5($1 || ':dev:' || dev), 16), CAST(paid_at AS DATE) + INTERVAL {PROMISE_DAYS} DAY, "
           "CASE WHEN shipped_at IS NULL THEN NULL ELSE carrier END")

    def _order_items(self, c: dict[str, np.ndarray]) -> None:
        self._insert("order_items", {
            "oid": ints(c["order_id"]), "line": ints(c["line_no"]), "product": codes(c["product"], self.products),
            "qty": ints(c["quantity"]), "unit": money(c["unit_price"]), "amount": money(c["amount"]),
            "cost": money(c["unit_cost"]),
        }, "$1, 'O' || oid, line::INTEGER, product, qty::INTEGER, unit, amount, cost")

    def _refunds(self, c: dict[str, np.ndarray]) -> None:
        self._insert("refunds", {
            "rid": ints(c["refund_id"]), "oid": ints(c["order_id"]), "product": codes(c["product"], self.products),
            "created_at": ts(c["created_at"]), "amount": money(c["amount"]), "qty": ints(c["quantity"]),
            "reason": codes(c["reason"], self.reasons),
        }, "$1, 'R' || rid, 'O' || oid, product, created_at, amount, qty::INTEGER, reason")

    def _reviews(self, c: dict[str, np.ndarray]) -> None:
        said = c["aspects"]
        written = review_texts(said, c["carrier"], c["rating"], c["pick"], self.zh)
        text = [self.fake_texts[p % 3] if f else t for t, f, p in zip(written, c["fake"], c["pick"], strict=True)]
        self._insert("reviews", {
            "rvid": ints(c["review_id"]), "oid": ints(c["order_id"]), "product": codes(c["product"], self.products),
            "cid": ints(c["customer"], 1), "created_at": ts(c["created_at"]), "rating": ints(c["rating"]),
            "di": ints(c["dsr_item"]), "ds": ints(c["dsr_service"]), "dl": ints(c["dsr_logistics"]),
            "text": pa.array(text, pa.string()),
        }, "$1, 'RV' || rvid, 'O' || oid, product, 'C' || cid, created_at, rating::INTEGER, di::INTEGER, "
           "ds::INTEGER, dl::INTEGER, text")
        row, k = np.nonzero(said)
        self._insert("sim_truth_review_aspects", {
            "rvid": ints(c["review_id"][row]), "aspect": codes(k, ASPECT_CODES), "polarity": ints(said[row, k], None),
        }, "$1, 'RV' || rvid, aspect, polarity::TINYINT")

    def _ad_spend(self, c: dict[str, np.ndarray]) -> None:
        cr = c["creative"]
        self._insert("ad_spend", {
            "date": pa.array(c["date"].astype("datetime64[D]")), "channel": codes(cr, self.channels),
            "campaign": codes(cr, self.campaigns), "ad_group": codes(cr, self.ad_groups),
            "creative": codes(cr, self.creatives), "impressions": ints(c["impressions"]),
            "clicks": ints(c["clicks"]), "cost": money(c["cost"]), "conversions": ints(c["conversions"]),
            "value": money(c["value"]),
        }, "$1, date, channel, campaign, ad_group, creative, impressions, clicks, cost, conversions, value, "
           "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL")

    def _customers(self, c: dict[str, np.ndarray]) -> None:
        self._insert("customers", {
            "cid": ints(c["cid"]), "registered_at": ts(c["registered_at"]),
            "gender": codes(c["gender"], ["f", "m", None]), "birth_year": ints(c["birth_year"]),
            "region": codes(c["city"], self.regions), "city": codes(c["city"], self.cities),
            "source": codes(c["source"], self.sources),
        }, "$1, 'C' || cid, registered_at, gender, birth_year::INTEGER, region, city, source")

    def _inventory(self, c: dict[str, np.ndarray]) -> None:
        self._insert("inventory", {
            "date": pa.array(c["date"].astype("datetime64[D]")), "product": codes(c["product"], self.products),
            "stock": ints(c["stock"]),
        }, "$1, date, product, stock::INTEGER")

    def products_table(self, catalog: Catalog, names: list[str], categories: list[str], stock: np.ndarray) -> None:
        data: dict[str, Any] = {
            "pid": pa.array(catalog.ids), "name": pa.array(names), "category": pa.array(categories),
            "brand": pa.array(catalog.brand), "price": money(catalog.price_cents), "cost": money(catalog.cost_cents),
            "stock": ints(stock), "presale": pa.array(catalog.is_presale),
        }
        self._insert("products", data, "$1, pid, name, category, brand, price, cost, stock::INTEGER, presale")
