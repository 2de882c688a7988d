"""On-site search intelligence (站内搜索): what people search for, what they do not find, what they do not buy.

Per query over a period (from ``searches``): searches, searchers (distinct visitors), searches with no results,
clicks on a result, buyers and search -> purchase conversion. A searcher of a query *bought* when they placed an
order, later paid, between their first search of the query in the period and ``window_days`` after their last
(orders.visitor_id). Chinese queries are segmented with jieba; a query's group is its word that most queries
share (连衣裙 for 碎花连衣裙 and 儿童连衣裙), so similar queries are read together.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from junshi.errors import MissingDataError
from junshi.jsonable import jsonable
from junshi.rollup.tables import SEARCH_ORDERS, SEARCH_SETS, SEARCHES

if TYPE_CHECKING:
    import jieba

    from junshi.shop import Shop

MIN_SEARCHERS = 5
"""Risers and queries without a purchase need at least this many searchers in the period (fewer is noise)."""


def _int(value: Any) -> int:
    return 0 if value is None or value != value else int(value)


@cache
def _tokenizer() -> jieba.Tokenizer:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba.Tokenizer()


def words(query: str) -> list[str]:
    """The query's words (jieba; punctuation and spaces dropped, English words lower-cased)."""
    return [w.strip().casefold() for w in _tokenizer().lcut(query) if any(ch.isalnum() for ch in w)]


def groups(queries: list[str]) -> dict[str, str]:
    """Each query's group: of its words, the one the most queries contain (ties: the longer, then the first by
    order); a query without words is its own group."""
    split = {q: words(q) for q in queries}
    share = Counter(w for ws in split.values() for w in set(ws))
    return {q: min(ws, key=lambda w: (-share[w], -len(w), w)) if ws else q for q, ws in split.items()}


def search_days(shop: Shop, start: dt.date | str | None, end: dt.date | str | None) -> tuple[dt.date, dt.date]:
    """The period asked for; by default the 30 days up to the shop's last search."""
    from junshi.marketing.days import report_days

    return report_days(shop, "searches", "ts", start, end, MissingDataError(
        "The shop has no on-site searches (searches is empty).", "店铺没有站内搜索数据（searches 为空）。",
        hint_en="Load a search log or a search-term report with junshi ingest.",
        hint_zh="请用 junshi ingest 导入站内搜索记录或搜索词报表。"))


def _in(t: Any, column: Any, start: dt.date, end: dt.date) -> Any:
    """Rows whose ``column`` falls on the days start..end (shop-local)."""
    lo = dt.datetime.combine(start, dt.time())
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    return t.filter((column >= lo) & (column < hi))


def _searches(shop: Shop, start: dt.date, end: dt.date) -> Any:
    s = shop.table("searches")
    return _in(s, s.ts, start, end)


def _bought(shop: Shop, s: Any, window_days: int) -> Any:
    """(query, visitor_id) of the searchers who bought: an order, later paid, placed between their first search
    of the query and ``window_days`` after their last."""
    import ibis

    span = s.filter(s.visitor_id.notnull()).group_by(["query", "visitor_id"]).aggregate(
        _first=s.ts.min(), _last=s.ts.max())
    o = shop.table("orders")
    o = o.filter(o.paid_at.notnull() & o.visitor_id.notnull()).select(_v=o.visitor_id, _at=o.created_at)
    window = ibis.interval(days=window_days)
    hit = span.inner_join(o, [span.visitor_id == o._v, o._at >= span._first, o._at < span._last + window])
    return hit.select(_q=span.query, _vid=span.visitor_id).distinct()


def _stored(shop: Shop, sql: str, start: dt.date, end: dt.date) -> list[dict[str, Any]] | None:
    """The rows of ``sql`` over the search rollups of start..end (``$shop``, ``$start``, ``$end``), or None where
    they do not answer (another engine, rollups not built, figures without the suspect orders): read the searches."""
    from junshi import rollup
    from junshi.rollup import bitmaps

    con = rollup.built_in(shop)
    if con is None:
        return None
    bitmaps.register(con)
    rows: list[dict[str, Any]] = con.sql(sql, params={"shop": shop.shop_id, "start": start, "end": end}
                                         ).to_arrow_table().to_pylist()
    return rows


_SPANS = f"(SELECT * FROM {SEARCHES.name} WHERE shop_id = $shop AND date BETWEEN $start AND $end)"
"""SQL: the rows of the period of the searchers' spans (per day, query and searcher: first and last search)."""
_SETS = f"(SELECT * FROM {SEARCH_SETS.name} WHERE shop_id = $shop AND date BETWEEN $start AND $end)"
"""SQL: the rows of the period of the rollup of searchers' sets (per day, query and clicked product)."""


def _stored_bought(window_days: int) -> str:
    """SQL: (query, visitor) of the searchers who bought, as :func:`_bought`, from the rollups: the span of a
    searcher's searches of the query is their rows' first to last, their paid orders are matched by dense id."""
    orders = (f"(SELECT visitor, created_at FROM {SEARCH_ORDERS.name} WHERE shop_id = $shop "
              f"AND date BETWEEN $start AND $end + {int(window_days)})")
    # the spans of the searchers with an order of the days only (a tenth of them: 4x less work at 100M events)
    return ("(SELECT DISTINCT s.query, s.visitor FROM (SELECT query, visitor, min(first_at) AS f, max(last_at) AS l "
            f"FROM {_SPANS} WHERE visitor IN (SELECT visitor FROM {orders}) GROUP BY ALL) s JOIN {orders} o "
            f"ON o.visitor = s.visitor AND o.created_at >= s.f "
            f"AND o.created_at < s.l + INTERVAL {int(window_days)} DAY)")


def _stored_buyers(shop: Shop, start: dt.date, end: dt.date, window_days: int) -> dict[str, list[int]]:
    """Per query, the dense ids of its searchers who bought (:func:`_stored_bought`; the rollups answer), kept for
    the shop's data version: the report's figures and the products its non-buyers clicked both read them."""
    from junshi import versioned

    def compute() -> dict[str, list[int]]:
        rows = _stored(shop, f"SELECT query, list(visitor) AS buyers FROM {_stored_bought(window_days)} GROUP BY query",
                       start, end) or []
        return {str(r["query"]): r["buyers"] for r in rows}

    return versioned.kept(shop, ("search buyers", start, end, window_days), compute)


def query_stats(shop: Shop, start: dt.date, end: dt.date, window_days: int = 1) -> dict[str, dict[str, Any]]:
    """Per query: searches, searchers, no_results, clicks, buyers, conversion (buyers / searchers)."""
    from junshi.rollup.bitmaps import UNION_COUNT

    rows = _stored(shop, (
        f"SELECT query, sum(searches) AS searches, {UNION_COUNT}(list(searchers_set)) AS searchers, "
        "sum(no_results) AS no_results, coalesce(sum(searches) FILTER (product_id IS NOT NULL), 0) AS clicks "
        f"FROM {_SETS} GROUP BY query"), start, end)
    if rows is not None:
        bought = _stored_buyers(shop, start, end, window_days)
        rows = [{**r, "buyers": len(bought.get(str(r["query"]), ()))} for r in rows]
    else:
        s = _searches(shop, start, end)
        per_query = s.group_by("query").aggregate(
            searches=s.count(), searchers=s.visitor_id.nunique(),
            no_results=(s.results_count == 0).cast("int64").sum(), clicks=s.clicked_product_id.count())
        bought = _bought(shop, s, window_days)
        buyers = bought.group_by("_q").aggregate(buyers=bought.count())
        rows = per_query.left_join(buyers, per_query.query == buyers._q).select(
            per_query.query, "searches", "searchers", "no_results", "clicks", "buyers").to_pyarrow().to_pylist()
    out = {}
    for r in rows:
        stats: dict[str, Any] = {k: _int(r[k]) for k in ("searches", "searchers", "no_results", "clicks", "buyers")}
        stats["conversion"] = stats["buyers"] / stats["searchers"] if stats["searchers"] else None
        out[str(r["query"])] = stats
    return out


def _searches_by_query(shop: Shop, start: dt.date, end: dt.date) -> dict[str, int]:
    """Per query, its searches of start..end."""
    rows = _stored(shop, f"SELECT query, sum(searches) AS searches FROM {_SETS} GROUP BY query", start, end)
    if rows is None:
        s = _searches(shop, start, end)
        rows = s.group_by("query").aggregate(searches=s.count()).to_pyarrow().to_pylist()
    return {str(r["query"]): _int(r["searches"]) for r in rows}


def _looked_at(shop: Shop, start: dt.date, end: dt.date, window_days: int) -> dict[str, tuple[str, int]]:
    """Per query, the product its searchers who did not buy clicked most (ties: the first id), and how many of
    them clicked it."""
    from pyroaring import BitMap

    from junshi.rollup.bitmaps import union

    rows = _stored(shop, (
        f"SELECT query, product_id AS clicked_product_id, list(searchers_set) AS sets FROM {_SETS} "
        "WHERE product_id IS NOT NULL GROUP BY ALL"), start, end)
    if rows is not None:  # who clicked the product, but for the query's buyers: a difference of sets
        bought = _stored_buyers(shop, start, end, window_days)
        rows = [{**r, "visitors": len(union(r.pop("sets")) - BitMap(bought.get(str(r["query"]), ())))} for r in rows]
        rows = [r for r in rows if r["visitors"]]
    else:
        s = _searches(shop, start, end)
        bought = _bought(shop, s, window_days)
        clicks = s.filter(s.clicked_product_id.notnull() & s.visitor_id.notnull())
        kept = clicks.anti_join(bought, [clicks.query == bought._q, clicks.visitor_id == bought._vid])
        n = kept.group_by(["query", "clicked_product_id"]).aggregate(visitors=kept.visitor_id.nunique())
        rows = n.to_pyarrow().to_pylist()
    best: dict[str, tuple[str, int]] = {}
    for r in sorted(rows, key=lambda r: (-r["visitors"], str(r["clicked_product_id"]))):
        best.setdefault(str(r["query"]), (str(r["clicked_product_id"]), int(r["visitors"])))
    return best


def _out_of_stock(shop: Shop, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Searches whose clicked product had no stock that day (inventory; without it, the catalogue's stock now)."""
    from junshi.rollup.bitmaps import UNION_COUNT

    rows = _stored(shop, (
        "SELECT r.query, r.product_id AS clicked_product_id, sum(r.searches) AS searches, "
        f"{UNION_COUNT}(list(r.searchers_set)) AS searchers, count(DISTINCT r.date) AS days FROM {_SETS} r "
        "WHERE r.product_id IS NOT NULL AND CASE WHEN EXISTS (SELECT 1 FROM inventory WHERE shop_id = $shop) "
        "THEN EXISTS (SELECT 1 FROM inventory i WHERE i.shop_id = $shop AND i.date = r.date "
        "AND i.product_id = r.product_id AND i.stock <= 0) ELSE EXISTS (SELECT 1 FROM products p "
        "WHERE p.shop_id = $shop AND p.product_id = r.product_id AND p.stock <= 0) END GROUP BY ALL"), start, end)
    if rows is None:
        s = _searches(shop, start, end)
        s = s.filter(s.clicked_product_id.notnull()).mutate(_day=s.ts.date())
        inv = shop.table("inventory")
        if inv.count().execute():
            gone = inv.filter(inv.stock <= 0).select(_d=inv.date, _p=inv.product_id)
            hit = s.inner_join(gone, [s._day == gone._d, s.clicked_product_id == gone._p])
        else:
            p = shop.table("products")
            gone_now = p.filter(p.stock <= 0).select(_p=p.product_id)
            hit = s.inner_join(gone_now, s.clicked_product_id == gone_now._p)
        rows = hit.group_by(["query", "clicked_product_id"]).aggregate(
            searches=hit.count(), searchers=hit.visitor_id.nunique(), days=hit._day.nunique()).to_pyarrow().to_pylist()
    rows.sort(key=lambda r: (-r["searches"], r["query"], r["clicked_product_id"]))
    return [{"query": str(r["query"]), "product_id": str(r["clicked_product_id"]), "searches": int(r["searches"]),
             "searchers": int(r["searchers"]), "days": int(r["days"])} for r in rows]


@dataclass(frozen=True, kw_only=True)
class SearchReport:
    """The period's search terms: top, risers, no results, no purchase, out of stock, and groups of queries."""

    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    window_days: int
    searches: int
    searchers: int
    no_result_share: float | None
    conversion: float | None
    top: list[dict[str, Any]]
    risers: list[dict[str, Any]]
    no_results: list[dict[str, Any]]
    no_purchase: list[dict[str, Any]]
    out_of_stock: list[dict[str, Any]]
    groups: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {k: jsonable(v) for k, v in self.__dict__.items()}


def search_report(shop: Shop, start: dt.date | str | None = None, end: dt.date | str | None = None,
                  limit: int = 20, window_days: int = 1, min_searchers: int = MIN_SEARCHERS) -> SearchReport:
    """Search terms of start..end (default: the 30 days up to the last search), against the period before.
    Risers and queries without a purchase need ``min_searchers`` searchers."""
    from junshi.analysis.lookups import product_names

    first, last = search_days(shop, start, end)
    days = (last - first).days + 1
    p_end = first - dt.timedelta(days=1)
    p_start = p_end - dt.timedelta(days=days - 1)
    now = query_stats(shop, first, last, window_days)
    before = _searches_by_query(shop, p_start, p_end)  # the period before gives the risers their searches alone
    group_of = groups(sorted(now))
    names = product_names(shop)
    rows = []
    for q, st in now.items():
        prev = before.get(q, 0)
        rows.append({"query": q, "group": group_of[q], **st, "searches_previous": prev,
                     "searches_change": st["searches"] - prev,
                     "searches_change_pct": (st["searches"] - prev) / prev if prev else None})
    rows.sort(key=lambda r: (-r["searches"], r["query"]))
    risers = sorted((r for r in rows if r["searches_change"] > 0 and r["searchers"] >= min_searchers),
                    key=lambda r: (-r["searches_change"], r["query"]))
    no_results = [{**r, "no_result_share": r["no_results"] / r["searches"]} for r in rows if r["no_results"]]
    no_results.sort(key=lambda r: (-r["no_results"], r["query"]))
    looked = _looked_at(shop, first, last, window_days)
    no_purchase = []
    for r in rows:
        if r["searchers"] >= min_searchers and r["buyers"] < r["searchers"] and r["no_results"] < r["searches"]:
            pid, seen = looked.get(r["query"], (None, 0))
            no_purchase.append({"query": r["query"], "group": r["group"], "searchers": r["searchers"],
                                "non_buyers": r["searchers"] - r["buyers"], "conversion": r["conversion"],
                                "product_id": pid, "product_name": names.get(pid) if pid else None,
                                "product_visitors": seen})
    no_purchase.sort(key=lambda r: (r["conversion"] if r["conversion"] is not None else 0.0, -r["non_buyers"]))
    stock = [{**r, "product_name": names.get(r["product_id"])} for r in _out_of_stock(shop, first, last)]
    by_group: dict[str, dict[str, Any]] = {}
    for r in rows:
        g = by_group.setdefault(r["group"], {"group": r["group"], "queries": [], "searches": 0, "searchers": 0,
                                             "buyers": 0})
        g["queries"].append(r["query"])
        for k in ("searches", "searchers", "buyers"):
            g[k] += r[k]
    for g in by_group.values():
        g["conversion"] = g["buyers"] / g["searchers"] if g["searchers"] else None
    total_searches = sum(r["searches"] for r in rows)
    total_searchers = _searchers(shop, first, last)
    buyers = sum(r["buyers"] for r in rows)
    return SearchReport(
        start=first, end=last, previous_start=p_start, previous_end=p_end, window_days=window_days,
        searches=total_searches, searchers=total_searchers,
        no_result_share=sum(r["no_results"] for r in rows) / total_searches if total_searches else None,
        conversion=buyers / sum(r["searchers"] for r in rows) if rows and sum(r["searchers"] for r in rows) else None,
        top=rows[:limit], risers=risers[:limit], no_results=no_results[:limit], no_purchase=no_purchase[:limit],
        out_of_stock=stock[:limit],
        groups=sorted(by_group.values(), key=lambda g: (-g["searches"], g["group"]))[:limit])


def _searchers(shop: Shop, start: dt.date, end: dt.date) -> int:
    from junshi.rollup.bitmaps import UNION_COUNT

    rows = _stored(shop, f"SELECT {UNION_COUNT}(list(searchers_set)) AS n FROM {_SETS}", start, end)
    if rows is not None:
        return _int(rows[0]["n"])
    s = _searches(shop, start, end)
    return _int(s.visitor_id.nunique().execute())
