"""The entry points behind ``Shop.diagnose`` / ``alerts`` / ``advise`` and the CLI: periods, defaults, facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from junshi.analysis.advice import Advice, AdviceSettings, advise
from junshi.analysis.alerts import Alert, AlertEngine, AlertSettings, promotion_days
from junshi.analysis.channels import costed_channels, paid_sources
from junshi.analysis.diagnosis import DIMENSIONS, Diagnoser, Diagnosis, Period
from junshi.analysis.lookups import product_names
from junshi.analysis.source import kpi_fetch, kpi_frame, kpi_history, kpi_splits, table_frame
from junshi.errors import ConfigError, JunshiError, MissingDataError
from junshi.periods import parse_day

if TYPE_CHECKING:
    from junshi.shop import Shop


def data_span(shop: Shop) -> tuple[date, date]:
    """The first and the last day with sales: the days an analysis can speak about."""
    f = kpi_frame(shop, ["sales"], ["day"], start=None, end=None)
    f = f[f["sales"].fillna(0) > 0] if "sales" in f.columns else f
    if f.empty:
        raise MissingDataError(
            "This shop has no paid orders yet.", "本店还没有已付款订单。",
            hint_en="Load orders first (junshi ingest) or try junshi demo.",
            hint_zh="请先导入订单（junshi ingest），或试试 junshi demo。",
        )
    days: list[date] = list(f["day"])  # day values are dates (the metric layer's day dimension)
    return min(days), max(days)


def latest_day(shop: Shop) -> date:
    """The last day with sales (the default day of every analysis)."""
    return data_span(shop)[1]


def within_data(period: Period, span: tuple[date, date], baseline: bool = False) -> None:
    """A MissingDataError when ``period`` lies wholly outside the shop's data (``span``, see data_span):
    an analysis of days without data would be one of zeros."""
    first, last = span
    if period.end < first or period.start > last:
        kind_en = "day" if period.start == period.end else "period"
        what_en = f"the baseline {kind_en}" if baseline else f"the {kind_en} asked for"
        what_zh = "对比基期" if baseline else "所选日期"
        raise MissingDataError(
            f"This shop has no data on {period.label()} ({what_en}): its sales run from {first} to {last}.",
            f"本店在 {period.label()}（{what_zh}）没有数据：销售数据范围为 {first} 至 {last}。",
            hint_en=f"Choose days from {first} to {last}, or load the data of that day (junshi ingest).",
            hint_zh=f"请选择 {first} 至 {last} 之间的日期，或导入当天的数据（junshi ingest）。",
        )


def analysis_day(shop: Shop, day: date | str | None) -> date:
    """``day`` (default: the last day with sales), checked to lie within the shop's data."""
    span = data_span(shop)
    d = parse_day(day) if day is not None else span[1]
    within_data(Period(d, d), span)
    return d


def baseline_period(day: date, vs: date | str | None) -> Period:
    """``week`` (default): the same weekday a week before; ``previous``: the day before; or a date."""
    if vs is None or vs == "week":
        d = day - timedelta(days=7)
    elif vs == "previous":
        d = day - timedelta(days=1)
    else:
        try:
            d = parse_day(vs)
        except ConfigError as exc:
            raise ConfigError(
                f"Unknown baseline {vs!r}.", f"未知的对比基期 {vs!r}。",
                hint_en="Use --vs week, --vs previous or --vs YYYY-MM-DD.",
                hint_zh="请使用 --vs week、--vs previous 或 --vs YYYY-MM-DD。",
            ) from exc
    return Period(d, d)


class StockFacts:
    """Stock context of product cells (from the daily ``inventory``, read once per diagnosis)."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        inv = table_frame(shop, "inventory")
        if not inv.empty:
            inv["date"] = pd.to_datetime(inv["date"]).dt.date
            inv["product_id"] = inv["product_id"].astype(str)
        self.inventory = inv

    def _product(self, value: str) -> pd.DataFrame:
        return self.inventory[self.inventory["product_id"] == value] if not self.inventory.empty else self.inventory

    def out_of_stock(self, dimension: str, value: str, period: Period) -> bool:
        """A product whose stock was 0 at the end of a day of the period (a known cause of a drop)."""
        if dimension != "product":
            return False
        inv = self._product(value)
        return bool(len(inv)) and bool(((inv["date"] >= period.start) & (inv["date"] <= period.end)
                                        & (inv["stock"] <= 0)).any())

    def __call__(self, dimension: str, value: str, period: Period) -> dict[str, Any]:
        """Facts of a product step: out of stock since (first day of the zero run), last hour with a sale."""
        if dimension != "product":
            return {}
        inv = self._product(value)
        if inv.empty:
            return {}
        on = inv[(inv["date"] >= period.start - timedelta(days=1)) & (inv["date"] <= period.end)]
        zero = list(on[on["stock"] <= 0]["date"])
        if not zero:
            return {}
        first = min(zero)
        before = inv[inv["date"] < first]
        positive = list(before[before["stock"] > 0]["date"])
        since = max(positive) + timedelta(days=1) if positive else min([first, *before["date"]])
        out: dict[str, Any] = {"out_of_stock_since": since.isoformat()}
        try:
            hours = kpi_frame(self.shop, ["paid_orders"], ["hour"], start=first, end=first, filters={"product": value})
            sold = [int(h) for h in hours[hours["paid_orders"].fillna(0) > 0]["hour"]] \
                if "paid_orders" in hours.columns else []
            out["last_sale_hour"] = max(sold) if sold else None
        except JunshiError:
            pass
        return out


def diagnose(shop: Shop, day: date | str | None = None, vs: date | str | None = "week", metric: str = "sales",
             depth: int = 3) -> Diagnosis:
    """Why ``metric`` moved on ``day`` (default: the last day with sales) against ``vs``; both days must
    lie within the shop's data (a day against a day without data is no comparison)."""
    span = data_span(shop)
    d = parse_day(day) if day is not None else span[1]
    baseline = baseline_period(d, vs)
    within_data(Period(d, d), span)
    within_data(baseline, span, baseline=True)
    return diagnose_periods(shop, Period(d, d), baseline, metric, depth)


def diagnose_periods(shop: Shop, current: Period, baseline: Period, metric: str = "sales", depth: int = 3
                     ) -> Diagnosis:
    """Why ``metric`` moved between two periods of days (of any lengths, e.g. a month against the month before)."""
    if depth < 0:
        raise ConfigError("--depth must be 0 or more.", "--depth 不能小于 0。")
    within_data(current, data_span(shop))
    stock = StockFacts(shop)
    promos = promotion_days({current.start.year - 1, current.end.year}, str(shop.settings["currency"]))
    diag = Diagnoser(kpi_fetch(shop), facts=stock, causes=stock.out_of_stock, dimensions=DIMENSIONS,
                     history=kpi_history(shop), promo_days=promos, splits=kpi_splits(shop)
                     ).run(metric, current, baseline, depth=depth)
    sources = [c.value for c in diag.dimensions.get("source", [])]
    products = "product" in diag.dimensions or any(s.dimension == "product" for s in diag.path)
    return replace(diag, paid_sources=paid_sources(sources, costed_channels(shop)),
                   product_names=product_names(shop) if products else {})


def alerts(shop: Shop, day: date | str | None = None, settings: AlertSettings | None = None) -> list[Alert]:
    """The alerts of ``day`` (default: the last day with sales), worst first."""
    d = analysis_day(shop, day)
    return AlertEngine(shop, settings or AlertSettings()).run(d)


def recommendations(shop: Shop, day: date | str | None = None, settings: AdviceSettings | None = None
                    ) -> list[Advice]:
    """The recommendations of ``day`` (default: the last day with sales), most urgent first."""
    d = analysis_day(shop, day)
    return advise(shop, d, settings)
