"""Multi-touch attribution (多触点归因): how much of each paid order each traffic source earned.

A **path** is a visitor's visits (``sessions``) in time order within the period, cut at each paid order:
the visit in which an order was placed (``orders.session_id``) closes a converting path, one conversion
per paid order, its value the order's ``pay_amount`` (a visit with two orders closes one path worth two
conversions); the visits after a visitor's last order form a path ending without conversion. Repeated
channels stay in the path. A visit's channel is its ``source``.

Models (``MODELS``): ``first``, ``last``, ``last_non_direct`` (the last visit not from a direct source,
else the last), ``linear``, ``time_decay`` (a visit's weight halves every ``half_life_days`` before the
converting visit), ``position`` (40% first, 40% last, 20% shared by the middle; one visit takes all, two
take half each), ``markov`` (first-order chain over the channels: each channel's removal effect on the
expected orders, and on the expected sales, solved in closed form as an absorbing Markov chain, shares the
conversions and the value) and ``shapley`` (Shapley values of
the game whose worth of a set of channels is the conversions of the paths whose channels all lie in
it; by linearity each path's conversions are split equally among its distinct channels, Zhao et al.
2018). Every model's conversions add up to the orders exactly and its value to their sales (figures are
rounded by largest remainder, conversions to 6 decimals, value to cents).

The warehouse sorts the period's visits once (or, where the rollups are built, reads the converting paths'
visits and the transitions kept per day); every model is then vectorised numpy over the sorted arrays
(:mod:`junshi.marketing.paths`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from junshi.errors import ConfigError
from junshi.i18n import Text
from junshi.marketing.paths import (
    channel_sums,
    check_period,
    conversion_rewards,
    period_paths,
    position_weights,
    removal_effects,
)
from junshi.metrics.facts import attribution_setting, settle_ads

if TYPE_CHECKING:
    import ibis

    from junshi.shop import Shop

MODELS = ("first", "last", "last_non_direct", "linear", "time_decay", "position", "markov", "shapley")
MODEL_NAMES: dict[str, Text] = {
    "first": Text("First touch", "首次触点"),
    "last": Text("Last touch", "末次触点"),
    "last_non_direct": Text("Last non-direct touch", "末次非直接触点"),
    "linear": Text("Linear", "线性"),
    "time_decay": Text("Time decay", "时间衰减"),
    "position": Text("Position (40/20/40)", "位置（40/20/40）"),
    "markov": Text("Markov chain (removal effect)", "马尔可夫链（移除效应）"),
    "shapley": Text("Shapley value", "沙普利值"),
}
"""Each model's name in zh and en (the CLI, API and page take them from here)."""
PLATFORM_NAME = Text("Platform's own figures", "平台自报")
POSITION_MODELS = ("first", "last", "last_non_direct", "linear", "time_decay", "position", "shapley")
"""Models computed from each converting path alone (one warehouse pass); Markov needs every path."""
CONVERSION_PLACES = Decimal("0.000001")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ChannelCredit:
    """A channel's attributed conversions (orders, fractional) and value (sales, shop currency)."""

    channel: str | None
    conversions: Decimal
    value: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {"channel": self.channel, "conversions": float(self.conversions), "value": float(self.value)}


@dataclass(frozen=True)
class Attribution:
    """One model's attribution; ``as_dict`` is the JSON contract of ``junshi attribution --model M``."""

    model: str
    start: date
    end: date
    channels: list[ChannelCredit]
    total_conversions: int
    total_value: Decimal
    half_life_days: float = 7.0

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "channels": [c.as_dict() for c in self.channels], "total_conversions": self.total_conversions,
                "total_value": float(self.total_value), "half_life_days": self.half_life_days}


@dataclass(frozen=True)
class PlatformFigures:
    """What the ad platform itself reports for a channel (its last-click style figures), under one setting."""

    conversions: int
    value: Decimal
    cost: Decimal
    setting: str

    def as_dict(self) -> dict[str, Any]:
        return {"conversions": self.conversions, "value": float(self.value), "cost": float(self.cost),
                "setting": self.setting}


@dataclass(frozen=True)
class ComparisonRow:
    """A channel under every model (``credits[model]``) beside the platform's own figures (None: no ads)."""

    channel: str | None
    credits: dict[str, ChannelCredit]
    platform: PlatformFigures | None

    def as_dict(self) -> dict[str, Any]:
        return {"channel": self.channel,
                "models": {m: {"conversions": float(c.conversions), "value": float(c.value)}
                           for m, c in self.credits.items()},
                "platform": None if self.platform is None else self.platform.as_dict()}


@dataclass(frozen=True)
class Comparison:
    """Every model side by side, per channel, with the platform's figures; JSON of ``--model all``."""

    start: date
    end: date
    models: tuple[str, ...]
    rows: list[ComparisonRow]
    total_conversions: int
    total_value: Decimal
    half_life_days: float = 7.0
    results: dict[str, Attribution] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "models": list(self.models),
                "model_names": {m: MODEL_NAMES[m].to_dict() for m in self.models},
                "platform_name": PLATFORM_NAME.to_dict(), "channels": [r.as_dict() for r in self.rows],
                "total_conversions": self.total_conversions, "total_value": float(self.total_value),
                "half_life_days": self.half_life_days}


def check_model(model: str) -> str:
    """The model name, or a ConfigError listing the models."""
    if model not in MODELS:
        raise ConfigError(
            f"Unknown attribution model {model!r}.", f"未知的归因模型 {model!r}。",
            hint_en="Models: " + ", ".join(MODELS) + ".", hint_zh="可用模型：" + "、".join(MODELS) + "。")
    return model


def _check(start: date, end: date, half_life_days: float) -> None:
    check_period(start, end)
    if not half_life_days > 0:
        raise ConfigError(f"The half-life must be a positive number of days, not {half_life_days}.",
                          f"半衰期须为正的天数，而不是 {half_life_days}。",
                          hint_en="Give e.g. --half-life 7.", hint_zh="例如 --half-life 7。")


def _largest_remainder(shares: list[Decimal], total: Decimal, quantum: Decimal) -> list[Decimal]:
    """Shares (any non-negative weights) of ``total`` in units of ``quantum`` that add up to it exactly."""
    weight = sum(shares, Decimal(0))
    units = int(total / quantum)
    if weight <= 0 or units == 0:
        return [Decimal(0) * quantum for _ in shares]
    raw = [s / weight * units for s in shares]
    floor = [int(x.to_integral_value(ROUND_FLOOR)) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - floor[i], -i), reverse=True)
    for i in order[:units - sum(floor)]:
        floor[i] += 1
    return [f * quantum for f in floor]


def _money(value: Any) -> Decimal:
    """A sum from the warehouse as money (null, NaN: 0)."""
    return Decimal(0).quantize(CENT) if value is None or value != value else Decimal(str(value)).quantize(CENT)


def _credits(channels: list[str | None], conv: list[Decimal], value: list[Decimal], orders: int, sales: Decimal
             ) -> list[ChannelCredit]:
    c = _largest_remainder(conv, Decimal(orders), CONVERSION_PLACES)
    v = _largest_remainder(value, sales, CENT)
    rows = [ChannelCredit(ch, ci, vi) for ch, ci, vi in zip(channels, c, v, strict=True)]
    return sorted(rows, key=lambda r: (-r.value, -r.conversions, r.channel or ""))


def _decimals(values: np.ndarray) -> list[Decimal]:
    return [Decimal(repr(float(x))) for x in values]


def _all_models(shop: Shop, start: date, end: date, half_life_days: float, models: tuple[str, ...]
                ) -> dict[str, Attribution]:
    period = period_paths(shop, start, end)
    p = period.paths
    orders, sales = int(p.orders.sum()), (Decimal(int(p.cents.sum())) / 100).quantize(CENT)
    present = np.flatnonzero(period.visits > 0)  # channels the period has
    names = [p.channels[i] for i in present]
    out: dict[str, Attribution] = {}
    simple = [m for m in models if m in POSITION_MODELS]
    if simple:
        rows, weights = position_weights(p, half_life_days)
        for m, (conv, value) in channel_sums(p, rows, {m: weights[m] for m in simple}).items():
            out[m] = Attribution(m, start, end, _credits(names, _decimals(conv[present]), _decimals(value[present]),
                                                         orders, sales), orders, sales, half_life_days)
    if "markov" in models:
        by_orders, by_sales = (_decimals(np.maximum(removal_effects(period.counts, reward)[present], 0.0))
                               for reward in conversion_rewards(p))
        out["markov"] = Attribution("markov", start, end, _credits(names, by_orders, by_sales, orders, sales),
                                    orders, sales, half_life_days)
    return {m: out[m] for m in models}


def attribute(shop: Shop, *, model: str, start: date, end: date, half_life_days: float = 7.0) -> Attribution:
    """One model's attribution of the paid orders placed in the period's visits, per channel (source).

    >>> attribute(shop, model="markov", start=date(2024, 11, 1), end=date(2024, 11, 30))   # doctest: +SKIP
    """
    check_model(model)
    _check(start, end, half_life_days)
    return _all_models(shop, start, end, half_life_days, (model,))[model]


def platform_figures(shop: Shop, start: date, end: date) -> dict[str, PlatformFigures]:
    """Per ad channel, the platform's own conversions and sales in the period (``ad_spend``, one attribution
    setting and one level of detail per channel, never two added together)."""
    from junshi.metrics.query import run_dated

    def queries(first: date | None, last: date | None) -> dict[str, ibis.Table]:
        t = shop.table("ad_spend")
        t = settle_ads(t.filter(t.date >= first, t.date <= last), frozenset())
        return {"platform": t.group_by(channel=t.channel, setting=attribution_setting(t)).aggregate(
            conversions=t.conversions.sum(), value=t.conversion_value.sum(), cost=t.cost.sum())}

    rows = run_dated(shop.warehouse, shop.shop_id, "attribution_platform", queries, start, end)["platform"]
    return {str(r["channel"]): PlatformFigures(int(r["conversions"]) if r["conversions"] == r["conversions"] else 0,
                                               _money(r["value"]), _money(r["cost"]), str(r["setting"]).strip("|"))
            for r in rows.to_dict("records")}


def compare(shop: Shop, *, start: date, end: date, half_life_days: float = 7.0,
            models: tuple[str, ...] = MODELS) -> Comparison:
    """Every model side by side per channel, with the ad platform's own figures where ``ad_spend`` has the
    channel (a source and an ad channel of the same name are the same channel)."""
    for m in models or ("",):  # no model at all: the error lists them
        check_model(m)
    _check(start, end, half_life_days)
    results = _all_models(shop, start, end, half_life_days, models)
    platform = platform_figures(shop, start, end)
    names: dict[str | None, None] = {}
    for res in results.values():
        for c in res.channels:
            names.setdefault(c.channel)
    for name in platform:
        names.setdefault(name)
    zero = Decimal(0)
    rows = [ComparisonRow(ch, {m: next((c for c in r.channels if c.channel == ch), ChannelCredit(ch, zero, zero))
                               for m, r in results.items()}, platform.get(ch) if ch is not None else None)
            for ch in names]
    first = results[models[0]]
    return Comparison(start, end, models, rows, first.total_conversions, first.total_value, half_life_days, results)


def period_of(shop: Shop, start: date | str | None = None, end: date | str | None = None) -> tuple[date, date]:
    """The days asked for; missing ends: the 30 days up to the last day with visits (the marketing reports'
    rule, :func:`junshi.marketing.days.report_days`). MissingDataError for a shop without visits."""
    from junshi.errors import MissingDataError
    from junshi.marketing.days import report_days

    return report_days(shop, "sessions", "started_at", start, end, MissingDataError(
        "This shop has no visits: attribution and A/B tests read the visits (sessions) and their orders.",
        "本店没有访问数据：归因和 A/B 测试需要访问记录（sessions）及其订单。",
        hint_en="Load visits (e.g. a GA4 or clickstream export) with junshi ingest.",
        hint_zh="请用 junshi ingest 导入访问数据（如 GA4 或点击流导出）。"))
