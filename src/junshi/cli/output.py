"""Printing results: JSON the same way for every command, and the Rich consoles (made on first use,
so that ``junshi --help`` does not import Rich)."""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

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


FIGURE = 16
"""Cells up to which a word is a figure kept whole in a console table (a date, an amount, an id, a bound)."""


def print_frame(frame: pd.DataFrame, fmt: str, title: str, number: str = ",.4g", *,
                units: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None,
                currency: str = "CNY") -> None:
    """A result table as JSON records (``fmt`` json), CSV through junshi.exports (csv) or a Rich table: columns
    named in ``units`` as junshi.formats shows that unit (money in ``currency``, a ratio as a percent), other
    floats as ``number``, empty values blank, headers as ``labels`` says; columns wrap, never cutting names or
    ids. JSON and CSV keep the raw values and column names."""
    import datetime as dt
    import sys
    from decimal import Decimal

    from junshi.formats import format_value

    if fmt == "json":
        print_json(json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False)))
        return
    if fmt == "csv":
        from junshi.exports import write_csv

        write_csv(frame, sys.stdout)
        return
    from rich.cells import cell_len
    from rich.table import Table

    units, labels = units or {}, labels or {}

    def cell(col: str, v: Any) -> str:
        if v is None or v != v:
            return ""
        if isinstance(v, dt.datetime) and v.time() == dt.time():  # a day (pandas keeps days as midnight)
            return v.date().isoformat()
        if col in units and isinstance(v, int | float | Decimal) and not isinstance(v, bool):  # not a label ("10+")
            return format_value(v, units[col], currency)
        return format(v, number) if isinstance(v, float) else str(v)

    columns = [str(c) for c in frame.columns]
    rows = [[cell(col, v) for col, v in zip(columns, row, strict=True)] for row in frame.itertuples(index=False)]
    # A figure (a column of units, or of single words up to FIGURE cells: numbers, dates, ids) is not cut in two,
    # nor each word of its header, while the table fits the console; nor a word of a column of text (a confidence
    # interval's bounds), which is estimated at up to 8 cells; then the headers may break inside a word; a table
    # wider still folds every column, as Rich does.
    shown = [labels.get(col, col) for col in columns]
    words = [max([cell_len(w) for r in rows for w in r[i].split()] + [1]) for i in range(len(columns))]

    def is_figure(i: int, col: str) -> bool:
        cells = [r[i] for r in rows]
        if not any(cells):  # an empty column is left to Rich, at its header's width
            return False
        return col in units or (words[i] <= FIGURE and all(len(c.split()) <= 1 for c in cells))

    figure = [is_figure(i, col) for i, col in enumerate(columns)]

    def fixed(whole_headers: bool) -> list[int | None]:
        return [max([cell_len(r[i]) for r in rows] + [cell_len(w) for w in shown[i].split() if whole_headers] + [1])
                if figure[i] else None for i in range(len(columns))]

    text = [max(min(8, max([cell_len(r[i]) for r in rows] + [1])), min(words[i], FIGURE)) for i in range(len(columns))]

    def fits(widths: list[int | None]) -> bool:
        return sum(w or t for w, t in zip(widths, text, strict=True)) + 3 * len(columns) + 1 <= console().width

    widths = next((w for w in (fixed(True), fixed(False)) if fits(w)), None)
    table = Table(title=title)
    for i, (col, label) in enumerate(zip(columns, shown, strict=True)):
        table.add_column(label, overflow="fold", justify="right" if col in units else "left",
                         width=None if widths is None else widths[i],
                         min_width=None if widths is None or figure[i] else text[i])
    for r in rows:
        table.add_row(*r)
    console().print(table)


def print_rows(rows: list[dict[str, Any]], fmt: str, title: str, number: str = ",.4g") -> None:
    """Records printed as :func:`print_frame` prints a table."""
    import pandas as pd

    print_frame(pd.DataFrame(rows), fmt, title, number)
