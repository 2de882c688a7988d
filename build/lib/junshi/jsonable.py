"""One conversion of analysis results to JSON-ready Python values, used by every face."""

from __future__ import annotations

import datetime as dt
import math
import sys
from decimal import Decimal
from typing import Any


def jsonable(value: Any) -> Any:
    """Recursively: numpy scalars to Python, NaN/NaT/NA to None, Decimal to float, dates to ISO strings.

    A timestamp at midnight is shown as its day (day, week and month values are days); any other
    timestamp keeps its time.
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or _pandas_missing(value):
        return None
    if isinstance(value, dt.datetime):  # pd.Timestamp too
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _pandas_missing(value: Any) -> bool:
    """Whether ``value`` is pandas's NaT or NA. Only pandas makes them, so where it is not imported yet (a page
    shell) this module does not import it (0.4 CPU s)."""
    pd = sys.modules.get("pandas")
    return pd is not None and (value is pd.NaT or value is pd.NA)


def num(value: Any) -> float | int | None:
    """A JSON number (None for missing values, NaN and NaT)."""
    if value is None or value != value:
        return None
    if hasattr(value, "item"):
        value = value.item()
    return value if isinstance(value, int) else float(value)
