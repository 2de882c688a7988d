"""Compile a metric query into one Ibis expression: one aggregate per fact, unioned, then derived metrics.

Each base metric is aggregated from its fact at the grain asked for (so distinct counts and means are
exact in every cell), the per-fact aggregates are stacked and collapsed by dimension, and derived
metrics are computed from those totals (a ratio is never an average of ratios).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from graphlib import TopologicalSorter
from typing import Any

import ibis

from junshi.errors import MetricError
from junshi.metrics.dimensions import REGISTRY as DIMENSION_REGISTRY
from junshi.metrics.facts import FACTS, TIME_DIMS, Ctx, Fact
from junshi.metrics.model import Metric, Source
from junshi.metrics.names import did_you_mean
from junshi.metrics.notes import Note
from junshi.metrics.registry import REGISTRY
from junshi.metrics.rollups import ROLLUP_FACTS, repeat_count, rollup_source, union_count
from junshi.rollup.tables import ROLLUPS
from junshi.schema import TABLES


@dataclass(frozen=True)
class Query:
    """What to compute: metric ids, dimensions, the period (inclusive dates), filters (dimension -> values)."""

    metrics: tuple[str, ...]
    by: tuple[str, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    shift: tuple[str, int] | None = None  # ("days" | "years", n): move the data forward by this much


@dataclass
class Plan:
    """The compiled query (None when no metric can be computed) and the caveats found on the way."""

    expr: Any
    notes: list[Note] = field(default_factory=list)
    unavailable: set[str] = field(default_factory=set)
    sources: dict[str, Source] = field(default_factory=dict)
    flags: dict[str, str] = field(default_factory=dict)
    """Hidden result columns -> the metric whose daily figures they flag as summed over days or rows."""
    summed: set[str] = field(default_factory=set)
    sql: str | None = None
    """The expression compiled to SQL once (plans cached per shop and data version; see ``query.compile_kpi``)."""


def fact_of(name: str) -> Fact:
    """A fact of the registry or a rollup (see ``junshi.metrics.rollups``)."""
    return FACTS[name] if name in FACTS else ROLLUP_FACTS[name]


def unbound_ctx() -> Ctx:
    """Facts over unbound tables with the canonical schema: for validation and listing columns."""
    return Ctx(lambda name: ibis.table(TABLES[name].ibis_schema(), name=name))


@cache
def fact_columns(fact: str) -> frozenset[str]:
    """The columns a fact has before lookups (helper columns starting with '_' excluded).

    Of a daily report only the text columns: its numbers are measures, not dimensions.
    """
    t = FACTS[fact].build(unbound_ctx())
    daily = FACTS[fact].daily
    return frozenset(c for c in t.columns if not c.startswith("_") and not (daily and not t[c].type().is_string()))


def dimension_origin(fact: Fact, name: str) -> tuple[str, str] | None:
    """The canonical table and column behind a dimension of ``fact`` (None: computed or a time dimension): its own
    table's, else that of a table it is joined with (an order line's source, device and region are its order's,
    not its visit's), else a lookup's."""
    column = fact.aliases.get(name, name)
    if name in TIME_DIMS:
        return None
    if column in TABLES[fact.table].column_names:
        return fact.table, column
    joined = next((t for t in fact.also if column in TABLES[t].column_names), None)
    if joined is not None and column in fact_columns(fact.name):
        return joined, column
    lookup = next((lk for lk in fact.lookups if name in lk.columns), None)
    return (lookup.table, lookup.columns[name]) if lookup else None


def resolvable(fact: Fact, name: str) -> bool:
    """Whether the dimension or column ``name`` can be had on ``fact``."""
    if name in TIME_DIMS:
        return name in fact.times
    return (
        name in fact.aliases
        or name in fact_columns(fact.name)
        or any(name in lk.provides for lk in fact.lookups)
    )


def all_dimensions() -> tuple[str, ...]:
    """Every dimension name some metric can be split or filtered by (declared in :mod:`.dimensions`)."""
    return tuple(sorted(DIMENSION_REGISTRY))


def inferred_dimensions() -> dict[str, tuple[str, ...]]:
    """What the facts can resolve: each dimension name with the canonical ``table.column`` behind it (none:
    a time dimension or a computed one). The declarations must match it (a test checks)."""
    names: set[str] = set(TIME_DIMS)
    for fact in FACTS.values():
        names |= set(fact.aliases) | fact_columns(fact.name)
        for lk in fact.lookups:
            names |= set(lk.provides)
    names -= {"shop_id", "buyer", "product_cost"}
    origins = {n: {o for f in FACTS.values() if (o := dimension_origin(f, n))} for n in names}
    return {n: tuple(sorted(f"{t}.{c}" for t, c in origins[n])) for n in sorted(names)}


@cache
def splittable(dim: str) -> tuple[str, ...]:
    """The public metrics ``dim`` can split: every base metric they need has a source whose fact has the
    dimension (a part taken for the whole time cell, e.g. sales in the spend ratio by campaign, need not)."""

    def base_ok(mid: str) -> bool:
        return any(resolvable(FACTS[s.fact], dim) for s in REGISTRY[mid].sources)

    def ok(m: Metric) -> bool:
        if not m.derived:
            return base_ok(m.id)
        return all(p in m.whole or ok(REGISTRY[p]) for p in m.parts)

    return tuple(m.id for m in REGISTRY.values() if m.public and ok(m))


def required_tables(metric_id: str) -> tuple[str, ...]:
    """The tables a metric needs in the usual case (its first source not limited to product splits)."""
    metric = REGISTRY[metric_id]
    if metric.derived:
        return tuple(sorted({t for p in metric.parts for t in required_tables(p)}))
    main = next((s for s in metric.sources if not s.when), metric.sources[0])
    return FACTS[main.fact].tables


def readable_tables(metric_id: str) -> tuple[str, ...]:
    """Every table the metric can read: those of each of its sources and its parts' (the metric catalogue's
    ``needs``)."""
    return tuple(sorted({t for mid in closure([metric_id]) for s in REGISTRY[mid].sources
                         for t in FACTS[s.fact].tables}))


def counts_rows(metric_id: str) -> bool:
    """Whether the metric counts or sums rows, so that a day without rows had none (0) rather than no value: every
    count, distinct count and sum (a shop without orders on Saturdays had 0 paying buyers then, as 0 sales), not a
    mean or a ratio."""
    m = REGISTRY[metric_id]
    return not m.derived and all(src.agg != "mean" for src in m.sources)


def closure(ids: Iterable[str]) -> list[str]:
    """The metrics needed to compute ``ids`` (parts first), in dependency order."""
    graph: dict[str, tuple[str, ...]] = {}
    todo = list(ids)
    while todo:
        mid = todo.pop()
        if mid not in graph:
            graph[mid] = REGISTRY[mid].parts
            todo.extend(graph[mid])
    return list(TopologicalSorter(graph).static_order())


def with_columns(fact: Fact, t: Any, ctx: Ctx, names: Iterable[str]) -> Any:
    """Add the lookup columns among ``names`` that the fact lacks (each lookup joined once)."""
    have = set(t.columns)
    for lk in fact.lookups:
        wanted = tuple(n for n in lk.provides if n in names and n not in have and n not in fact.aliases)
        if wanted:
            t = lk.build(ctx, t, wanted)
            have |= set(wanted)
    return t


def dimension_value(fact: Fact, t: Any, name: str) -> Any:
    """The value of dimension ``name`` on a fact row (time dimensions are shop-local)."""
    ts = t._t
    if name == "day":
        return ts.date()
    if name == "week":
        return ts.truncate("W").date()
    if name == "month":
        return ts.truncate("M").date()
    if name == "hour":
        return ts.hour().cast("int32")
    if name == "weekday":
        return (ts.day_of_week.index() + 1).cast("int32")
    return t[fact.aliases.get(name, name)].cast("string")


def _measure_type(metric: Metric, src: Source) -> str:
    integral = (src.agg in ("count", "nunique", "reported", "repeat", "union", "repeat_sets")
                or (src.agg == "sum" and metric.unit == "count"))
    return "int64" if integral else "float64"


def _and(a: Any, b: Any) -> Any:
    return b if a is None else a & b


def aggregate(metric: Metric, src: Source, t: Any) -> Any:
    """The aggregate of one source over the rows of a cell (daily reports: see ``DAILY_RULES``)."""
    where = src.where(t) if src.where is not None else None
    if fact_of(src.fact).daily and src.agg != "reported":
        where = _and(where, t.days == 1)
    if src.agg == "count":
        value = t.count(where=where)
    else:
        assert src.column is not None
        column = src.column(t)
        if src.agg == "sum":
            value = column.sum(where=where)
        elif src.agg == "nunique":
            value = column.nunique(where=where)
        elif src.agg == "reported":
            value = column.max(where=_and(where, t._match)).coalesce(column.sum(where=_and(where, t.days == 1)))
        elif src.agg == "repeat":
            value = column.nunique(where=_and(where, _repeat(t, column)))
        elif src.agg == "union":
            value = union_count(column.collect(where=where))
        elif src.agg == "repeat_sets":
            value = repeat_count(column.collect(where=where))
        else:
            value = column.cast("float64").mean(where=where)
    return value.cast(_measure_type(metric, src))


def _repeat(t: Any, column: Any) -> Any:
    """Whether the row's value of ``column`` occurs on two or more days (of its cell, once keyed)."""
    if "_repeat" in t.columns:
        return t._repeat
    day = t._t.date()
    return day.min().over(group_by=column) != day.max().over(group_by=column)


def _summed(metric: Metric, src: Source, t: Any) -> Any:
    """1 when a reported distinct count of the cell had to add several rows (no period row fits), else 0."""
    assert src.column is not None
    column = src.column(t)
    where = src.where(t) if src.where is not None else None
    no_period = column.max(where=_and(where, t._match)).isnull()
    rows = column.count(where=_and(where, t.days == 1))
    return ibis.ifelse(no_period & (rows > 1), 1, 0).cast("int64")


def _cell_match(q: Query, t: Any) -> Any:
    """Whether a daily row is a period row (days > 1) covering exactly the days of its time cell.

    A cell of one day, of weekdays or of the whole history (no --from/--to) has no such row.
    """
    time_dims = {d for d in q.by if d in TIME_DIMS}
    never = ibis.literal(False)
    if time_dims & {"day", "hour", "weekday"}:
        return never
    day = t._t.date()
    lo: Any = ibis.literal(q.start) if q.start else None
    hi: Any = ibis.literal(q.end) if q.end else None
    one = ibis.interval(days=1)
    if "week" in time_dims:
        week = t._t.truncate("W")
        lo, hi = _narrow(lo, hi, week.date(), (week + ibis.interval(days=6)).date())
    if "month" in time_dims:
        month = t._t.truncate("M")
        lo, hi = _narrow(lo, hi, month.date(), (month + ibis.interval(months=1) - one).date())
    if lo is None or hi is None:
        return never
    last = (t._t + t.days.as_interval("D") - one).date()
    return (t.days > 1) & (day == lo) & (last == hi)


def _narrow(lo: Any, hi: Any, cell_lo: Any, cell_hi: Any) -> tuple[Any, Any]:
    return (cell_lo if lo is None else ibis.greatest(lo, cell_lo)), (cell_hi if hi is None else ibis.least(hi, cell_hi))


def _period_bounds(q: Query, rolling_days: int | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    lo = dt.datetime.combine(q.start, dt.time()) if q.start else None
    hi = dt.datetime.combine(q.end + dt.timedelta(days=1), dt.time()) if q.end else None
    if rolling_days:
        lo = hi - dt.timedelta(days=rolling_days) if hi else None
        if q.start and any(d in TIME_DIMS for d in q.by):
            lo = dt.datetime.combine(q.start - dt.timedelta(days=rolling_days), dt.time())
    return lo, hi


def _shifted(t: Any, shift: tuple[str, int] | None) -> Any:
    if shift is None:
        return t
    unit, n = shift
    return t.mutate(_t=t._t + (ibis.interval(years=n) if unit == "years" else ibis.interval(days=n)))


def _calendar(q: Query, time_dims: Sequence[str]) -> Any:
    """One row per time cell of the period with the cell's last day (for rolling metrics). The days are generated
    in SQL from the period's first and last day, so the plan holds no in-memory table: it is compiled once per
    query shape and runs on any connection, like the others (``junshi.metrics.query``)."""
    assert q.start is not None and q.end is not None
    lo = ibis.timestamp(dt.datetime.combine(q.start, dt.time()))
    hi = ibis.timestamp(dt.datetime.combine(q.end + dt.timedelta(days=1), dt.time()))
    days = ibis.range(lo, hi, ibis.interval(days=1)).unnest().name("_day").as_table()
    days = days.select(_day=days._day.date())
    cells = {d: days._day if d == "day" else days._day.truncate("W" if d == "week" else "M").cast("date")
             for d in time_dims}
    return days.group_by(**cells).aggregate(_last=days._day.max())


def _branch(ctx: Ctx, q: Query, fact: Fact, members: list[tuple[Metric, Source]], rolling: int | None,
            all_measures: dict[str, str]) -> Any:
    """The aggregate of one fact for the metrics sourced from it, with every measure column present."""
    filter_names = [name for name, _ in q.filters]
    needs = {n for _, src in members for n in src.needs}
    lo, hi = _period_bounds(q, rolling)
    ctx.window = (lo, hi) if q.shift is None else (None, None)  # a shifted period reads other dates
    t = fact.build(ctx)
    ctx.window = (None, None)
    t = with_columns(fact, t, ctx, [*q.by, *filter_names, *needs])
    t = _shifted(t, q.shift)
    for name, wanted in q.filters:
        t = t.filter(dimension_value(fact, t, name).cast("string").isin(list(wanted)))
    if fact.settle is not None:
        t = fact.settle(t, frozenset([*q.by, *filter_names]))
    if lo is not None:
        t = t.filter(t._t >= lo)
    if hi is not None:
        t = t.filter(t._t < hi)
    if fact.daily:
        t = t.mutate(_match=_cell_match(q, t))
    wheres = [src.where for _, src in members]
    if all(w is not None for w in wheres):
        conditions = [w(t) for w in wheres if w is not None]
        t = t.filter(ibis.or_(*conditions) if len(conditions) > 1 else conditions[0])
    time_dims = [d for d in q.by if d in TIME_DIMS]
    if rolling and time_dims:
        agg = _rolling_by_time(q, fact, t, members, time_dims)
    else:
        keys = {d: dimension_value(fact, t, d) for d in q.by}
        repeat = [src for _, src in members if src.agg == "repeat"]
        if repeat:  # whether a value repeats is decided within its cell: key the rows first
            t = t.mutate(**keys) if keys else t
            keys = {d: t[d] for d in q.by}
            assert repeat[0].column is not None
            group, day = [*keys.values(), repeat[0].column(t)], t._t.date()
            t = t.mutate(_repeat=day.min().over(group_by=group) != day.max().over(group_by=group))
        values = {m.id: aggregate(m, src, t) for m, src in members}
        values |= {f"_summed_{m.id}": _summed(m, src, t) for m, src in members if src.agg == "reported"}
        agg = t.group_by(**keys).aggregate(**values) if keys else t.aggregate(**values)
    return agg.select(
        *q.by,
        **{mid: (agg[mid] if mid in agg.columns else ibis.null(typ)) for mid, typ in all_measures.items()},
    )


def _rolling_by_time(q: Query, fact: Fact, t: Any, members: list[tuple[Metric, Source]],
                     time_dims: list[str]) -> Any:
    """Rolling means per time cell: the rows of the ``rolling_days`` days up to each cell's last day."""
    other = [d for d in q.by if d not in TIME_DIMS]
    days = members[0][0].rolling_days or 0
    sums: dict[str, Any] = {}
    for m, src in members:
        assert src.column is not None
        where = src.where(t) if src.where is not None else None
        column = src.column(t).cast("float64")
        sums[f"_s_{m.id}"] = column.sum(where=where)
        sums[f"_n_{m.id}"] = column.count(where=where)
    daily = t.group_by(_day=t._t.date(), **{d: dimension_value(fact, t, d) for d in other}).aggregate(**sums)
    cal = _calendar(q, time_dims)
    joined = daily.inner_join(
        cal, (daily._day <= cal._last) & (daily._day > cal._last - ibis.interval(days=days))
    )
    return joined.group_by(*q.by).aggregate(
        **{m.id: (joined[f"_s_{m.id}"].sum() / joined[f"_n_{m.id}"].sum().nullif(0)).cast("float64")
           for m, _ in members}
    )


HasValues = Callable[[Fact, tuple[str, ...]], bool]
"""Whether a fact has rows with a value for each of these dimensions (for the shop)."""


def choose_source(metric: Metric, names: set[str], has_data: Callable[[str], bool],
                  has_values: HasValues | None = None) -> tuple[Source | None, tuple[str, ...], tuple[str, ...]]:
    """The source to use; when none has data, the tables the first eligible one needs; when the sources
    with data have no value for the split, its dimensions.

    The first eligible source whose tables hold data answers; when the query splits or filters by a
    dimension that source leaves empty (e.g. orders without a traffic source), a later source with
    values answers instead (e.g. the daily source report), so that a split never comes out all empty.
    """
    eligible = [
        s for s in metric.sources
        if (not s.when or names & set(s.when)) and not names & set(s.unless)
        and all(resolvable(FACTS[s.fact], n) for n in names | set(s.needs))
    ]
    with_data = [s for s in eligible if all(has_data(tbl) for tbl in FACTS[s.fact].tables)]
    if not with_data:
        return None, (FACTS[eligible[0].fact].tables if eligible else ()), ()
    split = tuple(sorted(names - set(TIME_DIMS)))
    if split and has_values is not None:
        valued = [s for s in with_data if has_values(FACTS[s.fact], split)]
        return (valued[0], (), ()) if valued else (None, (), split)
    return with_data[0], (), ()


def check_names(q: Query) -> None:
    """Unknown metric or dimension names -> MetricError with the nearest ones and every valid one."""
    unknown = [m for m in q.metrics if m not in REGISTRY]
    if unknown:
        en, zh = did_you_mean(unknown, "metric")
        valid = ", ".join(m.id for m in REGISTRY.values() if m.public)
        raise MetricError(
            f"Unknown metric(s): {', '.join(unknown)}.", f"未知指标：{'、'.join(unknown)}。",
            hint_en=f"{en}Valid metrics: {valid}.", hint_zh=f"{zh}可用指标：{valid}。",
        )
    dims = all_dimensions()
    bad = [d for d in [*q.by, *(n for n, _ in q.filters)] if d not in dims]
    if bad:
        en, zh = did_you_mean(bad, "dimension")
        raise MetricError(
            f"Unknown dimension(s): {', '.join(bad)}.", f"未知维度：{'、'.join(bad)}。",
            hint_en=f"{en}Valid dimensions: {', '.join(dims)}.", hint_zh=f"{zh}可用维度：{', '.join(dims)}。",
        )
    if len(set(q.by)) != len(q.by):
        raise MetricError("A dimension is repeated in --by.", "--by 中有重复的维度。",
                          hint_en="Give each dimension once.", hint_zh="每个维度只写一次。")


def _drop_unsplittable_rolling(q: Query, chosen: dict[str, Source], plan: Plan) -> None:
    """Rolling scores split by time need the period's dates, and mean nothing by hour or weekday."""
    time_dims = [d for d in q.by if d in TIME_DIMS]
    if not time_dims or (q.start and q.end and not set(time_dims) & {"hour", "weekday"}):
        return
    for mid in [m for m in chosen if REGISTRY[m].rolling_days]:
        del chosen[mid]
        plan.unavailable.add(mid)
        metric = REGISTRY[mid]
        plan.notes.append(Note(
            "rolling_needs_period",
            f"{metric.name.en} is a {metric.rolling_days}-day rolling score: it can be split by day, week or month "
            "(with --from and --to), not by hour or weekday.",
            f"{metric.name.zh}是近 {metric.rolling_days} 天滚动评分：可按日、周、月拆分（需给出 --from 和 --to），"
            "不能按小时或星期拆分。",
            mid,
        ))


def compile_query(ctx: Ctx, q: Query, has_data: Callable[[str], bool], has_values: HasValues | None = None,
                  rollups: bool = False) -> Plan:
    """Build the Ibis expression for ``q`` on ``ctx``; unavailable metrics become notes and empty columns.

    ``rollups``: the shop's rollups are built, so the metrics they hold are read from them where the
    query's dimensions and filters allow (``junshi.metrics.rollups``).
    """
    check_names(q)
    names = set(q.by) | {n for n, _ in q.filters}
    plan = Plan(expr=None)
    order = closure(q.metrics)
    chosen = plan.sources
    for mid in order:
        metric = REGISTRY[mid]
        if metric.derived:
            continue
        src, tables, empty = choose_source(metric, names, has_data, has_values)
        if src is not None and src.valued and has_values is not None and not any(
                has_values(FACTS[src.fact], (c,)) for c in src.valued):
            plan.unavailable.add(mid)
            plan.notes.append(Note(
                "missing_data",
                f"{metric.name.en} needs values of {' or '.join(src.valued)}, and the shop's data has none; it is "
                "left empty rather than counted as 0.",
                f"{metric.name.zh}需要 {' 或 '.join(src.valued)} 的值，本店数据中没有；此处留空，不按 0 计。",
                mid,
            ))
            continue
        if src is not None:
            chosen[mid] = src
            continue
        plan.unavailable.add(mid)
        if empty:
            plan.notes.append(Note(
                "unsupported_dimension",
                f"{metric.name.en} cannot be split or filtered by {', '.join(empty)}: the shop's data for it has no "
                "such values; it is left empty.",
                f"{metric.name.zh}不能按 {'、'.join(empty)} 拆分或筛选：本店相应数据没有这些值，此处留空。",
                mid,
            ))
        elif tables:
            plan.notes.append(_missing_note(metric, tables, has_data))
        else:
            split = sorted(n for n in names if not any(resolvable(FACTS[s.fact], n) for s in metric.sources))
            split = split or sorted(names)
            plan.notes.append(Note(
                "unsupported_dimension",
                f"{metric.name.en} cannot be split or filtered by {', '.join(split)}; it is left empty.",
                f"{metric.name.zh}不能按 {'、'.join(split)} 拆分或筛选，此处留空。",
                mid,
            ))
    _drop_unsplittable_rolling(q, chosen, plan)
    if rollups:
        for mid, src in list(chosen.items()):
            chosen[mid] = rollup_source(REGISTRY[mid], src, names, ctx.cleaned, q.by) or src
    whole, whole_parts = _whole_parts(ctx, q, plan, order, has_data, has_values, rollups)
    for mid in order:  # a derived metric is unavailable when one of its parts is
        metric = REGISTRY[mid]
        if metric.derived and any(p in plan.unavailable and not (p in whole_parts and p in metric.whole)
                                  for p in metric.parts):
            plan.unavailable.add(mid)
    if not chosen:
        return plan
    plan.notes += mixed_grain_notes(q.metrics, chosen)
    measures = {mid: _measure_type(REGISTRY[mid], src) for mid, src in chosen.items()}
    plan.flags = {f"_summed_{mid}": mid for mid, src in chosen.items() if src.agg == "reported"}
    measures |= dict.fromkeys(plan.flags, "int64")
    groups: dict[tuple[str, int | None], list[tuple[Metric, Source]]] = {}
    for mid, src in chosen.items():
        groups.setdefault((src.fact, REGISTRY[mid].rolling_days), []).append((REGISTRY[mid], src))
    branches = [
        _branch(ctx, q, fact_of(fact), members, rolling, measures) for (fact, rolling), members in groups.items()
    ]
    stacked = branches[0] if len(branches) == 1 else ibis.union(*branches, distinct=False)
    if len(branches) > 1:
        collapse = {mid: stacked[mid].max() for mid in measures}
        stacked = stacked.group_by(*q.by).aggregate(**collapse) if q.by else stacked.aggregate(**collapse)
    fills = {  # a cell without rows counts 0, except in a daily report: a figure it does not give stays empty
        mid: stacked[mid].coalesce(0) for mid, src in chosen.items()
        if src.agg in ("count", "nunique", "sum", "repeat", "union", "repeat_sets") and not fact_of(src.fact).daily
    } | {flag: stacked[flag].coalesce(0) for flag in plan.flags}
    expr = stacked.mutate(**fills) if fills else stacked
    if whole is not None:
        expr = _join_whole(expr, whole, q)
    for mid in order:
        metric = REGISTRY[mid]
        if metric.derived:
            assert metric.combine is not None
            if mid in plan.unavailable:
                value = ibis.null("float64")
            else:
                parts = [expr[f"_whole_{p}" if p in whole_parts and p in metric.whole else p] for p in metric.parts]
                value = metric.combine(*parts).cast("float64")
                if any(p in whole_parts for p in metric.whole) and mid in q.metrics:
                    plan.notes.append(_whole_note(metric, whole_parts))
            expr = expr.mutate(**{mid: value})
        elif mid in plan.unavailable:
            expr = expr.mutate(**{mid: ibis.null("float64")})
    expr = expr.select(*q.by, *q.metrics, *plan.flags)
    plan.expr = expr.order_by(*q.by) if q.by else expr
    return plan


def _whole_parts(ctx: Ctx, q: Query, plan: Plan, order: Sequence[str], has_data: Callable[[str], bool],
                 has_values: HasValues | None, rollups: bool) -> tuple[Any, set[str]]:
    """The ``Metric.whole`` parts the query cannot split, computed per time cell only (None: there are none)."""
    unsplit = {n.metric for n in plan.notes if n.code == "unsupported_dimension"}
    wanted = sorted({p for mid in order for p in REGISTRY[mid].whole if p in unsplit})
    time_by = tuple(d for d in q.by if d in TIME_DIMS)
    if not wanted or not {*q.by, *(n for n, _ in q.filters)} - set(TIME_DIMS):
        return None, set()
    time_filters = tuple((n, v) for n, v in q.filters if n in TIME_DIMS)
    sub = compile_query(ctx, Query(tuple(wanted), time_by, q.start, q.end, time_filters, q.shift), has_data,
                        has_values, rollups)
    parts = {p for p in wanted if p not in sub.unavailable}
    if sub.expr is None or not parts:
        return None, set()
    return sub.expr.select(**{f"_w_{d}": sub.expr[d] for d in time_by},
                           **{f"_whole_{p}": sub.expr[p] for p in parts}), parts


def _join_whole(expr: Any, whole: Any, q: Query) -> Any:
    time_by = [d for d in q.by if d in TIME_DIMS]
    if not time_by:
        return expr.cross_join(whole)
    joined = expr.left_join(whole, [expr[d] == whole[f"_w_{d}"] for d in time_by])
    return joined.drop(*(f"_w_{d}" for d in time_by))


def _whole_note(metric: Metric, parts: set[str]) -> Note:
    used = [REGISTRY[p] for p in metric.whole if p in parts]
    en = ", ".join(p.name.en.lower() for p in used)
    zh = "、".join(p.name.zh for p in used)
    return Note("whole_part", f"{metric.name.en} takes the {en} of the whole shop in each time cell ({en} cannot be "
                f"split this way).", f"{metric.name.zh}按全店同期的{zh}计算（{zh}不能这样拆分）。", metric.id)


def grain(src: Source) -> str:
    """Where a source's figures come from, for notes: 'orders (订单)', 'daily_shop (店铺日报)' ..."""
    table = fact_of(src.fact).table
    return f"{table} ({(TABLES[table] if table in TABLES else ROLLUPS[table]).zh})"


def mixed_grain_notes(metrics: Sequence[str], chosen: dict[str, Source]) -> list[Note]:
    """A note per asked ratio whose parts come from raw rows and from daily reports at once."""
    notes: list[Note] = []
    for mid in metrics:
        metric = REGISTRY[mid]
        parts = [p for p in closure([mid]) if p in chosen and p != mid]
        if not metric.derived or len({fact_of(chosen[p].fact).daily for p in parts}) < 2:
            continue
        en = "; ".join(f"{REGISTRY[p].name.en.lower()} from {grain(chosen[p])}" for p in parts)
        zh = "；".join(f"{REGISTRY[p].name.zh}取自 {grain(chosen[p])}" for p in parts)
        notes.append(Note("mixed_grain", f"{metric.name.en} combines raw rows and a daily report: {en}.",
                          f"{metric.name.zh}由明细数据和平台日报共同算出：{zh}。", mid))
    return notes


def _missing_note(metric: Metric, tables: tuple[str, ...], has_data: Callable[[str], bool]) -> Note:
    empty = [t for t in tables if not has_data(t)]
    return Note(
        "missing_data",
        f"{metric.name.en} needs {' and '.join(empty)} data, which this shop does not have; it is left empty, not 0.",
        f"{metric.name.zh}需要{'和'.join(TABLES[t].zh for t in empty)}数据（{', '.join(empty)}），"
        "本店没有，此处留空而非 0。",
        metric.id,
    )


def source_aggregate(ctx: Ctx, q: Query, metric_id: str, fact: str) -> Any:
    """One base metric from one fact's source only, by ``q.by`` over ``q``'s period (filters and shift
    apply): to compare what two grains say of the same metric (e.g. sales from orders and from the daily report).
    """
    metric = REGISTRY[metric_id]
    src = next(s for s in metric.sources if s.fact == fact and not s.when)
    return _branch(ctx, q, FACTS[fact], [(metric, src)], None, {metric_id: _measure_type(metric, src)})
