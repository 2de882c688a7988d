"""The report as an Excel workbook: one sheet per section, numbers as numbers with money and percentage
formats, frozen header rows. Cells are written one by one (for their formats), each made safe by
:func:`junshi.exports.safe_xlsx_cell` (no text runs as a formula)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from junshi.exports import safe_xlsx_cell
from junshi.formats import currency_symbol
from junshi.i18n import tr
from junshi.metrics.dimensions import dimension_label
from junshi.reports.html import span, title
from junshi.reports.model import Report, Value

HEADER_FILL = PatternFill("solid", fgColor="F5F7FA")
CHANGE_FORMAT = "+0.00%;-0.00%;0.00%"


def number_format(unit: str, currency: str) -> str:
    """Excel's format of a unit: money in the shop's currency, ratios as percentages."""
    symbol = currency_symbol(currency)
    return {"money": f'"{symbol}"#,##0.00', "ratio": "0.00%", "count": "#,##0", "score": "0.00",
            "hours": '0.0" h"', "days": '0.0" d"', "seconds": '0" s"'}.get(unit, "General")


def _sheet(wb: Workbook, name: str, columns: Sequence[str], rows: Sequence[Sequence[Value]], currency: str) -> None:
    ws = wb.create_sheet(name[:31])
    ws.append([safe_xlsx_cell(c) for c in columns])
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    for row in rows:
        ws.append([safe_xlsx_cell(v.value) for v in row])
        for cell, v in zip(ws[ws.max_row], row, strict=True):
            if v.unit != "text":
                cell.number_format = CHANGE_FORMAT if v.change else number_format(v.unit, currency)
    ws.freeze_panes = "A2"
    for i, column in enumerate(columns, 1):
        longest = max([len(str(column)), *(len(v.show(currency)) for r in rows for v in r[i - 1:i])])
        ws.column_dimensions[get_column_letter(i)].width = min(max(10, longest * 1.6), 80)


def render_xlsx(report: Report) -> bytes:
    """The workbook's bytes: 概览 (cards), 诊断, 预警, 建议, then one sheet per section and the trend."""
    t, cur = report.lang, report.currency
    wb = Workbook()
    wb.remove(wb.active)
    text = [Value(tr("Report", "报表", t)), Value(title(report))], \
        [Value(tr("Period", "统计周期", t)), Value(span(report.start, report.end))], \
        [Value(tr("Compared with", "对比", t)), Value(span(report.baseline_start, report.baseline_end))], \
        [Value(tr("Data", "数据", t)), Value(report.status)]
    cards = [[Value(c.name), Value(c.value, c.unit), Value(c.baseline, c.unit),
              Value(c.change_pct, "ratio", change=True)]
             for c in report.cards]
    _sheet(wb, tr("Summary", "概览", t), [tr("Metric", "指标", t), tr("This period", "本期", t),
                                          tr("Baseline", "基期", t), tr("Change", "变化", t)],
           [*cards, [Value(None)] * 4, *([*r, Value(None), Value(None)] for r in text)], cur)
    _sheet(wb, tr("Diagnosis", "诊断", t), [tr("Step", "环节", t), tr("Contribution", "贡献", t)],
           [[Value(label), Value(amount, "money")] for label, amount in report.waterfall]
           + [[Value(c), Value(None)] for c in [report.signal, *report.significant, *report.causes] if c], cur)
    _sheet(wb, tr("Alerts", "预警", t), [tr("Severity", "级别", t), tr("Alert", "预警", t)],
           [[Value(a.level), Value(a.text)] for a in report.alerts], cur)
    _sheet(wb, tr("Recommendations", "建议", t), [tr("Priority", "优先级", t), tr("Action", "建议", t),
                                                  tr("Why", "依据", t)],
           [[Value(a.level), Value(a.title), Value(a.text)] for a in report.advice], cur)
    for s in report.sections:
        _sheet(wb, s.title, s.columns, s.rows, cur)
    if report.trends:
        _sheet(wb, tr("Trend", "趋势", t), [dimension_label("day", t), *(x.name for x in report.trends)],
               [[Value(d), *(Value(x.values[i], x.unit) for x in report.trends)]
                for i, d in enumerate(report.trend_days)], cur)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
