"""Safe CSV and XLSX files: no exported cell can run as a spreadsheet formula (CSV injection).

Every CSV or XLSX file the project writes (audiences, reports, exports, ``--format csv``) goes
through this module (the dashboard's "download CSV", made in the browser, applies :func:`safe_text`'s rule in
``junshi.js``: ``safeText``, tested equal to it): :func:`write_csv`, :func:`write_xlsx` (one or several sheets) or
:func:`write_table` (picks by the file's suffix). Text cells that begin with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return get a leading ``'`` (OWASP's rule), so a buyer nickname such as
``=HYPERLINK(...)`` or ``@SUM(...)`` reaches Excel as text. Numbers stay numbers: numeric cells are
written as they are, and so is text that is a plain number (``-12.5``), which no spreadsheet runs.
XLSX cells also lose the control characters the format cannot hold, and time-zone-aware times keep
their clock time (Excel has no time zones).

>>> write_table(frame, "audience.xlsx")          # doctest: +SKIP
>>> write_xlsx({"sales": a, "refunds": b}, "report.xlsx")  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from junshi.errors import ConfigError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# What XLSX (XML 1.0) cannot hold: the C0 control characters other than tab, line feed and carriage return.
_NOT_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_text(value: str) -> str:
    """``value`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    if value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _safe_cell(value: Any) -> Any:
    return safe_text(value) if isinstance(value, str) else value


def safe_xlsx_cell(value: Any) -> Any:
    """One cell for openpyxl written cell by cell (e.g. with number formats): safe text without the control
    characters XLSX cannot hold; other values as they are."""
    return _NOT_IN_XLSX.sub("", safe_text(value)) if isinstance(value, str) else value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are safe (see :func:`safe_text`)."""
    out = frame.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_datetime64_any_dtype(out[col])):
            out[col] = out[col].astype(object).map(_safe_cell)
    out.columns = [_safe_cell(c) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, target: str | Path | TextIO, *, bom: bool = True) -> None:
    """Write ``frame`` (no index) as safe CSV (RFC 4180: CRLF rows, so a field holding a line break is
    quoted) to a file, UTF-8 with a BOM so that Excel reads Chinese text right (``bom=False`` for other
    programs), or to an open text stream such as stdout."""
    safe = neutralise(frame)
    if isinstance(target, str | Path):
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        safe.to_csv(path, index=False, encoding="utf-8-sig" if bom else "utf-8", lineterminator="\r\n")
    else:
        safe.to_csv(target, index=False, lineterminator="\r\n")


def _xlsx_ready(frame: pd.DataFrame) -> pd.DataFrame:
    out = neutralise(frame)
    for col in out.columns:
        series = out[col]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out[col] = series.dt.tz_localize(None)
        elif series.dtype == object:
            out[col] = series.map(lambda v: _NOT_IN_XLSX.sub("", v) if isinstance(v, str) else v)
    return out


def write_xlsx(sheets: pd.DataFrame | Mapping[str, pd.DataFrame], path: str | Path) -> None:
    """Write one frame, or {sheet name: frame} in order, as a safe XLSX workbook (no index)."""
    frames = {"Sheet1": sheets} if isinstance(sheets, pd.DataFrame) else dict(sheets)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, frame in frames.items():
            # Excel limits sheet names to 31 characters without []:*?/\
            _xlsx_ready(frame).to_excel(writer, sheet_name=re.sub(r"[\[\]:*?/\\]", "_", name)[:31], index=False)


def export_path(path: str | Path) -> Path:
    """``path`` as a Path when it names a .csv or .xlsx file (check before the work); a ConfigError otherwise."""
    out = Path(path)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise ConfigError(
            f"Cannot export to {out.name}: use a .csv or .xlsx file.",
            f"无法导出为 {out.name}：请使用 .csv 或 .xlsx 文件。",
            hint_en="E.g. --export audience.csv or --export audience.xlsx.",
            hint_zh="例如 --export audience.csv 或 --export audience.xlsx。",
        )
    return out


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as .csv or .xlsx by the file's suffix (see :func:`export_path`); returns the path."""
    out = export_path(path)
    if out.suffix.lower() == ".csv":
        write_csv(frame, out)
    else:
        write_xlsx(frame, out)
    return out
