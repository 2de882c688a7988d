"""活动 Promotions: the post-mortem of the last big shopping day up to the period's end (waterfall, daily sales
against the counterfactual, phases, presale, new customers, stock-outs and lost sales), its main day's pace by
hour against a target, and the plan of the next one for the same target."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import Query, Request
from pydantic import Field

from junshi import Shop
from junshi.analysis.lookups import product_label, product_names
from junshi.api.lang import request_lang
from junshi.api.models import AlertItem, Model
from junshi.api.pages import PageApi
from junshi.api.params import LangQ, PeriodDep
from junshi.api.state import EngineDep
from junshi.errors import JunshiError
from junshi.i18n import Lang, Text
from junshi.vocab import PROMO_PHASES, severity_name

PLAN_PRODUCTS = 20


class PhaseRow(Model):
    phase: str
    name: str
    start: str
    end: str
    sales: float
    baseline: float
    lift: float
    interval: list[float]
    uv: float | None
    payment_conversion_rate: float | None
    spend_per_buyer: float | None


class ReviewDay(Model):
    date: str
    phase: str
    sales: float
    baseline: float
    low: float
    high: float


class StockoutRow(Model):
    product_id: str
    name: str = Field(description="The product's name and id, as the 商品 page shows it.")
    days: int
    first_day: str
    lost_sales: float


class Presale(Model):
    orders: int
    deposits: float
    paid_orders: int
    balance_paid: float
    cancelled_orders: int
    deposits_unpaid: float


class NewCustomers(Model):
    acquired: int
    follow_up_days: int
    repurchase_rate: float | None
    ordinary_customers: int
    ordinary_repurchase_rate: float | None


class Cannibalisation(Model):
    promoted_products: list[str]
    other_sales: float
    other_baseline: float
    change: float
    interval: list[float]
    cannibalised: bool


class Review(Model):
    start: str
    end: str
    day: str
    level: float
    sales: float
    baseline: float
    incremental_sales: float
    interval: list[float] = Field(description="[low, high] of the incremental sales at ``level``.")
    pull_forward: float = Field(description="Lift of the warm-up days (negative: demand pulled forward).")
    main_lift: float
    hangover: float = Field(description="Lift of the days after the main day (negative: hangover).")
    phases: list[PhaseRow]
    daily: list[ReviewDay]
    presale: Presale
    new_customers: NewCustomers
    cannibalisation: Cannibalisation | None
    stockouts: list[StockoutRow]


class PaceHour(Model):
    hour: int
    sales: float
    cumulative: float | None
    planned_cumulative: float


class Live(Model):
    date: str
    target_sales: float
    hour: int
    cumulative_sales: float
    planned_cumulative: float
    pace: float | None
    projection: float | None
    projection_interval: list[float] | None
    hours: list[PaceHour]
    alerts: list[AlertItem]


class PlanSource(Model):
    source: str
    share: float
    uv: float
    visitor_cost: float | None
    spend: float | None


class PlanDay(Model):
    date: str
    phase: str
    sales: float
    ordinary_sales: float
    uv: float | None


class PlanProduct(Model):
    product_id: str
    name: str = Field(description="The product's name and id, as the 商品 page shows it.")
    forecast_units: float
    upper_units: float
    stock: int | None
    presale_units: int
    stock_needed: int | None
    stockout_risk: float | None


class Plan(Model):
    target_sales: float
    date: str
    basis: str
    uv: float | None = Field(description="Visitors the target needs; null for a shop without visitor data.")
    uv_interval: list[float] | None
    payment_conversion_rate: float | None
    spend_per_buyer: float
    paid_buyers: float
    paid_buyers_interval: list[float]
    spend: float | None
    spend_ratio: float | None
    spend_band: list[float] | None
    spend_status: str | None
    sources: list[PlanSource]
    days: list[PlanDay]
    products: list[PlanProduct] = Field(description=f"The {PLAN_PRODUCTS} products needing the most stock.")


class PromoResponse(Model):
    review: Review | None
    live: Live | None
    plan: Plan | None
    notes: list[str] = Field(description="Why a part is missing (too little history, no visitor data ...).")


def next_peak(shop: Shop, after: date) -> date:
    """The first big shopping day after ``after`` (the shop's market calendar)."""
    from junshi.analysis.alerts import promotion_days

    peaks = promotion_days([after.year, after.year + 1], str(shop.settings["currency"]), before=0, after=0)
    return min(d for d in peaks if d > after)


Window = tuple[date, date, date]


def find_window(shop: Shop, until: date) -> Window | JunshiError:
    """(start, end, main day) of the last promotion up to ``until``, or why there is none."""
    from junshi.promo.review import last_promotion

    try:
        return last_promotion(shop, until)
    except JunshiError as exc:
        return exc


def promo_data(shop: Shop, found: Window | JunshiError, target: float | None) -> dict[str, Any]:
    """The review, live pace and plan as the engine gives them, or the errors that kept a part out. The plan is
    of the next big shopping day after the window."""
    from junshi.promo.live import live
    from junshi.promo.plan import plan
    from junshi.promo.review import review

    out: dict[str, Any] = {"review": None, "live": None, "plan": None, "errors": [], "names": {}}
    if isinstance(found, JunshiError):
        out["errors"].append(found)
        return out
    start, end, day = found
    try:
        out["review"] = review(shop, start, end, day=day)
    except JunshiError as exc:
        out["errors"].append(exc)
        return out
    main = next(p for p in out["review"]["phases"] if p["phase"] == "main")
    goal = float(target or main["sales"])
    makers: dict[str, Callable[[], dict[str, Any]]] = {
        "live": lambda: live(shop, day, goal),
        "plan": lambda: plan(shop, goal, next_peak(shop, end)),
    }
    for part, make in makers.items():
        try:
            out[part] = make()
        except JunshiError as exc:
            out["errors"].append(exc)
    out["names"] = product_names(shop)
    return out


def _alert(a: dict[str, Any], lang: Lang) -> AlertItem:
    return AlertItem(id=f"{a['code']}:{a['day']}", day=a["day"], kind=a["kind"], code=a["code"], severity=a["severity"],
                     score=a["score"], level=a["level"], key=a["key"], metric=a["metric"], numbers=a["numbers"],
                     text=a["text"][lang], text_all=Text(**a["text"]), related=a["related"],
                     diagnose=a["diagnose"], priority=a["severity"], priority_label=severity_name(a["severity"])(lang))


def respond(data: dict[str, Any], lang: Lang) -> PromoResponse:
    """The engine's figures with the labels of ``lang``."""
    r, lv, pl = data["review"], data["live"], data["plan"]

    def named(pid: str) -> str:
        return product_label(data["names"].get(pid), pid)
    review = None
    if r is not None:
        phases = [PhaseRow(phase=p["phase"], name=PROMO_PHASES[p["phase"]].name(lang), start=p["start"], end=p["end"],
                           sales=p["sales"], baseline=p["baseline"], lift=p["lift"], interval=p["interval"],
                           uv=p["kpis"]["uv"], payment_conversion_rate=p["kpis"]["payment_conversion_rate"],
                           spend_per_buyer=p["kpis"]["spend_per_buyer"]) for p in r["phases"]]
        review = Review(**{k: r[k] for k in ("start", "end", "day", "level", "sales", "baseline", "incremental_sales",
                                             "interval", "pull_forward", "main_lift", "hangover", "daily", "presale",
                                             "new_customers", "cannibalisation")}, phases=phases,
                        stockouts=[StockoutRow(**row, name=named(row["product_id"])) for row in r["stockouts"]])
    live = None if lv is None else Live(**{k: v for k, v in lv.items() if k not in ("alerts", "basis")},
                                        alerts=[_alert(a, lang) for a in lv["alerts"]])
    plan = None
    if pl is not None:
        keep = ("target_sales", "date", "uv", "uv_interval", "payment_conversion_rate", "spend_per_buyer",
                "paid_buyers", "paid_buyers_interval", "spend", "spend_ratio", "spend_band", "spend_status", "sources")
        plan = Plan(**{k: pl[k] for k in keep}, basis=pl["basis"]["kind"],
                    days=[PlanDay(**d) for d in pl["days"]],
                    products=[PlanProduct(**{k: p[k] for k in PlanProduct.model_fields if k != "name"},
                                          name=named(p["product_id"])) for p in pl["products"][:PLAN_PRODUCTS]])
    return PromoResponse(review=review, live=live, plan=plan, notes=[e.message(lang) for e in data["errors"]])


def get_promo(
    request: Request,
    engine: EngineDep,
    period: PeriodDep,
    target: Annotated[float | None, Query(gt=0, le=1e12, description="The main day's sales target (default: the "
                                                                     "last promotion's main-day sales).")] = None,
    lang: LangQ = None,
) -> PromoResponse:
    """The figures depend on the promotion the period's end falls after, not on the period: cached by it."""
    chosen = request_lang(request)
    found = engine.cached(("promo-window", period.end), lambda shop: find_window(shop, period.end))
    data = engine.cached(("promo", found, target), lambda shop: promo_data(shop, found, target))
    return respond(data, chosen)


API = PageApi(endpoint=get_promo, response=PromoResponse)
