"""One entry point for every report format."""

from __future__ import annotations

import re
from typing import Literal

from junshi.errors import ConfigError
from junshi.reports.model import Report

ReportFormat = Literal["html", "pdf", "xlsx"]
FORMATS: tuple[ReportFormat, ...] = ("html", "pdf", "xlsx")
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def report_format(value: str) -> ReportFormat:
    """``html``, ``pdf`` or ``xlsx``; a clear error otherwise."""
    for fmt in FORMATS:
        if value.lower() == fmt:
            return fmt
    raise ConfigError(f"Unknown report format {value!r}.", f"未知的报表格式 {value!r}。",
                      hint_en="Use html, pdf or xlsx.", hint_zh="请使用 html、pdf 或 xlsx。")


def file_name(report: Report, ext: str) -> str:
    """``junshi-<shop>-<period>-<last day>.<ext>``, safe in a header and on every file system."""
    shop = re.sub(r"[^A-Za-z0-9_.-]", "_", report.shop_id)
    return f"junshi-{shop}-{report.period}-{report.end.isoformat()}.{ext}"


def render(report: Report, fmt: ReportFormat) -> bytes:
    """The report as a file's bytes in ``fmt``."""
    if fmt == "pdf":
        from junshi.reports.pdf import render_pdf

        return render_pdf(report)
    if fmt == "xlsx":
        from junshi.reports.excel import render_xlsx

        return render_xlsx(report)
    from junshi.reports.html import render_html

    return render_html(report).encode("utf-8")
