"""Response models of the marketing endpoints (attribution, creative tests): :mod:`junshi.marketing` as JSON."""

from __future__ import annotations

from pydantic import Field

from junshi.api.models import Model
from junshi.i18n import Text


class ChannelCredit(Model):
    channel: str | None = Field(description="The traffic source (null: visits without a source).")
    conversions: float = Field(description="Paid orders attributed to the channel (fractional).")
    value: float = Field(description="Sales attributed to the channel, in the shop's currency.")


class AttributionResponse(Model):
    """:class:`junshi.marketing.attribution.Attribution`: one model's credit per channel."""

    model: str
    start: str
    end: str
    channels: list[ChannelCredit]
    total_conversions: int = Field(description="Paid orders placed in the period's visits (every model adds up "
                                   "to them).")
    total_value: float = Field(description="Their sales (pay_amount).")
    half_life_days: float = Field(description="Half-life of the time_decay model, in days.")


class ModelCredit(Model):
    conversions: float
    value: float


class PlatformCredit(Model):
    conversions: int = Field(description="Orders the ad platform attributes to the channel (ad_spend).")
    value: float = Field(description="Sales the ad platform attributes to the channel.")
    cost: float = Field(description="Spend on the channel.")
    setting: str = Field(description="The platform's attribution setting (效果模型|统计口径|转化周期).")


class ComparisonChannel(Model):
    channel: str | None
    models: dict[str, ModelCredit] = Field(description="Credit under each model, by model id.")
    platform: PlatformCredit | None = Field(description="The platform's own figures (null: not an ad channel).")


class AttributionComparison(Model):
    """:class:`junshi.marketing.attribution.Comparison`: every model side by side with the platform's figures."""

    start: str
    end: str
    models: list[str]
    model_names: dict[str, Text] = Field(description="Each model's name in zh and en.")
    platform_name: Text
    channels: list[ComparisonChannel]
    total_conversions: int
    total_value: float
    half_life_days: float


class AbMetric(Model):
    metric: str = Field(description="conversion, revenue_per_visitor, orders_per_visit or revenue_per_visit.")
    name: Text
    control: float | None
    treatment: float | None
    effect: float | None = Field(description="Treatment minus control.")
    effect_ci: list[float | None] = Field(description="Confidence interval of the difference (lower, upper).")
    rel_effect: float | None = Field(description="Difference / control.")
    rel_effect_ci: list[float | None] | None
    pvalue: float | None = Field(description="Fixed-horizon p-value (Welch t-test; delta method for ratios).")
    cuped: bool = Field(description="Variance reduced with the visitors' pre-period orders (CUPED).")
    always_valid_pvalue: float | None = Field(description="Sequential p-value, valid however often it is read.")


class AbDay(Model):
    date: str
    visitors_control: int
    visitors_treatment: int
    conversion_pvalue: float
    revenue_per_visitor_pvalue: float


class AbTestResponse(Model):
    """:class:`junshi.marketing.abtest.AbTest`: one test's readout and verdict."""

    column: str
    control: str
    treatment: str
    start: str
    end: str
    visitors: dict[str, int] = Field(description="Visitors in control and treatment.")
    mixed_visitors: int = Field(description="Visitors who saw both (left out).")
    expected_ratio: float | None
    srm_pvalue: float | None = Field(description="Sample-ratio-mismatch p-value (null: no planned split).")
    alpha: float
    metrics: list[AbMetric]
    verdict: str = Field(description="treatment_better, treatment_worse, no_difference_yet, sample_ratio_mismatch "
                         "or too_few_visitors.")
    verdict_metric: str | None
    verdict_text: Text
    daily: list[AbDay] = Field(description="The always-valid p-values after each day.")


class AbTestsResponse(Model):
    tests: list[AbTestResponse]
