"""Alerts of a day: metric anomalies per shop / source / category / product, and data-quality alerts.

Each alert carries the numbers that raised it and the diagnosis to open (``diagnose``: the arguments of
``junshi diagnose`` / ``shop.diagnose``). Alerts of one series (e.g. source 搜索: visitors, buyers and
sales all fell) are merged into one alert led by its worst metric.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from junshi.analysis.anomalies import AnomalySettings, SeriesMatrix, is_alert, score
from junshi.analysis.significance import count_pvalue, window_days
from junshi.analysis.source import kpi_frame, table_frame
from junshi.errors import JunshiError
from junshi.formats import format_value
from junshi.i18n import Text
from junshi.jsonable import jsonable
from junshi.metrics import REGISTRY
from junshi.metrics.dimensions import REGISTRY as DIMENSIONS
from junshi.metrics.reconcile import SalesMismatch, sales_mismatches
from junshi.vocab import SEVERITY_RANK, SHOP_LEVEL, Severity

if TYPE_CHECKING:
    from junshi.shop import Shop


#: metric id -> (unit, weight metric) per level; ``direction`` comes from the metric registry.
MONITORED: dict[str, tuple[str, str | None]] = {
    "sales": ("money", "paid_buyers"),
    "uv": ("count", None),
    "paid_buyers": ("count", None),
    "payment_conversion_rate": ("ratio", "uv"),
    "spend_per_buyer": ("avg", "paid_buyers"),
}
SHOP_ONLY: dict[str, tuple[str, str | None]] = {"days_to_deliver": ("level", None)}
#: additive metrics compared hour by hour for a day still in progress (cumulative to the last hour)
INTRADAY: dict[str, str] = {"visits": "count", "paid_orders": "count", "sales": "money"}
LEVELS: tuple[str, ...] = ("shop", "source", "category", "product")


@dataclass(frozen=True, kw_only=True)
class AlertSettings:
    """Thresholds of the alerts (all configurable)."""

    anomaly: AnomalySettings = field(default_factory=AnomalySettings)
    min_uv: float = 30.0  # smallest expected visitors of a series for it to be scored
    min_buyers: float = 5.0  # smallest expected buyers for buyer, sales and spend-per-buyer series
    silent_share: float = 0.9  # a source "always has data" when present on this share of days
    quarantine_share: float = 0.05  # quarantined share of a day's loaded rows that alerts
    quarantine_factor: float = 3.0  # ... and this many times its usual share
    presale_ratio: float = 0.3  # payment conversion below this x order conversion: presale distortion
    z_rise: float = 6.0  # a rise (good direction) alerts only beyond this many spreads
    stockout_min_uv: int = 20  # visitors of an out-of-stock product that make a stock-out alert
    stockout_new_days: int = 3  # ... when it was in stock within this many days (later: see advise)
    group_keep: int = 3  # of many alerts on one metric in one direction at a level, this many stay separate
    suspect_p: float = 0.001  # the day's suspect orders are beyond normal variation below this p-value
    suspect_min_orders: int = 3  # ... and at least this many suspect orders
    suspect_min_share: float = 0.02  # ... making at least this share of the day's orders


@dataclass(frozen=True, kw_only=True)
class Alert:
    """One alert of a day, with the numbers that raised it."""

    day: date
    kind: Literal["anomaly", "data_quality"]
    code: str
    severity: Severity
    score: float
    level: str
    key: str | None
    metric: str | None
    numbers: dict[str, Any]
    text: Text
    """What happened, with its numbers (``alert.text()`` in the language in force)."""
    related: list[dict[str, Any]] = field(default_factory=list)
    diagnose: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(), "kind": self.kind, "code": self.code, "severity": self.severity,
            "score": round(self.score, 3), "level": self.level, "key": self.key, "metric": self.metric,
            "numbers": jsonable(self.numbers), "text": self.text.to_dict(),
            "related": jsonable(self.related), "diagnose": self.diagnose,
        }


def _peak_days(year: int, currency: str) -> tuple[date, ...]:
    """The big shopping days of a year: 618, 双11 and 双12 for shops selling in CNY (China's platforms);
    Black Friday and Cyber Monday (the Friday after the fourth Thursday of November, and the Monday after)
    elsewhere."""
    if currency == "CNY":
        return date(year, 6, 18), date(year, 11, 11), date(year, 12, 12)
    first = date(year, 11, 1)
    thanksgiving = first + timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thanksgiving + timedelta(days=1), thanksgiving + timedelta(days=4)


def promotion_days(years: Iterable[int], currency: str = "CNY", *, before: int = 10, after: int = 3) -> set[date]:
    """Default promotion calendar for the shop's market, each peak with its presale days before and days after."""
    return {center + timedelta(days=i) for y in years for center in _peak_days(y, currency)
            for i in range(-before, after + 1)}


def _direction(metric: str) -> str:
    """Higher is better ('up') or worse ('down'), from the metric registry."""
    from junshi.metrics.registry import REGISTRY

    return str(REGISTRY[metric].direction)


def level_name(level: str) -> Text:
    """The name of an alert level: the whole shop, else the dimension's (source, category, product)."""
    return SHOP_LEVEL.name if level == SHOP_LEVEL.id else DIMENSIONS[level].name


def _fmt(metric: str, v: float, currency: str) -> str:
    return format_value(v, REGISTRY[metric].unit, currency)


def _anomaly_alert(day: date, level: str, key: str | None, rows: list[dict[str, Any]], currency: str) -> Alert:
    rows = sorted(rows, key=lambda r: -abs(r["score"]))
    lead = rows[0]
    metric = lead["metric"]
    bad = (lead["score"] < 0) == (_direction(metric) == "up")
    z = abs(lead["score"])
    severity: Severity = ("high" if z >= 8 else "medium") if bad else "info"
    if metric == "days_to_deliver" and bad:
        severity = "high"
    where_en = level_name(level).en + (f" {key}" if key else "")
    where_zh = level_name(level).zh + (f" {key}" if key else "")
    rel = lead["rel_change"]
    en, zh = REGISTRY[metric].name.en.lower(), REGISTRY[metric].name.zh
    actual, expected, lower, upper = (_fmt(metric, lead[k], currency) for k in ("actual", "expected", "lower", "upper"))
    change_en, change_zh = (f" ({rel:+.0%})", f"（{rel:+.0%}）") if rel == rel else ("", "")
    text = Text(en=f"{where_en}: {en} {actual}{change_en}, expected {expected} [{lower} .. {upper}]",
                zh=f"{where_zh}：{zh} {actual}{change_zh}，预期 {expected}（区间 {lower} ~ {upper}）")
    if lead["promotion_day"]:
        text += Text(en=" (promotion period)", zh="（大促期间）")
    focus = {level: key} if key else {}
    numbers = {k: (None if v != v else v) for k, v in lead.items() if k not in ("metric",)}
    return Alert(day=day, kind="anomaly", code="metric_drop" if lead["score"] < 0 else "metric_rise", severity=severity,
                 score=z, level=level, key=key,
                 metric=metric, numbers=numbers, text=text,
                 related=[{"metric": r["metric"], "score": round(r["score"], 3), "actual": r["actual"],
                           "expected": r["expected"]} for r in rows[1:]],
                 diagnose={"date": day.isoformat(), "vs": "week", "metric": "sales", "focus": focus})


def group_alerts(alerts: list[Alert], keep: int) -> list[Alert]:
    """Many series of one level moving the same metric the same way (a day when 25 products each sold 5x their
    usual) would flood the list: the ``keep`` strongest stay as they are and the rest become one alert naming them,
    worst severity first, each member in ``related``."""
    groups: dict[tuple[str, str, str | None], list[Alert]] = {}
    for a in alerts:
        groups.setdefault((a.level, a.code, a.metric), []).append(a)
    out: list[Alert] = []
    for (level, code, metric), members in groups.items():
        if level == SHOP_LEVEL.id or metric is None or len(members) <= keep + 1:
            out += members
            continue
        members = sort_alerts(members)
        rest = members[keep:]
        names = "、".join(str(a.key) for a in rest[:5]) + ("…" if len(rest) > 5 else "")
        names_en = ", ".join(str(a.key) for a in rest[:5]) + (", ..." if len(rest) > 5 else "")
        where, m = level_name(level), REGISTRY[metric].name
        way = Text(en="below", zh="低于") if code == "metric_drop" else Text(en="above", zh="高于")
        out += [*members[:keep], Alert(
            day=rest[0].day, kind="anomaly", code=f"{code}_group", severity=rest[0].severity, score=rest[0].score,
            level=level, key=None, metric=metric, numbers={"count": len(rest), "keys": [a.key for a in rest]},
            text=Text(en=f"{len(rest)} more {where.en.lower()} values with {m.en.lower()} {way.en} their normal range: "
                      f"{names_en}",
                      zh=f"另有 {len(rest)} 个{where.zh}的{m.zh}{way.zh}正常区间：{names}"),
            related=[a.to_json() for a in rest], diagnose=rest[0].diagnose)]
    return out


_SOURCE = DIMENSIONS["source"].name


class AlertEngine:
    """Computes the alerts of a day for a shop (numbers from the metric layer).

    Histories are fetched once per level (``prefetch`` a whole range to scan many days) and scored as
    series x days arrays, so scanning a season costs a few queries, not one per day.
    """

    def __init__(self, shop: Shop, settings: AlertSettings | None = None,
                 promo_days: Iterable[date] | None = None, levels: Sequence[str] = LEVELS) -> None:
        self.shop = shop
        self.currency = str(shop.settings["currency"])
        self.settings = settings or AlertSettings()
        self.promo_days = set(promo_days) if promo_days is not None else None
        self.levels = tuple(levels)
        self._history: dict[str, tuple[date, date, pd.DataFrame]] = {}
        self._matrices: dict[tuple[str, str], SeriesMatrix] = {}
        self._tables: dict[str, pd.DataFrame] = {}
        self._mismatches: list[SalesMismatch] | None = None  # every day's, asked once
        self._kpis: dict[str, tuple[date, date, pd.DataFrame]] = {}

    def _promos(self, day: date) -> set[date]:
        if self.promo_days is not None:
            return self.promo_days
        return promotion_days({day.year - 1, day.year}, self.currency)

    def _metrics(self, level: str) -> dict[str, tuple[str, str | None]]:
        return {**MONITORED, **SHOP_ONLY} if level == "shop" else MONITORED

    def _table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            self._tables[name] = table_frame(self.shop, name)
        return self._tables[name]

    def history(self, level: str, start: date, end: date) -> pd.DataFrame:
        """Daily monitored metrics of a level (cached by level; refetched when the range grows)."""
        if level in self._history:
            lo, hi, cached = self._history[level]
            if lo <= start and hi >= end:
                return cached
        by = ["day"] if level == "shop" else ["day", level]
        frame = kpi_frame(self.shop, list(self._metrics(level)), by, start=start, end=end)
        self._history[level] = (start, end, frame)
        self._matrices = {k: v for k, v in self._matrices.items() if k[0] != level}
        return frame

    def prefetch(self, start: date, end: date) -> None:
        """Load the history of every level for days start..end at once (for scans over many days)."""
        for level in self.levels:
            self.history(level, start - timedelta(weeks=self.settings.anomaly.weeks), end)

    def _matrix(self, level: str, metric: str, frame: pd.DataFrame) -> SeriesMatrix | None:
        if (level, metric) not in self._matrices:
            unit, weight = self._metrics(level)[metric]
            if metric not in frame.columns or (weight and weight not in frame.columns):
                return None
            key = None if level == "shop" else level
            self._matrices[(level, metric)] = SeriesMatrix.from_frame(frame, key, metric, unit, weight)
        return self._matrices[(level, metric)]

    def anomalies(self, day: date) -> list[Alert]:
        s = self.settings
        promos = self._promos(day)
        out: list[Alert] = []
        for level in self.levels:
            try:
                frame = self.history(level, day - timedelta(weeks=s.anomaly.weeks), day)
            except JunshiError:
                continue
            scored: dict[str, pd.DataFrame] = {}
            for metric in self._metrics(level):
                m = self._matrix(level, metric, frame)
                if m is not None:
                    scored[metric] = score(m, day, promo_days=promos, settings=s.anomaly)
            out += self._collect(day, level, scored)
        return out

    def _collect(self, day: date, level: str, scored: dict[str, pd.DataFrame]) -> list[Alert]:
        s = self.settings
        volume: dict[str, dict[str, float]] = {}
        for metric in ("uv", "paid_buyers"):
            for r in scored.get(metric, pd.DataFrame(columns=["key", "expected"])).to_dict("records"):
                volume.setdefault(str(r["key"]), {})[metric] = float(r["expected"])
        found: dict[str, list[dict[str, Any]]] = {}
        for metric, frame in scored.items():
            for r in frame.to_dict("records"):
                k = str(r["key"])
                vol = volume.get(k, {})
                if vol.get("uv", float("inf")) < s.min_uv:
                    continue
                if metric in ("paid_buyers", "spend_per_buyer", "sales") and vol.get("paid_buyers", 0) < s.min_buyers:
                    continue
                bad = (r["score"] < 0) == (_direction(metric) == "up")
                limit = s.anomaly if bad else replace(s.anomaly, z_alert=s.z_rise)
                if is_alert(r["score"], r["rel_change"], limit):
                    found.setdefault(k, []).append({**{str(c): v for c, v in r.items()}, "metric": metric})
        return [_anomaly_alert(day, level, k or None, rows, self.currency) for k, rows in found.items()]

    def stockouts(self, day: date) -> list[Alert]:
        """Products newly out of stock (0 at the end of the day, in stock within ``stockout_new_days``)
        that still received visitors; presale products (sold before stock exists) are left out."""
        inv = self._table("inventory")
        if inv.empty:
            return []
        if "_day" not in inv.columns:
            inv["_day"] = pd.to_datetime(inv["date"]).dt.date
        products = self._table("products")
        presale = set(products[products["is_presale"].eq(True)]["product_id"].astype(str)) \
            if "is_presale" in products.columns else set()
        recent = inv[(inv["_day"] < day) & (inv["_day"] >= day - timedelta(days=self.settings.stockout_new_days))]
        in_stock = set(recent[recent["stock"] > 0]["product_id"].astype(str))
        out_ids = set(inv[(inv["_day"] == day) & (inv["stock"] <= 0)]["product_id"].astype(str))
        out_ids = (out_ids & in_stock) - presale
        if not out_ids:
            return []
        try:
            frame = self.history("product", day - timedelta(weeks=self.settings.anomaly.weeks), day)
        except JunshiError:
            return []
        if "uv" not in frame.columns:
            return []
        today = frame[(frame["day"] == day) & frame["product"].astype(str).isin(out_ids)]
        alerts = []
        for r in today.to_dict("records"):
            uv = float(r["uv"] or 0)
            if uv < self.settings.stockout_min_uv:
                continue
            pid = str(r["product"])
            alerts.append(Alert(
                day=day, kind="anomaly", code="stockout_traffic", severity="high", score=20.0 + uv / 10,
                level="product", key=pid, metric="uv",
                numbers={"visitors": uv, "stock": 0},
                text=Text(
                    en=f"Product {pid} is out of stock but had {uv:,.0f} visitors today: "
                       "every paid click on it is wasted",
                    zh=f"商品 {pid} 已断货，今天仍有 {uv:,.0f} 个访客：引到它的付费点击全部浪费"),
                diagnose={"date": day.isoformat(), "vs": "week", "metric": "sales", "focus": {"product": pid}}))
        return alerts

    def _is_last_day(self, day: date) -> bool:
        try:
            frame = self.history("shop", day - timedelta(weeks=self.settings.anomaly.weeks), day)
        except JunshiError:
            return False
        return bool(len(frame)) and max(frame["day"]) == day

    def intraday(self, day: date) -> list[Alert]:
        """A day still in progress (its last hour with visits before 23:00): visits, paid orders and
        sales up to that hour against the same weekdays up to the same hour (shop level)."""
        start = day - timedelta(weeks=self.settings.anomaly.weeks)
        try:  # the day's hours first: a whole day (the usual case) needs no history by hour
            if _last_hour(kpi_frame(self.shop, list(INTRADAY), ["day", "hour"], start=day, end=day), day) is None:
                return []
            f = kpi_frame(self.shop, list(INTRADAY), ["day", "hour"], start=start, end=day)
        except JunshiError:
            return []
        hour = _last_hour(f, day)
        if hour is None:
            return []
        upto = f[f["hour"] <= hour].groupby("day", as_index=False)[[m for m in INTRADAY if m in f.columns]].sum()
        rows = []
        for metric, unit in INTRADAY.items():
            if metric not in upto.columns:
                continue
            m = SeriesMatrix.from_frame(upto, None, metric, unit)
            for r in score(m, day, promo_days=self._promos(day), settings=self.settings.anomaly).to_dict("records"):
                bad = (r["score"] < 0) == (_direction(metric) == "up")
                if bad and is_alert(r["score"], r["rel_change"], self.settings.anomaly):
                    rows.append({**{str(c): v for c, v in r.items()}, "metric": metric})
        if not rows:
            return []
        alert = _anomaly_alert(day, "shop", None, rows, self.currency)
        suffix = Text(en=f" (today up to {hour}:59)", zh=f"（今天截至 {hour}:59）")
        return [replace(alert, code="intraday_drop", text=alert.text + suffix,
                        numbers={**alert.numbers, "up_to_hour": hour})]

    def silent_sources(self, day: date) -> list[Alert]:
        """A source that had visitors on nearly every recent day and none on ``day``."""
        try:
            frame = self.history("source", day - timedelta(weeks=self.settings.anomaly.weeks), day)
        except JunshiError:
            return []
        if "uv" not in frame.columns:
            return []
        window = frame[(frame["day"] < day) & (frame["day"] >= day - timedelta(days=28)) & (frame["uv"] > 0)]
        n_days = window["day"].nunique()
        today = set(frame[(frame["day"] == day) & (frame["uv"] > 0)]["source"].astype(str))
        out = []
        for src, present in window.groupby("source")["day"].nunique().items():
            if n_days >= 7 and present >= self.settings.silent_share * n_days and str(src) not in today:
                usual = float(window[window["source"] == src]["uv"].median())
                out.append(Alert(
                    day=day, kind="data_quality", code="source_silent", severity="high", score=100.0, level="source",
                    key=str(src), metric="uv",
                    numbers={"days_present": int(present), "days": int(n_days), "usual_uv": usual},
                    text=Text(
                        en=f"No data from {_SOURCE.en.lower()} {src} today, though it had visitors on {present} "
                           f"of the last {n_days} days (usually {usual:,.0f}): check the tracking or the export before "
                           "reading today's numbers",
                        zh=f"{_SOURCE.zh} {src} 今天没有任何数据，而过去 {n_days} 天中有 {present} 天有访客"
                           f"（通常 {usual:,.0f}）：请先检查埋点或导出，再解读今天的数字"),
                    diagnose={"date": day.isoformat(), "vs": "week", "metric": "sales", "focus": {"source": src}}))
        return out

    def quarantine_jump(self, day: date) -> list[Alert]:
        """A day's ingest runs sent an unusual share of rows to quarantine."""
        loads = self._table("loads")
        if loads.empty or "started_at" not in loads.columns:
            return []
        loads = loads.copy()
        loads["day"] = pd.to_datetime(loads["started_at"]).dt.date
        g = loads.groupby("day")[["rows_loaded", "rows_quarantined"]].sum()
        g = g[g.index <= day]
        if day not in g.index:
            return []
        share = g["rows_quarantined"] / (g["rows_loaded"] + g["rows_quarantined"]).where(lambda x: x > 0)
        today = float(share.get(day, 0.0) or 0.0)
        usual = float(share.drop(index=day).median()) if len(share) > 1 else 0.0
        usual = 0.0 if usual != usual else usual
        rows = int(g["rows_quarantined"].get(day, 0))
        s = self.settings
        if today < s.quarantine_share or today < s.quarantine_factor * usual:
            return []
        return [Alert(
            day=day, kind="data_quality", code="quarantine_jump", severity="high", score=50.0 + 100 * today,
            level="shop", key=None, metric=None,
            numbers={"quarantined_rows": rows, "share": today, "usual_share": usual},
            text=Text(
                en=f"{rows:,} rows ({today:.1%}) of today's loads went to quarantine (usually {usual:.1%}): "
                   "see `junshi quarantine` and fix the source file",
                zh=f"今天导入的数据中有 {rows:,} 行（{today:.1%}）进入隔离区（通常 {usual:.1%}）："
                   "请查看隔离区并修正源文件"))]

    def presale_distortion(self, day: date) -> list[Alert]:
        """Presale products whose payment conversion reads ~0 while their order conversion does not."""
        products = self._table("products")
        if products.empty or "is_presale" not in products.columns:
            return []
        presale = set(products[products["is_presale"].eq(True)]["product_id"].astype(str))
        if not presale:
            return []
        try:  # the day's presale products alone: order conversion reads the order lines (no rollup holds them)
            f = kpi_frame(self.shop, ["uv", "payment_conversion_rate", "order_conversion_rate"], ["product"],
                          start=day, end=day, filters={"product": sorted(presale)})
        except JunshiError:
            return []
        if "order_conversion_rate" not in f.columns or "uv" not in f.columns:
            return []
        f = f[f["product"].astype(str).isin(presale) & (f["uv"] >= self.settings.min_uv)]
        f = f[f["payment_conversion_rate"].fillna(0) < self.settings.presale_ratio * f["order_conversion_rate"]]
        if f.empty:
            return []
        ids = sorted(f["product"].astype(str))
        ordc, payc = float(f["order_conversion_rate"].mean()), float(f["payment_conversion_rate"].fillna(0).mean())
        return [Alert(
            day=day, kind="data_quality", code="presale_distortion", severity="low", score=10.0, level="product",
            key=None, metric="payment_conversion_rate",
            numbers={"products": ids, "order_conversion": ordc, "payment_conversion": payc},
            text=Text(
                en=f"Presale products {', '.join(ids)} show payment conversion {payc:.2%} against order conversion "
                   f"{ordc:.2%}: deposits are not payments yet; read order conversion for them",
                zh=f"预售商品 {'、'.join(ids)} 的支付转化率 {payc:.2%}，下单转化率 {ordc:.2%}：定金期尚未付尾款，"
                   "请看下单转化率"))]

    def sales_mismatch(self, day: date) -> list[Alert]:
        """Orders and the platform's daily report disagree on the day's sales by more than a cent."""
        return [Alert(
            day=day, kind="data_quality", code="sales_mismatch", severity="medium", score=30.0, level="shop", key=None,
            metric="sales",
            numbers={"orders": m.orders, "reported": m.reported, "difference": m.difference},
            text=Text(
                en=f"Sales from orders {_fmt('sales', m.orders, self.currency)} differ from the daily report's "
                   f"{_fmt('sales', m.reported, self.currency)}: figures use the orders; look for missing orders or a "
                   "report of another scope",
                zh=f"订单的支付金额 {_fmt('sales', m.orders, self.currency)} 与平台日报的 "
                   f"{_fmt('sales', m.reported, self.currency)} 不一致：指标按订单计算；"
                   "请检查是否缺少订单或日报口径不同"),
        ) for m in self._sales_mismatches() if m.day == day]

    def _sales_mismatches(self) -> list[SalesMismatch]:
        if self._mismatches is None:
            self._mismatches = sales_mismatches(self.shop.warehouse, self.shop.shop_id)
        return self._mismatches

    def suspect_jump(self, day: date) -> list[Alert]:
        """The share of suspect (刷单) orders of the day (as last scored by ``junshi risk orders``) beyond its
        normal variation: the day's suspect orders against the previous weeks' (promotion days left out),
        each day's exposure its orders over the day's (:func:`~junshi.analysis.significance.count_pvalue`)."""
        s = self.settings
        days = window_days(day, s.anomaly.weeks, self._promos(day))
        try:
            f = self._table_kpi("suspects", ["suspect_orders", "placed_orders"], days[0] if days else day, day)
        except JunshiError:
            return []
        if "suspect_orders" not in f.columns or "placed_orders" not in f.columns:
            return []
        by_day = f.set_index("day")[["suspect_orders", "placed_orders"]].astype(float)
        if day not in by_day.index:
            return []
        k, n = by_day.loc[[day]].to_numpy()[0].tolist()
        hist = by_day.reindex(days).fillna(0.0)
        jumped, p, expected = suspect_jump_test(hist["suspect_orders"].to_numpy(), hist["placed_orders"].to_numpy(),
                                                k, n, s)
        if not jumped:
            return []
        share = k / n
        m = REGISTRY["suspect_share"].name
        return [Alert(
            day=day, kind="anomaly", code="suspect_share_jump", severity="high" if share >= 0.1 else "medium",
            score=float(min(-np.log10(max(p, 1e-300)), 300.0)), level="shop", key=None, metric="suspect_share",
            numbers={"suspect_orders": int(k), "placed_orders": int(n), "share": share, "expected_share": expected,
                     "p_value": p},
            text=Text(en=f"{m.en} {share:.1%} today ({int(k)} of {int(n)} orders), expected {expected:.1%}: beyond "
                         "normal variation; see `junshi risk orders` and the Risk page, and read today's figures "
                         "with --clean",
                      zh=f"{m.zh}今天为 {share:.1%}（{int(n)} 笔中 {int(k)} 笔），预期 {expected:.1%}：超出正常波动；"
                         "请查看 `junshi risk orders` 与风控页，并用 --clean 查看剔除后的数据"))]

    def _table_kpi(self, name: str, metrics: list[str], start: date, end: date) -> pd.DataFrame:
        """Daily ``metrics`` of the shop (cached under ``name``; refetched when the range grows)."""
        cached = self._kpis.get(name)
        if cached is None or cached[0] > start or cached[1] < end:
            cached = (start, end, kpi_frame(self.shop, metrics, ["day"], start=start, end=end))
            self._kpis[name] = cached
        return cached[2]

    def run(self, day: date) -> list[Alert]:
        """Every alert of ``day``, worst first (a silent source replaces its own anomaly alert)."""
        quality = self.silent_sources(day) + self.quarantine_jump(day) + self.presale_distortion(day)
        quality += self.sales_mismatch(day)
        silent = {a.key for a in quality if a.code == "source_silent"}
        stock = self.stockouts(day)
        out_ids = {a.key for a in stock}
        anomalies = [a for a in self.anomalies(day) if not (a.level == "source" and a.key in silent)
                     and not (a.level == "product" and a.key in out_ids)]
        anomalies = group_alerts(anomalies, self.settings.group_keep)
        anomalies += stock + self.suspect_jump(day) + (self.intraday(day) if self._is_last_day(day) else [])
        return sort_alerts(quality + anomalies)


def _last_hour(f: pd.DataFrame, day: date) -> int | None:
    """The last hour of ``day`` with visits in frame ``f`` (by day and hour), when the day is still in progress
    (before 23:00); else None."""
    today = f[(f["day"] == day) & (f.get("visits", pd.Series(0, index=f.index)).fillna(0) > 0)]
    if f.empty or today.empty or int(today["hour"].max()) >= 23:
        return None
    return int(today["hour"].max())


def suspect_jump_test(hist_suspects: ArrayLike, hist_orders: ArrayLike, suspects: float, orders: float,
                      settings: AlertSettings) -> tuple[bool, float, float]:
    """(jumped, p-value, expected share): whether a day's ``suspects`` of ``orders`` jump beyond the history's
    normal variation (at least ``min_history`` days; the count model of
    :func:`~junshi.analysis.significance.count_pvalue`, each history day exposed by its orders over the day's),
    with at least ``suspect_min_orders`` suspects making ``suspect_min_share`` of the orders."""
    hk, hn = np.asarray(hist_suspects, dtype=float), np.asarray(hist_orders, dtype=float)
    if not orders or len(hk) < settings.anomaly.min_history or not hn.sum():
        return False, float("nan"), float("nan")
    expected = float(hk.sum() / hn.sum())
    p = count_pvalue(hk, suspects, hn / orders)
    share = suspects / orders
    jumped = (suspects >= settings.suspect_min_orders and share >= settings.suspect_min_share and share > expected
              and p < settings.suspect_p)
    return bool(jumped), p, expected


def sort_alerts(alerts: Iterable[Alert]) -> list[Alert]:
    """Worst first: severity, then score."""
    return sorted(alerts, key=lambda a: (SEVERITY_RANK[a.severity], -a.score, a.level, a.key or ""))
