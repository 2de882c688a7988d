"""Facts: the canonical tables shaped for aggregation, with a time column ``_t`` and their dimensions.

A fact is a canonical table (or a join that keeps its grain, e.g. order lines with their order) whose
rows are counted into the period by ``_t``. Lookups add dimension columns from other tables by key,
and are joined only when a query asks for one of their columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ibis

# Ibis is imported by the builders below, where a query is built: the declarations (read by a server's first page
# through the metric registry) import none of it.

PV_TYPES = ("page_view", "product_view")
PRODUCT_DIMS = ("product", "product_id", "category", "brand", "product_name")
TIME_DIMS = ("day", "week", "month", "hour", "weekday")


class Ctx:
    """Where facts read canonical tables from: a shop in a warehouse, or unbound tables for validation."""

    def __init__(self, table: Callable[[str], ibis.Table]) -> None:
        self._table = table
        self._cache: dict[str, ibis.Table] = {}
        self.window: tuple[dt.datetime | None, dt.datetime | None] = (None, None)
        """The period of the fact being built ([from, to) of ``_t``; None: open), for facts that aggregate
        another table per row to read only the rows near it (see :func:`near`)."""
        self.cleaned: frozenset[str] = frozenset()
        """Canonical tables read without the suspect orders' rows (a clean warehouse): rollups, which hold every
        order, do not answer for facts reading them."""

    def table(self, name: str) -> ibis.Table:
        if name not in self._cache:
            self._cache[name] = self._table(name)
        return self._cache[name]


@dataclass(frozen=True)
class Lookup:
    """Dimension columns another table adds to a fact, joined by ``key`` only when needed.

    ``columns``: the column of ``table`` behind each dimension (none for computed ones).
    """

    table: str
    key: str
    provides: tuple[str, ...]
    build: Callable[[Ctx, Any, tuple[str, ...]], Any]
    columns: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Fact:
    """A fact table: ``build`` returns it with ``_t``; ``aliases`` map dimension names to its columns.

    ``times``: the time dimensions it can be split by. ``daily``: a platform's daily report (rows of
    ``days`` days from ``date``; see :data:`DAILY_RULES`). ``settle``: keeps the rows that may be added
    together, given the dimensions the query splits or filters by (applied after filters, before the
    period), e.g. one attribution setting and one level of detail per ad channel.
    """

    name: str
    table: str
    time_en: str
    time_zh: str
    build: Callable[[Ctx], Any]
    aliases: Mapping[str, str] = field(default_factory=dict)
    lookups: tuple[Lookup, ...] = ()
    also: tuple[str, ...] = ()
    times: tuple[str, ...] = TIME_DIMS
    daily: bool = False
    settle: Callable[[Any, frozenset[str]], Any] | None = None

    @property
    def tables(self) -> tuple[str, ...]:
        """The canonical tables that must hold data for this fact."""
        return (self.table, *self.also)


def _keyed_lookup(table: str, key: str, lookup_key: str, columns: Mapping[str, str]) -> Lookup:
    """A left join on ``fact.key == table.lookup_key`` adding ``columns`` (dimension -> column of ``table``)."""

    def build(ctx: Ctx, fact: Any, needed: tuple[str, ...]) -> Any:
        lk = ctx.table(table)
        lk = lk.select(_lk=lk[lookup_key], **{n: lk[columns[n]] for n in needed})
        return fact.left_join(lk, fact[key] == lk._lk).drop("_lk")

    return Lookup(table, key, tuple(columns), build, columns)


PRODUCT = _keyed_lookup(
    "products", "product_id", "product_id",
    {"category": "category", "brand": "brand", "product_name": "name", "product_cost": "cost"},
)
SESSION = _keyed_lookup(
    "sessions", "session_id", "session_id",
    {"source": "source", "medium": "medium", "campaign": "campaign", "device": "device",
     "region": "region", "landing_page": "landing_page"},
)
ORDER = _keyed_lookup(
    "orders", "order_id", "order_id",
    {"source": "source", "device": "device", "region": "region", "city": "city",
     "payment_method": "payment_method"},
)
SUSPECT = _keyed_lookup("risk_suspects", "order_id", "order_id", {"risk_suspect": "suspect"})
"""Whether ``junshi risk orders`` found the order a suspect (刷单) when it last scored it (null: never scored)."""
CUSTOMER = _keyed_lookup(
    "customers", "customer_id", "customer_id",
    {"gender": "gender", "birth_year": "birth_year", "acquisition_source": "acquisition_source"},
)


def buyer_key(o: Any) -> Any:
    """The buyer of an order: customer_id, else visitor_id, else the order itself (an anonymous guest)."""
    import ibis

    return ibis.coalesce(o.customer_id, o.visitor_id, o.order_id)


def _customer_type(time_column: str) -> Lookup:
    """new: the order falls on the buyer's first paid day; returning: the buyer paid on an earlier day."""

    def build(ctx: Ctx, fact: Any, needed: tuple[str, ...]) -> Any:
        import ibis

        o = ctx.table("orders")
        paid = o.filter(o.paid_at.notnull())
        first = paid.group_by(_fb=buyer_key(paid)).aggregate(_first_paid_day=paid.paid_at.min().date())
        joined = fact.left_join(first, fact.buyer == first._fb).drop("_fb")
        day = joined[time_column].date()
        new = joined._first_paid_day.isnull() | (joined._first_paid_day >= day)
        return joined.mutate(customer_type=ibis.ifelse(new, "new", "returning")).drop("_first_paid_day")

    return Lookup("orders", "buyer", ("customer_type",), build)


def _events(ctx: Ctx) -> Any:
    t = ctx.table("events")
    return t.mutate(_t=t.ts)


def _sessions(ctx: Ctx) -> Any:
    t = ctx.table("sessions")
    return t.mutate(_t=t.started_at)


def near(ctx: Ctx, events: Any) -> Any:
    """The events of visits that can count in the period being built: from a day before it to a day after it
    (a visit is taken to span at most one midnight, as the rollups take it), so that a day's figures of visits
    do not read every event of the shop."""
    lo, hi = ctx.window
    one_day = dt.timedelta(days=1)
    if lo is not None:
        events = events.filter(events.ts >= lo - one_day)
    if hi is not None:
        events = events.filter(events.ts < hi + one_day)
    return events


def _visit_days(ctx: Ctx) -> Any:
    """Visits with a page view, one row per shop-local day the visit viewed pages on.

    A visit's first and last page view bound the days it touched (a visit has no gap long enough to
    skip a day), so a visit crossing midnight counts on both days without scanning its views twice.
    ``_t`` is the first view on the first day and midnight on the later ones.
    """
    import ibis

    s, e = ctx.table("sessions"), near(ctx, ctx.table("events"))
    pv = e.filter(e.event_type.isin(PV_TYPES))
    per = pv.group_by(_sid=pv.session_id).aggregate(_first=pv.ts.min(), _last=pv.ts.max())
    j = s.inner_join(per, s.session_id == per._sid).drop("_sid")
    one_day = ibis.interval(days=1)
    j = j.mutate(_day=ibis.range(j._first.truncate("D"), j._last.truncate("D") + one_day, one_day).unnest())
    return j.mutate(_t=ibis.greatest(j._day, j._first)).drop("_day", "_first", "_last")


def _visits(ctx: Ctx) -> Any:
    """Sessions with their page views, events and first/last event time (from events)."""
    import ibis

    s, e = ctx.table("sessions"), near(ctx, ctx.table("events"))
    per = e.group_by(_sid=e.session_id).aggregate(
        _pv=e.count(where=e.event_type.isin(PV_TYPES)),
        _events=e.count(),
        _span=(e.ts.max().epoch_seconds() - e.ts.min().epoch_seconds()),
    )
    j = s.left_join(per, s.session_id == per._sid).drop("_sid")
    return j.mutate(
        _t=j.started_at,
        page_views=ibis.coalesce(j._pv, 0),
        visit_seconds=ibis.ifelse(j._events > 0, j._span, ibis.null("int64")),
    ).drop("_pv", "_events", "_span")


def _orders(time_column: str) -> Callable[[Ctx], Any]:
    def build(ctx: Ctx) -> Any:
        o = ctx.table("orders")
        if time_column != "created_at":
            o = o.filter(o[time_column].notnull())
        return o.mutate(_t=o[time_column], buyer=buyer_key(o))

    return build


_LINE_ORDER_COLS = ("source", "device", "region", "city", "customer_id", "visitor_id", "session_id",
                    "payment_method", "created_at", "paid_at", "status")


def _lines(time_column: str) -> Callable[[Ctx], Any]:
    """Order lines with their order's time, buyer and dimensions (one row per line: no fan-out)."""

    def build(ctx: Ctx) -> Any:
        o = _orders(time_column)(ctx)
        o = o.select("_t", "buyer", _oid=o.order_id, _opresale=o.is_presale,
                     **{c: o[c] for c in _LINE_ORDER_COLS})
        i = ctx.table("order_items")
        j = i.inner_join(o, i.order_id == o._oid).drop("_oid")
        return j.mutate(is_presale=j._opresale).drop("_opresale")

    return build


def _refunds(ctx: Ctx) -> Any:
    t = ctx.table("refunds")
    return t.mutate(_t=t.created_at)


def _ad_spend(ctx: Ctx) -> Any:
    t = ctx.table("ad_spend")
    return t.mutate(_t=t.date.cast("timestamp"))


ATTRIBUTION = ("attribution_model", "attribution_basis", "attribution_window")
"""The attribution setting of an ad row (效果模型, 统计口径, 转化周期): rows of two settings never add up."""


def attribution_setting(t: Any) -> Any:
    """The row's attribution setting as one string (empty parts for settings the platform lacks)."""
    import ibis

    return ibis.literal("|").join([t[c].fill_null("") for c in ATTRIBUTION])


def one_attribution(t: Any) -> Any:
    """Per channel, the rows of one attribution setting: the one most rows use (ties: the first by name).

    Filter by attribution_model / attribution_basis / attribution_window to choose another: the
    choice is made among the rows the filters keep.
    """
    import ibis

    t = t.mutate(_setting=attribution_setting(t))
    counts = t.group_by(_ch=t.channel, _set=t._setting).aggregate(_n=t.count())
    ranked = counts.mutate(_r=ibis.row_number().over(group_by=counts._ch, order_by=[counts._n.desc(), counts._set]))
    best = ranked.filter(ranked._r == 0).select("_ch", "_set")
    joined = t.inner_join(best, (t.channel == best._ch) & (t._setting == best._set))
    return joined.drop("_ch", "_set", "_setting")


AD_DETAIL = ("ad_group", "keyword", "creative", "product_id")
"""Columns that make an ad row a detail of its plan (unit, keyword, creative, item reports)."""


def one_level(t: Any, names: frozenset[str]) -> Any:
    """Per plan (channel, campaign) and day, the rows of one level of detail: the coarsest the shop has that
    gives every detail the query splits or filters by (plan rows unless split by keyword, unit, creative or
    item), so a plan report and its keyword report are never added together.
    """
    import ibis

    needed = [c for c in AD_DETAIL if c in names]
    t = t.mutate(_plan=t.channel.concat("|", t.campaign.fill_null("")),
                 _level=ibis.literal("").join([ibis.ifelse(t[c].isnull(), "0", "1") for c in AD_DETAIL]),
                 _detail=sum((t[c].notnull().cast("int32") for c in AD_DETAIL), ibis.literal(0)))
    if needed:
        t = t.filter(*[t[c].notnull() for c in needed])
    counts = t.group_by(_p=t._plan, _d=t.date, _lv=t._level, _dn=t._detail).aggregate(_n=t.count())
    order = [counts._dn, counts._n.desc(), counts._lv]
    ranked = counts.mutate(_r=ibis.row_number().over(group_by=[counts._p, counts._d], order_by=order))
    best = ranked.filter(ranked._r == 0).select("_p", "_d", "_lv")
    joined = t.inner_join(best, (t._plan == best._p) & (t.date == best._d) & (t._level == best._lv))
    return joined.drop("_p", "_d", "_lv", "_plan", "_level", "_detail")


def settle_ads(t: Any, names: frozenset[str]) -> Any:
    """Ad rows that may be added together: one attribution setting, then one level of detail, per channel."""
    return one_level(one_attribution(t), names)


def _daily(table: str) -> Callable[[Ctx], Any]:
    """A daily report; ``_match``: the row is a period row covering exactly its cell (set per query)."""

    def build(ctx: Ctx) -> Any:
        import ibis

        t = ctx.table(table)
        return t.mutate(_t=t.date.cast("timestamp"), _match=ibis.literal(False))

    return build


SOURCE_DIMS = ("source", "source_1", "source_3", "device")
"""The dimensions of the daily traffic-source report (来源明细, 流量来源, 三级来源, 终端)."""
DAILY_TIMES = ("day", "week", "month", "weekday")
DAILY_RULES = (
    "Daily reports (daily_shop, daily_source, daily_product): sums (page views, sales, orders, units) add the "
    "one-day rows. A distinct count (visitors, buyers) in a cell of one day is that day's figure; over several "
    "days it is the platform's own period row when one covers exactly the cell's days, else the sum of the "
    "daily figures with a note (a visitor on two days counts twice). Raw rows (events, orders) win where the "
    "shop has them; daily_source answers only splits by source, daily_product only splits by product."
)


def _reviews(ctx: Ctx) -> Any:
    t = ctx.table("reviews")
    return t.mutate(_t=t.created_at)


_PRODUCT_ALIAS = {"product": "product_id"}

FACTS: dict[str, Fact] = {
    f.name: f
    for f in [
        Fact("sessions", "sessions", "visit start (started_at)", "访问开始时间 (started_at)", _sessions,
             lookups=(CUSTOMER,)),
        Fact("visits", "sessions", "visit start (started_at)", "访问开始时间 (started_at)", _visits,
             lookups=(CUSTOMER,), also=("events",)),
        Fact("events", "events", "event time (ts)", "行为时间 (ts)", _events, _PRODUCT_ALIAS,
             (SESSION, PRODUCT, CUSTOMER)),
        Fact("orders_placed", "orders", "order time (created_at)", "下单时间 (created_at)",
             _orders("created_at"), {}, (SESSION, CUSTOMER, _customer_type("created_at"), SUSPECT)),
        Fact("orders_paid", "orders", "payment time (paid_at)", "付款时间 (paid_at)",
             _orders("paid_at"), {}, (SESSION, CUSTOMER, _customer_type("paid_at"))),
        Fact("orders_shipped", "orders", "shipping time (shipped_at)", "发货时间 (shipped_at)",
             _orders("shipped_at"), {}, (SESSION, CUSTOMER)),
        Fact("orders_delivered", "orders", "delivery time (delivered_at)", "签收时间 (delivered_at)",
             _orders("delivered_at"), {}, (SESSION, CUSTOMER)),
        Fact("lines_placed", "order_items", "order time (orders.created_at)", "下单时间 (orders.created_at)",
             _lines("created_at"), _PRODUCT_ALIAS, (PRODUCT, SESSION, CUSTOMER, _customer_type("created_at")),
             ("orders",)),
        Fact("lines_paid", "order_items", "payment time (orders.paid_at)", "付款时间 (orders.paid_at)",
             _lines("paid_at"), _PRODUCT_ALIAS, (PRODUCT, SESSION, CUSTOMER, _customer_type("paid_at")),
             ("orders",)),
        Fact("refunds", "refunds", "refund time (created_at)", "退款时间 (created_at)", _refunds,
             _PRODUCT_ALIAS, (ORDER, PRODUCT)),
        Fact("visit_days", "sessions", "page view time (events.ts)", "浏览时间 (events.ts)", _visit_days,
             lookups=(CUSTOMER,), also=("events",)),
        Fact("ad_spend", "ad_spend", "spend day (date)", "花费日期 (date)", _ad_spend, {"source": "channel"},
             times=DAILY_TIMES, settle=settle_ads),
        Fact("daily_shop", "daily_shop", "report day (date)", "统计日期 (date)", _daily("daily_shop"),
             times=DAILY_TIMES, daily=True),
        Fact("daily_source", "daily_source", "report day (date)", "统计日期 (date)", _daily("daily_source"),
             times=DAILY_TIMES, daily=True),
        Fact("daily_product", "daily_product", "report day (date)", "统计日期 (date)", _daily("daily_product"),
             _PRODUCT_ALIAS, (PRODUCT,), times=DAILY_TIMES, daily=True),
        Fact("reviews", "reviews", "review time (created_at)", "评价时间 (created_at)", _reviews,
             _PRODUCT_ALIAS, (PRODUCT, CUSTOMER)),
    ]
}
