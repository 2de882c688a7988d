"""Imports every subcommand module so that its commands register on the app."""

# Each module below defines its commands with ``@app.command()`` on junshi.cli.app.app.
