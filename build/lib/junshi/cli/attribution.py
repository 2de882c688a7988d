"""``junshi attribution``: multi-touch attribution (多触点归因) of the paid orders to traffic sources."""

import sys
from typing import Annotated, Any

import typer

from junshi.cli.app import app
from junshi.cli.options import DbOption, FormatOption, ShopOption, TableFormat, open_shop
from junshi.cli.output import console, print_json
from junshi.i18n import get_lang, tr

ALL = "all"


@app.command("attribution")
def attribution_cmd(
    model: Annotated[str, typer.Option(
        "--model", help="first, last, last_non_direct, linear, time_decay, position, markov, shapley, or all "
        "(every model side by side with the ad platform's own figures).")] = ALL,
    start: Annotated[str | None, typer.Option(
        "--from", help="First day (YYYY-MM-DD) [default: 30 days ending on --to].")] = None,
    end: Annotated[str | None, typer.Option(
        "--to", help="Last day (YYYY-MM-DD), included [default: the last day with visits].")] = None,
    half_life: Annotated[float, typer.Option(
        "--half-life", help="Half-life of the time_decay model, in days.")] = 7.0,
    fmt: FormatOption = TableFormat.table,
    shop: ShopOption = "default",
    db: DbOption = None,
) -> None:
    """Share each paid order among the traffic sources of the visitor's visits before it (a path ends at
    each paid order), under one attribution model or all of them."""
    from junshi.marketing.attribution import MODELS, attribute, check_model, compare, period_of

    if model != ALL:
        check_model(model)
    with open_shop(db, shop) as s:
        first, last = period_of(s, start, end)
        currency = s.settings.get("currency") or ""
        if model == ALL:
            result: Any = compare(s, start=first, end=last, half_life_days=half_life, models=MODELS)
        else:
            result = attribute(s, model=model, start=first, end=last, half_life_days=half_life)
    if fmt == TableFormat.json:
        print_json(result.as_dict())
    elif model == ALL:
        _comparison(result, fmt, currency)
    else:
        _one(result, fmt, currency)


def _one(result: Any, fmt: TableFormat, currency: str) -> None:
    import pandas as pd

    from junshi.marketing.attribution import MODEL_NAMES

    frame = pd.DataFrame([{"channel": c.channel, "conversions": float(c.conversions), "value": float(c.value)}
                          for c in result.channels], columns=["channel", "conversions", "value"])
    if fmt == TableFormat.csv:
        from junshi.exports import write_csv

        write_csv(frame, sys.stdout)
        return
    from rich.table import Table

    title = tr("{model}: {n} paid orders, {value:,.2f} {cur} ({start} to {end})",
               "{model}：{n} 笔支付订单，{value:,.2f} {cur}（{start} 至 {end}）",
               model=MODEL_NAMES[result.model](get_lang()), n=result.total_conversions,
               value=float(result.total_value), cur=currency, start=result.start, end=result.end)
    table = Table(tr("channel", "渠道"), tr("conversions", "转化数"), tr("value", "转化金额"), tr("share", "占比"),
                  title=title)
    total = float(result.total_value) or 1.0
    for c in result.channels:
        table.add_row(_channel(c.channel), f"{float(c.conversions):,.2f}", f"{float(c.value):,.2f}",
                      f"{float(c.value) / total:.1%}")
    console().print(table)


def _channel(name: str | None) -> str:
    return name if name is not None else tr("(no source)", "（无来源）")


def _comparison(result: Any, fmt: TableFormat, currency: str) -> None:
    import pandas as pd

    from junshi.marketing.attribution import PLATFORM_NAME

    lang = get_lang()
    long = [{"channel": r.channel, "model": m, "conversions": float(c.conversions), "value": float(c.value)}
            for r in result.rows for m, c in r.credits.items()]
    long += [{"channel": r.channel, "model": "platform", "conversions": float(r.platform.conversions),
              "value": float(r.platform.value)} for r in result.rows if r.platform is not None]
    if fmt == TableFormat.csv:
        from junshi.exports import write_csv

        write_csv(pd.DataFrame(long, columns=["channel", "model", "conversions", "value"]), sys.stdout)
        return
    from rich.table import Table

    heads = [*result.models, PLATFORM_NAME(lang)]  # the --model ids: the names do not fit a terminal
    for key, title in (("conversions", tr("Conversions by model", "各模型的转化数")),
                       ("value", tr("Value by model ({cur})", "各模型的转化金额（{cur}）", cur=currency))):
        table = Table(tr("channel", "渠道"), *heads, title=f"{title}: {result.start} .. {result.end}")
        for r in result.rows:
            cells = [f"{float(getattr(r.credits[m], key)):,.2f}" for m in result.models]
            cells.append("" if r.platform is None else f"{float(getattr(r.platform, key)):,.2f}")
            table.add_row(_channel(r.channel), *cells)
        console().print(table)
    console().print(tr("{n} paid orders, {value:,.2f} {cur}; every model adds up to them.",
                       "{n} 笔支付订单，{value:,.2f} {cur}；每个模型的合计都等于它们。",
                       n=result.total_conversions, value=float(result.total_value), cur=currency))
