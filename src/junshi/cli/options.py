"""Options shared by every subcommand, so each means the same everywhere."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="JUNSHI_DB", help="Warehouse: DuckDB file path or URL [default: ./junshi.duckdb]."),
]
ShopOption = Annotated[
    str, typer.Option("--shop", envvar="JUNSHI_SHOP", help="Shop id within the warehouse.")
]


class TableFormat(StrEnum):
    """Output of commands that print rows."""

    table = "table"
    csv = "csv"
    json = "json"


class NoteFormat(StrEnum):
    """Output of commands that print an analyst's note."""

    text = "text"
    json = "json"


class ReportFormat(StrEnum):
    """Output of commands that print a run report."""

    table = "table"
    json = "json"


FormatOption = Annotated[TableFormat, typer.Option("--format", help="Output format.")]
NoteFormatOption = Annotated[NoteFormat, typer.Option("--format", help="Output format.")]
ReportFormatOption = Annotated[ReportFormat, typer.Option("--format", help="Output format.")]
