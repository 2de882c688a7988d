"""Creative and landing-page A/B readouts (创意 / 着陆页 A/B 测试) with valid statistics.

The unit is the visitor. A visitor enters the test with their first visit in the period whose ``column``
(``campaign``: a plan, e.g. two plans of one channel differing only in their creative, 横向测试; or
``landing_page``) is the control or the treatment value; a visitor who saw both is left out (counted in
``mixed_visitors``). From that visit to the end of the period the visitor's visits, paid orders
(``orders.session_id``) and sales are the outcomes:

- ``conversion``: visitors who paid / visitors (a mean of 0/1 per visitor);
- ``revenue_per_visitor``: sales / visitors;
- ``orders_per_visit`` and ``revenue_per_visit``: ratios of two per-visitor means, by the delta method.

The fixed-horizon statistics are tea-tasting's (Welch t-test, confidence intervals for the absolute and
relative difference, delta method, CUPED with the visitor's paid orders and sales of the ``pre_days`` days
before the period when some visitors have them, the sample-ratio-mismatch test, power). The always-valid
p-value (:mod:`junshi.marketing.sequential`) is recomputed after every day of the period, so that reading
the test daily does not inflate false positives; the verdict rests on it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd

from junshi.errors import ConfigError, MissingDataError
from junshi.i18n import Lang, Text
from junshi.marketing.arms import DAILY, TestSums, frame_sums, stored_sums
from junshi.marketing.paths import check_period, period_visits, with_paid_orders
from junshi.marketing.sequential import DEFAULT_TAU, always_valid_pvalues, msprt_statistic

if TYPE_CHECKING:
    from junshi.shop import Shop

VARIANT_COLUMNS = ("campaign", "landing_page")
"""Visit columns a test's variants can be read from."""
METRIC_NAMES: dict[str, Text] = {
    "conversion": Text("Conversion (paying visitors / visitors)", "转化率（支付访客 / 访客）"),
    "revenue_per_visitor": Text("Revenue per visitor", "访客价值（支付金额 / 访客）"),
    "orders_per_visit": Text("Orders per visit", "每次访问订单数"),
    "revenue_per_visit": Text("Revenue per visit", "每次访问支付金额"),
}
"""The readout's metrics in zh and en."""
SEQUENTIAL_METRICS = ("conversion", "revenue_per_visitor")
"""Per-visitor metrics with an always-valid p-value (the verdict rests on them)."""
VERDICTS: dict[str, Text] = {
    "treatment_better": Text("{treatment} is better than {control} on {metric} (always-valid p = {p:.3g}).",
                             "{treatment} 的{metric}优于 {control}（随时有效 p = {p:.3g}）。"),
    "treatment_worse": Text("{treatment} is worse than {control} on {metric} (always-valid p = {p:.3g}).",
                            "{treatment} 的{metric}不如 {control}（随时有效 p = {p:.3g}）。"),
    "no_difference_yet": Text("No difference shown yet between {treatment} and {control} (always-valid p = "
                              "{p:.3g}); keep the test running or stop it.",
                              "{treatment} 与 {control} 之间尚未显示出差异（随时有效 p = {p:.3g}）；"
                              "可继续测试或停止。"),
    "sample_ratio_mismatch": Text("The split of visitors ({nc} : {nt}) is not the planned one (p = {p:.3g}): "
                                  "the assignment is broken, do not trust the figures.",
                                  "访客分配（{nc} : {nt}）与计划不符（p = {p:.3g}）：分流有问题，结果不可信。"),
    "too_few_visitors": Text("Too few visitors to judge ({nc} : {nt}).", "访客太少，无法判断（{nc} : {nt}）。"),
}
"""Verdict texts (``AbTest.verdict`` is the key)."""
SRM_ALPHA = 0.001  # a split this unlikely under the planned ratio is a broken assignment
MIN_VISITORS = 30


@dataclass(frozen=True)
class MetricReadout:
    """One metric of a test: the two arms' values, the difference with its confidence interval, p-values."""

    metric: str
    control: float
    treatment: float
    effect: float
    effect_ci: tuple[float, float]
    rel_effect: float | None
    rel_effect_ci: tuple[float, float] | None
    pvalue: float
    cuped: bool
    always_valid_pvalue: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "name": METRIC_NAMES[self.metric].to_dict(), "control": self.control,
                "treatment": self.treatment, "effect": self.effect, "effect_ci": list(self.effect_ci),
                "rel_effect": self.rel_effect,
                "rel_effect_ci": None if self.rel_effect_ci is None else list(self.rel_effect_ci),
                "pvalue": self.pvalue, "cuped": self.cuped, "always_valid_pvalue": self.always_valid_pvalue}


@dataclass(frozen=True)
class AbTest:
    """A test's readout; ``as_dict`` is the JSON of ``junshi abtest``."""

    column: str
    control: str
    treatment: str
    start: dt.date
    end: dt.date
    visitors: dict[str, int]
    mixed_visitors: int
    expected_ratio: float | None
    srm_pvalue: float | None
    alpha: float
    metrics: list[MetricReadout]
    verdict: str
    verdict_metric: str | None = None
    verdict_pvalue: float = 1.0
    daily: list[dict[str, Any]] = field(default_factory=list)

    def verdict_text(self, lang: Lang | None = None) -> str:
        nc, nt = self.visitors["control"], self.visitors["treatment"]
        metric = METRIC_NAMES[self.verdict_metric or "conversion"](lang)
        p = self.srm_pvalue if self.verdict == "sample_ratio_mismatch" and self.srm_pvalue is not None \
            else self.verdict_pvalue
        return VERDICTS[self.verdict](lang, control=self.control, treatment=self.treatment, metric=metric, p=p,
                                      nc=nc, nt=nt)

    def as_dict(self) -> dict[str, Any]:
        return {"column": self.column, "control": self.control, "treatment": self.treatment,
                "start": self.start.isoformat(), "end": self.end.isoformat(), "visitors": self.visitors,
                "mixed_visitors": self.mixed_visitors, "expected_ratio": self.expected_ratio,
                "srm_pvalue": self.srm_pvalue, "alpha": self.alpha, "metrics": [m.as_dict() for m in self.metrics],
                "verdict": self.verdict, "verdict_metric": self.verdict_metric,
                "verdict_text": {"en": self.verdict_text("en"), "zh": self.verdict_text("zh")},
                "daily": self.daily}


def _check_column(column: str) -> None:
    if column not in VARIANT_COLUMNS:
        raise ConfigError(f"A test's variants are read from {', '.join(VARIANT_COLUMNS)}, not {column!r}.",
                          f"测试的版本只能取自 {'、'.join(VARIANT_COLUMNS)}，而不是 {column!r}。",
                          hint_en="Use --column campaign (plans, e.g. one per creative) or --column landing_page.",
                          hint_zh="请用 --column campaign（推广计划，如每个创意一个计划）或 --column landing_page。")


def visitor_days(shop: Shop, *, column: str, control: str, treatment: str, start: dt.date, end: dt.date,
                 pre_days: int) -> pd.DataFrame:
    """Per test visitor and day: ``variant`` (0 control, 1 treatment), ``day`` (0 = start; negative: the
    pre-period), ``visits``, ``orders``, ``cents`` and ``revenue`` (cents / 100) of the visits from the first
    exposure on (and all visits of the pre-period). Visitors who saw both variants have ``variant`` -1."""
    _check_column(column)
    s = period_visits(shop, start - dt.timedelta(days=pre_days), end)
    t0 = ibis.literal(start).cast("timestamp")
    arm = s.filter(s[column].isin([control, treatment]), s.started_at >= t0)
    first = arm.group_by("visitor_id").aggregate(
        _first=arm.started_at.min(), _arms=arm[column].nunique(),
        _variant=ibis.ifelse(arm[column].max() == treatment, 1, 0))
    v = with_paid_orders(s.inner_join(first, "visitor_id"), shop)
    day = v.started_at.date().delta(ibis.literal(start), unit="day")
    v = v.filter((v.started_at < t0) | (v.started_at >= v._first))
    v = v.mutate(_day=ibis.ifelse(v.started_at < t0, -1, day),
                 _v=ibis.ifelse(v._arms > 1, -1, v._variant))
    out: pd.DataFrame = v.group_by(visitor=v.visitor_id, variant=v._v, day=v._day).aggregate(
        visits=v.count(), orders=v._orders.sum(), cents=v._cents.sum()).execute()
    out["revenue"] = out["cents"] / 100
    return out


def _experiment(cuped: bool, ratio: float | None) -> Any:
    import tea_tasting as tt

    cov = {"conversion": "pre_converted", "revenue_per_visitor": "pre_revenue"} if cuped else {}
    return tt.Experiment(
        conversion=tt.Mean("converted", covariate=cov.get("conversion")),
        revenue_per_visitor=tt.Mean("revenue", covariate=cov.get("revenue_per_visitor")),
        orders_per_visit=tt.RatioOfMeans("orders", "visits"),
        revenue_per_visit=tt.RatioOfMeans("revenue", "visits"),
        **({} if ratio is None else {"sample_ratio": tt.SampleRatio(ratio)}),
    )


def _float(x: Any) -> float:
    return float(x) if x is not None and x == x else float("nan")


def _sequential(sums: TestSums, start: dt.date, n_days: int, tau: float
                ) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Always-valid p-values of the per-visitor metrics after each day, from each visitor's outcomes up to
    that day (a visitor enters on their first day): the final ones, and the daily path.

    Each look needs, per arm, the visitors in, and the sum and sum of squares of their outcomes so far; all
    three move only on the days something happens, so they are sums of daily increments (a visitor whose
    revenue goes from R to R + a adds a to the sum and 2 R a + a^2 to the squares): no visitor x day matrix.
    The sums are exact integers (``junshi.marketing.arms``); each look's mean and variance is rounded once."""
    cum = {(k, g): list(itertools.accumulate(sums.daily[k][g])) for k in DAILY for g in (0, 1)}
    final: dict[str, float] = {}
    paths: dict[str, np.ndarray] = {}
    for name in SEQUENTIAL_METRICS:
        scale = 100 if name == "revenue_per_visitor" else 1
        stats = []
        for g in (0, 1):
            n, total = cum[("entered", g)], cum[("revenue" if scale > 1 else "conversion", g)]
            squares = cum[("revenue_sq", g)] if scale > 1 else total  # 0/1: y^2 = y
            mean = [float(Fraction(t, k * scale)) if k else 0.0 for t, k in zip(total, n, strict=True)]
            var = [max(float((q - Fraction(t * t, k)) / (scale * scale * (k - 1))), 0.0) if k > 1 else 0.0
                   for q, t, k in zip(squares, total, n, strict=True)]
            stats.append((np.asarray(n, dtype=np.float64), np.asarray(mean), np.asarray(var)))
        (na, ma, va), (nb, mb, vb) = stats
        paths[name] = always_valid_pvalues(msprt_statistic(na, ma, va, nb, mb, vb, tau))
        final[name] = float(paths[name][-1]) if n_days else 1.0
    daily = [{"date": (start + dt.timedelta(days=k)).isoformat(), "visitors_control": cum[("entered", 0)][k],
              "visitors_treatment": cum[("entered", 1)][k],
              **{f"{m}_pvalue": float(paths[m][k]) for m in SEQUENTIAL_METRICS}} for k in range(n_days)]
    return final, daily


def _sums(shop: Shop, column: str, control: str, treatment: str, start: dt.date, end: dt.date,
          pre_days: int) -> TestSums:
    """The test's sums, from ``rollup_plan_visitors`` for plans where the rollups answer
    (:func:`junshi.rollup.built_in`), else from the raw visits."""
    from junshi import rollup

    _check_column(column)
    con = rollup.built_in(shop) if column == "campaign" else None
    if con is not None:
        return stored_sums(con, shop.shop_id, control, treatment, start, end, pre_days)
    days = visitor_days(shop, column=column, control=control, treatment=treatment, start=start, end=end,
                        pre_days=pre_days)
    return frame_sums(days, (end - start).days + 1)


def readout(shop: Shop, *, column: str = "campaign", control: str, treatment: str, start: dt.date,
            end: dt.date, ratio: float | None = 1.0, alpha: float = 0.05, pre_days: int = 28, tau: float = DEFAULT_TAU
            ) -> AbTest:
    """The readout of a test between two values of a visit column over a period (see the module).

    ``ratio``: planned treatment visitors per control visitor (for the sample-ratio check; None: no planned
    split, no check); ``pre_days``:
    days before the period whose orders serve CUPED (0: none); ``tau``: the sequential test's prior scale.
    """
    check_period(start, end)
    sums = _sums(shop, column, control, treatment, start, end, pre_days)
    n = {"control": sums.arms[0].n, "treatment": sums.arms[1].n}
    base: dict[str, Any] = {"column": column, "control": control, "treatment": treatment, "start": start, "end": end,
            "visitors": n, "mixed_visitors": sums.mixed, "expected_ratio": ratio, "alpha": alpha}
    if min(n.values()) < MIN_VISITORS:
        if not n["control"] and not n["treatment"]:
            raise MissingDataError(
                f"No visit of the period has {column} = {control!r} or {treatment!r}.",
                f"期间内没有 {column} 为 {control!r} 或 {treatment!r} 的访问。",
                hint_en=f"Check the values of sessions.{column}; `junshi abtest` without --control lists the "
                "side-by-side tests of plans.",
                hint_zh=f"请检查 sessions.{column} 的取值；不带 --control 的 `junshi abtest` "
                "会列出推广计划的横向测试。")
        return AbTest(**base, srm_pvalue=None, metrics=[], verdict="too_few_visitors")
    cuped = pre_days > 0 and any(a.with_pre for a in sums.arms.values())
    result = _experiment(cuped, ratio).analyze({g: a.aggregates() for g, a in sums.arms.items()}, control=0)
    sequential, daily = _sequential(sums, start, (end - start).days + 1, tau)
    metrics = []
    for name in METRIC_NAMES:
        r = result[name]
        rel = _float(r.rel_effect_size)
        metrics.append(MetricReadout(
            name, _float(r.control), _float(r.treatment), _float(r.effect_size),
            (_float(r.effect_size_ci_lower), _float(r.effect_size_ci_upper)),
            None if rel != rel else rel,
            None if rel != rel else (_float(r.rel_effect_size_ci_lower), _float(r.rel_effect_size_ci_upper)),
            _float(r.pvalue), cuped and name in SEQUENTIAL_METRICS, sequential.get(name)))
    srm = None if ratio is None else _float(result["sample_ratio"].pvalue)
    best = min(SEQUENTIAL_METRICS, key=lambda m: sequential[m])
    effect = next(m.effect for m in metrics if m.metric == best)
    if srm is not None and srm < SRM_ALPHA:
        verdict = "sample_ratio_mismatch"
    elif sequential[best] <= alpha:
        verdict = "treatment_better" if effect > 0 else "treatment_worse"
    else:
        verdict = "no_difference_yet"
    return AbTest(**base, srm_pvalue=srm, metrics=metrics, verdict=verdict, verdict_metric=best,
                  verdict_pvalue=sequential[best], daily=daily)


def _plans(shop: Shop, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The period's plans: source, campaign and their distinct visitors."""
    from junshi import rollup

    con = rollup.built_in(shop)
    if con is None:
        s = period_visits(shop, start, end)
        s = s.filter(s.campaign.notnull())
        raw: pd.DataFrame = s.group_by("source", "campaign").aggregate(visitors=s.visitor_id.nunique()).execute()
        return raw
    from junshi.rollup import bitmaps
    from junshi.rollup.tables import PLAN_SETS

    bitmaps.register(con)
    stored: pd.DataFrame = con.execute(
        f"SELECT source, campaign, {bitmaps.UNION_COUNT}(list(visitors_set)) AS visitors FROM {PLAN_SETS.name} "
        "WHERE shop_id = ? AND date BETWEEN ? AND ? GROUP BY ALL", [shop.shop_id, start, end]).df()
    return stored


def creative_tests(shop: Shop, start: dt.date, end: dt.date, *, alpha: float = 0.05) -> list[AbTest]:
    """Side-by-side tests (横向测试) of the period: in each traffic source with two or more plans
    (``sessions.campaign``), every other plan against the one with the most visitors (the control). The
    planned split is not known here: no sample-ratio check."""
    plans = _plans(shop, start, end)
    tests = []
    for _source, group in plans.sort_values(["source", "visitors", "campaign"], ascending=[True, False, True]
                                            ).groupby("source", sort=True):
        names = list(group["campaign"])
        for other in names[1:]:
            tests.append(readout(shop, column="campaign", control=names[0], treatment=other, start=start, end=end,
                                 ratio=None, alpha=alpha))
    return tests


@dataclass(frozen=True)
class MetricPlan:
    """Power of one metric: its baseline mean, and the smallest relative lift detectable with the planned
    visitors (``mde``), or the visitors and days a given lift needs."""

    metric: str
    baseline: float
    mde: float
    visitors: int
    days: int

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "name": METRIC_NAMES[self.metric].to_dict(), "baseline": self.baseline,
                "mde": self.mde, "visitors": self.visitors, "days": self.days}


@dataclass(frozen=True)
class AbTestPlan:
    """Before a test starts: the history it is planned on and each metric's power (JSON of abtest plan)."""

    history_start: dt.date
    history_end: dt.date
    visitors_per_day: float
    alpha: float
    power: float
    metrics: list[MetricPlan]

    def as_dict(self) -> dict[str, Any]:
        return {"history_start": self.history_start.isoformat(), "history_end": self.history_end.isoformat(),
                "visitors_per_day": self.visitors_per_day, "alpha": self.alpha, "power": self.power,
                "metrics": [m.as_dict() for m in self.metrics]}


def plan(shop: Shop, *, end: dt.date, history_days: int = 28, column: str | None = None, value: str | None = None,
         visitors_per_day: float | None = None, days: int = 14, mde: float | None = None, alpha: float = 0.05,
         power: float = 0.8) -> AbTestPlan:
    """Power before a test (50/50 split): from the visitors of the ``history_days`` days up to ``end``
    (those with ``column`` = ``value`` when given), the relative lift of conversion and revenue per visitor
    detectable in ``days`` days (``mde`` given: the days that lift needs), by tea-tasting's power analysis
    of the Welch t-test."""
    import tea_tasting as tt

    if column is not None:
        _check_column(column)
    start = end - dt.timedelta(days=history_days - 1)
    s = period_visits(shop, start, end)
    if column is not None and value is not None:
        s = s.filter(s[column] == value)
    v = with_paid_orders(s, shop)
    units = v.group_by("visitor_id").aggregate(converted=(v._orders.sum() > 0).cast("float64"),
                                               revenue=v._cents.sum().cast("float64") / 100)
    if int(units.count().execute()) < 2:
        raise MissingDataError(
            "Too few visitors in the history to plan a test on.", "历史访客太少，无法规划测试。",
            hint_en="Give a longer --history or another --value.", hint_zh="请加长 --history 或换一个 --value。")
    per_day = visitors_per_day or float(units.count().execute()) / history_days
    n_obs = max(int(per_day * days), 4)
    experiment = tt.Experiment(
        conversion=tt.Mean("converted", alpha=alpha, power=power, n_obs=n_obs),
        revenue_per_visitor=tt.Mean("revenue", alpha=alpha, power=power, n_obs=n_obs))
    baselines = units.aggregate(conversion=units.converted.mean(), revenue_per_visitor=units.revenue.mean()
                                ).execute().iloc[0]
    metrics = []
    for name, r in experiment.solve_power(units, "rel_effect_size").items():
        found = r[0]
        if mde is None:
            metrics.append(MetricPlan(name, float(baselines[name]), float(found.rel_effect_size), n_obs, days))
            continue
        need = tt.Mean("converted" if name == "conversion" else "revenue", alpha=alpha, power=power,
                       rel_effect_size=mde)
        visitors = int(need.solve_power(units, "n_obs")[0].n_obs)
        metrics.append(MetricPlan(name, float(baselines[name]), mde, visitors, int(np.ceil(visitors / per_day))))
    return AbTestPlan(start, end, round(per_day, 2), alpha, power, metrics)
