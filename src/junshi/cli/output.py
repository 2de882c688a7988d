"""Printing results: JSON the same way for every command, and the Rich consoles (made on first use,
so that ``junshi --help`` does not import Rich)."""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def print_json(data: Any) -> None:
    """Print a result as indented JSON, Chinese text as is."""
    from junshi.jsonable import jsonable

    print(json.dumps(jsonable(data), ensure_ascii=False, indent=2))


@cache
def console() -> Console:
    """The console of results (stdout)."""
    from rich.console import Console

    return Console()


@cache
def err_console() -> Console:
    """The console of messages, progress and errors (stderr)."""
    from rich.console import Console

    return Console(stderr=True)
