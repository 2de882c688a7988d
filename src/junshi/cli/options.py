"""Options shared by every subcommand, so each means the same everywhere."""

from __future__ import annotations

from typing import Annotated

import typer

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="JUNSHI_DB", help="Warehouse: DuckDB file path or URL [default: ./junshi.duckdb]."),
]
ShopOption = Annotated[
    str, typer.Option("--shop", envvar="JUNSHI_SHOP", help="Shop id within the warehouse.")
]
FormatOption = Annotated[
    str, typer.Option("--format", help="Output format: table, csv or json.")
]
