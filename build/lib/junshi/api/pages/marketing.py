"""推广 Marketing: paid channels with their guard-rail flags, the spend ratio against the stage's band, attribution
models side by side, creatives and on-site search terms."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from junshi import Shop
from junshi.api.marketing_models import AbTestResponse, AttributionComparison
from junshi.api.models import AdviceItem, Card, Model, Trend
from junshi.api.pages import PageApi, period_endpoint
from junshi.api.views import cards, localise_advice, series
from junshi.errors import MissingDataError
from junshi.i18n import Lang
from junshi.jsonable import num
from junshi.marketing import ads, search
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
    from junshi.warehouse import Warehouse

    if not isinstance(shop.warehouse, Warehouse):  # a lake's or Spark's cursor is no cheap second reader
        return _page(shop, period, lang, lambda: _creative_tests(shop, period))
    with ThreadPoolExecutor(1) as pool:  # the tests' sums are one DuckDB query (1.7 s of 30 days at 104M events)
        # that runs without Python's GIL: on a cursor of its own, beside the rest of the page (3.45 -> 2.5-2.75 s)
        return _page(shop, period, lang, pool.submit(_tests_beside, shop, period).result)


def _tests_beside(shop: Shop, period: Period) -> list[AbTestResponse]:
    """The creative tests on a new cursor of the shop's DuckDB file (closed after)."""
    other = Shop(shop.warehouse.cursor(), shop.shop_id)
    try:
        return _creative_tests(other, period)
    finally:
        other.warehouse.close()


def _page(shop: Shop, period: Period, lang: Lang, creative_tests: Callable[[], list[AbTestResponse]]
          ) -> MarketingResponse:
    """The page, its creative tests asked for last (``creative_tests``: they may be under way beside it)."""
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
        attribution=_attribution(shop, period), creatives=creatives, **_search(shop, period),
        creative_tests=creative_tests())


API = PageApi(endpoint=period_endpoint("marketing", marketing), response=MarketingResponse)
