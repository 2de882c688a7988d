"""Pieces of the JSON API's response models shared by several endpoints (pydantic; /openapi.json shows them).

Every response model forbids keys it does not declare, so that an answer the engine shapes differently fails
loudly in the tests instead of losing a field.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from junshi.i18n import Text
from junshi.periods import Kind

Value = float | int | None
Cell = str | float | int | bool | None
Row = dict[str, Cell]  # one row of a metric query: its dimensions' values and its metrics' (keys: their ids)


class Model(BaseModel):
    """A response model: declared keys only."""

    model_config = ConfigDict(extra="forbid")


class Series(Model):
    metric: str = Field(description="The metric id.")
    name: str = Field(description="The series' name: the metric's id or name, or the dimension value it shows.")
    values: list[Value] = Field(description="One value per day of the trend's days (null: no value).")


class Trend(Model):
    days: list[str] = Field(description="The trend's days (YYYY-MM-DD), in order.")
    series: list[Series]


class Card(Model):
    metric: str
    name: str
    unit: str
    direction: str
    value: Value


class PeriodInfo(Model):
    start: str
    end: str
    days: int
    kind: Kind
    label: str


class LabelledPeriod(PeriodInfo):
    kind_label: str = Field(description="The kind's name in the request's language.")


class ShopInfo(Model):
    id: str
    name: str | None
    platform: str | None
    currency: str | None
    timezone: str | None
    first_day: str | None = Field(description="The first shop-local day with orders.")
    last_day: str | None = Field(description="The last shop-local day with orders.")
    default_period: PeriodInfo | None = Field(description="The period the dashboard opens on (null: no paid sales).")


class Status(Model):
    ingesting: bool
    version: int = Field(description="The data version: it moves on after each load.")


class CatalogueMetric(Model):
    id: str
    name: str
    definition: str
    name_en: str
    name_zh: str
    definition_en: str
    definition_zh: str
    unit: str
    direction: str
    additive: bool
    needs: list[str] = Field(description="The tables the metric can read.")


class CatalogueDimension(Model):
    id: str
    name: str
    definition: str


class Catalogue(Model):
    currency: str
    metrics: list[CatalogueMetric]
    dimensions: list[CatalogueDimension]


class MetricInfo(Model):
    id: str
    zh: str
    en: str
    definition_zh: str
    definition_en: str
    unit: str
    direction: str
    additive: bool
    tables: list[str]


class KpiNote(Model):
    metric: str | None
    code: str
    en: str
    zh: str


class KpiResponse(Model):
    """:class:`junshi.metrics.KpiResult` as JSON."""

    start: str | None
    end: str | None
    compare: str | None
    previous_start: str | None
    previous_end: str | None
    currency: str | None
    by: list[str]
    metrics: list[MetricInfo]
    rows: list[Row] = Field(description="Dimension values, then each metric (with compare: <id>_previous, "
                            "<id>_change, <id>_change_pct; peer: <id>_peer_avg, <id>_peer_top).")
    notes: list[KpiNote]


class AlertItem(Model):
    """An alert of :mod:`junshi.analysis.alerts`, with its text in the request's language."""

    id: str
    day: str
    kind: str
    code: str
    severity: str
    score: float
    level: str
    key: str | None
    metric: str | None
    numbers: dict[str, Any]
    text: str
    text_all: Text
    related: list[dict[str, Any]]
    diagnose: dict[str, Any] | None = Field(description="The query of the diagnosis that explains it.")
    priority: str
    priority_label: str


class AdviceItem(Model):
    """A recommendation of :mod:`junshi.analysis.advice`, with its title: text in the request's language."""

    id: str
    rule: str
    priority: str
    priority_name: str
    priority_label: str
    subject: dict[str, str]
    numbers: dict[str, Any]
    value: float | None = Field(description="Money at stake per window, when it can be estimated.")
    title: Text
    text: str
    text_all: Text


class QuarantinedRow(Model):
    table: str
    source_file: str | None
    source_line: int | None
    reason: str
    raw: str | None


class QuarantinePage(Model):
    total: int
    limit: int
    offset: int
    rows: list[QuarantinedRow]


class FileLoad(Model):
    source_file: str
    sha256: str
    encoding: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    tables: list[str]
    ignored_columns: list[str]
    preset: str | None
    kind: str | None
    rows_skipped: int


class QuarantinedExample(Model):
    source_file: str
    source_line: int
    raw: str


class ReasonCount(Model):
    table: str
    reason: str
    rows: int
    examples: list[QuarantinedExample]


class TableLoad(Model):
    table: str
    loaded: int
    quarantined: int


class IngestResponse(Model):
    """:class:`junshi.ingest.IngestReport` as JSON, files named as uploaded, with a summary per table."""

    run_id: str
    shop_id: str
    preset: str | None
    strict: bool
    files: list[FileLoad]
    tables: dict[str, int]
    quarantined: list[ReasonCount]
    committed: bool
    seconds: float
    rows_loaded: int
    rows_quarantined: int
    summary: list[TableLoad]


class ReportValue(Model):
    value: Any
    unit: str = Field(description="A metric unit, or text.")
    change: bool = Field(description="A change: shown with its sign.")


class ReportCard(Model):
    metric: str
    name: str
    unit: str
    direction: str
    value: float | None
    baseline: float | None
    change_pct: float | None


class ReportSection(Model):
    id: str
    title: str
    columns: list[str]
    rows: list[list[ReportValue]]
    chart: int | None = Field(description="Index of the column drawn as bars, if any.")


class ReportTrend(Model):
    metric: str
    name: str
    unit: str
    values: list[float | None]


class ReportItem(Model):
    level: str
    title: str
    text: str


class WaterfallStep(Model):
    label: str
    amount: float


class ReportResponse(Model):
    """:class:`junshi.reports.model.Report` as JSON (``/api/report?format=json``), in one language."""

    shop_id: str
    shop_name: str
    currency: str
    lang: str
    period: str
    start: str
    end: str
    baseline_start: str
    baseline_end: str
    generated_at: str
    complete: bool
    status: str
    clean: bool = Field(description="Figures without the suspect (刷单) orders of `junshi risk orders`.")
    cards: list[ReportCard]
    tree: list[ReportCard]
    waterfall: list[WaterfallStep]
    signal: str = Field(description="Whether sales moved beyond their normal variation ('' when not assessed).")
    significant: list[str] = Field(description="The cells beyond their normal variation.")
    causes: list[str] = Field(description="The drill-down path.")
    alerts: list[ReportItem]
    advice: list[ReportItem]
    sections: list[ReportSection]
    trend_days: list[str]
    trends: list[ReportTrend]
    notes: list[str]
    dashboard_url: str | None
