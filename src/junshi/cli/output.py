"""Printing results: JSON the same way for every command."""

from __future__ import annotations

import json
from typing import Any

from junshi.jsonable import jsonable


def print_json(data: Any) -> None:
    """Print a result as indented JSON, Chinese text as is."""
    print(json.dumps(jsonable(data), ensure_ascii=False, indent=2))
