"""Every command of the ``junshi`` CLI, read from the Typer app itself (a new command is listed without
editing the tests), and one way to run the CLI in-process."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.core import TyperGroup

from junshi.cli import app, main
from junshi.cli.app import _register


def command_paths() -> list[tuple[str, ...]]:
    """Every runnable command as its words, e.g. ("kpi",), ("customers", "churn"), sorted."""
    _register()
    root = typer.main.get_command(app)
    paths: list[tuple[str, ...]] = []

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        if isinstance(cmd, TyperGroup):
            for name, sub in cmd.commands.items():
                walk(sub, (*path, name))
        else:
            paths.append(path)

    walk(root, ())
    return sorted(paths)


def option_names(path: tuple[str, ...]) -> set[str]:
    """The option names (``--db``, ``--shop`` ...) one command accepts."""
    _register()
    cmd: Any = typer.main.get_command(app)
    for word in path:
        assert isinstance(cmd, TyperGroup)
        cmd = cmd.commands[word]
    return {name for p in cmd.params for name in p.opts if name.startswith("--")}


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``junshi ARGV`` in this process as the entry point does: (exit code, stdout, stderr).

    Any exception other than the SystemExit of a clean exit escapes, so a traceback fails the test."""
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err
