"""Build a report from the engine: KPI cards, the KPI tree, the diagnosis, alerts, advice and sections.

Every number comes from the Shop facade (the metric layer, the diagnosis, alerts and advice); this module
only chooses which registered metrics a report shows and arranges them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from junshi import periods
from junshi.analysis.diagnosis import Period
from junshi.analysis.morning_note import (
    _signal,
    _significant,
    _step,
)
from junshi.analysis.service import diagnose_periods
from junshi.errors import JunshiError
from junshi.i18n import Lang, thread_lang, tr
from junshi.metrics import REGISTRY
from junshi.metrics.dimensions import dimension_label, value_label
from junshi.metrics.model import Unit
from junshi.reports.model import Card, Item, PeriodKind, Report, Section, Trend, Value
from junshi.reports.periods import report_period
from junshi.reports.readiness import data_status
from junshi.vocab import FACTORS, priority_name, severity_name

if TYPE_CHECKING:
    from junshi.shop import Shop

CARDS = ("sales", "uv", "payment_conversion_rate", "spend_per_buyer", "paid_buyers", "paid_orders",
         "refund_amount", "gross_margin", "spend_ratio", "roas")
TREE = ("sales", "uv", "payment_conversion_rate", "spend_per_buyer")
TRAFFIC = ("uv", "payment_conversion_rate", "spend_per_buyer", "sales")
PRODUCTS = ("units", "sales", "paid_buyers")
SERVICE = ("dsr_item", "dsr_service", "dsr_logistics", "positive_review_rate", "hours_to_ship", "days_to_deliver",
           "refund_amount", "refund_rate")
CUSTOMERS = ("paid_buyers", "sales", "spend_per_buyer")
TOP_PRODUCTS = 10
MAX_ALERTS = 8
MAX_ADVICE = 5


def _num(value: Any) -> float | None:
    if value is None or value != value:
        return None
    return float(value)


def _change(current: float | None, baseline: float | None) -> float | None:
    """(current - baseline) / |baseline|, as the metric layer's comparisons define it."""
    if current is None or baseline is None or baseline == 0:
        return None
    return (current - baseline) / abs(baseline)


def _unit(metric: str) -> Unit:
    unit: Unit = REGISTRY[metric].unit
    return unit


def _rows(shop: Shop, metrics: Sequence[str], by: Sequence[str], start: dt.date, end: dt.date
          ) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows of ``shop.kpi`` and the metrics that have no data (they are left out of the report)."""
    result = shop.kpi(list(metrics), by=list(by), start=start, end=end)
    missing = [n.metric for n in result.notes if n.code in ("missing_data", "unsupported_dimension") and n.metric]
    return result.records(), missing


class ReportBuilder:
    """Collects the parts of one report; each part that cannot be built becomes a note, not a failure."""

    def __init__(self, shop: Shop, day: dt.date, period: PeriodKind, lang: Lang) -> None:
        self.shop, self.lang = shop, lang
        self.start, self.end, self.base_start, self.base_end = report_period(day, period)
        settings = shop.settings
        self.currency = str(settings.get("currency") or "CNY")
        status = data_status(shop, self.end, lang)
        self.report = Report(
            shop_id=shop.shop_id, shop_name=str(settings.get("name") or shop.shop_id), currency=self.currency,
            lang=lang, period=period, start=self.start, end=self.end, baseline_start=self.base_start,
            baseline_end=self.base_end, generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            complete=status.complete, status=status.reason)

    def _name(self, metric: str) -> str:
        return REGISTRY[metric].name(self.lang)

    def _both(self, metrics: Sequence[str], by: Sequence[str] = ()) -> tuple[list[dict[str, Any]],
                                                                          list[dict[str, Any]], list[str]]:
        current, missing = _rows(self.shop, metrics, by, self.start, self.end)
        baseline, _ = _rows(self.shop, metrics, by, self.base_start, self.base_end)
        return current, baseline, missing

    def _skip(self, what: str, exc: JunshiError) -> None:
        self.report.notes.append(tr("{w}: not available ({e})", "{w}：无法生成（{e}）", self.lang, w=what,
                                    e=exc.message(self.lang)))

    def cards(self) -> None:
        current, baseline, missing = self._both(CARDS)
        now, before = (current or [{}])[0], (baseline or [{}])[0]
        for m in CARDS:
            if m in missing:
                continue
            value, base = _num(now.get(m)), _num(before.get(m))
            self.report.cards.append(Card(m, self._name(m), _unit(m), REGISTRY[m].direction, value, base,
                                          _change(value, base)))
        self.report.tree = [c for m in TREE if (c := self.report.card(m)) is not None]

    def diagnosis(self) -> None:
        diag = diagnose_periods(self.shop, Period(self.start, self.end), Period(self.base_start, self.base_end))
        t = diag.total
        fall = [(tr("Baseline", "基期", self.lang), float(t.baseline))]
        for factor, effect in t.effects.items():
            fall.append((FACTORS[factor].name(self.lang) if factor in FACTORS else factor, float(effect)))
        fall.append((tr("This period", "本期", self.lang), float(t.current)))
        self.report.waterfall = fall
        with thread_lang(self.lang):
            if diag.signal is not None:
                self.report.signal = _signal(diag, self.currency).strip()
                self.report.significant = [line.strip() for line in _significant(diag, self.currency)]
            self.report.causes = [_step(diag, s, self.currency) for s in diag.path]
        if not diag.path:
            self.report.causes = [tr("No single cell explains the change: it is spread across the shop.",
                                     "没有单个维度值能解释这次变化：变化分散在全店。", self.lang)]

    def alerts_and_advice(self) -> None:
        for a in self.shop.alerts(self.end)[:MAX_ALERTS]:
            self.report.alerts.append(Item(severity_name(a.severity)(self.lang), "", a.text(self.lang)))
        for r in self.shop.advise(self.end)[:MAX_ADVICE]:
            self.report.advice.append(Item(priority_name(r.priority)(self.lang), r.title(self.lang), r.text(self.lang)))

    def _by(self, sid: str, title: str, dim: str, metrics: Sequence[str], *, label: str | None = None,
            limit: int | None = None, chart_sales: bool = True) -> None:
        """A section of ``metrics`` per value of ``dim``, with the change of sales, biggest sales first."""
        extra = [label] if label else []
        current, baseline, missing = self._both(metrics, [dim, *extra])
        shown = [m for m in metrics if m not in missing]
        before = {str(r[dim]): r for r in baseline}
        current.sort(key=lambda r: -(_num(r.get("sales")) or 0.0))
        columns = [dimension_label(dim, self.lang),
                   *([dimension_label(label, self.lang)] if label else []),
                   *(self._name(m) for m in shown)]
        rows = []
        for r in current[:limit]:
            cells = [Value(value_label(dim, str(r[dim]), self.lang)), *([Value(r.get(label))] if label else [])]
            cells += [Value(_num(r.get(m)), _unit(m)) for m in shown]
            if "sales" in shown:
                cells.append(Value(_change(_num(r.get("sales")), _num(before.get(str(r[dim]), {}).get("sales"))),
                                   "ratio", change=True))
            rows.append(cells)
        if "sales" in shown:
            columns.append(tr("Sales change", "销售额变化", self.lang))
        chart = columns.index(self._name("sales")) if chart_sales and "sales" in shown else None
        self.report.sections.append(Section(sid, title, columns, rows, chart))

    def service(self) -> None:
        current, baseline, missing = self._both(SERVICE)
        now, before = (current or [{}])[0], (baseline or [{}])[0]
        rows = []
        for m in SERVICE:
            if m in missing:
                continue
            value, base = _num(now.get(m)), _num(before.get(m))
            rows.append([Value(self._name(m)), Value(value, _unit(m)), Value(base, _unit(m)),
                         Value(_change(value, base), "ratio", change=True)])
        columns = [tr("Metric", "指标", self.lang), tr("This period", "本期", self.lang),
                   tr("Baseline", "基期", self.lang), tr("Change", "变化", self.lang)]
        self.report.sections.append(Section("service", tr("Service", "服务", self.lang), columns, rows))

    def trend(self) -> None:
        first = periods.Period(self.start, self.end).trend().start
        rows, missing = _rows(self.shop, ["sales", "uv"], ["day"], first, self.end)
        days = [(first + dt.timedelta(days=i)).isoformat() for i in range((self.end - first).days + 1)]
        by_day = {str(r["day"])[:10]: r for r in rows}
        self.report.trend_days = days
        for m in ("sales", "uv"):
            if m not in missing:
                self.report.trends.append(Trend(m, self._name(m), _unit(m),
                                                [_num(by_day.get(d, {}).get(m)) for d in days]))

    def build(self) -> Report:
        t = self.lang
        parts = [
            (tr("KPI", "核心指标", t), self.cards),
            (tr("Diagnosis", "诊断", t), self.diagnosis),
            (tr("Alerts and recommendations", "预警与建议", t), self.alerts_and_advice),
            (tr("Traffic", "流量", t), lambda: self._by("traffic", tr("Traffic", "流量", t), "source", TRAFFIC)),
            (tr("Top products", "商品排行", t), lambda: self._by("products", tr("Top products", "商品排行", t),
                                                                 "product", PRODUCTS, label="product_name",
                                                                 limit=TOP_PRODUCTS, chart_sales=False)),
            (tr("Service", "服务", t), self.service),
            (tr("Customers", "客户", t), lambda: self._by("customers", tr("Customers", "客户", t), "customer_type",
                                                          CUSTOMERS)),
            (tr("Trend", "趋势", t), self.trend),
        ]
        for what, part in parts:
            try:
                part()
            except JunshiError as exc:
                self._skip(what, exc)
        return self.report


def build_report(shop: Shop, day: dt.date, period: PeriodKind = "day", lang: Lang = "zh",
                 dashboard_url: str | None = None, *, clean: bool = False) -> Report:
    """The report of ``period`` ending on ``day`` (shop-local), in ``lang``; ``clean`` (or a shop opened with
    ``clean=True``): every figure without the suspect orders of ``junshi risk orders``, said in its title."""
    if clean and not shop.warehouse.clean:
        shop = type(shop)(shop.warehouse, shop.shop_id, clean=True)
    report = ReportBuilder(shop, day, period, lang).build()
    report.dashboard_url = dashboard_url
    report.clean = shop.warehouse.clean
    return report
