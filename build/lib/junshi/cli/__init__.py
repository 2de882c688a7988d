"""The ``junshi`` command line."""

from junshi.cli.app import app, main

__all__ = ["app", "main"]
