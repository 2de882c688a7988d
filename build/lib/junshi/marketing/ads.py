"""Paid promotion (推广): channel, plan, unit, keyword and creative performance, and its guard rails.

Every figure comes from the metric layer (:mod:`junshi.metrics`), so ad rows of different attribution
settings are never added together (per channel, the setting most rows use answers: ``facts.one_attribution``)
and a plan report is never added to its keyword report (one level of detail per plan and day). The settings
used are reported with the figures.

Guard rails (DOMAIN.md): the promotion spend ratio (推广费占比) against the band of the shop's stage (launching
15-20%, growing ~10%, mature 3-5%), the spend ratio of the search-keyword channels (4-8%, above 10% a warning),
and the channels whose marginal return (the extra sales of the extra spend against the comparison period) fell
below break-even (1 / gross margin, known only where product costs are).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from junshi.errors import MetricError, MissingDataError
from junshi.i18n import Text
from junshi.jsonable import jsonable

if TYPE_CHECKING:
    from junshi.analysis.advice import Advice
    from junshi.shop import Shop

LEVELS: dict[str, tuple[str, ...]] = {
    "channels": ("channel",),
    "campaigns": ("channel", "campaign"),
    "units": ("channel", "campaign", "ad_group"),
    "keywords": ("channel", "campaign", "keyword"),
    "creatives": ("channel", "campaign", "creative"),
}
"""Each report's split (dimension ids of the metric layer)."""

AD_METRICS = ("impressions", "clicks", "ctr", "cpc", "cpm", "ad_cost", "ad_conversions", "ad_sales", "roas", "cpa")
COMPARES = {"previous": "previous", "last_week": "week", "last_year": "year"}
"""``--compare`` values and the metric layer's names for them."""

SPEND_SHARE = Text("Share of spend", "花费占比")
SPEND_SHARE_DEF = Text("The row's ad spend / the shop's ad spend of the period (all channels).",
                       "该行推广花费 / 全店同期推广花费（所有渠道）。")
MARGINAL_ROAS = Text("Marginal ROAS", "边际投入产出比")
MARGINAL_ROAS_DEF = Text(
    "(Ad sales - ad sales of the comparison period) / (ad spend - ad spend of the comparison period): what the "
    "extra spend brought. Given when the spend moved by 5% or more.",
    "（推广成交金额 - 对比期推广成交金额）/（推广花费 - 对比期推广花费）：新增花费带来的成交。花费变动 5% 以上时给出。")

Stage = Literal["launching", "growing", "mature"]
STAGES: dict[str, tuple[float, float]] = {"launching": (0.15, 0.20), "growing": (0.08, 0.12), "mature": (0.03, 0.05)}
"""Promotion spend ratio band (推广费占比) by the shop's stage (DOMAIN.md)."""
STAGE_NAMES = {"launching": Text("launching", "起步期"), "growing": Text("growing", "成长期"),
               "mature": Text("mature", "成熟期")}
KEYWORD_BAND = (0.04, 0.08)
KEYWORD_WARN = 0.10
"""Search-keyword spend / sales: 4-6% a department store, 6-8% a brand store; above 10% a warning (DOMAIN.md)."""
MIN_SPEND_MOVE = 0.05
"""The marginal return is given when a channel's spend moved by at least this share of its earlier spend."""
LAUNCH_DAYS, GROWTH = 90, 0.30
"""Stage inferred: launching when sales began less than 90 days before the period's end; growing when the last
90 days sold 30% more than the 90 before; else mature."""

#: Search-keyword ad channels (bought by keyword, paid per click), by the names platforms give them.
KEYWORD_CHANNELS = frozenset({
    "直通车", "关键词推广", "京东快车", "快车", "多多搜索", "多多搜索推广", "cpc_ads", "paid search", "paid_search",
    "sem", "google ads", "microsoft ads", "sponsored products",
})


def _float(value: Any) -> float | None:
    return None if value is None or value != value else float(value)


def _div(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def ad_days(shop: Shop, start: dt.date | str | None, end: dt.date | str | None) -> tuple[dt.date, dt.date]:
    """The period asked for; by default the 30 days up to the shop's last ad day."""
    from junshi.marketing.days import report_days

    return report_days(shop, "ad_spend", "date", start, end, MissingDataError(
        "The shop has no ad spend (ad_spend is empty).", "店铺没有推广花费数据（ad_spend 为空）。",
        hint_en="Load the ad platform's reports (直通车, 万相台, 引力魔方 ...) with junshi ingest.",
        hint_zh="请用 junshi ingest 导入推广平台的报表（直通车、万相台、引力魔方等）。"))


def _compare(compare: str | None) -> str | None:
    if compare is None:
        return None
    if compare not in COMPARES:
        raise MetricError(f"--compare {compare!r} is not one of {', '.join(COMPARES)}.",
                          f"--compare {compare!r} 不是 {', '.join(COMPARES)} 之一。",
                          hint_en="Write --compare previous, last_week or last_year.",
                          hint_zh="请写 --compare previous、last_week 或 last_year。")
    return COMPARES[compare]


@dataclass(frozen=True)
class Setting:
    """The attribution setting a channel's figures are under, and how many other settings were left out."""

    channel: str
    attribution_model: str | None
    attribution_basis: str | None
    attribution_window: str | None
    others: int


def settings(shop: Shop) -> list[Setting]:
    """Per channel, the setting the metric layer answers with (the one most rows use: ``one_attribution``)."""
    from junshi.metrics.facts import ATTRIBUTION, one_attribution
    from junshi.metrics.query import fetch

    t = shop.table("ad_spend")
    every = fetch(shop.warehouse, ("ad settings", shop.shop_id),
                  lambda *_: t.select("channel", *ATTRIBUTION).distinct()).to_pylist()
    kept = fetch(shop.warehouse, ("ad settings kept", shop.shop_id),
                 lambda *_: one_attribution(t).select("channel", *ATTRIBUTION).distinct()).to_pylist()
    out = [Setting(str(r["channel"]), r["attribution_model"], r["attribution_basis"], r["attribution_window"],
                   sum(1 for e in every if e["channel"] == r["channel"]) - 1) for r in kept]
    return sorted(out, key=lambda s: s.channel)


@dataclass(frozen=True, kw_only=True)
class Performance:
    """Ad figures split by ``by`` over a period: each row has the ad metrics, ``spend_share`` and, compared,
    ``<metric>_previous``, ``<metric>_change``, ``<metric>_change_pct``. ``total``: the shop's whole promotion
    (all channels) with its sales and spend ratio."""

    level: str
    by: tuple[str, ...]
    start: dt.date
    end: dt.date
    compare: str | None
    previous_start: dt.date | None
    previous_end: dt.date | None
    currency: str
    rows: list[dict[str, Any]]
    total: dict[str, Any]
    settings: list[Setting]
    notes: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "by": list(self.by), "start": self.start.isoformat(),
                "end": self.end.isoformat(), "compare": self.compare,
                "previous_start": jsonable(self.previous_start), "previous_end": jsonable(self.previous_end),
                "currency": self.currency, "metrics": [*AD_METRICS, "spend_share"],
                "rows": self.rows, "total": self.total, "settings": [asdict(s) for s in self.settings],
                "notes": self.notes}


def performance(shop: Shop, level: str = "channels", start: dt.date | str | None = None,
                end: dt.date | str | None = None, compare: str | None = None) -> Performance:
    """Impressions, clicks, CTR, CPC, CPM, spend, conversions, sales, ROAS, CPA and share of spend per channel,
    plan (``campaigns``), unit, keyword or creative, under each channel's own attribution setting."""
    if level not in LEVELS:
        raise MetricError(f"Unknown report {level!r}.", f"未知报表 {level!r}。",
                          hint_en=f"Choose one of {', '.join(LEVELS)}.", hint_zh=f"请选择 {', '.join(LEVELS)} 之一。")
    first, last = ad_days(shop, start, end)
    cmp = _compare(compare)
    by = LEVELS[level]
    split = shop.kpi(list(AD_METRICS), by=list(by), start=first, end=last, compare=cmp)
    whole = shop.kpi([*AD_METRICS, "sales", "spend_ratio"], start=first, end=last, compare=cmp)
    total = whole.records()[0]
    cost, cost_before = _float(total.get("ad_cost")), _float(total.get("ad_cost_previous"))
    rows = []
    for row in split.records():
        row["spend_share"] = _div(_float(row.get("ad_cost")), cost)
        if cmp:
            row["spend_share_previous"] = _div(_float(row.get("ad_cost_previous")), cost_before)
        rows.append(row)
    rows.sort(key=lambda r: -(_float(r.get("ad_cost")) or 0.0))
    total["spend_share"] = 1.0 if cost else None
    return Performance(level=level, by=by, start=first, end=last, compare=compare,
                       previous_start=split.previous_start, previous_end=split.previous_end,
                       currency=split.currency, rows=rows, total=total, settings=settings(shop),
                       notes=[n.to_dict() for n in split.notes])


# ---------------------------------------------------------------- guard rails


def infer_stage(shop: Shop, end: dt.date) -> Stage:
    """launching when the shop's sales began less than 90 days before ``end``; growing when its last 90 days
    sold at least 30% more than the 90 before; else mature (also when there is too little history to tell)."""
    r = shop.kpi("sales", by="day", start=end - dt.timedelta(days=2 * LAUNCH_DAYS - 1), end=end)
    sold = {dt.date.fromisoformat(str(d["day"])[:10]): _float(d["sales"]) or 0.0 for d in r.records()}
    days = [d for d, v in sold.items() if v > 0]
    if not days:
        return "mature"
    first = min(days)
    if (end - first).days + 1 < LAUNCH_DAYS and first > end - dt.timedelta(days=2 * LAUNCH_DAYS - 1):
        return "launching"
    cut = end - dt.timedelta(days=LAUNCH_DAYS)
    recent = sum(v for d, v in sold.items() if d > cut)
    before = sum(v for d, v in sold.items() if d <= cut)
    if first <= end - dt.timedelta(days=2 * LAUNCH_DAYS - 1) and before > 0 and recent / before - 1 >= GROWTH:
        return "growing"
    return "mature"


def _status(value: float | None, band: tuple[float, float], warn: float | None = None) -> str | None:
    """below / within / above the band (warning: above ``warn``)."""
    if value is None:
        return None
    if value < band[0]:
        return "below"
    if value <= band[1]:
        return "within"
    return "warning" if warn is not None and value > warn else "above"


@dataclass(frozen=True, kw_only=True)
class ChannelCheck:
    """One channel's return now and in the comparison period, its marginal return and the break-even line."""

    channel: str
    ad_cost: float | None
    ad_sales: float | None
    roas: float | None
    ad_cost_previous: float | None
    ad_sales_previous: float | None
    marginal_roas: float | None
    below_break_even: bool | None
    """The channel spent more than in the comparison period and the extra spend returned less than break-even
    (None: break-even or the marginal return unknown)."""


@dataclass(frozen=True, kw_only=True)
class GuardRails:
    """The period's promotion against its bands, per channel against break-even, and the advice that follows."""

    start: dt.date
    end: dt.date
    previous_start: dt.date | None
    previous_end: dt.date | None
    currency: str
    stage: str
    stage_inferred: bool
    band: tuple[float, float]
    sales: float | None
    ad_cost: float | None
    spend_ratio: float | None
    spend_status: str | None
    keyword_channels: list[str]
    keyword_cost: float | None
    keyword_ratio: float | None
    keyword_band: tuple[float, float]
    keyword_status: str | None
    gross_margin: float | None
    break_even_roas: float | None
    channels: list[ChannelCheck]
    advice: list[Advice]

    def as_dict(self) -> dict[str, Any]:
        out = {k: jsonable(v) for k, v in asdict(self).items() if k not in ("channels", "advice")}
        out["band"], out["keyword_band"] = list(self.band), list(self.keyword_band)
        out["channels"] = [asdict(c) for c in self.channels]
        out["advice"] = [a.to_json() for a in self.advice]
        return out


def guard_rails(shop: Shop, start: dt.date | str | None = None, end: dt.date | str | None = None,
                stage: str | None = None) -> GuardRails:
    """Spend ratio against the stage's band, keyword spend ratio against 4-8%, channels whose marginal return
    fell below break-even; ``stage`` launching, growing or mature (default: inferred, see :func:`infer_stage`)."""
    if stage is not None and stage not in STAGES:
        raise MetricError(f"Unknown stage {stage!r}.", f"未知店铺阶段 {stage!r}。",
                          hint_en="Choose launching, growing or mature.",
                          hint_zh="请选择 launching、growing 或 mature。")
    first, last = ad_days(shop, start, end)
    chosen: str = stage or infer_stage(shop, last)
    band = STAGES[chosen]
    shop_r = shop.kpi(["sales", "ad_cost", "spend_ratio", "cogs", "gross_margin", "break_even_roas"],
                      start=first, end=last)
    tot = shop_r.records()[0]
    by = shop.kpi(["ad_cost", "ad_sales", "roas"], by="channel", start=first, end=last, compare="previous")
    keyword = sorted(set(_keyword_channels(shop)) & {str(r["channel"]) for r in by.records()})
    kw_cost = sum(_float(r["ad_cost"]) or 0.0 for r in by.records() if str(r["channel"]) in keyword)
    sales = _float(tot["sales"])
    kw_ratio = _div(kw_cost, sales) if keyword else None
    known = bool(_float(tot["cogs"])) and (_float(tot["gross_margin"]) or 0.0) > 0  # no cost known: cogs 0
    margin = _float(tot["gross_margin"]) if known else None
    break_even = _float(tot["break_even_roas"]) if known else None
    checks = [_check(r, break_even) for r in by.records()]
    checks.sort(key=lambda c: -(c.ad_cost or 0.0))
    rails = GuardRails(
        start=first, end=last, previous_start=by.previous_start, previous_end=by.previous_end,
        currency=shop_r.currency, stage=chosen, stage_inferred=stage is None, band=band, sales=sales,
        ad_cost=_float(tot["ad_cost"]), spend_ratio=_float(tot["spend_ratio"]),
        spend_status=_status(_float(tot["spend_ratio"]), band), keyword_channels=keyword,
        keyword_cost=kw_cost if keyword else None, keyword_ratio=kw_ratio, keyword_band=KEYWORD_BAND,
        keyword_status=_status(kw_ratio, KEYWORD_BAND, KEYWORD_WARN),
        gross_margin=margin, break_even_roas=break_even, channels=checks, advice=[])
    from junshi.marketing.ads_advice import ads_advice

    return GuardRails(**{**rails.__dict__, "advice": ads_advice(rails)})


def _keyword_channels(shop: Shop) -> list[str]:
    """Channels bought by search keyword: known by name, or whose rows name keywords."""
    from junshi.metrics.query import fetch

    t = shop.table("ad_spend")
    names = fetch(shop.warehouse, ("ad keyword channels", shop.shop_id),
                  lambda *_: t.select("channel", "keyword").distinct()).to_pylist()
    return sorted({str(r["channel"]) for r in names
                   if r["keyword"] is not None or str(r["channel"]).strip().casefold() in KEYWORD_CHANNELS})


def _check(row: dict[str, Any], break_even: float | None) -> ChannelCheck:
    cost, sales = _float(row["ad_cost"]), _float(row["ad_sales"])
    cost0, sales0 = _float(row.get("ad_cost_previous")), _float(row.get("ad_sales_previous"))
    marginal = None
    if cost is not None and cost0 and abs(cost - cost0) >= MIN_SPEND_MOVE * cost0:
        marginal = ((sales or 0.0) - (sales0 or 0.0)) / (cost - cost0)
    below = None
    if break_even is not None and marginal is not None:
        below = bool(cost is not None and cost0 is not None and cost > cost0 and marginal < break_even)
    return ChannelCheck(channel=str(row["channel"]), ad_cost=cost, ad_sales=sales, roas=_float(row["roas"]),
                        ad_cost_previous=cost0, ad_sales_previous=sales0, marginal_roas=marginal,
                        below_break_even=below)
