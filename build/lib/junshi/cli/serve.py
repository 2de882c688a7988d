"""``junshi serve``: the dashboard and JSON API."""

from typing import Annotated

import typer

from junshi.api import server
from junshi.cli.app import app
from junshi.cli.options import DbOption, ShopOption


@app.command()
def serve(
    db: DbOption = None,
    shop: ShopOption = "default",
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (other than localhost needs --token).")
    ] = server.DEFAULT_HOST,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = server.DEFAULT_PORT,
    token: Annotated[
        str | None,
        typer.Option("--token", envvar="JUNSHI_TOKEN", help="Access token [default: the one in the config file]."),
    ] = None,
) -> None:
    """Serve the web dashboard and the JSON API; prints the login URL carrying the token."""
    server.serve(db, shop=shop, host=host, port=port, token=token)
