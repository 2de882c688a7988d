"""Customer analyses: RFM groups, cohorts, repurchase, lifetime value (BG/NBD, Pareto/NBD,
Gamma-Gamma), churn warning and audiences. See docs/customers.md.

``shop.customers`` is a :class:`Customers` namespace bound to one shop; every method returns a
dataclass (with ``to_dict()``) or a pandas DataFrame whose columns are documented on the function.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from junshi.customers.audiences import (
    Attribute,
    Audience,
    AudienceExport,
    AudiencePreview,
    Bought,
    InRFMGroup,
    Not,
    Predicted,
    Reviewed,
    Searched,
    Visited,
    best_hours,
    export_audience,
    members,
    preview,
)
from junshi.customers.clv import CLVFit, Validation, churn_warning, fit_clv, predict, validate
from junshi.customers.cohorts import Breakdown, Period, cohorts
from junshi.customers.repurchase import Repurchase, repurchase
from junshi.customers.rfm import GROUPS, rfm, rfm_groups, rfm_movement
from junshi.customers.summary import customer_summary

if TYPE_CHECKING:
    from junshi.shop import Shop

Day = dt.date | str | None


class Customers:
    """The customer analyses of one shop (``shop.customers``)."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    def summary(self, calibration_end: dt.date | str, holdout_end: Day = None, unit_days: float = 7.0) -> pd.DataFrame:
        """Per-customer frequency / recency / T / spend (see customer_summary)."""
        return customer_summary(
            self.shop.table("orders"), calibration_end, unit_days=unit_days, holdout_end=holdout_end
        )

    def rfm(self, as_of: Day = None) -> pd.DataFrame:
        """Per-customer RFM values, scores and group (see junshi.customers.rfm.rfm)."""
        return rfm(self.shop, as_of)

    def rfm_groups(self, as_of: Day = None) -> pd.DataFrame:
        """Size, revenue and profile of the eight RFM groups."""
        return rfm_groups(self.shop, as_of)

    def rfm_movement(self, date_from: dt.date | str, date_to: dt.date | str) -> pd.DataFrame:
        """Customers moving between RFM groups from one date to another."""
        return rfm_movement(self.shop, date_from, date_to)

    def cohorts(self, period: Period = "month", as_of: Day = None, by: Breakdown | None = None) -> pd.DataFrame:
        """Cohorts by first-purchase month/week (see junshi.customers.cohorts.cohorts)."""
        return cohorts(self.shop, period=period, as_of=as_of, by=by)

    def repurchase(self, start: Day = None, end: Day = None) -> Repurchase:
        """Repurchase rate, days between purchases, order-count distribution."""
        return repurchase(self.shop, start, end)

    def fit_clv(self, calibration_end: Day = None, pareto: bool = False) -> CLVFit:
        """Fitted BG/NBD + Gamma-Gamma (+ Pareto/NBD) with parameters and standard errors."""
        return fit_clv(self.shop.table("orders"), calibration_end, pareto=pareto)

    def clv(self, as_of: Day = None, horizon_days: float = 90.0) -> pd.DataFrame:
        """Per-customer P(alive), expected purchases and value over ``horizon_days``, next purchase date."""
        return predict(fit_clv(self.shop.table("orders"), as_of), horizon_days)

    def validate(self, calibration_end: dt.date | str, holdout_end: dt.date | str) -> Validation:
        """Calibration / holdout report: predicted vs actual by frequency, correlation, churn AUCs."""
        return validate(self.shop.table("orders"), calibration_end, holdout_end)

    def churn(
        self, as_of: Day = None, threshold: float = 0.5, horizon_days: float = 365.0, model: str = "pareto"
    ) -> pd.DataFrame:
        """Churn warning (流失预警): customers with P(alive) < threshold, most value at stake first."""
        fit = fit_clv(self.shop.table("orders"), as_of, pareto=model == "pareto")
        return churn_warning(fit, threshold=threshold, horizon_days=horizon_days, model=model)

    def audience(self, spec: Audience | dict[str, Any]) -> pd.DataFrame:
        """Members (customer_id) of an audience given as an Audience or its JSON dict."""
        return members(self.shop, _audience(spec))

    def preview_audience(self, spec: Audience | dict[str, Any], horizon_days: float = 90.0) -> AudiencePreview:
        """Size and expected value of an audience before export."""
        return preview(self.shop, _audience(spec), horizon_days=horizon_days)

    def export_audience(
        self, spec: Audience | dict[str, Any], path: str | Path, control_share: float = 0.1, seed: int = 0
    ) -> AudienceExport:
        """Export to CSV/XLSX with a seeded random control group recorded in the warehouse."""
        return export_audience(self.shop, _audience(spec), path, control_share=control_share, seed=seed)

    def best_hours(self) -> pd.DataFrame:
        """Each buyer's most frequent hour of payment (customer_id, best_hour, orders_at_hour)."""
        return best_hours(self.shop)


def _audience(spec: Audience | dict[str, Any]) -> Audience:
    return spec if isinstance(spec, Audience) else Audience.from_dict(spec)


__all__ = [
    "GROUPS",
    "Attribute",
    "Audience",
    "AudienceExport",
    "AudiencePreview",
    "Bought",
    "CLVFit",
    "Customers",
    "InRFMGroup",
    "Not",
    "Predicted",
    "Repurchase",
    "Reviewed",
    "Searched",
    "Validation",
    "Visited",
    "churn_warning",
    "cohorts",
    "customer_summary",
    "fit_clv",
    "predict",
    "repurchase",
    "rfm",
    "rfm_groups",
    "rfm_movement",
    "validate",
]
