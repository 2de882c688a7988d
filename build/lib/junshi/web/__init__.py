"""The web dashboard: Jinja2 page shells, static assets (ECharts vendored in the package) and UI text."""

from collections.abc import Iterable
from pathlib import Path

from junshi.errors import ConfigError

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATE_DIR = WEB_DIR / "templates"
ECHARTS = STATIC_DIR / "vendor" / "echarts.min.js"
# Every file all pages load (each page's own ES module besides); without one of them the charts, alerts or advice
# stay empty without an error.
ASSETS = (STATIC_DIR / "junshi.js", STATIC_DIR / "junshi.css", ECHARTS)


def check_assets(pages: Iterable[Path] = ()) -> None:
    """Refuse to serve a dashboard whose installed package lacks an asset the pages load (``pages``: their ES
    modules)."""
    missing = [str(p.relative_to(WEB_DIR)) for p in (*ASSETS, *pages) if not p.is_file() or not p.stat().st_size]
    if missing:
        names = ", ".join(missing)
        raise ConfigError(
            f"The dashboard cannot start: the installed package lacks {names} (in {WEB_DIR}).",
            f"看板无法启动：已安装的软件包缺少 {names}（位于 {WEB_DIR}）。",
            hint_en="Reinstall junshi (pip install --force-reinstall junshi); in a source checkout run "
            "`make echarts` (web/refresh-echarts.sh) to restore the vendored ECharts build.",
            hint_zh="请重新安装 junshi（pip install --force-reinstall junshi）；在源码目录中运行 "
            "`make echarts`（web/refresh-echarts.sh）恢复内置的 ECharts。",
        )
