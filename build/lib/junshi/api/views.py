"""Engine calls shaped for JSON: each function takes a Shop (and validated arguments) and returns plain data.

Route and page handlers call these; no metric or rule is defined here: numbers come from the metric
layer (``shop.kpi``), explanations from the analysis package, loads from ingest. The views only choose
which registered metrics each page shows and arrange the results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from junshi import Shop, periods
from junshi.analysis.lookups import order_days, quarantined
from junshi.api.models import (
    AdviceItem,
    AlertItem,
    Card,
    Catalogue,
    IngestResponse,
    KpiResponse,
    PeriodInfo,
    QuarantinePage,
    Series,
    ShopInfo,
    Trend,
)
from junshi.errors import MissingDataError
from junshi.i18n import Lang
from junshi.jsonable import num
from junshi.metrics.dimensions import REGISTRY as DIMENSIONS
from junshi.metrics.dimensions import dimension_label
from junshi.metrics.registry import REGISTRY
from junshi.periods import Period
from junshi.versioned import stored
from junshi.vocab import PRIORITIES, severity_name


def shop_info(shop: Shop) -> ShopInfo:
    """The shop's settings, the first and last day it has orders on (shop-local) and the period the dashboard
    opens on (:func:`junshi.periods.default_period`; None without paid sales). Kept beside the warehouse for the
    data version, today and the settings (:func:`junshi.versioned.stored`): every page's shell shows it, and a
    restarted server's first page then runs no query of the metric layer."""
    settings, today = shop.settings, periods.shop_today(shop)
    name = ("shop_info", today.isoformat(), tuple(sorted(settings.items())))

    def compute() -> ShopInfo:
        first, last = order_days(shop)
        try:
            default: PeriodInfo | None = PeriodInfo.model_validate(periods.default_period(shop, today).to_dict())
        except MissingDataError:
            default = None
        return ShopInfo.model_validate({
            "id": shop.shop_id, **settings, "first_day": first and first.isoformat(),
            "last_day": last and last.isoformat(), "default_period": default,
        })

    return stored(shop, name, compute, lambda info: info.model_dump(mode="json"), ShopInfo.model_validate)


def default_of(info: ShopInfo) -> Period | None:
    """The default period of a :func:`shop_info` answer."""
    d = info.default_period
    return None if d is None else Period(dt.date.fromisoformat(d.start), dt.date.fromisoformat(d.end), d.kind)


def catalogue(shop: Shop, lang: Lang) -> Catalogue:
    """Every public metric with its definition (口径), and the dimensions queries accept."""
    from junshi.metrics.compiler import all_dimensions, readable_tables

    metrics = []
    for m in REGISTRY.values():
        if not m.public:
            continue
        metrics.append({
            "id": m.id, "name": m.name(lang), "definition": m.definition(lang),
            "name_en": m.name.en, "name_zh": m.name.zh,
            "definition_en": m.definition.en, "definition_zh": m.definition.zh,
            "unit": m.unit, "direction": m.direction, "additive": m.additive, "needs": list(readable_tables(m.id)),
        })
    dims = [
        {"id": d, "name": dimension_label(d, lang),
         "definition": DIMENSIONS[d].description(lang) if d in DIMENSIONS else ""}
        for d in all_dimensions()
    ]
    return Catalogue.model_validate(
        {"currency": shop.settings.get("currency") or "CNY", "metrics": metrics, "dimensions": dims})


def kpi(
    shop: Shop,
    metrics: Sequence[str],
    by: Sequence[str] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
    filters: dict[str, list[str]] | None = None,
    compare: str | None = None,
) -> KpiResponse:
    """``shop.kpi`` as JSON: period, metrics with definitions, rows, notes."""
    result = shop.kpi(metrics=list(metrics), by=list(by), start=start, end=end, filters=filters or {}, compare=compare)
    return KpiResponse.model_validate(result.to_dict())


def whole(shop: Shop, period: Period, metrics: Sequence[str]) -> dict[str, Any]:
    """``metrics`` over the whole of ``period`` (one row; empty without data)."""
    rows = shop.kpi(metrics=list(metrics), start=period.start, end=period.end).records()
    return rows[0] if rows else {}


def series(shop: Shop, metrics: Sequence[str], period: Period, by: str | None = None) -> Trend:
    """Daily values of ``metrics`` over the trend of ``period`` (one series per metric, or per ``by`` value)."""
    from junshi.metrics.days import daily_values

    trend = period.trend()
    rows = shop.kpi(metrics=list(metrics), by=["day", *([by] if by else [])], start=trend.start,
                    end=trend.end).records()
    days = [d.isoformat() for d in trend.dates()]
    if by is None:
        lines = [
            Series(metric=m, name=m, values=daily_values(m, {str(r["day"])[:10]: r.get(m) for r in rows}, days))
            for m in metrics
        ]
    else:
        groups: dict[str, dict[str, Any]] = {}
        for r in rows:
            groups.setdefault(str(r[by]), {})[str(r["day"])[:10]] = r.get(metrics[0])
        lines = [Series(metric=metrics[0], name=k, values=daily_values(metrics[0], v, days)) for k, v in groups.items()]
    return Trend(days=days, series=lines)


def cards(shop: Shop, period: Period, metrics: Sequence[str], lang: Lang) -> list[Card]:
    """A card per metric: its value over the whole of ``period``, its name, unit and direction."""
    values = whole(shop, period, metrics)
    info = names(lang, metrics)
    return [Card(metric=m, **info[m], value=num(values.get(m))) for m in metrics]


def names(lang: Lang, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    return {
        i: {"name": REGISTRY[i].name(lang), "unit": REGISTRY[i].unit, "direction": REGISTRY[i].direction}
        for i in ids
    }


def alerts(shop: Shop, day: dt.date) -> list[dict[str, Any]]:
    """The day's alerts, worst first (from :mod:`junshi.analysis`), in both languages."""
    from junshi.analysis import service as analysis

    return [a.to_json() for a in analysis.alerts(shop, day)]


def advice(shop: Shop, day: dt.date) -> list[dict[str, Any]]:
    """Recommended actions, most urgent first (from :mod:`junshi.analysis`), in both languages."""
    from junshi.analysis import service as analysis

    return [a.to_json() for a in analysis.recommendations(shop, day)]


def localise_alerts(items: list[dict[str, Any]], lang: Lang) -> list[AlertItem]:
    """Alerts with ``text`` and ``priority_label`` in ``lang`` (the rest unchanged)."""
    return [
        AlertItem.model_validate(
            {**a, "id": a["code"], "text": a["text"][lang], "text_all": a["text"], "priority": a["severity"],
             "priority_label": severity_name(a["severity"])(lang)})
        for a in items
    ]


def localise_advice(items: list[dict[str, Any]], lang: Lang) -> list[AdviceItem]:
    """Recommendations with ``text`` (title: text) and ``priority_label`` in ``lang``."""
    out = []
    for a in items:
        level = PRIORITIES.get(a["priority"], "low")
        out.append(AdviceItem.model_validate(
            {**a, "id": a["rule"], "text": f"{a['title'][lang]}: {a['text'][lang]}", "text_all": a["text"],
             "priority": level, "priority_label": severity_name(level)(lang)}))
    return out


def quarantine(shop: Shop, limit: int, offset: int) -> QuarantinePage:
    """Rows that could not be loaded, by file and line, with the reason."""
    total, rows = quarantined(shop, limit, offset)
    return QuarantinePage.model_validate({"total": total, "limit": limit, "offset": offset, "rows": rows})


def presets() -> list[str]:
    """Names of the ingest presets offered on the Data page."""
    from junshi.ingest import PRESETS

    return sorted(PRESETS)


def ingest(shop: Shop, paths: Sequence[Path], preset: str | None, table: str | None) -> IngestResponse:
    """Load uploaded files (all or nothing) and summarise the run per table; files are named as uploaded."""
    report = shop.ingest(list(paths), preset=preset, table=table)
    out: dict[str, Any] = report.to_dict()
    names_of = {str(p): p.name for p in paths}
    for f in out["files"]:
        f["source_file"] = names_of.get(f["source_file"], f["source_file"])
    for reason in out["quarantined"]:
        for example in reason["examples"]:
            example["source_file"] = names_of.get(example["source_file"], example["source_file"])
    out["summary"] = report.by_table()
    return IngestResponse.model_validate(out)
