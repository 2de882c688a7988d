"""Audiences (人群圈选): pick customers by attributes, RFM group, predicted values, purchases, visits,
searches and reviews; see the size and expected value; export with a random held-out control group.

An :class:`Audience` is a name and a list of conditions that must all hold (wrap one in :class:`Not`
to exclude). It is plain data: ``Audience.from_dict(json.loads(text))`` and ``audience.to_dict()``.
Dates in conditions are ISO dates or ``"90d"`` (days before the audience's as-of day, inclusive).

Exports are recorded in two tables this module creates when first needed (not canonical tables):
``audiences`` (shop_id, audience_id, name, created_at, as_of, spec JSON, seed, control_share, size,
control_size, expected_value, file) and ``audience_members`` (shop_id, audience_id, customer_id,
is_control, best_hour). Comparing later purchases of the treatment and control members measures the
campaign's lift.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import ibis
import numpy as np
import pandas as pd

from junshi.customers.summary import TableSource, last_purchase_day, purchases, require_rows
from junshi.errors import ConfigError, MissingDataError, ModelError
from junshi.exports import export_path, write_table
from junshi.periods import parse_day

Op = Literal["==", "!=", "<", "<=", ">", ">=", "in", "contains"]
OPS: tuple[str, ...] = ("==", "!=", "<", "<=", ">", ">=", "in", "contains")
ATTRIBUTES = ("gender", "birth_year", "age", "region", "city", "acquisition_source", "registered_at")
PREDICTED = ("p_alive", "expected_purchases", "expected_value", "expected_spend", "frequency", "revenue")


@dataclass(frozen=True)
class Attribute:
    """A customer attribute (customers table; ``age`` = as-of year - birth_year) compared with a value."""

    column: str
    op: Op
    value: Any
    kind: Literal["attribute"] = "attribute"


@dataclass(frozen=True)
class InRFMGroup:
    """In one of the RFM groups (keys of junshi.customers.rfm.GROUPS) at the as-of day."""

    groups: tuple[str, ...]
    kind: Literal["rfm_group"] = "rfm_group"


@dataclass(frozen=True)
class Predicted:
    """A predicted value (customers.clv.predict over ``horizon_days``) compared with a number."""

    column: str
    op: Op
    value: float
    horizon_days: float = 90.0
    kind: Literal["predicted"] = "predicted"


@dataclass(frozen=True)
class Bought:
    """Paid for (not cancelled) matching products in [since, until], spending at least ``min_amount``
    on them in total. Empty product_ids and categories match any product."""

    product_ids: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    min_amount: float | None = None
    kind: Literal["bought"] = "bought"


@dataclass(frozen=True)
class Visited:
    """At least ``min_visits`` logged-in visits (sessions) in [since, until]."""

    since: str | None = None
    until: str | None = None
    min_visits: int = 1
    kind: Literal["visited"] = "visited"


@dataclass(frozen=True)
class Searched:
    """Searched words containing ``query`` (case-insensitive) in [since, until]; searches are tied to
    customers through their visitor ids (sessions, orders, events) and logged-in search events."""

    query: str
    since: str | None = None
    until: str | None = None
    kind: Literal["searched"] = "searched"


@dataclass(frozen=True)
class Reviewed:
    """Wrote a review rated between ``min_rating`` and ``max_rating`` in [since, until]."""

    min_rating: int = 1
    max_rating: int = 5
    since: str | None = None
    until: str | None = None
    kind: Literal["reviewed"] = "reviewed"


@dataclass(frozen=True)
class Not:
    """The wrapped condition does not hold."""

    condition: Condition
    kind: Literal["not"] = "not"


Condition = Attribute | InRFMGroup | Predicted | Bought | Visited | Searched | Reviewed | Not
_KINDS: dict[str, type[Any]] = {
    "attribute": Attribute,
    "rfm_group": InRFMGroup,
    "predicted": Predicted,
    "bought": Bought,
    "visited": Visited,
    "searched": Searched,
    "reviewed": Reviewed,
    "not": Not,
}


def condition_from_dict(data: dict[str, Any]) -> Condition:
    """Parse one condition from its JSON form (``{"kind": ..., ...}``)."""
    kind = data.get("kind")
    cls = _KINDS.get(str(kind))
    if cls is None:
        raise ConfigError(
            f"Unknown audience condition {kind!r}.",
            f"未知的人群条件 {kind!r}。",
            hint_en="Known kinds: " + ", ".join(_KINDS),
            hint_zh="可用条件：" + "、".join(_KINDS),
        )
    args = {k: v for k, v in data.items() if k != "kind"}
    if cls is Not:
        return Not(condition_from_dict(args["condition"]))
    for key in ("groups", "product_ids", "categories"):
        if key in args:
            args[key] = tuple([args[key]] if isinstance(args[key], str) else args[key])
    try:
        cond: Condition = cls(**args)
    except TypeError as exc:
        raise ConfigError(
            f"Invalid {kind} condition: {exc}.",
            f"无效的 {kind} 条件：{exc}。",
            hint_en="See docs/customers.md for the fields of each condition.",
            hint_zh="各条件的字段见 docs/customers.md。",
        ) from exc
    _check(cond)
    return cond


def _unknown(kind_en: str, kind_zh: str, value: str, known: Iterable[str]) -> ConfigError:
    names = list(known)
    return ConfigError(
        f"Unknown {kind_en} {value}.",
        f"未知{kind_zh} {value}。",
        hint_en="Known: " + ", ".join(names),
        hint_zh="可用：" + "、".join(names),
    )


def _check(cond: Condition) -> None:
    if isinstance(cond, Attribute | Predicted) and cond.op not in OPS:
        raise ConfigError(
            f"Unknown operator {cond.op!r}.", f"未知运算符 {cond.op!r}。", hint_en="Use: " + " ".join(OPS)
        )
    if isinstance(cond, Attribute) and cond.column not in ATTRIBUTES:
        raise _unknown("customer attribute", "客户属性", repr(cond.column), ATTRIBUTES)
    if isinstance(cond, Predicted) and cond.column not in PREDICTED:
        raise _unknown("predicted value", "预测值", repr(cond.column), PREDICTED)
    if isinstance(cond, InRFMGroup):
        from junshi.customers.rfm import GROUP_BY_KEY

        bad = [g for g in cond.groups if g not in GROUP_BY_KEY]
        if bad:
            raise _unknown("RFM group(s)", "RFM 分群", str(bad), GROUP_BY_KEY)
    if isinstance(cond, Not):
        _check(cond.condition)


@dataclass(frozen=True)
class Audience:
    """A named audience: customers meeting every condition, judged at ``as_of`` (default: last purchase day)."""

    name: str
    conditions: tuple[Condition, ...] = ()
    as_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "as_of": self.as_of, "conditions": [asdict(c) for c in self.conditions]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Audience:
        conds = tuple(condition_from_dict(c) for c in data.get("conditions", []))
        return cls(str(data.get("name") or "audience"), conds, data.get("as_of"))


@dataclass
class _Context:
    """Per-evaluation state: the as-of day and lazily computed RFM / CLV tables."""

    src: TableSource
    as_of: dt.date
    rfm: pd.DataFrame | None = None
    predictions: dict[float, pd.DataFrame] = field(default_factory=dict)

    def day(self, value: str | None) -> dt.date | None:
        if value is None:
            return None
        m = re.fullmatch(r"\s*(\d+)\s*d\s*", str(value))
        if m:
            return self.as_of - dt.timedelta(days=int(m.group(1)) - 1)
        return parse_day(value, "audience date")

    def predicted(self, horizon: float) -> pd.DataFrame:
        if horizon not in self.predictions:
            from junshi.customers.clv import fit_clv, predict

            self.predictions[horizon] = predict(fit_clv(self.src.table("orders"), self.as_of), horizon)
        return self.predictions[horizon]


def _compare(col: Any, op: str, value: Any) -> Any:
    if op == "in":
        return col.isin(list(value) if isinstance(value, list | tuple) else [value])
    if op == "contains":
        return (
            col.lower().contains(str(value).lower())
            if hasattr(col, "lower")
            else col.str.lower().str.contains(str(value).lower())
        )
    return {
        "==": col == value,
        "!=": col != value,
        "<": col < value,
        "<=": col <= value,
        ">": col > value,
        ">=": col >= value,
    }[op]


def _window(t: ibis.Table, ts: ibis.Value, since: dt.date | None, until: dt.date | None) -> ibis.Table:
    if since is not None:
        t = t.filter(ts.date() >= since)
    if until is not None:
        t = t.filter(ts.date() <= until)
    return t


def _ids(ctx: _Context, cond: Condition) -> ibis.Table:
    """A one-column table (customer_id) of the customers meeting ``cond`` (Not is handled by the caller)."""
    src = ctx.src
    if isinstance(cond, Attribute):
        require_rows(src, ("customers",), "customer attributes", "客户属性")
        c = src.table("customers")
        col = (ctx.as_of.year - c.birth_year) if cond.column == "age" else c[cond.column]
        is_day = cond.column == "registered_at" and cond.op not in ("in", "contains")
        value = parse_day(cond.value) if is_day else cond.value
        return c.filter(_compare(col, cond.op, value)).select("customer_id")
    if isinstance(cond, InRFMGroup | Predicted):
        if isinstance(cond, InRFMGroup):
            if ctx.rfm is None:
                from junshi.customers.rfm import rfm

                ctx.rfm = rfm(src, ctx.as_of)
            frame = ctx.rfm[ctx.rfm.group.isin(cond.groups)]
        else:
            pred = ctx.predicted(cond.horizon_days)
            frame = pred[_compare(pred[cond.column], cond.op, cond.value)]
        return ibis.memtable({"customer_id": frame.customer_id.astype(str).tolist()}, schema={"customer_id": "string"})
    if isinstance(cond, Bought):
        since, until = ctx.day(cond.since), ctx.day(cond.until) or ctx.as_of
        p = purchases(src.table("orders"))
        if cond.product_ids or cond.categories:
            require_rows(src, ("order_items",), "products bought", "所购商品")
            items = src.table("order_items")
            items = items.select(
                "order_id", "product_id", line_amount=ibis.coalesce(items.amount, items.unit_price * items.quantity)
            )
            j = p.select("customer_id", "order_id", "ts").join(items, "order_id")
            if cond.categories:
                require_rows(src, ("products",), "product categories", "商品类目")
                prods = src.table("products").select("product_id", "category")
                j = j.join(prods, "product_id").filter(lambda t: t.category.isin(list(cond.categories)))
            if cond.product_ids:
                j = j.filter(j.product_id.isin(list(cond.product_ids)))
        else:  # any product: the paid orders themselves (an orders-only shop has no order lines)
            j = p.select("customer_id", "ts", line_amount=p.amount)
        j = _window(j, j.ts, since, until)
        agg = j.group_by("customer_id").aggregate(spent=j.line_amount.sum())
        if cond.min_amount is not None:
            agg = agg.filter(agg.spent >= cond.min_amount)
        return agg.select("customer_id")
    if isinstance(cond, Visited):
        require_rows(src, ("sessions",), "visits", "访问")
        s = src.table("sessions")
        s = _window(
            s.filter(s.customer_id.notnull()), s.started_at, ctx.day(cond.since), ctx.day(cond.until) or ctx.as_of
        )
        agg = s.group_by("customer_id").aggregate(n=s.count())
        return agg.filter(agg.n >= cond.min_visits).select("customer_id")
    if isinstance(cond, Searched):
        return _searchers(ctx, cond)
    if isinstance(cond, Reviewed):
        require_rows(src, ("reviews",), "reviews", "评价")
        r = src.table("reviews")
        r = r.filter(r.customer_id.notnull() & r.rating.between(cond.min_rating, cond.max_rating))
        r = _window(r, r.created_at, ctx.day(cond.since), ctx.day(cond.until) or ctx.as_of)
        return r.select("customer_id").distinct()
    raise ConfigError(f"Unsupported condition {cond!r}.", f"不支持的条件 {cond!r}。")


def _searchers(ctx: _Context, cond: Searched) -> ibis.Table:
    src = ctx.src
    require_rows(src, ("searches", "events"), "searches", "搜索")
    since, until = ctx.day(cond.since), ctx.day(cond.until) or ctx.as_of
    links = []
    for name in ("sessions", "orders", "events"):
        t = src.table(name)
        links.append(t.filter(t.visitor_id.notnull() & t.customer_id.notnull()).select("visitor_id", "customer_id"))
    visitor_map = ibis.union(*links, distinct=True)
    s = src.table("searches")
    s = _window(s.filter(s.query.lower().contains(cond.query.lower())), s.ts, since, until)
    via_visitor = s.join(visitor_map, "visitor_id").select("customer_id")
    e = src.table("events")
    e = e.filter((e.event_type == "search") & e.customer_id.notnull() & e.query.lower().contains(cond.query.lower()))
    logged_in = _window(e, e.ts, since, until).select("customer_id")
    return ibis.union(via_visitor, logged_in, distinct=True)


def _universe(src: TableSource) -> ibis.Table:
    """Every known customer: the customers table and every buyer."""
    c = src.table("customers").select("customer_id")
    o = src.table("orders")
    buyers = o.filter(o.customer_id.notnull()).select("customer_id")
    return ibis.union(c, buyers, distinct=True)


def members(src: TableSource, audience: Audience) -> pd.DataFrame:
    """The audience's customers (column customer_id), sorted, computed in the warehouse engine."""
    for cond in audience.conditions:
        _check(cond)
    try:
        as_of = parse_day(audience.as_of) if audience.as_of else last_purchase_day(src.table("orders"))
    except MissingDataError:
        as_of = dt.date.today()
    ctx = _Context(src, as_of)
    expr = _universe(src)
    for cond in audience.conditions:
        if isinstance(cond, Not):
            expr = expr.anti_join(_ids(ctx, cond.condition), "customer_id")
        else:
            expr = expr.semi_join(_ids(ctx, cond), "customer_id")
    out: pd.DataFrame = expr.order_by("customer_id").execute()
    return out


@dataclass(frozen=True)
class AudiencePreview:
    """Size and expected value of an audience before export (expected_value: BG/NBD + Gamma-Gamma over
    ``horizon_days``, None when the shop's data cannot fit the models)."""

    name: str
    size: int
    expected_value: float | None
    expected_purchases: float | None
    horizon_days: float
    sample: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def preview(src: TableSource, audience: Audience, *, horizon_days: float = 90.0) -> AudiencePreview:
    """How many customers the audience has and what they are expected to be worth."""
    ids = members(src, audience).customer_id.astype(str)
    value, purchases_ = _expected(src, audience, ids, horizon_days)
    return AudiencePreview(audience.name, len(ids), value, purchases_, horizon_days, ids.head(10).tolist())


def _expected(
    src: TableSource, audience: Audience, ids: pd.Series, horizon_days: float
) -> tuple[float | None, float | None]:
    from junshi.customers.clv import fit_clv, predict

    try:
        orders = src.table("orders")
        pred = predict(fit_clv(orders, audience.as_of or last_purchase_day(orders)), horizon_days)
    except (ModelError, MissingDataError):
        return None, None
    part = pred[pred.customer_id.astype(str).isin(set(ids))]
    return float(part.expected_value.sum()), float(part.expected_purchases.sum())


def best_hours(src: TableSource) -> pd.DataFrame:
    """The hour (0-23, shop-local) at which each buyer most often paid; ties go to the earlier hour.

    Columns: customer_id, best_hour, orders_at_hour. The shop-wide best hour is :func:`shop_best_hour`.
    """
    p = purchases(src.table("orders"))
    counts = p.group_by(["customer_id", "hour"]).aggregate(n=p.count())
    w = ibis.window(group_by="customer_id", order_by=[ibis.desc("n"), "hour"])
    ranked = counts.mutate(rank=ibis.row_number().over(w))
    top = ranked.filter(ranked["rank"] == 0).select(customer_id="customer_id", best_hour="hour", orders_at_hour="n")
    out: pd.DataFrame = top.order_by("customer_id").execute()
    return out


def shop_best_hour(src: TableSource) -> int | None:
    """The hour at which the shop's customers pay most often (for customers without history)."""
    p = purchases(src.table("orders"))
    counts: pd.DataFrame = (
        p.group_by("hour").aggregate(n=p.count()).order_by([ibis.desc("n"), "hour"]).limit(1).execute()
    )
    return int(counts.hour.iloc[0]) if len(counts) else None


@dataclass(frozen=True)
class AudienceExport:
    """What was exported: the file (treatment customers only) and the recorded control group."""

    audience_id: str
    name: str
    path: str
    size: int
    treatment: int
    control: int
    control_share: float
    seed: int
    expected_value: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


AUDIENCE_TABLES_SQL = (
    """CREATE TABLE IF NOT EXISTS audiences (
        shop_id VARCHAR NOT NULL, audience_id VARCHAR NOT NULL, name VARCHAR, created_at TIMESTAMP,
        as_of DATE, spec VARCHAR, seed BIGINT, control_share DOUBLE, size BIGINT, control_size BIGINT,
        expected_value DOUBLE, file VARCHAR, PRIMARY KEY (shop_id, audience_id))""",
    """CREATE TABLE IF NOT EXISTS audience_members (
        shop_id VARCHAR NOT NULL, audience_id VARCHAR NOT NULL, customer_id VARCHAR NOT NULL,
        is_control BOOLEAN NOT NULL, best_hour INTEGER, PRIMARY KEY (shop_id, audience_id, customer_id))""",
)


def split_control(ids: list[str], control_share: float, seed: int) -> set[str]:
    """A seeded random control group of round(n x share) of the (sorted) ids."""
    if not 0 <= control_share < 1:
        raise ConfigError(
            f"The control share must be in [0, 1), not {control_share}.",
            f"对照组比例必须在 [0, 1) 之间，而不是 {control_share}。",
            hint_en="E.g. --control 0.1 for 10%.",
            hint_zh="例如 --control 0.1 表示 10%。",
        )
    ordered = sorted(ids)
    k = round(len(ordered) * control_share)
    pick = np.random.default_rng(seed).choice(len(ordered), size=k, replace=False)
    return {ordered[int(i)] for i in pick}


def export_audience(
    src: TableSource,
    audience: Audience,
    path: str | Path,
    *,
    control_share: float = 0.1,
    seed: int = 0,
    horizon_days: float = 90.0,
) -> AudienceExport:
    """Write the treatment customers to ``path`` (.csv or .xlsx) for an e-mail/SMS tool, hold out a seeded
    random control group, and record both in the ``audiences`` / ``audience_members`` tables.

    File columns: customer_id, best_hour (shop-local hour to contact; the shop's best hour when the
    customer has no paid order), gender, region, city, rfm_group, rfm_group_zh.
    """
    out = export_path(path)
    ids = members(src, audience).customer_id.astype(str).tolist()
    control = split_control(ids, control_share, seed)
    hours = best_hours(src).set_index("customer_id").best_hour
    default_hour = shop_best_hour(src)
    frame = pd.DataFrame({"customer_id": pd.Series(ids, dtype=object)})  # object also when empty
    frame["is_control"] = frame.customer_id.isin(control)
    frame["best_hour"] = frame.customer_id.map(hours).fillna(-1 if default_hour is None else default_hour).astype(int)
    frame["best_hour"] = frame.best_hour.where(frame.best_hour >= 0, None)
    attrs: pd.DataFrame = src.table("customers").select("customer_id", "gender", "region", "city").execute()
    attrs["customer_id"] = attrs.customer_id.astype(object)  # an empty result comes back as float64
    frame = frame.merge(attrs.drop_duplicates("customer_id"), on="customer_id", how="left")
    try:
        from junshi.customers.rfm import rfm

        groups = rfm(src, audience.as_of)[["customer_id", "group", "group_zh"]]
        frame = frame.merge(
            groups.rename(columns={"group": "rfm_group", "group_zh": "rfm_group_zh"}), on="customer_id", how="left"
        )
    except MissingDataError:
        frame["rfm_group"] = frame["rfm_group_zh"] = None
    value, _ = _expected(src, audience, pd.Series(ids, dtype=str), horizon_days)
    treatment = frame[~frame.is_control].drop(columns=["is_control"])
    write_table(treatment, out)
    audience_id = uuid.uuid4().hex[:12]
    _record(src, audience, audience_id, frame, control_share, seed, value, str(out))
    return AudienceExport(
        audience_id,
        audience.name,
        str(out),
        len(ids),
        len(ids) - len(control),
        len(control),
        control_share,
        seed,
        value,
    )


def _record(
    src: TableSource,
    audience: Audience,
    audience_id: str,
    frame: pd.DataFrame,
    share: float,
    seed: int,
    value: float | None,
    file: str,
) -> None:
    warehouse = getattr(src, "warehouse", None)
    shop_id = getattr(src, "shop_id", None)
    if warehouse is None or shop_id is None:
        raise ConfigError("Exports are recorded through a Shop.", "导出需通过 Shop 记录。")
    rows = frame[["customer_id", "is_control", "best_hour"]].assign(shop_id=shop_id, audience_id=audience_id)
    rows = rows[["shop_id", "audience_id", "customer_id", "is_control", "best_hour"]]
    with warehouse.transaction() as con:
        for sql in AUDIENCE_TABLES_SQL:
            con.execute(sql)
        con.execute(
            "INSERT INTO audiences VALUES (?, ?, ?, current_localtimestamp(), ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                shop_id,
                audience_id,
                audience.name,
                audience.as_of,
                json.dumps(audience.to_dict(), ensure_ascii=False),
                seed,
                share,
                len(frame),
                int(frame.is_control.sum()),
                value,
                file,
            ],
        )
        con.register("_audience_rows", rows)
        try:
            con.execute(
                "INSERT INTO audience_members SELECT shop_id, audience_id, customer_id, is_control,"
                " best_hour::INTEGER FROM _audience_rows"
            )
        finally:
            con.unregister("_audience_rows")
