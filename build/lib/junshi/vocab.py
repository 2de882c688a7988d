"""Vocabularies every face shares, declared once: diagnosis factors, alert severities, recommendation
priorities, the alert levels, the names of the diagnosis' own cell values, promotion phases, review
aspects and the stages of an overdue order.

The CLI, the morning note, the API and the dashboard take these labels from here (dimensions are declared
in :mod:`junshi.metrics.dimensions`, metrics in :mod:`junshi.metrics.registry`); nothing else spells them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from junshi.i18n import Text

if TYPE_CHECKING:
    from junshi.metrics.model import Metric

Severity = Literal["high", "medium", "low", "info"]


@dataclass(frozen=True, kw_only=True)
class Term:
    """One word of a vocabulary: its id, name and what it means."""

    id: str
    name: Text
    description: Text

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name.to_dict(), "description": self.description.to_dict()}


@dataclass(frozen=True, kw_only=True)
class Factor:
    """A factor of a diagnosis chain (sales = visitors x conversion x spend per buyer ...): a registry metric
    (its name and definition are the metric's), or a name and description of its own."""

    id: str
    metric: str | None = None
    own_name: Text | None = None
    own_description: Text | None = None

    @property
    def name(self) -> Text:
        if self.own_name is not None:
            return self.own_name
        return _metric(self.metric).name

    @property
    def description(self) -> Text:
        if self.own_description is not None:
            return self.own_description
        return _metric(self.metric).definition

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name.to_dict(), "description": self.description.to_dict(),
                "metric": self.metric}


def _metric(metric_id: str | None) -> Metric:
    from junshi.metrics.registry import REGISTRY  # the registry loads Ibis: only when a name is asked for

    if metric_id is None:
        raise ValueError("a factor without a metric needs its own name and description")
    return REGISTRY[metric_id]


FACTORS: dict[str, Factor] = {f.id: f for f in (
    Factor(id="visitors", metric="uv"),
    Factor(id="conversion", metric="payment_conversion_rate"),
    Factor(id="spend_per_buyer", metric="spend_per_buyer"),
    Factor(id="buyers", metric="paid_buyers"),
    Factor(id="refund_rate", metric="refund_rate"),
    Factor(id="net_share", own_name=Text(en="Share kept after refunds", zh="退款后留存比例"),
           own_description=Text(en="Net sales / sales: the share of sales not refunded.",
                                zh="净支付金额 / 支付金额：没有被退款的销售占比。")),
    Factor(id="gross_margin", metric="gross_margin"),
)}
"""The factors of :data:`junshi.analysis.diagnosis.CHAINS`."""

SEVERITIES: dict[str, Term] = {s.id: s for s in (
    Term(id="high", name=Text(en="High", zh="高"),
         description=Text(en="Act today.", zh="今天就要处理。")),
    Term(id="medium", name=Text(en="Medium", zh="中"),
         description=Text(en="Look into it soon.", zh="尽快查看。")),
    Term(id="low", name=Text(en="Low", zh="低"),
         description=Text(en="Worth knowing.", zh="值得了解。")),
    Term(id="info", name=Text(en="Info", zh="提示"),
         description=Text(en="A change for the better or a note; nothing to fix.", zh="向好的变化或说明，无需处理。")),
)}
"""Alert severities and recommendation priorities, worst first."""

SEVERITY_RANK: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}
"""Sort key of a severity: 0 is the worst."""

PRIORITIES: dict[int, Severity] = {1: "high", 2: "medium", 3: "low"}
"""A recommendation's priority (1 most urgent) as a severity."""

SHOP_LEVEL = Term(id="shop", name=Text(en="Shop", zh="全店"),
                  description=Text(en="The whole shop.", zh="整个店铺。"))
"""The level of an alert on the whole shop (the other levels are dimensions)."""

PROMO_PHASES: dict[str, Term] = {t.id: t for t in (
    Term(id="warm_up", name=Text(en="Warm-up", zh="预热"),
         description=Text(en="The days before the main day: presale deposits, favourites and add-to-carts; buyers "
                             "wait for the day, so sales dip (demand pulled forward).",
                          zh="大促当天之前的日子：预售付定金、收藏加购；买家等大促当天再买，销售额下降（需求前移）。")),
    Term(id="main", name=Text(en="Main day", zh="大促当天"),
         description=Text(en="The event's main day: presale balances are paid and the discounts apply.",
                          zh="活动正式开始的一天：预售付尾款，优惠生效。")),
    Term(id="after", name=Text(en="After", zh="活动后"),
         description=Text(en="The days after the main day: buyers have stocked up, so sales dip (hangover).",
                          zh="大促之后的日子：买家已囤货，销售额回落（透支）。")),
)}
"""The phases of a promotion (junshi.promo): warm-up, main day, after."""

CLEAN = Term(id="clean", name=Text(en="Without suspect orders", zh="刷单剔除后"),
             description=Text(en="Figures without the suspect (刷单) orders of `junshi risk orders`, their lines, "
                                 "refunds and reviews.",
                              zh="剔除 `junshi risk orders` 识别的可疑（刷单）订单及其明细、退款与评价后的数据。"))
"""Figures read without the suspect orders (``--clean``, ``clean=True``)."""

REVIEW_ASPECTS: dict[str, Term] = {t.id: t for t in (
    Term(id="logistics", name=Text(en="Logistics", zh="物流"),
         description=Text(en="Shipping and delivery: speed, couriers, tracking.",
                          zh="发货与配送：速度、快递员、物流信息。")),
    Term(id="size", name=Text(en="Size", zh="尺码"),
         description=Text(en="Whether the size fits: runs small or large, true to size.",
                          zh="尺码是否合适：偏小、偏大、标准。")),
    Term(id="quality", name=Text(en="Quality", zh="质量"),
         description=Text(en="Quality and materials: fabric, feel, durability.", zh="质量与材质：面料、手感、耐用。")),
    Term(id="service", name=Text(en="Customer service", zh="客服"),
         description=Text(en="The seller's customer service and after-sales.", zh="卖家客服与售后。")),
    Term(id="price", name=Text(en="Price", zh="价格"),
         description=Text(en="Price and value for money, discounts, price drops.", zh="价格与性价比、折扣、降价。")),
    Term(id="packaging", name=Text(en="Packaging", zh="包装"),
         description=Text(en="Packaging: boxes, protection, damage in transit.", zh="包装：盒子、防护、运输破损。")),
    Term(id="color", name=Text(en="Colour", zh="颜色"),
         description=Text(en="Colour: as in the photos (色差), fading.", zh="颜色：与图片是否一致（色差）、掉色。")),
    Term(id="smell", name=Text(en="Smell", zh="气味"),
         description=Text(en="Smell: odd or chemical smells, scent.", zh="气味：异味、甲醛味、香味。")),
    Term(id="workmanship", name=Text(en="Workmanship", zh="做工"),
         description=Text(en="Workmanship: stitching, loose threads, finish.", zh="做工：走线、线头、细节。")),
)}
"""The aspects a review talks about (junshi.service.aspects), in the order they are listed."""

DELIVERY_STAGES: dict[str, Term] = {t.id: t for t in (
    Term(id="not_shipped", name=Text(en="Not shipped", zh="未发货"),
         description=Text(en="Paid, not handed to a carrier yet.", zh="已付款，尚未交给物流公司。")),
    Term(id="in_transit", name=Text(en="In transit", zh="运输中"),
         description=Text(en="Shipped, not delivered yet.", zh="已发货，尚未签收。")),
)}
"""Where an overdue order is (junshi.service.logistics)."""

CELL_VALUES: dict[str, Text] = {
    "(not allocated)": Text(en="(not allocated)", zh="（未分摊）"),
    "(unknown)": Text(en="(unknown)", zh="（未知）"),
}
"""Names of the cells a diagnosis adds: the part of a total no cell holds, and cells without a value."""


def severity_name(severity: str) -> Text:
    """The name of an alert severity or recommendation level."""
    return SEVERITIES[severity].name


def priority_name(priority: int) -> Text:
    """The name of a recommendation priority (1, 2, 3)."""
    return SEVERITIES[PRIORITIES[priority]].name


def vocabularies() -> dict[str, Any]:
    """Factors, severities, priorities and the shop level as JSON-ready data (for the API and the browser)."""
    return {
        "factors": [f.to_dict() for f in FACTORS.values()],
        "severities": [s.to_dict() for s in SEVERITIES.values()],
        "priorities": {str(p): s for p, s in PRIORITIES.items()},
        "shop_level": SHOP_LEVEL.to_dict(),
        "cell_values": {k: v.to_dict() for k, v in CELL_VALUES.items()},
        "promo_phases": {k: v.to_dict() for k, v in PROMO_PHASES.items()},
        "review_aspects": {k: v.to_dict() for k, v in REVIEW_ASPECTS.items()},
        "delivery_stages": {k: v.to_dict() for k, v in DELIVERY_STAGES.items()},
    }


CHECK_NAMES: dict[str, Text] = {
    "payments": Text(en="Unpaid orders", zh="拍下不付款"),
    "refunds": Text(en="Refund abuse", zh="恶意退款"),
    "reviewers": Text(en="Professional bad reviewers", zh="职业差评师"),
}
"""The risk page's payment and after-sale checks (:mod:`junshi.risk.aftersale`)."""
