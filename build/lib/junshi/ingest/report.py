"""What an ingest run did: files, rows written per table, rows quarantined per reason (typed, JSON-ready)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class FileLoad:
    """One file of a run: what it was taken as, rows read, accepted, quarantined and skipped, the tables fed.

    ``preset`` and ``kind`` say what the file was taken as (``sycm`` / ``sources``; None for a file loaded
    through the alias table into ``tables``); ``rows_skipped`` are a report's total rows (合计).
    """

    source_file: str
    sha256: str
    encoding: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    tables: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    preset: str | None = None
    kind: str | None = None
    rows_skipped: int = 0


@dataclass
class Example:
    """A quarantined row shown in the summary."""

    source_file: str
    source_line: int
    raw: str


@dataclass
class ReasonCount:
    """Rows meant for ``table`` rejected for ``reason``, with the first few examples."""

    table: str
    reason: str
    rows: int
    examples: list[Example] = field(default_factory=list)


@dataclass
class IngestReport:
    """The summary of one ingest run (``committed`` is False when nothing was kept)."""

    run_id: str
    shop_id: str
    preset: str | None
    strict: bool
    files: list[FileLoad] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    quarantined: list[ReasonCount] = field(default_factory=list)
    committed: bool = False
    seconds: float = 0.0

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(r.rows for r in self.quarantined)

    def by_table(self) -> list[dict[str, Any]]:
        """Rows loaded and quarantined per table, by table name."""
        quarantined: dict[str, int] = {}
        for reason in self.quarantined:
            quarantined[reason.table] = quarantined.get(reason.table, 0) + reason.rows
        return [{"table": t, "loaded": self.tables.get(t, 0), "quarantined": quarantined.get(t, 0)}
                for t in sorted(set(self.tables) | set(quarantined))]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["rows_loaded"], d["rows_quarantined"] = self.rows_loaded, self.rows_quarantined
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
