"""One JSON error shape for every error the API returns.

``{"error": {"type", "status", "message", "hint", "en": {"message", "hint"}, "zh": {...}, "details"}}``:
``message``/``hint`` are in the request's language, ``en``/``zh`` carry both, ``details`` lists the
offending fields of a validation error (else it is empty).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from junshi import errors as E
from junshi.api.lang import request_lang

log = logging.getLogger("junshi.api")

STATUS: list[tuple[type[E.JunshiError], int]] = [
    (E.AccessError, 401),
    (E.StrictIngestError, 422),
    (E.IngestError, 422),
    (E.MetricError, 400),
    (E.ConfigError, 400),
    (E.MissingDataError, 404),
    (E.ModelError, 422),
    (E.WarehouseError, 503),
]


class ErrorText(BaseModel):
    message: str
    hint: str


class ErrorDetail(BaseModel):
    type: str
    status: int
    message: str
    hint: str
    en: ErrorText
    zh: ErrorText
    details: list[dict[str, Any]] = []


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


class UploadTooLarge(E.IngestError):
    """The uploaded file is bigger than the server accepts."""


class Busy(E.JunshiError):
    """Another ingest is running; only one writer at a time."""


STATUS[:0] = [(UploadTooLarge, 413), (Busy, 409)]

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": desc}
    for code, desc in [(400, "Bad request"), (401, "No or wrong token"), (404, "Not found"),
                       (409, "Busy: an ingest runs"), (413, "Upload too large"), (422, "Invalid input"),
                       (503, "Warehouse unavailable")]
}


def status_of(exc: E.JunshiError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def error_response(
    request: Request,
    status: int,
    kind: str,
    en: tuple[str, str],
    zh: tuple[str, str],
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build the one error shape (``en``/``zh`` are (message, hint) pairs)."""
    lang = request_lang(request)
    message, hint = zh if lang == "zh" else en
    body = ErrorBody(
        error=ErrorDetail(
            type=kind,
            status=status,
            message=message,
            hint=hint,
            en=ErrorText(message=en[0], hint=en[1]),
            zh=ErrorText(message=zh[0], hint=zh[1]),
            details=details or [],
        )
    )
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def junshi_error_response(request: Request, exc: E.JunshiError) -> JSONResponse:
    return error_response(
        request, status_of(exc), type(exc).__name__, (exc.en, exc.hint_en), (exc.zh, exc.hint_zh)
    )


_HTTP_TEXT: dict[int, tuple[tuple[str, str], tuple[str, str]]] = {
    404: (
        ("Not found.", "Check the address; the API is described at /openapi.json."),
        ("未找到。", "请检查地址；接口说明见 /openapi.json。"),
    ),
    405: (
        ("Method not allowed.", "See /openapi.json for the methods of each path."),
        ("不支持该请求方法。", "各路径支持的方法见 /openapi.json。"),
    ),
}


def install_error_handlers(app: FastAPI) -> None:
    """Route every error (ours, validation, HTTP, unexpected) to the one shape."""

    async def on_junshi(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, E.JunshiError)
        return junshi_error_response(request, exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        details = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        fields = ", ".join(".".join(d["loc"][1:] or d["loc"]) for d in details)
        return error_response(
            request,
            422,
            "ValidationError",
            (f"Invalid request: {fields}.", "See details and the API description at /openapi.json."),
            (f"请求参数无效：{fields}。", "请查看 details 与 /openapi.json 中的接口说明。"),
            details,
        )

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        en, zh = _HTTP_TEXT.get(exc.status_code, ((str(exc.detail), ""), (str(exc.detail), "")))
        return error_response(request, exc.status_code, "HTTPError", en, zh, headers=dict(exc.headers or {}))

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return error_response(
            request,
            500,
            "InternalError",
            ("Internal error; nothing was changed.", "Retry; if it persists, report it with the server log."),
            ("内部错误；没有任何数据被修改。", "请重试；若仍出现，请附上服务器日志报告问题。"),
        )

    app.add_exception_handler(E.JunshiError, on_junshi)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
