"""The typed result of a KPI query: the table plus each metric's definition, unit and caveats."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from junshi.errors import ConfigError, MissingDataError
from junshi.i18n import Text
from junshi.jsonable import jsonable
from junshi.metrics.model import Direction, Metric, Unit
from junshi.metrics.notes import Note


@dataclass(frozen=True, kw_only=True)
class MetricInfo:
    """What a column means: name, definition (bilingual), unit, direction, whether it adds up, tables it needs."""

    id: str
    name: Text
    definition: Text
    unit: Unit
    direction: Direction
    additive: bool
    tables: tuple[str, ...] = ()

    @classmethod
    def of(cls, m: Metric) -> MetricInfo:
        from junshi.metrics.compiler import required_tables

        return cls(id=m.id, name=m.name, definition=m.definition, unit=m.unit, direction=m.direction,
                   additive=m.additive, tables=required_tables(m.id))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "zh": self.name.zh, "en": self.name.en, "definition_zh": self.definition.zh,
                "definition_en": self.definition.en, "unit": self.unit, "direction": self.direction,
                "additive": self.additive, "tables": list(self.tables)}


@dataclass
class KpiResult:
    """Rows of dimension values and metric values.

    Columns: the dimensions (``by``), then each metric id; with ``compare`` also ``<id>_previous``,
    ``<id>_change`` and ``<id>_change_pct`` (with ``compare="peer"``: ``<id>_peer_avg``,
    ``<id>_peer_top``, and change / change % against the peer average). Empty (null) means the value
    cannot be computed; ``notes`` say why.
    """

    frame: pd.DataFrame
    metrics: tuple[MetricInfo, ...]
    by: tuple[str, ...]
    start: dt.date | None
    end: dt.date | None
    compare: str | None = None
    previous_start: dt.date | None = None
    previous_end: dt.date | None = None
    currency: str = "CNY"
    notes: list[Note] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def __len__(self) -> int:
        return len(self.frame)

    def to_pandas(self) -> pd.DataFrame:
        return self.frame.copy()

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pandas(self.frame, preserve_index=False)

    def to_polars(self) -> Any:
        """A polars DataFrame (needs the optional polars package)."""
        try:
            import polars as pl  # type: ignore[import-not-found]  # optional, not always installed
        except ImportError as exc:
            raise ConfigError(
                "polars is not installed.", "未安装 polars。",
                hint_en="pip install polars, or use to_pandas() / to_arrow().",
                hint_zh="请 pip install polars，或使用 to_pandas() / to_arrow()。",
            ) from exc
        return pl.from_arrow(self.to_arrow())

    def info(self, metric: str) -> MetricInfo:
        return next(m for m in self.metrics if m.id == metric)

    def notes_for(self, metric: str) -> list[Note]:
        return [n for n in self.notes if n.metric in (metric, None)]

    def require(self, metric: str) -> None:
        """Raise MissingDataError when ``metric`` is empty for want of data (its note says which tables)."""
        for note in self.notes:
            if note.metric == metric and note.code == "missing_data":
                raise MissingDataError(note.en, note.zh, hint_en="Load the missing data with junshi ingest.",
                                       hint_zh="请用 junshi ingest 导入缺少的数据。")

    def value(self, metric: str, **dims: Any) -> Any:
        """The single value of ``metric`` in the row matching ``dims`` (None when empty or absent)."""
        frame = self.frame
        for name, wanted in dims.items():
            frame = frame[frame[name].astype(str) == str(wanted)]
        if len(frame) != 1:
            if frame.empty:
                return None
            raise KeyError(f"{len(frame)} rows match {dims}; name every dimension")
        value = frame.iloc[0][metric]
        return None if pd.isna(value) else value.item() if hasattr(value, "item") else value

    def records(self) -> list[dict[str, Any]]:
        """Rows as plain Python values (dates as ISO strings, empty as None)."""
        out: list[dict[str, Any]] = []
        for row in self.frame.to_dict(orient="records"):
            out.append({str(k): jsonable(v) for k, v in row.items()})
        return out

    def to_dict(self) -> dict[str, Any]:
        """Everything, JSON-ready: period, compare, metrics (with definitions), rows, notes."""
        return {
            "start": jsonable(self.start), "end": jsonable(self.end), "compare": self.compare,
            "previous_start": jsonable(self.previous_start), "previous_end": jsonable(self.previous_end),
            "currency": self.currency, "by": list(self.by),
            "metrics": [m.to_dict() for m in self.metrics],
            "rows": self.records(),
            "notes": [n.to_dict() for n in self.notes],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
