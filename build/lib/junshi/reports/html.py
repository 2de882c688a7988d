"""The report as one self-contained HTML page: inline CSS and SVG charts, no script, nothing to download."""

from __future__ import annotations

from typing import Any

import jinja2
from markupsafe import Markup

from junshi.formats import format_value
from junshi.i18n import Lang, tr
from junshi.reports import charts
from junshi.reports.model import Card, Report, Section
from junshi.vocab import CLEAN

_ENV = jinja2.Environment(loader=jinja2.PackageLoader("junshi.reports", "templates"),
                          autoescape=True, undefined=jinja2.StrictUndefined)
PERIOD_NAMES = {"day": ("Daily report", "日报"), "week": ("Weekly report", "周报"), "month": ("Monthly report", "月报")}


def title(report: Report) -> str:
    """``<shop> 日报 2024-11-30`` / ``<shop> weekly report 2024-11-24..2024-11-30``, marked 刷单剔除后 when
    its figures are without the suspect orders."""
    en, zh = PERIOD_NAMES[report.period]
    clean = tr(" ({c})", "（{c}）", report.lang, c=CLEAN.name(report.lang)) if report.clean else ""
    return f"{report.shop_name} {tr(en, zh, report.lang)} {span(report.start, report.end)}{clean}"


def span(start: object, end: object) -> str:
    return str(start) if start == end else f"{start}..{end}"


def _labels(lang: Lang) -> dict[str, str]:
    pairs = {
        "period": ("Period", "统计周期"), "baseline": ("Compared with", "对比"), "generated": ("Made", "生成于"),
        "kpi": ("Key figures", "核心指标"), "vs": ("vs", "对比"), "diagnosis": ("Why sales moved", "销售额变化原因"),
        "path": ("Where it comes from", "变化来自"),
        "alerts": ("Alerts", "预警"), "no_alerts": ("No alerts.", "没有预警。"),
        "advice": ("Recommendations", "建议"), "no_advice": ("Nothing to recommend.", "没有建议。"),
        "no_rows": ("No data in this period.", "本期没有数据。"), "trend": ("Trend", "趋势"),
        "notes": ("Not included", "未包含的内容"), "dashboard": ("Open the dashboard", "打开数据看板"),
        "footer": ("Junshi 军师 data center", "军师 Junshi 数据中心"),
    }
    return {**{k: tr(en, zh, lang) for k, (en, zh) in pairs.items()}, "clean": CLEAN.description(lang)}


def _card(card: Card, currency: str) -> dict[str, Any]:
    change = format_value(card.change_pct, "ratio", change=True)
    return {"name": card.name, "value": format_value(card.value, card.unit, currency),
            "baseline": format_value(card.baseline, card.unit, currency), "change": change, "verdict": card.verdict}


def _chart(section: Section, currency: str) -> str:
    if section.chart is None or not section.rows:
        return ""
    unit = section.rows[0][section.chart].unit
    if unit == "text":
        return ""
    return charts.bars([str(r[0].value) for r in section.rows], [r[section.chart].value for r in section.rows],
                       unit, currency, section.columns[section.chart])


def render_html(report: Report) -> str:
    """The whole report as an HTML document (UTF-8 text)."""
    cur = report.currency
    sections = [{"title": s.title, "chart": Markup(_chart(s, cur)),
                 "columns": [(c, s.rows[0][i].unit if s.rows else "text") for i, c in enumerate(s.columns)],
                 "rows": [[{"text": c.show(cur), "unit": c.unit} for c in row] for row in s.rows]}
                for s in report.sections]
    trends = [Markup(charts.line(report.trend_days, t.values, t.unit, cur, t.name)) for t in report.trends]
    labels = _labels(report.lang)
    return _ENV.get_template("report.html").render(
        r=report, title=title(report), labels=labels, font=charts.FONT,
        period=span(report.start, report.end), baseline=span(report.baseline_start, report.baseline_end),
        cards=[_card(c, cur) for c in report.cards], tree=[_card(c, cur) for c in report.tree],
        waterfall=Markup(charts.waterfall(report.waterfall, cur, labels["diagnosis"])),
        sections=sections, trends=trends)
