"""``junshi service reviews|logistics|dsr``: what buyers complain about, delivery against the promise,
and the DSR forecast."""

from enum import StrEnum
from typing import Annotated, Any

import typer

from junshi.cli.app import app
from junshi.cli.options import DbOption, FormatOption, ShopOption, TableFormat, open_shop, option_day
from junshi.cli.output import console, err_console, print_frame, print_json
from junshi.i18n import get_lang

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


def _print(rows: list[dict[str, Any]], fmt: TableFormat, title: str) -> None:
    """Rows keyed by JSON field: CSV headed by the fields, a table by their declared names, in their units."""
    import pandas as pd

    from junshi.service.labels import field_name, field_unit

    frame = pd.DataFrame(rows)
    lang = get_lang()
    print_frame(frame, fmt, title, labels={c: field_name(c).get(lang) for c in frame.columns},
                units={c: u for c in frame.columns if (u := field_unit(c))})


@service_app.command("reviews")
def reviews_cmd(start: StartOption = None, end: EndOption = None, shop: ShopOption = "default",
                db: DbOption = None, fmt: FormatOption = TableFormat.table) -> None:
    """Review aspects (物流, 尺码, 质量, 客服, 价格, 包装, 颜色, 气味, 做工): mentions, negative ones, trend,
    products most affected, examples."""
    from junshi.service.labels import LISTS, aspects_note
    from junshi.service.reviews import review_aspects
    from junshi.vocab import REVIEW_ASPECTS

    with open_shop(db, shop) as s:
        data = review_aspects(s, option_day(start, "--start"), option_day(end, "--end"))
    if fmt == TableFormat.json:
        print_json(data)
        return
    lang = get_lang()
    note = aspects_note(data, lang)
    if not data["aspects"]:
        console().print(note)
        return
    rows = [{"aspect": REVIEW_ASPECTS[a["aspect"]].name.get(lang), "mentions": a["mentions"],
             "negative": a["negative"], "negative_share": a["negative_share"],
             "affected_products": ", ".join(p["product_id"] for p in a["products"][:3]),
             "example": a["examples"][0]["text"] if a["examples"] else ""}
            for a in data["aspects"]]
    _print(rows, fmt, LISTS["reviews"](lang, n=data["read"]))
    if note:
        err_console().print(note)  # a message: a CSV on stdout stays a CSV


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
    from junshi.service.labels import LISTS
    from junshi.service.logistics import logistics
    from junshi.vocab import DELIVERY_STAGES

    with open_shop(db, shop) as s:
        data = logistics(s, option_day(start, "--start"), option_day(end, "--end"),
                         option_day(as_of, "--as-of")).as_dict()
    if fmt == TableFormat.json:
        print_json(data)
        return
    lang = get_lang()
    keys = {"carrier": "by_carrier", "region": "by_region", "product": "by_product", "overdue": "overdue"}
    if fmt == TableFormat.csv:
        key = keys[(show or LogisticsList.overdue).value]
        _print(data[key], fmt, LISTS[key](lang))
        return
    if show is None:
        summary = {k: data[k] for k in ("delivered_orders", "late_orders", "late_share", "hours_to_ship",
                                        "days_to_deliver", "rating_on_time", "rating_late", "as_of")}
        _print([summary], fmt, LISTS["logistics"](lang))
    for name, key in keys.items():
        if (show is None or show.value == name) and data[key]:
            rows = [{**r, "stage": DELIVERY_STAGES[r["stage"]].name.get(lang)} if "stage" in r else r
                    for r in data[key]]
            _print(rows, fmt, LISTS[key](lang))


@service_app.command("dsr")
def dsr_cmd(
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Day to forecast from, YYYY-MM-DD [default: the last review day].")] = None,
    threshold: Annotated[float, typer.Option(
        "--threshold", help="Warn when a score is forecast below this (and below the peers).")] = 4.7,
    shop: ShopOption = "default", db: DbOption = None, fmt: FormatOption = TableFormat.table,
) -> None:
    """DSR (180-day mean of ratings) now and forecast 30 days ahead with its 80% range, against peers and a
    threshold (an alert is likely when even the range's top is below the line, else possible), with the
    aspects, products and carriers behind a fall and the forecast's backtest error on this shop."""
    from junshi.service.dsr import dsr_forecast
    from junshi.service.labels import FIELDS, LISTS
    from junshi.vocab import REVIEW_ASPECTS

    with open_shop(db, shop) as s:
        data = dsr_forecast(s, option_day(as_of, "--as-of"), threshold)
    if fmt == TableFormat.json:
        print_json(data)
        return
    lang = get_lang()
    rows = [{"score": d["name_zh"] if lang == "zh" else d["name_en"], "current": d["current"],
             "forecast": d["forecast"], "interval": f"{d['low']:.2f} – {d['high']:.2f}",
             "method": FIELDS[d["method"]](lang), "peer": d["peer"],
             "alert": FIELDS[d["certainty"]](lang) if d["certainty"] else "",
             "negative_aspects": ", ".join(f"{REVIEW_ASPECTS[a['aspect']].name.get(lang)} {a['negative']}"
                                           for a in d["aspects"][:3]),
             "low_products": ", ".join(str(p["product_id"]) for p in d["products"][:3]),
             "low_carriers": ", ".join(str(c["carrier"]) for c in d["carriers"][:3]),
             "backtest_mae": None if d["backtest"] is None else d["backtest"]["mae"]}
            for d in data["scores"]]
    _print(rows, fmt, LISTS["dsr_on"](lang, day=data["as_of"]))
