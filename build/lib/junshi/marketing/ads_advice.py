"""Budget advice from the promotion guard rails (推广预算建议), each citing its numbers in zh and en."""

from __future__ import annotations

from typing import TYPE_CHECKING

from junshi.analysis.advice import Advice
from junshi.formats import format_value
from junshi.i18n import Text

if TYPE_CHECKING:
    from junshi.marketing.ads import GuardRails


def _pct(x: float | None) -> str:
    return format_value(x, "ratio")


def _band(lo: float, hi: float) -> str:
    """A band in whole percents, e.g. 3%-5%."""
    return f"{lo:.0%}-{hi:.0%}"


def ads_advice(g: GuardRails) -> list[Advice]:
    """Spend ratio out of the stage's band, keyword spend above 8% (10%: a warning), channels whose extra spend
    returned less than break-even, and break-even unknown for want of product costs."""
    from junshi.marketing.ads import STAGE_NAMES

    def money(x: float | None) -> str:
        return format_value(x, "money", g.currency)

    out: list[Advice] = []
    period = f"{g.start}~{g.end}"
    stage = STAGE_NAMES[g.stage]
    lo, hi = g.band
    band_nums = {"spend_ratio": g.spend_ratio, "ad_cost": g.ad_cost, "sales": g.sales, "stage": g.stage,
                 "band_low": lo, "band_high": hi}
    worst = min((c for c in g.channels if c.roas is not None), key=lambda c: c.roas or 0.0, default=None)
    if g.spend_status == "above":
        cut_en = f" {worst.channel} returns the least (ROAS {worst.roas:.2f}): cut it first." if worst else ""
        cut_zh = f"{worst.channel} 投入产出最低（{worst.roas:.2f}），先从它砍起。" if worst else ""
        out.append(Advice(
            rule="ads_spend_ratio", priority=1 if (g.spend_ratio or 0) > 2 * hi else 2, subject={},
            numbers=band_nums,
            title=Text(en="Promotion spend is above the band of the shop's stage",
                       zh="推广费占比高于店铺阶段的合理区间"),
            text=Text(
                en=f"{period}: ad spend {money(g.ad_cost)} is {_pct(g.spend_ratio)} of sales {money(g.sales)}, "
                   f"above {_band(lo, hi)} for a {stage.en} shop.{cut_en}",
                zh=f"{period}：推广花费 {money(g.ad_cost)} 占销售额 {money(g.sales)} 的 {_pct(g.spend_ratio)}，"
                   f"高于{stage.zh}店铺的 {_band(lo, hi)}。{cut_zh}")))
    elif g.spend_status == "below" and g.stage != "mature":
        out.append(Advice(
            rule="ads_spend_ratio", priority=3, subject={}, numbers=band_nums,
            title=Text(en="Promotion spend is below the band of the shop's stage",
                       zh="推广费占比低于店铺阶段的常见区间"),
            text=Text(
                en=f"{period}: ad spend is {_pct(g.spend_ratio)} of sales, below {_band(lo, hi)} for a {stage.en} "
                   "shop: there is room to buy traffic in the channels that return above break-even.",
                zh=f"{period}：推广费占比 {_pct(g.spend_ratio)}，低于{stage.zh}店铺的 {_band(lo, hi)}："
                   "可在投入产出高于盈亏平衡的渠道加投。")))
    if g.keyword_status in ("above", "warning"):
        klo, khi = g.keyword_band
        out.append(Advice(
            rule="ads_keyword_ratio", priority=1 if g.keyword_status == "warning" else 2,
            subject={"channels": ", ".join(g.keyword_channels)},
            numbers={"keyword_ratio": g.keyword_ratio, "keyword_cost": g.keyword_cost, "sales": g.sales,
                     "band_low": klo, "band_high": khi},
            title=Text(en="Keyword spend is above its band", zh="关键词推广费占比偏高"),
            text=Text(
                en=f"{period}: keyword ads ({', '.join(g.keyword_channels)}) spent {money(g.keyword_cost)}, "
                   f"{_pct(g.keyword_ratio)} of sales, above {_band(klo, khi)} (above 10% is a warning): "
                   "pause the keywords with the lowest return.",
                zh=f"{period}：关键词推广（{'、'.join(g.keyword_channels)}）花费 {money(g.keyword_cost)}，"
                   f"占销售额 {_pct(g.keyword_ratio)}，高于 {_band(klo, khi)}（超过 10% 需警惕）："
                   "先停投入产出最低的关键词。")))
    for c in g.channels:
        if not c.below_break_even or c.marginal_roas is None or g.break_even_roas is None:
            continue
        extra = (c.ad_cost or 0.0) - (c.ad_cost_previous or 0.0)
        gained = (c.ad_sales or 0.0) - (c.ad_sales_previous or 0.0)
        out.append(Advice(
            rule="ads_marginal_roas", priority=1, subject={"channel": c.channel},
            numbers={"marginal_roas": c.marginal_roas, "break_even_roas": g.break_even_roas, "extra_cost": extra,
                     "extra_sales": gained, "roas": c.roas, "gross_margin": g.gross_margin},
            value=extra - gained * (g.gross_margin or 0.0),
            title=Text(en=f"{c.channel}: the extra spend does not pay", zh=f"{c.channel}：新增花费不赚钱"),
            text=Text(
                en=f"{period}: {c.channel} spent {money(extra)} more than the period before and brought "
                   f"{money(gained)} more sales: a marginal ROAS of {c.marginal_roas:.2f}, below break-even "
                   f"{g.break_even_roas:.2f} (gross margin {_pct(g.gross_margin)}). Move that budget back or "
                   "to a channel above break-even.",
                zh=f"{period}：{c.channel} 比上一期多花 {money(extra)}，多带来成交 {money(gained)}，边际投入产出比 "
                   f"{c.marginal_roas:.2f}，低于盈亏平衡 {g.break_even_roas:.2f}（毛利率 {_pct(g.gross_margin)}）。"
                   "把这部分预算收回或转给高于盈亏平衡的渠道。")))
    if g.break_even_roas is None and g.channels:
        out.append(Advice(
            rule="ads_break_even_unknown", priority=3, subject={}, numbers={"gross_margin": g.gross_margin},
            title=Text(en="Break-even ROAS is unknown", zh="盈亏平衡投入产出比未知"),
            text=Text(
                en="Without product costs the gross margin, and so the ROAS at which a channel breaks even "
                   "(1 / gross margin), is unknown: load the products' cost to judge each channel's return.",
                zh="没有商品成本就无法得到毛利率，也就无法得到渠道的盈亏平衡投入产出比（1 / 毛利率）："
                   "请导入商品成本，以判断各渠道的回报。")))
    return sorted(out, key=lambda a: a.priority)
