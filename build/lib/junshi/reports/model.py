"""What a report holds: plain data in one language, which every renderer (HTML, PDF, Excel, push) lays out."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from junshi.formats import format_value
from junshi.i18n import Lang
from junshi.metrics.model import Unit as MetricUnit

PeriodKind = Literal["day", "week", "month"]
PERIODS: tuple[PeriodKind, ...] = ("day", "week", "month")
CellUnit = MetricUnit | Literal["text"]


@dataclass(frozen=True)
class Value:
    """One cell: a number (or text) and how to show it."""

    value: Any
    unit: CellUnit = "text"
    change: bool = False  # a change: shown with its sign

    def show(self, currency: str) -> str:
        if self.unit == "text":
            return "" if self.value is None else str(self.value)
        return format_value(self.value, self.unit, currency, change=self.change)


@dataclass(frozen=True)
class Card:
    """A KPI with its value over the period, the baseline's and the relative change."""

    metric: str
    name: str
    unit: MetricUnit
    direction: str
    value: float | None
    baseline: float | None
    change_pct: float | None

    @property
    def verdict(self) -> Literal["good", "bad", "flat"]:
        """Whether the change is good news (by the metric's direction), bad, or nothing to say."""
        if not self.change_pct or self.direction not in ("up", "down"):
            return "flat"
        return "good" if (self.change_pct > 0) == (self.direction == "up") else "bad"


@dataclass(frozen=True)
class Section:
    """A table of the report: a title, column headers and rows of cells."""

    id: str
    title: str
    columns: list[str]
    rows: list[list[Value]]
    chart: int | None = None  # index of the column drawn as bars, if any


@dataclass(frozen=True)
class Trend:
    """A metric per day, for a line chart."""

    metric: str
    name: str
    unit: MetricUnit
    values: list[float | None]


@dataclass(frozen=True)
class Item:
    """An alert or a recommendation: its level (severity or priority), title and text."""

    level: str
    title: str
    text: str


@dataclass
class Report:
    """A shop's report over a period against a baseline period, in one language."""

    shop_id: str
    shop_name: str
    currency: str
    lang: Lang
    period: PeriodKind
    start: dt.date
    end: dt.date
    baseline_start: dt.date
    baseline_end: dt.date
    generated_at: dt.datetime
    complete: bool
    status: str
    cards: list[Card] = field(default_factory=list)
    tree: list[Card] = field(default_factory=list)
    waterfall: list[tuple[str, float]] = field(default_factory=list)
    signal: str = ""  # whether sales moved beyond their normal variation ('' when not assessed)
    significant: list[str] = field(default_factory=list)  # the cells beyond their normal variation
    causes: list[str] = field(default_factory=list)  # the drill-down path
    alerts: list[Item] = field(default_factory=list)
    advice: list[Item] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    trend_days: list[str] = field(default_factory=list)
    trends: list[Trend] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dashboard_url: str | None = None
    clean: bool = False  # figures without the suspect (刷单) orders of junshi risk orders

    def card(self, metric: str) -> Card | None:
        return next((c for c in self.cards if c.metric == metric), None)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (dates as ISO strings)."""
        out = asdict(self)
        for key in ("start", "end", "baseline_start", "baseline_end", "generated_at"):
            out[key] = getattr(self, key).isoformat()
        out["waterfall"] = [{"label": label, "amount": amount} for label, amount in self.waterfall]
        return out
