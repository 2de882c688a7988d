"""``junshi service reviews|logistics|dsr``: what buyers complain about, delivery against the promise,
and the DSR forecast."""

from enum import StrEnum
from typing import Annotated

import typer

from junshi.cli.app import app
from junshi.cli.options import DbOption, FormatOption, ShopOption, TableFormat, open_shop, option_day
from junshi.cli.output import console, print_json, print_rows
from junshi.i18n import get_lang, tr

service_app = typer.Typer(
    name="service",
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Service (服务): review aspects and sentiment, logistics against the promised day, DSR forecast.",
)
app.add_typer(service_app)

StartOption = Annotated[str | None, typer.Option("--start", help="First day, YYYY-MM-DD [default: all].")]
EndOption = Annotated[str | None, typer.Option("--end", help="Last day, YYYY-MM-DD [default: all].")]


class LogisticsList(StrEnum):
    """A list of ``junshi service logistics`` (table and csv output)."""

    carrier = "carrier"
    region = "region"
    product = "product"
    overdue = "overdue"


@service_app.command("reviews")
def reviews_cmd(start: StartOption = None, end: EndOption = None, shop: ShopOption = "default",
                db: DbOption = None, fmt: FormatOption = TableFormat.table) -> None:
    """Review aspects (物流, 尺码, 质量, 客服, 价格, 包装, 颜色, 气味, 做工): mentions, negative ones, trend,
    products most affected, examples."""
    from junshi.service.reviews import review_aspects

    with open_shop(db, shop) as s:
        data = review_aspects(s, option_day(start), option_day(end))
    if fmt == TableFormat.json:
        print_json(data)
        return
    if not data["aspects"]:
        console().print(tr("None of the {n} review texts mentions an aspect Junshi knows (it reads Chinese "
                           "reviews).", "{n} 条评价内容都没有提到已知的方面（军师读中文评价）。", n=data["reviews"]))
        return
    zh = get_lang() == "zh"
    rows = [{tr("aspect", "方面"): a["name_zh"] if zh else a["name_en"], tr("mentions", "提及"): a["mentions"],
             tr("negative", "负面"): a["negative"], tr("negative share", "负面占比"): a["negative_share"],
             tr("products most affected", "负面最多的商品"): ", ".join(p["product_id"] for p in a["products"][:3]),
             tr("example", "示例"): a["examples"][0]["text"] if a["examples"] else ""}
            for a in data["aspects"]]
    print_rows(rows, fmt, tr("Review aspects ({n} reviews with text)", "评价方面（{n} 条有内容的评价）",
                             n=data["reviews"]))


@service_app.command("logistics")
def logistics_cmd(
    start: StartOption = None, end: EndOption = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Day the overdue list is judged at, YYYY-MM-DD [default: the last order day].")] = None,
    show: Annotated[LogisticsList | None, typer.Option(
        "--list", help="The list to print as table or csv [default: all lists in a table, overdue in csv].")] = None,
    shop: ShopOption = "default", db: DbOption = None, fmt: FormatOption = TableFormat.table,
) -> None:
    """Hours to ship, days to deliver, share delivered late (after the promised day) by carrier, region and
    product; overdue orders (a worklist); ratings of on-time against late orders."""
    from junshi.service.logistics import logistics

    with open_shop(db, shop) as s:
        data = logistics(s, option_day(start), option_day(end), option_day(as_of)).as_dict()
    if fmt == TableFormat.json:
        print_json(data)
        return
    names = {"carrier": ("by_carrier", tr("By carrier", "按物流公司")),
             "region": ("by_region", tr("By region", "按地区")),
             "product": ("by_product", tr("By product", "按商品")),
             "overdue": ("overdue", tr("Overdue orders", "超时未签收订单"))}
    if fmt == TableFormat.csv:
        key, title = names[(show or LogisticsList.overdue).value]
        print_rows(data[key], fmt, title)
        return
    if show is None:
        summary = {k: data[k] for k in ("delivered_orders", "late_orders", "late_share", "hours_to_ship",
                                        "days_to_deliver", "rating_on_time", "rating_late", "as_of")}
        print_rows([summary], fmt, tr("Logistics", "物流"))
    for name, (key, title) in names.items():
        if (show is None or show.value == name) and data[key]:
            print_rows(data[key], fmt, title)


@service_app.command("dsr")
def dsr_cmd(
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Day to forecast from, YYYY-MM-DD [default: the last review day].")] = None,
    threshold: Annotated[float, typer.Option(
        "--threshold", help="Warn when a score is forecast below this (and below the peers).")] = 4.7,
    shop: ShopOption = "default", db: DbOption = None, fmt: FormatOption = TableFormat.table,
) -> None:
    """DSR (180-day mean of ratings) now and forecast 30 days ahead, against peers and a threshold, with the
    aspects and products behind a fall and the method's backtest error on this shop."""
    from junshi.service.dsr import dsr_forecast

    with open_shop(db, shop) as s:
        data = dsr_forecast(s, option_day(as_of), threshold)
    if fmt == TableFormat.json:
        print_json(data)
        return
    zh = get_lang() == "zh"
    rows = [{tr("score", "评分项"): d["name_zh"] if zh else d["name_en"], tr("now", "当前"): d["current"],
             tr("in 30 days", "30天后"): d["forecast"], tr("peers", "同行"): d["peer"],
             tr("alert", "预警"): tr("yes", "是") if d["alert"] else "",
             tr("aspects", "负面方面"): ", ".join(f"{a['aspect']} {a['negative']}" for a in d["aspects"][:3]),
             tr("products", "低分商品"): ", ".join(str(p["product_id"]) for p in d["products"][:3]),
             tr("backtest MAE", "回测误差"): None if d["backtest"] is None else d["backtest"]["mae"]}
            for d in data["scores"]]
    print_rows(rows, fmt, tr("DSR forecast on {day}", "DSR 预测（{day}）", day=data["as_of"]))
