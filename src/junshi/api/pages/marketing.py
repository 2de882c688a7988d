"""推广 Marketing: paid channels with their guard-rail flags, the spend ratio against the stage's band, attribution
models side by side, creatives and on-site search terms."""

from __future__ import annotations

from typing import Any

from junshi import Shop
from junshi.api.marketing_models import AbTestResponse, AttributionComparison
from junshi.api.models import AdviceItem, Card, Model, Trend
from junshi.api.pages import Page, period_endpoint
from junshi.api.views import cards, localise_advice, series
from junshi.errors import MissingDataError
from junshi.i18n import Lang, Text
from junshi.jsonable import num
from junshi.marketing import ads, search
from junshi.metrics.dimensions import REGISTRY as DIMENSIONS
from junshi.periods import Period

MARKETING_CARDS = ("ad_cost", "ad_sales", "roas", "spend_ratio", "ctr", "cpc")
FLAGS = ("below_break_even", "roas_below_break_even", "keyword_over_band")
"""Guard-rail flags of a channel: its extra spend returned less than break-even; its return is below break-even;
a keyword channel while the keyword spend ratio is above its band."""


class ChannelRow(Model):
    channel: str
    impressions: float | None
    clicks: float | None
    ctr: float | None
    cpc: float | None
    cpm: float | None
    ad_cost: float | None
    ad_conversions: float | None
    ad_sales: float | None
    roas: float | None
    cpa: float | None
    spend_share: float | None
    ad_cost_change_pct: float | None
    roas_change_pct: float | None
    marginal_roas: float | None
    setting: str
    flags: list[str]


class Guard(Model):
    stage: str
    stage_name: str
    stage_inferred: bool
    band: list[float]
    spend_ratio: float | None
    spend_status: str | None
    keyword_channels: list[str]
    keyword_ratio: float | None
    keyword_band: list[float]
    keyword_status: str | None
    gross_margin: float | None
    break_even_roas: float | None


class CreativeRow(Model):
    channel: str
    campaign: str | None
    creative: str | None
    impressions: float | None
    clicks: float | None
    ctr: float | None
    ad_cost: float | None
    ad_sales: float | None
    roas: float | None
    spend_share: float | None


class SearchRow(Model):
    query: str
    group: str
    searches: int
    searchers: int
    buyers: int
    conversion: float | None
    no_results: int
    searches_change_pct: float | None


class NoPurchaseRow(Model):
    query: str
    searchers: int
    non_buyers: int
    conversion: float | None
    product_id: str | None
    product_name: str | None
    product_visitors: int


class MarketingResponse(Model):
    start: str
    end: str
    cards: list[Card]
    channels: list[ChannelRow]
    guard: Guard | None
    spend_trend: Trend
    advice: list[AdviceItem]
    attribution: AttributionComparison | None
    creatives: list[CreativeRow]
    creative_tests: list[AbTestResponse]
    search_top: list[SearchRow]
    search_no_results: list[SearchRow]
    search_no_purchase: list[NoPurchaseRow]


def _setting(s: ads.Setting | None) -> str:
    return "" if s is None else " / ".join(v for v in (s.attribution_model, s.attribution_basis,
                                                        s.attribution_window) if v)


def _channels(perf: ads.Performance, rails: ads.GuardRails) -> list[ChannelRow]:
    checks = {c.channel: c for c in rails.channels}
    chosen = {s.channel: s for s in perf.settings}
    over = rails.keyword_status in ("above", "warning")
    out = []
    for r in perf.rows:
        name = str(r["channel"])
        check = checks.get(name)
        flags = [f for f, on in zip(FLAGS, (
            bool(check and check.below_break_even),
            rails.break_even_roas is not None and r["roas"] is not None and r["roas"] < rails.break_even_roas,
            over and name in rails.keyword_channels), strict=True) if on]
        out.append(ChannelRow(
            channel=name, **{k: num(r.get(k)) for k in (*ads.AD_METRICS, "spend_share", "ad_cost_change_pct",
                                                         "roas_change_pct")},
            marginal_roas=check.marginal_roas if check else None, setting=_setting(chosen.get(name)), flags=flags))
    return out


def _guard(g: ads.GuardRails, lang: Lang) -> Guard:
    return Guard(stage=g.stage, stage_name=ads.STAGE_NAMES[g.stage](lang), stage_inferred=g.stage_inferred,
                 band=list(g.band), spend_ratio=g.spend_ratio, spend_status=g.spend_status,
                 keyword_channels=g.keyword_channels, keyword_ratio=g.keyword_ratio, keyword_band=list(g.keyword_band),
                 keyword_status=g.keyword_status, gross_margin=g.gross_margin, break_even_roas=g.break_even_roas)


def _attribution(shop: Shop, period: Period) -> AttributionComparison | None:
    from junshi.marketing.attribution import compare

    try:
        return AttributionComparison.model_validate(compare(shop, start=period.start, end=period.end).as_dict())
    except MissingDataError:
        return None


def _creative_tests(shop: Shop, period: Period) -> list[AbTestResponse]:
    """The period's side-by-side tests of plans within a source, with their verdicts (junshi.marketing.abtest)."""
    from junshi.marketing.abtest import creative_tests

    try:
        return [AbTestResponse.model_validate(t.as_dict()) for t in creative_tests(shop, period.start, period.end)]
    except MissingDataError:
        return []


def _search(shop: Shop, period: Period) -> dict[str, Any]:
    try:
        r = search.search_report(shop, period.start, period.end, limit=15)
    except MissingDataError:
        return {"search_top": [], "search_no_results": [], "search_no_purchase": []}
    keys = SearchRow.model_fields
    return {"search_top": [SearchRow.model_validate({k: x[k] for k in keys}) for x in r.top],
            "search_no_results": [SearchRow.model_validate({k: x[k] for k in keys}) for x in r.no_results],
            "search_no_purchase": [NoPurchaseRow.model_validate({k: x[k] for k in NoPurchaseRow.model_fields})
                                   for x in r.no_purchase]}


def marketing(shop: Shop, period: Period, lang: Lang) -> MarketingResponse:
    """The period's paid channels (compared with the period before) under their guard rails, the daily spend ratio
    of the trend's days, the attribution models, creatives and their tests, and search terms."""
    channels: list[ChannelRow] = []
    creatives: list[CreativeRow] = []
    guard, advice = None, []
    try:
        perf = ads.performance(shop, "channels", period.start, period.end, compare="previous")
        rails = ads.guard_rails(shop, period.start, period.end)
        channels, guard = _channels(perf, rails), _guard(rails, lang)
        advice = localise_advice([a.to_json() for a in rails.advice], lang)
        creatives = [CreativeRow.model_validate({k: r.get(k) if k in ("channel", "campaign", "creative")
                                                 else num(r.get(k)) for k in CreativeRow.model_fields})
                     for r in ads.performance(shop, "creatives", period.start, period.end).rows]
    except MissingDataError:
        pass
    return MarketingResponse(
        start=period.start.isoformat(), end=period.end.isoformat(),
        cards=cards(shop, period, MARKETING_CARDS, lang), channels=channels, guard=guard,
        spend_trend=series(shop, ["spend_ratio"], period), advice=advice,
        attribution=_attribution(shop, period), creatives=creatives,
        creative_tests=_creative_tests(shop, period), **_search(shop, period))


PAGE = Page(
    key="marketing", path="/marketing", title=Text("Marketing", "推广"),
    summary="推广 Marketing: paid channels with guard rails, spend ratio against the stage's band, attribution "
            "models side by side, creatives, search terms",
    endpoint=period_endpoint("marketing", marketing), response=MarketingResponse,
    needs=("ad_spend", "searches", "events", "sessions"),
    missing=Text("No ad spend, search terms or visits are loaded for this shop, so this page is empty: load the ad "
                 "platforms' reports (万相台, 直通车, 引力魔方, 京准通 ...), a search-terms report or visit data with "
                 "junshi ingest.",
                 "本店尚未导入推广花费、搜索词或访问数据，本页为空：请用 junshi ingest 导入推广平台报表"
                 "（万相台、直通车、引力魔方、京准通等）、搜索词报表或访问数据。"),
    text={
        "channels": Text("Paid channels (under each channel's own attribution setting)",
                         "推广渠道（按各渠道自身的归因设置）"),
        "spend_band": Text("Promotion spend ratio against the stage's band", "推广费占比与店铺阶段的合理区间"),
        "ads_advice": Text("Budget advice", "预算建议"),
        "attribution": Text("Attribution models side by side (paid orders per source)",
                            "归因模型对比（各来源的成交笔数）"),
        "creatives": DIMENSIONS["creative"].name,
        "creative_tests": Text("Creative tests (plans side by side within a source)",
                               "创意测试（同一来源内的计划横向对比）"),
        "control": Text("Control", "对照"),
        "treatment": Text("Treatment", "实验"),
        "visitors_split": Text("Visitors (control : treatment)", "访客（对照 : 实验）"),
        "lift": Text("Conversion lift (95% CI)", "转化率提升（95% 置信区间）"),
        "verdict": Text("Verdict", "结论"),
        "search_top": Text("Top search terms", "热搜词"),
        "search_no_results": Text("Searches with no results", "无结果搜索词"),
        "search_no_purchase": Text("Searched but did not buy", "搜了没买的词"),
        "setting": Text("Attribution setting", "归因设置"),
        "flags": Text("Guard rails", "预警"),
        "flag_below_break_even": Text("extra spend below break-even", "新增花费低于盈亏平衡"),
        "flag_roas_below_break_even": Text("ROAS below break-even", "投入产出低于盈亏平衡"),
        "flag_keyword_over_band": Text("keyword spend above band", "关键词花费超区间"),
        "spend_share": ads.SPEND_SHARE,
        "marginal_roas": ads.MARGINAL_ROAS,
        "band": Text("Band", "合理区间"),
        "stage": Text("Stage", "店铺阶段"),
        "inferred": Text("inferred", "自动判断"),
        "unknown": Text("unknown (no product costs)", "未知（没有商品成本）"),
        "keyword_ratio": Text("Keyword spend ratio", "关键词推广费占比"),
        "model": Text("Model", "模型"),
        "group": Text("Group", "词组"),
        "searches": Text("Searches", "搜索次数"),
        "searchers": Text("Searchers", "搜索人数"),
        "buyers": Text("Buyers", "成交人数"),
        "search_conversion": Text("Search conversion", "搜索转化率"),
        "no_results": Text("No results", "无结果"),
        "non_buyers": Text("Did not buy", "未成交人数"),
        "looked_at": Text("Product they looked at", "看过的商品"),
        "change": Text("Change", "变化"),
    },
)
