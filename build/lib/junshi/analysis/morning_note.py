"""Text output: a diagnosis, the alerts and the recommendations as an analyst's morning note (zh or en)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from junshi.analysis.advice import Advice
from junshi.analysis.alerts import Alert
from junshi.analysis.diagnosis import Cell, Diagnosis, Step, main_factor
from junshi.formats import format_change, format_value
from junshi.i18n import get_lang, tr
from junshi.metrics.dimensions import dimension_label, value_label
from junshi.vocab import CELL_VALUES, FACTORS, PRIORITIES, priority_name, severity_name

METRIC_NAMES = {"sales": ("Sales", "销售额"), "refund_amount": ("Refunds", "退款金额"),
                "gross_profit": ("Gross profit", "毛利")}


def _name(table: dict[str, tuple[str, str]], key: str) -> str:
    en, zh = table.get(key, (key, key))
    return tr(en, zh)


def _factor(factor: str) -> str:
    return FACTORS[factor].name.get(get_lang())


def _dim(dim: str) -> str:
    return dimension_label(dim, get_lang())


def _value(dim: str, value: str) -> str:
    cell = CELL_VALUES.get(value)
    return cell.get(get_lang()) if cell else value_label(dim, value, get_lang())


def _money(x: Decimal | float, currency: str, *, signed: bool = True) -> str:
    return format_value(float(x), "money", currency, change=signed)


def _pct(x: float | None) -> str:
    return format_change(x)


def _paid_value(diag: Diagnosis, dim: str, value: str) -> str:
    """A cell's value as shown (a product with its name); a source that can be bought is marked paid (付费)."""
    name = diag.shown(dim, value) if dim == "product" else _value(dim, value)
    return name + tr(" (paid)", "（付费）") if dim == "source" and value in diag.paid_sources else name


def _signal(diag: Diagnosis, currency: str) -> str:
    """Whether the total moved beyond its normal variation, with the expected range."""
    s = diag.signal
    if s is None or s.significant is None or s.low is None or s.high is None or s.expected is None:
        return tr("  Too little history to tell normal variation from a real change ({n} days of the {w} needed)",
                  "  历史数据不足，无法判断是否超出正常波动（有 {n} 天，需要 {w} 天）",
                  n=s.history_days if s else 0, w=s.needed_days if s else 0)
    exp, lo, hi = (_money(v, currency, signed=False) for v in (s.expected, s.low, s.high))
    if s.significant:
        return tr("  Beyond normal variation: expected {exp} (normal range {lo} ~ {hi})",
                  "  超出正常波动：预期 {exp}（正常区间 {lo} ~ {hi}）", exp=exp, lo=lo, hi=hi)
    within = tr("  Within normal variation: expected {exp} (normal range {lo} ~ {hi})",
                "  在正常波动范围内：预期 {exp}（正常区间 {lo} ~ {hi}）", exp=exp, lo=lo, hi=hi)
    if not diag.dimensions:
        return within
    return within + tr("; the split below describes the day, it is no reason to act",
                       "；以下拆解只描述当天，不构成行动理由")


def _significant(diag: Diagnosis, currency: str) -> list[str]:
    """The cells beyond their normal variation, largest contribution first (they lead the note)."""
    cells: list[tuple[str, Cell]] = sorted(
        ((dim, c) for dim, cs in diag.dimensions.items() for c in cs if c.significant),
        key=lambda x: -abs(x[1].contribution))
    if diag.signal is None:
        return []
    if not cells:
        return [tr("No cell moved beyond its normal variation (false discovery rate {q:.0%}).",
                   "没有任何维度值超出其正常波动（错误发现率 {q:.0%}）。", q=diag.fdr or 0)]
    lines = [tr("Beyond normal variation (false discovery rate {q:.0%}):", "超出正常波动的（错误发现率 {q:.0%}）：",
                q=diag.fdr or 0)]
    for dim, c in cells[:8]:
        factor = main_factor(c.effects, c.contribution)
        lines.append(tr("  {dim} {value}: {c}, mainly {factor} {fc} (p = {p:.1g})",
                        "  {dim} {value}：{c}，主要是{factor} {fc}（p = {p:.1g}）",
                        dim=_dim(dim), value=_paid_value(diag, dim, c.value), c=_money(c.contribution, currency),
                        factor=_factor(factor), fc=_pct(c.factor_changes.get(factor)), p=c.p_value or 0))
    return lines


def _step(diag: Diagnosis, step: Step, currency: str) -> str:
    factor = _factor(step.main_factor)
    change = step.factor_changes.get(step.main_factor)
    if change is not None:
        fc = _pct(change)
    elif not step.baseline:
        fc = tr("(none in the base period)", "（基期为零）")
    else:
        fc = tr("(none left)", "（降为零）")
    text = tr("{dim} {value}: {c} ({share:.0%} of the change), mainly {factor} {fc}",
              "{dim} {value}：{c}（占变化 {share:.0%}），主要是{factor} {fc}",
              dim=_dim(step.dimension), value=_paid_value(diag, step.dimension, step.value),
              c=_money(step.contribution, currency), share=step.share, factor=factor, fc=fc)
    since = step.facts.get("out_of_stock_since")
    if since:
        hour = step.facts.get("last_sale_hour")
        text += tr(" - out of stock since {d}", "——自 {d} 起断货", d=since)
        if hour is not None:
            text += tr(", last sale at {h}:00", "，最后一笔成交在 {h} 点", h=hour)
    return text


def diagnosis_text(diag: Diagnosis, currency: str, *, cells: int = 3) -> str:
    """The diagnosis as a few lines: headline, factor effects, the path, the biggest movers per dimension.

    Money is shown in ``currency``, the shop's.
    """
    t = diag.total
    lines = [tr("{m} {d} vs {b}: {cur} against {base} ({chg}, {pct})",
                "{m} {d} 对比 {b}：{cur}，基期 {base}（{chg}，{pct}）",
                m=_name(METRIC_NAMES, diag.metric), d=diag.current_period.label(), b=diag.baseline_period.label(),
                cur=_money(t.current, currency, signed=False), base=_money(t.baseline, currency, signed=False),
                chg=_money(t.change, currency), pct=_pct(t.pct_change))]
    effects = tr("; ", "；").join(
        f"{_factor(k)} {_money(v, currency)} ({_pct(t.factor_changes.get(k))})"
        for k, v in t.effects.items())
    lines.append(tr("  Effects: {e}", "  因素拆解：{e}", e=effects))
    if diag.signal is not None:
        lines.append(_signal(diag, currency))
    if "needs_sessions" in diag.notes:
        lines.append(tr("  (no visit data: visitors and conversion cannot be separated; buyers shown instead)",
                        "  （没有访问数据：无法区分访客数与转化率，改用买家数）"))
    lines += _significant(diag, currency)
    if diag.path:
        lines.append(tr("Why:", "原因："))
        for i, step in enumerate(diag.path):
            lines.append(f"  {'  ' * i}{'<- ' if i else ''}{_step(diag, step, currency)}")
    elif not diag.dimensions:
        lines.append(tr("No dimension splits the shop's figures (each has one value, or none is known).",
                        "店铺数据没有可拆分的维度（每个维度只有一个取值，或取值未知）。"))
    else:
        lines.append(tr("No single cell explains the change: it is spread across the shop.",
                        "没有单个维度值能解释这次变化：变化分散在全店。"))
    movers = [f"  {_dim(name)}: {top}" for name, cs in diag.dimensions.items()
              if (top := ", ".join(f"{_paid_value(diag, name, c.value)} {_money(c.contribution, currency)}"
                                   for c in cs[:cells] if c.contribution))]
    if movers:
        lines += [tr("Largest movers:", "变化最大的："), *movers]
    return "\n".join(lines)


def alerts_text(alerts: Sequence[Alert]) -> str:
    if not alerts:
        return tr("No alerts.", "没有预警。")
    lines = []
    for a in alerts:
        sev = a.severity if get_lang() == "en" else severity_name(a.severity).zh
        lines.append(f"[{sev}] {a.text()}")
        if a.diagnose:
            focus = "".join(f"  [{_dim(k)} {v}]" for k, v in a.diagnose.get("focus", {}).items())
            lines.append(f"    -> junshi diagnose --date {a.diagnose['date']} --vs {a.diagnose['vs']}{focus}")
    return "\n".join(lines)


def advice_text(advice: Sequence[Advice]) -> str:
    if not advice:
        return tr("Nothing to recommend today.", "今天没有建议。")
    lines = []
    for i, a in enumerate(advice, 1):
        pri = PRIORITIES[a.priority] if get_lang() == "en" else priority_name(a.priority).zh
        lines.append(f"{i}. [{pri}] {a.title()}")
        lines.append(f"   {a.text()}")
    return "\n".join(lines)


def morning_note(
    day: str, currency: str, diag: Diagnosis | None, alerts: Sequence[Alert], advice: Sequence[Advice]
) -> str:
    """The whole note: yesterday's diagnosis, today's alerts, the recommendations."""
    parts = [tr("Morning note for {d}", "{d} 晨报", d=day), ""]
    if diag is not None:
        parts += [diagnosis_text(diag, currency, cells=2), ""]
    parts += [tr("Alerts", "预警"), alerts_text(alerts[:8]), "", tr("Recommendations", "建议"), advice_text(advice)]
    return "\n".join(parts)
