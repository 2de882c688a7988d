"""``junshi promo plan|review|live|forecast``: 活动 promotions, from the plan to the post-mortem."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from junshi.cli.app import app
from junshi.cli.options import DbOption, FormatOption, ShopOption, TableFormat, open_shop
from junshi.cli.output import console, print_json
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


def _day(value: str | None) -> Any:
    from junshi.analysis.service import parse_day

    return None if value is None else parse_day(value)


def _rows(rows: list[dict[str, Any]], fmt: TableFormat, title: str) -> None:
    """Rows as a Rich table or CSV (through junshi.exports)."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    if fmt == TableFormat.csv:
        from junshi.exports import write_csv

        write_csv(frame, sys.stdout)
        return
    from rich.table import Table

    table = Table(title=title)
    for col in frame.columns:
        table.add_column(str(col), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*["" if v is None else f"{v:,.2f}" if isinstance(v, float) else str(v) for v in row])
    console().print(table)


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
    from junshi.promo.review import last_promotion, review

    if (start is None) != (end is None):
        raise ConfigError("Give both --start and --end, or neither.", "请同时给出 --start 和 --end，或都不给。")
    with open_shop(db, shop) as s:
        a, b, d = (_day(start), _day(end), _day(day)) if start else last_promotion(s)
        data = review(s, a, b, day=d, products=None if products is None else
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
