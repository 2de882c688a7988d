"""``junshi simulate`` (a shop with known ground truth) and ``junshi demo`` (the one-command tour)."""

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from junshi.cli.app import app
from junshi.cli.options import DbOption, ShopOption
from junshi.cli.output import console
from junshi.errors import ConfigError
from junshi.i18n import get_lang, tr
from junshi.periods import parse_day

if TYPE_CHECKING:
    from junshi.simulate import GroundTruth
DEMO_DB = "junshi-demo.duckdb"
DEMO_DAYS = 180
DEMO_VISITORS = 3000
DEMO_SEED = 0
HEADLINE = ("sales", "uv", "payment_conversion_rate", "spend_per_buyer")

LangOption = Annotated[
    str | None, typer.Option("--lang", help="Language of the shop's data (names, categories, sources): zh or en.")
]


def _run(db: str, *, days: int, visitors: float, seed: int, lang: str, shop: str,
         end_date: dt.date | None) -> "GroundTruth":
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from junshi.simulate import simulate

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[events]:,} " + tr("events", "条行为")), TimeElapsedColumn())
    with Progress(*columns, console=console(), transient=False) as bar:
        task = bar.add_task(tr("Simulating days", "正在模拟"), total=days, events=0)

        def step(done: int, total: int, events: int) -> None:
            bar.update(task, completed=done, events=events)

        return simulate(db, days=days, visitors_per_day=visitors, seed=seed, lang=lang, shop=shop,
                        end_date=end_date, progress=step)


def _data_lang(lang: str | None) -> str:
    value = (lang or "zh").lower()
    if value not in ("zh", "en"):
        raise ConfigError(f"--lang must be zh or en, not {lang!r}.", f"--lang 须为 zh 或 en，而不是 {lang!r}。",
                          hint_en="Use --lang zh or --lang en.", hint_zh="请使用 --lang zh 或 --lang en。")
    return value


@app.command("simulate")
def simulate_cmd(
    days: Annotated[int, typer.Option("--days", help="Number of days, ending on --end-date.")] = 180,
    visitors_per_day: Annotated[
        float, typer.Option("--visitors-per-day", help="Mean visits of new visitors on an ordinary day.")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same data.")] = 0,
    db: DbOption = None,
    lang: LangOption = None,
    shop: ShopOption = "default",
    end_date: Annotated[
        str | None, typer.Option("--end-date", help="Last simulated day, YYYY-MM-DD [default: yesterday].")
    ] = None,
    as_platform: Annotated[
        str | None, typer.Option("--as", help="Also write the shop as this platform's export files: taobao "
                                 "(生意参谋, order and item reports, 直通车/万相台 reports), for junshi ingest.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the --as files [default: ./PLATFORM-files].")
    ] = None,
) -> None:
    """Simulate a shop (clothing and cosmetics) with planted events and its ground truth (sim_truth_* tables).

    With --as taobao the shop is also written as the files its seller would download, into --out."""
    from rich.table import Table

    from junshi.simulate.export import check_platform
    from junshi.warehouse import resolve_db

    end = None if end_date is None else parse_day(end_date, "--end-date")
    if as_platform is not None:
        check_platform(as_platform)
    truth = _run(resolve_db(db), days=days, visitors=visitors_per_day, seed=seed, lang=_data_lang(lang), shop=shop,
                 end_date=end)
    console().print(tr("Simulated {days} days ({start} to {end}) of shop {shop}: {n:,} events in {db}.",
                     "已模拟店铺 {shop} 的 {days} 天（{start} 至 {end}）：{n:,} 条行为，写入 {db}。",
                     days=truth.days, start=truth.start, end=truth.end, shop=shop, n=truth.n_events, db=truth.db))
    table = Table(title=tr("Planted events (ground truth)", "植入的事件（真实答案）"))
    for col in (tr("kind", "类型"), tr("from", "开始"), tr("to", "结束"), tr("where", "位置"), tr("what", "说明")):
        table.add_column(col)
    for ev in truth.events:
        table.add_row(ev.kind, str(ev.start), str(ev.end), ev.source or ev.product_id or "",
                      ev.note_zh if get_lang() == "zh" else ev.note_en)
    if truth.promotion:
        p = truth.promotion
        table.add_row("promotion", str(p.presale_start), str(p.end), p.name,
                      tr("incremental sales {x:,.2f}", "增量销售额 {x:,.2f}", x=truth.incremental_sales))
    console().print(table)
    if as_platform is not None:
        _export(truth.db, shop, as_platform, out or Path(f"{as_platform}-files"))


def _export(db: str, shop: str, platform: str, out: Path) -> None:
    from junshi.simulate.export import export_shop

    with console().status(tr("Writing the {p} files", "正在写出 {p} 文件", p=platform)):
        files = export_shop(db, out, shop=shop, platform=platform)
    console().print(tr("Wrote {n} {p} files into {out}; load them with: junshi ingest {out} --shop NAME",
                     "已写出 {n} 个 {p} 文件到 {out}；导入：junshi ingest {out} --shop 店铺名",
                     n=len(files), p=platform, out=out))


def demo_is_current(db: str, shop: str, *, days: int, visitors: float, seed: int, lang: str, end: dt.date) -> bool:
    """Whether ``db`` already holds the demo simulated with these parameters (then it is not redone)."""
    import duckdb

    from junshi.simulate.truth import VERSION

    if not Path(db).exists():
        return False
    try:
        with duckdb.connect(db, read_only=True) as con:
            row = con.execute(
                "SELECT count(*) FROM sim_truth_runs WHERE shop_id = ? AND days = ? AND visitors_per_day = ? "
                "AND seed = ? AND lang = ? AND end_date = ? AND version = ?",
                [shop, days, visitors, seed, lang, end, VERSION]).fetchone()
    except duckdb.Error:
        return False
    return bool(row and row[0])


@app.command("demo")
def demo(
    db: Annotated[str, typer.Option("--db", help="Warehouse of the demo shop.")] = DEMO_DB,
    shop: Annotated[str, typer.Option("--shop", help="Shop id of the demo shop.")] = "default",
    lang: LangOption = None,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the dashboard afterwards.")] = True,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port of the dashboard.")] = 8765,
) -> None:
    """Simulate the demo shop (180 days up to yesterday) unless already there, print yesterday's headline,
    and serve the dashboard on localhost (``--no-serve`` to stop after the headline)."""
    from junshi.simulate import yesterday

    data_lang = _data_lang(lang or get_lang())
    end = yesterday()
    params: dict[str, Any] = {"days": DEMO_DAYS, "visitors": DEMO_VISITORS, "seed": DEMO_SEED, "lang": data_lang}
    if demo_is_current(db, shop, end=end, **params):
        console().print(tr("The demo shop in {db} is up to date.", "{db} 中的演示店铺已是最新。", db=db))
    else:
        _run(db, shop=shop, end_date=end, **params)
    print_headline(db, shop, end)
    if serve:
        from junshi.api.server import serve as serve_dashboard

        serve_dashboard(db, shop=shop, port=port)


def print_headline(db: str, shop: str, day: dt.date) -> None:
    """Yesterday's sales, visitors, payment conversion and spend per buyer, against the same weekday a week before."""
    from rich.table import Table

    import junshi
    from junshi.formats import format_value

    with junshi.connect(db, shop) as s:
        result = s.kpi(list(HEADLINE), start=day, end=day, compare="week")
        currency = str(s.settings["currency"])
    table = Table(title=tr("Yesterday ({day}) vs a week before", "昨日（{day}）与上周同日对比", day=day))
    for col in (tr("metric", "指标"), tr("yesterday", "昨日"), tr("a week before", "上周同日"), tr("change", "变化")):
        table.add_column(col, justify="left" if col in ("metric", "指标") else "right")
    for metric in HEADLINE:
        info = result.info(metric)
        now, before = result.value(metric), result.value(f"{metric}_previous")
        pct = result.value(f"{metric}_change_pct")
        table.add_row(info.name(), format_value(now, info.unit, currency), format_value(before, info.unit, currency),
                      format_value(pct, "ratio", change=True))
    console().print(table)
