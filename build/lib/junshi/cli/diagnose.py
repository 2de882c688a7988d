"""``junshi diagnose``, ``junshi alerts`` and ``junshi advise``: why the numbers moved and what to do."""

from typing import Annotated

import typer

from junshi.cli.app import app
from junshi.cli.options import (
    CleanOption,
    DbOption,
    Engine,
    EngineOption,
    NoteFormat,
    NoteFormatOption,
    ShopOption,
    open_shop,
    option_day,
)
from junshi.cli.output import print_json

DateOption = Annotated[
    str | None, typer.Option("--date", help="Day to look at, YYYY-MM-DD [default: the last day with sales].")
]


@app.command()
def diagnose(
    date: DateOption = None,
    vs: Annotated[str, typer.Option("--vs", help="Baseline: week (same weekday a week before), previous "
                                                 "(the day before) or a date YYYY-MM-DD.")] = "week",
    metric: Annotated[str, typer.Option("--metric", help="sales, refund_amount or gross_profit.")] = "sales",
    depth: Annotated[int, typer.Option("--depth", help="Steps of the drill-down path.")] = 3,
    fmt: NoteFormatOption = NoteFormat.text,
    clean: CleanOption = False,
    db: DbOption = None,
    shop: ShopOption = "default",
    engine: EngineOption = Engine.duckdb,
) -> None:
    """Why a metric moved: visitor / conversion / spend-per-buyer effects, per dimension, and the path."""
    from junshi.analysis.morning_note import diagnosis_text

    with open_shop(db, shop, clean, engine=engine) as s:
        diag = s.diagnose(option_day(date, "--date"), vs=vs, metric=metric, depth=depth)
        currency = str(s.settings["currency"])
    if fmt == "json":
        print_json(diag.to_json())
    else:
        print(diagnosis_text(diag, currency))


@app.command()
def alerts(
    date: DateOption = None, fmt: NoteFormatOption = NoteFormat.text, db: DbOption = None,
    shop: ShopOption = "default", clean: CleanOption = False,
    engine: EngineOption = Engine.duckdb,
) -> None:
    """Today's alerts, worst first: metric anomalies and data-quality problems, each with its diagnosis."""
    from junshi.analysis.morning_note import alerts_text

    with open_shop(db, shop, clean, engine=engine) as s:
        found = s.alerts(option_day(date, "--date"))
    if fmt == "json":
        print_json({"alerts": [a.to_json() for a in found]})
    else:
        print(alerts_text(found))


@app.command()
def advise(
    date: DateOption = None, fmt: NoteFormatOption = NoteFormat.text, db: DbOption = None,
    shop: ShopOption = "default", clean: CleanOption = False,
    engine: EngineOption = Engine.duckdb,
) -> None:
    """Recommendations (建议) with the numbers behind them; text is the analyst's morning note."""
    from junshi.analysis.morning_note import morning_note
    from junshi.analysis.service import analysis_day

    with open_shop(db, shop, clean, engine=engine) as s:
        day = analysis_day(s, option_day(date, "--date"))
        recs = s.advise(day)
        if fmt == "json":
            print_json({"date": day.isoformat(), "recommendations": [a.to_json() for a in recs]})
            return
        print(morning_note(day.isoformat(), str(s.settings["currency"]), s.diagnose(day), s.alerts(day), recs))
