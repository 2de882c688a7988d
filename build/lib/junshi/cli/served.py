"""A CLI command run inside the server that holds its warehouse (:mod:`junshi.remote`).

The client sends its arguments as typed, with what its process knew and the server's does not: the
working folder (relative paths), the language, the shop its options chose (``--shop`` or
``JUNSHI_SHOP``) and how its terminal shows output. The server parses the same arguments with the same
Typer app in one of its worker threads; for that thread :func:`hosted_shop` gives the server's own
connection, :func:`local_path` reads paths from the client's folder, and the consoles and ``print``
write into buffers returned to the client. Only the standard library is imported at the top: this
module is on every command's path.
"""

from __future__ import annotations

import io
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console

    from junshi.api.engine import Engine
    from junshi.shop import Shop

_local = threading.local()
ARGV: list[str] = []  # the arguments of this process's command (set by the entry point)


@dataclass
class Hosted:
    """One command run in the server's thread: its engine, the client's context and the captured output."""

    engine: Engine
    request: dict[str, Any]
    out: io.StringIO = field(default_factory=io.StringIO)
    err: io.StringIO = field(default_factory=io.StringIO)
    consoles: dict[bool, Console] = field(default_factory=dict)


def current() -> Hosted | None:
    """The command hosted by this thread, if any."""
    hosted: Hosted | None = getattr(_local, "hosted", None)
    return hosted


def request_for(shop: str) -> dict[str, Any]:
    """What the server needs to run this process's command as it would run here."""
    from junshi.cli.output import console, err_console
    from junshi.i18n import get_lang

    out = console()
    return {"argv": ARGV, "cwd": os.getcwd(), "lang": get_lang(), "shop": shop,
            "width": out.width, "terminal": out.is_terminal, "color_system": out.color_system,
            "err_width": err_console().width}


def hosted_shop(shop: str, *, clean: bool, write: bool) -> AbstractContextManager[Shop] | None:
    """Inside the server: the shop on the server's connection of this thread (a write goes through its
    single-writer gate); None elsewhere."""
    hosted = current()
    if hosted is None:
        return None
    return _shop_of(hosted, str(hosted.request.get("shop") or shop), clean, write)


@contextmanager
def _shop_of(hosted: Hosted, shop_id: str, clean: bool, write: bool) -> Iterator[Shop]:
    from junshi.shop import Shop

    if not write:
        yield Shop(hosted.engine.shop().warehouse, shop_id, clean=clean)  # the server's connection stays open
        return
    with hosted.engine.writing() as base:
        yield Shop(base.warehouse, shop_id, clean=clean)


def local_path(path: Path) -> Path:
    """A path the user typed, from their working folder (the client's, when hosted)."""
    hosted = current()
    return Path(hosted.request["cwd"], path) if hosted is not None else path


def hosted_console(stderr: bool) -> Console | None:
    """The console of the hosted command on this thread, shaped like the client's; None elsewhere."""
    hosted = current()
    if hosted is None:
        return None
    if stderr not in hosted.consoles:
        from rich.console import Console

        asked = hosted.request
        if stderr:  # plain lines: progress shown at the end would only be noise
            made = Console(file=hosted.err, width=int(asked["err_width"]), force_terminal=False)
        else:
            made = Console(file=hosted.out, width=int(asked["width"]), force_terminal=bool(asked["terminal"]),
                           force_interactive=False, color_system=asked["color_system"])
        hosted.consoles[stderr] = made
    return hosted.consoles[stderr]


class _ThreadStreams(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` in the server: a hosted command's thread writes into its buffer,
    every other thread to the real stream."""

    def __init__(self, real: TextIO, stderr: bool) -> None:
        self.real, self.stderr = real, stderr

    def _target(self) -> TextIO:
        hosted = current()
        if hosted is None:
            return self.real
        return hosted.err if self.stderr else hosted.out

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return current() is None and self.real.isatty()


_install_lock = threading.Lock()


def _install_streams() -> None:
    with _install_lock:
        if not isinstance(sys.stdout, _ThreadStreams):
            sys.stdout = _ThreadStreams(sys.stdout, stderr=False)
        if not isinstance(sys.stderr, _ThreadStreams):
            sys.stderr = _ThreadStreams(sys.stderr, stderr=True)


def run_hosted(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Run a client's command in this thread against ``engine``; what it printed and its exit code."""
    from junshi.cli.app import run
    from junshi.i18n import parse_lang, thread_lang

    _install_streams()
    hosted = Hosted(engine, request)
    _local.hosted = hosted
    try:
        with thread_lang(parse_lang(str(request.get("lang") or "en"))):
            code = run([str(a) for a in request["argv"]])
    finally:
        _local.hosted = None
    return {"stdout": hosted.out.getvalue(), "stderr": hosted.err.getvalue(), "exit_code": code}
