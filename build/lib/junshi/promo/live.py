"""Live tracking of a promotion's main day (大促实时作战): cumulative sales by hour against the plan's curve,
a projection of the day's close, and an alert when the day falls off pace.

The plan's curve is the target spread over the hours as the basis days of :mod:`junshi.promo.plan` sold (the
shop's last past event, else its ordinary days). The projection at hour h is the sales so far over the share of
a day those days had sold by h; its interval is the spread of that projection's error (actual close / projected)
on the :data:`BACKTEST_DAYS` days before, at the same hour.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from junshi.analysis.alerts import Alert
from junshi.analysis.source import kpi_frame
from junshi.errors import ConfigError
from junshi.formats import format_value
from junshi.i18n import Text
from junshi.promo.history import paid_span
from junshi.promo.plan import hourly_profile, plan_basis
from junshi.vocab import Severity

if TYPE_CHECKING:
    from junshi.shop import Shop

BACKTEST_DAYS = 28
LEVEL = 0.8  # the projection's interval: 10% to 90% of the past errors
HIGH = 0.8  # projected below this share of the target: a high-severity alert


def _hourly(shop: Shop, start: date, end: date) -> dict[date, np.ndarray]:
    """Sales per hour (24 values) of each day of start..end."""
    f = kpi_frame(shop, ["sales"], ["day", "hour"], start=start, end=end)
    out: dict[date, np.ndarray] = {}
    for r in f.to_dict("records"):
        if r["sales"] == r["sales"]:
            out.setdefault(r["day"], np.zeros(24))[int(r["hour"])] += float(r["sales"])
    return out


def projection_errors(days: dict[date, np.ndarray], profile: np.ndarray, hour: int) -> np.ndarray:
    """Per past day with sales by ``hour``: its close / its projection at ``hour``."""
    out = []
    for v in days.values():
        cum = float(v[: hour + 1].sum())
        if cum > 0 and profile[hour] > 0:
            out.append(float(v.sum()) / (cum / profile[hour]))
    return np.array(out)


def live(shop: Shop, day: date, target_sales: float, hour: int | None = None) -> dict[str, Any]:
    """The main day ``day`` up to the end of ``hour`` (default: the last hour with sales) against the target, as
    JSON values; kept beside the warehouse for the shop's data version (:func:`junshi.versioned.stored`: a load
    of the day's new orders makes a new version)."""
    from junshi import versioned

    if not target_sales > 0:
        raise ConfigError(f"The target must be a positive amount (not {target_sales}).",
                          f"目标销售额必须是正数（不是 {target_sales}）。", hint_en="Give --target-sales.",
                          hint_zh="请给出 --target-sales。")
    if hour is not None and not 0 <= hour <= 23:
        raise ConfigError(f"Not an hour: {hour}.", f"不是小时：{hour}。", hint_en="Give an hour 0-23.",
                          hint_zh="请给出 0-23 的小时。")
    name = ("promo live", day, target_sales, hour)
    return versioned.stored_json(shop, name, lambda: _live(shop, day, target_sales, hour))


def _live(shop: Shop, day: date, target_sales: float, hour: int | None) -> dict[str, Any]:
    first, _last = paid_span(shop)
    before = day - timedelta(days=1)
    basis = plan_basis(shop, first, max(first, before), day)
    profile = np.array(hourly_profile(shop, basis))
    today = _hourly(shop, day, day).get(day, np.zeros(24))
    if hour is None:
        sold = np.flatnonzero(today > 0)
        hour = int(sold[-1]) if len(sold) else 0
    cum = np.cumsum(today)
    done = float(cum[hour])
    projection = done / profile[hour] if profile[hour] > 0 else None
    past = _hourly(shop, max(first, day - timedelta(days=BACKTEST_DAYS)), before)
    errors = projection_errors(past, profile, hour)
    interval = None
    if projection is not None and len(errors) >= 5:
        lo, hi = np.quantile(errors, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
        interval = [round(projection * float(lo), 2), round(projection * float(hi), 2)]
    planned = target_sales * profile
    out = {
        "date": day.isoformat(), "target_sales": target_sales, "hour": hour,
        "basis": {"kind": basis.kind, "start": basis.start.isoformat(), "end": basis.end.isoformat()},
        "cumulative_sales": round(done, 2), "planned_cumulative": round(float(planned[hour]), 2),
        "pace": round(done / float(planned[hour]), 4) if planned[hour] > 0 else None,
        "projection": None if projection is None else round(projection, 2), "projection_interval": interval,
        "hours": [{"hour": h, "sales": round(float(today[h]), 2), "cumulative": round(float(cum[h]), 2) if h <= hour
                   else None, "planned_cumulative": round(float(planned[h]), 2)} for h in range(24)],
    }
    out["alerts"] = [a.to_json() for a in pace_alerts(shop, out)]
    return out


def pace_alerts(shop: Shop, data: dict[str, Any]) -> list[Alert]:
    """An alert when even the top of the projection's interval (the projection itself without one) stays
    below the target: the day is off pace."""
    projection, target = data["projection"], data["target_sales"]
    if projection is None:
        return []
    top = data["projection_interval"][1] if data["projection_interval"] else projection
    if top >= target:
        return []
    currency = str(shop.settings["currency"])

    def money(v: float) -> str:
        return format_value(v, "money", currency)

    share = projection / target
    severity: Severity = "high" if share < HIGH else "medium"
    hour = data["hour"]
    text_en = (f"Promotion day off pace: {money(data['cumulative_sales'])} by {hour:02d}:59 against "
               f"{money(data['planned_cumulative'])} planned; the day is heading for {money(projection)} "
               f"({share:.0%} of the target {money(target)})")
    text_zh = (f"大促当天进度落后：截至 {hour:02d}:59 销售额 {money(data['cumulative_sales'])}，"
               f"计划 {money(data['planned_cumulative'])}；"
               f"预计全天 {money(projection)}（目标 {money(target)} 的 {share:.0%}）")
    return [Alert(day=date.fromisoformat(data["date"]), kind="anomaly", code="promo_off_pace",
                  severity=severity, score=1 - share, level="shop", key=None, metric="sales",
                  numbers={"cumulative_sales": data["cumulative_sales"],
                           "planned_cumulative": data["planned_cumulative"],
                           "projection": projection, "projection_interval": data["projection_interval"],
                           "target_sales": target, "hour": hour},
                  text=Text(text_en, text_zh))]
