"""The demo shop's service side: couriers with their own speed, and reviews that talk about aspects.

Each shipped order goes with one courier (``CARRIERS``); one of them is planted slow (parcels arrive a
day or two later, often after the promised day). Each review mentions a few aspects (物流, 尺码, 质量 ...)
positively or negatively, following what happened to the order: late parcels draw logistics complaints,
low item scores quality complaints; one clothing product is planted with size complaints (its item
scores fall with them). The planted problems go to ``sim_truth_service`` and each review's aspects to
``sim_truth_review_aspects``, so the analyses can be checked against what was written.

Draws come from a generator of their own (spawned from the day's), so the rest of the shop is unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np

from junshi.simulate.catalog import Catalog
from junshi.simulate.vocab import (
    CARRIERS,
    CATEGORIES,
    GENERIC_REVIEWS,
    REVIEW_CLAUSES,
    SLOW_CARRIER,
)
from junshi.vocab import REVIEW_ASPECTS

ASPECT_CODES = tuple(REVIEW_ASPECTS)
US_DAY = 86_400_000_000
PROMISE_DAYS = 4  # promised delivery: the paid day + 4 (orders.promised_at)
SIZE_COMPLAINT = 0.75  # share of the planted product's reviews that complain about its size


@dataclass(frozen=True)
class ServicePlan:
    """What the service side plants: the slow courier (index into CARRIERS) and the product with size
    complaints (catalogue index)."""

    slow_carrier: int
    size_product: int

    @classmethod
    def for_catalog(cls, catalog: Catalog) -> ServicePlan:
        """The size problem sits on the third most popular clothing product (not a presale one)."""
        clothing = [i for i in np.argsort(-catalog.popularity)
                    if not CATEGORIES[int(catalog.category[i])][3] and not catalog.is_presale[i]]
        return cls(SLOW_CARRIER, int(clothing[2]))

    def truth_rows(self, catalog: Catalog, lang: str) -> list[tuple[str, str | None, str | None, str, float, str, str]]:
        """Rows of ``sim_truth_service``: kind, carrier, product_id, aspect, effect, note_en, note_zh."""
        zh, en, _share, _speed, extra = CARRIERS[self.slow_carrier]
        pid = catalog.ids[self.size_product]
        return [
            ("slow_carrier", zh if lang == "zh" else en, None, "logistics", extra,
             f"{en} delivers {extra:g} days later on average: many parcels arrive after the promised day",
             f"{zh}平均晚到 {extra:g} 天：很多包裹晚于承诺日送达"),
            ("aspect_problem", None, pid, "size", SIZE_COMPLAINT,
             f"Product {pid} runs small: {SIZE_COMPLAINT:.0%} of its reviews complain about the size",
             f"商品 {pid} 尺码偏小：{SIZE_COMPLAINT:.0%} 的评价抱怨尺码"),
        ]


def carriers(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per order: courier code, travel-time factor and extra days (the slow courier's backlog)."""
    share = np.array([c[2] for c in CARRIERS])
    code = rng.choice(len(CARRIERS), n, p=share / share.sum())
    speed = np.array([c[3] for c in CARRIERS])[code]
    extra = np.array([c[4] for c in CARRIERS])[code] * rng.gamma(2.0, 0.5, n)
    return code, speed, extra


def review_aspects(rng: np.random.Generator, plan: ServicePlan, catalog: Catalog, product: np.ndarray,
                   late: np.ndarray, carrier: np.ndarray, d_item: np.ndarray, d_serv: np.ndarray,
                   d_log: np.ndarray, rating: np.ndarray) -> np.ndarray:
    """Per review and aspect (columns in ASPECT_CODES order): 1 praised, -1 complained about, 0 not said."""
    n = len(product)
    cosmetics = np.array([CATEGORIES[c][3] for c in range(len(CATEGORIES))])[catalog.category[product]]
    clothing = ~cosmetics
    size_bad = product == plan.size_product
    u = rng.random((n, len(ASPECT_CODES)))
    v = rng.random((n, len(ASPECT_CODES)))
    out = np.zeros((n, len(ASPECT_CODES)), np.int8)

    def put(aspect: str, said: np.ndarray, negative: np.ndarray) -> None:
        k = ASPECT_CODES.index(aspect)
        out[:, k] = np.where(said, np.where(negative, -1, 1), 0)

    slow = carrier == plan.slow_carrier
    put("logistics", u[:, 0] < np.where(late, 0.8, 0.3), late | (d_log <= 3))
    put("size", clothing & (u[:, 1] < np.where(size_bad, SIZE_COMPLAINT, 0.2)),
        np.where(size_bad, v[:, 1] < 0.9, v[:, 1] < 0.15))
    put("quality", u[:, 2] < 0.35, d_item <= 3)
    put("service", u[:, 3] < 0.12, d_serv <= 3)
    put("price", u[:, 4] < 0.12, (rating <= 3) & (v[:, 4] < 0.5))
    put("packaging", u[:, 5] < np.where(slow, 0.2, 0.1), v[:, 5] < np.where(slow, 0.5, 0.12))
    put("color", u[:, 6] < 0.12, (v[:, 6] < 0.2) | (d_item <= 2))
    put("smell", u[:, 7] < np.where(cosmetics, 0.12, 0.05), v[:, 7] < 0.3)
    put("workmanship", clothing & (u[:, 8] < 0.1), d_item <= 3)
    return out


UPSET = 0.2  # share of buyers of a badly late parcel or of the too-small product who rate everything low


def grievances(rng: np.random.Generator, plan: ServicePlan, product: np.ndarray, paid: np.ndarray,
               delivered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per order, the points its item score loses (the planted product runs small: 1) and the points
    every score loses (an upset buyer, after a parcel 2 days or more past the promise or the too-small
    product: 2)."""
    small = product == plan.size_product
    very_late = (delivered >= 0) & (delivered // US_DAY >= paid // US_DAY + PROMISE_DAYS + 2)
    upset = (small | very_late) & (rng.random(len(product)) < UPSET)
    return np.where(small, 1.0, 0.0), np.where(upset, 2.0, 0.0)


def review_texts(said: np.ndarray, carrier: np.ndarray, rating: np.ndarray, pick: np.ndarray, zh: bool) -> list[str]:
    """The text of each review from its aspects: clauses in a fixed order, a complaint after praise joined
    with 就是 / "but"; a review without aspects gets a generic line for its rating."""
    lang = 0 if zh else 1
    names = [c[lang] for c in CARRIERS]
    texts = []
    for row, car, r, p in zip(said.tolist(), carrier.tolist(), rating.tolist(), pick.tolist(), strict=True):
        parts: list[str] = []
        praised = False
        for k, pol in enumerate(row):
            if not pol:
                continue
            options = REVIEW_CLAUSES[ASPECT_CODES[k]][0 if pol > 0 else 1]
            clause = options[(p + k) % len(options)][lang].format(carrier=names[car] if car >= 0 else "")
            if pol < 0 and praised and not any("就是" in x or "but" in x for x in parts):
                clause = ("就是" if zh else "but ") + clause
            praised = praised or pol > 0
            parts.append(clause)
        if not parts:
            options = GENERIC_REVIEWS[int(r)]
            parts = [options[p % len(options)][lang]]
        texts.append(("，" if zh else ", ").join(parts) + ("。" if zh else "."))
    return texts


def arrived_late(paid: np.ndarray, delivered: np.ndarray) -> np.ndarray:
    """Whether each delivered order arrived after its promised day (paid day + PROMISE_DAYS)."""
    return (delivered >= 0) & (delivered // US_DAY > paid // US_DAY + PROMISE_DAYS)


# peers' DSR against the shop's own mean over the run: better on the item score, a little worse on service
DSR_PEERS = {"dsr_item": 0.04, "dsr_service": -0.03, "dsr_logistics": 0.02}


def write_dsr_peers(con: duckdb.DuckDBPyConnection, shop: str, rng: np.random.Generator) -> None:
    """Daily peer averages (benchmarks, level peer_avg) of the three DSR scores: the shop's mean over the
    whole run plus ``DSR_PEERS``, with a little day-to-day noise."""
    means = con.execute("SELECT avg(dsr_item), avg(dsr_service), avg(dsr_logistics), min(created_at)::DATE, "
                        "max(created_at)::DATE FROM reviews WHERE shop_id = ?", [shop]).fetchone()
    if means is None or means[0] is None:
        return
    days = (means[4] - means[3]).days + 1
    rows = [(shop, means[3] + dt.timedelta(days=i), metric, "peer_avg",
             round(float(mean) + shift + float(noise), 4))
            for (metric, shift), mean in zip(DSR_PEERS.items(), means[:3], strict=True)
            for i, noise in enumerate(rng.normal(0, 0.005, days))]
    con.executemany("INSERT INTO benchmarks (shop_id, date, metric, level, value) VALUES (?, ?, ?, ?, ?)", rows)


def drop_lost_review_truth(con: duckdb.DuckDBPyConnection, shop: str) -> None:
    """Forget what removed reviews said (the abuse planting replaces some orders' reviews)."""
    con.execute("DELETE FROM sim_truth_review_aspects WHERE shop_id = $1 AND review_id NOT IN "
                "(SELECT review_id FROM reviews WHERE shop_id = $1)", [shop])
