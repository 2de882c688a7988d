"""The report as PDF: the HTML page laid out by WeasyPrint, Chinese in a CJK font the set-up installs."""

from __future__ import annotations

from junshi.errors import ConfigError
from junshi.reports.html import render_html
from junshi.reports.model import Report


def render_pdf(report: Report) -> bytes:
    """A4 pages with extractable text (fonts embedded). Needs Debian's pango (``make test`` installs it) and a
    CJK font (fonts-wqy-microhei or fonts-noto-cjk); without one, Chinese would print as empty boxes."""
    try:
        import weasyprint
    except OSError as exc:  # WeasyPrint is installed but the system's pango library is not
        raise ConfigError(
            f"PDF output needs the pango library: {exc}", f"生成 PDF 需要 pango 库：{exc}",
            hint_en="Install it: apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-microhei; or use "
                    "--format html or xlsx.",
            hint_zh="请安装：apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-microhei；或改用 "
                    "--format html 或 xlsx。") from exc
    pdf: bytes = weasyprint.HTML(string=render_html(report)).write_pdf()
    return pdf
