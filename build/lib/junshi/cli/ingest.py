"""``junshi ingest`` (load shop exports) and ``junshi quarantine`` (rows that could not be loaded)."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from junshi.cli.app import app
from junshi.cli.options import (
    DbOption,
    Engine,
    EngineOption,
    FormatOption,
    ReportFormat,
    ReportFormatOption,
    ShopOption,
    TableFormat,
    open_shop,
)
from junshi.cli.output import console, err_console
from junshi.i18n import tr

if TYPE_CHECKING:
    from junshi.ingest import IngestReport


def _print_report(report: "IngestReport") -> None:
    from rich.table import Table

    from junshi.ingest.detect import kind_label
    from junshi.ingest.reasons import show

    out = console()
    files = len(report.files)
    out.print(tr("Loaded {rows} rows from {files} file(s) into shop {shop} in {s:.1f}s (run {run}).",
                 "已从 {files} 个文件导入 {rows} 行到店铺 {shop}，用时 {s:.1f} 秒（批次 {run}）。",
                 rows=report.rows_loaded, files=files, shop=report.shop_id, s=report.seconds, run=report.run_id))
    taken = Table(tr("file", "文件"), tr("taken as", "识别为"), tr("loaded", "导入"), tr("quarantined", "隔离"),
                  tr("skipped", "跳过"), title=tr("Files (skipped: total rows)", "文件（跳过：合计行）"))
    for f in report.files:
        en, zh = kind_label(f.preset, f.kind)
        as_ = tr(en, zh) if en else tr("alias table: {t}", "别名表：{t}", t=", ".join(f.tables))
        taken.add_row(Path(f.source_file).name, as_, f"{f.rows_loaded:,}", f"{f.rows_quarantined:,}",
                      f"{f.rows_skipped:,}")
    out.print(taken)
    written = Table(tr("table", "数据表"), tr("rows written", "写入行数"), title=tr("Written", "已写入"))
    for name, n in report.tables.items():
        written.add_row(name, f"{n:,}")
    out.print(written)
    if report.quarantined:
        q = Table(tr("table", "数据表"), tr("reason", "原因"), tr("rows", "行数"), tr("first example", "首个示例"),
                  title=tr("Quarantined ({n} rows; see junshi quarantine)", "已隔离（{n} 行；见 junshi quarantine）",
                           n=report.rows_quarantined))
        for r in report.quarantined:
            ex = r.examples[0] if r.examples else None
            where = f"{Path(ex.source_file).name}:{ex.source_line} {ex.raw[:80]}" if ex else ""
            q.add_row(r.table, show(r.reason), f"{r.rows:,}", where)
        out.print(q)


@app.command("ingest")
def ingest_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (every file in a folder is loaded).")],
    preset: Annotated[str | None, typer.Option(
        "--preset", help="Source format, e.g. taobao-orders, sycm, online-retail (every preset: docs/ingest.md; an "
        "unknown name lists them). Without it each file's kind is recognised from its headers; a file of no kind "
        "goes through the alias table."
    )] = None,
    table: Annotated[str | None, typer.Option(
        "--table", help="Canonical table to load into (without a preset; default: guessed from the headers).")] = None,
    shop: ShopOption = "default",
    db: DbOption = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Load nothing (exit code 3) if any row would be quarantined.")] = False,
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", help="Header mapping SOURCE=COLUMN (or SOURCE=table.column); repeatable.")] = None,
    fmt: ReportFormatOption = ReportFormat.table,
    engine: EngineOption = Engine.duckdb,
) -> None:
    """Load shop exports (CSV/TSV, XLS/XLSX, Parquet, JSON Lines; UTF-8 or GBK) into the warehouse.

    All or nothing: a failed or interrupted run leaves the warehouse as it was. Loading the same file
    again replaces its rows instead of adding copies. Bad rows go to quarantine with a reason.
    With --engine spark (a lake) Spark reads and checks the files (docs/lake.md: which presets).
    """
    from junshi.cli.served import local_path

    err = err_console()
    files = [str(local_path(p)) for p in paths]
    with open_shop(db, shop, write=engine == Engine.duckdb, engine=engine) as s:
        if err.is_terminal:
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                          console=err, transient=True) as progress:
                task = progress.add_task(tr("loading", "导入中"), total=None)
                report = s.ingest(files, preset=preset, table=table, strict=strict,
                                  mapping=mapping, progress=lambda text: progress.update(task, description=text))
        else:  # a log, not a terminal: one line per step
            report = s.ingest(files, preset=preset, table=table, strict=strict, mapping=mapping,
                              progress=lambda text: err.print(text, highlight=False))
    if fmt == "json":
        print(report.to_json())
    else:
        _print_report(report)


@app.command("quarantine")
def quarantine_cmd(
    shop: ShopOption = "default",
    db: DbOption = None,
    file: Annotated[str | None, typer.Option("--file", help="Only rows from this source file.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows to show.")] = 50,
    fmt: FormatOption = TableFormat.table,
) -> None:
    """List rows that could not be loaded: source file, line, reason and the raw row."""
    with open_shop(db, shop) as s:
        t = s.table("quarantine")
        if file:
            from junshi.cli.served import local_path

            t = t.filter(t.source_file == str(local_path(Path(file)).resolve()))
        total = int(t.count().execute())
        rows = t.order_by([t.source_file, t.source_line]).limit(limit).execute()
    if fmt == "json":
        print(rows.to_json(orient="records", force_ascii=False))
        return
    if fmt == "csv":
        from junshi.exports import write_csv

        write_csv(rows, sys.stdout)
        return
    from rich.table import Table

    from junshi.ingest.reasons import show

    view = Table(tr("table", "数据表"), tr("file", "文件"), tr("line", "行"), tr("reason", "原因"),
                 tr("raw row", "原始内容"),
                 title=tr("Quarantine: {n} of {total} rows", "隔离区：{total} 行中的 {n} 行", n=len(rows), total=total))
    for r in rows.itertuples():
        view.add_row(str(r.table_name), Path(str(r.source_file)).name, str(r.source_line), show(str(r.reason)),
                     str(r.raw)[:100])
    console().print(view)
