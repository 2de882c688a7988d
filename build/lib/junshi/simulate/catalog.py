"""The demo shop's catalogue and its paid campaigns, drawn once from the seed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from junshi.simulate.vocab import BRANDS_EN, BRANDS_ZH, CATEGORIES, SOURCE_INDEX


@dataclass
class Catalog:
    """Products as parallel arrays (index = product code; ``ids[i]`` is the product_id)."""

    ids: list[str]
    names: list[str]
    category: np.ndarray  # int: index into CATEGORIES
    brand: list[str]
    price_cents: np.ndarray
    cost_cents: np.ndarray
    popularity: np.ndarray  # sums to 1
    conversion: np.ndarray  # multiplier of the source conversion
    quality: np.ndarray  # 0..1, drives refunds, ratings and DSR
    initial_stock: np.ndarray
    is_presale: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Creative:
    """One paid creative: its channel (source code), campaign, ad group, landing product and economics."""

    source: int
    campaign: str
    ad_group: str
    name: str
    landing: int
    click_share: float  # share of its channel's clicks
    ctr: float
    price: float  # CPC in yuan, CPM in yuan, or CPS commission rate


def build_catalog(rng: np.random.Generator, lang: str, per_category: int = 4) -> Catalog:
    """About 50 products over 14 categories with prices, costs, stock and a few presale items."""
    zh = lang == "zh"
    ids: list[str] = []
    names: list[str] = []
    cats: list[int] = []
    brands: list[str] = []
    prices: list[int] = []
    for ci, (czh, cen, (lo, hi), _cosm, stems_zh, stems_en) in enumerate(CATEGORIES):
        n = per_category if ci < 8 else per_category - 1
        for j in range(n):
            stem = (stems_zh if zh else stems_en)[j % len(stems_zh)]
            variant = j // len(stems_zh)
            name = f"{stem}{czh}" if zh else f"{stem} {cen.lower().rstrip('s')}"
            if variant:
                name += f" {variant + 1}代" if zh else f" v{variant + 1}"
            ids.append(f"P{len(ids) + 1:04d}")
            names.append(name)
            cats.append(ci)
            b = int(rng.integers(len(BRANDS_ZH)))
            brands.append(BRANDS_ZH[b] if zh else BRANDS_EN[b])
            yuan = int(rng.integers(lo, hi + 1))
            prices.append(yuan * 100 - (10 if rng.random() < 0.5 else 0))
    n = len(ids)
    price = np.array(prices, dtype=np.int64)
    cost = np.round(price * rng.uniform(0.3, 0.55, n)).astype(np.int64)
    pop = (1.0 / np.arange(1, n + 1) ** 0.9)[rng.permutation(n)] * rng.uniform(0.8, 1.2, n)
    pop = pop / pop.sum()
    conversion = np.exp(rng.normal(0, 0.25, n))
    quality = np.clip(rng.beta(6, 2, n), 0.2, 0.99)
    is_presale = np.zeros(n, dtype=bool)
    # the presale items: new-season coats and a serum
    for ci in (5, 10):
        is_presale[np.flatnonzero(np.array(cats) == ci)[-1]] = True
    stock = (pop * 40000 + 200).astype(np.int64)
    return Catalog(ids, names, np.array(cats), brands, price, cost, pop, conversion, quality, stock, is_presale)


def build_creatives(rng: np.random.Generator, catalog: Catalog, lang: str) -> list[Creative]:
    """Campaigns of the three paid channels; the first 直通车 campaign is the main one (most clicks)."""
    zh = lang == "zh"
    order = np.argsort(-catalog.popularity)
    regular = [int(i) for i in order if not catalog.is_presale[i]]
    hero, second, display = regular[0], regular[3], regular[1]
    cpc, cpm, cps = SOURCE_INDEX["直通车"], SOURCE_INDEX["钻展"], SOURCE_INDEX["淘宝客"]

    def t(z: str, e: str) -> str:
        return z if zh else e

    out = [
        Creative(cpc, t("主推款-爆款", "Hero product"), t("核心词", "core keywords"), t("主图A", "image A"),
                 hero, 0.50, 0.042, 1.10),
        Creative(cpc, t("主推款-爆款", "Hero product"), t("核心词", "core keywords"), t("主图B", "image B"),
                 hero, 0.28, 0.025, 1.45),
        Creative(cpc, t("拉新计划", "New buyers"), t("长尾词", "long-tail keywords"), t("主图C", "image C"),
                 second, 0.22, 0.031, 0.90),
        Creative(cpm, t("首页焦点图", "Home banner"), t("人群定向", "audience"), t("海报1", "poster 1"),
                 display, 0.65, 0.012, 28.0),
        Creative(cpm, t("首页焦点图", "Home banner"), t("人群定向", "audience"), t("海报2", "poster 2"),
                 display, 0.35, 0.006, 30.0),
        Creative(cps, t("淘宝客通用", "Affiliates"), t("通用", "general"), t("默认", "default"),
                 regular[2], 1.0, 0.05, 0.10),
    ]
    for c in out:
        c.ctr *= float(np.exp(rng.normal(0, 0.05)))
    return out
