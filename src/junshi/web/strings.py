"""Interface text of the dashboard in zh-CN and en (numbers' definitions come from the metric registry)."""

from __future__ import annotations

from junshi.i18n import Lang, Text

PAGES: list[tuple[str, str, Text]] = [
    ("overview", "/", Text("Overview", "首页")),
    ("traffic", "/traffic", Text("Traffic", "流量")),
    ("products", "/products", Text("Products", "商品")),
    ("transactions", "/transactions", Text("Transactions", "交易")),
    ("diagnosis", "/diagnosis", Text("Diagnosis", "诊断")),
    ("service", "/service", Text("Service", "服务")),
    ("customers", "/customers", Text("Customers", "客户")),
    ("data", "/data", Text("Data", "数据")),
]

UI: dict[str, Text] = {
    "app": Text("Junshi data center", "军师数据中心"),
    "date": Text("Date", "日期"),
    "period": Text("Period", "统计周期"),
    "start": Text("From", "开始日期"),
    "end": Text("To", "结束日期"),
    "kpi_tree": Text(
        "KPI tree: sales = visitors × conversion × spend per buyer", "指标树：销售额 = 访客数 × 支付转化率 × 客单价"
    ),
    "trend": Text("Daily trend", "每日趋势"),
    "alerts": Text("Alerts of the day", "当日预警"),
    "advice": Text("Recommendations", "运营建议"),
    "none": Text("Nothing to report.", "暂无。"),
    "sources": Text("Traffic sources", "流量来源"),
    "source_trend": Text("Visitors per source", "各来源访客趋势"),
    "landing": Text("Landing pages", "落地页"),
    "product_table": Text("Products", "商品明细"),
    "stock": Text("Stock", "库存"),
    "days_of_cover": Text("Days of cover", "可售天数"),
    "movers_up": Text("Movers up", "上升商品"),
    "movers_down": Text("Movers down", "下降商品"),
    "funnel": Text("Funnel", "转化漏斗"),
    "by_source": Text("By source", "按来源"),
    "by_device": Text("By device", "按终端"),
    "orders_refunds": Text("Orders, refunds and presale", "订单、退款与预售"),
    "waterfall": Text("Why sales moved", "销售额变化归因"),
    "compare_with": Text("Compared with", "对比基期"),
    "drill_hint": Text("Click a bar to drill down.", "点击柱形可下钻。"),
    "path": Text("Main causes", "主要原因"),
    "factors": Text("Factors (visitors × conversion × spend per buyer)", "因素（访客数 × 转化率 × 客单价）"),
    "dimension": Text("Dimension", "维度"),
    "dsr_trend": Text("DSR, 180-day rolling", "DSR 动态评分（近180天）"),
    "ratings": Text("Rating distribution", "评分分布"),
    "negative": Text("Latest negative reviews", "最新差评"),
    "shipping": Text("Shipping and delivery times", "发货与送达时长"),
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
    "file": Text("File", "文件"),
    "line": Text("Line", "行号"),
    "rows": Text("Rows", "行数"),
    "customers_rfm": Text("RFM groups", "RFM 客户分层"),
    "customers": Text("Customers", "客户数"),
    "action": Text("What to do", "运营动作"),
    "repurchase": Text("Repurchase (customers by number of orders)", "复购（按购买次数的客户分布）"),
    "median_gap": Text("median days between purchases", "购买间隔中位数"),
    "not_available": Text("Not available for this shop's data.", "该店铺的数据暂不支持此分析。"),
}


def ui_text(lang: Lang) -> dict[str, str]:
    """Every UI string in one language (sent to the page's script too)."""
    return {key: text(lang) for key, text in UI.items()}
