"""The presets: one per platform export format (see docs/ingest.md for each mapping)."""

from __future__ import annotations

from junshi.errors import ConfigError
from junshi.ingest.presets import (
    alimama,
    cdnow,
    douyin_orders,
    douyin_settlement,
    ga4_bigquery,
    jd_orders,
    jd_shangzhi,
    olist,
    online_retail,
    pdd_orders,
    shopify,
    sycm,
    taobao_orders,
    taobao_userbehavior,
    woocommerce,
)
from junshi.ingest.presets.base import Preset

PRESETS: dict[str, Preset] = {p.name: p for p in [online_retail.PRESET, cdnow.PRESET, taobao_userbehavior.PRESET,
                                             taobao_orders.PRESET, shopify.PRESET, olist.PRESET,
                                             sycm.PRESET, alimama.PRESET, jd_shangzhi.PRESET, jd_orders.PRESET,
                                             pdd_orders.PRESET, douyin_orders.PRESET, douyin_settlement.PRESET,
                                             woocommerce.PRESET, ga4_bigquery.PRESET]}


def get_preset(name: str) -> Preset:
    """The preset called ``name``."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ConfigError(
            f"Unknown preset {name!r}.", f"未知预设 {name!r}。",
            hint_en="Known presets: " + ", ".join(PRESETS), hint_zh="已知预设：" + "、".join(PRESETS),
        ) from None


__all__ = ["PRESETS", "Preset", "get_preset"]
