"""Why rows are quarantined: each reason is stored in English and shown in the interface language."""

from __future__ import annotations

from junshi.i18n import tr

ZH: dict[str, str] = {
    "missing value": "缺少必填值",
    "not a number": "不是数字",
    "not a whole number": "不是整数",
    "not a date/time": "不是日期时间",
    "not true/false": "不是是/否值",
    "negative quantity": "数量为负（且不是退款）",
    "negative price": "单价为负",
    "negative amount": "金额为负",
    "paid before created": "付款时间早于下单时间",
    "rating outside 1-5": "评分不在 1-5 之间",
    "unknown event type": "未知行为类型",
    "duplicate key": "主键重复（同一文件中后面有相同主键的行）",
    "adjustment invoice": "调整单（A 开头的发票，非销售）",
    "positive quantity in a cancellation": "退货单中数量为正",
    "malformed row": "行格式错误（字段数不对）",
    "negative value": "数值为负",
    "several days in one row": "一行覆盖多天（推广数据按天导入）",
    "period ends before it starts": "统计时间的结束早于开始",
    "id in scientific notation": "ID 被表格软件写成了科学计数法（数字已丢失）",
    "order amounts differ between rows": "同一订单各行的订单金额不一致",
    "unpaid order without a time": "未成交订单（没有成交时间，无法归入某一天）",
    "unknown direction (入账/出账)": "动账方向不是入账或出账",
    "bad line item": "订单明细无法读取（数量或金额不对）",
    "repeated purchase event": "重复的购买事件（同一 transaction_id 已出现）",
}


def show(reason: str) -> str:
    """A stored reason (``code`` or ``code: column``) in the interface language."""
    parts = []
    for one in reason.split("; "):
        code, _, col = one.partition(": ")
        zh = ZH.get(code, code) + (f"：{col}" if col else "")
        parts.append(tr(one, zh))
    return "; ".join(parts)
