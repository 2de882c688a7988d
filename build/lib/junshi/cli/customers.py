"""``junshi customers rfm|cohorts|repurchase|clv|validate|churn|audience``: customer analyses."""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from junshi.cli.app import app
from junshi.cli.options import (
    CleanOption,
    DbOption,
    Engine,
    EngineOption,
    FormatOption,
    ShopOption,
    TableFormat,
    open_shop,
    option_day,
)
from junshi.cli.output import console, err_console, print_frame, print_json
from junshi.errors import ConfigError
from junshi.i18n import Text, get_lang, tr

if TYPE_CHECKING:
    import pandas as pd

customers_app = typer.Typer(
    name="customers",
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Customers (客户): RFM groups, cohorts, repurchase, lifetime value, churn warning, audiences.",
)
app.add_typer(customers_app)

AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Day to judge at, YYYY-MM-DD [default: last purchase day].")
]


CUSTOMER_UNITS: dict[str, str] = {
    "customers": "count", "buyers": "count", "repeat_buyers": "count", "orders": "count", "active": "count",
    "repeat_customers": "count", "mean_frequency": "count", "orders_per_customer": "count",
    "share": "ratio", "revenue_share": "ratio", "p_alive": "ratio", "active_share": "ratio", "repeat_share": "ratio",
    "repurchase_rate": "ratio", "returning_buyer_share": "ratio",
    "revenue": "money", "mean_monetary": "money", "monetary": "money", "monetary_value": "money",
    "expected_spend": "money", "expected_value": "money", "value_at_stake": "money",
    "cum_revenue_per_customer": "money",
    "mean_recency_days": "days", "gaps": "count", "from_days": "count", "to_days": "count",
}
"""The unit of each customer table column a table shows formatted (money in the shop's currency, shares as
percents); JSON and CSV keep the raw values."""

CUSTOMER_LABELS: dict[str, Text] = {
    "group_zh": Text("Group", "分群"), "group_en": Text("Group", "分群"),
    "action_zh": Text("What to do", "建议动作"), "action_en": Text("What to do", "建议动作"),
    "customers": Text("Customers", "客户数"), "share": Text("Share", "客户占比"),
    "revenue": Text("Revenue", "销售额"), "revenue_share": Text("Rev. share", "销售额占比"),
    "p_alive": Text("P(active)", "仍活跃概率"), "value_at_stake": Text("Value at stake", "流失风险金额"),
    "expected_spend": Text("Spend per order", "预计客单价"),
    "days_since_last_purchase": Text("Days since last purchase", "距上次购买天数"),
    "frequency": Text("Repeat purchases", "复购次数"), "last_purchase": Text("Last purchase", "上次购买"),
    "customer_id": Text("Customer", "客户"), "orders": Text("Orders", "订单数"),
    "from_days": Text("From (days)", "起（天）"), "to_days": Text("To (days)", "止（天）"),
    "gaps": Text("Purchase gaps", "购买间隔数"),
}
"""Headers of the customer tables' columns in a table (JSON and CSV keep the column names)."""


def _emit_frame(frame: "pd.DataFrame", fmt: str, title: str, currency: str = "CNY") -> None:
    """A customer table: its known columns formatted and labelled, other floats to three decimals."""
    lang = get_lang()
    print_frame(frame, fmt, title, ",.3f", units=CUSTOMER_UNITS, currency=currency,
                labels={k: v.get(lang) for k, v in CUSTOMER_LABELS.items()})


@customers_app.command("rfm")
def rfm_cmd(
    as_of: AsOfOption = None,
    movement_from: Annotated[
        str | None, typer.Option("--movement-from", help="Also show how customers moved between groups since this day.")
    ] = None,
    per_customer: Annotated[
        bool, typer.Option("--per-customer", help="One row per customer instead of groups.")
    ] = False,
    shop: ShopOption = "default",
    clean: CleanOption = False,
    db: DbOption = None,
    fmt: FormatOption = TableFormat.table,
    engine: EngineOption = Engine.duckdb,
) -> None:
    """RFM groups (重要价值客户 champions ... 一般挽留客户 lost): sizes, revenue, what to do."""
    day, since = option_day(as_of, "--as-of"), option_day(movement_from, "--movement-from")
    with open_shop(db, shop, clean, engine=engine) as s:
        currency = str(s.settings["currency"])
        if per_customer:
            _emit_frame(s.customers.rfm(day), fmt, tr("RFM per customer", "客户 RFM"), currency)
            return
        groups = s.customers.rfm_groups(day)
        name_col = "group_zh" if get_lang() == "zh" else "group_en"
        action_col = "action_zh" if get_lang() == "zh" else "action_en"
        shown = groups[[name_col, "customers", "share", "revenue", "revenue_share", action_col]]
        from junshi.customers.summary import last_purchase_day

        end = day or last_purchase_day(s.table("orders"))
        movement = s.customers.rfm_movement(since, end) if since else None
    if fmt == "json":
        data: dict[str, Any] = {"groups": json.loads(groups.to_json(orient="records", force_ascii=False))}
        if movement is not None:
            data["movement"] = json.loads(movement.to_json(orient="records", force_ascii=False))
        print_json(data)
        return
    _emit_frame(shown if fmt == "table" else groups, fmt, tr("RFM groups", "RFM 客户分群"), currency)
    if movement is not None:
        _emit_frame(movement[["from_group", "to_group", "customers"]], fmt, tr("Movement", "分群迁移"))


@customers_app.command("cohorts")
def cohorts_cmd(
    period: Annotated[str, typer.Option("--period", help="month or week.")] = "month",
    by: Annotated[str | None, typer.Option("--by", help="Breakdown: source, first_product or first_category.")] = None,
    as_of: AsOfOption = None,
    shop: ShopOption = "default",
    clean: CleanOption = False,
    db: DbOption = None,
    fmt: FormatOption = TableFormat.table,
    engine: EngineOption = Engine.duckdb,
) -> None:
    """Cohorts by first-purchase month/week: share buying in each later period, share that bought
    again, cumulative revenue per customer."""
    day = option_day(as_of, "--as-of")
    with open_shop(db, shop, clean, engine=engine) as s:
        frame = s.customers.cohorts(period, day, by)  # type: ignore[arg-type]  # validated inside
        currency = str(s.settings["currency"])
    _emit_frame(frame, fmt, tr("Cohorts", "同期群"), currency)


@customers_app.command("repurchase")
def repurchase_cmd(
    start: Annotated[str | None, typer.Option("--start", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last day, YYYY-MM-DD.")] = None,
    shop: ShopOption = "default",
    clean: CleanOption = False,
    db: DbOption = None,
    fmt: FormatOption = TableFormat.table,
    engine: EngineOption = Engine.duckdb,
) -> None:
    """Repurchase rate, days between purchases and the distribution of order counts."""
    import pandas as pd

    from junshi.formats import format_value
    from junshi.metrics import REGISTRY

    with open_shop(db, shop, clean, engine=engine) as s:
        r = s.customers.repurchase(start, end)
    if fmt == "json":
        print_json(r.to_dict())
        return
    rate, share = REGISTRY["repurchase_rate"], REGISTRY["returning_buyer_share"]
    console().print(
        tr(
            "Buyers {n:,}, bought on 2+ days {k:,}: {rate_name} {rate}, {share_name} {share}; "
            "median {m} days between purchases.",
            "购买买家 {n:,}，两天及以上购买 {k:,}：{rate_name} {rate}，{share_name} {share}；"
            "两次购买间隔中位数 {m} 天。",
            n=r.buyers,
            k=r.repeat_buyers,
            rate_name=rate.name(get_lang()),
            rate=format_value(r.repurchase_rate, "ratio"),
            share_name=share.name(get_lang()),
            share=format_value(r.returning_buyer_share, "ratio"),
            m=r.median_days_between,
        )
    )
    _emit_frame(pd.DataFrame(r.order_counts), fmt, tr("Orders per customer", "客户订单数分布"))
    _emit_frame(pd.DataFrame(r.gap_histogram), fmt, tr("Days between purchases", "购买间隔天数"))


@customers_app.command("clv")
def clv_cmd(
    calibration_end: Annotated[
        str | None,
        typer.Option("--calibration-end", help="Fit on purchases up to this day [default: last purchase day]."),
    ] = None,
    days: Annotated[float, typer.Option("--days", help="Prediction horizon in days.")] = 90.0,
    per_customer: Annotated[bool, typer.Option("--per-customer", help="Print per-customer predictions.")] = False,
    pareto: Annotated[bool, typer.Option("--pareto", help="Also fit Pareto/NBD.")] = False,
    shop: ShopOption = "default",
    clean: CleanOption = False,
    db: DbOption = None,
    fmt: FormatOption = TableFormat.table,
    engine: EngineOption = Engine.duckdb,
) -> None:
    """Lifetime value: BG/NBD + Gamma-Gamma parameters with standard errors, or per-customer predictions."""
    import pandas as pd

    from junshi.customers.clv import MAX_WAIT_YEARS, NO_NEXT_PURCHASE, predict

    with open_shop(db, shop, clean, engine=engine) as s:
        fit = s.customers.fit_clv(calibration_end, pareto=pareto)
        currency = str(s.settings["currency"])
    if per_customer:
        frame = predict(fit, days)
        _emit_frame(frame, fmt, tr("Customer lifetime value", "客户终身价值"), currency)
        if undated := int(frame.expected_next_purchase.isna().sum()):
            err_console().print(NO_NEXT_PURCHASE(n=undated, years=MAX_WAIT_YEARS), highlight=False)
        return
    data = fit.to_dict()
    if fmt == "json":
        print_json(data)
        return
    rows: list[dict[str, Any]] = []
    for model in ("bgnbd", "gamma_gamma", "pareto_nbd"):
        part = data.get(model)
        if part:
            rows.extend(
                {"model": model, "parameter": k, "value": v, "se": part["se"].get(k)}
                for k, v in part.items()
                if k in part["se"]
            )
            rows.append({"model": model, "parameter": "loglik", "value": part["loglik"], "se": None})
    _emit_frame(pd.DataFrame(rows), fmt, tr("Fitted customer models", "客户模型参数"))


@customers_app.command("validate")
def validate_cmd(
    calibration_end: Annotated[str, typer.Option("--calibration-end", help="Last day of the fitting period.")],
    holdout_end: Annotated[str, typer.Option("--holdout-end", help="Last day of the holdout period.")],
    shop: ShopOption = "default",
    clean: CleanOption = False,
    db: DbOption = None,
    fmt: FormatOption = TableFormat.table,
    engine: EngineOption = Engine.duckdb,
) -> None:
    """Calibration / holdout report: predicted vs actual purchases by calibration frequency, correlation."""
    import pandas as pd

    with open_shop(db, shop, clean, engine=engine) as s:
        v = s.customers.validate(calibration_end, holdout_end)
    if fmt == "json":
        print_json(v.to_dict())
        return
    _emit_frame(
        pd.DataFrame([r.__dict__ for r in v.by_frequency]),
        fmt,
        tr("Holdout purchases by calibration frequency", "按校准期购买次数：验证期实际与预测"),
    )
    console().print(
        tr(
            "Actual {a:,.0f}, predicted {p:,.1f}; correlation {c:.3f}. Churn ranking AUC: {auc}",
            "实际 {a:,.0f}，预测 {p:,.1f}；相关系数 {c:.3f}。流失排序 AUC：{auc}",
            a=v.actual_total,
            p=v.predicted_total,
            c=v.correlation,
            auc=", ".join(f"{k} {x:.3f}" for k, x in v.churn_auc.items()),
        )
    )


@customers_app.command("churn")
def churn_cmd(
    as_of: AsOfOption = None,
    threshold: Annotated[float, typer.Option("--threshold", help="Warn below this probability of being active.")] = 0.5,
    days: Annotated[float, typer.Option("--days", help="Horizon of the value at stake, in days.")] = 365.0,
    model: Annotated[str, typer.Option("--model", help="pareto or bgnbd.")] = "pareto",
    top: Annotated[int, typer.Option("--top", help="Show the first N customers (0: all).")] = 20,
    shop: ShopOption = "default",
    clean: CleanOption = False,
    db: DbOption = None,
    fmt: FormatOption = TableFormat.table,
    engine: EngineOption = Engine.duckdb,
) -> None:
    """Churn warning (流失预警): customers probably gone, ranked by the value at stake."""
    day = option_day(as_of, "--as-of")
    with open_shop(db, shop, clean, engine=engine) as s:
        frame = s.customers.churn(day, threshold, days, model)
        currency = str(s.settings["currency"])
    lowest = frame.attrs.get("lowest_p_alive")
    if not (frame.empty and fmt == "table" and lowest is not None):
        _emit_frame(frame.head(top) if top else frame, fmt, tr("Churn warning", "流失预警"), currency)
        return
    err_console().print(tr(
        "No customer's probability of being active is below {t:.0%} under the {m} fit: the lowest is {p:.2%}. "
        "The model reads this shop's long silences as slow buyers, not lost ones; raise --threshold, or try "
        "--model {other}.",
        "按 {m} 模型，没有客户的仍活跃概率低于 {t:.0%}：最低为 {p:.2%}。模型把该店客户的长期未购解释为购买慢，"
        "而非流失；可提高 --threshold，或改用 --model {other}。",
        t=threshold, p=lowest, m="Pareto/NBD" if model == "pareto" else "BG/NBD",
        other="bgnbd" if model == "pareto" else "pareto"), highlight=False)


def _load_spec(spec: str) -> dict[str, Any]:
    try:
        from junshi.cli.served import local_path

        text = local_path(Path(spec[1:])).read_text(encoding="utf-8") if spec.startswith("@") else spec
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read the audience spec {spec[1:]}: {exc}.",
                          f"无法读取人群定义文件 {spec[1:]}：{exc}。",
                          hint_en="Give @ and the path of a UTF-8 JSON file, or the JSON itself.",
                          hint_zh="请给出 @ 加 UTF-8 JSON 文件路径，或直接给出 JSON。") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"The audience spec is not valid JSON: {exc}.",
            f"人群定义不是有效的 JSON：{exc}。",
            hint_en='E.g. {"name": "vip", "conditions": [{"kind": "rfm_group", "groups": ["champions"]}]}',
            hint_zh='例如 {"name": "vip", "conditions": [{"kind": "rfm_group", "groups": ["champions"]}]}',
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError("The audience spec must be a JSON object.", "人群定义必须是 JSON 对象。")
    return data


@customers_app.command("audience")
def audience_cmd(
    spec: Annotated[str, typer.Argument(help="Audience as JSON, or @file.json (see docs/customers.md).")],
    export: Annotated[Path | None, typer.Option("--export", help="Write members to this .csv or .xlsx file.")] = None,
    control: Annotated[float, typer.Option("--control", help="Share held out as a control group.")] = 0.1,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the control group draw.")] = 0,
    shop: ShopOption = "default",
    clean: CleanOption = False,
    db: DbOption = None,
    fmt: FormatOption = TableFormat.table,
) -> None:
    """Audience (人群): size and expected value; with --export, a file plus a recorded control group."""
    import pandas as pd

    from junshi.cli.served import local_path
    from junshi.customers import Audience

    audience = Audience.from_dict(_load_spec(spec))
    with open_shop(db, shop, clean, write=export is not None) as s:  # an export records its control group
        result = (
            s.customers.export_audience(audience, local_path(export), control, seed)
            if export
            else s.customers.preview_audience(audience)
        )
    if fmt == "json":
        print_json(result.to_dict())
        return
    _emit_frame(
        pd.DataFrame([result.to_dict()]).drop(columns=["sample"], errors="ignore"),
        fmt,
        tr("Audience {name}", "人群 {name}", name=audience.name),
    )
