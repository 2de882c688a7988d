"""What routes reach through the request: the engine and the token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from junshi.api.engine import Engine


def engine_of(request: HTTPConnection) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def token_of(request: HTTPConnection) -> str:
    token: str = request.app.state.token
    return token


EngineDep = Annotated[Engine, Depends(engine_of)]
