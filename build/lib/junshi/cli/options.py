"""Options shared by every subcommand, so each means the same everywhere."""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from datetime import date

    from junshi.shop import Shop

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="JUNSHI_DB",
                 help="Warehouse: DuckDB file path or URL, or lake:FOLDER (Parquet) [default: ./junshi.duckdb]."),
]
CleanOption = Annotated[
    bool, typer.Option("--clean", help="Without the suspect orders of `junshi risk orders` (刷单剔除后).")
]


class Engine(StrEnum):
    """The engine a command runs its queries on."""

    duckdb = "duckdb"
    spark = "spark"


EngineOption = Annotated[
    Engine, typer.Option("--engine", envvar="JUNSHI_ENGINE",
                         help="Query engine: duckdb, or spark over a lake (--db lake:FOLDER; master from "
                              "JUNSHI_SPARK_MASTER, default local[*]).")
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


def open_shop(
    db: str | None, shop: str = "default", clean: bool = False, *, write: bool = False,
    engine: Engine = Engine.duckdb,
) -> AbstractContextManager[Shop]:
    """The shop a command works on, from its --db, --shop and --clean (the engine is imported here, on first use).

    While ``junshi serve`` holds the warehouse, the command runs through it instead (:mod:`junshi.remote`):
    here that raises :class:`~junshi.remote.ServerHoldsWarehouse` for the entry point, and inside the
    server this gives its own connection (``write``: through its single-writer gate)."""
    from junshi.cli.served import hosted_shop, request_for

    if engine == Engine.spark:  # no server shares a Spark session
        from junshi.shop import connect

        return connect(db, shop, clean=clean, engine=engine.value)
    hosted = hosted_shop(shop, clean=clean, write=write)
    if hosted is not None:
        return hosted
    from junshi.remote import ServerHoldsWarehouse, find_server

    url = db or os.environ.get("JUNSHI_DB") or "junshi.duckdb"  # as junshi.warehouse.resolve_db, without DuckDB
    endpoint = find_server(url)
    if endpoint is not None:
        raise ServerHoldsWarehouse(endpoint, request_for(shop))
    from junshi.shop import connect

    return connect(db, shop, clean=clean)


def option_day(value: str | None, option: str) -> date | None:
    """A day option (``--from``, ``--as-of`` ...) as a date (None when not given); an error naming the option."""
    from junshi.periods import parse_day

    return None if value is None else parse_day(value, option)
