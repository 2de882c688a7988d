"""Interface text every page of the dashboard shows, in zh-CN and en (a page's own text is in its module under
:mod:`junshi.api.pages`; numbers' definitions come from the metric registry)."""

from __future__ import annotations

from collections.abc import Mapping

from junshi.i18n import Lang, Text
from junshi.metrics.dimensions import REGISTRY as DIMENSIONS

UI: dict[str, Text] = {
    "app": Text("Junshi data center", "军师数据中心"),
    "date": DIMENSIONS["day"].name,
    "period": Text("Period", "统计周期"),
    "start": Text("From", "开始日期"),
    "end": Text("To", "结束日期"),
    "advice": Text("Recommendations", "运营建议"),
    "none": Text("Nothing to report.", "暂无。"),
    "product_table": Text("Products", "商品明细"),
    "value": Text("Value", "数值"),
    "change": Text("Change", "变化"),
    "contribution": Text("Contribution", "贡献"),
    "share": Text("Share", "占比"),
    "loading": Text("Loading…", "加载中…"),
    "error": Text("Error", "错误"),
    "login": Text("Log in", "登录"),
    "token": Text("Access token", "访问令牌"),
    "login_help": Text(
        "Open the login URL printed by `junshi serve`, or paste its token here.",
        "请打开 `junshi serve` 打印的登录地址，或在此粘贴令牌。",
    ),
    "login_failed": Text("Wrong token.", "令牌错误。"),
    "reason": Text("Reason", "原因"),
    "rows": Text("Rows", "行数"),
    "rows_all": Text("{rows} rows", "共 {rows} 行"),
    "rows_first": Text("The first {shown} of {rows} rows", "显示前 {shown} 行，共 {rows} 行"),
    "show_all": Text("Show all {rows}", "显示全部 {rows} 行"),
    "download_csv": Text("Download CSV", "下载 CSV"),
    "not_available": Text("Not available for this shop's data.", "该店铺的数据暂不支持此分析。"),
}


def ui_text(lang: Lang, page: Mapping[str, Text] | None = None) -> dict[str, str]:
    """The common UI strings and a page's own (its :attr:`Page.text`) in one language (sent to its script too)."""
    return {key: text(lang) for key, text in {**UI, **(page or {})}.items()}
