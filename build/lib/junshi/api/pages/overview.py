"""首页 Overview of a period: KPI cards compared with the previous period, the same period last year (and, for
one day, the same weekday a week before) and peers; the KPI tree; the daily trends.

Daily figures come in blocks of 30 days, one query per block with every card metric per day, cached per data
version: every day of a block (and every comparison day in it) then costs nothing. A period of several days
needs its own query (distinct counts such as visitors do not add up over days), cached per period.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request
from pydantic import Field

from junshi import Shop
from junshi.api.engine import Engine
from junshi.api.lang import request_lang
from junshi.api.models import Card, LabelledPeriod, Model, Series, Trend, Value
from junshi.api.pages import PageApi
from junshi.api.pages.registry import page
from junshi.api.params import LangQ, PeriodDep
from junshi.api.state import EngineDep
from junshi.api.views import names
from junshi.i18n import Lang, Text
from junshi.jsonable import num
from junshi.metrics.compiler import counts_rows
from junshi.metrics.days import daily_values
from junshi.periods import Period, change_pct

CARDS = (
    "sales", "uv", "payment_conversion_rate", "spend_per_buyer", "paid_buyers",
    "refund_amount", "spend_ratio", "dsr_item", "dsr_service", "dsr_logistics",
)
#: cards shown in the place of those the shop's data cannot fill (an orders-only shop has no visitors, reviews or
#: ad spend: ten cards of dashes would hide what it does have)
SPARE_CARDS = ("paid_orders", "avg_order_value", "units", "refund_rate")
TREE = ("sales", "uv", "payment_conversion_rate", "spend_per_buyer")
#: without visit data, sales split into buyers x spend per buyer (as the diagnosis does)
BUYER_TREE = ("sales", "paid_buyers", "spend_per_buyer")
TREE_FORMULA = {
    TREE: page("overview").text["kpi_tree"],
    BUYER_TREE: Text("KPI tree: sales = paying buyers × spend per buyer (no visit data)",
                     "指标树：销售额 = 支付买家数 × 客单价（没有访问数据）"),
}
TREND = ("sales", "uv", "payment_conversion_rate")
BUYER_TREND = ("sales", "paid_buyers", "paid_orders")  # money on one axis, counts on the other
BLOCK_DAYS = 30
PEER_LABEL = Text("vs peer average", "较同行同层平均")


class Comparison(Model):
    value: Value
    change_pct: float | None


class ComparedCard(Card):
    compare: dict[str, Comparison] = Field(description="Comparison key (see comparisons) -> value and change.")


class TreeNode(ComparedCard):
    change_pct: float | None = Field(description="The change against the tree's comparison (tree_compare).")


class ComparisonPeriod(Model):
    key: str
    label: str
    start: str | None
    end: str | None


class OverviewNote(Model):
    metric: str | None
    code: str
    text: str


class OverviewResponse(Model):
    date: str
    period: LabelledPeriod
    comparisons: list[ComparisonPeriod]
    cards: list[ComparedCard]
    tree: list[TreeNode]
    tree_compare: str
    tree_formula: str = Field(description="The KPI tree's formula: by visitors, or by buyers when the shop has no "
                                          "visit data.")
    trend: Trend
    notes: list[OverviewNote]


def block_of(day: dt.date) -> int:
    """The block of 30 days ``day`` falls in: one query serves the figures of every day of a block."""
    return day.toordinal() // BLOCK_DAYS


def block_numbers(shop: Shop, block: int) -> dict[str, Any]:
    """The card metrics with their peer benchmarks per day of a block, from 29 days before its first day (each
    day's 30-day trend) to its last."""
    first = dt.date.fromordinal(block * BLOCK_DAYS)
    start, end = first - dt.timedelta(days=BLOCK_DAYS - 1), first + dt.timedelta(days=BLOCK_DAYS - 1)
    result = shop.kpi(metrics=[*CARDS, *SPARE_CARDS], by=["day"], start=start, end=end, compare="peer")
    rows = {str(r["day"])[:10]: r for r in result.records()}
    return {"rows": rows, "notes": [n.to_dict() for n in result.notes]}


def period_numbers(shop: Shop, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The card metrics with their peer benchmarks over the days ``start`` .. ``end`` as a whole."""
    result = shop.kpi(metrics=[*CARDS, *SPARE_CARDS], start=start, end=end, compare="peer")
    rows = result.records()
    return {"row": rows[0] if rows else {}, "notes": [n.to_dict() for n in result.notes]}


def _block(engine: Engine, block: int) -> dict[str, Any]:
    return engine.cached(("overview_block", block), lambda shop: block_numbers(shop, block))


def figures(engine: Engine, period: Period) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the card metrics of ``period`` with peer columns, the metric layer's notes)."""
    if period.days == 1:
        numbers = _block(engine, block_of(period.start))
        return numbers["rows"].get(period.start.isoformat(), {}), numbers["notes"]
    whole = engine.cached(("overview_period", period.start, period.end),
                          lambda shop: period_numbers(shop, period.start, period.end))
    return whole["row"], whole["notes"]


def daily_rows(engine: Engine, start: dt.date, end: dt.date) -> dict[str, dict[str, Any]]:
    """Card metrics per day from ``start`` to ``end``, gathered from the blocks holding those days."""
    rows: dict[str, dict[str, Any]] = {}
    for block in range(block_of(start), block_of(end) + 1):
        rows |= _block(engine, block)["rows"]
    return rows


def warm(engine: Engine, period: Period) -> None:
    """Compute into the cache what the overview of ``period`` needs."""
    figures(engine, period)
    for other, _ in period.comparisons("en").values():
        figures(engine, other)
    trend = period.trend()
    daily_rows(engine, trend.start, trend.end)


def overview(engine: Engine, period: Period, lang: Lang) -> OverviewResponse:
    """首页 of ``period``: cards with their comparisons, the KPI tree (changes against the same weekday a week
    before for one day, else against the previous period) and the daily trends."""
    current, notes = figures(engine, period)
    comparisons = period.comparisons(lang)
    others = {key: figures(engine, other)[0] for key, (other, _) in comparisons.items()}
    trend = period.trend()
    rows = daily_rows(engine, trend.start, trend.end)
    has = {m for m in (*CARDS, *SPARE_CARDS)
           if num(current.get(m)) is not None or any(num(r.get(m)) is not None for r in rows.values())}
    has = has or set(CARDS)  # no figure at all in the window: the usual cards, empty
    shown = [m for m in CARDS if m in has]
    shown += [m for m in SPARE_CARDS if m in has][: len(CARDS) - len(shown)]
    buyers = "uv" not in has and "paid_buyers" in has
    tree_ids, trend_ids = (BUYER_TREE, BUYER_TREND) if buyers else (TREE, TREND)
    info = names(lang, (*CARDS, *SPARE_CARDS))
    cards = []
    for m in dict.fromkeys((*shown, *tree_ids)):
        value = num(current.get(m))
        compare: dict[str, Comparison] = {}
        for key, row in others.items():
            before = num(row.get(m))
            compare[key] = Comparison(value=before, change_pct=change_pct(value, before))
        if period.days == 1 or not counts_rows(m):
            peer = Comparison(value=num(current.get(f"{m}_peer_avg")), change_pct=num(current.get(f"{m}_change_pct")))
        else:  # benchmarks are daily figures: a total of several days has no peer value to compare with
            peer = Comparison(value=None, change_pct=None)
        compare["peer"] = peer
        cards.append(ComparedCard(metric=m, **info[m], value=value, compare=compare))
    tree_vs = "week" if "week" in comparisons else "previous"
    by_id = {c.metric: c for c in cards}
    tree = [TreeNode(**dict(by_id[m]), change_pct=by_id[m].compare[tree_vs].change_pct) for m in tree_ids]
    cards = [by_id[m] for m in shown]
    days = [d.isoformat() for d in trend.dates()]
    series = [
        Series(metric=m, name=info[m]["name"], values=daily_values(m, {d: r.get(m) for d, r in rows.items()}, days))
        for m in trend_ids
    ]
    listed = [
        ComparisonPeriod(key=key, label=label, start=other.start.isoformat(), end=other.end.isoformat())
        for key, (other, label) in comparisons.items()
    ]
    return OverviewResponse(
        date=period.end.isoformat(),
        period=LabelledPeriod.model_validate(period.to_dict(lang)),
        comparisons=[*listed, ComparisonPeriod(key="peer", label=PEER_LABEL(lang), start=None, end=None)],
        cards=cards,
        tree=tree,
        tree_compare=tree_vs,
        tree_formula=TREE_FORMULA[tree_ids](lang),
        trend=Trend(days=days, series=series),
        notes=[OverviewNote(metric=n["metric"], code=n["code"], text=n[lang]) for n in notes],
    )


def get_overview(request: Request, engine: EngineDep, period: PeriodDep, lang: LangQ = None) -> OverviewResponse:
    return overview(engine, period, request_lang(request))



API = PageApi(endpoint=get_overview, response=OverviewResponse)
