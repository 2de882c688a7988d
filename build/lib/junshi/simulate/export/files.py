"""How platform exports look on disk: GBK CSV as Excel saves it, and 生意参谋 workbooks with a preamble.

The quirks are the platforms' own (see PLATFORMS.md): money with thousands separators, percentages as
text, ``-`` where a ratio has no denominator, long ids protected from Excel as ``="123..."``, report
titles and the period above the header row, a 合计 row under ad reports.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

Cell = str | int | float | None

NONE = "-"


def money(value: float | None) -> str:
    """``1234.5`` -> ``"1,234.50"`` (the platforms' money text)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "0.00"
    return f"{value:,.2f}"


def percent(value: float | None) -> str:
    """``0.0325`` -> ``"3.25%"``; ``-`` when undefined (no denominator)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NONE
    return f"{value * 100:.2f}%"


def number(value: float | None, digits: int = 2) -> str:
    """A plain decimal number (ratios such as 投入产出比); ``-`` when undefined."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NONE
    return f"{value:,.{digits}f}"


def count(value: float | None) -> int:
    """A count as an integer (0 when the metric has no rows)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0
    return int(value)


def excel_id(value: str) -> str:
    """A long id as Taobao writes it into CSV so that Excel keeps every digit: ``="3000000000000000123"``."""
    return f'="{value}"'


def item_id(product_id: str) -> str:
    """A 12-digit Taobao item id (商品ID) for a product; the seller's own code stays in 货号 / 商家编码."""
    digits = "".join(ch for ch in product_id if ch.isdigit())
    if not digits:
        digits = str(int(hashlib.sha256(product_id.encode()).hexdigest(), 16) % 10**11)
    return "6" + digits.zfill(11)[-11:]


def stamp(value: dt.datetime | None) -> str:
    """A shop-local time as the exports write it, to the second; empty for none."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


def write_gbk_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Path:
    """A CSV file in GBK with CRLF line ends, as Excel on a Chinese Windows saves it."""
    with path.open("w", encoding="gbk", errors="replace", newline="") as f:
        out = csv.writer(f, lineterminator="\r\n")
        out.writerow(header)
        out.writerows(rows)
    return path


def write_sycm_xlsx(path: Path, title: str, start: dt.date, end: dt.date, header: Sequence[str],
                    rows: Iterable[Sequence[Cell]]) -> Path:
    """A 生意参谋 download: the report title and its period above the header row, first sheet only."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append([title])
    sheet.append([f"统计时间：{start.isoformat()} ~ {end.isoformat()}"])
    sheet.append([])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def sycm_name(report: str, start: dt.date, end: dt.date) -> str:
    """生意参谋's file name, which carries the period: ``【生意参谋平台】店铺来源_2026-03-01_2026-03-01.xlsx``."""
    return f"【生意参谋平台】{report}_{start.isoformat()}_{end.isoformat()}.xlsx"
