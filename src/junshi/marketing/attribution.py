"""Multi-touch attribution (多触点归因): how much of each paid order each traffic source earned.

A **path** is a visitor's visits (``sessions``) in time order within the period, cut at each paid order:
the visit in which an order was placed (``orders.session_id``) closes a converting path, one conversion
per paid order, its value the order's ``pay_amount`` (a visit with two orders closes one path worth two
conversions); the visits after a visitor's last order form a path ending without conversion. Repeated
channels stay in the path. A visit's channel is its ``source``.

Models (``MODELS``): ``first``, ``last``, ``last_non_direct`` (the last visit not from a direct source,
else the last), ``linear``, ``time_decay`` (a visit's weight halves every ``half_life_days`` before the
converting visit), ``position`` (40% first, 40% last, 20% shared by the middle; one visit takes all, two
take half each), ``markov`` (first-order chain over the channels: each channel's removal effect, solved
in closed form as an absorbing Markov chain, shares the conversions) and ``shapley`` (Shapley values of
the game whose worth of a set of channels is the conversions of the paths whose channels all lie in
it; by linearity each path's conversions are split equally among its distinct channels, Zhao et al.
2018). Every model's conversions add up to the orders exactly and its value to their sales (figures are
rounded by largest remainder, conversions to 6 decimals, value to cents).

The path work runs in the warehouse (Ibis window functions: one pass for the position models and
Shapley, one for the Markov transition counts); only per-channel sums reach Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt
import numpy as np

from junshi.errors import ConfigError
from junshi.i18n import Text
from junshi.metrics.facts import attribution_setting, settle_ads

if TYPE_CHECKING:
    import pandas as pd

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
DIRECT_SOURCES = ("direct", "(direct)", "直接访问", "自主访问")
"""Sources that are direct visits (besides visits whose medium is ``direct``), for ``last_non_direct``."""
CONVERSION_PLACES = Decimal("0.000001")
CENT = Decimal("0.01")
_NONE = "\x00"  # the channel of visits without a source, inside queries (None outside)


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
    if start > end:
        raise ConfigError(f"The period starts ({start}) after it ends ({end}).",
                          f"期间的开始日（{start}）晚于结束日（{end}）。",
                          hint_en="Give --from on or before --to.", hint_zh="请让 --from 不晚于 --to。")
    if not half_life_days > 0:
        raise ConfigError(f"The half-life must be a positive number of days, not {half_life_days}.",
                          f"半衰期须为正的天数，而不是 {half_life_days}。",
                          hint_en="Give e.g. --half-life 7.", hint_zh="例如 --half-life 7。")


def visit_paths(shop: Shop, start: date, end: date) -> Any:
    """The period's visits with their path (Ibis table): ``visitor_id``, ``_t`` (start), ``_sid``, ``_ch``
    (channel), ``_direct``, ``_orders`` and ``_value`` (paid orders placed in the visit), ``_path`` (paid
    visits of the visitor before this one) and ``_converts`` (the path ends in a paid order)."""
    s = shop.table("sessions")
    lo = ibis.literal(start).cast("timestamp")
    hi = (ibis.literal(end) + ibis.interval(days=1)).cast("timestamp")
    s = s.filter(s.started_at >= lo, s.started_at < hi)
    o = shop.table("orders")
    o = o.filter(o.paid_at.notnull(), o.session_id.notnull())
    paid = o.group_by(_osid=o.session_id).aggregate(_orders=o.count(), _value=o.pay_amount.fill_null(0).sum())
    v = s.left_join(paid, s.session_id == paid._osid)
    direct = (v.medium.lower() == "direct") | v.source.lower().isin(DIRECT_SOURCES)
    v = v.select(visitor_id=v.visitor_id, _t=v.started_at, _sid=v.session_id, _ch=v.source.fill_null(_NONE),
                 _direct=direct.fill_null(False), _orders=v._orders.fill_null(0),
                 _value=v._value.fill_null(0).cast("float64"))
    v = v.mutate(_paid=(v._orders > 0).cast("int64"))
    visitor = ibis.window(group_by=v.visitor_id, order_by=[v._t, v._sid], preceding=None, following=0)
    everything = ibis.window(group_by=v.visitor_id)
    v = v.mutate(_path=v._paid.sum().over(visitor) - v._paid, _paid_visits=v._paid.sum().over(everything))
    return v.mutate(_converts=v._path < v._paid_visits)


def _position_credits(shop: Shop, start: date, end: date, half_life_days: float) -> pd.DataFrame:
    """Per channel, the conversions (``c_<model>``) and value (``v_<model>``) of every position model and
    Shapley, in one pass over the converting paths."""
    v = visit_paths(shop, start, end)
    v = v.filter(v._converts)
    path = [v.visitor_id, v._path]
    ordered = ibis.window(group_by=path, order_by=[v._t, v._sid])
    whole = ibis.window(group_by=path)
    per_channel = ibis.window(group_by=[*path, v._ch], order_by=[v._t, v._sid])
    v = v.mutate(_pos=ibis.row_number().over(ordered), _n=v.count().over(whole), _k=v._orders.sum().over(whole),
                 _val=v._value.sum().over(whole), _t_end=v._t.max().over(whole),
                 _first_here=ibis.row_number().over(per_channel) == 0)
    v = v.mutate(_lnd=ibis.ifelse(v._direct, ibis.null("int64"), v._pos).max().over(whole),
                 _decay=(2.0 ** (-(v._t_end.epoch_seconds() - v._t.epoch_seconds()) / (half_life_days * 86400.0))),
                 _m=v._first_here.cast("int64").sum().over(whole))
    v = v.mutate(_decay_sum=v._decay.sum().over(whole))
    last = v._n - 1
    middle = ibis.ifelse(v._n == 2, 0.5, 0.2 / (v._n - 2).nullif(0).cast("float64"))
    weights = {
        "first": (v._pos == 0).cast("float64"),
        "last": (v._pos == last).cast("float64"),
        "last_non_direct": (v._pos == v._lnd.fill_null(last)).cast("float64"),
        "linear": 1.0 / v._n.cast("float64"),
        "time_decay": v._decay / v._decay_sum,
        "position": ibis.cases((v._n == 1, 1.0), ((v._pos == 0) | (v._pos == last), ibis.ifelse(v._n == 2, 0.5, 0.4)),
                               else_=middle),
        "shapley": ibis.ifelse(v._first_here, 1.0 / v._m.cast("float64"), 0.0),
    }
    exact = dt.Decimal(38, 12)  # summed as decimals: the same total whatever order the engine adds them in
    sums = {}
    for model, w in weights.items():
        sums[f"c_{model}"] = (w * v._k.cast("float64")).cast(exact).sum()
        sums[f"v_{model}"] = (w * v._val).cast(exact).sum()
    out: pd.DataFrame = v.group_by(channel=v._ch).aggregate(**sums).order_by("channel").execute()
    return out


def transitions(shop: Shop, start: date, end: date) -> pd.DataFrame:
    """Markov transition counts over every path: ``channel`` -> ``next`` (null at a path's end, where
    ``converted`` says whether it ends in a paid order), and ``starts`` (paths starting in the channel)."""
    v = visit_paths(shop, start, end)
    path = [v.visitor_id, v._path]
    ordered = ibis.window(group_by=path, order_by=[v._t, v._sid])
    v = v.mutate(_next=v._ch.lead().over(ordered), _pos=ibis.row_number().over(ordered))
    v = v.mutate(_end_paid=ibis.ifelse(v._next.isnull(), v._converts, False))
    out: pd.DataFrame = v.group_by(channel=v._ch, next=v._next, converted=v._end_paid).aggregate(
        n=v.count(), starts=(v._pos == 0).cast("int64").sum()).execute()
    return out


def conversion_probability(q: np.ndarray, r: np.ndarray) -> float:
    """Probability of absorption in conversion from state 0 (START) of an absorbing chain with transient
    transitions ``q`` and conversion probabilities ``r``: x = (I - Q)^-1 r, closed form."""
    x = np.linalg.solve(np.eye(len(q)) - q, r)
    return float(x[0])


def removal_effects(counts: pd.DataFrame) -> dict[str, float]:
    """Each channel's removal effect from transition counts (see :func:`transitions`): 1 - P(conversion
    without the channel) / P(conversion), where removing a channel sends its visits to no conversion."""
    channels = sorted(set(counts["channel"]) | set(counts["next"].dropna()))
    k = len(channels)
    idx = {c: i + 1 for i, c in enumerate(channels)}
    n = np.zeros((k + 1, k + 3))  # rows: START + channels; columns: START + channels, CONV, NULL
    for ch, nxt, conv, cnt, starts in counts[["channel", "next", "converted", "n", "starts"]].itertuples(index=False):
        i = idx[ch]
        n[0, i] += starts
        n[i, idx[nxt] if isinstance(nxt, str) else (k + 1 if conv else k + 2)] += cnt
    totals = n.sum(axis=1, keepdims=True)
    p = np.divide(n, totals, out=np.zeros_like(n), where=totals > 0)
    q, r = p[:, :k + 1], p[:, k + 1]
    base = conversion_probability(q, r)
    effects = {}
    for c, i in idx.items():
        q_without = q.copy()
        q_without[:, i] = 0.0  # visits into the channel end without conversion
        effects[c] = 0.0 if base <= 0 else 1.0 - conversion_probability(q_without, r) / base
    return effects


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


def _totals(shop: Shop, start: date, end: date) -> tuple[int, Decimal]:
    """Paid orders placed in the period's visits and their sales, exactly (the totals every model adds up to)."""
    s = shop.table("sessions")
    lo = ibis.literal(start).cast("timestamp")
    hi = (ibis.literal(end) + ibis.interval(days=1)).cast("timestamp")
    s = s.filter(s.started_at >= lo, s.started_at < hi)
    o = shop.table("orders")
    o = o.filter(o.paid_at.notnull(), o.session_id.isin(s.session_id))
    row = o.aggregate(n=o.count(), value=o.pay_amount.fill_null(0).sum()).execute().iloc[0]
    return int(row["n"]), _money(row["value"])


def _decimal(value: Any) -> Decimal:
    """A decimal sum from the warehouse (null: 0)."""
    return Decimal(0) if value is None or value != value else Decimal(value)


def _money(value: Any) -> Decimal:
    """A sum from the warehouse as money (null, NaN: 0)."""
    return Decimal(0).quantize(CENT) if value is None or value != value else Decimal(str(value)).quantize(CENT)


def _credits(channels: list[str], conv: list[Decimal], value: list[Decimal], orders: int, sales: Decimal
             ) -> list[ChannelCredit]:
    c = _largest_remainder(conv, Decimal(orders), CONVERSION_PLACES)
    v = _largest_remainder(value, sales, CENT)
    rows = [ChannelCredit(None if ch == _NONE else ch, ci, vi) for ch, ci, vi in zip(channels, c, v, strict=True)]
    return sorted(rows, key=lambda r: (-r.value, -r.conversions, r.channel or ""))


def _all_models(shop: Shop, start: date, end: date, half_life_days: float, models: tuple[str, ...]
                ) -> dict[str, Attribution]:
    orders, sales = _totals(shop, start, end)
    out: dict[str, Attribution] = {}
    simple = [m for m in models if m in POSITION_MODELS]
    if simple:
        f = _position_credits(shop, start, end, half_life_days)
        chans = [str(c) for c in f["channel"]]
        for m in simple:
            out[m] = Attribution(m, start, end, _credits(chans, [_decimal(x) for x in f[f"c_{m}"]],
                                                         [_decimal(x) for x in f[f"v_{m}"]], orders, sales),
                                 orders, sales, half_life_days)
    if "markov" in models:
        effects = removal_effects(transitions(shop, start, end)) if orders else {}
        chans = sorted(effects)
        shares = [Decimal(repr(max(effects[c], 0.0))) for c in chans]
        out["markov"] = Attribution("markov", start, end, _credits(chans, shares, shares, orders, sales),
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
    t = shop.table("ad_spend")
    t = settle_ads(t.filter(t.date >= start, t.date <= end), frozenset())
    f = t.group_by(channel=t.channel, setting=attribution_setting(t)).aggregate(
        conversions=t.conversions.sum(), value=t.conversion_value.sum(), cost=t.cost.sum()).execute()
    return {str(r.channel): PlatformFigures(int(r.conversions) if r.conversions == r.conversions else 0,
                                            _money(r.value), _money(r.cost), str(r.setting).strip("|"))
            for r in f.itertuples(index=False)}


def compare(shop: Shop, *, start: date, end: date, half_life_days: float = 7.0,
            models: tuple[str, ...] = MODELS) -> Comparison:
    """Every model side by side per channel, with the ad platform's own figures where ``ad_spend`` has the
    channel (a source and an ad channel of the same name are the same channel)."""
    for m in models:
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


DEFAULT_DAYS = 30


def default_period(shop: Shop, start: date | None = None, end: date | None = None) -> tuple[date, date]:
    """The period asked for; missing ends: the 30 days ending on the last day with sales."""
    from datetime import timedelta

    from junshi.analysis.service import latest_day

    end = end or latest_day(shop)
    return start or end - timedelta(days=DEFAULT_DAYS - 1), end
