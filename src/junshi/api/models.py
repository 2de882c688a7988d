"""Pieces of the JSON API's response models shared by several endpoints (pydantic; /openapi.json shows them).

Every response model forbids keys it does not declare, so that an answer the engine shapes differently fails
loudly in the tests instead of losing a field.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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
    kind: str
    label: str


class LabelledPeriod(PeriodInfo):
    kind_label: str = Field(description="The kind's name in the request's language.")
