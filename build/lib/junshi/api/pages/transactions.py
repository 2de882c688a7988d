"""交易 Transactions: the funnel of the period, per source and device, daily orders and refunds."""

from __future__ import annotations

from pydantic import Field

from junshi import Shop
from junshi.analysis.funnel import step_rates
from junshi.api.models import Model, Row, Trend, Value
from junshi.api.pages import PageApi, period_endpoint
from junshi.api.views import series, whole
from junshi.i18n import Lang
from junshi.jsonable import num
from junshi.periods import Period

FUNNEL = ("uv", "cart_visitors", "order_buyers", "paid_buyers")
FUNNEL_TABLE = ("uv", "order_buyers", "paid_buyers", "order_conversion_rate", "payment_conversion_rate", "sales")
ORDER_TREND = ("paid_orders", "refund_amount", "sales")


class FunnelStep(Model):
    metric: str
    value: Value
    rate: float | None = Field(description="The step's value over the step before (null for the first step).")


class TransactionsResponse(Model):
    start: str
    end: str
    funnel: list[FunnelStep]
    metrics: list[str]
    by_source: list[Row]
    by_device: list[Row]
    trend: Trend


def transactions(shop: Shop, period: Period, lang: Lang) -> TransactionsResponse:
    """The funnel of the period, the same per source and device, and daily orders and refunds."""
    start, end = period.start, period.end
    row = whole(shop, period, FUNNEL)
    by_source = shop.kpi(metrics=list(FUNNEL_TABLE), by=["source"], start=start, end=end).records()
    by_device = shop.kpi(metrics=list(FUNNEL_TABLE), by=["device"], start=start, end=end).records()
    return TransactionsResponse(
        start=start.isoformat(), end=end.isoformat(),
        funnel=[FunnelStep(metric=m, value=num(row.get(m)), rate=rate)
                for m, rate in zip(FUNNEL, step_rates([row.get(m) for m in FUNNEL]), strict=True)],
        metrics=list(FUNNEL_TABLE), by_source=by_source, by_device=by_device,
        trend=series(shop, ORDER_TREND, period),
    )


API = PageApi(endpoint=period_endpoint("transactions", transactions), response=TransactionsResponse)
