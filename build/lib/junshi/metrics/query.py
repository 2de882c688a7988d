"""The query API: ``kpi(warehouse, shop_id, metrics, by, start, end, filters, compare)``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import ibis
import ibis.expr.operations as ops
import pandas as pd
import pyarrow as pa

from junshi import rollup
from junshi.errors import MetricError
from junshi.metrics import names, plan_store
from junshi.metrics.compiler import Plan, Query, closure, compile_query, dimension_origin, dimension_value, grain
from junshi.metrics.dimensions import REGISTRY as DIMENSIONS
from junshi.metrics.facts import ATTRIBUTION, FACTS, PRODUCT_DIMS, TIME_DIMS, Ctx, Fact, one_attribution
from junshi.metrics.model import Source
from junshi.metrics.notes import Note
from junshi.metrics.registry import METRICS, REGISTRY
from junshi.metrics.result import KpiResult, MetricInfo
from junshi.metrics.validate import AT_IMPORT, check
from junshi.periods import parse_day
from junshi.rollup import bitmaps
from junshi.rollup.tables import ROLLUPS
from junshi.schema import TABLES
from junshi.warehouse import BaseWarehouse, Writable

check(METRICS, AT_IMPORT)  # at load, the quick rules (every problem at once); the tests check every rule

COMPARES = ("previous", "week", "year", "peer")
DateLike = dt.date | str | None


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return tuple(value)


def _filters(filters: Mapping[str, Any] | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out = []
    for name, value in (filters or {}).items():
        values = (value,) if isinstance(value, (str, int, float, dt.date)) else tuple(value)
        out.append((name, tuple(str(v) for v in values)))
    return tuple(out)


PRESALE = "orders:presale"  # a probe: does the shop have presale orders at all?


class _DataCheck:
    """Whether a canonical table has rows for the shop (asked once per table; ``PRESALE`` probes orders)."""

    def __init__(self, warehouse: BaseWarehouse, shop_id: str, ctx: Ctx) -> None:
        self.warehouse, self.shop_id, self.ctx = warehouse, shop_id, ctx
        self.known: dict[str, bool] = {}
        self.valued: dict[tuple[str, str], bool] = {}
        self.memo: dict[tuple[Any, ...], Any] = {}
        """Other figures of the shop's data, kept while it is unchanged (presale orders waiting in a period, the
        ad channels' attribution settings)."""

    def bound(self, warehouse: BaseWarehouse, ctx: Ctx) -> _DataCheck:
        """This check's answers (shared, so asked once) asking on ``warehouse``, e.g. another thread's cursor."""
        other = _DataCheck(warehouse, self.shop_id, ctx)
        other.known, other.valued, other.memo = self.known, self.valued, self.memo
        return other

    def __call__(self, table: str) -> bool:
        if table not in self.known:
            self.prefetch([table])
        return self.known[table]

    def prefetch(self, tables: Sequence[str]) -> None:
        """Ask about several tables in one query (one job on Spark)."""
        todo = sorted(set(tables) - set(self.known))
        if not todo:
            return
        found = having_rows({n: self._probe(n) for n in todo})
        self.known.update({n: n in found for n in todo})

    def has_values(self, fact: Fact, dims: tuple[str, ...]) -> bool:
        """Whether the columns behind the dimensions of ``fact`` have values for the shop (computed
        dimensions and required columns always do). One cheap probe per column, not per fact."""
        return all(self._valued(dimension_origin(fact, d)) for d in dims)

    def valued_column(self, table: str, column: str) -> bool:
        """Whether ``table.column`` has values for the shop (asked once)."""
        return self._valued((table, column))

    def _valued(self, origin: tuple[str, str] | None) -> bool:
        if origin is None or TABLES[origin[0]].column(origin[1]).required:
            return True
        if origin not in self.valued:
            t = self.ctx.table(origin[0])
            self.valued[origin] = bool(t.filter(t[origin[1]].notnull()).limit(1).count().execute())
        return self.valued[origin]

    def _probe(self, name: str) -> Any:
        if name == PRESALE:
            orders = self.warehouse.table("orders", self.shop_id)
            return orders.filter(orders.is_presale.fill_null(False))
        return self.warehouse.table(name, self.shop_id)


def having_rows(tables: Mapping[str, ibis.Table]) -> set[str]:
    """The names of ``tables`` that have a row, asked in one query (one job on Spark)."""
    probes = [t.select(name=ibis.literal(n)).limit(1) for n, t in tables.items()]
    found = ibis.union(*probes) if len(probes) > 1 else probes[0]
    return set(found.to_pyarrow().column("name").to_pylist())


def build_query(metrics: str | Sequence[str], by: str | Sequence[str] | None, start: DateLike, end: DateLike,
                filters: Mapping[str, Any] | None) -> Query:
    """Normalise the arguments of :func:`kpi` (strings may be comma-separated; metrics and dimensions by id or by
    their English or Chinese name)."""
    q = names.resolve(Query(_as_tuple(metrics), _as_tuple(by), None if start is None else parse_day(start, "start"),
                            None if end is None else parse_day(end, "end"), _filters(filters)))
    if not q.metrics:
        raise MetricError("No metric asked for.", "没有指定指标。",
                          hint_en="Name at least one metric, e.g. sales,uv.",
                          hint_zh="请至少指定一个指标，如 sales,uv。")
    if q.start and q.end and q.start > q.end:
        raise MetricError(f"The period starts ({q.start}) after it ends ({q.end}).",
                          f"开始日期（{q.start}）晚于结束日期（{q.end}）。",
                          hint_en="Swap --from and --to.", hint_zh="请交换 --from 和 --to。")
    return q


def _rollup_stamp(warehouse: BaseWarehouse, shop_id: str) -> dt.datetime | None:
    """The version of the shop's rollups when queries may read them (built, on DuckDB), else None."""
    if not isinstance(warehouse, Writable) or warehouse.engine != "duckdb":
        return None
    version = rollup.stamp(warehouse.con, shop_id)
    if version is not None:
        bitmaps.register(warehouse.con)
    return version


_PLANS: dict[tuple[Any, ...], Plan] = {}
_CHECKS: dict[tuple[Any, ...], _DataCheck] = {}
_OWN: dict[tuple[Any, ...], tuple[Any, Plan]] = {}
"""Plans compiled for their own query (they hold an in-memory table: the ids of given suspect orders left out), with
the Ibis backend each was compiled on:
Ibis runs such a plan on that backend's connection, so a thread finds only its own (the server's threads each
have a cursor; DuckDB refuses a call on another's busy one). Keyed by the backend's id and checked by identity:
Ibis backends compare equal across cursors of one database."""
_KEPT = 512
"""Compiled plans and data checks of shops with rollups, by warehouse, shop and rollup version (each load makes
a new version, so neither outlives the data it was made for). A plan is kept per query *shape*: its period's
dates are compiled as sentinel days and put back into the SQL per call (:func:`_shape`), so a query of any
day or period of a shape is compiled by Ibis once, and kept next to the warehouse for the next process
(:mod:`junshi.metrics.plan_store`)."""

SENTINEL_START, SENTINEL_END = dt.date(1801, 1, 1), dt.date(1901, 1, 1)
"""Stand-ins for a shape's first and last day: every date a compiled query holds is one of them moved by fewer
than :data:`_SENTINEL_REACH` days (the day after the end, a rolling window's first day)."""
_SENTINEL_REACH = 36500
_LITERAL = re.compile(r"MAKE_(DATE|TIMESTAMP)\((\d+), (\d+), (\d+)")


def _shape(q: Query) -> Query:
    """``q`` with its dates replaced by the sentinels (a missing date stays missing) and its filter values by
    placeholders (the drill-down of a diagnosis filters by the cells it found)."""
    filters = tuple((n, tuple(_placeholder(i, j) for j in range(len(vs)))) for i, (n, vs) in enumerate(q.filters))
    return replace(q, start=q.start and SENTINEL_START, end=q.end and SENTINEL_END, filters=filters)


def _placeholder(i: int, j: int) -> str:
    return f"junshi~{i}~{j}"


def dated_sql(template: str, start: dt.date | None, end: dt.date | None,
              filters: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> str | None:
    """The SQL of ``template`` (compiled for :data:`SENTINEL_START` .. :data:`SENTINEL_END` and filter values
    :func:`_placeholder`) for the days ``start`` .. ``end`` and the values of ``filters``; None when a date
    literal is not a sentinel's."""
    unknown = False

    def put(m: re.Match[str]) -> str:
        nonlocal unknown
        day = dt.date(int(m[2]), int(m[3]), int(m[4]))
        # the nearest sentinel: a rolling window's first day (180 days before the end's) is within reach of both
        near = sorted((abs((day - sentinel).days), sentinel, real)
                      for sentinel, real in ((SENTINEL_START, start), (SENTINEL_END, end)) if real is not None)
        if near and near[0][0] < _SENTINEL_REACH:
            _, sentinel, real = near[0]
            moved = real + (day - sentinel)
            return f"MAKE_{m[1]}({moved.year}, {moved.month}, {moved.day}"
        unknown = True
        return m[0]

    sql = _LITERAL.sub(put, template)
    for i, (_, values) in enumerate(filters):
        for j, value in enumerate(values):
            sql = sql.replace(f"'{_placeholder(i, j)}'", "'" + value.replace("'", "''") + "'")
    return None if unknown or "junshi~" in sql else sql


def _kept(store: dict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any) -> None:
    if len(store) >= _KEPT:
        del store[next(iter(store))]
    store[key] = value


_TEMPLATES: dict[tuple[Any, ...], tuple[str, Any]] = {}
"""SQL (with its result schema) of the queries beside the plans (:func:`fetch`), compiled once per shape."""
Filters = tuple[tuple[str, tuple[str, ...]], ...]


def fetch(warehouse: BaseWarehouse, name: tuple[Any, ...], build: Callable[[dt.date | None, dt.date | None, Filters],
          ibis.Table], start: dt.date | None = None, end: dt.date | None = None, filters: Filters = ()) -> pa.Table:
    """``build(start, end, filters)`` run, its SQL compiled by Ibis once per ``name`` (what else the query
    depends on) and shape, as the plans are: for the sentinel days and placeholder filter values, put back per
    call (:func:`dated_sql`), and kept beside the warehouse for the next process. Through Ibis where that SQL
    cannot serve (another engine, an in-memory table of given suspect orders)."""
    if not isinstance(warehouse, Writable) or warehouse.engine != "duckdb" or warehouse.suspect_ids is not None:
        return build(start, end, filters).to_pyarrow()
    shape = (start and SENTINEL_START, end and SENTINEL_END,
             tuple((n, tuple(_placeholder(i, j) for j in range(len(vs)))) for i, (n, vs) in enumerate(filters)))
    key = (warehouse.url, warehouse.clean, *name, shape)
    if key not in _TEMPLATES:
        stored = plan_store.load_sql(warehouse, (*name, shape))
        if stored is None:
            expr = build(*shape)
            stored = str(ibis.to_sql(expr, dialect="duckdb")), expr.schema().to_pyarrow()
            plan_store.save_sql(warehouse, (*name, shape), *stored)
        _kept(_TEMPLATES, key, stored)
    template, schema = _TEMPLATES[key]
    sql = dated_sql(template, start, end, filters)
    if sql is None:  # a literal the shape does not explain
        return build(start, end, filters).to_pyarrow()
    return warehouse.con.sql(sql).to_arrow_table().cast(schema)


_NAMES: dict[str, tuple[str, ...]] = {}
"""The names of the queries of each :func:`run_dated` name, so that a call whose SQL is kept builds no Ibis
expression (building them costs ~0.03 s CPU a call)."""


def run_dated(warehouse: BaseWarehouse, shop_id: str, name: str,
              queries: Callable[[dt.date | None, dt.date | None], Mapping[str, ibis.Table]],
              start: dt.date | None, end: dt.date | None) -> dict[str, pd.DataFrame]:
    """The results of ``queries(start, end)`` (Ibis tables of the shop's canonical tables, by name: the same names
    for every call of ``name``; a missing day stays missing), each run by :func:`fetch` (compiled once per shape,
    given each call's days)."""
    def build(key: str) -> Callable[[dt.date | None, dt.date | None, Filters], ibis.Table]:
        return lambda first, last, _: queries(first, last)[key]

    if name not in _NAMES:
        _NAMES[name] = tuple(queries(start, end))
    return {key: fetch(warehouse, (name, shop_id, key), build(key), start, end).to_pandas() for key in _NAMES[name]}


def _shop_table(warehouse: BaseWarehouse, shop_id: str, name: str) -> ibis.Table:
    """A canonical or rollup table of the shop."""
    if name in ROLLUPS:
        t = warehouse.backend_table(name)
        return t.filter(t.shop_id == shop_id)
    return warehouse.table(name, shop_id)


def compile_kpi(warehouse: BaseWarehouse, shop_id: str, q: Query) -> tuple[Plan, _DataCheck]:
    """The plan of ``q`` and the data check it was made with; on a shop with rollups both are cached while the
    shop's data is unchanged, the plan per query shape (``plan.sql`` then holds ``q``'s dates)."""
    version = _rollup_stamp(warehouse, shop_id)
    if version is None:
        return _compile_kpi(warehouse, shop_id, q, None, False)
    data = (warehouse.url, shop_id, version, warehouse.clean, warehouse.suspect_ids)
    ctx = Ctx(lambda name: _shop_table(warehouse, shop_id, name))
    if warehouse.clean:  # without the suspect orders: rollups answer only for what reads no order
        from junshi.risk.store import CLEANED

        ctx.cleaned = frozenset(CLEANED)
    check = _CHECKS[data].bound(warehouse, ctx) if data in _CHECKS else _DataCheck(warehouse, shop_id, ctx)
    if data not in _CHECKS:
        plan_store.load_answers(warehouse, shop_id, version, check)
        _kept(_CHECKS, data, check)
    shape = _shape(q)
    plan = _PLANS.get((*data, shape))
    if plan is None and (plan := plan_store.load(warehouse, shop_id, shape, check)) is not None:
        _kept(_PLANS, (*data, shape), plan)
    if plan is None:  # a plan of its own (never stored), else compiled: only now is the Ibis backend made
        own_key = (*data, q, id(warehouse.backend))
        own = _OWN.get(own_key)
        plan = own[1] if own is not None and own[0] is warehouse.backend else None
    if plan is None:
        plan, _ = _compile_kpi(warehouse, shop_id, shape, check, True)
        if plan.expr is not None and plan.expr.op().find(ops.InMemoryTable):
            # an in-memory table (given suspect orders' ids) lives on the connection that registered it: such a
            # plan is compiled for its own query and run through Ibis
            plan, _ = _compile_kpi(warehouse, shop_id, q, check, True)
            _kept(_OWN, own_key, (warehouse.backend, plan))
        else:
            if plan.expr is not None:
                plan.sql = str(ibis.to_sql(plan.expr, dialect="duckdb"))
                plan_store.save(warehouse, shop_id, shape, plan, check)
            _kept(_PLANS, (*data, shape), plan)
    plan_store.keep_answers(warehouse, shop_id, version, check)
    sql = None if plan.sql is None else dated_sql(plan.sql, q.start, q.end, q.filters)
    if plan.sql is not None and sql is None:  # a literal the shape does not explain: compiled for its dates
        plan, _ = _compile_kpi(warehouse, shop_id, q, check, True)
        return plan, check
    return replace(plan, notes=list(plan.notes), summed=set(), sql=sql), check


def _compile_kpi(warehouse: BaseWarehouse, shop_id: str, q: Query, check: _DataCheck | None,
                 rollups: bool) -> tuple[Plan, _DataCheck]:
    ctx = check.ctx if check is not None else Ctx(lambda name: _shop_table(warehouse, shop_id, name))
    check = check or _DataCheck(warehouse, shop_id, ctx)
    if all(m in REGISTRY for m in q.metrics):
        check.prefetch(sorted({t for mid in closure(q.metrics) for s in REGISTRY[mid].sources
                               for t in FACTS[s.fact].tables} | {"orders", PRESALE}))
    return compile_query(ctx, q, check, check.has_values, rollups), check


def _read_from(src: Source) -> str:
    """What answers a metric, for --explain: Junshi's rollup, a platform's daily report, or raw rows."""
    if src.fact in ROLLUPS:
        return "rollup"
    return "daily report" if FACTS[src.fact].daily else "raw rows"


def explain(warehouse: BaseWarehouse, shop_id: str, metrics: str | Sequence[str], by: str | Sequence[str] | None = None,
            start: DateLike = None, end: DateLike = None, filters: Mapping[str, Any] | None = None) -> str:
    """The compiled query as SQL of the warehouse's engine (what :func:`kpi` would run), after comment lines
    saying what answers each metric: a rollup, a daily report or raw rows, and which table."""
    plan, _ = compile_kpi(warehouse, shop_id, build_query(metrics, by, start, end, filters))
    answered = [f"-- {mid}: from {grain(src)}, fact {src.fact} ({_read_from(src)})"
                for mid, src in plan.sources.items()]
    if plan.expr is None:
        return "-- " + "\n-- ".join(n.en for n in plan.notes)
    sql = plan.sql or str(ibis.to_sql(plan.expr, dialect=warehouse.backend.name))
    return "\n".join([*answered, sql])


def _run(warehouse: BaseWarehouse, plan: Plan, q: Query) -> pd.DataFrame:
    """Run the plan; the metrics whose daily figures had to be summed go to ``plan.summed``."""
    if plan.expr is None:
        columns = [*q.by, *q.metrics]
        return pd.DataFrame([dict.fromkeys(columns)] if not q.by else [], columns=columns)
    if plan.sql is not None and isinstance(warehouse, Writable):  # compiled before: its SQL, typed as Ibis would
        table = warehouse.con.sql(plan.sql).to_arrow_table().cast(plan.expr.schema().to_pyarrow())
    else:
        table = plan.expr.to_pyarrow()
    frame: pd.DataFrame = table.to_pandas()
    plan.summed |= {mid for flag, mid in plan.flags.items() if frame[flag].fillna(0).astype(bool).any()}
    return frame.drop(columns=list(plan.flags))


def _summed_notes(q: Query, summed: set[str]) -> list[Note]:
    """Say, for each asked metric resting on a summed daily distinct count, that it was summed."""
    notes: list[Note] = []
    for mid in q.metrics:
        parts = sorted(p for p in closure([mid]) if p in summed)
        if not parts:
            continue
        en = ", ".join(REGISTRY[p].name.en.lower() for p in parts)
        zh = "、".join(REGISTRY[p].name.zh for p in parts)
        notes.append(Note(
            "daily_sum",
            f"{REGISTRY[mid].name.en}: {en} over several days (or report rows) is the sum of the reported figures, "
            "as no platform period figure covers the cell: a visitor or buyer on two days counts twice.",
            f"{REGISTRY[mid].name.zh}：多天（或多行）的{zh}是平台日报数字之和（没有恰好覆盖该时段的平台周期数据），"
            "两天都来的访客或买家计两次。",
            mid,
        ))
    return notes


def _attribution_notes(warehouse: BaseWarehouse, shop_id: str, q: Query, plan: Plan, check: _DataCheck) -> list[Note]:
    """Which attribution setting the ad figures are under, per channel (see ``facts.one_attribution``)."""
    ads = sorted(m for m in closure(q.metrics) if m in plan.sources and plan.sources[m].fact == "ad_spend")
    if not ads:
        return []
    memo = ("attribution", q.filters)  # the settings of all the shop's ad rows: the same for every period
    if memo not in check.memo:
        def ads_of(filters: Filters) -> Any:
            fact = FACTS["ad_spend"]
            t = fact.build(Ctx(lambda name: warehouse.table(name, shop_id)))
            for name, wanted in filters:
                t = t.filter(dimension_value(fact, t, name).cast("string").isin(list(wanted)))
            return t

        def settings_of(_start: Any, _end: Any, filters: Filters) -> ibis.Table:
            return ads_of(filters).select("channel", *ATTRIBUTION).distinct()

        def kept_of(_start: Any, _end: Any, filters: Filters) -> ibis.Table:
            return one_attribution(ads_of(filters)).select("channel", *ATTRIBUTION).distinct()

        check.memo[memo] = (fetch(warehouse, ("ad settings", shop_id), settings_of, filters=q.filters).to_pylist(),
                            fetch(warehouse, ("ad settings kept", shop_id), kept_of, filters=q.filters).to_pylist())
    settings, kept = check.memo[memo]
    notes: list[Note] = []
    for row in sorted(kept, key=lambda r: str(r["channel"])):
        if all(row[c] is None for c in ATTRIBUTION):
            continue
        others = sum(1 for r in settings if r["channel"] == row["channel"]) - 1
        parts = [(DIMENSIONS[c].name, row[c]) for c in ATTRIBUTION if row[c]]
        en = ", ".join(f"{name.en.lower()} {v}" for name, v in parts)
        zh = "，".join(f"{name.zh} {v}" for name, v in parts)
        more_en = (f"; {others} other setting(s) left out (settings are never added together)" if others else "")
        more_zh = f"；另有 {others} 种设置未计入（不同设置不相加）" if others else ""
        notes.append(Note(
            "attribution_setting",
            f"Ad figures of {row['channel']} are under {en}{more_en}. Filter by attribution_model, "
            "attribution_basis or attribution_window to choose another.",
            f"{row['channel']} 的推广数据按归因设置 {zh} 计算{more_zh}。可按 attribution_model、attribution_basis、"
            "attribution_window 筛选以选择其他设置。",
            ads[0] if len(ads) == 1 else None,
        ))
    return notes


def _shift_for(compare: str, q: Query) -> tuple[tuple[str, int], dt.date, dt.date]:
    """The shift moving the comparison period onto ``q``'s period, and the comparison period's dates."""
    assert q.start is not None and q.end is not None
    if compare == "previous":
        days = (q.end - q.start).days + 1
        return ("days", days), q.start - dt.timedelta(days=days), q.end - dt.timedelta(days=days)
    if compare == "week":
        return ("days", 7), q.start - dt.timedelta(days=7), q.end - dt.timedelta(days=7)
    return ("years", 1), _year_before(q.start), _year_before(q.end)


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _change(frame: pd.DataFrame, metric: str, other: str) -> None:
    cur = pd.to_numeric(frame[metric], errors="coerce").astype("float64")
    prev = pd.to_numeric(frame[other], errors="coerce").astype("float64")
    frame[f"{metric}_change"] = cur - prev
    frame[f"{metric}_change_pct"] = (cur - prev) / prev.abs().where(prev != 0)


def _compare_periods(warehouse: BaseWarehouse, shop_id: str, q: Query, compare: str, current: pd.DataFrame,
                     unavailable: set[str]) -> tuple[pd.DataFrame, dt.date, dt.date]:
    shift, p_start, p_end = _shift_for(compare, q)
    plan, _ = compile_kpi(warehouse, shop_id, Query(q.metrics, q.by, q.start, q.end, q.filters, shift))
    previous = _run(warehouse, plan, q).rename(columns={m: f"{m}_previous" for m in q.metrics})
    merged = current.merge(previous, on=list(q.by), how="outer") if q.by else pd.concat(
        [current.reset_index(drop=True), previous.reset_index(drop=True)], axis=1)
    for mid in q.metrics:
        metric = REGISTRY[mid]
        if mid not in unavailable and not metric.derived and metric.sources[0].agg in ("count", "nunique", "sum"):
            # a cell present in one period only had none of it in the other
            for column in (mid, f"{mid}_previous"):
                filled = merged[column].fillna(0)
                merged[column] = filled.astype("int64") if current[mid].dtype.kind == "i" else filled
        _change(merged, mid, f"{mid}_previous")
    order = list(q.by)
    merged = merged.sort_values(order, na_position="last").reset_index(drop=True) if order else merged
    return merged[[*q.by, *_compare_columns(q.metrics, "_previous")]], p_start, p_end


def _compare_columns(metrics: Sequence[str], second: str) -> list[str]:
    cols: list[str] = []
    for m in metrics:
        cols += [m, f"{m}{second}", f"{m}_change", f"{m}_change_pct"]
    return cols


def _peer_aggregate(metric_id: str) -> str:
    """How daily benchmarks combine over a cell of several days: money and counts add up, rates average."""
    return "sum" if REGISTRY[metric_id].unit in ("money", "count") else "mean"


def _compare_peer(warehouse: BaseWarehouse, shop_id: str, q: Query, current: pd.DataFrame,
                  notes: list[Note]) -> pd.DataFrame:
    """Join the benchmarks (同行同层平均 / 优秀) of the period per time cell.

    Benchmarks are daily figures: over a cell of several days, money and counts are the sum of the daily
    figures (a peer's distinct counts then count a visitor on two days twice: noted), rates their mean.
    """
    def benchmarks(start: dt.date | None, end: dt.date | None, _filters: Filters) -> ibis.Table:
        b = warehouse.table("benchmarks", shop_id)
        b = b.filter(b.metric.isin(list(q.metrics)))
        if start:
            b = b.filter(b.date >= start)
        if end:
            b = b.filter(b.date <= end)
        return b

    bench = fetch(warehouse, ("benchmarks", shop_id, q.metrics), benchmarks, q.start, q.end).to_pandas()
    time_dims = [d for d in q.by if d in ("day", "week", "month")]
    frame = current.copy()
    if not bench.empty:
        dates = pd.to_datetime(bench["date"])
        keys = {"day": dates.dt.date, "week": (dates - pd.to_timedelta(dates.dt.weekday, unit="D")).dt.date,
                "month": dates.dt.to_period("M").dt.start_time.dt.date}
        for d in time_dims:
            bench[d] = keys[d]
        bench["_agg"] = bench["metric"].map(_peer_aggregate)
        summed = bench[bench["_agg"] == "sum"].groupby([*time_dims, "metric", "level"])["value"].sum()
        averaged = bench[bench["_agg"] == "mean"].groupby([*time_dims, "metric", "level"])["value"].mean()
        per_cell = pd.concat([summed, averaged])
        wide = per_cell.unstack(["metric", "level"]) if time_dims else per_cell
        several_days = "day" not in time_dims and bench["date"].nunique() > 1
    for mid in q.metrics:
        for level in ("peer_avg", "peer_top"):
            column = f"{mid}_{level}"
            if bench.empty or (mid, level) not in (wide.columns if time_dims else wide.index):
                frame[column] = float("nan")
            elif time_dims:
                series = wide[(mid, level)].rename(column).reset_index()
                series.columns = [*time_dims, column]
                frame = frame.merge(series, on=time_dims, how="left")
            else:
                frame[column] = float(wide[(mid, level)])
        _change(frame, mid, f"{mid}_peer_avg")
        metric = REGISTRY[mid]
        if not bench.empty and several_days and metric.unit == "count" and not metric.additive:
            notes.append(Note(
                "peer_daily_sum",
                f"Peer {metric.name.en.lower()} over several days is the sum of their daily figures: a visitor or "
                "buyer on two days counts twice there.",
                f"多日的同行{metric.name.zh}为其每日数值之和：两天都来的访客或买家计两次。", mid,
            ))
    cols: list[str] = []
    for m in q.metrics:
        cols += [m, f"{m}_peer_avg", f"{m}_peer_top", f"{m}_change", f"{m}_change_pct"]
    return frame[[*q.by, *cols]]


def _presale_waiting(warehouse: BaseWarehouse, shop_id: str, start: dt.date | None, end: dt.date | None) -> int:
    """The presale orders created in the period still in their deposit period at its end."""

    def waiting_of(start: dt.date | None, end: dt.date | None, _filters: Filters) -> ibis.Table:
        o = warehouse.table("orders", shop_id)
        waiting = o.filter(o.is_presale.fill_null(False))
        if start:
            waiting = waiting.filter(waiting.created_at >= dt.datetime.combine(start, dt.time()))
        if end:  # unpaid and not cancelled by the end of the period
            hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
            waiting = waiting.filter(waiting.created_at < hi, waiting.paid_at.isnull() | (waiting.paid_at >= hi),
                                     waiting.cancelled_at.isnull() | (waiting.cancelled_at >= hi))
        else:
            waiting = waiting.filter(waiting.paid_at.isnull(), waiting.cancelled_at.isnull())
        return waiting.aggregate(n=waiting.count())

    return int(fetch(warehouse, ("presale waiting", shop_id), waiting_of, start, end).column("n")[0].as_py())


def _caveats(warehouse: BaseWarehouse, shop_id: str, q: Query, check: Any, unavailable: set[str]) -> list[Note]:
    notes: list[Note] = []
    wanted = set(q.metrics)
    paid_side = wanted & {"payment_conversion_rate", "paid_buyers", "sales", "spend_per_buyer", "uv_value"}
    if paid_side and check(PRESALE):
        memo = ("presale_waiting", q.start, q.end)
        count = check.memo.get(memo)
        if count is None:
            count = check.memo[memo] = _presale_waiting(warehouse, shop_id, q.start, q.end)
        if count:
            notes.append(Note(
                "presale_deposit",
                f"{count} presale orders of the period were in the deposit period at its end (balance unpaid): payment "
                "conversion, paying buyers and sales understate demand. Read order_conversion_rate instead.",
                f"本期有 {count} 笔预售订单在期末仍处于定金期（尾款未付）：支付转化率、支付买家数和支付金额会偏低，"
                "请改看下单转化率 order_conversion_rate。",
                "payment_conversion_rate" if "payment_conversion_rate" in wanted else sorted(paid_side)[0],
            ))
    if q.by:
        for mid in q.metrics:
            m = REGISTRY[mid]
            if not m.additive and m.unit == "count" and mid not in unavailable:
                notes.append(Note(
                    "not_additive",
                    f"{m.name.en} is a distinct count: the rows do not add up to the total of the whole period.",
                    f"{m.name.zh}是去重计数：各行相加不等于整体的数值。", mid,
                ))
    if "sales" in wanted and set(q.by) & set(PRODUCT_DIMS):
        notes.append(Note(
            "sales_by_product",
            "Split by product, sales are order-line amounts (no shipping or order-level discounts).",
            "按商品拆分时，支付金额为订单行金额（不含运费和整单优惠）。", "sales",
        ))
    return notes


def kpi(warehouse: BaseWarehouse, shop_id: str, metrics: str | Sequence[str], by: str | Sequence[str] | None = None,
        start: DateLike = None, end: DateLike = None, filters: Mapping[str, Any] | None = None,
        compare: str | None = None) -> KpiResult:
    """Compute metrics of one shop by dimensions over a period (inclusive dates), optionally compared.

    ``compare``: ``previous`` (the period of the same length just before), ``week`` (a week before),
    ``year`` (a year before), ``peer`` (the benchmarks table). Raises MetricError on unknown names.
    """
    q = build_query(metrics, by, start, end, filters)
    if compare is not None and compare not in COMPARES:
        raise MetricError(f"Unknown comparison {compare!r}.", f"未知的对比方式 {compare!r}。",
                          hint_en=f"Use one of: {', '.join(COMPARES)}.", hint_zh=f"可选：{', '.join(COMPARES)}。")
    if compare in ("previous", "week", "year") and (q.start is None or q.end is None):
        raise MetricError("Comparing periods needs a start and an end date.", "对比需要给出开始和结束日期。",
                          hint_en="Give --from and --to (start= and end=).", hint_zh="请给出 --from 和 --to。")
    plan, check = compile_kpi(warehouse, shop_id, q)
    frame = _run(warehouse, plan, q)
    notes = list(plan.notes) + _caveats(warehouse, shop_id, q, check, plan.unavailable)
    notes += _summed_notes(q, plan.summed) + _attribution_notes(warehouse, shop_id, q, plan, check)
    p_start = p_end = None
    if compare == "peer":
        frame = _compare_peer(warehouse, shop_id, q, frame, notes)
        if not check("benchmarks"):
            notes.append(Note("missing_data", "Peer comparison needs benchmarks data, which this shop does not have.",
                              "同行对比需要同行对标数据（benchmarks），本店没有。"))
    elif compare is not None:
        frame, p_start, p_end = _compare_periods(warehouse, shop_id, q, compare, frame, plan.unavailable)
    currency = warehouse.shop_settings(shop_id).get("currency") or "CNY"
    return KpiResult(
        frame=frame, metrics=tuple(MetricInfo.of(REGISTRY[m]) for m in q.metrics), by=q.by,
        start=q.start, end=q.end, compare=compare, previous_start=p_start, previous_end=p_end,
        currency=currency, notes=notes,
    )


__all__ = ["COMPARES", "TIME_DIMS", "explain", "kpi"]
