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
    named in ``units`` as junshi.formats shows that unit (money in ``currency``, a ratio as a percent; a column
    named ``*_change`` or ``*_change_pct`` signed), other floats as ``number``, empty values blank, headers as
    ``labels`` says; columns wrap, never cutting names or ids. A table too wide for the console even so is printed
    a record at a time (:func:`_print_records`). JSON and CSV keep the raw values and column names."""
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
            return format_value(v, units[col], currency, change=col.endswith(("_change", "_change_pct")))
        return format(v, number) if isinstance(v, float) else str(v)

    columns = [str(c) for c in frame.columns]
    rows = [[cell(col, v) for col, v in zip(columns, row, strict=True)] for row in frame.itertuples(index=False)]
    # A figure (a column of units, or of single words up to FIGURE cells: numbers, dates, ids) is not cut in two,
    # nor each word of its header, while the table fits the console; nor a word of a column of text (a confidence
    # interval's bounds), which is estimated at up to 8 cells; then the longest headers break inside a word; a
    # table wider still is printed a record at a time.
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

    def excess(widths: list[int | None]) -> int:
        return sum(w or t for w, t in zip(widths, text, strict=True)) + 3 * len(columns) + 1 - console().width

    def narrowed() -> list[int | None] | None:
        """Whole headers; while the table is too wide, the column whose header is the most wider than its figures
        gives up what is needed (down to its figures): as few headers as may be break inside a word (边际投入产出比,
        not 推广渠道 as well); None if it never fits."""
        widths, floor = fixed(True), fixed(False)
        while (need := excess(widths)) > 0:
            slack = {i: w - f for i, (w, f) in enumerate(zip(widths, floor, strict=True))
                     if w is not None and f is not None and w > f}
            if not slack:
                return None
            most = max(slack, key=lambda i: slack[i])
            widths[most] = max((floor[most] or 0), (widths[most] or 0) - need)
        return widths

    widths = narrowed()
    if widths is None:
        _print_records(title, shown, rows)
        return
    table = Table(title=title)
    for i, (col, label) in enumerate(zip(columns, shown, strict=True)):
        table.add_column(label, overflow="fold", justify="right" if col in units else "left", width=widths[i],
                         min_width=None if figure[i] else text[i])
    for r in rows:
        table.add_row(*r)
    console().print(table)


def _print_records(title: str, headers: list[str], rows: list[list[str]]) -> None:
    """A table too wide for the console as one record after another, each a column of header and value (as
    ``psql``'s expanded display): a dozen columns of figures folded into 80 cells cut every figure."""
    from rich.table import Table

    table = Table(title=title, show_header=False)
    table.add_column(overflow="fold", style="bold")
    table.add_column(overflow="fold")
    for r in rows:
        for i, (header, value) in enumerate(zip(headers, r, strict=True)):
            table.add_row(header, value, end_section=i == len(headers) - 1)
    console().print(table)


def print_rows(rows: list[dict[str, Any]], fmt: str, title: str, number: str = ",.4g") -> None:
    """Records printed as :func:`print_frame` prints a table."""
    import pandas as pd

    print_frame(pd.DataFrame(rows), fmt, title, number)
