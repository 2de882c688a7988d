"""``junshi lake vacuum``: housekeeping of a lake (``--db lake:FOLDER``)."""

from typing import Annotated

import typer

from junshi.cli.app import app
from junshi.cli.options import DbOption, ReportFormat, ReportFormatOption
from junshi.cli.output import console, print_json
from junshi.i18n import tr

lake_app = typer.Typer(name="lake", no_args_is_help=True, rich_markup_mode=None,
                       help="Lake (湖仓, --db lake:FOLDER) housekeeping.")
app.add_typer(lake_app)


@lake_app.command("vacuum")
def vacuum_cmd(
    db: DbOption = None,
    shop: Annotated[str | None, typer.Option(
        "--shop", envvar="JUNSHI_SHOP", help="Only this shop's files [default: every shop's and old commits].")] = None,
    older_than: Annotated[str, typer.Option(
        "--older-than", help="Retention: keep every commit younger than this and the files it names (7d, 12h, 30m); "
        "older files no kept commit names are deleted.")] = "7d",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be deleted; delete nothing.")] = False,
    fmt: ReportFormatOption = ReportFormat.table,
) -> None:
    """Delete the lake's files that no kept commit names: replaced partitions and the files of loads that never
    committed (killed), once older than the retention. The newest commit and its files are always kept."""
    import os

    from junshi.errors import ConfigError
    from junshi.warehouse.lake_catalog import is_lake_url, lake_root
    from junshi.warehouse.lake_vacuum import parse_age, vacuum

    url = db or os.environ.get("JUNSHI_DB") or "junshi.duckdb"
    if not is_lake_url(url):
        raise ConfigError(f"junshi lake vacuum works on a lake, and {url} is not one.",
                          f"junshi lake vacuum 用于湖仓，而 {url} 不是湖仓。",
                          hint_en="Use --db lake:FOLDER.", hint_zh="请使用 --db lake:文件夹。")
    report = vacuum(lake_root(url), parse_age(older_than), dry_run=dry_run, shop=shop)
    if fmt == ReportFormat.json:
        from dataclasses import asdict

        print_json(asdict(report))
        return
    out = console()
    n, mb = len(report.deleted_files), report.deleted_bytes / 1e6
    out.print(tr("Would delete {n} files ({mb:.1f} MB) and {c} old commits; kept {k} commits and their {f} files.",
                 "将删除 {n} 个文件（{mb:.1f} MB）和 {c} 个旧提交；保留 {k} 个提交及其 {f} 个文件。",
                 n=n, mb=mb, c=len(report.deleted_commits), k=len(report.kept_commits), f=report.kept_files)
              if dry_run else
              tr("Deleted {n} files ({mb:.1f} MB) and {c} old commits; kept {k} commits and their {f} files.",
                 "已删除 {n} 个文件（{mb:.1f} MB）和 {c} 个旧提交；保留 {k} 个提交及其 {f} 个文件。",
                 n=n, mb=mb, c=len(report.deleted_commits), k=len(report.kept_commits), f=report.kept_files))
    for path in report.deleted_files[:20]:
        out.print(f"  {path}", highlight=False)
    if n > 20:
        out.print(tr("  ... and {n} more", "  ……另有 {n} 个", n=n - 20))
