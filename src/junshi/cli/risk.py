"""``junshi risk orders``: order risk scores (刷单 suspects) with reasons; saves the suspects for --clean."""

import sys
from typing import Annotated

import typer

from junshi.cli.app import app
from junshi.cli.options import DbOption, FormatOption, ShopOption, TableFormat, open_shop
from junshi.cli.output import console
from junshi.i18n import get_lang, tr

risk_app = typer.Typer(help="风控 Risk: fake orders (刷单) scored with reasons.", no_args_is_help=True)
app.add_typer(risk_app, name="risk")


@risk_app.command("orders")
def orders_cmd(
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD) [default: first order].")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD), included [default: last order].")
                   ] = None,
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
