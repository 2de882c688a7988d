"""``junshi promo plan|review|live|forecast``: 活动 promotions, from the plan to the post-mortem."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from junshi.cli.app import app
from junshi.cli.options import DbOption, FormatOption, ShopOption, TableFormat, open_shop, option_day
from junshi.cli.output import console, print_json, print_rows
from junshi.i18n import get_lang, tr

promo_app = typer.Typer(
    name="promo",
    no_args_is_help=True,
    rich_markup_mode=None,
    help="活动 Promotions: plan from a sales target, demand and stock forecast, live pace, post-mortem.",
)
app.add_typer(promo_app)

StartOption = Annotated[str | None, typer.Option(
    "--start", help="First day of the promotion (its warm-up), YYYY-MM-DD [default: the last 618 / 双11 window].")]
EndOption = Annotated[str | None, typer.Option("--end", help="Last day of the promotion, YYYY-MM-DD.")]


def _rows(rows: list[dict[str, Any]], fmt: TableFormat, title: str) -> None:
    """Rows with money and counts to two decimals."""
    print_rows(rows, fmt, title, number=",.2f")


def _phase(phase: str) -> str:
    from junshi.vocab import PROMO_PHASES

    return PROMO_PHASES[phase].name(get_lang())


@promo_app.command("review")
def review_cmd(
    start: StartOption = None, end: EndOption = None,
    day: Annotated[str | None, typer.Option("--day", help="The main day [default: the day that sold most].")] = None,
    products: Annotated[str | None, typer.Option(
        "--products", help="Products on promotion, comma-separated [default: the presale items].")] = None,
    shop: ShopOption = "default", db: DbOption = None, fmt: FormatOption = TableFormat.table,
) -> None:
    """Post-mortem (活动复盘): incremental sales against the shop's own counterfactual with an interval, demand
    pulled forward and hangover netted out, KPIs by phase, presale deposits and balances, cannibalisation,
    new customers and their repurchase, products out of stock and the sales they lost."""
    from junshi.errors import ConfigError
    from junshi.periods import parse_day
    from junshi.promo.review import last_promotion, review

    if (start is None) != (end is None):
        raise ConfigError("Give both --start and --end, or neither.", "请同时给出 --start 和 --end，或都不给。")
    with open_shop(db, shop) as s:
        if start is None or end is None:
            a, b, main = last_promotion(s)
        else:
            a, b, main = parse_day(start, "--start"), parse_day(end, "--end"), None
        data = review(s, a, b, day=option_day(day, "--date") or main, products=None if products is None else
                      [p.strip() for p in products.split(",") if p.strip()])
    if fmt == TableFormat.json:
        print_json(data)
        return
    rows = [{tr("phase", "阶段"): _phase(p["phase"]), tr("from", "开始"): p["start"], tr("to", "结束"): p["end"],
             tr("sales", "销售额"): p["sales"], tr("baseline", "基线"): p["baseline"], tr("lift", "增量"): p["lift"],
             tr("interval", "区间"): f"{p['interval'][0]:,.2f} ~ {p['interval'][1]:,.2f}"} for p in data["phases"]]
    _rows(rows, fmt, tr("Promotion {start}..{end}: incremental sales {inc:,.2f} [{lo:,.2f} ~ {hi:,.2f}]",
                        "活动 {start}~{end}：增量销售额 {inc:,.2f}（区间 {lo:,.2f} ~ {hi:,.2f}）",
                        start=data["start"], end=data["end"], inc=data["incremental_sales"],
                        lo=data["interval"][0], hi=data["interval"][1]))
    if fmt == TableFormat.table and data["stockouts"]:
        _rows(data["stockouts"], fmt, tr("Out of stock during the promotion", "活动期间断货的商品"))


def _money(value: float | None, currency: str) -> str:
    from junshi.formats import format_value

    return format_value(value, "money", currency)


@promo_app.command("plan")
def plan_cmd(
    target: Annotated[float, typer.Option("--target-sales", help="Sales the main day should bring.")],
    day: Annotated[str, typer.Option("--date", help="The main day, YYYY-MM-DD.")],
    warm_up: Annotated[int, typer.Option("--warm-up-days", min=0, max=60, help="Days of warm-up (presale) before.")
                       ] = 10,
    after: Annotated[int, typer.Option("--after-days", min=0, max=30, help="Days after the main day.")] = 3,
    shop: ShopOption = "default", db: DbOption = None, fmt: FormatOption = TableFormat.table,
) -> None:
    """Plan (活动策划): the target as visitors x payment conversion x spend per buyer (with intervals), visitors
    per source and the paid spend they cost, the spend ratio's band, the day-by-day curve and the stock each
    product needs (forecast units with an upper quantile against stock)."""
    from junshi.marketing.ads import STAGE_NAMES
    from junshi.periods import parse_day
    from junshi.promo.plan import plan

    with open_shop(db, shop) as s:
        data = plan(s, target, parse_day(day, "--date"), warm_up_days=warm_up, after_days=after)
        currency = str(s.settings["currency"])
    if fmt == TableFormat.json:
        print_json(data)
        return
    if fmt == TableFormat.csv:
        _rows(data["products"], fmt, "")
        return
    if data["uv"] is None:
        console().print(tr(
            "{target} on {day} = {buyers:,.0f} paying buyers (between {lo:,.0f} and {hi:,.0f}) × {spb} per buyer; "
            "load visitor data (生意参谋 reports or sessions) for visitors, conversion and paid spend.",
            "{day} 目标 {target} = 支付买家数 {buyers:,.0f}（{lo:,.0f} ~ {hi:,.0f}）× 客单价 {spb}；"
            "导入访客数据（生意参谋报表或访问记录）后可得访客、转化率和推广花费。",
            target=_money(data["target_sales"], currency), day=data["date"], buyers=data["paid_buyers"],
            lo=data["paid_buyers_interval"][0], hi=data["paid_buyers_interval"][1],
            spb=_money(data["spend_per_buyer"], currency)))
    else:
        console().print(tr(
            "{target} on {day} = {uv:,.0f} visitors × {conv:.2%} conversion × {spb} per buyer "
            "(visitors {lo:,.0f} ~ {hi:,.0f}); paid spend {spend} = {ratio:.1%} of the target (band of a {stage} shop "
            "{b0:.0%}-{b1:.0%}: {status}).",
            "{day} 目标 {target} = 访客 {uv:,.0f} × 支付转化率 {conv:.2%} × 客单价 {spb}"
            "（访客 {lo:,.0f} ~ {hi:,.0f}）；"
            "推广花费 {spend}，占目标 {ratio:.1%}（{stage}店铺的区间 {b0:.0%}-{b1:.0%}：{status}）。",
            target=_money(data["target_sales"], currency), day=data["date"], uv=data["uv"],
            conv=data["payment_conversion_rate"], spb=_money(data["spend_per_buyer"], currency),
            lo=data["uv_interval"][0], hi=data["uv_interval"][1], spend=_money(data["spend"], currency),
            ratio=data["spend_ratio"], stage=STAGE_NAMES[data["stage"]](get_lang()), b0=data["spend_band"][0],
            b1=data["spend_band"][1], status=data["spend_status"]))
    if data["sources"]:
        _rows(data["sources"], fmt, tr("Visitors per source", "各来源访客"))
    hidden = {"uv"} if data["uv"] is None else set()  # no visitor data: no visitors column
    _rows([{**{k: v for k, v in d.items() if k not in hidden}, "phase": _phase(d["phase"])} for d in data["days"]],
          fmt, tr("Day by day", "每日计划"))
    need = [p for p in data["products"] if p["stock_needed"]]
    if need:
        _rows(need, fmt, tr("Stock to add", "需要补货的商品"))


@promo_app.command("forecast")
def forecast_cmd(
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Forecast from the day after this, YYYY-MM-DD [default: the last day with sales].")] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=90, help="Days ahead.")] = 14,
    shop: ShopOption = "default", db: DbOption = None, fmt: FormatOption = TableFormat.table,
) -> None:
    """Demand and stock-out forecast per product (out-of-stock days are censored demand): units ahead with an
    upper quantile, stock-out risk and day, presale units held and oversell risk; backtest against the
    seasonal naive."""
    from junshi.promo.forecast import forecast

    with open_shop(db, shop) as s:
        data = forecast(s, option_day(as_of, "--as-of"), days)
    if fmt == TableFormat.json:
        print_json(data)
        return
    _rows(data["products"], fmt, tr("Demand over the {n} days after {day}", "{day} 之后 {n} 天的需求",
                                    n=data["horizon"], day=data["as_of"]))
    bt = data["backtest"]
    if fmt == TableFormat.table and bt:
        console().print(tr("Backtest ({o} origins): WAPE {w:.3f} (seasonal naive {wn:.3f}), MASE {m} ({mn})",
                           "回测（{o} 个起点）：WAPE {w:.3f}（季节性朴素法 {wn:.3f}），MASE {m}（{mn}）",
                           o=bt["origins"], w=bt["forecast"]["wape"], wn=bt["seasonal_naive"]["wape"],
                           m=bt["forecast"]["mase"], mn=bt["seasonal_naive"]["mase"]))


@promo_app.command("live")
def live_cmd(
    target: Annotated[float, typer.Option("--target-sales", help="Sales the day should bring.")],
    day: Annotated[str, typer.Option("--date", help="The main day, YYYY-MM-DD.")],
    hour: Annotated[int | None, typer.Option(
        "--hour", min=0, max=23, help="Up to the end of this hour [default: the last hour with sales].")] = None,
    shop: ShopOption = "default", db: DbOption = None, fmt: FormatOption = TableFormat.table,
) -> None:
    """Live pace (实时作战): cumulative sales by hour against the plan's curve, the projected close with its
    interval, and an alert when the day falls off pace."""
    from junshi.metrics.dimensions import REGISTRY as DIMENSIONS
    from junshi.periods import parse_day
    from junshi.promo.live import live

    with open_shop(db, shop) as s:
        data = live(s, parse_day(day, "--date"), target, hour)
        currency = str(s.settings["currency"])
    if fmt == TableFormat.json:
        print_json(data)
        return
    hour_label = DIMENSIONS["hour"].name(get_lang())
    rows = [{hour_label: h["hour"], tr("sales", "销售额"): h["sales"],
             tr("cumulative", "累计"): h["cumulative"],
             tr("plan", "计划累计"): h["planned_cumulative"]} for h in data["hours"] if h["hour"] <= data["hour"]]
    iv = data["projection_interval"]
    _rows(rows, fmt, tr("{day}: {done} by {hour:02d}:59 ({pace} of plan); projected close {proj}{iv}",
                        "{day}：截至 {hour:02d}:59 销售额 {done}（计划的 {pace}）；预计全天 {proj}{iv}",
                        day=data["date"], done=_money(data["cumulative_sales"], currency), hour=data["hour"],
                        pace="—" if data["pace"] is None else f"{data['pace']:.0%}",
                        proj=_money(data["projection"], currency),
                        iv="" if iv is None else f" [{_money(iv[0], currency)} ~ {_money(iv[1], currency)}]"))
    if fmt == TableFormat.table:
        lang = get_lang()
        for a in data["alerts"]:
            console().print(f"[bold red]{a['text'][lang]}[/]")
