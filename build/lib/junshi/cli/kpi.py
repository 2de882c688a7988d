"""``junshi kpi`` (metrics by dimensions over a period) and ``junshi metrics`` (the registry, 口径)."""

import sys
from typing import TYPE_CHECKING, Annotated

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
from junshi.cli.output import console, err_console, print_frame
from junshi.errors import MetricError
from junshi.i18n import set_lang, tr

if TYPE_CHECKING:
    from junshi.metrics import KpiResult
    from junshi.metrics.model import Metric


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def _where(clauses: list[str] | None) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for clause in clauses or []:
        name, sep, value = clause.partition("=")
        if not sep or not name.strip():
            raise MetricError(
                f"--where {clause!r} is not DIMENSION=VALUE.", f"--where {clause!r} 不是 维度=值 的形式。",
                hint_en="Write e.g. --where source=直通车 (repeat for more; a,b for either).",
                hint_zh="例如 --where source=直通车（可重复；a,b 表示任一）。",
            )
        filters.setdefault(name.strip(), []).extend(v.strip() for v in value.split(","))
    return filters


def _unit(result: "KpiResult", column: str) -> str | None:
    """The unit a column is shown in: its metric's, a relative change's ratio; none for a dimension."""
    for m in result.metrics:
        if column == m.id or column.startswith(m.id + "_"):
            return "ratio" if column.endswith("_change_pct") else str(m.unit)
    return None


def _header(result: "KpiResult", column: str) -> str:
    from junshi.metrics.dimensions import REGISTRY as DIMENSIONS

    labels = {"_previous": tr("prev.", "对比期"), "_change": "Δ", "_change_pct": "Δ%",
              "_peer_avg": tr("peer avg", "同行平均"), "_peer_top": tr("peer top", "同行优秀")}
    for m in result.metrics:
        if column == m.id:
            return m.name()
        if column.startswith(m.id + "_") and column[len(m.id):] in labels:
            return labels[column[len(m.id):]]
    return DIMENSIONS[column].name() if column in DIMENSIONS else column


def _print_table(result: "KpiResult") -> None:
    if result.start is None and result.end is None:
        period = tr("All days", "全部日期")
    else:
        period = f"{result.start or tr('first day', '首日')} ~ {result.end or tr('last day', '末日')}"
    if result.compare:
        period += tr(" vs {c}", " 对比 {c}", c=result.compare)
        if result.previous_start:
            period += f" ({result.previous_start} ~ {result.previous_end})"
    frame = result.to_pandas()
    if "month" in frame:  # a month is held as its first day
        frame["month"] = [None if v is None or v != v else str(v)[:7] for v in frame["month"]]
    units = {c: u for c in result.columns if (u := _unit(result, c))}
    print_frame(frame, "table", period, units=units, labels={c: _header(result, c) for c in result.columns},
                currency=result.currency)
    for note in result.notes:
        console().print(f"[yellow]{tr('Note', '注意')}:[/] {note.text()}", highlight=False)


@app.command("kpi")
def kpi_cmd(
    metrics: Annotated[list[str], typer.Option(
        "--metrics", "-m",
        help="Metrics, comma-separated: ids or names, e.g. sales,uv or 支付金额,访客数 (see junshi metrics).")],
    by: Annotated[list[str] | None, typer.Option(
        "--by", help="Dimension(s): day, week, month, hour, source, device, region, product, category ...")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD), shop-local.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD), included.")] = None,
    where: Annotated[list[str] | None, typer.Option(
        "--where", help="Filter DIMENSION=VALUE (a,b for either); repeatable.")] = None,
    compare: Annotated[str | None, typer.Option("--compare", help="previous, week, year or peer.")] = None,
    fmt: FormatOption = TableFormat.table,
    explain_: Annotated[bool, typer.Option(
        "--explain", help="Print the compiled query instead of running it.")] = False,
    shop: ShopOption = "default",
    clean: CleanOption = False,
    db: DbOption = None,
    engine: EngineOption = Engine.duckdb,
) -> None:
    """Metrics (口径) by dimensions over a period, optionally compared."""
    first, last = option_day(start, "--from"), option_day(end, "--to")
    with open_shop(db, shop, clean, engine=engine) as s:
        if explain_:
            from junshi.metrics import explain

            print(explain(s.warehouse, s.shop_id, _split(metrics), _split(by), first, last, _where(where)))
            return
        result = s.kpi(_split(metrics), _split(by), first, last, _where(where), compare)
    if fmt == "json":
        print(result.to_json())
    elif fmt == "csv":
        from junshi.exports import write_csv

        write_csv(result.to_pandas(), sys.stdout)
        for note in result.notes:
            err_console().print(f"{tr('Note', '注意')}: {note.text()}", highlight=False)
    else:
        _print_table(result)


@app.command("metrics")
def metrics_cmd(
    lang: Annotated[str | None, typer.Option("--lang", help="Language: en or zh.")] = None,
    fmt: FormatOption = TableFormat.table,
    all_: Annotated[bool, typer.Option("--all", help="Also list the building blocks of other metrics.")] = False,
    shop: Annotated[str | None, typer.Option(
        "--shop", envvar="JUNSHI_SHOP", help="Show money in this shop's currency (the definitions are the same "
                                             "for every shop).")] = None,
    db: DbOption = None,
) -> None:
    """List the metrics (口径): id, name, unit, definition."""
    from junshi.metrics import REGISTRY, public_metrics

    if lang:
        set_lang(lang)
    chosen = list(REGISTRY.values()) if all_ else public_metrics()
    currency = None
    if db or shop:
        with open_shop(db, shop or "default") as s:
            currency = s.settings["currency"]

    def unit(m: "Metric") -> str:
        return f"{m.unit} ({currency})" if currency and m.unit == "money" else str(m.unit)

    if fmt == "json":
        import json

        rows = [{"id": m.id, "zh": m.name.zh, "en": m.name.en, "unit": m.unit,
                 "currency": currency if m.unit == "money" else None, "direction": m.direction,
                 "additive": m.additive, "definition_zh": m.definition.zh, "definition_en": m.definition.en}
                for m in chosen]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        import pandas as pd

        from junshi.exports import write_csv

        rows = [{"id": m.id, "name": m.name(), "unit": unit(m), "definition": m.definition()}
                for m in chosen]
        write_csv(pd.DataFrame(rows, columns=["id", "name", "unit", "definition"]), sys.stdout)
        return
    from rich.table import Table

    table = Table(tr("id", "指标ID"), tr("name", "名称"), tr("unit", "单位"), tr("definition", "定义"),
                  title=tr("Metrics", "指标口径"), show_lines=True)
    for m in chosen:
        table.add_row(m.id, m.name(), unit(m), m.definition())
    console().print(table)
