"""数据 Data: uploads (POST /api/ingest), the load summary, quarantined rows and the metric catalogue."""

from __future__ import annotations

from junshi.api.pages import Page
from junshi.i18n import Text
from junshi.metrics.dimensions import REGISTRY as DIMENSIONS

PAGE = Page(
    key="data", path="/data", title=Text("Data", "数据"), needs_period=False,
    text={
        "upload": Text("Upload files", "上传文件"),
        "drop_here": Text("Drop files here or click to choose", "将文件拖到此处，或点击选择"),
        "preset": Text("Preset", "预设格式"),
        "preset_auto": Text("Automatic (match column names)", "自动（按列名匹配）"),
        "table": Text("Table", "数据表"),
        "load_summary": Text("Load summary", "导入结果"),
        "quarantine": Text("Quarantined rows", "隔离的数据行"),
        "catalogue": Text("Metric catalogue (口径)", "指标口径"),
        "metric": Text("Metric", "指标"),
        "definition": Text("Definition", "定义"),
        "unit": Text("Unit", "单位"),
        "needs": Text("Needs tables", "所需数据表"),
        "file": Text("File", "文件"),
        "line": DIMENSIONS["line_no"].name,
    },
)
