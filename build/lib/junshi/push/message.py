"""The short message a work chat gets: headline figures, the main cause, top alerts and recommendations."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from junshi.formats import format_value
from junshi.i18n import Lang, tr
from junshi.reports.html import title
from junshi.reports.model import Report

HEADLINE = ("sales", "uv", "payment_conversion_rate", "spend_per_buyer")
TOP = 3


@dataclass(frozen=True)
class Message:
    """What every channel shows, in one language; each channel lays it out in its own format."""

    title: str
    lang: Lang
    headline: list[str] = field(default_factory=list)
    status: str = ""  # a warning line (data incomplete, report failed); empty when all is well
    signal: str = ""  # within or beyond normal variation
    cause: str = ""
    alerts: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    link: str | None = None

    def label(self, key: str) -> str:
        en, zh = {"cause": ("Main cause", "主要原因"), "alerts": ("Alerts", "预警"),
                  "advice": ("Recommendations", "建议"), "link": ("Open the dashboard", "打开数据看板")}[key]
        return tr(en, zh, self.lang)

    def shorter(self) -> Message | None:
        """The message with one recommendation or alert fewer (None when nothing is left to drop)."""
        if self.advice:
            return replace(self, advice=self.advice[:-1])
        if self.alerts:
            return replace(self, alerts=self.alerts[:-1])
        return None

    def markdown(self, *, heading: str = "### ", bold: str = "**") -> str:
        """Markdown as DingTalk and WeCom read it (Slack's mrkdwn with ``bold="*"``)."""
        lines = [f"{heading}{self.title}"]
        if self.status:
            lines.append(f"> {self.status}")
        lines += [f"- {h}" for h in self.headline]
        if self.signal:
            lines.append(self.signal)
        if self.cause:
            lines.append(f"{bold}{self.label('cause')}{bold}: {self.cause}")
        for key, items in (("alerts", self.alerts), ("advice", self.advice)):
            if items:
                lines.append(f"{bold}{self.label(key)}{bold}")
                lines += [f"{i}. {text}" for i, text in enumerate(items, 1)]
        if self.link:
            lines.append(f"[{self.label('link')}]({self.link})")
        return "\n".join(lines)


def message_of(report: Report) -> Message:
    """The report's headline: sales and its three factors with their changes, the first cause, the top
    three alerts and recommendations, the dashboard link."""
    lang, cur = report.lang, report.currency
    vs = tr("vs", "对比", lang)
    headline = []
    for metric in HEADLINE:
        card = report.card(metric)
        if card is not None:
            change = format_value(card.change_pct, "ratio", change=True)
            headline.append(f"{card.name} {format_value(card.value, card.unit, cur)} ({vs} {change})")
    return Message(
        title=title(report), lang=lang, headline=headline, status="" if report.complete else report.status,
        signal=report.signal, cause=report.causes[0] if report.causes else "",
        alerts=[f"[{a.level}] {a.text}" for a in report.alerts[:TOP]],
        advice=[f"[{a.level}] {a.title}: {a.text}" for a in report.advice[:TOP]], link=report.dashboard_url)


def failure_message(what: str, error: str, lang: Lang, link: str | None = None) -> Message:
    """Sent instead of a report that could not be made: say so, never send a wrong report."""
    return Message(title=tr("{w}: not sent", "{w}：未发送", lang, w=what), lang=lang,
                   status=tr("The report could not be made: {e}", "报表无法生成：{e}", lang, e=error), link=link)
