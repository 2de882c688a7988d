"""Which traffic sources can be bought (付费流量): advice to "invest more" is only given for these.

A source can be bought when the shop has cost data for it (a channel of ``ad_spend``: the metric layer
reads a source as its ad channel) or when it is a known paid channel of a platform, named as the
platforms' traffic-source reports (生意参谋 来源明细, 京东商智 来源, ...) and their English equivalents name it.
Free sources (搜索 organic search, 直接访问, 推荐, 短信/邮件 ...) cannot be bought: more of them comes from
ranking, content and customers, not from a budget.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from junshi.errors import JunshiError

if TYPE_CHECKING:
    from junshi.shop import Shop

#: Paid channels by the names platforms and ad tools give them (compared case-insensitively).
PAID_CHANNELS: frozenset[str] = frozenset({
    # Taobao / Tmall (阿里妈妈)
    "直通车", "关键词推广", "引力魔方", "万相台", "万相台无界", "超级推荐", "钻展", "钻石展位", "品销宝", "明星店铺",
    "淘宝客", "超级直播", "极速推", "付费流量",
    # JD (京准通)
    "京准通", "京东快车", "快车", "京东直投", "购物触点", "京东展位", "京挑客", "京东海投",
    # Pinduoduo
    "多多搜索", "多多场景", "多多进宝", "全站推广", "多多搜索推广", "多多场景推广",
    # Douyin / Kuaishou
    "巨量千川", "千川", "随心推", "dou+", "磁力金牛",
    # English names (the demo shop's en sources, ad networks, UTM mediums)
    "cpc_ads", "display_ads", "affiliate", "cpc", "cpm", "cps", "ppc", "paid", "paid search", "paid_search",
    "paid social", "paid_social", "sem", "display", "google ads", "facebook ads", "meta ads", "tiktok ads",
    "microsoft ads", "amazon ads", "sponsored products",
})


def is_paid_name(source: str) -> bool:
    """A known paid channel of a platform, by its name."""
    return source.strip().casefold() in PAID_CHANNELS


def paid_sources(sources: Iterable[str], costed: Iterable[str] = ()) -> frozenset[str]:
    """The ``sources`` that can be bought: those with cost data (``costed``) and known paid channels."""
    with_cost = {str(c) for c in costed}
    return frozenset(s for s in map(str, sources) if s in with_cost or is_paid_name(s))


def costed_channels(shop: Shop) -> frozenset[str]:
    """Channels of the shop's ``ad_spend`` with a cost (the sources it pays for), empty without ad data; kept while
    the shop's data is unchanged (:func:`junshi.versioned.kept`)."""
    from junshi import versioned

    def read() -> frozenset[str]:
        try:
            t = shop.table("ad_spend")
            frame = t.filter(t["cost"] > 0).select("channel").distinct().execute()
        except JunshiError:
            return frozenset()
        return frozenset(str(c) for c in frame["channel"].dropna())

    return versioned.kept(shop, "costed_channels", read)
