"""Printing results: JSON the same way for every command, and the Rich consoles (made on first use,
so that ``junshi --help`` does not import Rich)."""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console


def print_json(data: Any) -> None:
    """Print a result as indented JSON, Chinese text as is."""
    from junshi.jsonable import jsonable

    print(json.dumps(jsonable(data), ensure_ascii=False, indent=2))


def console() -> Console:
    """The console of results (stdout; a client's, for a command the server runs for it)."""
    from junshi.cli.served import hosted_console

    return hosted_console(stderr=False) or _console(stderr=False)


def err_console() -> Console:
    """The console of messages, progress and errors (stderr; as :func:`console`)."""
    from junshi.cli.served import hosted_console

    return hosted_console(stderr=True) or _console(stderr=True)


@cache
def _console(stderr: bool) -> Console:
    from rich.console import Console

    return Console(stderr=stderr)


def print_frame(frame: pd.DataFrame, fmt: str, title: str, number: str = ",.4g") -> None:
    """A result table as JSON records (``fmt`` json), CSV through junshi.exports (csv) or a Rich table (floats as
    ``number``, empty values blank; columns wrap, never cutting names or ids)."""
    import sys

    if fmt == "json":
        print_json(json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False)))
        return
    if fmt == "csv":
        from junshi.exports import write_csv

        write_csv(frame, sys.stdout)
        return
    from rich.table import Table

    table = Table(title=title)
    for col in frame.columns:
        table.add_column(str(col), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*["" if v is None or v != v else format(v, number) if isinstance(v, float) else str(v)
                        for v in row])
    console().print(table)


def print_rows(rows: list[dict[str, Any]], fmt: str, title: str, number: str = ",.4g") -> None:
    """Records printed as :func:`print_frame` prints a table."""
    import pandas as pd

    print_frame(pd.DataFrame(rows), fmt, title, number)
