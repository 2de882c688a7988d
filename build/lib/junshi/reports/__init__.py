"""Reports: the morning note as a document (HTML, PDF, Excel) for a day, a week or a month. docs/reports.md."""

from junshi.reports.build import build_report
from junshi.reports.model import PERIODS, Card, Item, PeriodKind, Report, Section, Trend, Value
from junshi.reports.periods import period_kind, report_period

__all__ = ["PERIODS", "Card", "Item", "PeriodKind", "Report", "Section", "Trend", "Value", "build_report",
           "period_kind", "report_period"]
