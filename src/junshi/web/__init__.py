"""The web dashboard: Jinja2 page shells, static assets (ECharts vendored by the set-up) and UI text."""

from pathlib import Path

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATE_DIR = WEB_DIR / "templates"
ECHARTS = STATIC_DIR / "vendor" / "echarts.min.js"
