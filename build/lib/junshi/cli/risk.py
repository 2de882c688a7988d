"""``junshi risk orders``: order risk scores (刷单 suspects) with reasons, saved for --clean; ``junshi risk
payments|refunds|reviewers``: payment and after-sale abuse by buyer and shared address."""

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from junshi.cli.app import app
from junshi.cli.options import DbOption, FormatOption, ShopOption, TableFormat, open_shop
from junshi.cli.output import console
from junshi.i18n import get_lang, tr

if TYPE_CHECKING:
    from junshi.risk.aftersale import Check

risk_app = typer.Typer(help="风控 Risk: fake orders (刷单) scored with reasons; payment and after-sale abuse.",
                       no_args_is_help=True)
app.add_typer(risk_app, name="risk")

FromOption = Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD) [default: first order].")]
ToOption = Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD), included [default: last order].")]
AllOption = Annotated[bool, typer.Option("--all", help="List every buyer and address with one or more, not only "
                                                       "the suspects.")]


@risk_app.command("orders")
def orders_cmd(
    start: FromOption = None,
    end: ToOption = None,
    threshold: Annotated[float | None, typer.Option(
        "--threshold", help="Score from which an order is a suspect [default: the documented default].")] = None,
    all_: Annotated[bool, typer.Option("--all", help="List every scored order, not only those with a reason.")
                    ] = False,
    fmt: FormatOption = TableFormat.table,
    shop: ShopOption = "default",
    db: DbOption = None,
) -> None:
    """Score the orders placed in a period, highest risk first, and save the suspects (used by --clean)."""
    import json

    from junshi.risk.service import risk_orders
    from junshi.warehouse import writable

    with open_shop(db, shop, write=True) as s:  # saves the suspects
        scored = risk_orders(writable(s.warehouse), s.shop_id, start, end, threshold)
    listed = [o for o in scored if all_ or o.signals]
    rows = [o.as_dict(get_lang()) for o in listed]
    if fmt == "json":
        print(json.dumps({"orders": rows}, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        import pandas as pd

        from junshi.exports import write_csv

        flat = [{**r, "reasons": "; ".join(o.reasons_text())} for r, o in zip(rows, listed, strict=True)]
        write_csv(pd.DataFrame(flat,
                               columns=["order_id", "score", "suspect", "reasons", "customer_id", "pay_amount"]),
                  sys.stdout)
    else:
        from rich.table import Table

        table = Table(tr("order", "订单"), tr("score", "风险分"), tr("suspect", "可疑"), tr("reasons", "原因"),
                      title=tr("Order risk ({n} suspects)", "订单风险（可疑 {n} 单）",
                               n=sum(o.suspect for o in scored)))
        for o in listed:
            mark = tr("yes", "是") if o.suspect else ""
            table.add_row(o.order_id, f"{o.score:.2f}", mark, "\n".join(o.reasons_text()))
        console().print(table)


def _aftersale(check: "Check", start: str | None, end: str | None, all_: bool, fmt: TableFormat, shop: str,
               db: str | None) -> None:
    """Print one payment or after-sale check (json: ``{check: [rows]}``)."""
    import json

    from junshi.risk.service import aftersale_risk
    from junshi.vocab import CHECK_NAMES

    with open_shop(db, shop) as s:
        found = aftersale_risk(s.warehouse, s.shop_id, check, start, end)
    listed = [r for r in found if all_ or r.suspect]
    rows = [r.as_dict(get_lang()) for r in listed]
    if fmt == "json":
        print(json.dumps({check: rows}, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        import pandas as pd

        from junshi.exports import write_csv

        flat = [{**r, "reasons": "; ".join(a.reasons_text())} for r, a in zip(rows, listed, strict=True)]
        write_csv(pd.DataFrame(flat, columns=["level", "id", "score", "suspect", "count", "total", "buyers",
                                              "products", "amount", "reasons"]), sys.stdout)
    else:
        from rich.table import Table

        name = CHECK_NAMES[check]
        table = Table(tr("level", "类型"), tr("id", "买家/地址"), tr("score", "风险分"), tr("suspect", "可疑"),
                      tr("reasons", "原因"),
                      title=tr("{name} ({n} suspects)", "{name}（可疑 {n} 个）", name=name(),
                               n=sum(r.suspect for r in found)))
        for r in listed:
            level = tr("buyer", "买家") if r.level == "buyer" else tr("address", "地址")
            table.add_row(level, r.id, f"{r.score:.1f}", tr("yes", "是") if r.suspect else "",
                          "\n".join(r.reasons_text()))
        console().print(table)




@risk_app.command("payments")
def payments_cmd(start: FromOption = None, end: ToOption = None, all_: AllOption = False,
                 fmt: FormatOption = TableFormat.table, shop: ShopOption = "default", db: DbOption = None) -> None:
    """Unpaid-order abuse (拍下不付款): buyers and shared addresses leaving far more orders unpaid than usual."""
    _aftersale("payments", start, end, all_, fmt, shop, db)


@risk_app.command("refunds")
def refunds_cmd(start: FromOption = None, end: ToOption = None, all_: AllOption = False,
                fmt: FormatOption = TableFormat.table, shop: ShopOption = "default", db: DbOption = None) -> None:
    """Refund abuse (恶意退款): buyers and shared addresses refunding far more paid orders than usual."""
    _aftersale("refunds", start, end, all_, fmt, shop, db)


@risk_app.command("reviewers")
def reviewers_cmd(start: FromOption = None, end: ToOption = None, all_: AllOption = False,
                  fmt: FormatOption = TableFormat.table, shop: ShopOption = "default", db: DbOption = None) -> None:
    """Professional bad reviewers (职业差评师): quick negative reviews across products, far above the usual share."""
    _aftersale("reviewers", start, end, all_, fmt, shop, db)
