"""The Typer application: global options, error handling, and the subcommands' registration."""

import sys
from typing import Annotated

import typer

from junshi import __version__
from junshi.cli.output import err_console
from junshi.errors import JunshiError
from junshi.i18n import Text, set_lang, tr

app = typer.Typer(
    name="junshi",
    help="Junshi (军师): the data center for online shops. Use --lang zh for Chinese.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
INTERRUPTED = Text("Interrupted; nothing half-done was kept.", "已中断；未完成的操作没有保留任何数据。")


def _version(value: bool) -> None:
    if value:
        print(f"junshi {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    lang: Annotated[
        str | None,
        typer.Option("--lang", envvar="JUNSHI_LANG", help="Language of messages: en or zh."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Junshi (军师): the data center for online shops."""
    set_lang(lang)


def _register() -> None:
    """Attach every subcommand module (each defines its commands on ``app``).

    Subcommand modules import only Typer and light Junshi modules at their top; each command imports
    its engine (Ibis, DuckDB, pandas, scikit-learn, FastAPI, Rich ...) inside its function, so that
    ``junshi --help`` and every command's ``--help`` start at once (tests/test_cli_startup.py)."""
    from junshi.cli import commands  # noqa: F401


def run(argv: list[str]) -> int:
    """Run one command line; errors print as a message and a hint, never a traceback. Its exit code.

    A :class:`~junshi.remote.ServerHoldsWarehouse` passes through (the entry point runs the command
    through that server); the server runs its clients' commands here too (:mod:`junshi.cli.served`)."""
    _register()
    try:
        code = app(args=argv, standalone_mode=False)
        if isinstance(code, int) and code:  # typer returns (not raises) an Exit's code, e.g. 130 on Ctrl-C
            if code == 130:
                err_console().print(INTERRUPTED())
            return code
        return 0
    except JunshiError as exc:
        show_error(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        err_console().print(INTERRUPTED())
        return 130
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        return 130
    except typer.TyperException as exc:  # usage errors from typer's bundled click
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err_console().print(exc.format_message(), highlight=False)
        return exc.exit_code


def show_error(exc: JunshiError) -> None:
    """An error as the CLI prints it: the message, then what to do."""
    err_console().print(f"[bold red]{tr('Error', '错误')}:[/] {exc.message()}", highlight=False)
    if exc.hint():
        err_console().print(f"[yellow]{tr('What to do', '怎么办')}:[/] {exc.hint()}", highlight=False)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI (through the server holding the warehouse, when one does)."""
    from junshi.cli import served
    from junshi.remote import ServerHoldsWarehouse, run_remote

    served.ARGV[:] = sys.argv[1:] if argv is None else argv
    try:
        code = run(list(served.ARGV))
    except ServerHoldsWarehouse as held:
        try:
            code = run_remote(held.endpoint, held.request)
        except JunshiError as exc:
            show_error(exc)
            code = exc.exit_code
    if code:
        sys.exit(code)
