"""RFM: recency, frequency, monetary scores and the classic eight customer groups (RFM 客户分群).

Each customer who bought on or before the ``as_of`` day gets
recency_days (days since the last purchase day), frequency (paid orders) and monetary (amount paid),
each scored 1-5 by quintile (5 = best: most recent, most orders, most spent; ties share a score).
The eight groups split each of R, F and M into high / low against its mean over the customers, as in
the classic Chinese RFM model:

====  ====  ====  ======================  ==========================
R     F     M     group                   English
====  ====  ====  ======================  ==========================
high  high  high  重要价值客户            Champions
high  low   high  重要发展客户            Promising big spenders
low   high  high  重要保持客户            Loyal, slipping away
low   low   high  重要挽留客户            At risk
high  high  low   一般价值客户            Loyal low spenders
high  low   low   一般发展客户            New and occasional
low   high  low   一般保持客户            Hibernating regulars
low   low   low   一般挽留客户            Lost
====  ====  ====  ======================  ==========================

"R high" means more recent than average (fewer days since the last purchase).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from junshi.customers.ledger import EPOCH, purchase_days
from junshi.customers.summary import TableSource, last_purchase_day
from junshi.errors import MissingDataError
from junshi.periods import parse_day


@dataclass(frozen=True)
class RFMGroup:
    """One of the eight RFM groups: its key, names and what to do with it."""

    key: str
    zh: str
    en: str
    r_high: bool
    f_high: bool
    m_high: bool
    action_en: str
    action_zh: str


GROUPS: tuple[RFMGroup, ...] = (
    RFMGroup(
        "champions",
        "重要价值客户",
        "Champions",
        True,
        True,
        True,
        "Reward them; early access and member perks.",
        "重点维护：会员权益、新品优先。",
    ),
    RFMGroup(
        "promising",
        "重要发展客户",
        "Promising big spenders",
        True,
        False,
        True,
        "Raise frequency: follow-up offers, related products.",
        "提高购买频次：关联推荐、复购券。",
    ),
    RFMGroup(
        "slipping",
        "重要保持客户",
        "Loyal, slipping away",
        False,
        True,
        True,
        "Win back now: personal contact, strong offer.",
        "主动联系召回：专属优惠、客服回访。",
    ),
    RFMGroup(
        "at_risk",
        "重要挽留客户",
        "At risk",
        False,
        False,
        True,
        "Find out why they stopped; targeted win-back.",
        "了解流失原因，定向挽留。",
    ),
    RFMGroup(
        "loyal_low",
        "一般价值客户",
        "Loyal low spenders",
        True,
        True,
        False,
        "Raise basket size: bundles, thresholds for free shipping.",
        "提高客单价：组合购、满减包邮。",
    ),
    RFMGroup(
        "new",
        "一般发展客户",
        "New and occasional",
        True,
        False,
        False,
        "Second purchase: welcome series, first-repeat coupon.",
        "促成二次购买：新客关怀、复购券。",
    ),
    RFMGroup(
        "hibernating",
        "一般保持客户",
        "Hibernating regulars",
        False,
        True,
        False,
        "Low-cost reminders (SMS, e-mail) at big promotions.",
        "低成本唤醒：大促前短信、邮件提醒。",
    ),
    RFMGroup(
        "lost",
        "一般挽留客户",
        "Lost",
        False,
        False,
        False,
        "Low priority; include only in broad campaigns.",
        "低优先级：仅在大范围活动中触达。",
    ),
)
GROUP_BY_KEY = {g.key: g for g in GROUPS}
_BY_FLAGS = {(g.r_high, g.f_high, g.m_high): g for g in GROUPS}


def _score(values: pd.Series, higher_is_better: bool) -> pd.Series:
    """Quintile score 1-5 by average rank (deterministic with ties)."""
    pct = values.rank(pct=True, method="average", ascending=higher_is_better)
    return (pct * 5).apply(np.ceil).clip(1, 5).astype(int)


def _values(src: TableSource, day: dt.date) -> dict[str, Any]:
    """Per customer who bought on or before ``day`` (from :mod:`junshi.customers.ledger`): customer (index into
    ``ids``), last (purchase day, days since 1970-01-01), recency_days, frequency (paid orders), cents (amount
    paid) and flags (r_high * 4 + f_high * 2 + m_high: better than the customers' mean)."""
    days = purchase_days(src).upto(day)
    customer, last, frequency, cents = days.per_customer()
    n = len(customer)
    if not n:
        raise _no_customers(day)
    recency = (day - EPOCH).days - last
    # better than the mean, exactly: x > sum / n  <=>  x * n > sum (integers: no rounding of the mean)
    r_high = recency * n < recency.sum()
    f_high = frequency * n > frequency.sum()
    m_high = cents * n > cents.sum()
    return {"ids": days.ids, "customer": customer, "last": last, "recency_days": recency, "frequency": frequency,
            "cents": cents, "flags": r_high * 4 + f_high * 2 + m_high}


def _as_of(src: TableSource, as_of: dt.date | str | None) -> dt.date:
    return parse_day(as_of, "as-of date") if as_of is not None else last_purchase_day(src.table("orders"))


def _no_customers(day: dt.date) -> MissingDataError:
    return MissingDataError(
        f"No paid orders of known customers on or before {day}.",
        f"{day} 及之前没有已知客户的已付款订单。",
        hint_en="Load orders (junshi ingest) or choose a later date.",
        hint_zh="请导入订单（junshi ingest）或选择更晚的日期。",
    )


_FLAGS = {r * 4 + f * 2 + m: g for (r, f, m), g in _BY_FLAGS.items()}


def rfm(src: TableSource, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """RFM table of every customer who bought on or before ``as_of`` (default: the last purchase day).

    Columns: customer_id, recency_days, frequency (paid orders), monetary (amount paid),
    last_purchase (date), r_score, f_score, m_score (1-5), rfm_score ("555"), r_high, f_high, m_high,
    group (key), group_zh, group_en. Sorted by customer_id.
    """
    v = _values(src, _as_of(src, as_of))
    frame = pd.DataFrame({
        "customer_id": v["ids"].take(pa.array(v["customer"])).to_numpy(zero_copy_only=False),
        "recency_days": v["recency_days"].astype(int), "frequency": v["frequency"], "monetary": v["cents"] / 100,
        "last_purchase": pd.to_datetime(v["last"], unit="D"),
    })
    frame["r_score"] = _score(frame.recency_days, higher_is_better=False)
    frame["f_score"] = _score(frame.frequency, higher_is_better=True)
    frame["m_score"] = _score(frame.monetary, higher_is_better=True)
    frame["rfm_score"] = frame.r_score.astype(str) + frame.f_score.astype(str) + frame.m_score.astype(str)
    flags = pd.Series(v["flags"])
    frame["r_high"], frame["f_high"], frame["m_high"] = flags >= 4, flags % 4 >= 2, flags % 2 == 1
    frame["group"] = flags.map({k: g.key for k, g in _FLAGS.items()})  # mapped per column, not per customer
    frame["group_zh"] = flags.map({k: g.zh for k, g in _FLAGS.items()})
    frame["group_en"] = flags.map({k: g.en for k, g in _FLAGS.items()})
    return frame


def rfm_groups(src: TableSource, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Size and profile of each of the eight groups of :func:`rfm` as of ``as_of`` (all eight, zero when empty).

    Columns: group, group_zh, group_en, customers, share, revenue, revenue_share, mean_recency_days,
    mean_frequency, mean_monetary, action_en, action_zh.
    """
    v = _values(src, _as_of(src, as_of))
    flags = v["flags"]
    # per group (flags 0-7): float sums of integers, exact below 2**53 (cents: 90 trillion yuan)
    sizes = np.bincount(flags, minlength=8)
    sums = {k: np.bincount(flags, weights=v[k], minlength=8) for k in ("cents", "recency_days", "frequency")}
    total_n, total_cents = len(flags), int(sums["cents"].sum())
    rows = []
    for g in GROUPS:
        k = g.r_high * 4 + g.f_high * 2 + g.m_high
        n, cents = int(sizes[k]), int(sums["cents"][k])
        rows.append(
            {
                "group": g.key,
                "group_zh": g.zh,
                "group_en": g.en,
                "customers": n,
                "share": n / total_n,
                "revenue": cents / 100,
                "revenue_share": cents / total_cents if total_cents else 0.0,
                "mean_recency_days": int(sums["recency_days"][k]) / n if n else None,
                "mean_frequency": int(sums["frequency"][k]) / n if n else None,
                "mean_monetary": cents / (100 * n) if n else None,
                "action_en": g.action_en,
                "action_zh": g.action_zh,
            }
        )
    return pd.DataFrame(rows)


def rfm_movement(src: TableSource, date_from: dt.date | str, date_to: dt.date | str) -> pd.DataFrame:
    """How customers moved between groups from one date to another.

    Columns: from_group, to_group, customers; plus the zh/en names of both. Customers who had not
    bought by ``date_from`` come from group ``none`` (新客户 / new buyers). Each date's means are its own.
    """
    before = rfm(src, date_from)[["customer_id", "group"]]
    after = rfm(src, date_to)[["customer_id", "group"]]
    merged = after.merge(before, on="customer_id", how="left", suffixes=("_to", "_from"))
    merged["group_from"] = merged.group_from.fillna("none")
    out = merged.groupby(["group_from", "group_to"]).size().reset_index(name="customers")
    out = out.rename(columns={"group_from": "from_group", "group_to": "to_group"})
    names_zh = {g.key: g.zh for g in GROUPS} | {"none": "新客户"}
    names_en = {g.key: g.en for g in GROUPS} | {"none": "New buyers"}
    for side in ("from", "to"):
        out[f"{side}_group_zh"] = out[f"{side}_group"].map(names_zh)
        out[f"{side}_group_en"] = out[f"{side}_group"].map(names_en)
    return out.sort_values(["from_group", "to_group"]).reset_index(drop=True)
