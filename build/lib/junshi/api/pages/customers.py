"""客户 Customers: the eight RFM groups as of the period's last day and repurchase over the period."""

from __future__ import annotations

from pydantic import Field

from junshi import Shop
from junshi.api.models import Model
from junshi.api.pages import PageApi, period_endpoint
from junshi.customers.repurchase import REPURCHASE_DAYS, Repurchase
from junshi.i18n import Lang
from junshi.periods import Period


class RfmGroup(Model):
    group: str
    name: str
    customers: int
    share: float | None
    revenue: float | None
    revenue_share: float | None
    action: str


class CustomersResponse(Model):
    date: str
    groups: list[RfmGroup]
    repurchase: Repurchase = Field(description=":class:`junshi.customers.repurchase.Repurchase` (docs/customers.md).")
    repurchase_start: str
    repurchase_end: str


def customers(shop: Shop, period: Period, lang: Lang) -> CustomersResponse:
    """The eight RFM groups as of the period's last day and repurchase over the period, or over the 90 days
    to its last day when it is shorter (from :mod:`junshi.customers`)."""
    day = period.end
    groups = [
        RfmGroup(group=g["group"], name=g[f"group_{lang}"], customers=int(g["customers"]), share=g["share"],
                 revenue=g["revenue"], revenue_share=g["revenue_share"], action=g[f"action_{lang}"])
        for g in shop.customers.rfm_groups(day).to_dict(orient="records")
    ]
    first = period.at_least(REPURCHASE_DAYS).start
    again = shop.customers.repurchase(first, day)
    return CustomersResponse(date=day.isoformat(), groups=groups, repurchase=again,
                             repurchase_start=first.isoformat(), repurchase_end=day.isoformat())


API = PageApi(endpoint=period_endpoint("customers", customers), response=CustomersResponse)
